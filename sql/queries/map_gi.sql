-- Getis-Ord Gi* classes and Poisson exceedance of every ward or LSOA for the period
-- (whole area, every child: the hotspot marts are computed before the sidebar's
-- locality and who-filters).
select
    area_code as code, area_name as name, locality, events, children_10_17, rate_per_1000,
    expected, ratio, gi_z, gi_q, gi_class, is_hotspot, is_exceedance, method
from mart_area_hotspots
where level = $level and period = $period and month_to = $month_to and event_source = $event_source
order by area_code
