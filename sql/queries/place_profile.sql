-- One place of concern: what and where it is, when the scope sees it (place_ranking.sql),
-- with its cross-border flag (mart_place_cross_border, the same for every scope).
-- not perturbed: cross_border_councils (how many councils, each with more than suppress_max children)
with seen as (
    -- The places the scope sees (mart_place_scopes), and whether it counts offences there.
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
)

select p.place_id, p.name, p.category, p.sector, p.district, p.ward_code, p.ward_name, p.locality, p.lat, p.lon,
       coalesce(b.councils, 0)::bigint as cross_border_councils, coalesce(b.is_cross_border, false) as is_cross_border
from int_places as p
semi join seen using (place_id)
left join mart_place_cross_border as b using (place_id)
where p.place_id = $place_id
