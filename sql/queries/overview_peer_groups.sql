-- The most active peer groups (by events in the last three months with data).
select group_id, size, recent_events, events, episodes, offences, places, main_evidence, localities, top_themes,
       looked_after
from mart_peer_groups
where $locality = 'All' or list_contains(localities, $locality)
order by activity_rank, group_id
limit $limit
