"""The contract tables: their columns, and the SQL that validates and minimises one file.

Each ``stage_*`` function reads a file's text table (see ``files.py``) and creates the
temp table ``out`` holding one row per data row: the staging columns, ``_row`` and
``_errs`` (a list of {column_name, value, reason}; empty means the row is accepted).
Identifiers are replaced by keyed pseudonyms here, postcodes by areas, dates of birth
by ages, open codes outside ContextMap's lists by OTHER, and nothing else of the input is
carried forward. A rejected value is kept only as its shape (``cm_mask``).
"""

from __future__ import annotations

from pipelines.ingest import sqlparts as sp
from pipelines.pseudonym import sql_expr

COLUMNS = {
    "missing_episodes": {
        "required": ["episode_id", "person_id", "start_datetime"],
        "optional": ["end_datetime", "episode_type", "age", "date_of_birth", "sex", "ethnicity", "looked_after",
                     "risk_level", "home_postcode", "missing_from_postcode", "found_postcode", "found_lat",
                     "found_lon", "found_place_id"],
    },
    "return_home_interviews": {
        "required": ["rhi_id", "episode_id", "outcome"],
        "optional": ["offered_datetime", "completed_datetime", "themes", "push_factors", "pull_factors",
                     "places_mentioned", "associates_mentioned"],
    },
    "offences": {
        "required": ["offence_id", "offence_datetime", "offence_type"],
        "optional": ["person_id", "role", "age", "sex", "ethnicity", "postcode", "lat", "lon", "place_id",
                     "serious_violence", "weapon", "exploitation"],
    },
    "places": {"required": ["place_id", "name", "category"], "optional": ["postcode", "lat", "lon"]},
    "disruption_actions": {
        "required": ["action_id", "action_type", "start_date"],
        "optional": ["place_id", "area_code", "end_date", "agency"],
    },
    "police_uk": {
        "required": ["crime_id", "month", "lsoa_code", "crime_type"],
        "optional": ["longitude", "latitude"],
        # Public columns of the police.uk format that ContextMap does not need.
        "known": ["reported_by", "falls_within", "location", "lsoa_name", "last_outcome_category", "context"],
    },
    "ssd_missing": {
        "required": ["miss_table_id", "miss_la_person_id", "miss_mis_epi_start"],
        "optional": ["miss_mis_epi_type", "miss_mis_epi_end", "miss_mis_epi_rhi_offered", "miss_mis_epi_rhi_accepted"],
    },
    "ssd_person": {"required": ["pers_person_id"], "optional": ["pers_sex", "pers_ethnicity", "pers_dob"]},
}
# Columns whose values never appear in the rejects table, not even as a shape: identifiers,
# personal data and list columns where a mistaken export could carry free text.
PRIVATE = {"person_id", "episode_id", "rhi_id", "offence_id", "associates_mentioned", "date_of_birth",
           "home_postcode", "miss_table_id", "miss_la_person_id", "pers_person_id", "pers_dob",
           "push_factors", "pull_factors", "places_mentioned"}
POSTCODE_COLUMNS = {"missing_from_postcode", "found_postcode", "postcode"}


def expected(table: str) -> list[str]:
    spec = COLUMNS[table]
    return spec["required"] + spec["optional"]


def q(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


ERR_TYPE = "struct(column_name varchar, value varchar, reason varchar)"


class Check(str):
    """One possible reject of a row (SQL text of its {column_name, value, reason} or NULL),
    remembering its condition so :func:`errs` can test every condition cheaply first."""

    cond: str

    def __new__(cls, cond: str, sql: str) -> "Check":
        obj = super().__new__(cls, sql)
        obj.cond = cond
        return obj


def err(cond: str, column: str, reason: str, value: str | None = None) -> Check:
    """One possible reject of a row: ``cond`` true → {column_name, value, reason}.

    ``reason`` is an SQL expression. ``value`` defaults to the shape of the column's text
    (``Aaaa Aaa 99/99/9999``: any cell could hold free text, so its words are never
    kept); it is NULL for private columns and the district only for postcodes.
    """
    if value is None:
        if column in PRIVATE:
            value = "null::varchar"
        elif column in POSTCODE_COLUMNS:
            value = f"case when {column} is null then '(empty)' else coalesce(cm_pc_district(cm_pc({column})), '(not a postcode)') end"
        else:
            value = f"cm_mask({column})"
    return Check(cond, f"case when {cond} then {{'column_name': {q(column)}, 'value': {value}, 'reason': {reason}}} end")


def errs(checks: list[Check]) -> str:
    """SQL for ``_errs``: the list of a row's rejects, built only for rows failing some check
    (most rows pass, and building a list of structs per row dominated staging)."""
    any_fails = " or ".join(f"({c.cond})" for c in checks)
    items = ",\n            ".join(checks)
    return (f"case when {any_fails} then list_filter([{items}], lambda e: e is not null)::{ERR_TYPE}[] "
            f"else []::{ERR_TYPE}[] end as _errs")


# Id columns kept or pseudonymised as given: a formula there is a broken export, so the row
# is rejected. Kept text (place names) is neutralised instead (``cm_clean_text``), and codes
# are checked against their lists.
FORMULA_CHECKED = ("episode_id", "person_id", "rhi_id", "offence_id", "place_id", "found_place_id", "action_id",
                   "area_code", "crime_id", "miss_table_id", "miss_la_person_id", "pers_person_id")


def generic_checks(table: str) -> list[str]:
    """Checks every table gets: a repeated header row, and spreadsheet formulas in kept text."""
    first = COLUMNS[table]["required"][0]
    checks = [err(f"lower({first}) = {q(first)}", first, q("this row repeats the header row inside the data"),
                  "null::varchar")]
    for col in (c for c in FORMULA_CHECKED if c in expected(table)):
        checks.append(err(f"left({col}, 1) in ('=', '+', '@') and regexp_matches({col}, '^[=+@]\\s*[A-Za-z_.]+\\s*\\(')",
                          col, q(f"{col} holds a spreadsheet formula (such as =HYPERLINK(...)), not a value"),
                          "null::varchar" if col in PRIVATE else None))
    return checks


def required(col: str) -> str:
    return err(f"{col} is null", col, q(f"{col} is missing (required)"))


def code_check(col: str, expr_ok: str, allowed) -> str:
    return err(f"{col} is not null and not ({expr_ok})", col, q(f"unknown {col} code (expected one of {', '.join(allowed)})"))


def date_check(col: str, parsed: str) -> str:
    return err(f"{col} is not null and {parsed} is null", col, f"cm_date_reason({col}, {q(col)})")


def future_check(col: str, parsed: str) -> str:
    return err(f"{parsed} > current_timestamp::timestamp + interval 1 day", col, q(f"{col} is in the future"))


def old_check(col: str, parsed: str) -> str:
    return err(f"{parsed} < timestamp '1990-01-01'", col, q(f"{col} is implausibly early (before 1990)"))


def dup_join(keys: list[str], alias: str = "s") -> str:
    """LEFT JOIN giving ``_first``, the first row of each key value that repeats in the file.

    (An aggregate over the keys is much cheaper than a sorting window over every row.)
    """
    cond = " and ".join(f"dup.{k} is not distinct from {alias}.{k}" for k in keys)
    cols = ", ".join(keys)
    return (f"left join (select {cols}, min(_row) as _first from src group by {cols} having count(*) > 1) as dup "
            f"on {cond}")


def dup_check(col: str, label: str) -> str:
    return err("_dup > 1", col, q(f"duplicate {label} within the file (the first row with it was kept)"))


def source(raw_table: str, present: list[str], table: str) -> str:
    """CTE ``src``: the raw file with every contract column (trimmed text, NULL when absent).

    Not materialized: each reader (the rows, and the lookups of postcodes, points, keys and
    repeats) scans just the columns it needs, where a shared CTE buffered every column of
    every row (half the staging time of a ten-million-row file).
    """
    cols = ", ".join(f'cm_s("{c}") as {c}' if c in present else f"null::varchar as {c}" for c in expected(table))
    return f"src as not materialized (select _row, {cols} from {raw_table})"


def _postcode_lookup(cols: list[str]) -> str:
    """CTEs ``pcs``/``lk``: each distinct postcode text of ``cols`` (``t``, as written) with its
    area; rows join on the text, so each postcode is normalised once, not once per row."""
    union = " union ".join(f"select {c} as t from src" for c in cols)
    return f"""pcs as (select distinct t from ({union}) where t is not null),
    lk as (select pcs.t, g.sector, g.district, g.lsoa_code, g.lat, g.lon
           from pcs left join geo_postcode as g on g.postcode = cm_pc(pcs.t))"""


# The nearest-postcode search box (about 500 m) and the grid cell it is bucketed by.
NEAR_LAT, NEAR_LON = 0.0045, 0.0075


def nearest_postcode(lat: str, lon: str) -> str:
    """CTEs ``pts``/``nearest``/``near``: for each distinct (``lat``, ``lon``) text pair of
    ``src``, whether it is a valid point (``has_point``) and the sector, district and LSOA of
    the nearest postcode within about 500 m (the usual stand-in for point-in-polygon; no
    spatial extension is needed).

    Each distinct text pair is parsed once and rows join on the two strings as given:
    parsing every row's point (and testing it while filtering) cost more than the search.
    Points are searched once per distinct ``lat4``, ``lon4`` (rounded to 4 dp); postcodes
    and points are bucketed on a grid of cells the size of the search box, so each point
    is compared only with the postcodes of its 3×3 neighbouring cells (an equality join,
    much cheaper than a range join over every postcode)."""
    lat4, lon4 = point_exprs("lat_t", "lon_t")
    dist = "(g.lat - p.lat4) ^ 2 + ((g.lon - p.lon4) * 0.6) ^ 2"
    return f"""pts as (
        select lat_t, lon_t, {lat4} as lat4, {lon4} as lon4
        from (select distinct {lat} as lat_t, {lon} as lon_t from src where {lat} is not null and {lon} is not null)
    ),
    grid_pc as (
        select *, floor(lat / {NEAR_LAT})::bigint as gy, floor(lon / {NEAR_LON})::bigint as gx
        from geo_postcode where lat is not null and lon is not null
    ),
    nearest as (
        select p.lat4, p.lon4,
            first(g.sector order by {dist}, g.postcode) as sector,
            first(g.district order by {dist}, g.postcode) as district,
            first(g.lsoa_code order by {dist}, g.postcode) as lsoa_code
        from (select distinct lat4, lon4 from pts where lat4 is not null and lon4 is not null) as p
        cross join (select unnest([-1, 0, 1]) as dy) as oy
        cross join (select unnest([-1, 0, 1]) as dx) as ox
        join grid_pc as g
          on g.gy = floor(p.lat4 / {NEAR_LAT})::bigint + oy.dy and g.gx = floor(p.lon4 / {NEAR_LON})::bigint + ox.dx
        where g.lat between p.lat4 - {NEAR_LAT} and p.lat4 + {NEAR_LAT}
          and g.lon between p.lon4 - {NEAR_LON} and p.lon4 + {NEAR_LON}
        group by p.lat4, p.lon4
    ),
    near as (
        select p.lat_t, p.lon_t, p.lat4 is not null as has_point, n.sector, n.district, n.lsoa_code
        from pts as p left join nearest as n using (lat4, lon4)
    )"""


def point_exprs(lat: str, lon: str) -> tuple[str, str]:
    """SQL for ``lat4``, ``lon4`` of a valid point (rounded to 4 dp), else NULL."""
    ok = f"not cm_lat_bad({lat}) and not cm_lon_bad({lon})"
    return f"case when {ok} then round(cm_num({lat}), 4) end", f"case when {ok} then round(cm_num({lon}), 4) end"


def near_join(lat: str, lon: str, alias: str = "s") -> str:
    """LEFT JOIN of ``near`` (as ``nr``) on the row's own point text (no self-join by row number)."""
    return f"left join near as nr on nr.lat_t = {alias}.{lat} and nr.lon_t = {alias}.{lon}"


def keyed(name: str, col: str, table: str | None = None) -> str:
    """CTE ``name`` (``v`` → ``k``): the pseudonym of each distinct value of ``col`` in ``src``,
    so each id is hashed once rather than once per row."""
    return (f"{name} as (select v, {sql_expr('v', table)} as k "
            f"from (select distinct {col} as v from src where {col} is not null))")


def _latlon_checks(lat: str, lon: str) -> list[str]:
    return [
        err(f"cm_lat_bad({lat})", lat, q(f"{lat} is not a latitude in Great Britain (WGS84 degrees)")),
        err(f"cm_lon_bad({lon})", lon, q(f"{lon} is not a longitude in Great Britain (WGS84 degrees)")),
        err(f"({lat} is null) <> ({lon} is null)", lat if lat else lon, q(f"{lat} and {lon} must be given together")),
    ]


def _age_checks(age: str = "age") -> list[str]:
    return [
        err(f"cm_int_bad({age})", age, q("age is not a whole number")),
        err(f"not cm_int_bad({age}) and cm_num({age}) < 0", age, q("age is negative")),
        err(f"not cm_int_bad({age}) and cm_num({age}) > {sp.MAX_AGE}", age, q(f"age is implausible (over {sp.MAX_AGE})")),
    ]


def _demography_checks() -> list[str]:
    return [
        code_check("sex", "cm_sex(sex) is not null", ["F", "M", "X", "U"]),
        code_check("ethnicity", "cm_ethnic_group(ethnicity) is not null", ["a DfE code such as WBRI, MWBC, AIND, BCRB, OOTH, REFU, NOBT"]),
    ]


def stage_missing_episodes(raw_table: str, present: list[str]) -> str:
    episode = sql_expr("episode_id", "missing_episodes")
    dob_age = "date_part('year', age(started_at, dob))"
    checks = [
        *generic_checks('missing_episodes'),
        required("episode_id"), required("person_id"), required("start_datetime"),
        date_check("start_datetime", "started_at"), date_check("end_datetime", "ended_at"),
        date_check("date_of_birth", "dob"),
        future_check("start_datetime", "started_at"), future_check("end_datetime", "ended_at"),
        old_check("start_datetime", "started_at"),
        err("cm_before(ended_at, end_datetime, started_at, start_datetime)", "end_datetime",
            q("end_datetime is before start_datetime")),
        err("dob > started_at", "date_of_birth", q("date_of_birth is after the episode started")),
        err(f"dob is not null and {dob_age} > {sp.MAX_AGE}", "date_of_birth", q(f"date_of_birth gives an implausible age (over {sp.MAX_AGE})")),
        *_age_checks(),
        err("age is null and date_of_birth is null", "age", q("neither age nor date_of_birth is given (one is required)")),
        code_check("episode_type", "ep_type is not null", ["MISSING", "AWAY", "M", "A"]),
        *_demography_checks(),
        err("cm_flag_bad(looked_after)", "looked_after", q("looked_after is not a yes/no flag (Y/N, Yes/No, TRUE/FALSE, 1/0)")),
        code_check("risk_level", sp.in_list("upper(risk_level)", sp.RISK_LEVELS), sp.RISK_LEVELS),
        *_latlon_checks("found_lat", "found_lon"),
        dup_check("episode_id", "episode_id"),
    ]
    return f"""
    create or replace temp table out as
    with {source(raw_table, present, "missing_episodes")},
    {_postcode_lookup(["home_postcode", "missing_from_postcode", "found_postcode"])},
    {keyed("pk", "person_id")},
    {nearest_postcode('found_lat', 'found_lon')},
    typed as (
        select s.*, nr.sector as nr_sector, nr.lsoa_code as nr_lsoa,
            cm_ts(start_datetime) as started_at, cm_ts(end_datetime) as ended_at,
            cast(cm_ts(date_of_birth) as date) as dob,
            map_extract({sp._sql_map(sp.EPISODE_TYPES)}, coalesce(upper(episode_type), 'MISSING'))[1] as ep_type,
            _row - coalesce(_first, _row) + 1 as _dup,
            cm_pc(home_postcode) as home_pc, mf.sector as mf_sector, mf.lsoa_code as mf_lsoa,
            cm_pc_sector(cm_pc(missing_from_postcode)) as mf_fmt_sector,
            fo.sector as fo_sector, fo.lsoa_code as fo_lsoa, fo.lat as fo_lat, fo.lon as fo_lon,
            cm_pc_sector(cm_pc(found_postcode)) as fo_fmt_sector
            , pk.k as person_key
        from src as s
        {dup_join(['episode_id'], 's')}
        left join pk on pk.v = s.person_id
        left join lk as mf on mf.t = s.missing_from_postcode
        left join lk as fo on fo.t = s.found_postcode
        {near_join('found_lat', 'found_lon')}
    ),
    aged as (
        select *, coalesce(case when dob <= started_at then {dob_age}::integer end,
                           case when not cm_int_bad(age) then cm_num(age)::integer end) as age_years
        from typed
    )
    select
        {episode} as episode_key,
        person_key,
        started_at, ended_at,
        ep_type as episode_type,
        age_years as age, cm_age_band(age_years) as age_band,
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
        found_place_id as _place_ref,
        started_at::date as _date,
        ((missing_from_postcode is not null and mf_lsoa is null)::int
          + (found_postcode is not null and fo_lsoa is null)::int) as _unresolved,
        list_filter([case when missing_from_postcode is not null and mf_lsoa is null then coalesce(cm_pc_district(cm_pc(missing_from_postcode)), '(not a postcode)') end,
                     case when found_postcode is not null and fo_lsoa is null then coalesce(cm_pc_district(cm_pc(found_postcode)), '(not a postcode)') end],
                    lambda d: d is not null) as _unresolved_districts,
        {errs(checks)}
    from aged
    """


def stage_return_home_interviews(raw_table: str, present: list[str]) -> str:
    rhi = sql_expr("rhi_id", "return_home_interviews")
    episode = sql_expr("episode_id", "missing_episodes")
    assoc = sql_expr("a")
    checks = [
        *generic_checks('return_home_interviews'),
        required("rhi_id"), required("episode_id"), required("outcome"),
        code_check("outcome", sp.in_list("cm_code(outcome)", sp.RHI_OUTCOMES), sp.RHI_OUTCOMES),
        date_check("offered_datetime", "offered_at"), date_check("completed_datetime", "completed_at"),
        future_check("offered_datetime", "offered_at"), future_check("completed_datetime", "completed_at"),
        old_check("offered_datetime", "offered_at"),
        err("cm_before(completed_at, completed_datetime, offered_at, offered_datetime)", "completed_datetime",
            q("completed_datetime is before offered_datetime")),
        err(f"len(list_filter(theme_list, lambda t: not list_contains({sp._sql_list(sp.THEMES)}, t))) > 0", "themes",
            q(f"unknown themes code (expected codes from: {', '.join(sp.THEMES)})")),
        err(f"len(list_filter(cm_list(push_factors), lambda t: not cm_code_ok(t))) > 0", "push_factors",
            q("push_factors must be codes such as FAMILY_CONFLICT (at most three words), not free text")),
        err(f"len(list_filter(cm_list(pull_factors), lambda t: not cm_code_ok(t))) > 0", "pull_factors",
            q("pull_factors must be codes such as OLDER_ASSOCIATES (at most three words), not free text")),
        dup_check("rhi_id", "rhi_id"),
    ]
    return f"""
    create or replace temp table out as
    with {source(raw_table, present, "return_home_interviews")},
    typed as (
        select s.*,
            cm_ts(offered_datetime) as offered_at, cm_ts(completed_datetime) as completed_at,
            cm_code_list(themes) as theme_list,
            cm_open_codes(push_factors, {sp._sql_list(sp.PUSH_FACTORS)}) as push_list,
            cm_open_codes(pull_factors, {sp._sql_list(sp.PULL_FACTORS)}) as pull_list,
            len(list_filter(cm_list(push_factors), lambda t: not list_contains({sp._sql_list(sp.PUSH_FACTORS)}, cm_code(t))))
              + len(list_filter(cm_list(pull_factors), lambda t: not list_contains({sp._sql_list(sp.PULL_FACTORS)}, cm_code(t))))
              as _other,
            cm_list(places_mentioned) as mentions,
            _row - coalesce(_first, _row) + 1 as _dup
        from src as s
        {dup_join(['rhi_id'], 's')}
    )
    select
        {rhi} as rhi_key,
        {episode} as episode_key,
        offered_at, completed_at,
        cm_code(outcome) as outcome,
        theme_list as themes, push_list as push_factors, pull_list as pull_factors,
        list_sort(list_transform(cm_list(associates_mentioned), lambda a: {assoc})) as associate_keys,
        true as has_times,
        'contract' as source_system,
        _row,
        mentions as _mentions,
        _other,
        coalesce(offered_at, completed_at)::date as _date,
        0 as _unresolved,
        []::varchar[] as _unresolved_districts,
        {errs(checks)}
    from typed
    """


def stage_offences(raw_table: str, present: list[str]) -> str:
    offence = sql_expr("offence_id", "offences")
    checks = [
        *generic_checks('offences'),
        required("offence_id"), required("offence_datetime"), required("offence_type"),
        err("offence_datetime is not null and offence_at is null", "offence_datetime",
            "cm_date_reason(offence_datetime, 'offence_datetime')"),
        future_check("offence_datetime", "offence_at"), old_check("offence_datetime", "offence_at"),
        code_check("role", sp.in_list("upper(role)", sp.ROLES), sp.ROLES),
        *_age_checks(), *_demography_checks(),
        err("cm_flag_bad(serious_violence)", "serious_violence", q("serious_violence is not a yes/no flag (Y/N, Yes/No, TRUE/FALSE, 1/0)")),
        code_check("weapon", sp.in_list("upper(weapon)", sp.WEAPONS), sp.WEAPONS),
        code_check("exploitation", sp.in_list("upper(exploitation)", sp.EXPLOITATION), sp.EXPLOITATION),
        *_latlon_checks("lat", "lon"),
        err("postcode is null and lat is null and place_id is null", "postcode",
            q("no location: give a postcode, lat/lon or place_id")),
        err("postcode is not null and pc_lsoa is null and lat is null and place_id is null", "postcode",
            q("postcode is not in the area's postcode list (outside the area or not a live postcode), and no other location is given")),
        err("postcode is null and place_id is null and has_point and nr_lsoa is null", "lat",
            q("lat/lon is outside the area (no postcode of the area within about 500 m), and no other location is given")),
        err("_dup > 1", "person_id", q("the same person appears twice for this offence_id (the first row was kept)"),
            "null::varchar"),
    ]
    return f"""
    create or replace temp table out as
    with {source(raw_table, present, "offences")},
    {_postcode_lookup(["postcode"])},
    {keyed("pk", "person_id")},
    {nearest_postcode('lat', 'lon')},
    typed as (
        select s.*, pk.k as person_key, cm_month(offence_datetime) as offence_at, nr.sector as nr_sector, nr.district as nr_district,
            nr.lsoa_code as nr_lsoa, coalesce(nr.has_point, false) as has_point,
            pc.sector as pc_sector, pc.district as pc_district, pc.lsoa_code as pc_lsoa, pc.lat as pc_lat, pc.lon as pc_lon,
            case when not cm_int_bad(age) then cm_num(age)::integer end as age_years,
            _row - coalesce(_first, _row) + 1 as _dup
        from src as s
        {dup_join(['offence_id', 'person_id'], 's')}
        left join pk on pk.v = s.person_id
        left join lk as pc on pc.t = s.postcode
        {near_join('lat', 'lon')}
    )
    select
        {offence} as offence_key,
        person_key,
        offence_at,
        date_trunc('month', offence_at)::date as offence_month,
        cm_offence_type(offence_type) as offence_type,
        cm_offence_group(offence_type) as offence_group,
        upper(role) as role,
        age_years as age, cm_age_band(age_years) as age_band,
        coalesce(cm_sex(sex), 'U') as sex,
        upper(ethnicity) as ethnicity,
        coalesce(cm_ethnic_group(ethnicity), 'Unknown') as ethnic_group,
        coalesce(pc_lsoa, nr_lsoa) as lsoa_code, coalesce(pc_sector, nr_sector) as sector,
        coalesce(pc_district, nr_district) as district,
        round(coalesce(cm_num(lat), pc_lat), 3) as lat,
        round(coalesce(cm_num(lon), pc_lon), 3) as lon,
        place_id,
        cm_flag(serious_violence) as is_serious_violence,
        upper(weapon) as weapon,
        upper(exploitation) as exploitation,
        'contract' as source_system,
        _row,
        place_id as _place_ref,
        (cm_offence_type(offence_type) = 'Other crime' and lower(offence_type) <> 'other crime')::int as _other,
        offence_at::date as _date,
        (postcode is not null and pc_lsoa is null)::int as _unresolved,
        case when postcode is not null and pc_lsoa is null then [coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)')] else [] end
            as _unresolved_districts,
        {errs(checks)}
    from typed
    """


def stage_places(raw_table: str, present: list[str]) -> str:
    checks = [
        *generic_checks('places'),
        required("place_id"), required("name"), required("category"),
        code_check("category", sp.in_list("cm_code(category)", sp.PLACE_CATEGORIES), sp.PLACE_CATEGORIES),
        *_latlon_checks("lat", "lon"),
        err("postcode is null and lat is null", "postcode", q("no location: give a postcode or lat/lon")),
        err("postcode is not null and pc_lsoa is null and lat is null", "postcode",
            q("postcode is not in the area's postcode list (outside the area or not a live postcode), and no lat/lon is given"),
            "coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)')"),
        dup_check("place_id", "place_id"),
    ]
    return f"""
    create or replace temp table out as
    with {source(raw_table, present, "places")},
    {_postcode_lookup(["postcode"])},
    {nearest_postcode('lat', 'lon')},
    typed as (
        select s.*, nr.sector as nr_sector, nr.district as nr_district, nr.lsoa_code as nr_lsoa,
            pc.sector as pc_sector, pc.district as pc_district, pc.lsoa_code as pc_lsoa,
            pc.lat as pc_lat, pc.lon as pc_lon,
            _row - coalesce(_first, _row) + 1 as _dup
        from src as s
        {dup_join(['place_id'], 's')}
        left join lk as pc on pc.t = s.postcode
        {near_join('lat', 'lon')}
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
        case when postcode is not null and pc_lsoa is null then [coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)')] else [] end
            as _unresolved_districts,
        {errs(checks)}
    from typed
    """


def stage_disruption_actions(raw_table: str, present: list[str]) -> str:
    checks = [
        *generic_checks('disruption_actions'),
        required("action_id"), required("action_type"), required("start_date"),
        err("place_id is null and area_code is null", "area_code", q("neither place_id nor area_code is given (one is required)")),
        err("place_id is null and area_code is not null and level is null", "area_code",
            q("area_code is not a ward, LSOA or postcode sector of the area")),
        err("action_type is not null and not cm_code_ok(action_type)", "action_type",
            q("action_type must be a code such as LICENSING_VISIT or CLOSURE_ORDER, not free text")),
        date_check("start_date", "start_d"), date_check("end_date", "end_d"),
        old_check("start_date", "start_d"),
        err("end_d < start_d", "end_date", q("end_date is before start_date")),
        code_check("agency", sp.in_list("cm_code(agency)", sp.AGENCIES), sp.AGENCIES),
        dup_check("action_id", "action_id"),
    ]
    return f"""
    create or replace temp table out as
    with {source(raw_table, present, "disruption_actions")},
    areas as (
        select ward_code as code, 'ward' as level from geo_ward
        union all select lsoa_code, 'lsoa' from geo_lsoa
        union all select replace(sector, ' ', ''), 'sector' from geo_sector
    ),
    typed as (
        select s.*, cast(cm_ts(start_date) as date) as start_d, cast(cm_ts(end_date) as date) as end_d,
            a.level, _row - coalesce(_first, _row) + 1 as _dup
        from src as s
        {dup_join(['action_id'], 's')}
        left join areas as a on a.code = upper(replace(s.area_code, ' ', ''))
    )
    select
        action_id,
        place_id,
        case when place_id is null then case when level = 'sector' then cm_pc_sector(upper(replace(area_code, ' ', '')) || 'AA')
                                             else upper(replace(area_code, ' ', '')) end end as area_code,
        case when place_id is not null then 'place' else level end as area_level,
        cm_open_code(cm_code(action_type), {sp._sql_list(sp.ACTION_TYPES)}) as action_type,
        start_d as start_date, end_d as end_date,
        cm_code(agency) as agency,
        _row,
        place_id as _place_ref,
        (not list_contains({sp._sql_list(sp.ACTION_TYPES)}, cm_code(action_type)))::int as _other,
        start_d as _date,
        0 as _unresolved,
        []::varchar[] as _unresolved_districts,
        {errs(checks)}
    from typed
    """
