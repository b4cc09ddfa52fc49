-- Events linked to each place of concern in each of the 8 quarters (3-month blocks) ending
-- in the chosen month, for the filters: the places table's sparklines. quarters_ago = 0 is
-- the latest block; blocks with no events are absent. A council scope counts what it
-- counts in place_ranking.sql, at the places it sees.
with seen as (
    -- The places the scope sees (mart_place_scopes), and whether it counts offences there.
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
)

select
    place_id,
    date_diff('month', event_month, $month_to::date) // 3 as quarters_ago,
    sum(events)::bigint as events,
    sum(events_ckey) as events_ckey
from mart_place_event_cells
join seen as v using (place_id)
where (cm_in_scope(owner_code, $scope) or (event_source = 'offence' and v.counts_offences))
  and event_month between ($month_to::date - interval 23 month)::date and $month_to::date
  and list_contains($sources, event_source)
  and cm_counted(null, age_band, sex, is_looked_after, 'All', $age_bands, $sexes, $looked_after)
group by all
order by place_id, quarters_ago
