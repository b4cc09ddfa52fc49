-- All events at one disruption action's similar places together, for each month of its
-- timeline (the page divides by the number of places for their average).
with months as (
    select month from mart_disruption_timeline where action_id = $action_id and has_data
),

controls as (
    select control_level, control_code from mart_disruption_controls where action_id = $action_id
),

unit_events as (
    select 'place' as level, place_id as code, event_month, event_rkey from int_events where place_id is not null
    union all select 'ward', ward_code, event_month, event_rkey from int_events where ward_code is not null
    union all select 'lsoa', lsoa_code, event_month, event_rkey from int_events where lsoa_code is not null
    union all select 'sector', sector, event_month, event_rkey from int_events where sector is not null
),

control_events as (
    select u.event_month, u.event_rkey
    from controls as c
    join unit_events as u on u.level = c.control_level and u.code = c.control_code
)

select m.month, count(e.event_month) as events, coalesce(sum(e.event_rkey), 0) as events_ckey
from months as m
left join control_events as e on e.event_month = m.month
group by m.month
order by m.month
