-- One peer group's activity by month.
select * from mart_peer_group_monthly where group_id = $group_id order by month
