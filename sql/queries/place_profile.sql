-- One place of concern: where it is, and its figures for the period when ranked.
select
    p.place_id, p.name, p.category, p.sector, p.district, p.ward_code, p.ward_name, p.locality, p.lat, p.lon,
    h.events, h.missing_found, h.rhi_mention, h.offence, h.children, h.score, h.score_rank,
    h.is_hotspot, h.previous_events, h.change_pct, h.trend, h.themes
from int_places as p
left join mart_place_hotspots as h
    on h.place_id = p.place_id and h.period = $period and h.month_to = $month_to
where p.place_id = $place_id
