-- Places of concern with their combined score and figures for the period (map markers and
-- the places table). Every place is listed; places with no events in the period score 0.
select
    p.place_id, p.name, p.category, p.locality, p.ward_name, p.district, p.lat, p.lon,
    coalesce(h.events, 0)::bigint as events,
    coalesce(h.missing_found, 0)::bigint as missing_found,
    coalesce(h.rhi_mention, 0)::bigint as rhi_mention,
    coalesce(h.offence, 0)::bigint as offence,
    coalesce(h.children, 0)::bigint as children,
    coalesce(h.score, 0)::double as score,
    h.score_rank,
    coalesce(h.is_hotspot, false) as is_hotspot,
    h.previous_events, h.change_pct, h.trend, h.themes,
    coalesce(h.peer_groups, 0)::bigint as peer_groups
from int_places as p
left join mart_place_hotspots as h
    on h.place_id = p.place_id and h.period = $period and h.month_to = $month_to
where $locality = 'All' or p.locality = $locality
order by score desc, p.place_id
