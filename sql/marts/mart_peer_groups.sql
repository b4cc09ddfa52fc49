-- One row per peer group: its size, what links it, who is in it (in aggregate), what it
-- does and where, and how active it has been in the last three months with data.
with members as (
    select * from mart_peer_group_members
),

people as (
    select * from int_people
),

associations as (
    select * from int_associations
),

latest as (
    select max(event_month) as last_month from int_events
),

-- The councils among the data owners: those that supply missing episodes (the force
-- supplies offences only).
council_owners as (
    select distinct owner_code from stg_missing_episodes
),

-- Links between two members of the same group, by the evidence behind them.
group_links as (
    select
        a.group_id,
        count(*) as links,
        count(*) filter (where e.missing_together > 0) as links_missing_together,
        count(*) filter (where e.co_offending > 0) as links_co_offending,
        count(*) filter (where e.rhi_named > 0) as links_rhi_named,
        sum(e.weight) as link_weight,
        -- A link's record key is its two children's together.
        sum(pa.person_rkey + pb.person_rkey) as links_ckey,
        coalesce(sum(pa.person_rkey + pb.person_rkey) filter (where e.missing_together > 0), 0)
            as links_missing_together_ckey,
        coalesce(sum(pa.person_rkey + pb.person_rkey) filter (where e.co_offending > 0), 0) as links_co_offending_ckey,
        coalesce(sum(pa.person_rkey + pb.person_rkey) filter (where e.rhi_named > 0), 0) as links_rhi_named_ckey
    from associations as e
    join members as a on a.person_key = e.person_a
    join members as b on b.person_key = e.person_b and b.group_id = a.group_id
    join people as pa on pa.person_key = e.person_a
    join people as pb on pb.person_key = e.person_b
    group by a.group_id
),

member_mix as (
    select
        m.group_id,
        count(*) as size,
        count(*) filter (where p.ever_looked_after) as looked_after,
        sum(m.events) as member_events,
        count(distinct c.owner_code) as councils,
        sum(p.person_rkey) as size_ckey,
        coalesce(sum(p.person_rkey) filter (where p.ever_looked_after), 0) as looked_after_ckey
    from members as m
    left join people as p using (person_key)
    left join council_owners as c on c.owner_code = m.owner_code
    group by m.group_id
),

group_episodes as (
    select m.group_id, count(*) as episodes, sum(e.episode_rkey) as episodes_ckey,
           min(e.started_at) as first_episode_at, max(e.started_at) as last_episode_at
    from members as m
    join int_episodes as e using (person_key)
    group by m.group_id
),

-- Every event any member was part of (an offence with two members counts once).
group_events as (
    select distinct m.group_id, ev.event_id, ev.event_rkey, ev.event_source, ev.event_at, ev.event_month,
                    ev.locality, ev.district, ev.place_id
    from members as m
    join int_event_people using (person_key)
    join int_events as ev using (event_id)
),

event_summary as (
    select
        g.group_id,
        count(*) as events,
        count(*) filter (where g.event_source = 'offence') as offences,
        count(*) filter (where g.event_month > l.last_month - interval 3 month) as recent_events,
        count(distinct g.place_id) as places,
        sum(g.event_rkey) as events_ckey,
        coalesce(sum(g.event_rkey) filter (where g.event_source = 'offence'), 0) as offences_ckey,
        coalesce(sum(g.event_rkey) filter (where g.event_month > l.last_month - interval 3 month), 0)
            as recent_events_ckey,
        min(g.event_at) as first_event_at,
        max(g.event_at) as last_event_at
    from group_events as g, latest as l
    group by g.group_id
),

localities as (
    select group_id, list(locality order by n desc, locality) as localities
    from (select group_id, locality, count(*) as n from group_events where locality <> 'Unknown' group by all) as counts
    group by group_id
),

districts as (
    select group_id, list(district order by n desc, district) as districts
    from (
        select group_id, district, count(*) as n
        from group_events where district is not null and district <> '' group by all
    ) as counts
    group by group_id
),

-- The five themes with most interviews as shown, chosen in pipelines/peer_groups/themes.py.
themes as (
    select group_id, top_themes from int_peer_group_themes
),

final as (
    select
        mm.group_id,
        mm.size,
        coalesce(gl.links, 0) as links,
        coalesce(gl.links_missing_together, 0) as links_missing_together,
        coalesce(gl.links_co_offending, 0) as links_co_offending,
        coalesce(gl.links_rhi_named, 0) as links_rhi_named,
        coalesce(gl.link_weight, 0) as link_weight,
        -- The kind of link most pairs in the group share (ties in the order listed).
        case greatest(gl.links_missing_together, gl.links_co_offending, gl.links_rhi_named)
            when 0 then null
            when gl.links_missing_together then 'missing_together'
            when gl.links_co_offending then 'co_offending'
            else 'rhi_named'
        end as main_evidence,
        mm.councils,
        -- Cross-border: members pseudonymised by two or more councils' keys.
        mm.councils >= 2 as is_cross_border,
        mm.looked_after,
        mm.looked_after / mm.size as looked_after_share,
        coalesce(ge.episodes, 0) as episodes,
        coalesce(es.offences, 0) as offences,
        coalesce(es.events, 0) as events,
        coalesce(es.recent_events, 0) as recent_events,
        coalesce(es.places, 0) as places,
        least(es.first_event_at, ge.first_episode_at) as first_activity_at,
        greatest(es.last_event_at, ge.last_episode_at) as last_activity_at,
        coalesce(lo.localities, []) as localities,
        coalesce(di.districts, []) as districts,
        coalesce(th.top_themes, []) as top_themes,
        ids.first_built_at,
        ids.previous_jaccard is not null as seen_in_previous_build,
        mm.size_ckey,
        mm.looked_after_ckey,
        coalesce(gl.links_ckey, 0) as links_ckey,
        coalesce(gl.links_missing_together_ckey, 0) as links_missing_together_ckey,
        coalesce(gl.links_co_offending_ckey, 0) as links_co_offending_ckey,
        coalesce(gl.links_rhi_named_ckey, 0) as links_rhi_named_ckey,
        coalesce(ge.episodes_ckey, 0) as episodes_ckey,
        coalesce(es.offences_ckey, 0) as offences_ckey,
        coalesce(es.events_ckey, 0) as events_ckey,
        coalesce(es.recent_events_ckey, 0) as recent_events_ckey
    from member_mix as mm
    left join group_links as gl using (group_id)
    left join group_episodes as ge using (group_id)
    left join event_summary as es using (group_id)
    left join localities as lo using (group_id)
    left join districts as di using (group_id)
    left join themes as th using (group_id)
    left join mart_peer_group_ids as ids using (group_id)
)

select
    *,
    row_number() over (order by recent_events desc, last_activity_at desc nulls last, group_id) as activity_rank
from final
order by group_id
