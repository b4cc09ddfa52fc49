-- Stages one missing episodes file for stg_missing_episodes: checks, pseudonymises and minimises every row.
-- Reads raw_file: the file's rows as text, a column per missing episodes column (NULL when the file lacks it)
-- and _row, the data row number (1 = the first row after the header).
-- One row per data row: the stg_missing_episodes columns, _row, _errs (the row's rejects; empty = accepted)
-- and bookkeeping columns named _* (pipelines/ingest/staging.py).
-- Generated from pipelines/ingest/sources/missing_episodes.py by `python -m pipelines.ingest.generate`;
-- do not edit.
-- $ipad: the pseudonymisation key's inner pad (pipelines/pseudonym.py; the key never enters SQL text).
-- $opad: the pseudonymisation key's outer pad.
with src as not materialized (
    select
        _row,
        cm_s(episode_id) as episode_id,
        cm_s(person_id) as person_id,
        cm_s(start_datetime) as start_datetime,
        cm_s(end_datetime) as end_datetime,
        cm_s(episode_type) as episode_type,
        cm_s(age) as age,
        cm_s(date_of_birth) as date_of_birth,
        cm_s(sex) as sex,
        cm_s(ethnicity) as ethnicity,
        cm_s(looked_after) as looked_after,
        cm_s(risk_level) as risk_level,
        cm_s(home_postcode) as home_postcode,
        cm_s(missing_from_postcode) as missing_from_postcode,
        cm_s(found_postcode) as found_postcode,
        cm_s(found_lat) as found_lat,
        cm_s(found_lon) as found_lon,
        cm_s(found_place_id) as found_place_id
    from raw_file
),

pcs as (
    select distinct t
    from (
        select home_postcode as t from src
        union
        select missing_from_postcode as t from src
        union
        select found_postcode as t from src
    ) as written
    where t is not null
),

lk as (
    select pcs.t, g.sector, g.district, g.lsoa_code, g.lat, g.lon
    from pcs left join geo_postcode as g on g.postcode = cm_pc(pcs.t)
),

pk as (
    select v, left(sha256($opad::blob || unhex(sha256($ipad::blob || encode(v)))), 16) as k
    from (select distinct person_id as v from src where person_id is not null) as ids
),

pts as (
    select
        lat_t, lon_t,
        case when not cm_lat_bad(lat_t) and not cm_lon_bad(lon_t) then round(cm_num(lat_t), 4) end as lat4,
        case when not cm_lat_bad(lat_t) and not cm_lon_bad(lon_t) then round(cm_num(lon_t), 4) end as lon4
    from (
        select distinct found_lat as lat_t, found_lon as lon_t
        from src where found_lat is not null and found_lon is not null
    ) as written
),

grid_pc as (
    select *, floor(lat / 0.0045)::bigint as gy, floor(lon / 0.0075)::bigint as gx
    from geo_postcode where lat is not null and lon is not null
),

nearest as (
    select
        p.lat4, p.lon4,
        first(g.sector order by (g.lat - p.lat4) ^ 2 + ((g.lon - p.lon4) * 0.6) ^ 2, g.postcode) as sector,
        first(g.district order by (g.lat - p.lat4) ^ 2 + ((g.lon - p.lon4) * 0.6) ^ 2, g.postcode) as district,
        first(g.lsoa_code order by (g.lat - p.lat4) ^ 2 + ((g.lon - p.lon4) * 0.6) ^ 2, g.postcode) as lsoa_code
    from (select distinct lat4, lon4 from pts where lat4 is not null and lon4 is not null) as p
    cross join (select unnest([-1, 0, 1]) as dy) as oy
    cross join (select unnest([-1, 0, 1]) as dx) as ox
    join grid_pc as g
        on g.gy = floor(p.lat4 / 0.0045)::bigint + oy.dy and g.gx = floor(p.lon4 / 0.0075)::bigint + ox.dx
    where g.lat between p.lat4 - 0.0045 and p.lat4 + 0.0045
        and g.lon between p.lon4 - 0.0075 and p.lon4 + 0.0075
    group by p.lat4, p.lon4
),

near as (
    select p.lat_t, p.lon_t, p.lat4 is not null as has_point, n.sector, n.district, n.lsoa_code
    from pts as p left join nearest as n using (lat4, lon4)
),

typed as (
    select
        s.*,
        nr.sector as nr_sector, nr.lsoa_code as nr_lsoa,
        cm_ts(start_datetime) as started_at, cm_ts(end_datetime) as ended_at,
        cast(cm_ts(date_of_birth) as date) as dob,
        map_extract(
            map(['MISSING', 'M', 'AWAY', 'A', 'ABSENT'], ['MISSING', 'MISSING', 'AWAY', 'AWAY', 'AWAY']),
            coalesce(upper(episode_type), 'MISSING')
        )[1] as ep_type,
        _row - coalesce(_first, _row) + 1 as _dup,
        cm_pc(home_postcode) as home_pc,
        mf.sector as mf_sector, mf.lsoa_code as mf_lsoa,
        cm_pc_sector(cm_pc(missing_from_postcode)) as mf_fmt_sector,
        fo.sector as fo_sector, fo.lsoa_code as fo_lsoa, fo.lat as fo_lat, fo.lon as fo_lon,
        cm_pc_sector(cm_pc(found_postcode)) as fo_fmt_sector,
        pk.k as person_key,
        kp.known_place
    from src as s
        left join (
            select episode_id, min(_row) as _first
            from src group by episode_id having count(*) > 1
        ) as dup
            on dup.episode_id is not distinct from s.episode_id
        left join pk on pk.v = s.person_id
        left join lk as mf on mf.t = s.missing_from_postcode
        left join lk as fo on fo.t = s.found_postcode
        left join near as nr on nr.lat_t = s.found_lat and nr.lon_t = s.found_lon
        left join (select place_id as known_place from stg_places) as kp
            on kp.known_place = s.found_place_id
),

aged as (
    select
        *,
        coalesce(
            case when dob <= started_at then date_part('year', age(started_at, dob))::integer end,
            case when not cm_int_bad(age) then cm_num(age)::integer end
        ) as age_years
    from typed
)

select
    left(sha256($opad::blob || unhex(sha256($ipad::blob || encode('missing_episodes:' || episode_id)))), 16)
        as episode_key,
    person_key,
    started_at,
    ended_at,
    ep_type as episode_type,
    age_years as age,
    cm_age_band(age_years) as age_band,
    coalesce(cm_sex(sex), 'U') as sex,
    upper(ethnicity) as ethnicity,
    coalesce(cm_ethnic_group(ethnicity), 'Unknown') as ethnic_group,
    cm_flag(looked_after) as is_looked_after,
    upper(risk_level) as risk_level,
    cm_pc_sector(home_pc) as home_sector,
    coalesce(mf_sector, mf_fmt_sector) as missing_from_sector,
    mf_lsoa as missing_from_lsoa,
    coalesce(fo_sector, fo_fmt_sector, nr_sector) as found_sector,
    coalesce(fo_lsoa, case when found_postcode is null then nr_lsoa end) as found_lsoa,
    round(coalesce(cm_num(found_lat), fo_lat), 3) as found_lat,
    round(coalesce(cm_num(found_lon), fo_lon), 3) as found_lon,
    found_place_id,
    'contract' as source_system,
    _row,
    started_at::date as _date,
    (missing_from_postcode is not null and mf_lsoa is null)::int
        + (found_postcode is not null and fo_lsoa is null)::int as _unresolved,
    list_filter([
        case when missing_from_postcode is not null and mf_lsoa is null
            then coalesce(cm_pc_district(cm_pc(missing_from_postcode)), '(not a postcode)') end,
        case when found_postcode is not null and fo_lsoa is null
            then coalesce(cm_pc_district(cm_pc(found_postcode)), '(not a postcode)') end
    ], lambda d: d is not null) as _unresolved_districts,
    case when (lower(episode_id) = 'episode_id')
        or (left(episode_id, 1) in ('=', '+', '@')
            and regexp_matches(episode_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (left(person_id, 1) in ('=', '+', '@')
            and regexp_matches(person_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (left(found_place_id, 1) in ('=', '+', '@')
            and regexp_matches(found_place_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (episode_id is null)
        or (person_id is null)
        or (start_datetime is null)
        or (start_datetime is not null and started_at is null)
        or (end_datetime is not null and ended_at is null)
        or (date_of_birth is not null and dob is null)
        or (started_at > current_timestamp::timestamp + interval 1 day)
        or (ended_at > current_timestamp::timestamp + interval 1 day)
        or (started_at < timestamp '1990-01-01')
        or (cm_before(ended_at, end_datetime, started_at, start_datetime))
        or (dob > started_at)
        or (dob is not null and date_part('year', age(started_at, dob)) > 25)
        or (cm_int_bad(age))
        or (not cm_int_bad(age) and cm_num(age) < 0)
        or (not cm_int_bad(age) and cm_num(age) > 25)
        or (age is null and date_of_birth is null)
        or (episode_type is not null and not (ep_type is not null))
        or (sex is not null and not (cm_sex(sex) is not null))
        or (ethnicity is not null and not (cm_ethnic_group(ethnicity) is not null))
        or (cm_flag_bad(looked_after))
        or (risk_level is not null and not (upper(risk_level) in ('NONE', 'LOW', 'MEDIUM', 'HIGH')))
        or (cm_lat_bad(found_lat))
        or (cm_lon_bad(found_lon))
        or ((found_lat is null) <> (found_lon is null))
        or (_dup > 1)
        or (found_place_id is not null and known_place is null)
    then list_filter([
        case when lower(episode_id) = 'episode_id' then {
            'column_name': 'episode_id',
            'value': null::varchar,
            'reason': 'this row repeats the header row inside the data'
        } end,
        case when left(episode_id, 1) in ('=', '+', '@')
            and regexp_matches(episode_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'episode_id',
            'value': null::varchar,
            'reason': 'episode_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when left(person_id, 1) in ('=', '+', '@')
            and regexp_matches(person_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'person_id',
            'value': null::varchar,
            'reason': 'person_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when left(found_place_id, 1) in ('=', '+', '@')
            and regexp_matches(found_place_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'found_place_id',
            'value': cm_mask(found_place_id),
            'reason': 'found_place_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when episode_id is null then {
            'column_name': 'episode_id',
            'value': null::varchar,
            'reason': 'episode_id is missing (required)'
        } end,
        case when person_id is null then {
            'column_name': 'person_id',
            'value': null::varchar,
            'reason': 'person_id is missing (required)'
        } end,
        case when start_datetime is null then {
            'column_name': 'start_datetime',
            'value': cm_mask(start_datetime),
            'reason': 'start_datetime is missing (required)'
        } end,
        case when start_datetime is not null and started_at is null then {
            'column_name': 'start_datetime',
            'value': cm_mask(start_datetime),
            'reason': cm_date_reason(start_datetime, 'start_datetime')
        } end,
        case when end_datetime is not null and ended_at is null then {
            'column_name': 'end_datetime',
            'value': cm_mask(end_datetime),
            'reason': cm_date_reason(end_datetime, 'end_datetime')
        } end,
        case when date_of_birth is not null and dob is null then {
            'column_name': 'date_of_birth',
            'value': null::varchar,
            'reason': cm_date_reason(date_of_birth, 'date_of_birth')
        } end,
        case when started_at > current_timestamp::timestamp + interval 1 day then {
            'column_name': 'start_datetime',
            'value': cm_mask(start_datetime),
            'reason': 'start_datetime is in the future'
        } end,
        case when ended_at > current_timestamp::timestamp + interval 1 day then {
            'column_name': 'end_datetime',
            'value': cm_mask(end_datetime),
            'reason': 'end_datetime is in the future'
        } end,
        case when started_at < timestamp '1990-01-01' then {
            'column_name': 'start_datetime',
            'value': cm_mask(start_datetime),
            'reason': 'start_datetime is implausibly early (before 1990)'
        } end,
        case when cm_before(ended_at, end_datetime, started_at, start_datetime) then {
            'column_name': 'end_datetime',
            'value': cm_mask(end_datetime),
            'reason': 'end_datetime is before start_datetime'
        } end,
        case when dob > started_at then {
            'column_name': 'date_of_birth',
            'value': null::varchar,
            'reason': 'date_of_birth is after the episode started'
        } end,
        case when dob is not null and date_part('year', age(started_at, dob)) > 25 then {
            'column_name': 'date_of_birth',
            'value': null::varchar,
            'reason': 'date_of_birth gives an implausible age (over 25)'
        } end,
        case when cm_int_bad(age) then {
            'column_name': 'age',
            'value': cm_mask(age),
            'reason': 'age is not a whole number'
        } end,
        case when not cm_int_bad(age) and cm_num(age) < 0 then {
            'column_name': 'age',
            'value': cm_mask(age),
            'reason': 'age is negative'
        } end,
        case when not cm_int_bad(age) and cm_num(age) > 25 then {
            'column_name': 'age',
            'value': cm_mask(age),
            'reason': 'age is implausible (over 25)'
        } end,
        case when age is null and date_of_birth is null then {
            'column_name': 'age',
            'value': cm_mask(age),
            'reason': 'neither age nor date_of_birth is given (one is required)'
        } end,
        case when episode_type is not null and not (ep_type is not null) then {
            'column_name': 'episode_type',
            'value': cm_mask(episode_type),
            'reason': 'unknown episode_type code (expected one of MISSING, AWAY, M, A)'
        } end,
        case when sex is not null and not (cm_sex(sex) is not null) then {
            'column_name': 'sex',
            'value': cm_mask(sex),
            'reason': 'unknown sex code (expected one of F, M, X, U)'
        } end,
        case when ethnicity is not null and not (cm_ethnic_group(ethnicity) is not null) then {
            'column_name': 'ethnicity',
            'value': cm_mask(ethnicity),
            'reason': 'unknown ethnicity code (expected one of a DfE code such as WBRI, MWBC, AIND, BCRB, OOTH, REFU, '
                || 'NOBT)'
        } end,
        case when cm_flag_bad(looked_after) then {
            'column_name': 'looked_after',
            'value': cm_mask(looked_after),
            'reason': 'looked_after is not a yes/no flag (Y/N, Yes/No, TRUE/FALSE, 1/0)'
        } end,
        case when risk_level is not null and not (upper(risk_level) in ('NONE', 'LOW', 'MEDIUM', 'HIGH')) then {
            'column_name': 'risk_level',
            'value': cm_mask(risk_level),
            'reason': 'unknown risk_level code (expected one of NONE, LOW, MEDIUM, HIGH)'
        } end,
        case when cm_lat_bad(found_lat) then {
            'column_name': 'found_lat',
            'value': cm_mask(found_lat),
            'reason': 'found_lat is not a latitude in Great Britain (WGS84 degrees)'
        } end,
        case when cm_lon_bad(found_lon) then {
            'column_name': 'found_lon',
            'value': cm_mask(found_lon),
            'reason': 'found_lon is not a longitude in Great Britain (WGS84 degrees)'
        } end,
        case when (found_lat is null) <> (found_lon is null) then {
            'column_name': 'found_lat',
            'value': cm_mask(found_lat),
            'reason': 'found_lat and found_lon must be given together'
        } end,
        case when _dup > 1 then {
            'column_name': 'episode_id',
            'value': null::varchar,
            'reason': 'duplicate episode_id within the file (the first row with it was kept)'
        } end,
        case when found_place_id is not null and known_place is null then {
            'column_name': 'found_place_id',
            'value': cm_mask(found_place_id),
            'reason': 'found_place_id is not in the places file'
        } end
    ], lambda e: e is not null)::struct(column_name varchar, value varchar, reason varchar)[]
    else []::struct(column_name varchar, value varchar, reason varchar)[] end as _errs
from aged
