-- Stages one ssd missing file for stg_missing_episodes: checks, pseudonymises and minimises every row.
-- Reads raw_file: the file's rows as text, a column per ssd missing column (NULL when the file lacks it)
-- and _row, the data row number (1 = the first row after the header).
-- One row per data row: the stg_missing_episodes columns, _row, _errs (the row's rejects; empty = accepted)
-- and bookkeeping columns named _* (pipelines/ingest/staging.py).
-- Generated from pipelines/ingest/sources/ssd_missing.py by `python -m pipelines.ingest.generate`;
-- do not edit.
-- $ipad: the pseudonymisation key's inner pad (pipelines/pseudonym.py; the key never enters SQL text).
-- $opad: the pseudonymisation key's outer pad.
with src as not materialized (
    select
        _row,
        cm_s(miss_table_id) as miss_table_id,
        cm_s(miss_la_person_id) as miss_la_person_id,
        cm_s(miss_mis_epi_start) as miss_mis_epi_start,
        cm_s(miss_mis_epi_type) as miss_mis_epi_type,
        cm_s(miss_mis_epi_end) as miss_mis_epi_end,
        cm_s(miss_mis_epi_rhi_offered) as miss_mis_epi_rhi_offered,
        cm_s(miss_mis_epi_rhi_accepted) as miss_mis_epi_rhi_accepted
    from raw_file
),

typed as (
    select
        s.*,
        cm_ts(miss_mis_epi_start) as started_at,
        cm_ts(miss_mis_epi_end) as ended_at,
        map_extract(
            map(['MISSING', 'M', 'AWAY', 'A', 'ABSENT'], ['MISSING', 'MISSING', 'AWAY', 'AWAY', 'AWAY']),
            coalesce(upper(miss_mis_epi_type), 'MISSING')
        )[1] as ep_type,
        left(sha256($opad::blob || unhex(sha256($ipad::blob || encode(miss_la_person_id)))), 16) as pkey,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        left join (
            select miss_table_id, min(_row) as _first
            from src group by miss_table_id having count(*) > 1
        ) as dup
            on dup.miss_table_id is not distinct from s.miss_table_id
),

joined as (
    select
        t.*,
        p.sex as p_sex,
        p.ethnicity as p_ethnicity,
        case when p.dob <= t.started_at then date_part('year', age(started_at, p.dob))::integer end as age_years,
        p.person_key is not null as _has_person
    from typed as t left join stg_ssd_people as p on p.person_key = t.pkey
)

select
    left(sha256($opad::blob || unhex(sha256($ipad::blob || encode('ssd_missing:' || miss_table_id)))), 16)
        as episode_key,
    pkey as person_key,
    started_at,
    ended_at,
    ep_type as episode_type,
    age_years as age,
    cm_age_band(age_years) as age_band,
    coalesce(p_sex, 'U') as sex,
    p_ethnicity as ethnicity,
    coalesce(cm_ethnic_group(p_ethnicity), 'Unknown') as ethnic_group,
    null::boolean as is_looked_after,
    null::varchar as risk_level,
    null::varchar as home_sector,
    null::varchar as missing_from_sector,
    null::varchar as missing_from_lsoa,
    null::varchar as found_sector,
    null::varchar as found_lsoa,
    null::double as found_lat,
    null::double as found_lon,
    null::varchar as found_place_id,
    'ssd' as source_system,
    _row,
    started_at::date as _date,
    0 as _unresolved,
    []::varchar[] as _unresolved_districts,
    _has_person,
    cm_flag(miss_mis_epi_rhi_offered) as _offered,
    cm_flag(miss_mis_epi_rhi_accepted) as _accepted,
    case when (lower(miss_table_id) = 'miss_table_id')
        or (left(miss_table_id, 1) in ('=', '+', '@')
            and regexp_matches(miss_table_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (left(miss_la_person_id, 1) in ('=', '+', '@')
            and regexp_matches(miss_la_person_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (miss_table_id is null)
        or (miss_la_person_id is null)
        or (miss_mis_epi_start is null)
        or (miss_mis_epi_start is not null and started_at is null)
        or (miss_mis_epi_end is not null and ended_at is null)
        or (started_at > current_timestamp::timestamp + interval 1 day)
        or (ended_at > current_timestamp::timestamp + interval 1 day)
        or (ended_at < started_at)
        or (miss_mis_epi_type is not null and not (ep_type is not null))
        or (cm_flag_bad(miss_mis_epi_rhi_offered))
        or (cm_flag_bad(miss_mis_epi_rhi_accepted))
        or (_dup > 1)
    then list_filter([
        case when lower(miss_table_id) = 'miss_table_id' then {
            'column_name': 'miss_table_id',
            'value': null::varchar,
            'reason': 'this row repeats the header row inside the data'
        } end,
        case when left(miss_table_id, 1) in ('=', '+', '@')
            and regexp_matches(miss_table_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'miss_table_id',
            'value': null::varchar,
            'reason': 'miss_table_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when left(miss_la_person_id, 1) in ('=', '+', '@')
            and regexp_matches(miss_la_person_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'miss_la_person_id',
            'value': null::varchar,
            'reason': 'miss_la_person_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when miss_table_id is null then {
            'column_name': 'miss_table_id',
            'value': null::varchar,
            'reason': 'miss_table_id is missing (required)'
        } end,
        case when miss_la_person_id is null then {
            'column_name': 'miss_la_person_id',
            'value': null::varchar,
            'reason': 'miss_la_person_id is missing (required)'
        } end,
        case when miss_mis_epi_start is null then {
            'column_name': 'miss_mis_epi_start',
            'value': cm_mask(miss_mis_epi_start),
            'reason': 'miss_mis_epi_start is missing (required)'
        } end,
        case when miss_mis_epi_start is not null and started_at is null then {
            'column_name': 'miss_mis_epi_start',
            'value': cm_mask(miss_mis_epi_start),
            'reason': cm_date_reason(miss_mis_epi_start, 'miss_mis_epi_start')
        } end,
        case when miss_mis_epi_end is not null and ended_at is null then {
            'column_name': 'miss_mis_epi_end',
            'value': cm_mask(miss_mis_epi_end),
            'reason': cm_date_reason(miss_mis_epi_end, 'miss_mis_epi_end')
        } end,
        case when started_at > current_timestamp::timestamp + interval 1 day then {
            'column_name': 'miss_mis_epi_start',
            'value': cm_mask(miss_mis_epi_start),
            'reason': 'miss_mis_epi_start is in the future'
        } end,
        case when ended_at > current_timestamp::timestamp + interval 1 day then {
            'column_name': 'miss_mis_epi_end',
            'value': cm_mask(miss_mis_epi_end),
            'reason': 'miss_mis_epi_end is in the future'
        } end,
        case when ended_at < started_at then {
            'column_name': 'miss_mis_epi_end',
            'value': cm_mask(miss_mis_epi_end),
            'reason': 'miss_mis_epi_end is before miss_mis_epi_start'
        } end,
        case when miss_mis_epi_type is not null and not (ep_type is not null) then {
            'column_name': 'miss_mis_epi_type',
            'value': cm_mask(miss_mis_epi_type),
            'reason': 'unknown miss_mis_epi_type code (expected one of M, A, MISSING, AWAY)'
        } end,
        case when cm_flag_bad(miss_mis_epi_rhi_offered) then {
            'column_name': 'miss_mis_epi_rhi_offered',
            'value': cm_mask(miss_mis_epi_rhi_offered),
            'reason': 'miss_mis_epi_rhi_offered is not a yes/no flag'
        } end,
        case when cm_flag_bad(miss_mis_epi_rhi_accepted) then {
            'column_name': 'miss_mis_epi_rhi_accepted',
            'value': cm_mask(miss_mis_epi_rhi_accepted),
            'reason': 'miss_mis_epi_rhi_accepted is not a yes/no flag'
        } end,
        case when _dup > 1 then {
            'column_name': 'miss_table_id',
            'value': null::varchar,
            'reason': 'duplicate miss_table_id within the file (the first row was kept)'
        } end
    ], lambda e: e is not null)::struct(column_name varchar, value varchar, reason varchar)[]
    else []::struct(column_name varchar, value varchar, reason varchar)[] end as _errs
from joined
