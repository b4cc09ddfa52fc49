-- One row per pseudonymised person seen in any source.
with episodes as (
    select * from stg_missing_episodes
),

offences as (
    select * from stg_offences where person_key is not null
),

sectors as (
    select * from geo_sector
),

appearances as (
    select person_key, started_at as seen_at, age_band, sex, ethnic_group, is_looked_after,
           home_sector, 1 as is_episode, 0 as is_offence
    from episodes
    union all
    select person_key, offence_at, age_band, sex, ethnic_group, null, null, 0, 1
    from offences
),

per_person as (
    select
        person_key,
        min(seen_at) as first_seen,
        max(seen_at) as last_seen,
        arg_max(age_band, (seen_at, age_band)) filter (where age_band <> 'Unknown') as age_band,
        cm_top(histogram(sex) filter (where sex <> 'U')) as sex,
        cm_top(histogram(ethnic_group) filter (where ethnic_group <> 'Unknown')) as ethnic_group,
        coalesce(bool_or(is_looked_after), false) as ever_looked_after,
        arg_max(home_sector, (seen_at, home_sector)) filter (where home_sector is not null) as home_sector,
        sum(is_episode) as episodes,
        sum(is_offence) as offences
    from appearances
    group by person_key
),

final as (
    select
        p.person_key,
        cm_rkey(p.person_key) as person_rkey,
        p.first_seen,
        p.last_seen,
        coalesce(p.age_band, 'Unknown') as age_band,
        coalesce(p.sex, 'U') as sex,
        coalesce(p.ethnic_group, 'Unknown') as ethnic_group,
        p.ever_looked_after,
        p.home_sector,
        split_part(p.home_sector, ' ', 1) as home_district,
        s.locality as home_locality,
        p.episodes,
        p.offences
    from per_person as p
    left join sectors as s on s.sector = p.home_sector
)

select * from final order by person_key
