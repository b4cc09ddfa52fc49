-- One row per locality: children aged 10-17.
select locality, cast(sum(children_10_17) as integer) as children_10_17
from geo_ward
group by locality
order by locality
