-- Peer groups seen at places of concern inside one ward or LSOA (whole data span). An
-- event linked to two places in the area counts at each. Groups count every council's
-- children at a place, so a council scope gets none here (its Peer groups page lists its own).
-- not perturbed: places (places of concern, not children)
select g.group_id, any_value(pg.size) as size, sum(g.events) as events, count(distinct g.place_id) as places,
       max(g.last_event_at) as last_event_at, any_value(pg.size_ckey) as size_ckey, sum(g.events_ckey) as events_ckey
from mart_place_groups as g
join int_places as p using (place_id)
left join mart_peer_groups as pg using (group_id)
where (case when $level = 'ward' then p.ward_code else p.lsoa_code end) = $code
  and cm_whole_scope($scope)
group by g.group_id
order by g.group_id
