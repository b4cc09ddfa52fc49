-- One row per council: children aged 10-17 (its LSOAs summed), the denominator of council rates.
with lsoas as (
    select * from geo_lsoa
),

wards as (
    select council_code, count(*) as wards
    from geo_ward
    group by council_code
),

final as (
    select
        l.council_code,
        any_value(l.council_name) as council_name,
        cast(sum(l.children_10_17) as integer) as children_10_17,
        count(*) as lsoas,
        coalesce(any_value(w.wards), 0) as wards
    from lsoas as l
    left join wards as w using (council_code)
    group by l.council_code
)

select * from final order by council_code
