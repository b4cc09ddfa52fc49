-- One row per ward: name, locality, children aged 10-17 (LSOAs summed by best-fit ward).
with shapes as (
    select * from ward_shapes
),

lsoa_ward as (
    -- Each LSOA belongs to the ward holding most of its live postcodes.
    select lsoa_code, cm_top(histogram(ward_code)) as ward_code
    from geo_postcode
    group by lsoa_code
),

children as (
    select lw.ward_code, cast(sum(p.children_10_17) as integer) as children_10_17
    from geo_population as p
    join lsoa_ward as lw using (lsoa_code)
    group by lw.ward_code
),

final as (
    select
        s.code as ward_code,
        s.name as ward_name,
        coalesce(l.locality, 'Unassigned') as locality,
        coalesce(c.children_10_17, 0) as children_10_17,
        s.centroid_lat,
        s.centroid_lon
    from shapes as s
    left join geo_locality_map as l on l.ward_code = s.code
    left join children as c on c.ward_code = s.code
)

select * from final order by ward_code
