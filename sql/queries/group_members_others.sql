-- How many of one group's members are outside the user's scope (other councils' children,
-- and people known only from the force's records), for a council analyst's drill-down,
-- which lists only their own council's pseudonyms. None for the force; no row for a group
-- with none of the scope's children.
select count(*) filter (where not cm_in_scope(m.owner_code, $scope)) as members,
       coalesce(sum(p.person_rkey) filter (where not cm_in_scope(m.owner_code, $scope)), 0) as members_ckey
from mart_peer_group_members as m
left join int_people as p using (person_key)
where m.group_id = $group_id
having bool_or(cm_in_scope(m.owner_code, $scope))
