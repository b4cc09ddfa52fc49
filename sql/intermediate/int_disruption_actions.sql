-- Disruption actions with their target (the place, else the area) and their windows: the
-- $disruption_window months before the month the action started, and as many after it.
with actions as (
    select * from stg_disruption_actions
),

places as (
    select * from int_places
),

final as (
    select
        a.action_id, a.action_type, a.agency, a.start_date, a.end_date,
        case when a.place_id is not null then 'place' else a.area_level end as target_level,
        coalesce(a.place_id, a.area_code) as target_code,
        coalesce(p.name, a.area_code) as target_name,
        p.category, p.lat, p.lon,
        date_trunc('month', a.start_date)::date as action_month,
        date_trunc('month', coalesce(a.end_date, a.start_date))::date as end_month,
        (date_trunc('month', a.start_date) - to_months($disruption_window))::date as before_start,
        (date_trunc('month', a.start_date) + to_months($disruption_window))::date as after_end
    from actions as a
    left join places as p on p.place_id = a.place_id
)

select * from final order by action_id
