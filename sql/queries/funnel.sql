-- Funnel plot points (ward or LSOA) for the period ending $month_to: each area's rate per
-- 1,000 children aged 10-17 against the exact Poisson 95% and 99.8% control limits around
-- the whole area's rate. Draw the limit curves with contextmap.hotspot_stats.funnel_curve.
with chosen as (
    select case when len($sources) = 1 then $sources[1] else 'all' end as source_key
)

select f.*, c.source_key
from mart_area_funnel as f
cross join chosen as c
where f.level = $level
  and f.month_from = $month_from::date
  and f.month_to = $month_to::date
  and f.event_source = c.source_key
  and ($locality = 'All' or f.locality = $locality)
order by f.area_code
