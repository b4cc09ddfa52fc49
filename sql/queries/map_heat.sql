-- Located events for the heat map, counted on a grid of 0.002 degrees (about 220 m by
-- 130 m; mart_map_cells): cells, never single points; the page drops cells disclosure
-- control hides. A council scope counts its own children's events wherever they are and
-- the force's offences only in LSOAs in or bordering the council (mart_area_scopes).
with offence_lsoas as (
    select code as lsoa_code from mart_area_scopes where council_code = $scope and level = 'lsoa' and counts_offences
)

select
    lat,
    lon,
    sum(events)::bigint as events,
    sum(events_ckey) as events_ckey,
    -- Each source's too (events are their sum): the period guard sets the total against them.
    coalesce(sum(events) filter (where event_source = 'missing_from'), 0)::bigint as missing_from,
    coalesce(sum(events_ckey) filter (where event_source = 'missing_from'), 0) as missing_from_ckey,
    coalesce(sum(events) filter (where event_source = 'missing_found'), 0)::bigint as missing_found,
    coalesce(sum(events_ckey) filter (where event_source = 'missing_found'), 0) as missing_found_ckey,
    coalesce(sum(events) filter (where event_source = 'rhi_mention'), 0)::bigint as rhi_mention,
    coalesce(sum(events_ckey) filter (where event_source = 'rhi_mention'), 0) as rhi_mention_ckey,
    coalesce(sum(events) filter (where event_source = 'offence'), 0)::bigint as offence,
    coalesce(sum(events_ckey) filter (where event_source = 'offence'), 0) as offence_ckey
from mart_map_cells
where event_month between $month_from and $month_to
  and cm_counted(locality, age_band, sex, is_looked_after, $locality, $age_bands, $sexes, $looked_after)
  and list_contains($sources, event_source)
  and (cm_in_scope(owner_code, $scope)
       or (event_source = 'offence' and lsoa_code in (select o.lsoa_code from offence_lsoas as o)))
group by 1, 2
order by 1, 2
