"""``return_home_interviews``: one row per return home interview offered (docs/contract.md).

Lists must be codes (unknown push and pull factors become OTHER); ``places_mentioned``
keeps only place ids and the sectors and LSOAs of postcodes; ``associates_mentioned``
becomes person keys. An RHI's episode must be in a missing episodes file loaded now,
which is checked again on every load (a rebuild may drop that file).
"""

from __future__ import annotations

from pipelines.ingest import checks
from pipelines.ingest import sqlparts as sp
from pipelines.ingest.checks import err, q
from pipelines.ingest.source import Source
from pipelines.ingest.staging import column, source_cte
from pipelines.pseudonym import sql_expr


def select(source: Source) -> str:
    """The staging SELECT of one RHI file."""
    themes = sp.sql_list(sp.THEMES, "        ")
    push, pull = sp.sql_list(sp.PUSH_FACTORS, "        "), sp.sql_list(sp.PULL_FACTORS, "        ")
    rejects = [
        *checks.generic(source),
        *checks.required("rhi_id", "episode_id", "outcome"),
        checks.code("outcome", sp.in_list("cm_code(outcome)", sp.RHI_OUTCOMES), sp.RHI_OUTCOMES),
        checks.date("offered_datetime", "offered_at"), checks.date("completed_datetime", "completed_at"),
        checks.future("offered_datetime", "offered_at"), checks.future("completed_datetime", "completed_at"),
        checks.too_old("offered_datetime", "offered_at"),
        err("cm_before(completed_at, completed_datetime, offered_at, offered_datetime)", "completed_datetime",
            q("completed_datetime is before offered_datetime")),
        err(f"len(list_filter(theme_list, lambda t: not list_contains({themes}, t))) > 0", "themes",
            q(f"unknown themes code (expected codes from: {', '.join(sp.THEMES)})")),
        err("len(list_filter(cm_list(push_factors), lambda t: not cm_code_ok(t))) > 0", "push_factors",
            q("push_factors must be codes such as FAMILY_CONFLICT (at most three words), not free text")),
        err("len(list_filter(cm_list(pull_factors), lambda t: not cm_code_ok(t))) > 0", "pull_factors",
            q("pull_factors must be codes such as OLDER_ASSOCIATES (at most three words), not free text")),
        checks.duplicate("rhi_id"),
        err("m_unknown > 0", "places_mentioned",
            q("places_mentioned names something that is neither a place_id in the places file nor a postcode")),
    ]
    return f"""with {source_cte(source)},

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
        cm_open_codes(push_factors, {push}) as push_list,
        cm_open_codes(pull_factors, {pull}) as pull_list,
        len(list_filter(cm_list(push_factors), lambda t: not list_contains({push}, cm_code(t))))
        + len(list_filter(cm_list(pull_factors), lambda t: not list_contains({pull}, cm_code(t))))
        as _other,
        coalesce(m.places, []) as m_places,
        coalesce(m.sectors, []) as m_sectors,
        coalesce(m.lsoas, []) as m_lsoas,
        coalesce(m.unknown, 0) as m_unknown,
        coalesce(m.unresolved, 0) as m_unresolved,
        coalesce(m.districts, []) as m_districts,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        {checks.dup_join(["rhi_id"])}
        left join mentions as m using (_row)
)

select
    {column(sql_expr("rhi_id", "return_home_interviews"), "rhi_key")},
    {column(sql_expr("episode_id", "missing_episodes"), "episode_key")},
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
        lambda a: {sql_expr("a")}
    )) as associate_keys,
    true as has_times,
    'contract' as source_system,
    _row,
    _other,
    coalesce(offered_at, completed_at)::date as _date,
    m_unresolved as _unresolved,
    m_districts as _unresolved_districts,
    {checks.errs(source, rejects)}
from typed
"""


SOURCE = Source(
    name="return_home_interviews",
    file_name="(return_home_interviews|rhi)",
    signature=frozenset({"rhi_id", "episode_id"}),
    columns=("rhi_id", "episode_id", "outcome", "offered_datetime", "completed_datetime", "themes", "push_factors",
             "pull_factors", "places_mentioned", "associates_mentioned"),
    required=("rhi_id", "episode_id", "outcome"),
    select=select,
    staging="stg_return_home_interviews",
    target="stg_return_home_interviews",
    key="rhi_key",
    private=frozenset({"rhi_id", "episode_id", "push_factors", "pull_factors", "places_mentioned",
                       "associates_mentioned"}),
    reads_places=True,
    rechecks=(err("episode_key not in (select episode_key from stg_missing_episodes)", "episode_id",
                  q("episode_id is not in any missing_episodes file loaded (RHI for an unknown episode)")),),
)
