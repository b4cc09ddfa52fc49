-- One row per ward: name, locality, children aged 10-17 (LSOAs summed by best-fit ward), council.
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

ward_council as (
    -- Wards nest in councils: the council holding most of the ward's postcodes.
    select p.ward_code, cm_top(histogram(c.council_code)) as council_code
    from geo_postcode as p
    join lsoa_councils as c using (lsoa_code)
    group by p.ward_code
),

council_names as (
    select distinct council_code, council_name from lsoa_councils
),

final as (
    select
        s.code as ward_code,
        s.name as ward_name,
        coalesce(l.locality, 'Unassigned') as locality,
        coalesce(c.children_10_17, 0) as children_10_17,
        s.centroid_lat,
        s.centroid_lon,
        wc.council_code,
        cn.council_name
    from shapes as s
    left join geo_locality_map as l on l.ward_code = s.code
    left join children as c on c.ward_code = s.code
    left join ward_council as wc on wc.ward_code = s.code
    left join council_names as cn on cn.council_code = wc.council_code
)

select * from final order by ward_code
