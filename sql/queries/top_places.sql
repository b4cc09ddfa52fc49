-- Places of concern with the events linked to them in the period, split by source, by id:
-- the meeting pack lists the most (as shown) (contextmap.pack_collect). Events are the sum of
-- the four sources' (missing from the place is not a column of the pack, but the guard needs it).
with counts as (
    select
        place_id,
        sum(events) filter (where event_source = 'missing_found') as found_here,
        sum(events) filter (where event_source = 'rhi_mention') as rhi_mentions,
        sum(events) filter (where event_source = 'offence') as offences,
        sum(events) filter (where event_source = 'missing_from') as missing_from,
        sum(events) as events,
        sum(events_ckey) filter (where event_source = 'missing_found') as found_here_ckey,
        sum(events_ckey) filter (where event_source = 'rhi_mention') as rhi_mentions_ckey,
        sum(events_ckey) filter (where event_source = 'offence') as offences_ckey,
        sum(events_ckey) filter (where event_source = 'missing_from') as missing_from_ckey,
        sum(events_ckey) as events_ckey
    from mart_place_monthly
    where event_month between $month_from and $month_to
      and list_contains($sources, event_source)
    group by place_id
)

select
    p.place_id, p.name, p.category, p.locality, p.ward_name, p.lat, p.lon,
    coalesce(c.found_here, 0)::bigint as found_here,
    coalesce(c.rhi_mentions, 0)::bigint as rhi_mentions,
    coalesce(c.offences, 0)::bigint as offences,
    coalesce(c.missing_from, 0)::bigint as missing_from,
    coalesce(c.events, 0)::bigint as events,
    coalesce(c.found_here_ckey, 0)::bigint as found_here_ckey,
    coalesce(c.rhi_mentions_ckey, 0)::bigint as rhi_mentions_ckey,
    coalesce(c.offences_ckey, 0)::bigint as offences_ckey,
    coalesce(c.missing_from_ckey, 0)::bigint as missing_from_ckey,
    coalesce(c.events_ckey, 0)::bigint as events_ckey
from int_places as p
left join counts as c using (place_id)
where $locality = 'All' or p.locality = $locality
order by p.place_id
