-- Disruption actions started in the period with their estimated effect on all events and
-- the displacement check, for the Disruption page (agency and type are filtered on the page).
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
    e.window_months, e.target_before, e.target_after, e.target_pct_change, e.is_after_spike, e.control_places,
    e.control_before, e.control_after,
    e.control_pct_change, e.rate_ratio, e.ci_low, e.ci_high, e.effect_pct, e.p_value, e.verdict, e.verdict_text,
    d.buffer_kind, d.buffer_before, d.buffer_after, d.buffer_rate_ratio, d.buffer_ci_low, d.buffer_ci_high, d.wdq,
    d.verdict as displacement_verdict, d.verdict_text as displacement_text,
    e.target_before_ckey, e.target_after_ckey, e.control_before_ckey, e.control_after_ckey,
    d.buffer_before_ckey, d.buffer_after_ckey
from effects as e
left join stg_disruption_actions as a using (action_id)
left join areas as ar on ar.level = e.target_level and ar.code = e.target_code
left join mart_disruption_displacement as d using (action_id)
where e.action_month between $month_from and $month_to
  and ($locality = 'All' or ar.locality = $locality)
order by e.action_month desc, e.action_id
