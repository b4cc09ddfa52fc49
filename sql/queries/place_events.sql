-- Events linked to one place in the period, counted as place_profile_monthly.sql counts
-- them month by month and place_ranking.sql over the period: the place profile's Events.
with seen as (
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
)

select place_id, sum(events)::bigint as events, sum(events_ckey)::bigint as events_ckey
from mart_place_event_cells
join seen as v using (place_id)
where place_id = $place_id
  and (cm_in_scope(owner_code, $scope) or (event_source = 'offence' and v.counts_offences))
  and event_month between $month_from and $month_to
  and list_contains($sources, event_source)
  and cm_counted(null, age_band, sex, is_looked_after, 'All', $age_bands, $sexes, $looked_after)
group by place_id
