-- The places and areas whose events in the quarter so far are significantly above their own
-- baseline, as at the chosen month (from the hotspot analysis). In a fixed order and unlimited:
-- the pages order them by what they show (contextmap.emerging_view), never by the true counts.
-- Both counts come with their cell keys, so the ratio the pages show is of perturbed counts
-- (contextmap.hotspot_stats.shown_rate_ratio): the mart's monthly rates and ratio are of true
-- counts and would give the baseline back.
select
    level, unit_code, unit_name, locality, recent_events, recent_events_ckey, recent_months,
    baseline_events, baseline_events_ckey, baseline_months, q_value, label
from mart_emerging_hotspots
where month_to = $month_to
  and is_emerging
  and ($locality = 'All' or locality = $locality)
order by level, unit_code
