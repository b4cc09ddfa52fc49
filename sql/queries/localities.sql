-- any scope: the localities and their population (open data)
select locality, children_10_17 from geo_locality order by locality
