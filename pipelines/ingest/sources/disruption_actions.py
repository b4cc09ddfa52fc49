"""``disruption_actions``: what partners did at a place or area (docs/contract.md).

An action names a place of the places file or an area code (a ward, an LSOA or a postcode
sector of the area). Action ids are kept as given (register ids, never a person's); action
types ContextMap does not know are kept as OTHER.
"""

from __future__ import annotations

from pipelines.ingest import checks
from pipelines.ingest import sqlparts as sp
from pipelines.ingest.checks import err, q
from pipelines.ingest.source import Source
from pipelines.ingest.staging import source_cte


def select(source: Source) -> str:
    """The staging SELECT of one disruption actions file."""
    action_types = sp.sql_list(sp.ACTION_TYPES, "    ")
    rejects = [
        *checks.generic(source),
        *checks.required("action_id", "action_type", "start_date"),
        err("place_id is null and area_code is null", "area_code",
            q("neither place_id nor area_code is given (one is required)")),
        err("place_id is null and area_code is not null and level is null", "area_code",
            q("area_code is not a ward, LSOA or postcode sector of the area")),
        err("action_type is not null and not cm_code_ok(action_type)", "action_type",
            q("action_type must be a code such as LICENSING_VISIT or CLOSURE_ORDER, not free text")),
        checks.date("start_date", "start_d"), checks.date("end_date", "end_d"),
        checks.too_old("start_date", "start_d"),
        err("end_d < start_d", "end_date", q("end_date is before start_date")),
        checks.code("agency", sp.in_list("cm_code(agency)", sp.AGENCIES), sp.AGENCIES),
        checks.duplicate("action_id"),
        checks.place_known("place_id"),
    ]
    return f"""with {source_cte(source)},

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
        {checks.dup_join(["action_id"])}
        left join areas as a on a.code = upper(replace(s.area_code, ' ', ''))
        {checks.places_join("place_id")}
)

select
    action_id,
    place_id,
    case when place_id is null then
        case when level = 'sector' then cm_pc_sector(upper(replace(area_code, ' ', '')) || 'AA')
            else upper(replace(area_code, ' ', '')) end
    end as area_code,
    case when place_id is not null then 'place' else level end as area_level,
    cm_open_code(cm_code(action_type), {action_types}) as action_type,
    start_d as start_date,
    end_d as end_date,
    cm_code(agency) as agency,
    _row,
    (not list_contains({action_types}, cm_code(action_type)))::int as _other,
    start_d as _date,
    0 as _unresolved,
    []::varchar[] as _unresolved_districts,
    {checks.errs(source, rejects)}
from typed
"""


SOURCE = Source(
    name="disruption_actions",
    file_name="disruption_actions",
    signature=frozenset({"action_id"}),
    columns=("action_id", "action_type", "start_date", "place_id", "area_code", "end_date", "agency"),
    required=("action_id", "action_type", "start_date"),
    select=select,
    staging="stg_disruption_actions",
    target="stg_disruption_actions",
    key="action_id",
    reads_places=True,
)
