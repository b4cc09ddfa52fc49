-- The records the relative rate indices count: missing episodes and offences of children
-- aged 10-17, one row per month and item (an episode, or an offence and one child
-- involved: an offence counts once per child), with the child and the groups compared.
-- Ethnic group and sex are the child's most often recorded values (int_people), so a child
-- counts in one group; looked-after status is as recorded on the episode, and for
-- offences whether the child was ever recorded as looked after: unknown (null) when the
-- offence's data owner has no episodes under its key while others do (a force's records
-- in a force-wide build cannot be matched to a council's children). The record key of an
-- offence and child is the offence's plus the child's. scope_code is whose scope counts
-- the item: an episode is its child's council's (the owner), wherever the child went
-- missing; an offence is the council it happened in (as mart_event_cells).
with people as (
    select person_key, person_rkey, ethnic_group, sex, ever_looked_after from int_people
),

episode_owners as (
    select distinct owner_code from stg_missing_episodes
),

-- The offences' data owners under whose key a child's episodes can be found.
care_known as (
    select distinct o.owner_code
    from stg_offences as o
    cross join (select count(*) as n from episode_owners) as owners
    left join episode_owners as e on e.owner_code = o.owner_code
    where e.owner_code is not null or owners.n = 0
),

offence_keys as (
    select e.event_id, e.event_rkey, g.council_code
    from int_events as e
    left join geo_lsoa as g using (lsoa_code)
    where e.event_source = 'offence'
),

episodes as (
    select
        'missing' as measure,
        e.start_month as month,
        e.episode_key as item,
        e.episode_rkey as item_rkey,
        e.person_key,
        e.person_rkey,
        p.ethnic_group,
        p.sex,
        coalesce(e.is_looked_after, false) as is_looked_after,
        e.owner_code as scope_code
    from int_episodes as e
    left join people as p using (person_key)
    where e.age_band in ('10-13', '14-15', '16-17')
),

offences as (
    select
        'offences' as measure,
        o.offence_month as month,
        o.offence_key || ':' || o.person_key as item,
        coalesce(k.event_rkey, 0) + p.person_rkey as item_rkey,
        o.person_key,
        p.person_rkey,
        p.ethnic_group,
        p.sex,
        case when c.owner_code is not null then coalesce(p.ever_looked_after, false) end as is_looked_after,
        k.council_code as scope_code
    from stg_offences as o
    left join people as p using (person_key)
    left join care_known as c on c.owner_code = o.owner_code
    left join offence_keys as k on k.event_id = 'offence:' || o.offence_key
    where o.person_key is not null
      and o.age_band in ('10-13', '14-15', '16-17')
),

final as (
    select * from episodes
    union all
    select distinct * from offences
)

select * from final order by all
