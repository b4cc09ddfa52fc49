-- Places of concern in one ward or LSOA with their events in the period. A council scope
-- lists the places it sees there (mart_place_scopes) in an area it sees (mart_area_scopes),
-- counting them as place_ranking.sql does.
with area as (
    select $code as code where cm_whole_scope($scope)
    union all
    select code from mart_area_scopes where council_code = $scope and level = $level and code = $code
),

seen as (
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
)

select p.place_id, p.name, p.category, coalesce(sum(e.events), 0)::bigint as events,
       coalesce(sum(e.events_ckey), 0) as events_ckey
from int_places as p
join seen as v using (place_id)
left join mart_place_event_cells as e
    on e.place_id = p.place_id
   and e.event_month between $month_from and $month_to
   and list_contains($sources, e.event_source)
   and (cm_in_scope(e.owner_code, $scope) or (e.event_source = 'offence' and v.counts_offences))
where (case when $level = 'ward' then p.ward_code else p.lsoa_code end) in (select a.code from area as a)
group by all
order by p.name, p.place_id
