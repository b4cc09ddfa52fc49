-- One peer group's row of mart_peer_groups.
-- not perturbed: places (how many places of concern, not children)
select * from mart_peer_groups where group_id = $group_id
