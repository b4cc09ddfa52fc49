-- Events in one ward or LSOA by month and source, for the months up to the chosen one;
-- a council scope counts what it counts in area_events.sql, in an area it sees.
with seen as (
    select $code as code where cm_whole_scope($scope)
    union all
    select code from mart_area_scopes where council_code = $scope and level = $level and code = $code
),

offence_lsoas as (
    select code as lsoa_code from mart_area_scopes where council_code = $scope and level = 'lsoa' and counts_offences
),

months as (
    select unnest(generate_series($trend_from::date, $month_to::date, interval 1 month))::date as month
),

counts as (
    select event_month as month, event_source, sum(events) as events, sum(events_ckey) as events_ckey
    from mart_monthly_area_counts
    where (case when $level = 'ward' then ward_code else lsoa_code end) in (select v.code from seen as v)
      and event_month between $trend_from and $month_to
      and list_contains($sources, event_source)
      and cm_counted(locality, age_band, sex, is_looked_after, 'All', $age_bands, $sexes, $looked_after)
      and (cm_in_scope(owner_code, $scope)
           or (event_source = 'offence' and lsoa_code in (select o.lsoa_code from offence_lsoas as o)))
    group by all
)

select m.month, s.event_source, coalesce(c.events, 0)::bigint as events,
       coalesce(c.events_ckey, 0)::bigint as events_ckey
from months as m
cross join (select unnest($sources) as event_source) as s
left join counts as c using (month, event_source)
order by m.month, s.event_source
