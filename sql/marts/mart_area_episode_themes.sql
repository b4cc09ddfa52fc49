-- The RHI themes of the episodes with an event at each place, ward and LSOA, by month,
-- source and the filters: one row per episode and theme, so a period's distinct episodes
-- per theme (and their cell key) are counted over the months and sources it spans. An
-- event counts at every level it is located at (level: place, ward or lsoa; code: its id).
with episode_events as (
    select
        e.place_id,
        e.ward_code,
        e.lsoa_code,
        e.event_month,
        e.event_source,
        e.age_band,
        e.sex,
        -- Unknown counts as not looked after, as the filters count it (cm_counted).
        coalesce(e.is_looked_after, false) as is_looked_after,
        e.episode_key,
        e.episode_rkey,
        -- Whose records: the episode's owner (a council scope counts only its own).
        e.owner_code,
        unnest(e.themes) as theme
    from int_events as e
    where e.episode_key is not null
),

levels as (
    select 'place' as level, place_id as code, * exclude (place_id, ward_code, lsoa_code)
    from episode_events
    where place_id is not null
    union all by name
    select 'ward' as level, ward_code as code, * exclude (place_id, ward_code, lsoa_code)
    from episode_events
    where ward_code is not null
    union all by name
    select 'lsoa' as level, lsoa_code as code, * exclude (place_id, ward_code, lsoa_code)
    from episode_events
    where lsoa_code is not null
),

final as (
    select distinct
        level, code, event_month, event_source, owner_code, age_band, sex, is_looked_after, episode_key, episode_rkey,
        theme
    from levels
)

select * from final order by all
