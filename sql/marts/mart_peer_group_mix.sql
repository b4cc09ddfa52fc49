-- Breakdowns of each peer group, one row per group, dimension and category: the links that
-- formed it, its members by age band, sex and looked-after status, its offences by type,
-- the themes of its return home interviews and the localities and districts of its events.
with members as (
    select * from mart_peer_group_members
),

people as (
    select * from int_people
),

associations as (
    select * from int_associations
),

group_links as (
    -- A link's record key is its two children's together.
    select a.group_id, e.*, pa.person_rkey + pb.person_rkey as link_rkey
    from associations as e
    join people as pa on pa.person_key = e.person_a
    join people as pb on pb.person_key = e.person_b
    join members as a on a.person_key = e.person_a
    join members as b on b.person_key = e.person_b and b.group_id = a.group_id
),

evidence as (
    select group_id, 'evidence' as dimension, 'missing_together' as category, count(*) as n, sum(link_rkey) as n_ckey
    from group_links where missing_together > 0 group by group_id
    union all
    select group_id, 'evidence', 'co_offending', count(*), sum(link_rkey)
    from group_links where co_offending > 0 group by group_id
    union all
    select group_id, 'evidence', 'rhi_named', count(*), sum(link_rkey)
    from group_links where rhi_named > 0 group by group_id
),

member_rows as (
    select m.group_id,
           p.person_rkey,
           coalesce(p.age_band, 'Unknown') as age_band,
           coalesce(p.sex, 'U') as sex,
           case when p.ever_looked_after then 'Looked after' else 'Not looked after' end as looked_after
    from members as m
    left join people as p using (person_key)
),

member_mix as (
    select group_id, 'age_band' as dimension, age_band as category, count(*) as n, sum(person_rkey) as n_ckey
    from member_rows group by all
    union all
    select group_id, 'sex', sex, count(*), sum(person_rkey) from member_rows group by all
    union all
    select group_id, 'looked_after', looked_after, count(*), sum(person_rkey) from member_rows group by all
),

group_events as (
    select distinct m.group_id, ev.event_id, ev.event_rkey, ev.event_source, ev.offence_group, ev.locality, ev.district
    from members as m
    join int_event_people using (person_key)
    join int_events as ev using (event_id)
),

event_mix as (
    select group_id, 'event_source' as dimension, event_source as category, count(*) as n, sum(event_rkey) as n_ckey
    from group_events group by all
    union all
    select group_id, 'offence_group', coalesce(offence_group, 'Not recorded'), count(*), sum(event_rkey)
    from group_events where event_source = 'offence' group by all
    union all
    select group_id, 'locality', locality, count(*), sum(event_rkey) from group_events group by all
    union all
    select group_id, 'district', district, count(*), sum(event_rkey)
    from group_events where district is not null and district <> '' group by all
),

-- Return home interviews of members' episodes, counted once per theme they record.
theme_mix as (
    select group_id, 'rhi_theme' as dimension, theme as category, count(*) as n, sum(cm_rkey(rhi_key)) as n_ckey
    from (
        select distinct m.group_id, r.rhi_key, unnest(r.themes) as theme
        from members as m
        join int_episodes using (person_key)
        join stg_return_home_interviews as r using (episode_key)
    ) as member_themes
    group by all
),

final as (
    select * from evidence
    union all
    select * from member_mix
    union all
    select * from event_mix
    union all
    select * from theme_mix
)

select group_id, dimension, category, n::integer as n, n_ckey::bigint as n_ckey
from final
order by group_id, dimension, n desc, category
