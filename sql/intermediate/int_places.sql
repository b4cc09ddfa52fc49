-- One row per place of concern, placed in its LSOA, ward and locality.
with places as (
    select * from stg_places
),

lsoas as (
    select * from geo_lsoa
),

final as (
    select
        p.place_id,
        p.name,
        p.category,
        p.sector,
        p.district,
        p.lsoa_code,
        l.ward_code,
        l.ward_name,
        l.locality,
        p.lat,
        p.lon
    from places as p
    left join lsoas as l using (lsoa_code)
)

select * from final order by place_id
