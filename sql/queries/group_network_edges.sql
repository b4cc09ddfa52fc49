-- Links between members of the chosen groups (within and between those groups).
-- not perturbed: missing_together, co_offending, rhi_named (the evidence behind one link
-- between two pseudonymised children, drawn as line widths; no total is shown beside them)
select a.person_a, a.person_b, a.weight, a.missing_together, a.co_offending, a.rhi_named
from int_associations as a
join mart_peer_group_members as ma on ma.person_key = a.person_a
join mart_peer_group_members as mb on mb.person_key = a.person_b
where list_contains($group_ids, ma.group_id) and list_contains($group_ids, mb.group_id)
order by a.person_a, a.person_b
