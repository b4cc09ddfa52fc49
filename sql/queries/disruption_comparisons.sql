-- The similar places (or areas) one disruption action is compared with, by name, with their
-- events in the review's before and after windows (the action's own month is in neither).
-- By name, not by how near their true counts are to the target's.
with action as (
    select action_month, before_start, after_end from int_disruption_actions where action_id = $action_id
),

controls as (
    select control_level, control_code from mart_disruption_controls where action_id = $action_id
),

monthly as (
    select * from int_disruption_unit_monthly
),

names as (
    select 'place' as level, place_id as code, name from int_places
    union all
    select 'ward', ward_code, ward_name || ' ward' from geo_ward
    union all
    select 'lsoa', lsoa_code, lsoa_name from geo_lsoa
    union all
    select 'sector', sector, 'postcode sector ' || sector from geo_sector
),

windowed as (
    select
        c.control_level, c.control_code,
        coalesce(
            sum(m.events) filter (where m.event_month >= a.before_start and m.event_month < a.action_month), 0
        )::bigint as events_before,
        coalesce(
            sum(m.events_ckey) filter (where m.event_month >= a.before_start and m.event_month < a.action_month), 0
        )::bigint as events_before_ckey,
        coalesce(
            sum(m.events) filter (where m.event_month > a.action_month and m.event_month <= a.after_end), 0
        )::bigint as events_after,
        coalesce(
            sum(m.events_ckey) filter (where m.event_month > a.action_month and m.event_month <= a.after_end), 0
        )::bigint as events_after_ckey
    from controls as c
    cross join action as a
    left join monthly as m on m.level = c.control_level and m.code = c.control_code
    group by all
)

select w.control_level, coalesce(n.name, w.control_code) as name, w.events_before, w.events_after,
       w.events_before_ckey, w.events_after_ckey
from windowed as w
left join names as n on n.level = w.control_level and n.code = w.control_code
order by name, w.control_code
