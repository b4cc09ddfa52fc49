-- Links between members of the chosen groups (within and between those groups), for the
-- groups with a member in the user's scope; members outside it under the stand-ins of
-- group_network_nodes.
-- not perturbed: missing_together, co_offending, rhi_named (the evidence behind one link
-- between two pseudonymised children, drawn as line widths; no total is shown beside them)
with members as (
    select m.*, row_number() over (partition by m.group_id order by m.person_key) as member_no
    from mart_peer_group_members as m
    where list_contains($group_ids, m.group_id)
      and m.group_id in (select s.group_id from mart_peer_group_members as s where cm_in_scope(s.owner_code, $scope))
),

shown as (
    select person_key,
           case when cm_in_scope(owner_code, $scope) then person_key
                else 'member ' || group_id || '.' || member_no end as shown_key
    from members
)

select ma.shown_key as person_a, mb.shown_key as person_b, a.weight, a.missing_together, a.co_offending, a.rhi_named
from int_associations as a
join shown as ma on ma.person_key = a.person_a
join shown as mb on mb.person_key = a.person_b
order by a.person_a, a.person_b
