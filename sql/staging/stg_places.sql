-- Stages one places file for stg_places: checks, pseudonymises and minimises every row.
-- Reads raw_file: the file's rows as text, a column per places column (NULL when the file lacks it)
-- and _row, the data row number (1 = the first row after the header).
-- One row per data row: the stg_places columns, _row, _errs (the row's rejects; empty = accepted)
-- and bookkeeping columns named _* (pipelines/ingest/staging.py).
-- Generated from pipelines/ingest/sources/places.py by `python -m pipelines.ingest.generate`;
-- do not edit.
with src as not materialized (
    select
        _row,
        cm_s(place_id) as place_id,
        cm_s(name) as name,
        cm_s(category) as category,
        cm_s(postcode) as postcode,
        cm_s(lat) as lat,
        cm_s(lon) as lon
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
        nr.sector as nr_sector, nr.district as nr_district, nr.lsoa_code as nr_lsoa,
        pc.sector as pc_sector, pc.district as pc_district, pc.lsoa_code as pc_lsoa,
        pc.lat as pc_lat, pc.lon as pc_lon,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        left join (
            select place_id, min(_row) as _first
            from src group by place_id having count(*) > 1
        ) as dup
            on dup.place_id is not distinct from s.place_id
        left join lk as pc on pc.t = s.postcode
        left join near as nr on nr.lat_t = s.lat and nr.lon_t = s.lon
)

select
    place_id,
    coalesce(nullif(cm_clean_text(name, 120), ''), 'Place ' || place_id) as name,
    cm_code(category) as category,
    coalesce(pc_sector, cm_pc_sector(cm_pc(postcode)), nr_sector) as sector,
    coalesce(pc_district, cm_pc_district(cm_pc(postcode)), nr_district) as district,
    coalesce(pc_lsoa, case when postcode is null then nr_lsoa end) as lsoa_code,
    round(coalesce(cm_num(lat), pc_lat), 6) as lat,
    round(coalesce(cm_num(lon), pc_lon), 6) as lon,
    _row,
    null::date as _date,
    (postcode is not null and pc_lsoa is null)::int as _unresolved,
    case when postcode is not null and pc_lsoa is null
        then [coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)')] else [] end as _unresolved_districts,
    case when (lower(place_id) = 'place_id')
        or (left(place_id, 1) in ('=', '+', '@')
            and regexp_matches(place_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (place_id is null)
        or (name is null)
        or (category is null)
        or (category is not null and not (cm_code(category) in (
            'HOTEL', 'TAXI', 'TAKEAWAY', 'SHOP', 'PARK', 'TRANSPORT_HUB', 'SCHOOL', 'YOUTH_VENUE', 'LICENSED_PREMISES',
            'RESIDENTIAL_AREA', 'OTHER'
        )))
        or (cm_lat_bad(lat))
        or (cm_lon_bad(lon))
        or ((lat is null) <> (lon is null))
        or (postcode is null and lat is null)
        or (postcode is not null and pc_lsoa is null and lat is null)
        or (_dup > 1)
    then list_filter([
        case when lower(place_id) = 'place_id' then {
            'column_name': 'place_id',
            'value': null::varchar,
            'reason': 'this row repeats the header row inside the data'
        } end,
        case when left(place_id, 1) in ('=', '+', '@')
            and regexp_matches(place_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'place_id',
            'value': cm_mask(place_id),
            'reason': 'place_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when place_id is null then {
            'column_name': 'place_id',
            'value': cm_mask(place_id),
            'reason': 'place_id is missing (required)'
        } end,
        case when name is null then {
            'column_name': 'name',
            'value': cm_mask(name),
            'reason': 'name is missing (required)'
        } end,
        case when category is null then {
            'column_name': 'category',
            'value': cm_mask(category),
            'reason': 'category is missing (required)'
        } end,
        case when category is not null and not (cm_code(category) in (
            'HOTEL', 'TAXI', 'TAKEAWAY', 'SHOP', 'PARK', 'TRANSPORT_HUB', 'SCHOOL', 'YOUTH_VENUE', 'LICENSED_PREMISES',
            'RESIDENTIAL_AREA', 'OTHER'
        )) then {
            'column_name': 'category',
            'value': cm_mask(category),
            'reason': 'unknown category code (expected one of HOTEL, TAXI, TAKEAWAY, SHOP, PARK, TRANSPORT_HUB, '
                || 'SCHOOL, YOUTH_VENUE, LICENSED_PREMISES, RESIDENTIAL_AREA, OTHER)'
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
        case when postcode is null and lat is null then {
            'column_name': 'postcode',
            'value': case when postcode is null then '(empty)'
                else coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)') end,
            'reason': 'no location: give a postcode or lat/lon'
        } end,
        case when postcode is not null and pc_lsoa is null and lat is null then {
            'column_name': 'postcode',
            'value': coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)'),
            'reason': 'postcode is not in the area''s postcode list (outside the area or not a live postcode), and no '
                || 'lat/lon is given'
        } end,
        case when _dup > 1 then {
            'column_name': 'place_id',
            'value': cm_mask(place_id),
            'reason': 'duplicate place_id within the file (the first row with it was kept)'
        } end
    ], lambda e: e is not null)::struct(column_name varchar, value varchar, reason varchar)[]
    else []::struct(column_name varchar, value varchar, reason varchar)[] end as _errs
from typed
