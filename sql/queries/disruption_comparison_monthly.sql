-- All events at one disruption action's similar places together, for each month of its
-- timeline (the page divides by the number of places for their average).
with months as (
    select month from mart_disruption_timeline where action_id = $action_id and has_data
),

controls as (
    select control_level, control_code from mart_disruption_controls where action_id = $action_id
),

control_monthly as (
    select m.event_month, m.events, m.events_ckey
    from controls as c
    join int_disruption_unit_monthly as m on m.level = c.control_level and m.code = c.control_code
)

select mo.month, coalesce(sum(c.events), 0)::bigint as events, coalesce(sum(c.events_ckey), 0)::bigint as events_ckey
from months as mo
left join control_monthly as c on c.event_month = mo.month
group by mo.month
order by mo.month
