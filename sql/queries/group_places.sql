-- The places one peer group uses, with where they are, for a group with a member in the
-- user's scope. A council scope sees only the places it sees elsewhere (mart_place_scopes)
-- and, for a group with members outside it, not how many members were seen at each: less
-- the own members its drill-down lists, that would count other councils' children there.
with seen as (
    select place_id from int_places where cm_whole_scope($scope)
    union all
    select place_id from mart_place_scopes where council_code = $scope
),

mixed as (
    select group_id from mart_peer_group_members
    where group_id = $group_id and not cm_in_scope(owner_code, $scope)
)

select
    g.* replace (
        case when g.group_id in (select m.group_id from mixed as m) then null else g.people end as people,
        case when g.group_id in (select m.group_id from mixed as m) then null else g.people_ckey end as people_ckey
    ),
    p.name, p.category, p.locality, p.lat, p.lon
from mart_place_groups as g
join int_places as p using (place_id)
where g.group_id = $group_id
  and g.group_id in (select group_id from mart_peer_group_members where cm_in_scope(owner_code, $scope))
  and g.place_id in (select s.place_id from seen as s)
order by g.place_id
