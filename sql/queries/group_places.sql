-- The places one peer group uses, with where they are, for a group with a member in the
-- user's scope.
select g.*, p.name, p.category, p.locality, p.lat, p.lon
from mart_place_groups as g
join int_places as p using (place_id)
where g.group_id = $group_id
  and g.group_id in (select group_id from mart_peer_group_members where cm_in_scope(owner_code, $scope))
order by g.events desc, g.place_id
