-- Each member of a peer group with their links and activity.
-- A member's activity sizes their node in the network view; "recent" is the last three
-- months with data, the same window that ranks the groups. A member's owner is the data
-- owner whose key made their pseudonym (a council, or the force for people known only from
-- its offences): whoever records them or names them in an interview.
with members as (
    select group_id, person_key from int_peer_group_members
),

owners as (
    select person_key, min(owner_code) as owner_code
    from (
        select person_key, owner_code from stg_missing_episodes
        union all
        select person_key, owner_code from stg_offences where person_key is not null
        union all
        select unnest(associate_keys), owner_code from stg_return_home_interviews
    ) as keyed
    where person_key in (select person_key from members)
    group by person_key
),

latest as (
    select max(event_month) as last_month from int_events
),

activity as (
    select ep.person_key, count(distinct ep.event_id) as events,
           count(distinct ep.event_id) filter (
               where e.event_month > (select last_month from latest) - interval 3 month
           ) as recent_events,
           sum(e.event_rkey) as events_ckey,
           coalesce(sum(e.event_rkey) filter (
               where e.event_month > (select last_month from latest) - interval 3 month
           ), 0) as recent_events_ckey
    from int_event_people as ep
    join int_events as e using (event_id)
    where ep.person_key in (select person_key from members)
    group by ep.person_key
),

pairs as (
    select person_a as person_key, person_b as other from int_associations
    union all
    select person_b, person_a from int_associations
),

links as (
    select m.person_key, count(*) as links_in_group
    from members as m
    join pairs as p using (person_key)
    join members as o on o.person_key = p.other and o.group_id = m.group_id
    group by m.person_key
)

select
    m.group_id,
    m.person_key,
    o.owner_code,
    coalesce(l.links_in_group, 0)::integer as links_in_group,
    coalesce(a.events, 0)::integer as events,
    coalesce(a.recent_events, 0)::integer as recent_events,
    coalesce(a.events_ckey, 0)::bigint as events_ckey,
    coalesce(a.recent_events_ckey, 0)::bigint as recent_events_ckey
from members as m
left join activity as a using (person_key)
left join links as l using (person_key)
left join owners as o using (person_key)
order by m.group_id, m.person_key
