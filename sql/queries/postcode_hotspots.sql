-- Postcode districts or sectors ($level) for the period ending $month_to: counts, rates
-- per 1,000 children (in-area units) and Poisson exceedance from mart_postcode_hotspots.
with chosen as (
    select case when len($sources) = 1 then $sources[1] else 'all' end as source_key
)

select h.*, c.source_key
from mart_postcode_hotspots as h
cross join chosen as c
where h.level = $level
  and h.month_from = $month_from::date
  and h.month_to = $month_to::date
  and h.event_source = c.source_key
  and ($locality = 'All' or h.locality = $locality)
order by h.events desc, h.code
