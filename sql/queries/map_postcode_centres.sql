-- any scope: where to draw postcode units (open data)
-- Where to draw each postcode district or sector: the centre of its postcodes in the area
-- (districts outside the area: the centre of the whole district).
with district_centres as (
    select district as code, avg(lat) as lat, avg(lon) as lon from geo_sector group by district
)

select sector as code, lat, lon from geo_sector where $level = 'sector'
union all
select coalesce(c.code, g.district) as code, coalesce(c.lat, g.lat) as lat, coalesce(c.lon, g.lon) as lon
from geo_postcode_district as g
full join district_centres as c on c.code = g.district
where $level = 'district'
