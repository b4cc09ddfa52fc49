-- Stages one return home interviews file for stg_return_home_interviews: checks, pseudonymises and minimises every row.
-- Reads raw_file: the file's rows as text, a column per return home interviews column (NULL when the file lacks it)
-- and _row, the data row number (1 = the first row after the header).
-- One row per data row: the stg_return_home_interviews columns, _row, _errs (the row's rejects; empty = accepted)
-- and bookkeeping columns named _* (pipelines/ingest/staging.py).
-- Generated from pipelines/ingest/sources/return_home_interviews.py by `python -m pipelines.ingest.generate`;
-- do not edit.
-- $ipad: the pseudonymisation key's inner pad (pipelines/pseudonym.py; the key never enters SQL text).
-- $opad: the pseudonymisation key's outer pad.
with src as not materialized (
    select
        _row,
        cm_s(rhi_id) as rhi_id,
        cm_s(episode_id) as episode_id,
        cm_s(outcome) as outcome,
        cm_s(offered_datetime) as offered_datetime,
        cm_s(completed_datetime) as completed_datetime,
        cm_s(themes) as themes,
        cm_s(push_factors) as push_factors,
        cm_s(pull_factors) as pull_factors,
        cm_s(places_mentioned) as places_mentioned,
        cm_s(associates_mentioned) as associates_mentioned
    from raw_file
),

-- Each mention is a place id of the places file or a postcode (resolved to its sector and
-- LSOA); the mention itself is never kept, since it could be free text.
mention_tokens as (
    select _row, unnest(cm_list(places_mentioned)) as token from src where places_mentioned is not null
),

mention_kinds as (
    select
        t._row, p.place_id, cm_pc(t.token) as pc,
        p.place_id is null and cm_pc_ok(cm_pc(t.token)) as is_postcode
    from mention_tokens as t left join stg_places as p on p.place_id = t.token
),

mentions as (
    select
        c._row,
        list_sort(list(c.place_id) filter (where c.place_id is not null)) as places,
        list(coalesce(g.sector, cm_pc_sector(c.pc)) order by c.pc) filter (where c.is_postcode) as sectors,
        list(g.lsoa_code order by c.pc) filter (where c.is_postcode) as lsoas,
        count(*) filter (where c.place_id is null and not c.is_postcode) as unknown,
        count(*) filter (where c.is_postcode and g.postcode is null) as unresolved,
        list(cm_pc_district(c.pc)) filter (where c.is_postcode and g.postcode is null) as districts
    from mention_kinds as c left join geo_postcode as g on g.postcode = c.pc
    group by c._row
),

typed as (
    select
        s.*,
        cm_ts(offered_datetime) as offered_at, cm_ts(completed_datetime) as completed_at,
        cm_code_list(themes) as theme_list,
        cm_open_codes(push_factors, [
            'FAMILY_CONFLICT', 'BOREDOM', 'RULES_AND_BOUNDARIES', 'PLACEMENT_BREAKDOWN', 'SUBSTANCE_USE',
            'MENTAL_HEALTH', 'BULLYING', 'SCHOOL_EXCLUSION', 'BEREAVEMENT', 'HOUSING', 'DOMESTIC_ABUSE', 'NEGLECT',
            'ISOLATION', 'OTHER'
        ]) as push_list,
        cm_open_codes(pull_factors, [
            'FRIENDS', 'PARTNER', 'OLDER_ASSOCIATES', 'FAMILY_ELSEWHERE', 'ALCOHOL', 'ONLINE_CONTACT', 'DRUGS',
            'PARTIES', 'MONEY', 'GIFTS', 'EXPLOITATION', 'GANG', 'RELATIONSHIP', 'OTHER'
        ]) as pull_list,
        len(list_filter(cm_list(push_factors), lambda t: not list_contains([
            'FAMILY_CONFLICT', 'BOREDOM', 'RULES_AND_BOUNDARIES', 'PLACEMENT_BREAKDOWN', 'SUBSTANCE_USE',
            'MENTAL_HEALTH', 'BULLYING', 'SCHOOL_EXCLUSION', 'BEREAVEMENT', 'HOUSING', 'DOMESTIC_ABUSE', 'NEGLECT',
            'ISOLATION', 'OTHER'
        ], cm_code(t))))
        + len(list_filter(cm_list(pull_factors), lambda t: not list_contains([
            'FRIENDS', 'PARTNER', 'OLDER_ASSOCIATES', 'FAMILY_ELSEWHERE', 'ALCOHOL', 'ONLINE_CONTACT', 'DRUGS',
            'PARTIES', 'MONEY', 'GIFTS', 'EXPLOITATION', 'GANG', 'RELATIONSHIP', 'OTHER'
        ], cm_code(t))))
        as _other,
        coalesce(m.places, []) as m_places,
        coalesce(m.sectors, []) as m_sectors,
        coalesce(m.lsoas, []) as m_lsoas,
        coalesce(m.unknown, 0) as m_unknown,
        coalesce(m.unresolved, 0) as m_unresolved,
        coalesce(m.districts, []) as m_districts,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        left join (
            select rhi_id, min(_row) as _first
            from src group by rhi_id having count(*) > 1
        ) as dup
            on dup.rhi_id is not distinct from s.rhi_id
        left join mentions as m using (_row)
)

select
    left(sha256($opad::blob || unhex(sha256($ipad::blob || encode('return_home_interviews:' || rhi_id)))), 16)
        as rhi_key,
    left(sha256($opad::blob || unhex(sha256($ipad::blob || encode('missing_episodes:' || episode_id)))), 16)
        as episode_key,
    offered_at,
    completed_at,
    cm_code(outcome) as outcome,
    theme_list as themes,
    push_list as push_factors,
    pull_list as pull_factors,
    m_places as places_mentioned,
    m_sectors as sectors_mentioned,
    m_lsoas as lsoas_mentioned,
    list_sort(list_transform(
        cm_list(associates_mentioned),
        lambda a: left(sha256($opad::blob || unhex(sha256($ipad::blob || encode(a)))), 16)
    )) as associate_keys,
    true as has_times,
    'contract' as source_system,
    _row,
    _other,
    coalesce(offered_at, completed_at)::date as _date,
    m_unresolved as _unresolved,
    m_districts as _unresolved_districts,
    case when (lower(rhi_id) = 'rhi_id')
        or (left(episode_id, 1) in ('=', '+', '@')
            and regexp_matches(episode_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (left(rhi_id, 1) in ('=', '+', '@')
            and regexp_matches(rhi_id, '^[=+@]\s*[A-Za-z_.]+\s*\('))
        or (rhi_id is null)
        or (episode_id is null)
        or (outcome is null)
        or (outcome is not null and not (cm_code(outcome) in (
            'COMPLETED', 'DECLINED', 'NO_CONTACT', 'NOT_OFFERED'
        )))
        or (offered_datetime is not null and offered_at is null)
        or (completed_datetime is not null and completed_at is null)
        or (offered_at > current_timestamp::timestamp + interval 1 day)
        or (completed_at > current_timestamp::timestamp + interval 1 day)
        or (offered_at < timestamp '1990-01-01')
        or (cm_before(completed_at, completed_datetime, offered_at, offered_datetime))
        or (len(list_filter(theme_list, lambda t: not list_contains([
            'CSE', 'CCE', 'COUNTY_LINES', 'DRUGS', 'ALCOHOL', 'PEERS', 'FAMILY', 'SCHOOL', 'ONLINE', 'ASSAULT',
            'WEAPON', 'GANG', 'TRAFFICKING', 'HOUSING', 'MENTAL_HEALTH'
        ], t))) > 0)
        or (len(list_filter(cm_list(push_factors), lambda t: not cm_code_ok(t))) > 0)
        or (len(list_filter(cm_list(pull_factors), lambda t: not cm_code_ok(t))) > 0)
        or (_dup > 1)
        or (m_unknown > 0)
    then list_filter([
        case when lower(rhi_id) = 'rhi_id' then {
            'column_name': 'rhi_id',
            'value': null::varchar,
            'reason': 'this row repeats the header row inside the data'
        } end,
        case when left(episode_id, 1) in ('=', '+', '@')
            and regexp_matches(episode_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'episode_id',
            'value': null::varchar,
            'reason': 'episode_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when left(rhi_id, 1) in ('=', '+', '@')
            and regexp_matches(rhi_id, '^[=+@]\s*[A-Za-z_.]+\s*\(') then {
            'column_name': 'rhi_id',
            'value': null::varchar,
            'reason': 'rhi_id holds a spreadsheet formula (such as =HYPERLINK(...)), not a value'
        } end,
        case when rhi_id is null then {
            'column_name': 'rhi_id',
            'value': null::varchar,
            'reason': 'rhi_id is missing (required)'
        } end,
        case when episode_id is null then {
            'column_name': 'episode_id',
            'value': null::varchar,
            'reason': 'episode_id is missing (required)'
        } end,
        case when outcome is null then {
            'column_name': 'outcome',
            'value': cm_mask(outcome),
            'reason': 'outcome is missing (required)'
        } end,
        case when outcome is not null and not (cm_code(outcome) in (
            'COMPLETED', 'DECLINED', 'NO_CONTACT', 'NOT_OFFERED'
        )) then {
            'column_name': 'outcome',
            'value': cm_mask(outcome),
            'reason': 'unknown outcome code (expected one of COMPLETED, DECLINED, NO_CONTACT, NOT_OFFERED)'
        } end,
        case when offered_datetime is not null and offered_at is null then {
            'column_name': 'offered_datetime',
            'value': cm_mask(offered_datetime),
            'reason': cm_date_reason(offered_datetime, 'offered_datetime')
        } end,
        case when completed_datetime is not null and completed_at is null then {
            'column_name': 'completed_datetime',
            'value': cm_mask(completed_datetime),
            'reason': cm_date_reason(completed_datetime, 'completed_datetime')
        } end,
        case when offered_at > current_timestamp::timestamp + interval 1 day then {
            'column_name': 'offered_datetime',
            'value': cm_mask(offered_datetime),
            'reason': 'offered_datetime is in the future'
        } end,
        case when completed_at > current_timestamp::timestamp + interval 1 day then {
            'column_name': 'completed_datetime',
            'value': cm_mask(completed_datetime),
            'reason': 'completed_datetime is in the future'
        } end,
        case when offered_at < timestamp '1990-01-01' then {
            'column_name': 'offered_datetime',
            'value': cm_mask(offered_datetime),
            'reason': 'offered_datetime is implausibly early (before 1990)'
        } end,
        case when cm_before(completed_at, completed_datetime, offered_at, offered_datetime) then {
            'column_name': 'completed_datetime',
            'value': cm_mask(completed_datetime),
            'reason': 'completed_datetime is before offered_datetime'
        } end,
        case when len(list_filter(theme_list, lambda t: not list_contains([
            'CSE', 'CCE', 'COUNTY_LINES', 'DRUGS', 'ALCOHOL', 'PEERS', 'FAMILY', 'SCHOOL', 'ONLINE', 'ASSAULT',
            'WEAPON', 'GANG', 'TRAFFICKING', 'HOUSING', 'MENTAL_HEALTH'
        ], t))) > 0 then {
            'column_name': 'themes',
            'value': cm_mask(themes),
            'reason': 'unknown themes code (expected codes from: CSE, CCE, COUNTY_LINES, DRUGS, ALCOHOL, PEERS, '
                || 'FAMILY, SCHOOL, ONLINE, ASSAULT, WEAPON, GANG, TRAFFICKING, HOUSING, MENTAL_HEALTH)'
        } end,
        case when len(list_filter(cm_list(push_factors), lambda t: not cm_code_ok(t))) > 0 then {
            'column_name': 'push_factors',
            'value': null::varchar,
            'reason': 'push_factors must be codes such as FAMILY_CONFLICT (at most three words), not free text'
        } end,
        case when len(list_filter(cm_list(pull_factors), lambda t: not cm_code_ok(t))) > 0 then {
            'column_name': 'pull_factors',
            'value': null::varchar,
            'reason': 'pull_factors must be codes such as OLDER_ASSOCIATES (at most three words), not free text'
        } end,
        case when _dup > 1 then {
            'column_name': 'rhi_id',
            'value': null::varchar,
            'reason': 'duplicate rhi_id within the file (the first row with it was kept)'
        } end,
        case when m_unknown > 0 then {
            'column_name': 'places_mentioned',
            'value': null::varchar,
            'reason': 'places_mentioned names something that is neither a place_id in the places file nor a postcode'
        } end
    ], lambda e: e is not null)::struct(column_name varchar, value varchar, reason varchar)[]
    else []::struct(column_name varchar, value varchar, reason varchar)[] end as _errs
from typed
