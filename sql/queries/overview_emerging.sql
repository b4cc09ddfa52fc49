-- The places and areas whose recent events are significantly above their own baseline,
-- as at the chosen month (from the hotspot analysis), strongest first.
select
    level, unit_code, unit_name, locality, recent_events, recent_events_ckey, recent_months, recent_monthly,
    baseline_monthly,
    rate_ratio, q_value, label
from mart_emerging_hotspots
where month_to = $month_to
  and is_emerging
  and ($locality = 'All' or locality = $locality)
order by q_value, rate_ratio desc, unit_code
limit $limit
