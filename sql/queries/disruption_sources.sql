-- One action's before/after counts and verdict for each event source and for all together
-- (the estimate is recomputed from the perturbed counts: contextmap/disruption_view.py).
-- not perturbed: control_places (how many comparison places, not children)
select event_source, target_before, target_after, control_places, control_before, control_after,
       verdict,
       target_before_ckey, target_after_ckey, control_before_ckey, control_after_ckey
from mart_disruption_effects
where action_id = $action_id
order by event_source = 'all' desc, event_source
