-- Events per month and source for the filters (every month in range, zeros included).
with months as (
    select unnest(generate_series($month_from::date, $month_to::date, interval 1 month))::date as event_month
),

sources as (
    select unnest($sources) as event_source
),

counts as (
    select event_month, event_source, sum(events) as events, sum(events_ckey) as events_ckey
    from mart_monthly_area_counts
    where event_month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and list_contains($sources, event_source)
    group by all
)

select m.event_month, s.event_source, coalesce(c.events, 0)::bigint as events,
       coalesce(c.events_ckey, 0)::bigint as events_ckey
from months as m
cross join sources as s
left join counts as c using (event_month, event_source)
order by m.event_month, s.event_source
