-- The pseudonyms of one group's members in the user's scope (a council's own children;
-- every member for the force), with the data owner whose key made each: for analysts with
-- drill-down rights only. Other councils' children are only counted (group_members_others).
-- not perturbed: links_in_group (one pseudonymised child's own links, an audited drill-down)
select person_key, owner_code, links_in_group, events, recent_events, events_ckey, recent_events_ckey
from mart_peer_group_members
where group_id = $group_id and cm_in_scope(owner_code, $scope)
order by person_key
