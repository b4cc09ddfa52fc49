-- Near-repeat (Knox) test for one place, or 'All places': pairs of incidents at the same
-- place within each days band against the pairs expected when dates are shuffled.
-- not perturbed: observed (pairs of incidents within a days band: the test's statistic, shown beside its
-- expected value)
select *
from mart_near_repeat
where place_id = $place_id
order by days_from
