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
    select distinct m.group_id, ev.event_id, ev.event_source, ev.event_month, ep.person_key
    from members as m
    join int_event_people as ep using (person_key)
    join int_events as ev using (event_id)
),

per_month as (
    select
        group_id,
        event_month as month,
        count(distinct event_id) as events,
        count(distinct event_id) filter (where event_source = 'missing_from') as went_missing,
        count(distinct event_id) filter (where event_source = 'missing_found') as found,
        count(distinct event_id) filter (where event_source = 'rhi_mention') as rhi_mentions,
        count(distinct event_id) filter (where event_source = 'offence') as offences,
        count(distinct person_key) as people_active
    from group_events
    group by all
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
    coalesce(p.people_active, 0)::integer as people_active
from spine as s
left join per_month as p using (group_id, month)
order by s.group_id, s.month
