-- Area hot spots (ward or LSOA) for the period ending $month_to: counts, rates, Gi* and
-- Poisson exceedance from mart_area_hotspots. The measures are for all children; one
-- source chosen gives that source's figures, several give the four sources together
-- (gi_source says which).
with chosen as (
    select case when len($sources) = 1 then $sources[1] else 'all' end as gi_source
)

select h.*, c.gi_source
from mart_area_hotspots as h
cross join chosen as c
where h.level = $level
  and h.month_from = $month_from::date
  and h.month_to = $month_to::date
  and h.event_source = c.gi_source
  and ($locality = 'All' or h.locality = $locality)
order by h.area_code
