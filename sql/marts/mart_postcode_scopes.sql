-- Which postcode districts and sectors a council scope sees, and why (SECURITY.md, "What
-- each scope sees"): those with a postcode in the council, those with a postcode in an
-- LSOA sharing a boundary with it (geo_lsoa_neighbours), and those where its own
-- children's missing or RHI events are located. The whole build (the force) sees every
-- unit, so it needs no rows here.
with postcodes as (
    select p.sector, p.district, l.council_code, p.lsoa_code
    from geo_postcode as p
    join geo_lsoa as l using (lsoa_code)
),

units as (
    select 'sector' as level, sector as code, council_code, lsoa_code from postcodes
    union all
    select 'district', district, council_code, lsoa_code from postcodes
),

own as (
    select distinct level, code, council_code from units where council_code is not null
),

bordering as (
    select distinct u.level, u.code, l.council_code
    from units as u
    join geo_lsoa_neighbours as n on n.lsoa_code = u.lsoa_code
    join geo_lsoa as l on l.lsoa_code = n.neighbour_code
    where l.council_code is distinct from u.council_code
),

own_children as (
    -- The owner of a child's episode is the council whose key pseudonymised the child.
    select distinct 'sector' as level, sector as code, owner_code as council_code
    from int_events
    where episode_key is not null and sector is not null and sector <> ''
    union all
    select distinct 'district', district, owner_code
    from int_events
    where episode_key is not null and district is not null and district <> ''
),

final as (
    select
        level,
        code,
        council_code,
        bool_or(relation = 'own') as is_own,
        bool_or(relation = 'borders') as borders,
        bool_or(relation = 'children') as has_own_children
    from (
        select *, 'own' as relation from own
        union all
        select *, 'borders' from bordering
        union all
        select *, 'children' from own_children
    ) as related
    group by level, code, council_code
)

select * from final order by all
