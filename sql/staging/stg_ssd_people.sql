-- Stages one ssd person file for stg_ssd_people: checks, pseudonymises and minimises every row.
-- Reads raw_file: the file's rows as text, a column per ssd person column (NULL when the file lacks it)
-- and _row, the data row number (1 = the first row after the header).
-- One row per data row: the stg_ssd_people columns, _row, _errs (the row's rejects; empty = accepted)
-- and bookkeeping columns named _* (pipelines/ingest/staging.py).
-- Generated from pipelines/ingest/sources/ssd_person.py by `python -m pipelines.ingest.generate`;
-- do not edit.
-- $ipad: the pseudonymisation key's inner pad (pipelines/pseudonym.py; the key never enters SQL text).
-- $opad: the pseudonymisation key's outer pad.
with src as not materialized (
    select
        _row,
        cm_s(pers_person_id) as pers_person_id,
        cm_s(pers_sex) as pers_sex,
        cm_s(pers_ethnicity) as pers_ethnicity,
        cm_s(pers_dob) as pers_dob
    from raw_file
),

typed as (
    select
        *,
        cast(cm_ts(pers_dob) as date) as dob,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        left join (
            select pers_person_id, min(_row) as _first
            from src group by pers_person_id having count(*) > 1
        ) as dup
            on dup.pers_person_id is not distinct from s.pers_person_id
)

select
    left(sha256($opad::blob || unhex(sha256($ipad::blob || encode(pers_person_id)))), 16) as person_key,
    coalesce(cm_sex(pers_sex), 'U') as sex,
    upper(pers_ethnicity) as ethnicity,
    dob,
    _row,
    null::date as _date,
    0 as _unresolved,
    []::varchar[] as _unresolved_districts,
    case when (lower(pers_person_id) = 'pers_person_id')
        or (left(pers_person_id, 1) in ('=', '+', '@')
            and regexp_matches(pers_person_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (pers_person_id is null)
        or (pers_dob is not null and dob is null)
        or (pers_sex is not null and not (cm_sex(pers_sex) is not null))
        or (pers_ethnicity is not null and not (cm_ethnic_group(pers_ethnicity) is not null))
        or (_dup > 1)
    then list_filter([
        case when lower(pers_person_id) = 'pers_person_id' then {
            'column_name': 'pers_person_id',
            'value': null::varchar,
            'reason': 'this row repeats the header row inside the data'
        } end,
        case when left(pers_person_id, 1) in ('=', '+', '@')
            and regexp_matches(pers_person_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'pers_person_id',
            'value': null::varchar,
            'reason': 'pers_person_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when pers_person_id is null then {
            'column_name': 'pers_person_id',
            'value': null::varchar,
            'reason': 'pers_person_id is missing (required)'
        } end,
        case when pers_dob is not null and dob is null then {
            'column_name': 'pers_dob',
            'value': null::varchar,
            'reason': cm_date_reason(pers_dob, 'pers_dob')
        } end,
        case when pers_sex is not null and not (cm_sex(pers_sex) is not null) then {
            'column_name': 'pers_sex',
            'value': cm_mask(pers_sex),
            'reason': 'unknown pers_sex code (expected one of M, F, U, I)'
        } end,
        case when pers_ethnicity is not null and not (cm_ethnic_group(pers_ethnicity) is not null) then {
            'column_name': 'pers_ethnicity',
            'value': cm_mask(pers_ethnicity),
            'reason': 'unknown pers_ethnicity code (expected one of a DfE ethnicity code)'
        } end,
        case when _dup > 1 then {
            'column_name': 'pers_person_id',
            'value': null::varchar,
            'reason': 'duplicate pers_person_id within the file (the first row was kept)'
        } end
    ], lambda e: e is not null)::struct(column_name varchar, value varchar, reason varchar)[]
    else []::struct(column_name varchar, value varchar, reason varchar)[] end as _errs
from typed
