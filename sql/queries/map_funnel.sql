-- Funnel plot of ward or LSOA rates against control limits for the period (whole area,
-- every child: the funnel mart is computed before the locality and who-filters).
select
    area_code as code, area_name as name, locality, events, children_10_17, rate_per_1000,
    district_rate_per_1000, lower_998, lower_95, upper_95, upper_998, funnel_class
from mart_area_funnel
where level = $level and period = $period and month_to = $month_to and event_source = $event_source
order by children_10_17, area_code
