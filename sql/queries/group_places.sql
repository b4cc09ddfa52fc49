-- The places one peer group uses, with where they are.
select g.*, p.name, p.category, p.locality, p.lat, p.lon
from mart_place_groups as g
join int_places as p using (place_id)
where g.group_id = $group_id
order by g.events desc, g.place_id
