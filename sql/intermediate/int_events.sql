-- One row per located event: where a child went missing from or was found, each place or
-- area named in a return home interview, and each offence. The shared fact table of the
-- hotspot and disruption marts.
with episodes as (
    select * from int_episodes
),

rhis as (
    select * from stg_return_home_interviews
),

offences as not materialized (
    -- Read three times below: buffering all of it costs more than scanning again.
    select
        offence_key, person_key, offence_at, lsoa_code, sector, place_id, lat, lon, age_band, sex,
        ethnic_group, offence_group, is_serious_violence, owner_code, source_file, source_row
    from stg_offences
),

places as (
    select * from int_places
),

links as (
    select * from int_place_links
),

rhi_themes as (
    select episode_key, list_sort(list_distinct(flatten(list(themes)))) as themes
    from rhis
    group by episode_key
),

missing_from as (
    select
        'from:' || e.episode_key as event_id, 'missing_from' as event_source,
        e.person_key, e.episode_key, e.started_at as event_at,
        e.missing_from_lsoa as lsoa_code, e.missing_from_sector as sector,
        null::varchar as place_id, null::double as lat, null::double as lon,
        e.is_looked_after, e.age_band, e.sex, e.ethnic_group,
        null::varchar as offence_group, null::boolean as is_serious_violence, t.themes, e.owner_code
    from episodes as e
    left join rhi_themes as t using (episode_key)
    where e.missing_from_lsoa is not null or e.missing_from_sector is not null
),

missing_found as (
    select
        'found:' || e.episode_key, 'missing_found',
        e.person_key, e.episode_key, coalesce(e.ended_at, e.started_at),
        coalesce(e.found_lsoa, p.lsoa_code), coalesce(e.found_sector, p.sector),
        coalesce(e.found_place_id, l.place_id), coalesce(e.found_lat, p.lat), coalesce(e.found_lon, p.lon),
        e.is_looked_after, e.age_band, e.sex, e.ethnic_group,
        null, null, t.themes, e.owner_code
    from episodes as e
    left join links as l on l.lat = e.found_lat and l.lon = e.found_lon
    left join places as p on p.place_id = e.found_place_id
    left join rhi_themes as t using (episode_key)
    where e.found_lsoa is not null or e.found_sector is not null or e.found_place_id is not null
),

rhi_places as (
    select r.rhi_key, r.episode_key, unnest(r.places_mentioned) as place_id
    from rhis as r
),

rhi_areas as (
    -- The two lists are parallel: the sector and LSOA of each postcode named.
    select r.rhi_key, r.episode_key, unnest(r.sectors_mentioned) as sector, unnest(r.lsoas_mentioned) as lsoa_code,
           generate_subscripts(r.sectors_mentioned, 1) as n
    from rhis as r
),

rhi_mentions as (
    select
        'rhi:' || m.rhi_key || ':place:' || m.place_id, 'rhi_mention',
        e.person_key, e.episode_key, coalesce(r.completed_at, r.offered_at, e.ended_at, e.started_at),
        p.lsoa_code, p.sector, m.place_id, p.lat, p.lon,
        e.is_looked_after, e.age_band, e.sex, e.ethnic_group,
        null, null, r.themes, e.owner_code
    from rhi_places as m
    join rhis as r using (rhi_key)
    join episodes as e on e.episode_key = m.episode_key
    left join places as p on p.place_id = m.place_id
    union all
    select
        'rhi:' || a.rhi_key || ':area:' || a.n, 'rhi_mention',
        e.person_key, e.episode_key, coalesce(r.completed_at, r.offered_at, e.ended_at, e.started_at),
        a.lsoa_code, a.sector, null, null, null,
        e.is_looked_after, e.age_band, e.sex, e.ethnic_group,
        null, null, r.themes, e.owner_code
    from rhi_areas as a
    join rhis as r using (rhi_key)
    join episodes as e on e.episode_key = a.episode_key
),

offence_sizes as (
    select offence_key from offences group by offence_key having count(*) > 1
),

offence_events as (
    -- One event per offence; the young person is kept only when exactly one is recorded.
    -- Most offences have one row and pass straight through: grouping all ten million
    -- rows with their columns costs three times as long and spills at national scale.
    select
        offence_key, person_key, offence_at, lsoa_code, sector, place_id, lat, lon,
        -- Demography describes the young person, so only when one is recorded (as below).
        case when person_key is not null then age_band end as age_band,
        case when person_key is not null then sex end as sex,
        case when person_key is not null then ethnic_group end as ethnic_group,
        offence_group, is_serious_violence, owner_code
    from offences anti join offence_sizes using (offence_key)
    union all
    select
        offence_key,
        -- min = max: exactly one young person (a distinct count is ten times slower here).
        case when min(person_key) = max(person_key) then min(person_key) end as person_key,
        min(offence_at) as offence_at,
        arg_min(lsoa_code, (source_file, source_row)) as lsoa_code,
        arg_min(sector, (source_file, source_row)) as sector,
        arg_min(place_id, (source_file, source_row)) as place_id,
        arg_min(lat, (source_file, source_row)) as lat,
        arg_min(lon, (source_file, source_row)) as lon,
        arg_min(age_band, (source_file, source_row)) filter (where person_key is not null) as age_band,
        arg_min(sex, (source_file, source_row)) filter (where person_key is not null) as sex,
        arg_min(ethnic_group, (source_file, source_row)) filter (where person_key is not null) as ethnic_group,
        arg_min(offence_group, (source_file, source_row)) as offence_group,
        bool_or(is_serious_violence) as is_serious_violence,
        arg_min(owner_code, (source_file, source_row)) as owner_code
    from offences semi join offence_sizes using (offence_key)
    group by offence_key
),

offence_rows as (
    select
        'offence:' || o.offence_key, 'offence',
        o.person_key, null, o.offence_at,
        coalesce(o.lsoa_code, p.lsoa_code), coalesce(o.sector, p.sector),
        coalesce(o.place_id, l.place_id), coalesce(o.lat, p.lat), coalesce(o.lon, p.lon),
        null, o.age_band, o.sex, o.ethnic_group,
        o.offence_group, o.is_serious_violence, null, o.owner_code
    from offence_events as o
    left join links as l on l.lat = o.lat and l.lon = o.lon
    left join places as p on p.place_id = o.place_id
),

unioned as (
    select * from missing_from
    union all
    select * from missing_found
    union all
    select * from rhi_mentions
    union all
    select * from offence_rows
),

final as (
    select
        u.event_id,
        u.event_source,
        u.person_key,
        -- Record keys for cell-key perturbation (pipelines/record_keys.py).
        cm_rkey(u.event_id) as event_rkey,
        cm_rkey(u.person_key) as person_rkey,
        cm_rkey(u.episode_key) as episode_rkey,
        u.episode_key,
        u.event_at,
        date_trunc('month', u.event_at)::date as event_month,
        coalesce(u.lsoa_code, s.lsoa_code) as lsoa_code,
        coalesce(g.ward_code, s.ward_code) as ward_code,
        coalesce(g.locality, s.locality, 'Unknown') as locality,
        u.sector,
        split_part(u.sector, ' ', 1) as district,
        u.place_id,
        u.lat,
        u.lon,
        u.is_looked_after,
        coalesce(u.age_band, 'Unknown') as age_band,
        coalesce(u.sex, 'U') as sex,
        coalesce(u.ethnic_group, 'Unknown') as ethnic_group,
        u.offence_group,
        u.is_serious_violence,
        coalesce(u.themes, []) as themes,
        -- Whose records: the data owner of the episode (missing and RHI events) or of the
        -- offence's file (the force's, in a force-wide build).
        u.owner_code
    from unioned as u
    left join geo_lsoa as g on g.lsoa_code = u.lsoa_code
    left join geo_sector as s on s.sector = u.sector
)

-- No ORDER BY: sorting twelve million wide rows does not fit the build's memory limit
-- at national scale, and every reader groups or orders for itself.
select * from final
