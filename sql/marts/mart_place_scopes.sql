-- Which places of concern a council scope sees, and why (SECURITY.md, "What each scope
-- sees"): the places in the council, the places in an LSOA sharing a boundary with it
-- (geo_lsoa_neighbours), and the places where its own children's episodes or interviews
-- are located. A council user counts their own children's events at each of these, and
-- the force's offences only at places in or bordering their council. The whole build (the
-- force) sees every place and counts everything, so it needs no rows here.
with places as (
    select p.place_id, p.lsoa_code, l.council_code
    from int_places as p
    left join geo_lsoa as l using (lsoa_code)
),

own as (
    select place_id, council_code from places where council_code is not null
),

bordering as (
    select distinct p.place_id, l.council_code
    from places as p
    join geo_lsoa_neighbours as n on n.lsoa_code = p.lsoa_code
    join geo_lsoa as l on l.lsoa_code = n.neighbour_code
    where l.council_code is distinct from p.council_code
),

own_children as (
    -- The owner of a child's episode is the council whose key pseudonymised the child.
    select distinct place_id, owner_code as council_code
    from int_events
    where place_id is not null and episode_key is not null
),

final as (
    select
        place_id,
        council_code,
        bool_or(relation = 'own') as is_own,
        bool_or(relation = 'borders') as borders,
        bool_or(relation = 'children') as has_own_children,
        -- Offences are the force's records: a council counts them in and next to its area.
        bool_or(relation in ('own', 'borders')) as counts_offences
    from (
        select *, 'own' as relation from own
        union all
        select *, 'borders' from bordering
        union all
        select *, 'children' from own_children
    ) as related
    group by place_id, council_code
)

select * from final order by all
