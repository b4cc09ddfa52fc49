-- Rejected rows grouped by file and reason, with up to three examples (row and column).
-- not perturbed: rows_rejected (rows of input files, for the admin role)
with numbered as (
    select *, row_number() over (partition by source_file, reason order by source_row, column_name) as n
    from rejects
)

select
    source_file,
    table_name,
    reason,
    count(distinct source_row) as rows_rejected,
    string_agg(
        case when n <= 3
            then 'row ' || source_row || ', ' || column_name || coalesce(' = "' || left(value, 40) || '"', '') end,
        '; ' order by n
    ) as examples
from numbered
group by all
order by rows_rejected desc, source_file, reason
