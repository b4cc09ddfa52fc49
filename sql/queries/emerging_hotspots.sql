-- Emerging hot spots as at $month_to for places, LSOAs or wards ($level): the quarter so
-- far against the unit's own baseline, with the ArcGIS pattern label. Empty when the data
-- before the quarter are too short for a baseline. The pages hide a window's count at the
-- ceiling of its months (contextmap.emerging_view).
select *
from mart_emerging_hotspots
where level = $level
  and month_to = $month_to::date
  and ($locality = 'All' or locality = $locality)
order by is_emerging desc, q_value, recent_events desc, unit_code
