-- Links between members of the chosen groups (within and between those groups) in the
-- user's scope: the members group_network_nodes draws.
-- not perturbed: missing_together, co_offending, rhi_named (the evidence behind one link
-- between two pseudonymised children, drawn as line widths; no total is shown beside them)
with shown as (
    select person_key
    from mart_peer_group_members
    where list_contains($group_ids, group_id) and cm_in_scope(owner_code, $scope)
)

select a.person_a, a.person_b, a.weight, a.missing_together, a.co_offending, a.rhi_named
from int_associations as a
where a.person_a in (select s.person_key from shown as s)
  and a.person_b in (select s.person_key from shown as s)
order by a.person_a, a.person_b
