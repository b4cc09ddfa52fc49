"""``missing_episodes``: one row per missing (or absent) episode of a child (docs/contract.md).

The child's id becomes ``person_key`` and the episode's ``episode_key``; the date of birth
becomes the age at the start and is dropped; the home postcode survives only as its
sector, the others as sector and LSOA.
"""

from __future__ import annotations

from pipelines.ingest import checks
from pipelines.ingest import sqlparts as sp
from pipelines.ingest.checks import err, q
from pipelines.ingest.locations import near_join, nearest_postcode, postcode_lookup
from pipelines.ingest.source import Source
from pipelines.ingest.staging import column, keyed, source_cte
from pipelines.pseudonym import sql_expr

DOB_AGE = "date_part('year', age(started_at, dob))"


def select(source: Source) -> str:
    """The staging SELECT of one missing episodes file."""
    rejects = [
        *checks.generic(source),
        *checks.required("episode_id", "person_id", "start_datetime"),
        checks.date("start_datetime", "started_at"), checks.date("end_datetime", "ended_at"),
        checks.date("date_of_birth", "dob"),
        checks.future("start_datetime", "started_at"), checks.future("end_datetime", "ended_at"),
        checks.too_old("start_datetime", "started_at"),
        err("cm_before(ended_at, end_datetime, started_at, start_datetime)", "end_datetime",
            q("end_datetime is before start_datetime")),
        err("dob > started_at", "date_of_birth", q("date_of_birth is after the episode started")),
        err(f"dob is not null and {DOB_AGE} > {sp.MAX_AGE}", "date_of_birth",
            q(f"date_of_birth gives an implausible age (over {sp.MAX_AGE})")),
        *checks.age(),
        err("age is null and date_of_birth is null", "age", q("neither age nor date_of_birth is given (one is required)")),
        checks.code("episode_type", "ep_type is not null", ["MISSING", "AWAY", "M", "A"]),
        *checks.demography(),
        checks.flag("looked_after"),
        checks.code("risk_level", sp.in_list("upper(risk_level)", sp.RISK_LEVELS), sp.RISK_LEVELS),
        *checks.latlon("found_lat", "found_lon"),
        checks.duplicate("episode_id"),
        checks.place_known("found_place_id"),
    ]
    unresolved_mf = "missing_from_postcode is not null and mf_lsoa is null"
    unresolved_fo = "found_postcode is not null and fo_lsoa is null"
    return f"""with {source_cte(source)},

{postcode_lookup(["home_postcode", "missing_from_postcode", "found_postcode"])},

{keyed("pk", "person_id")},

{nearest_postcode("found_lat", "found_lon")},

typed as (
    select
        s.*,
        nr.sector as nr_sector, nr.lsoa_code as nr_lsoa,
        cm_ts(start_datetime) as started_at, cm_ts(end_datetime) as ended_at,
        cast(cm_ts(date_of_birth) as date) as dob,
        map_extract(
            {sp.sql_map(sp.EPISODE_TYPES)},
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
        {checks.dup_join(["episode_id"])}
        left join pk on pk.v = s.person_id
        left join lk as mf on mf.t = s.missing_from_postcode
        left join lk as fo on fo.t = s.found_postcode
        {near_join("found_lat", "found_lon")}
        {checks.places_join("found_place_id")}
),

aged as (
    select
        *,
        coalesce(
            case when dob <= started_at then {DOB_AGE}::integer end,
            case when not cm_int_bad(age) then cm_num(age)::integer end
        ) as age_years
    from typed
)

select
    {column(sql_expr("episode_id", "missing_episodes"), "episode_key")},
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
    ({unresolved_mf})::int
        + ({unresolved_fo})::int as _unresolved,
    list_filter([
        case when {unresolved_mf}
            then coalesce(cm_pc_district(cm_pc(missing_from_postcode)), '(not a postcode)') end,
        case when {unresolved_fo}
            then coalesce(cm_pc_district(cm_pc(found_postcode)), '(not a postcode)') end
    ], lambda d: d is not null) as _unresolved_districts,
    {checks.errs(source, rejects)}
from aged
"""


SOURCE = Source(
    name="missing_episodes",
    file_name="missing_episodes",
    signature=frozenset({"episode_id", "person_id", "start_datetime"}),
    columns=("episode_id", "person_id", "start_datetime", "end_datetime", "episode_type", "age", "date_of_birth", "sex",
             "ethnicity", "looked_after", "risk_level", "home_postcode", "missing_from_postcode", "found_postcode",
             "found_lat", "found_lon", "found_place_id"),
    required=("episode_id", "person_id", "start_datetime"),
    one_of=("age", "date_of_birth"),
    select=select,
    staging="stg_missing_episodes",
    target="stg_missing_episodes",
    key="episode_key",
    private=frozenset({"episode_id", "person_id", "date_of_birth", "home_postcode"}),
    postcodes=frozenset({"missing_from_postcode", "found_postcode"}),
    reads_places=True,
)
