-- Members of the chosen groups, for the network figure (the page never shows person_key
-- to a role without the right to see pseudonyms).
select m.group_id, m.person_key, m.events, m.recent_events, m.events_ckey, m.recent_events_ckey
from mart_peer_group_members as m
join mart_peer_groups as g using (group_id)
where list_contains($group_ids, m.group_id)
order by g.activity_rank, m.person_key
