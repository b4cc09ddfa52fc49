-- The pseudonyms of one group's members: for analysts with drill-down rights only.
select person_key, links_in_group, events, recent_events
from mart_peer_group_members
where group_id = $group_id
order by recent_events desc, events desc, person_key
