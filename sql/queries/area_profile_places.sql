-- Places of concern in one ward or LSOA with their events in the period.
select p.place_id, p.name, p.category, coalesce(sum(e.events), 0)::bigint as events,
       coalesce(sum(e.events_ckey), 0) as events_ckey
from int_places as p
left join mart_place_event_cells as e
    on e.place_id = p.place_id
   and e.event_month between $month_from and $month_to
   and list_contains($sources, e.event_source)
where (case when $level = 'ward' then p.ward_code else p.lsoa_code end) = $code
group by all
order by events desc, p.name
