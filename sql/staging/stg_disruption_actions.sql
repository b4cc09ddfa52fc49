-- Stages one disruption actions file for stg_disruption_actions: checks, pseudonymises and minimises every row.
-- Reads raw_file: the file's rows as text, a column per disruption actions column (NULL when the file lacks it)
-- and _row, the data row number (1 = the first row after the header).
-- One row per data row: the stg_disruption_actions columns, _row, _errs (the row's rejects; empty = accepted)
-- and bookkeeping columns named _* (pipelines/ingest/staging.py).
-- Generated from pipelines/ingest/sources/disruption_actions.py by `python -m pipelines.ingest.generate`;
-- do not edit.
with src as not materialized (
    select
        _row,
        cm_s(action_id) as action_id,
        cm_s(action_type) as action_type,
        cm_s(start_date) as start_date,
        cm_s(place_id) as place_id,
        cm_s(area_code) as area_code,
        cm_s(end_date) as end_date,
        cm_s(agency) as agency
    from raw_file
),

areas as (
    select ward_code as code, 'ward' as level from geo_ward
    union all
    select lsoa_code, 'lsoa' from geo_lsoa
    union all
    select replace(sector, ' ', ''), 'sector' from geo_sector
),

typed as (
    select
        s.*,
        cast(cm_ts(start_date) as date) as start_d,
        cast(cm_ts(end_date) as date) as end_d,
        a.level,
        _row - coalesce(_first, _row) + 1 as _dup,
        kp.known_place
    from src as s
        left join (
            select action_id, min(_row) as _first
            from src group by action_id having count(*) > 1
        ) as dup
            on dup.action_id is not distinct from s.action_id
        left join areas as a on a.code = upper(replace(s.area_code, ' ', ''))
        left join (select place_id as known_place from stg_places) as kp
            on kp.known_place = s.place_id
)

select
    action_id,
    place_id,
    case when place_id is null then
        case when level = 'sector' then cm_pc_sector(upper(replace(area_code, ' ', '')) || 'AA')
            else upper(replace(area_code, ' ', '')) end
    end as area_code,
    case when place_id is not null then 'place' else level end as area_level,
    cm_open_code(cm_code(action_type), [
        'LICENSING_VISIT', 'CLOSURE_ORDER', 'DISPERSAL_ORDER', 'PATROLS', 'CCTV', 'TRAINING',
        'COMMUNITY_PROTECTION_NOTICE', 'OUTREACH', 'OTHER'
    ]) as action_type,
    start_d as start_date,
    end_d as end_date,
    cm_code(agency) as agency,
    _row,
    (not list_contains([
        'LICENSING_VISIT', 'CLOSURE_ORDER', 'DISPERSAL_ORDER', 'PATROLS', 'CCTV', 'TRAINING',
        'COMMUNITY_PROTECTION_NOTICE', 'OUTREACH', 'OTHER'
    ], cm_code(action_type)))::int as _other,
    start_d as _date,
    0 as _unresolved,
    []::varchar[] as _unresolved_districts,
    case when (lower(action_id) = 'action_id')
        or (left(place_id, 1) in ('=', '+', '@')
            and regexp_matches(place_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (left(action_id, 1) in ('=', '+', '@')
            and regexp_matches(action_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (left(area_code, 1) in ('=', '+', '@')
            and regexp_matches(area_code, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (action_id is null)
        or (action_type is null)
        or (start_date is null)
        or (place_id is null and area_code is null)
        or (place_id is null and area_code is not null and level is null)
        or (action_type is not null and not cm_code_ok(action_type))
        or (start_date is not null and start_d is null)
        or (end_date is not null and end_d is null)
        or (start_d < timestamp '1990-01-01')
        or (end_d < start_d)
        or (agency is not null and not (cm_code(agency) in (
            'POLICE', 'COUNCIL', 'LICENSING', 'YOUTH_SERVICE', 'EDUCATION', 'HEALTH', 'VCS'
        )))
        or (_dup > 1)
        or (place_id is not null and known_place is null)
    then list_filter([
        case when lower(action_id) = 'action_id' then {
            'column_name': 'action_id',
            'value': null::varchar,
            'reason': 'this row repeats the header row inside the data'
        } end,
        case when left(place_id, 1) in ('=', '+', '@')
            and regexp_matches(place_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'place_id',
            'value': cm_mask(place_id),
            'reason': 'place_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when left(action_id, 1) in ('=', '+', '@')
            and regexp_matches(action_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'action_id',
            'value': cm_mask(action_id),
            'reason': 'action_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when left(area_code, 1) in ('=', '+', '@')
            and regexp_matches(area_code, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'area_code',
            'value': cm_mask(area_code),
            'reason': 'area_code holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when action_id is null then {
            'column_name': 'action_id',
            'value': cm_mask(action_id),
            'reason': 'action_id is missing (required)'
        } end,
        case when action_type is null then {
            'column_name': 'action_type',
            'value': cm_mask(action_type),
            'reason': 'action_type is missing (required)'
        } end,
        case when start_date is null then {
            'column_name': 'start_date',
            'value': cm_mask(start_date),
            'reason': 'start_date is missing (required)'
        } end,
        case when place_id is null and area_code is null then {
            'column_name': 'area_code',
            'value': cm_mask(area_code),
            'reason': 'neither place_id nor area_code is given (one is required)'
        } end,
        case when place_id is null and area_code is not null and level is null then {
            'column_name': 'area_code',
            'value': cm_mask(area_code),
            'reason': 'area_code is not a ward, LSOA or postcode sector of the area'
        } end,
        case when action_type is not null and not cm_code_ok(action_type) then {
            'column_name': 'action_type',
            'value': cm_mask(action_type),
            'reason': 'action_type must be a code such as LICENSING_VISIT or CLOSURE_ORDER, not free text'
        } end,
        case when start_date is not null and start_d is null then {
            'column_name': 'start_date',
            'value': cm_mask(start_date),
            'reason': cm_date_reason(start_date, 'start_date')
        } end,
        case when end_date is not null and end_d is null then {
            'column_name': 'end_date',
            'value': cm_mask(end_date),
            'reason': cm_date_reason(end_date, 'end_date')
        } end,
        case when start_d < timestamp '1990-01-01' then {
            'column_name': 'start_date',
            'value': cm_mask(start_date),
            'reason': 'start_date is implausibly early (before 1990)'
        } end,
        case when end_d < start_d then {
            'column_name': 'end_date',
            'value': cm_mask(end_date),
            'reason': 'end_date is before start_date'
        } end,
        case when agency is not null and not (cm_code(agency) in (
            'POLICE', 'COUNCIL', 'LICENSING', 'YOUTH_SERVICE', 'EDUCATION', 'HEALTH', 'VCS'
        )) then {
            'column_name': 'agency',
            'value': cm_mask(agency),
            'reason': 'unknown agency code (expected one of POLICE, COUNCIL, LICENSING, YOUTH_SERVICE, EDUCATION, '
                || 'HEALTH, VCS)'
        } end,
        case when _dup > 1 then {
            'column_name': 'action_id',
            'value': cm_mask(action_id),
            'reason': 'duplicate action_id within the file (the first row with it was kept)'
        } end,
        case when place_id is not null and known_place is null then {
            'column_name': 'place_id',
            'value': cm_mask(place_id),
            'reason': 'place_id is not in the places file'
        } end
    ], lambda e: e is not null)::struct(column_name varchar, value varchar, reason varchar)[]
    else []::struct(column_name varchar, value varchar, reason varchar)[] end as _errs
from typed
