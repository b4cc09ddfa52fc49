-- One action's before/after counts and estimate for each event source and for all together.
select event_source, target_before, target_after, control_places, control_before, control_after,
       rate_ratio, ci_low, ci_high, verdict
from mart_disruption_effects
where action_id = $action_id
order by event_source = 'all' desc, event_source
