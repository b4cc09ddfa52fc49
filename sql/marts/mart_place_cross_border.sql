-- Places of concern used by children of two or more councils, over the whole data span
-- (docs/methods.md, "Cross-border places and areas"). A council is counted at a place only
-- when more than $suppress_max of its children have missing or RHI events there: the
-- number of councils is shown to every scope, and a council counted for 1 to
-- $suppress_max children would tell another council's user that some of a hidden count
-- exist. Never which children, nor how many from each council.
with children as (
    select place_id, owner_code, count(distinct person_key) as children
    from int_events
    where place_id is not null and episode_key is not null
    group by all
),

counted as (
    select place_id, count(*) filter (where children > $suppress_max) as councils
    from children
    group by place_id
),

final as (
    select p.place_id, coalesce(c.councils, 0)::bigint as councils, coalesce(c.councils, 0) >= 2 as is_cross_border
    from int_places as p
    left join counted as c using (place_id)
)

select * from final order by place_id
