-- The pseudonyms of one group's members: for analysts with drill-down rights only.
-- not perturbed: links_in_group (one pseudonymised child's own links, an audited drill-down)
select person_key, links_in_group, events, recent_events, events_ckey, recent_events_ckey
from mart_peer_group_members
where group_id = $group_id
order by recent_events desc, events desc, person_key
