-- any scope: area shapes (open data)
select code, name, geojson from geo_boundary where level = $level order by code
