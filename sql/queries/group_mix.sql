-- One peer group's breakdowns (links by evidence, members by age, sex and looked-after
-- status, offences by type, interview themes, events by locality and district), for a
-- group with a member in the user's scope.
select dimension, category, n, n_ckey
from mart_peer_group_mix
where group_id = $group_id
  and group_id in (select group_id from mart_peer_group_members where cm_in_scope(owner_code, $scope))
order by dimension, category
