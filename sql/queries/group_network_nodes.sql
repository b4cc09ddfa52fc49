-- Members of the chosen groups, for the network figure (the page never shows person_key
-- to a role without the right to see pseudonyms). Only groups with a member in the user's
-- scope, and only the members in it: a dot per member outside it would count them (and
-- give each one's own figures), where the drill-down shows their number suppressed.
select m.group_id, m.person_key, m.events, m.recent_events, m.events_ckey, m.recent_events_ckey
from mart_peer_group_members as m
where list_contains($group_ids, m.group_id)
  and cm_in_scope(m.owner_code, $scope)
order by m.group_id, m.person_key
