-- One peer group's row of mart_peer_groups (none when no member is in the user's scope).
-- not perturbed: places (how many places of concern, not children)
-- not perturbed: councils (how many councils' children are members, not how many children)
select * from mart_peer_groups
where group_id = $group_id
  and group_id in (select group_id from mart_peer_group_members where cm_in_scope(owner_code, $scope))
