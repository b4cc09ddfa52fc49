-- One peer group's activity by month, for a group with a member in the user's scope.
select * from mart_peer_group_monthly
where group_id = $group_id
  and group_id in (select group_id from mart_peer_group_members where cm_in_scope(owner_code, $scope))
order by month
