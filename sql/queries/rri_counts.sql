-- Missing episodes and offences of children aged 10-17 in the period, with the distinct
-- children behind them, by one dimension ($dimension: ethnic_group, sex or looked_after).
-- The whole area: the population denominators are for the whole area. Ethnic group and
-- sex are the child's most often recorded values (int_people), so a child counts in one
-- group; looked-after status is as recorded on the episode, and for offences whether the
-- child was ever recorded as looked after.
with people as (
    select person_key, ethnic_group, sex, ever_looked_after from int_people
),

episodes as (
    select
        'missing' as measure,
        e.episode_key as item,
        e.person_key,
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
        o.person_key,
        case $dimension
            when 'ethnic_group' then p.ethnic_group
            when 'sex' then p.sex
            else (case when coalesce(p.ever_looked_after, false) then 'Looked after' else 'Not looked after' end)
        end as grp
    from stg_offences as o
    left join people as p using (person_key)
    where o.offence_month between $month_from and $month_to
      and o.person_key is not null
      and o.age_band in ('10-13', '14-15', '16-17')
)

select measure, coalesce(grp, 'Unknown') as grp, count(distinct item) as events, count(distinct person_key) as children
from (select * from episodes union all select * from offences)
group by all
order by measure, grp
