-- Places of concern ranked by the combined score for the period and filters:
-- score = $w_missing_found x children found there + $w_rhi_mention x RHIs naming it
-- + $w_offence x offences there or within the place radius (weights from
-- [hotspots.place_weights], shown on screen). With distinct children, themes, change
-- against the previous period of the same length, the last 3 months against the 3
-- before (Rising/Falling by an exact binomial test at 5%), and the hot spot flag and peer
-- groups of mart_place_hotspots (which are for all children and sources). The score the
-- pages show is recomputed from the perturbed counts (contextmap.places_view.shown_scores).
-- not perturbed: peer_groups (how many groups use the place, not children)
with bounds as (
    select
        $month_from::date as m_from,
        $month_to::date as m_to,
        date_diff('month', $month_from::date, $month_to::date) + 1 as n_months
),

windows as (
    select *,
        (m_from - to_months(n_months))::date as prev_from,
        (m_from - interval 1 month)::date as prev_to,
        (m_to - interval 2 month)::date as recent_from,
        (m_to - interval 5 month)::date as before_from,
        (m_to - interval 3 month)::date as before_to
    from bounds
),

events as (
    select e.event_id, e.event_rkey, e.place_id, e.event_month, e.event_source, e.themes
    from int_events as e, windows as w
    where e.place_id is not null
      and e.event_month between least(w.prev_from, w.before_from) and w.m_to
      and list_contains($sources, e.event_source)
      and cm_counted(e.locality, e.age_band, e.sex, e.is_looked_after, 'All', $age_bands, $sexes, $looked_after)
),

period_events as (
    select e.* from events as e, windows as w where e.event_month between w.m_from and w.m_to
),

counts as (
    select
        place_id,
        count(*) as events,
        count(*) filter (where event_source = 'missing_found') as missing_found,
        count(*) filter (where event_source = 'rhi_mention') as rhi_mention,
        count(*) filter (where event_source = 'offence') as offence,
        sum(event_rkey) as events_ckey,
        coalesce(sum(event_rkey) filter (where event_source = 'missing_found'), 0) as missing_found_ckey,
        coalesce(sum(event_rkey) filter (where event_source = 'rhi_mention'), 0) as rhi_mention_ckey,
        coalesce(sum(event_rkey) filter (where event_source = 'offence'), 0) as offence_ckey
    from period_events
    group by place_id
),

children as (
    select place_id, count(*) as children, sum(person_rkey) as children_ckey
    from (
        select distinct e.place_id, p.person_key, p.person_rkey
        from period_events as e join int_event_people as p using (event_id)
    ) as place_children
    group by place_id
),

theme_counts as (
    select place_id, theme, count(*) as n
    from (select place_id, unnest(themes) as theme from period_events) as place_themes
    group by all
),

themes as (
    select place_id, list(theme order by n desc, theme) as themes from theme_counts group by place_id
),

changes as (
    select
        e.place_id,
        count(*) filter (where e.event_month between w.prev_from and w.prev_to) as previous_events,
        count(*) filter (where e.event_month between w.recent_from and w.m_to) as recent_3m,
        count(*) filter (where e.event_month between w.before_from and w.before_to) as previous_3m,
        coalesce(sum(e.event_rkey) filter (where e.event_month between w.prev_from and w.prev_to), 0)
            as previous_events_ckey
    from events as e, windows as w
    group by e.place_id
),

flags as (
    select place_id, is_hotspot, poisson_q
    from mart_place_hotspots, windows as w
    where month_from = w.m_from and month_to = w.m_to
),

groups as (
    select place_id, any_value(peer_groups) as peer_groups from mart_place_hotspots group by place_id
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
        coalesce(x.previous_events, 0)::bigint as previous_events,
        coalesce(x.recent_3m, 0)::bigint as recent_3m,
        coalesce(x.previous_3m, 0)::bigint as previous_3m,
        coalesce(c.events_ckey, 0)::bigint as events_ckey,
        coalesce(c.missing_found_ckey, 0)::bigint as missing_found_ckey,
        coalesce(c.rhi_mention_ckey, 0)::bigint as rhi_mention_ckey,
        coalesce(c.offence_ckey, 0)::bigint as offence_ckey,
        coalesce(ch.children_ckey, 0)::bigint as children_ckey,
        coalesce(x.previous_events_ckey, 0)::bigint as previous_events_ckey,
        f.is_hotspot,
        f.poisson_q,
        coalesce(g.peer_groups, 0)::bigint as peer_groups
    from int_places as p
    left join counts as c using (place_id)
    left join children as ch using (place_id)
    left join themes as t using (place_id)
    left join changes as x using (place_id)
    left join flags as f using (place_id)
    left join groups as g using (place_id)
    where $locality = 'All' or p.locality = $locality
),

tested as (
    -- P(X >= k) for X ~ Binomial(n, 1/2): k of n events in one of two 3-month halves.
    select *,
        list_sum([exp(lgamma(recent_3m + previous_3m + 1) - lgamma(k + 1) - lgamma(recent_3m + previous_3m - k + 1)
                      - (recent_3m + previous_3m) * ln(2))
                  for k in range(recent_3m, recent_3m + previous_3m + 1)]) as p_up,
        list_sum([exp(lgamma(recent_3m + previous_3m + 1) - lgamma(k + 1) - lgamma(recent_3m + previous_3m - k + 1)
                      - (recent_3m + previous_3m) * ln(2))
                  for k in range(previous_3m, recent_3m + previous_3m + 1)]) as p_down
    from scored
)

select
    place_id, name, category, locality, ward_name, lsoa_code, sector, lat, lon,
    events, missing_found, rhi_mention, offence, children,
    rank() over (order by score desc) as score_rank,
    themes, previous_events,
    case when recent_3m > previous_3m and p_up < 0.05 then 'Rising'
         when previous_3m > recent_3m and p_down < 0.05 then 'Falling'
         else 'Steady' end as trend,
    is_hotspot, poisson_q, peer_groups,
    events_ckey, missing_found_ckey, rhi_mention_ckey, offence_ckey, children_ckey, previous_events_ckey
from tested
order by score desc, events desc, place_id
