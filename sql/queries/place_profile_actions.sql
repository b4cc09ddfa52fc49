-- Disruption actions at one place (drawn over its monthly timeline), when the scope sees
-- the place (place_ranking.sql): the actions are the partnership's, not children's records.
with seen as (
    -- The places the scope sees (mart_place_scopes), and whether it counts offences there.
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
)

select a.action_id, a.action_type, a.start_date, a.end_date, a.agency
from stg_disruption_actions as a
semi join seen using (place_id)
where a.place_id = $place_id
order by a.start_date, a.action_id
