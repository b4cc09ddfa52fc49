-- Wards and LSOAs used by children of two or more councils, over the whole data span
-- (docs/methods.md, "Cross-border places and areas"), by the rule of
-- mart_place_cross_border: a council is counted in an area only when more than
-- $suppress_max of its children have missing or RHI events there. The number of councils
-- is shown to every scope; never which children, nor how many from each council.
with events as (
    select lsoa_code, ward_code, owner_code, person_key
    from int_events
    where episode_key is not null
),

children as (
    select 'lsoa' as level, lsoa_code as code, owner_code, count(distinct person_key) as children
    from events
    where lsoa_code is not null
    group by all
    union all
    select 'ward', ward_code, owner_code, count(distinct person_key)
    from events
    where ward_code is not null
    group by all
),

final as (
    select level, code, count(*) filter (where children > $suppress_max)::bigint as councils
    from children
    group by level, code
)

select level, code, councils, councils >= 2 as is_cross_border from final order by level, code
