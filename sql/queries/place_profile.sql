-- One place of concern: what and where it is.
select place_id, name, category, sector, district, ward_code, ward_name, locality, lat, lon
from int_places
where place_id = $place_id
