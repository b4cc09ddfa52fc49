-- Each place's counts in the period, exactly as place_ranking.sql counts them (events, the
-- score's parts and distinct children, with their cell keys), without the ranking's themes,
-- change and trend: what the period guard compares a period's ranking with, period by part.
with seen as (
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
),

period_events as (
    select c.place_id, c.event_source, c.events, c.events_ckey
    from mart_place_event_cells as c
    join seen as v using (place_id)
    where c.event_month between $month_from and $month_to
      and (cm_in_scope(c.owner_code, $scope) or (c.event_source = 'offence' and v.counts_offences))
      and list_contains($sources, c.event_source)
      and cm_counted(null, c.age_band, c.sex, c.is_looked_after, 'All', $age_bands, $sexes, $looked_after)
),

counts as (
    select
        place_id,
        sum(events)::bigint as events,
        coalesce(sum(events) filter (where event_source = 'missing_found'), 0)::bigint as missing_found,
        coalesce(sum(events) filter (where event_source = 'rhi_mention'), 0)::bigint as rhi_mention,
        coalesce(sum(events) filter (where event_source = 'offence'), 0)::bigint as offence,
        sum(events_ckey) as events_ckey,
        coalesce(sum(events_ckey) filter (where event_source = 'missing_found'), 0) as missing_found_ckey,
        coalesce(sum(events_ckey) filter (where event_source = 'rhi_mention'), 0) as rhi_mention_ckey,
        coalesce(sum(events_ckey) filter (where event_source = 'offence'), 0) as offence_ckey
    from period_events
    group by place_id
),

children as (
    select place_id, count(*) as children, sum(person_rkey) as children_ckey
    from (
        select distinct c.place_id, c.person_key, c.person_rkey
        from mart_place_children as c
        join seen as v using (place_id)
        where c.event_month between $month_from and $month_to
          and (cm_in_scope(c.owner_code, $scope) or (c.event_source = 'offence' and v.counts_offences))
          and list_contains($sources, c.event_source)
          and cm_counted(null, c.age_band, c.sex, c.is_looked_after, 'All', $age_bands, $sexes, $looked_after)
    ) as place_children
    group by place_id
)

select
    p.place_id,
    coalesce(c.events, 0)::bigint as events,
    coalesce(c.missing_found, 0)::bigint as missing_found,
    coalesce(c.rhi_mention, 0)::bigint as rhi_mention,
    coalesce(c.offence, 0)::bigint as offence,
    coalesce(ch.children, 0)::bigint as children,
    coalesce(c.events_ckey, 0)::bigint as events_ckey,
    coalesce(c.missing_found_ckey, 0)::bigint as missing_found_ckey,
    coalesce(c.rhi_mention_ckey, 0)::bigint as rhi_mention_ckey,
    coalesce(c.offence_ckey, 0)::bigint as offence_ckey,
    coalesce(ch.children_ckey, 0)::bigint as children_ckey
from int_places as p
semi join seen using (place_id)
left join counts as c using (place_id)
left join children as ch using (place_id)
where $locality = 'All' or p.locality = $locality
order by p.place_id
