-- Located events for the heat map, counted on a grid of 0.002 degrees (about 220 m by
-- 130 m): cells, never single points; the page drops cells disclosure control hides.
select round(lat / 0.002) * 0.002 as lat, round(lon / 0.002) * 0.002 as lon, count(*) as events,
       sum(event_rkey) as events_ckey
from int_events
where lat is not null and lon is not null
  and event_month between $month_from and $month_to
  and ($locality = 'All' or locality = $locality)
  and list_contains($sources, event_source)
  and list_contains($age_bands, age_band)
  and list_contains($sexes, sex)
  and ($looked_after = 'All' or coalesce(is_looked_after, false) = ($looked_after = 'Looked after'))
group by 1, 2
order by 1, 2
