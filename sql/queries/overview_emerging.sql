-- The places and areas whose events in the quarter so far are significantly above their own
-- baseline, as at the chosen month (from the hotspot analysis). In a fixed order and unlimited:
-- the pages order them by what they show (contextmap.emerging_view), never by the true counts.
select
    level, unit_code, unit_name, locality, recent_events, recent_events_ckey, recent_months,
    baseline_monthly, q_value, label
from mart_emerging_hotspots
where month_to = $month_to
  and is_emerging
  and ($locality = 'All' or locality = $locality)
order by level, unit_code
