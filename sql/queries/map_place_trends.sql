-- Events linked to each place of concern in each of the months up to the chosen one
-- (zeros included), for the places table's sparklines.
with months as (
    select unnest(generate_series($trend_from::date, $month_to::date, interval 1 month))::date as event_month
),

counts as (
    select place_id, event_month, sum(events) as events
    from mart_place_monthly
    where event_month between $trend_from and $month_to
      and list_contains($sources, event_source)
    group by all
)

select p.place_id, m.event_month, coalesce(c.events, 0)::bigint as events
from int_places as p
cross join months as m
left join counts as c using (place_id, event_month)
order by p.place_id, m.event_month
