-- The peer groups with a member in the user's scope, by number: the meeting pack lists the
-- most active by their events in the last three months as shown (contextmap.pack_collect).
-- not perturbed: places (how many places of concern, not children)
select group_id, size, recent_events, events, episodes, offences, places, main_evidence, localities, top_themes,
       looked_after, size_ckey, recent_events_ckey, events_ckey, episodes_ckey, offences_ckey, looked_after_ckey
from mart_peer_groups
where ($locality = 'All' or list_contains(localities, $locality))
  and group_id in (select group_id from mart_peer_group_members where cm_in_scope(owner_code, $scope))
order by group_id
