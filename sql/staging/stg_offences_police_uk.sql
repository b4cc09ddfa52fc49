-- Stages one police uk file for stg_offences: checks, pseudonymises and minimises every row.
-- Reads raw_file: the file's rows as text, a column per police uk column (NULL when the file lacks it)
-- and _row, the data row number (1 = the first row after the header).
-- One row per data row: the stg_offences columns, _row, _errs (the row's rejects; empty = accepted)
-- and bookkeeping columns named _* (pipelines/ingest/staging.py).
-- Generated from pipelines/ingest/sources/police_uk.py by `python -m pipelines.ingest.generate`;
-- do not edit.
-- $area: the area's name ([geography] name in contextmap.toml).
-- $file_key: the file's name without its extension (the key of a row without an id).
-- $ipad: the pseudonymisation key's inner pad (pipelines/pseudonym.py; the key never enters SQL text).
-- $opad: the pseudonymisation key's outer pad.
with src as not materialized (
    select
        _row,
        cm_s(crime_id) as crime_id,
        cm_s(month) as month,
        cm_s(lsoa_code) as lsoa_code,
        cm_s(crime_type) as crime_type,
        cm_s(longitude) as longitude,
        cm_s(latitude) as latitude
    from raw_file
),

mapped as (
    select lsoa21_code, first(lsoa11_code order by share desc, lsoa11_code) as lsoa11_code
    from geo_lsoa21_to_lsoa11 group by lsoa21_code
),

pts as (
    select
        lat_t, lon_t,
        case when not cm_lat_bad(lat_t) and not cm_lon_bad(lon_t) then round(cm_num(lat_t), 4) end as lat4,
        case when not cm_lat_bad(lat_t) and not cm_lon_bad(lon_t) then round(cm_num(lon_t), 4) end as lon4
    from (
        select distinct latitude as lat_t, longitude as lon_t
        from src where latitude is not null and longitude is not null
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
        try_strptime(left(month, 7), '%Y-%m') as offence_at,
        coalesce(s.crime_id, $file_key || ':' || s._row::varchar) as crime_key,
        nr.sector as nr_sector, nr.district as nr_district,
        coalesce(g.lsoa_code, m.lsoa11_code) as lsoa11,
        g.lsoa_code is null and m.lsoa11_code is not null as _mapped,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        left join (
            select crime_id, min(_row) as _first
            from src group by crime_id having count(*) > 1
        ) as dup
            on dup.crime_id is not distinct from s.crime_id
        left join geo_lsoa as g on g.lsoa_code = upper(s.lsoa_code)
        left join mapped as m on m.lsoa21_code = upper(s.lsoa_code)
        left join near as nr on nr.lat_t = s.latitude and nr.lon_t = s.longitude
)

select
    left(sha256($opad::blob || unhex(sha256($ipad::blob || encode('police_uk:' || crime_key)))), 16) as offence_key,
    null::varchar as person_key,
    offence_at,
    offence_at::date as offence_month,
    cm_offence_type(crime_type) as offence_type,
    cm_offence_group(crime_type) as offence_group,
    null::varchar as role,
    null::integer as age,
    'Unknown' as age_band,
    'U' as sex,
    null::varchar as ethnicity,
    'Unknown' as ethnic_group,
    lsoa11 as lsoa_code,
    nr_sector as sector,
    nr_district as district,
    cm_num(latitude) as lat,
    cm_num(longitude) as lon,
    null::varchar as place_id,
    null::boolean as is_serious_violence,
    null::varchar as weapon,
    null::varchar as exploitation,
    'police_uk' as source_system,
    _row,
    offence_at::date as _date,
    _mapped,
    0 as _unresolved,
    []::varchar[] as _unresolved_districts,
    case when (lower(crime_id) = 'crime_id')
        or (left(crime_id, 1) in ('=', '+', '@')
            and regexp_matches(crime_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (month is null)
        or (month is not null and offence_at is null)
        or (offence_at > current_timestamp::timestamp + interval 1 day)
        or (crime_type is null)
        or (lsoa_code is null and latitude is null)
        or (lsoa_code is null and latitude is not null)
        or (lsoa_code is not null and lsoa11 is null)
        or (cm_lat_bad(latitude))
        or (cm_lon_bad(longitude))
        or (crime_id is not null and _dup > 1)
    then list_filter([
        case when lower(crime_id) = 'crime_id' then {
            'column_name': 'crime_id',
            'value': null::varchar,
            'reason': 'this row repeats the header row inside the data'
        } end,
        case when left(crime_id, 1) in ('=', '+', '@')
            and regexp_matches(crime_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'crime_id',
            'value': cm_mask(crime_id),
            'reason': 'crime_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when month is null then {
            'column_name': 'month',
            'value': cm_mask(month),
            'reason': 'month is missing (required)'
        } end,
        case when month is not null and offence_at is null then {
            'column_name': 'month',
            'value': cm_mask(month),
            'reason': 'month is not a month (expected YYYY-MM)'
        } end,
        case when offence_at > current_timestamp::timestamp + interval 1 day then {
            'column_name': 'month',
            'value': cm_mask(month),
            'reason': 'month is in the future'
        } end,
        case when crime_type is null then {
            'column_name': 'crime_type',
            'value': cm_mask(crime_type),
            'reason': 'crime_type is missing (required)'
        } end,
        case when lsoa_code is null and latitude is null then {
            'column_name': 'lsoa_code',
            'value': cm_mask(lsoa_code),
            'reason': 'no location (police.uk publishes some crimes without one)'
        } end,
        case when lsoa_code is null and latitude is not null then {
            'column_name': 'lsoa_code',
            'value': cm_mask(lsoa_code),
            'reason': 'no LSOA code for this location'
        } end,
        case when lsoa_code is not null and lsoa11 is null then {
            'column_name': 'lsoa_code',
            'value': cm_mask(lsoa_code),
            'reason': 'outside ' || $area || ' (LSOA not in the area)'
        } end,
        case when cm_lat_bad(latitude) then {
            'column_name': 'latitude',
            'value': cm_mask(latitude),
            'reason': 'latitude is not a latitude in Great Britain (WGS84 degrees)'
        } end,
        case when cm_lon_bad(longitude) then {
            'column_name': 'longitude',
            'value': cm_mask(longitude),
            'reason': 'longitude is not a longitude in Great Britain (WGS84 degrees)'
        } end,
        case when crime_id is not null and _dup > 1 then {
            'column_name': 'crime_id',
            'value': cm_mask(crime_id),
            'reason': 'duplicate Crime ID within the file (the first row was kept)'
        } end
    ], lambda e: e is not null)::struct(column_name varchar, value varchar, reason varchar)[]
    else []::struct(column_name varchar, value varchar, reason varchar)[] end as _errs
from typed
