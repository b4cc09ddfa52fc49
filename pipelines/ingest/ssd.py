"""Standard Safeguarding Dataset (Data to Insight ``ssd-data-model``) extracts.

``ssd_missing`` rows become missing episodes (type M/A kept as MISSING/AWAY), joined to
``ssd_person`` for sex, ethnicity and date of birth (→ age at the start, then dropped).
The RHI offered/accepted flags become RHI rows without times (``has_times`` false), so
they count towards offered/completed shares but never towards the 72-hour measure.
Names, UPNs and the other ``ssd_person`` columns are never read.
"""

from __future__ import annotations

from pipelines.ingest import sqlparts as sp
from pipelines.ingest.contract import code_check, date_check, dup_join, err, errs, future_check, generic_checks, q, source
from pipelines.pseudonym import sql_expr

PEOPLE = "ssd_people"


def create_people(con) -> None:
    """The temp lookup of SSD persons (pseudonymised id → sex, ethnicity, date of birth)."""
    con.execute(f"create or replace temp table {PEOPLE} (person_key varchar, sex varchar, ethnicity varchar, dob date)")


def stage_person(raw_table: str, present: list[str]) -> str:
    checks = [
        *generic_checks("ssd_person"),
        err("pers_person_id is null", "pers_person_id", q("pers_person_id is missing (required)")),
        date_check("pers_dob", "dob"),
        code_check("pers_sex", "cm_sex(pers_sex) is not null", ["M", "F", "U", "I"]),
        code_check("pers_ethnicity", "cm_ethnic_group(pers_ethnicity) is not null", ["a DfE ethnicity code"]),
        err("_dup > 1", "pers_person_id", q("duplicate pers_person_id within the file (the first row was kept)")),
    ]
    return f"""
    create or replace temp table out as
    with {source(raw_table, present, "ssd_person")},
    typed as (
        select *, cast(cm_ts(pers_dob) as date) as dob,
            _row - coalesce(_first, _row) + 1 as _dup
        from src
        {dup_join(['pers_person_id'], 'src')}
    )
    select {sql_expr("pers_person_id")} as person_key, coalesce(cm_sex(pers_sex), 'U') as sex,
        upper(pers_ethnicity) as ethnicity, dob, _row, null::date as _date, 0 as _unresolved,
        []::varchar[] as _unresolved_districts, {errs(checks)}
    from typed
    """


def stage_missing(raw_table: str, present: list[str]) -> str:
    dob_age = "date_part('year', age(started_at, p.dob))"
    checks = [
        *generic_checks("ssd_missing"),
        err("miss_table_id is null", "miss_table_id", q("miss_table_id is missing (required)")),
        err("miss_la_person_id is null", "miss_la_person_id", q("miss_la_person_id is missing (required)")),
        err("miss_mis_epi_start is null", "miss_mis_epi_start", q("miss_mis_epi_start is missing (required)")),
        date_check("miss_mis_epi_start", "started_at"), date_check("miss_mis_epi_end", "ended_at"),
        future_check("miss_mis_epi_start", "started_at"), future_check("miss_mis_epi_end", "ended_at"),
        err("ended_at < started_at", "miss_mis_epi_end", q("miss_mis_epi_end is before miss_mis_epi_start")),
        code_check("miss_mis_epi_type", "ep_type is not null", ["M", "A", "MISSING", "AWAY"]),
        err("cm_flag_bad(miss_mis_epi_rhi_offered)", "miss_mis_epi_rhi_offered", q("miss_mis_epi_rhi_offered is not a yes/no flag")),
        err("cm_flag_bad(miss_mis_epi_rhi_accepted)", "miss_mis_epi_rhi_accepted", q("miss_mis_epi_rhi_accepted is not a yes/no flag")),
        err("_dup > 1", "miss_table_id", q("duplicate miss_table_id within the file (the first row was kept)")),
    ]
    return f"""
    create or replace temp table out as
    with {source(raw_table, present, "ssd_missing")},
    typed as (
        select s.*, cm_ts(miss_mis_epi_start) as started_at, cm_ts(miss_mis_epi_end) as ended_at,
            map_extract({sp._sql_map(sp.EPISODE_TYPES)}, coalesce(upper(miss_mis_epi_type), 'MISSING'))[1] as ep_type,
            {sql_expr("miss_la_person_id")} as pkey,
            _row - coalesce(_first, _row) + 1 as _dup
        from src as s
        {dup_join(['miss_table_id'], 's')}
    ),
    joined as (
        select t.*, p.sex as p_sex, p.ethnicity as p_ethnicity,
            case when p.dob <= t.started_at then {dob_age}::integer end as age_years,
            p.person_key is not null as _has_person
        from typed as t left join {PEOPLE} as p on p.person_key = t.pkey
    )
    select
        {sql_expr("miss_table_id", "ssd_missing")} as episode_key,
        pkey as person_key,
        started_at, ended_at, ep_type as episode_type,
        age_years as age, cm_age_band(age_years) as age_band,
        coalesce(p_sex, 'U') as sex, p_ethnicity as ethnicity,
        coalesce(cm_ethnic_group(p_ethnicity), 'Unknown') as ethnic_group,
        null::boolean as is_looked_after, null::varchar as risk_level, null::varchar as home_sector,
        null::varchar as missing_from_sector, null::varchar as missing_from_lsoa,
        null::varchar as found_sector, null::varchar as found_lsoa,
        null::double as found_lat, null::double as found_lon, null::varchar as found_place_id,
        'ssd' as source_system,
        _row,
        null::varchar as _place_ref,
        started_at::date as _date,
        0 as _unresolved, []::varchar[] as _unresolved_districts,
        _has_person,
        cm_flag(miss_mis_epi_rhi_offered) as _offered,
        cm_flag(miss_mis_epi_rhi_accepted) as _accepted,
        {errs(checks)}
    from joined
    """


def rhi_rows() -> str:
    """SELECT of RHI rows (no times) from the accepted rows of a staged ``ssd_missing`` file."""
    return f"""
    select {sql_expr("episode_key", "ssd_missing_rhi")} as rhi_key, episode_key,
        null::timestamp as offered_at, null::timestamp as completed_at,
        case when _offered and _accepted then 'COMPLETED' when _offered and not _accepted then 'DECLINED'
             when not _offered then 'NOT_OFFERED' end as outcome,
        []::varchar[] as themes, []::varchar[] as push_factors, []::varchar[] as pull_factors,
        []::varchar[] as places_mentioned, []::varchar[] as sectors_mentioned, []::varchar[] as lsoas_mentioned,
        []::varchar[] as associate_keys, false as has_times, 'ssd' as source_system, _row
    from out
    where len(_errs) = 0 and _offered is not null and not (_offered and _accepted is null)
    """
