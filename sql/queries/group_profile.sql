-- One peer group's row of mart_peer_groups.
select * from mart_peer_groups where group_id = $group_id
