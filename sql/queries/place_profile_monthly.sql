-- Events linked to one place by month and source, for the months up to the chosen one;
-- a council scope counts what it counts in place_ranking.sql, at a place it sees.
with seen as (
    -- The places the scope sees (mart_place_scopes), and whether it counts offences there.
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
),

months as (
    select unnest(generate_series($trend_from::date, $month_to::date, interval 1 month))::date as month
),

counts as (
    select event_month as month, event_source, sum(events) as events, sum(events_ckey) as events_ckey
    from mart_place_event_cells
    join seen as v using (place_id)
    where place_id = $place_id
      and (cm_in_scope(owner_code, $scope) or (event_source = 'offence' and v.counts_offences))
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
