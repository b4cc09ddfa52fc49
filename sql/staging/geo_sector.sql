-- One row per postcode sector in the area: its district, main ward and locality, centre.
with postcodes as (
    select * from geo_postcode
),

wards as (
    select * from geo_ward
),

final as (
    select
        p.sector,
        any_value(p.district) as district,
        cm_top(histogram(p.lsoa_code)) as lsoa_code,
        cm_top(histogram(p.ward_code)) as ward_code,
        cm_top(histogram(w.locality)) as locality,
        round(avg(p.lat), 6) as lat,
        round(avg(p.lon), 6) as lon,
        count(*) as postcodes
    from postcodes as p
    left join wards as w using (ward_code)
    group by p.sector
)

select * from final order by sector
