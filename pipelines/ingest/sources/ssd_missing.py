"""``ssd_missing`` of the Standard Safeguarding Dataset: a second missing episodes format.

Rows become missing episodes (type M/A kept as MISSING/AWAY), joined to the SSD persons
loaded (``stg_ssd_people``) for sex, ethnicity and date of birth (→ age at the start). The
RHI offered/accepted flags become RHI rows without times (``has_times`` false), so they
count towards offered and completed shares but never towards the 72-hour measure. Never
cached: the episodes depend on the ssd_person files loaded with them.
"""

from __future__ import annotations

from pipelines.ingest import checks
from pipelines.ingest import sqlparts as sp
from pipelines.ingest.checks import err, q
from pipelines.ingest.source import Derived, Source
from pipelines.ingest.staging import STAGED, column, source_cte
from pipelines.pseudonym import sql_expr

DOB_AGE = "date_part('year', age(started_at, p.dob))"


def select(source: Source) -> str:
    """The staging SELECT of one ssd_missing file."""
    rejects = [
        *checks.generic(source),
        *checks.required("miss_table_id", "miss_la_person_id", "miss_mis_epi_start"),
        checks.date("miss_mis_epi_start", "started_at"), checks.date("miss_mis_epi_end", "ended_at"),
        checks.future("miss_mis_epi_start", "started_at"), checks.future("miss_mis_epi_end", "ended_at"),
        err("ended_at < started_at", "miss_mis_epi_end", q("miss_mis_epi_end is before miss_mis_epi_start")),
        checks.code("miss_mis_epi_type", "ep_type is not null", ["M", "A", "MISSING", "AWAY"]),
        checks.flag("miss_mis_epi_rhi_offered", ""),
        checks.flag("miss_mis_epi_rhi_accepted", ""),
        checks.duplicate("miss_table_id", "duplicate miss_table_id within the file (the first row was kept)"),
    ]
    return f"""with {source_cte(source)},

typed as (
    select
        s.*,
        cm_ts(miss_mis_epi_start) as started_at,
        cm_ts(miss_mis_epi_end) as ended_at,
        map_extract(
            {sp.sql_map(sp.EPISODE_TYPES)},
            coalesce(upper(miss_mis_epi_type), 'MISSING')
        )[1] as ep_type,
        {sql_expr("miss_la_person_id")} as pkey,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        {checks.dup_join(["miss_table_id"])}
),

joined as (
    select
        t.*,
        p.sex as p_sex,
        p.ethnicity as p_ethnicity,
        case when p.dob <= t.started_at then {DOB_AGE}::integer end as age_years,
        p.person_key is not null as _has_person
    from typed as t left join stg_ssd_people as p on p.person_key = t.pkey
)

select
    {column(sql_expr("miss_table_id", "ssd_missing"), "episode_key")},
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
    {checks.errs(source, rejects)}
from joined
"""


def rhi_select() -> str:
    """RHI rows (no times) from the accepted rows of a staged ssd_missing file."""
    return f"""select
    {sql_expr("episode_key", "ssd_missing_rhi")} as rhi_key,
    episode_key,
    null::timestamp as offered_at,
    null::timestamp as completed_at,
    case
        when _offered and _accepted then 'COMPLETED'
        when _offered and not _accepted then 'DECLINED'
        when not _offered then 'NOT_OFFERED'
    end as outcome,
    []::varchar[] as themes,
    []::varchar[] as push_factors,
    []::varchar[] as pull_factors,
    []::varchar[] as places_mentioned,
    []::varchar[] as sectors_mentioned,
    []::varchar[] as lsoas_mentioned,
    []::varchar[] as associate_keys,
    false as has_times,
    'ssd' as source_system,
    _row
from {STAGED}
-- Acceptance not recorded: no RHI record (the file's notes count these).
where len(_errs) = 0 and _offered is not null and not (_offered and _accepted is null)
"""


SOURCE = Source(
    name="ssd_missing",
    file_name="ssd_missing",
    signature=frozenset({"miss_table_id", "miss_la_person_id"}),
    columns=("miss_table_id", "miss_la_person_id", "miss_mis_epi_start", "miss_mis_epi_type", "miss_mis_epi_end",
             "miss_mis_epi_rhi_offered", "miss_mis_epi_rhi_accepted"),
    required=("miss_table_id", "miss_la_person_id", "miss_mis_epi_start"),
    select=select,
    staging="stg_missing_episodes_ssd",
    target="stg_missing_episodes",
    key="episode_key",
    private=frozenset({"miss_table_id", "miss_la_person_id"}),
    cacheable=False,
    derived=(Derived(select=rhi_select, staging="stg_return_home_interviews_ssd", target="stg_return_home_interviews",
                     key="rhi_key",
                     note="{n:,} RHI records made from the offered/accepted flags (no times: not in the 72-hour measure)"),),
    notes=(("not _has_person", "{n:,} episodes have no ssd_person row (age, sex and ethnicity unknown)"),
           ("_offered and _accepted is null",
            "{n:,} episodes had an RHI offered but acceptance not recorded (no RHI record made)")),
)
