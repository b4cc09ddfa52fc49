-- One action's before/after counts for each event source and for all together, with the
-- dates' has_data; the estimate and each source's reading are worked out from the perturbed
-- counts (contextmap/disruption_view.py), never read from the marts' true-count verdicts.
-- not perturbed: control_places (how many comparison places, not children)
select
    e.event_source, e.target_level, e.target_before, e.target_after, e.control_places, e.control_before,
    e.control_after,
    coalesce(e.before_start >= cov.first_month and e.after_end <= cov.last_month, false) as has_data,
    e.target_before_ckey, e.target_after_ckey, e.control_before_ckey, e.control_after_ckey
from mart_disruption_effects as e
cross join (select first_month, last_month from mart_coverage where source = 'all') as cov
where e.action_id = $action_id
order by e.event_source = 'all' desc, e.event_source
