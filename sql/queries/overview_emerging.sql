-- The places and areas whose events in the quarter so far are significantly above their own
-- baseline, as at the chosen month (from the hotspot analysis). In a fixed order and unlimited:
-- the pages order them by what they show (contextmap.emerging_view), never by the true counts.
-- The window's count comes with its cell key; the baseline's count and the mart's monthly
-- rates and ratio are not returned: the pages work the ratio out from the baseline's quarters
-- as the Map and Places show them (contextmap.emerging_view.add_baselines).
select
    level, unit_code, unit_name, locality, recent_events, recent_events_ckey, recent_months,
    baseline_months, q_value, label
from mart_emerging_hotspots
where month_to = $month_to
  and is_emerging
  and ($locality = 'All' or locality = $locality)
order by level, unit_code
