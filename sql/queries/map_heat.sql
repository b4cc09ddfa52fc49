-- Located events for the heat map, counted on a grid of 0.002 degrees (about 220 m by
-- 130 m): cells, never single points; the page drops cells disclosure control hides.
select round(lat / 0.002) * 0.002 as lat, round(lon / 0.002) * 0.002 as lon, count(*) as events,
       sum(event_rkey) as events_ckey
from int_events
where lat is not null and lon is not null
  and event_month between $month_from and $month_to
  and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
  and list_contains($sources, event_source)
group by 1, 2
order by 1, 2
