-- Events linked to one place by month and source, for the months up to the chosen one.
with months as (
    select unnest(generate_series($trend_from::date, $month_to::date, interval 1 month))::date as month
),

counts as (
    select event_month as month, event_source, sum(events) as events, sum(events_ckey) as events_ckey
    from mart_place_event_cells
    where place_id = $place_id
      and event_month between $trend_from and $month_to
      and list_contains($sources, event_source)
      and cm_counted(null, age_band, sex, is_looked_after, 'All', $age_bands, $sexes, $looked_after)
    group by all
)

select m.month, s.event_source, coalesce(c.events, 0)::bigint as events,
       coalesce(c.events_ckey, 0)::bigint as events_ckey
from months as m
cross join (select unnest($sources) as event_source) as s
left join counts as c using (month, event_source)
order by m.month, s.event_source
