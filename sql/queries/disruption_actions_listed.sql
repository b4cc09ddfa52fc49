-- Disruption actions started in the period, what and where only (no counts): the list a
-- council scope is shown. A council scope lists only actions at places or areas in or next
-- to its council (a place or postcode sector of mart_place_scopes or mart_postcode_scopes
-- in or bordering it; a ward or LSOA with an LSOA in or next to it); the effect figures
-- count every council's children, so the page leaves them out for it.
with seen as (
    select 'place' as level, place_id as code from mart_place_scopes
    where council_code = $scope and (is_own or borders)
    union
    select 'sector', code from mart_postcode_scopes
    where level = 'sector' and council_code = $scope and (is_own or borders)
    union
    select level, code from mart_area_scopes
    where council_code = $scope and (is_own or borders)
),

areas as (
    select 'place' as level, place_id as code, name, locality from int_places
    union all
    select 'ward', ward_code, ward_name || ' ward', locality from geo_ward
    union all
    select 'lsoa', lsoa_code, lsoa_name, locality from geo_lsoa
    union all
    select 'sector', sector, 'postcode sector ' || sector, locality from geo_sector
)

select
    e.action_id, e.action_type, coalesce(a.agency, 'Not recorded') as agency, e.target_level, e.target_code,
    coalesce(ar.name, e.target_name) as target_name, coalesce(ar.locality, 'Unknown') as locality,
    e.start_date, e.end_date, e.action_month
from mart_disruption_effects as e
left join stg_disruption_actions as a using (action_id)
left join areas as ar on ar.level = e.target_level and ar.code = e.target_code
where e.event_source = 'all'
  and e.action_month between $month_from and $month_to
  and ($locality = 'All' or ar.locality = $locality)
  and (cm_whole_scope($scope) or (e.target_level, e.target_code) in (select (s.level, s.code) from seen as s))
order by e.action_month desc, e.action_id
