-- Near-repeat (Knox) bands for one place beside all places together.
select place_id, days_band, days_from, days_to, incidents, observed, expected, ratio, p_value
from mart_near_repeat
where place_id in ($place_id, 'All places')
order by place_id = 'All places', days_from
