-- The similar places (or areas) one disruption action is compared with, by name, with their
-- events in the review's before and after windows (the start month is in neither).
with action as (
    select action_id, action_month, window_months from mart_disruption_effects
    where action_id = $action_id and event_source = 'all'
),

controls as (
    select control_rank, control_level, control_code from mart_disruption_controls where action_id = $action_id
),

unit_events as (
    select 'place' as level, place_id as code, event_month, event_rkey from int_events where place_id is not null
    union all select 'ward', ward_code, event_month, event_rkey from int_events where ward_code is not null
    union all select 'lsoa', lsoa_code, event_month, event_rkey from int_events where lsoa_code is not null
    union all select 'sector', sector, event_month, event_rkey from int_events where sector is not null
),

names as (
    select 'place' as level, place_id as code, name from int_places
    union all select 'ward', ward_code, ward_name || ' ward' from geo_ward
    union all select 'lsoa', lsoa_code, lsoa_name from geo_lsoa
    union all select 'sector', sector, 'postcode sector ' || sector from geo_sector
),

windowed as (
    select
        c.control_rank, c.control_level, c.control_code,
        count(u.event_month) filter (
            where u.event_month >= a.action_month - to_months(a.window_months) and u.event_month < a.action_month
        ) as events_before,
        coalesce(sum(u.event_rkey) filter (
            where u.event_month >= a.action_month - to_months(a.window_months) and u.event_month < a.action_month
        ), 0) as events_before_ckey,
        count(u.event_month) filter (
            where u.event_month > a.action_month and u.event_month <= a.action_month + to_months(a.window_months)
        ) as events_after,
        coalesce(sum(u.event_rkey) filter (
            where u.event_month > a.action_month and u.event_month <= a.action_month + to_months(a.window_months)
        ), 0) as events_after_ckey
    from controls as c
    cross join action as a
    left join unit_events as u on u.level = c.control_level and u.code = c.control_code
    group by all
)

select w.control_rank, w.control_level, coalesce(n.name, w.control_code) as name, w.events_before, w.events_after,
       w.events_before_ckey, w.events_after_ckey
from windowed as w
left join names as n on n.level = w.control_level and n.code = w.control_code
order by w.control_rank
