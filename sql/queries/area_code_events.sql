-- Events in one ward or LSOA ($code) for the filters, counted exactly as area_events.sql
-- counts every area of the level (the same cells, so the same perturbed figure): an area
-- profile's Events, without counting every other area. view_has_events says whether any
-- area of area_events' rows has an event: the period guard takes a period with none
-- anywhere in the view as known to be empty, as it does for the Map.
with seen as (
    select ward_code as code from geo_ward where cm_whole_scope($scope) and $level = 'ward'
    union all
    select lsoa_code from geo_lsoa where cm_whole_scope($scope) and $level = 'lsoa'
    union all
    select code from mart_area_scopes where council_code = $scope and level = $level
),

offence_lsoas as (
    -- The LSOAs where a council scope counts the force's offences.
    select code as lsoa_code from mart_area_scopes where council_code = $scope and level = 'lsoa' and counts_offences
),

areas as (
    select ward_code as code from geo_ward where $level = 'ward' and ($locality = 'All' or locality = $locality)
    union all
    select lsoa_code from geo_lsoa where $level = 'lsoa' and ($locality = 'All' or locality = $locality)
),

counted as (
    select
        case when $level = 'ward' then ward_code else lsoa_code end as code,
        events,
        events_ckey
    from mart_monthly_area_counts
    where event_month between $month_from and $month_to
      and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
      and list_contains($sources, event_source)
      and (cm_in_scope(owner_code, $scope)
           or (event_source = 'offence' and lsoa_code in (select o.lsoa_code from offence_lsoas as o)))
),

viewed as (
    select c.* from counted as c
    where c.code in (select s.code from seen as s) and c.code in (select a.code from areas as a)
)

select
    $code as code,
    coalesce(sum(events) filter (where code = $code), 0)::bigint as events,
    coalesce(bool_or(events > 0), false) as view_has_events,
    coalesce(sum(events_ckey) filter (where code = $code), 0)::bigint as events_ckey
from viewed
