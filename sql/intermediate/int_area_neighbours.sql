-- Neighbouring wards and LSOAs in one table (a disruption action's buffer is its
-- target area's neighbours).
select 'ward' as level, ward_code as code, neighbour_code from geo_ward_neighbours
union all
select 'lsoa', lsoa_code, neighbour_code from geo_lsoa_neighbours
order by all
