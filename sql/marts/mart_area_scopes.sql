-- Which wards and LSOAs a council scope sees on the Map, and why (SECURITY.md, "What each
-- scope sees"), as mart_place_scopes does for places: the areas of the council, the areas
-- bordering it, and the areas where its own children's episodes or interviews are
-- located. A council counts its own children's events in each, and the force's offences
-- only in an LSOA in or bordering the council (counts_offences, at LSOA level whatever the
-- map's level, so a ward and its LSOAs count the same offences). The whole build (the
-- force) sees every area and counts everything, so it needs no rows here.
with lsoa_own as (
    select lsoa_code as code, council_code from geo_lsoa where council_code is not null
),

lsoa_bordering as (
    select distinct n.lsoa_code as code, l.council_code
    from geo_lsoa_neighbours as n
    join geo_lsoa as here on here.lsoa_code = n.lsoa_code
    join geo_lsoa as l on l.lsoa_code = n.neighbour_code
    where l.council_code is distinct from here.council_code and l.council_code is not null
),

ward_own as (
    select ward_code as code, council_code from geo_ward where council_code is not null
),

ward_bordering as (
    -- A ward borders a council when one of its LSOAs does (best-fit ward of the LSOA).
    select distinct l.ward_code as code, b.council_code
    from lsoa_bordering as b
    join geo_lsoa as l on l.lsoa_code = b.code
    join geo_ward as w on w.ward_code = l.ward_code
    where w.council_code is distinct from b.council_code
),

own_children as (
    -- The owner of a child's episode is the council whose key pseudonymised the child.
    select distinct 'lsoa' as level, lsoa_code as code, owner_code as council_code
    from int_events
    where lsoa_code is not null and episode_key is not null
    union all
    select distinct 'ward', ward_code, owner_code
    from int_events
    where ward_code is not null and episode_key is not null
),

related as (
    select 'lsoa' as level, *, 'own' as relation from lsoa_own
    union all
    select 'lsoa', *, 'borders' from lsoa_bordering
    union all
    select 'ward', *, 'own' from ward_own
    union all
    select 'ward', *, 'borders' from ward_bordering
    union all
    select *, 'children' from own_children
),

final as (
    select
        level,
        code,
        council_code,
        bool_or(relation = 'own') as is_own,
        bool_or(relation = 'borders') as borders,
        bool_or(relation = 'children') as has_own_children,
        -- Offences are the force's records: a council counts them in and next to its area.
        bool_or(relation in ('own', 'borders')) as counts_offences
    from related
    group by level, code, council_code
)

select * from final order by all
