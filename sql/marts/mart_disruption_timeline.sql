-- Each action's monthly events at the target, by source, and the average at its comparison
-- places, $disruption_timeline months either side of the month it started. Months the
-- data do not cover are unknown (null), not zero.
with actions as (
    select * from int_disruption_actions
),

monthly as (
    select * from int_disruption_unit_monthly
),

months as (
    select
        action_id,
        unnest(generate_series(action_month - to_months($disruption_timeline),
                               action_month + to_months($disruption_timeline), interval 1 month))::date as month
    from actions
),

coverage as (
    select min(event_month) as first_month, max(event_month) as last_month from int_events
),

target as (
    select
        mo.action_id,
        mo.month,
        coalesce(sum(m.events), 0)::bigint as events,
        coalesce(sum(m.events_ckey), 0)::bigint as events_ckey,
        coalesce(sum(m.events) filter (where m.event_source = 'missing_from'), 0)::bigint as missing_from,
        coalesce(sum(m.events) filter (where m.event_source = 'missing_found'), 0)::bigint as missing_found,
        coalesce(sum(m.events) filter (where m.event_source = 'rhi_mention'), 0)::bigint as rhi_mention,
        coalesce(sum(m.events) filter (where m.event_source = 'offence'), 0)::bigint as offence,
        coalesce(sum(m.events_ckey) filter (where m.event_source = 'missing_from'), 0)::bigint as missing_from_ckey,
        coalesce(sum(m.events_ckey) filter (where m.event_source = 'missing_found'), 0)::bigint as missing_found_ckey,
        coalesce(sum(m.events_ckey) filter (where m.event_source = 'rhi_mention'), 0)::bigint as rhi_mention_ckey,
        coalesce(sum(m.events_ckey) filter (where m.event_source = 'offence'), 0)::bigint as offence_ckey
    from months as mo
    join actions as a using (action_id)
    left join monthly as m on m.level = a.target_level and m.code = a.target_code and m.event_month = mo.month
    group by all
),

control as (
    select c.action_id, m.event_month as month, sum(m.events) as events
    from mart_disruption_controls as c
    join monthly as m on m.level = c.control_level and m.code = c.control_code
    group by all
),

n_controls as (
    select action_id, count(*) as n from mart_disruption_controls group by action_id
),

final as (
    select
        t.action_id,
        t.month,
        datediff('month', a.action_month, t.month)::integer as month_offset,
        case when t.month < a.action_month then 'before' when t.month = a.action_month then 'action month'
             else 'after' end as period,
        abs(datediff('month', a.action_month, t.month)) between 1 and $disruption_window as is_in_window,
        t.month between a.action_month and a.end_month as is_active,
        coalesce(t.month between cov.first_month and cov.last_month, false) as has_data,
        case when has_data then t.events end as events,
        case when has_data then t.missing_from end as missing_from,
        case when has_data then t.missing_found end as missing_found,
        case when has_data then t.rhi_mention end as rhi_mention,
        case when has_data then t.offence end as offence,
        case when has_data then t.events_ckey end as events_ckey,
        case when has_data then t.missing_from_ckey end as missing_from_ckey,
        case when has_data then t.missing_found_ckey end as missing_found_ckey,
        case when has_data then t.rhi_mention_ckey end as rhi_mention_ckey,
        case when has_data then t.offence_ckey end as offence_ckey,
        case when has_data and n.n > 0 then coalesce(c.events, 0) / n.n end::double as control_events_per_unit
    from target as t
    join actions as a using (action_id)
    cross join coverage as cov
    left join control as c on c.action_id = t.action_id and c.month = t.month
    left join n_controls as n on n.action_id = t.action_id
)

select * from final order by action_id, month
