-- Disruption actions started in the period with the counts of the review on all events and
-- of the displacement check, for the Disruption page (agency and type are filtered on the
-- page). No ratio, interval, percentage, verdict or spike flag of the marts: each comes from
-- true counts and would give them back, so contextmap/disruption_view.py `with_figures`
-- works them out from the perturbed counts and the dates (has_data, has_prior) alone.
-- target_prior: events at the target in the year before the before window (the spike check).
-- not perturbed: control_places (how many comparison places, not children)
with effects as (
    select * from mart_disruption_effects where event_source = 'all'
),

coverage as (
    select first_month, last_month from mart_coverage where source = 'all'
),

prior as (
    select
        a.action_id,
        coalesce(sum(m.events), 0)::bigint as target_prior,
        coalesce(sum(m.events_ckey), 0)::bigint as target_prior_ckey
    from int_disruption_actions as a
    left join int_disruption_unit_monthly as m
        on
            m.level = a.target_level and m.code = a.target_code
            and m.event_month >= a.before_start - to_months(12) and m.event_month < a.before_start
    group by a.action_id
),

areas as (
    select 'place' as level, place_id as code, name, locality from int_places
    union all
    select 'ward', ward_code, ward_name || ' ward', locality from geo_ward
    union all
    select 'lsoa', lsoa_code, lsoa_name, locality from geo_lsoa
    union all
    select 'sector', sector, 'postcode sector ' || sector, locality from geo_sector
)

select
    e.action_id, e.action_type, coalesce(a.agency, 'Not recorded') as agency, e.target_level, e.target_code,
    coalesce(ar.name, e.target_name) as target_name, coalesce(ar.locality, 'Unknown') as locality,
    e.start_date, e.end_date, e.action_month,
    e.window_months, e.target_before, e.target_after, e.control_places, e.control_before, e.control_after,
    d.buffer_before, d.buffer_after, p.target_prior,
    coalesce(e.before_start >= cov.first_month and e.after_end <= cov.last_month, false) as has_data,
    coalesce(e.before_start - to_months(12) >= cov.first_month, false) as has_prior,
    e.target_before_ckey, e.target_after_ckey, e.control_before_ckey, e.control_after_ckey,
    d.buffer_before_ckey, d.buffer_after_ckey, p.target_prior_ckey
from effects as e
cross join coverage as cov
left join stg_disruption_actions as a using (action_id)
left join areas as ar on ar.level = e.target_level and ar.code = e.target_code
left join mart_disruption_displacement as d using (action_id)
left join prior as p using (action_id)
where e.action_month between $month_from and $month_to
  and ($locality = 'All' or ar.locality = $locality)
order by e.action_month desc, e.action_id
