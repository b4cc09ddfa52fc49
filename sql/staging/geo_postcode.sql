-- One row per live postcode in the area: its sector, district, LSOA, ward and point.
with source as (
    select * from geo_postcode_raw
),

final as (
    select
        upper(replace(postcode, ' ', '')) as postcode,
        upper(trim(postcode)) as postcode_display,
        -- The inward code is always three characters, so the sector is all but its last two.
        left(upper(trim(postcode)), length(trim(postcode)) - 2) as sector,
        split_part(upper(trim(postcode)), ' ', 1) as district,
        lsoa_code,
        ward_code,
        cast(lat as double) as lat,
        cast(lon as double) as lon
    from source
)

select * from final order by postcode
