-- The places each peer group uses: one row per place and group with any event of a member
-- linked to the place (found there, named it in an interview, offended there).
with members as (
    select * from mart_peer_group_members
),

latest as (
    select max(event_month) as last_month from int_events
),

group_events as (
    select distinct m.group_id, ev.place_id, ev.event_id, ev.event_rkey, ev.event_source, ev.event_at, ev.event_month,
                    ep.person_key, ep.person_rkey
    from members as m
    join int_event_people as ep using (person_key)
    join int_events as ev using (event_id)
    where ev.place_id is not null
),

-- An offence with two members counts once; so does a member seen there twice.
event_counts as (
    select
        g.place_id,
        g.group_id,
        count(*)::integer as events,
        (count(*) filter (where g.event_source = 'missing_found'))::integer as found_here,
        (count(*) filter (where g.event_source = 'rhi_mention'))::integer as rhi_mentions,
        (count(*) filter (where g.event_source = 'offence'))::integer as offences,
        (count(*) filter (where g.event_month > l.last_month - interval 3 month))::integer as recent_events,
        min(g.event_at) as first_event_at,
        max(g.event_at) as last_event_at,
        sum(g.event_rkey) as events_ckey,
        coalesce(sum(g.event_rkey) filter (where g.event_source = 'missing_found'), 0) as found_here_ckey,
        coalesce(sum(g.event_rkey) filter (where g.event_source = 'rhi_mention'), 0) as rhi_mentions_ckey,
        coalesce(sum(g.event_rkey) filter (where g.event_source = 'offence'), 0) as offences_ckey,
        coalesce(sum(g.event_rkey) filter (where g.event_month > l.last_month - interval 3 month), 0)
            as recent_events_ckey
    from (select distinct place_id, group_id, event_id, event_rkey, event_source, event_at, event_month
          from group_events) as g, latest as l
    group by g.place_id, g.group_id
),

people_counts as (
    select place_id, group_id, count(*)::integer as people, sum(person_rkey) as people_ckey
    from (select distinct place_id, group_id, person_key, person_rkey from group_events) as people
    group by all
)

select
    e.place_id, e.group_id, e.events, e.found_here, e.rhi_mentions, e.offences, e.recent_events, p.people,
    e.first_event_at, e.last_event_at,
    e.events_ckey, e.found_here_ckey, e.rhi_mentions_ckey, e.offences_ckey, e.recent_events_ckey, p.people_ckey
from event_counts as e
join people_counts as p using (place_id, group_id)
order by e.place_id, e.group_id
