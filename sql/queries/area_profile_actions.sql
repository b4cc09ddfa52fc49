-- Disruption actions on one ward or LSOA, or at places inside it; none for an area the
-- scope does not see (mart_area_scopes).
with seen as (
    select $code as code where cm_whole_scope($scope)
    union all
    select code from mart_area_scopes where council_code = $scope and level = $level and code = $code
)

select a.action_id, a.action_type, a.start_date, a.end_date, a.agency
from stg_disruption_actions as a
left join int_places as p using (place_id)
where ((a.area_level = $level and a.area_code = $code)
       or (case when $level = 'ward' then p.ward_code else p.lsoa_code end) = $code)
  and $code in (select v.code from seen as v)
order by a.start_date, a.action_id
