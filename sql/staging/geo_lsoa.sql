-- One row per LSOA: best-fit ward and locality, children aged 10-17, IMD 2019, council.
with shapes as (
    select * from lsoa_shapes
),

lsoa_ward as (
    select lsoa_code, cm_top(histogram(ward_code)) as ward_code
    from geo_postcode
    group by lsoa_code
),

final as (
    select
        s.code as lsoa_code,
        s.name as lsoa_name,
        lw.ward_code,
        w.ward_name,
        w.locality,
        coalesce(p.children_10_17, 0) as children_10_17,
        i.imd_rank,
        i.imd_decile,
        s.centroid_lat,
        s.centroid_lon,
        c.council_code,
        c.council_name
    from shapes as s
    left join lsoa_councils as c on c.lsoa_code = s.code
    left join lsoa_ward as lw on lw.lsoa_code = s.code
    left join geo_ward as w on w.ward_code = lw.ward_code
    left join geo_population as p on p.lsoa_code = s.code
    left join geo_imd as i on i.lsoa_code = s.code
)

select * from final order by lsoa_code
