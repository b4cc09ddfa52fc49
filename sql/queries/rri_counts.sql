-- Missing episodes and offences of children aged 10-17 in the period, with the distinct
-- children behind them, by one dimension ($dimension: ethnic_group, sex or looked_after).
-- The whole area: the population denominators are for the whole area. Ethnic group and
-- sex are the child's most often recorded values (int_people), so a child counts in one
-- group; looked-after status is as recorded on the episode, and for offences whether the
-- child was ever recorded as looked after. An offence counts once per child involved; the
-- record key of such a pair is the offence's plus the child's.
with people as (
    select person_key, person_rkey, ethnic_group, sex, ever_looked_after from int_people
),

offence_keys as (
    select event_id, event_rkey from int_events where event_source = 'offence'
),

episodes as (
    select
        'missing' as measure,
        e.episode_key as item,
        e.episode_rkey as item_rkey,
        e.person_key,
        e.person_rkey,
        case $dimension
            when 'ethnic_group' then p.ethnic_group
            when 'sex' then p.sex
            else (case when coalesce(e.is_looked_after, false) then 'Looked after' else 'Not looked after' end)
        end as grp
    from int_episodes as e
    left join people as p using (person_key)
    where e.start_month between $month_from and $month_to
      and e.age_band in ('10-13', '14-15', '16-17')
),

offences as (
    select
        'offences' as measure,
        o.offence_key || ':' || o.person_key as item,
        coalesce(k.event_rkey, 0) + p.person_rkey as item_rkey,
        o.person_key,
        p.person_rkey,
        case $dimension
            when 'ethnic_group' then p.ethnic_group
            when 'sex' then p.sex
            else (case when coalesce(p.ever_looked_after, false) then 'Looked after' else 'Not looked after' end)
        end as grp
    from stg_offences as o
    left join people as p using (person_key)
    left join offence_keys as k on k.event_id = 'offence:' || o.offence_key
    where o.offence_month between $month_from and $month_to
      and o.person_key is not null
      and o.age_band in ('10-13', '14-15', '16-17')
),

counted as (
    select measure, coalesce(grp, 'Unknown') as grp, item, item_rkey, person_key, person_rkey
    from (
        select * from episodes
        union all
        select * from offences
    ) as both_measures
),

items as (
    select measure, grp, count(*) as events, sum(item_rkey) as events_ckey
    from (select distinct measure, grp, item, item_rkey from counted) as distinct_items
    group by all
),

children as (
    select measure, grp, count(*) as children, sum(person_rkey) as children_ckey
    from (select distinct measure, grp, person_key, person_rkey from counted) as distinct_children
    group by all
)

select i.measure, i.grp, i.events, c.children, i.events_ckey, c.children_ckey
from items as i
join children as c using (measure, grp)
order by i.measure, i.grp
