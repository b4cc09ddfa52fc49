-- One row per locality the user may choose: every one for the whole build, a council's own
-- for a council scope (its children missing elsewhere still count in "All").
select locality, children_10_17
from geo_locality
where cm_in_scope((select any_value(council_code) from geo_lsoa as l where l.locality = geo_locality.locality), $scope)
order by locality
