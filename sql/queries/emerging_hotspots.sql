-- Emerging hot spots as at $month_to for places, LSOAs or wards ($level): the quarter so
-- far against the unit's own baseline, with the ArcGIS pattern label. Empty when the data
-- before the quarter are too short for a baseline. The pages hide a window's count at the
-- ceiling of its months (contextmap.emerging_view). The window's count comes with its cell
-- key; the baseline's count, the mart's monthly rates, ratio and p-values are not returned:
-- the pages work the ratio out from the baseline's quarters as the Map and Places show them
-- (contextmap.emerging_view.add_baselines), as a ratio of the baseline's own count gave it away.
-- In a neutral order: the Map looks each unit up by its code (an order by true count would tell it).
select
    level, unit_code, unit_name, locality, month_to,
    recent_months, recent_events, recent_events_ckey,
    baseline_months,
    q_value, label, is_emerging
from mart_emerging_hotspots
where level = $level
  and month_to = $month_to::date
  and ($locality = 'All' or locality = $locality)
order by unit_code
