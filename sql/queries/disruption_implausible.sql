-- Disruption actions whose before or after window holds the found-at event of an
-- implausibly long episode (pipelines/quality.py): the review flags them.
select distinct unnest(disruption_actions) as action_id from mart_implausible order by action_id
