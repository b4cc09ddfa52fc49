-- The review's findings summarised by action type, over every action in the data.
-- not perturbed: actions, actions_judged, actions_with_enough_events (disruption actions: agency work, not children)
-- not perturbed: likely_effect, no_clear_change, likely_increase, too_few, not_comparable (counts of those actions)
select * from mart_disruption_by_type order by actions desc, action_type
