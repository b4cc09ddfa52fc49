-- Members of the chosen groups, for the network figure (the page never shows person_key
-- to a role without the right to see pseudonyms). Only groups with a member in the user's
-- scope; members outside it are drawn under a stand-in ("member 8.3"), never their
-- pseudonym, the same as in group_network_edges.
with members as (
    select m.*, row_number() over (partition by m.group_id order by m.person_key) as member_no
    from mart_peer_group_members as m
    where list_contains($group_ids, m.group_id)
      and m.group_id in (select s.group_id from mart_peer_group_members as s where cm_in_scope(s.owner_code, $scope))
)

select m.group_id,
       case when cm_in_scope(m.owner_code, $scope) then m.person_key
            else 'member ' || m.group_id || '.' || m.member_no end as person_key,
       m.events, m.recent_events, m.events_ckey, m.recent_events_ckey
from members as m
join mart_peer_groups as g using (group_id)
order by g.activity_rank, m.person_key
