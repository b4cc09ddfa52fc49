-- Emerging hot spots as at $month_to for places, LSOAs or wards ($level): the quarter so
-- far against the unit's own baseline, with the ArcGIS pattern label. Empty when the data
-- before the quarter are too short for a baseline. The pages hide a window's count at the
-- ceiling of its months (contextmap.emerging_view). Both counts come with their cell keys;
-- the mart's monthly rates, ratio and p-values are of true counts and are not returned (the
-- pages work the ratio out from the perturbed counts: contextmap.hotspot_stats.shown_rate_ratio).
-- In a neutral order: the Map looks each unit up by its code (an order by true count would tell it).
select
    level, unit_code, unit_name, locality, month_to,
    recent_months, recent_events, recent_events_ckey,
    baseline_months, baseline_events, baseline_events_ckey,
    q_value, label, is_emerging
from mart_emerging_hotspots
where level = $level
  and month_to = $month_to::date
  and ($locality = 'All' or locality = $locality)
order by unit_code
