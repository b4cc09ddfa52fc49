-- Emerging hotspot patterns of every ward, LSOA or place as at the chosen month (all sources).
select
    unit_code as code, unit_name as name, locality, recent_events, baseline_events, recent_months,
    baseline_months, rate_ratio, q_value, label, is_emerging, method
from mart_emerging_hotspots
where level = $level and month_to = $month_to
order by unit_code
