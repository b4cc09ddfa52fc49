-- Disruption actions started in the period with the counts and verdicts of the review on all
-- events and of the displacement check, for the Disruption page (agency and type are filtered
-- on the page). No ratio, interval, percentage or sentence of the marts: each comes from true
-- counts and would give them back, so contextmap/disruption_view.py `with_figures` recomputes
-- them from the perturbed counts.
-- not perturbed: control_places (how many comparison places, not children)
with effects as (
    select * from mart_disruption_effects where event_source = 'all'
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
    e.window_months, e.target_before, e.target_after, e.is_after_spike, e.control_places,
    e.control_before, e.control_after, e.verdict,
    d.buffer_before, d.buffer_after, d.verdict as displacement_verdict,
    e.target_before_ckey, e.target_after_ckey, e.control_before_ckey, e.control_after_ckey,
    d.buffer_before_ckey, d.buffer_after_ckey
from effects as e
left join stg_disruption_actions as a using (action_id)
left join areas as ar on ar.level = e.target_level and ar.code = e.target_code
left join mart_disruption_displacement as d using (action_id)
where e.action_month between $month_from and $month_to
  and ($locality = 'All' or ar.locality = $locality)
order by e.action_month desc, e.action_id
