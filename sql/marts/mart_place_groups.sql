-- The places each peer group uses: one row per place and group with any event of a member
-- linked to the place (found there, named it in an interview, offended there).
with members as (
    select * from mart_peer_group_members
),

latest as (
    select max(event_month) as last_month from int_events
),

group_events as (
    select distinct m.group_id, ev.place_id, ev.event_id, ev.event_source, ev.event_at, ev.event_month,
                    ep.person_key
    from members as m
    join int_event_people as ep using (person_key)
    join int_events as ev using (event_id)
    where ev.place_id is not null
)

select
    g.place_id,
    g.group_id,
    count(distinct g.event_id)::integer as events,
    count(distinct g.event_id) filter (where g.event_source = 'missing_found')::integer as found_here,
    count(distinct g.event_id) filter (where g.event_source = 'rhi_mention')::integer as rhi_mentions,
    count(distinct g.event_id) filter (where g.event_source = 'offence')::integer as offences,
    count(distinct g.event_id) filter (where g.event_month > l.last_month - interval 3 month)::integer as recent_events,
    count(distinct g.person_key)::integer as people,
    min(g.event_at) as first_event_at,
    max(g.event_at) as last_event_at
from group_events as g, latest as l
group by g.place_id, g.group_id
order by g.place_id, g.group_id
