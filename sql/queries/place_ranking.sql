-- Places of concern ranked by the combined score for the period and filters:
-- score = $w_missing_found x children found there + $w_rhi_mention x RHIs naming it
-- + $w_offence x offences there or within the place radius (weights from
-- [hotspots.place_weights], shown on screen). With distinct children, themes, change
-- against the whole period before ($prev_from to $prev_to; null while the period is still
-- running), and the hot spot flag and peer groups of mart_place_hotspots (which are for
-- all children and sources). The score the pages show is recomputed from the perturbed
-- counts (contextmap.places_view.shown_scores), and the trend from the shown quarters
-- (contextmap.places_view.shown_trends).
-- Events are rolled up from mart_place_event_cells, children from mart_place_children.
-- A council scope ranks only the places it sees (mart_place_scopes), counting its own
-- children's events and the offences at places in or bordering it; the hot spot flag and
-- peer groups count every council's children, so they are left out (null) for it.
-- cross_border_councils: councils with more than suppress_max children at the place over
-- the whole span (mart_place_cross_border), the same for every scope.
-- not perturbed: peer_groups (how many groups use the place, not children)
-- not perturbed: cross_border_councils (how many councils, each with more than suppress_max children)
with bounds as (
    select
        $month_from::date as m_from,
        $month_to::date as m_to,
        date_diff('month', $month_from::date, $month_to::date) + 1 as n_months
),

seen as (
    -- The places the scope sees, and whether it counts the force's offences at each.
    select place_id, true as counts_offences from int_places where cm_whole_scope($scope)
    union all
    select place_id, counts_offences from mart_place_scopes where council_code = $scope
),

windows as (
    select *,
        $prev_from::date as prev_from,
        $prev_to::date as prev_to
    from bounds
),

events as (
    -- A place is filtered by its own locality (below), so no event locality is passed.
    select c.place_id, c.event_month, c.event_source, c.themes, c.events, c.events_ckey
    from mart_place_event_cells as c
    join seen as v using (place_id), windows as w
    where c.event_month between least(w.m_from, coalesce(w.prev_from, w.m_from)) and w.m_to
      and (cm_in_scope(c.owner_code, $scope) or (c.event_source = 'offence' and v.counts_offences))
      and list_contains($sources, c.event_source)
      and cm_counted(null, c.age_band, c.sex, c.is_looked_after, 'All', $age_bands, $sexes, $looked_after)
),

period_events as (
    select e.* from events as e, windows as w where e.event_month between w.m_from and w.m_to
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
    -- A child counts once per place however many months and sources they appear in.
    select place_id, count(*) as children, sum(person_rkey) as children_ckey
    from (
        select distinct c.place_id, c.person_key, c.person_rkey
        from mart_place_children as c
        join seen as v using (place_id), windows as w
        where c.event_month between w.m_from and w.m_to
          and (cm_in_scope(c.owner_code, $scope) or (c.event_source = 'offence' and v.counts_offences))
          and list_contains($sources, c.event_source)
          and cm_counted(null, c.age_band, c.sex, c.is_looked_after, 'All', $age_bands, $sexes, $looked_after)
    ) as place_children
    group by place_id
),

theme_counts as (
    select place_id, theme, sum(events) as n
    from (select place_id, unnest(themes) as theme, events from period_events) as place_themes
    group by all
),

themes as (
    select place_id, list(theme order by n desc, theme) as themes from theme_counts group by place_id
),

changes as (
    select
        e.place_id,
        coalesce(sum(e.events) filter (where e.event_month between w.prev_from and w.prev_to), 0)::bigint
            as previous_events,
        coalesce(sum(e.events_ckey) filter (where e.event_month between w.prev_from and w.prev_to), 0)
            as previous_events_ckey
    from events as e, windows as w
    group by e.place_id
),

flags as (
    select place_id, is_hotspot, poisson_q
    from mart_place_hotspots, windows as w
    where month_from = w.m_from and month_to = w.m_to and cm_whole_scope($scope)
),

groups as (
    select place_id, any_value(peer_groups) as peer_groups
    from mart_place_hotspots
    where cm_whole_scope($scope)
    group by place_id
),

scored as (
    select
        p.place_id, p.name, p.category, p.locality, p.ward_name, p.lsoa_code, p.sector, p.lat, p.lon,
        coalesce(c.events, 0)::bigint as events,
        coalesce(c.missing_found, 0)::bigint as missing_found,
        coalesce(c.rhi_mention, 0)::bigint as rhi_mention,
        coalesce(c.offence, 0)::bigint as offence,
        coalesce(ch.children, 0)::bigint as children,
        $w_missing_found * coalesce(c.missing_found, 0) + $w_rhi_mention * coalesce(c.rhi_mention, 0)
            + $w_offence * coalesce(c.offence, 0) as score,
        coalesce(t.themes, []::varchar[]) as themes,
        case when $prev_from is not null then coalesce(x.previous_events, 0) end::bigint as previous_events,
        coalesce(c.events_ckey, 0)::bigint as events_ckey,
        coalesce(c.missing_found_ckey, 0)::bigint as missing_found_ckey,
        coalesce(c.rhi_mention_ckey, 0)::bigint as rhi_mention_ckey,
        coalesce(c.offence_ckey, 0)::bigint as offence_ckey,
        coalesce(ch.children_ckey, 0)::bigint as children_ckey,
        case when $prev_from is not null then coalesce(x.previous_events_ckey, 0) end::bigint as previous_events_ckey,
        f.is_hotspot,
        f.poisson_q,
        case when cm_whole_scope($scope) then coalesce(g.peer_groups, 0) end::bigint as peer_groups,
        coalesce(b.councils, 0)::bigint as cross_border_councils,
        coalesce(b.is_cross_border, false) as is_cross_border
    from int_places as p
    semi join seen using (place_id)
    left join counts as c using (place_id)
    left join children as ch using (place_id)
    left join themes as t using (place_id)
    left join changes as x using (place_id)
    left join flags as f using (place_id)
    left join groups as g using (place_id)
    left join mart_place_cross_border as b using (place_id)
    where $locality = 'All' or p.locality = $locality
)

select
    place_id, name, category, locality, ward_name, lsoa_code, sector, lat, lon,
    events, missing_found, rhi_mention, offence, children,
    themes, previous_events,
    is_hotspot, poisson_q, peer_groups, cross_border_councils, is_cross_border,
    events_ckey, missing_found_ckey, rhi_mention_ckey, offence_ckey, children_ckey, previous_events_ckey
from scored
order by place_id
