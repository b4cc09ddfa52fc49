-- Stages one offences file for stg_offences: checks, pseudonymises and minimises every row.
-- Reads raw_file: the file's rows as text, a column per offences column (NULL when the file lacks it)
-- and _row, the data row number (1 = the first row after the header).
-- One row per data row: the stg_offences columns, _row, _errs (the row's rejects; empty = accepted)
-- and bookkeeping columns named _* (pipelines/ingest/staging.py).
-- Generated from pipelines/ingest/sources/offences.py by `python -m pipelines.ingest.generate`;
-- do not edit.
-- $ipad: the pseudonymisation key's inner pad (pipelines/pseudonym.py; the key never enters SQL text).
-- $opad: the pseudonymisation key's outer pad.
with src as not materialized (
    select
        _row,
        cm_s(offence_id) as offence_id,
        cm_s(offence_datetime) as offence_datetime,
        cm_s(offence_type) as offence_type,
        cm_s(person_id) as person_id,
        cm_s(role) as role,
        cm_s(age) as age,
        cm_s(sex) as sex,
        cm_s(ethnicity) as ethnicity,
        cm_s(postcode) as postcode,
        cm_s(lat) as lat,
        cm_s(lon) as lon,
        cm_s(place_id) as place_id,
        cm_s(serious_violence) as serious_violence,
        cm_s(weapon) as weapon,
        cm_s(exploitation) as exploitation
    from raw_file
),

pcs as (
    select distinct t
    from (
        select postcode as t from src
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
        select distinct lat as lat_t, lon as lon_t
        from src where lat is not null and lon is not null
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
        pk.k as person_key,
        cm_month(offence_datetime) as offence_at,
        nr.sector as nr_sector, nr.district as nr_district, nr.lsoa_code as nr_lsoa,
        coalesce(nr.has_point, false) as has_point,
        pc.sector as pc_sector, pc.district as pc_district, pc.lsoa_code as pc_lsoa, pc.lat as pc_lat, pc.lon as pc_lon,
        case when not cm_int_bad(age) then cm_num(age)::integer end as age_years,
        _row - coalesce(_first, _row) + 1 as _dup,
        kp.known_place
    from src as s
        left join (
            select offence_id, person_id, min(_row) as _first
            from src group by offence_id, person_id having count(*) > 1
        ) as dup
            on dup.offence_id is not distinct from s.offence_id and dup.person_id is not distinct from s.person_id
        left join pk on pk.v = s.person_id
        left join lk as pc on pc.t = s.postcode
        left join near as nr on nr.lat_t = s.lat and nr.lon_t = s.lon
        left join (select place_id as known_place from stg_places) as kp
            on kp.known_place = s.place_id
)

select
    left(sha256($opad::blob || unhex(sha256($ipad::blob || encode('offences:' || offence_id)))), 16) as offence_key,
    person_key,
    offence_at,
    date_trunc('month', offence_at)::date as offence_month,
    cm_offence_type(offence_type) as offence_type,
    cm_offence_group(offence_type) as offence_group,
    upper(role) as role,
    age_years as age,
    cm_age_band(age_years) as age_band,
    coalesce(cm_sex(sex), 'U') as sex,
    upper(ethnicity) as ethnicity,
    coalesce(cm_ethnic_group(ethnicity), 'Unknown') as ethnic_group,
    coalesce(pc_lsoa, nr_lsoa) as lsoa_code,
    coalesce(pc_sector, nr_sector) as sector,
    coalesce(pc_district, nr_district) as district,
    round(coalesce(cm_num(lat), pc_lat), 3) as lat,
    round(coalesce(cm_num(lon), pc_lon), 3) as lon,
    place_id,
    cm_flag(serious_violence) as is_serious_violence,
    upper(weapon) as weapon,
    upper(exploitation) as exploitation,
    'contract' as source_system,
    _row,
    (cm_offence_type(offence_type) = 'Other crime' and lower(offence_type) <> 'other crime')::int as _other,
    offence_at::date as _date,
    (postcode is not null and pc_lsoa is null)::int as _unresolved,
    case when postcode is not null and pc_lsoa is null
        then [coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)')] else [] end as _unresolved_districts,
    case when (lower(offence_id) = 'offence_id')
        or (left(person_id, 1) in ('=', '+', '@')
            and regexp_matches(person_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (left(offence_id, 1) in ('=', '+', '@')
            and regexp_matches(offence_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (left(place_id, 1) in ('=', '+', '@')
            and regexp_matches(place_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (offence_id is null)
        or (offence_datetime is null)
        or (offence_type is null)
        or (offence_datetime is not null and offence_at is null)
        or (offence_at > current_timestamp::timestamp + interval 1 day)
        or (offence_at < timestamp '1990-01-01')
        or (role is not null and not (upper(role) in ('SUSPECT', 'VICTIM', 'WITNESS')))
        or (cm_int_bad(age))
        or (not cm_int_bad(age) and cm_num(age) < 0)
        or (not cm_int_bad(age) and cm_num(age) > 25)
        or (sex is not null and not (cm_sex(sex) is not null))
        or (ethnicity is not null and not (cm_ethnic_group(ethnicity) is not null))
        or (cm_flag_bad(serious_violence))
        or (weapon is not null and not (upper(weapon) in ('KNIFE', 'FIREARM', 'OTHER', 'NONE')))
        or (exploitation is not null and not (upper(exploitation) in ('CSE', 'CCE', 'NONE')))
        or (cm_lat_bad(lat))
        or (cm_lon_bad(lon))
        or ((lat is null) <> (lon is null))
        or (postcode is null and lat is null and place_id is null)
        or (postcode is not null and pc_lsoa is null and lat is null and place_id is null)
        or (postcode is null and place_id is null and has_point and nr_lsoa is null)
        or (_dup > 1)
        or (place_id is not null and known_place is null)
    then list_filter([
        case when lower(offence_id) = 'offence_id' then {
            'column_name': 'offence_id',
            'value': null::varchar,
            'reason': 'this row repeats the header row inside the data'
        } end,
        case when left(person_id, 1) in ('=', '+', '@')
            and regexp_matches(person_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'person_id',
            'value': null::varchar,
            'reason': 'person_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when left(offence_id, 1) in ('=', '+', '@')
            and regexp_matches(offence_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'offence_id',
            'value': null::varchar,
            'reason': 'offence_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when left(place_id, 1) in ('=', '+', '@')
            and regexp_matches(place_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'place_id',
            'value': cm_mask(place_id),
            'reason': 'place_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when offence_id is null then {
            'column_name': 'offence_id',
            'value': null::varchar,
            'reason': 'offence_id is missing (required)'
        } end,
        case when offence_datetime is null then {
            'column_name': 'offence_datetime',
            'value': cm_mask(offence_datetime),
            'reason': 'offence_datetime is missing (required)'
        } end,
        case when offence_type is null then {
            'column_name': 'offence_type',
            'value': cm_mask(offence_type),
            'reason': 'offence_type is missing (required)'
        } end,
        case when offence_datetime is not null and offence_at is null then {
            'column_name': 'offence_datetime',
            'value': cm_mask(offence_datetime),
            'reason': cm_date_reason(offence_datetime, 'offence_datetime')
        } end,
        case when offence_at > current_timestamp::timestamp + interval 1 day then {
            'column_name': 'offence_datetime',
            'value': cm_mask(offence_datetime),
            'reason': 'offence_datetime is in the future'
        } end,
        case when offence_at < timestamp '1990-01-01' then {
            'column_name': 'offence_datetime',
            'value': cm_mask(offence_datetime),
            'reason': 'offence_datetime is implausibly early (before 1990)'
        } end,
        case when role is not null and not (upper(role) in ('SUSPECT', 'VICTIM', 'WITNESS')) then {
            'column_name': 'role',
            'value': cm_mask(role),
            'reason': 'unknown role code (expected one of SUSPECT, VICTIM, WITNESS)'
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
        case when cm_flag_bad(serious_violence) then {
            'column_name': 'serious_violence',
            'value': cm_mask(serious_violence),
            'reason': 'serious_violence is not a yes/no flag (Y/N, Yes/No, TRUE/FALSE, 1/0)'
        } end,
        case when weapon is not null and not (upper(weapon) in ('KNIFE', 'FIREARM', 'OTHER', 'NONE')) then {
            'column_name': 'weapon',
            'value': cm_mask(weapon),
            'reason': 'unknown weapon code (expected one of KNIFE, FIREARM, OTHER, NONE)'
        } end,
        case when exploitation is not null and not (upper(exploitation) in ('CSE', 'CCE', 'NONE')) then {
            'column_name': 'exploitation',
            'value': cm_mask(exploitation),
            'reason': 'unknown exploitation code (expected one of CSE, CCE, NONE)'
        } end,
        case when cm_lat_bad(lat) then {
            'column_name': 'lat',
            'value': cm_mask(lat),
            'reason': 'lat is not a latitude in Great Britain (WGS84 degrees)'
        } end,
        case when cm_lon_bad(lon) then {
            'column_name': 'lon',
            'value': cm_mask(lon),
            'reason': 'lon is not a longitude in Great Britain (WGS84 degrees)'
        } end,
        case when (lat is null) <> (lon is null) then {
            'column_name': 'lat',
            'value': cm_mask(lat),
            'reason': 'lat and lon must be given together'
        } end,
        case when postcode is null and lat is null and place_id is null then {
            'column_name': 'postcode',
            'value': case when postcode is null then '(empty)'
                else coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)') end,
            'reason': 'no location: give a postcode, lat/lon or place_id'
        } end,
        case when postcode is not null and pc_lsoa is null and lat is null and place_id is null then {
            'column_name': 'postcode',
            'value': case when postcode is null then '(empty)'
                else coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)') end,
            'reason': 'postcode is not in the area''s postcode list (outside the area or not a live postcode), and no '
                || 'other location is given'
        } end,
        case when postcode is null and place_id is null and has_point and nr_lsoa is null then {
            'column_name': 'lat',
            'value': cm_mask(lat),
            'reason': 'lat/lon is outside the area (no postcode of the area within about 500 m), and no other location '
                || 'is given'
        } end,
        case when _dup > 1 then {
            'column_name': 'person_id',
            'value': null::varchar,
            'reason': 'the same person appears twice for this offence_id (the first row was kept)'
        } end,
        case when place_id is not null and known_place is null then {
            'column_name': 'place_id',
            'value': cm_mask(place_id),
            'reason': 'place_id is not in the places file'
        } end
    ], lambda e: e is not null)::struct(column_name varchar, value varchar, reason varchar)[]
    else []::struct(column_name varchar, value varchar, reason varchar)[] end as _errs
from typed
