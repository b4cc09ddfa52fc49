-- The records each check flags, by file and row (as rejects are given), to correct at source.
-- not perturbed: source_row (a row number in an input file, not a count)
select check_label, source_file, source_row, month, detail, disruption_actions
from mart_implausible
order by check_order, source_file, source_row
limit $limit
