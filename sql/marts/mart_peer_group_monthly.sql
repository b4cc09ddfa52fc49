-- Each peer group's activity by month, every month of the data (zero months included, so a
-- trend line has no false gaps).
with members as (
    select * from mart_peer_group_members
),

months as (
    select unnest(generate_series(min(event_month), max(event_month), interval 1 month))::date as month
    from int_events
),

group_events as (
    select distinct m.group_id, ev.event_id, ev.event_rkey, ev.event_source, ev.event_month, ep.person_key,
                    ep.person_rkey
    from members as m
    join int_event_people as ep using (person_key)
    join int_events as ev using (event_id)
),

-- An offence with two members counts once for the group; so does a member active twice.
event_counts as (
    select
        group_id,
        event_month as month,
        count(*) as events,
        count(*) filter (where event_source = 'missing_from') as went_missing,
        count(*) filter (where event_source = 'missing_found') as found,
        count(*) filter (where event_source = 'rhi_mention') as rhi_mentions,
        count(*) filter (where event_source = 'offence') as offences,
        sum(event_rkey) as events_ckey,
        coalesce(sum(event_rkey) filter (where event_source = 'missing_from'), 0) as went_missing_ckey,
        coalesce(sum(event_rkey) filter (where event_source = 'missing_found'), 0) as found_ckey,
        coalesce(sum(event_rkey) filter (where event_source = 'rhi_mention'), 0) as rhi_mentions_ckey,
        coalesce(sum(event_rkey) filter (where event_source = 'offence'), 0) as offences_ckey
    from (select distinct group_id, event_id, event_rkey, event_source, event_month from group_events) as events
    group by all
),

people_counts as (
    select group_id, event_month as month, count(*) as people_active, sum(person_rkey) as people_active_ckey
    from (select distinct group_id, event_month, person_key, person_rkey from group_events) as people
    group by all
),

per_month as (
    select * from event_counts join people_counts using (group_id, month)
),

spine as (
    select g.group_id, mo.month
    from (select distinct group_id from members) as g
    cross join months as mo
)

select
    s.group_id,
    s.month,
    coalesce(p.events, 0)::integer as events,
    coalesce(p.went_missing, 0)::integer as went_missing,
    coalesce(p.found, 0)::integer as found,
    coalesce(p.rhi_mentions, 0)::integer as rhi_mentions,
    coalesce(p.offences, 0)::integer as offences,
    coalesce(p.people_active, 0)::integer as people_active,
    coalesce(p.events_ckey, 0)::bigint as events_ckey,
    coalesce(p.went_missing_ckey, 0)::bigint as went_missing_ckey,
    coalesce(p.found_ckey, 0)::bigint as found_ckey,
    coalesce(p.rhi_mentions_ckey, 0)::bigint as rhi_mentions_ckey,
    coalesce(p.offences_ckey, 0)::bigint as offences_ckey,
    coalesce(p.people_active_ckey, 0)::bigint as people_active_ckey
from spine as s
left join per_month as p using (group_id, month)
order by s.group_id, s.month
