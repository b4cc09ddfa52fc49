-- Disruption actions at one place (drawn over its monthly timeline).
select action_id, action_type, start_date, end_date, agency
from stg_disruption_actions
where place_id = $place_id
order by start_date, action_id
