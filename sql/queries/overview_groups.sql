-- Missing episodes and offences involving young people in one period, broken down the
-- ways a change can be explained: looked-after status, locality (and locality by
-- looked-after status), age band and sex. One row per dimension and group.
with episodes as (
    select
        *,
        case when coalesce(is_looked_after, false) then 'Looked after' else 'Not looked after' end as la
    from int_episodes
    where start_month between $month_from and $month_to
      and ($locality = 'All' or locality = $locality)
      and ($looked_after = 'All' or coalesce(is_looked_after, false) = ($looked_after = 'Looked after'))
      and list_contains($age_bands, age_band)
      and list_contains($sexes, sex)
),

offences as (
    select o.offence_key, o.age_band, o.sex, coalesce(l.locality, 'Unknown') as locality
    from stg_offences as o
    left join geo_lsoa as l using (lsoa_code)
    where o.offence_month between $month_from and $month_to
      and o.person_key is not null
      and list_contains($age_bands, o.age_band)
      and list_contains($sexes, o.sex)
),

episode_rows as (
    select 'episodes' as measure, 'looked_after' as dimension, la as grp, count(*) as n from episodes group by all
    union all
    select 'episodes', 'locality', locality, count(*) from episodes group by all
    union all
    select 'episodes', 'locality_la', locality || '|' || la, count(*) from episodes group by all
    union all
    select 'episodes', 'age_band', age_band, count(*) from episodes group by all
    union all
    select 'episodes', 'sex', sex, count(*) from episodes group by all
),

offence_rows as (
    select 'offences' as measure, 'locality' as dimension, locality as grp, count(distinct offence_key) as n
    from offences where $locality = 'All' or locality = $locality group by all
    union all
    select 'offences', 'age_band', age_band, count(distinct offence_key)
    from offences where $locality = 'All' or locality = $locality group by all
    union all
    select 'offences', 'sex', sex, count(distinct offence_key)
    from offences where $locality = 'All' or locality = $locality group by all
)

select * from episode_rows
union all
select * from offence_rows
order by measure, dimension, grp
