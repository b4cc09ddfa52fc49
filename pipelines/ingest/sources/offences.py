"""``offences``: one row per person involved in an offence (docs/contract.md).

An offence with no known person has one row with an empty ``person_id``; the same
offence id may repeat with different persons. Offence types that name neither a
police.uk crime type nor a Home Office offence group are kept as ``Other crime``.
"""

from __future__ import annotations

from pipelines.ingest import checks
from pipelines.ingest import sqlparts as sp
from pipelines.ingest.checks import err, q
from pipelines.ingest.locations import near_join, nearest_postcode, postcode_lookup
from pipelines.ingest.source import Source
from pipelines.ingest.staging import keyed, source_cte
from pipelines.pseudonym import sql_expr


def select(source: Source) -> str:
    """The staging SELECT of one offences file."""
    rejects = [
        *checks.generic(source),
        *checks.required("offence_id", "offence_datetime", "offence_type"),
        err("offence_datetime is not null and offence_at is null", "offence_datetime",
            "cm_date_reason(offence_datetime, 'offence_datetime')"),
        checks.future("offence_datetime", "offence_at"), checks.too_old("offence_datetime", "offence_at"),
        checks.code("role", sp.in_list("upper(role)", sp.ROLES), sp.ROLES),
        *checks.age(), *checks.demography(),
        checks.flag("serious_violence"),
        checks.code("weapon", sp.in_list("upper(weapon)", sp.WEAPONS), sp.WEAPONS),
        checks.code("exploitation", sp.in_list("upper(exploitation)", sp.EXPLOITATION), sp.EXPLOITATION),
        *checks.latlon("lat", "lon"),
        err("postcode is null and lat is null and place_id is null", "postcode",
            q("no location: give a postcode, lat/lon or place_id")),
        err("postcode is not null and pc_lsoa is null and lat is null and place_id is null", "postcode",
            q("postcode is not in the area's postcode list (outside the area or not a live postcode), and no other location is given")),
        err("postcode is null and place_id is null and has_point and nr_lsoa is null", "lat",
            q("lat/lon is outside the area (no postcode of the area within about 500 m), and no other location is given")),
        checks.duplicate("person_id", "the same person appears twice for this offence_id (the first row was kept)"),
        checks.place_known("place_id"),
    ]
    unresolved = "postcode is not null and pc_lsoa is null"
    return f"""with {source_cte(source)},

{postcode_lookup(["postcode"])},

{keyed("pk", "person_id")},

{nearest_postcode("lat", "lon")},

typed as (
    select
        s.*,
        pk.k as person_key,
        cm_month(offence_datetime) as offence_at,
        nr.sector as nr_sector, nr.district as nr_district, nr.lsoa_code as nr_lsoa,
        coalesce(nr.has_point, false) as has_point,
        pc.sector as pc_sector, pc.district as pc_district, pc.lsoa_code as pc_lsoa, pc.lat as pc_lat, pc.lon as pc_lon,
        case when not cm_int_bad(age) then cm_num(age)::integer end as age_years,
        _row - coalesce(_first, _row) + 1 as _dup,
        kp.known_place
    from src as s
        {checks.dup_join(["offence_id", "person_id"])}
        left join pk on pk.v = s.person_id
        left join lk as pc on pc.t = s.postcode
        {near_join("lat", "lon")}
        {checks.places_join("place_id")}
)

select
    {sql_expr("offence_id", "offences")} as offence_key,
    person_key,
    offence_at,
    date_trunc('month', offence_at)::date as offence_month,
    cm_offence_type(offence_type) as offence_type,
    cm_offence_group(offence_type) as offence_group,
    upper(role) as role,
    age_years as age,
    cm_age_band(age_years) as age_band,
    coalesce(cm_sex(sex), 'U') as sex,
    upper(ethnicity) as ethnicity,
    coalesce(cm_ethnic_group(ethnicity), 'Unknown') as ethnic_group,
    coalesce(pc_lsoa, nr_lsoa) as lsoa_code,
    coalesce(pc_sector, nr_sector) as sector,
    coalesce(pc_district, nr_district) as district,
    round(coalesce(cm_num(lat), pc_lat), 3) as lat,
    round(coalesce(cm_num(lon), pc_lon), 3) as lon,
    place_id,
    cm_flag(serious_violence) as is_serious_violence,
    upper(weapon) as weapon,
    upper(exploitation) as exploitation,
    'contract' as source_system,
    _row,
    (cm_offence_type(offence_type) = 'Other crime' and lower(offence_type) <> 'other crime')::int as _other,
    offence_at::date as _date,
    ({unresolved})::int as _unresolved,
    case when {unresolved}
        then [coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)')] else [] end as _unresolved_districts,
    {checks.errs(source, rejects)}
from typed
"""


SOURCE = Source(
    name="offences",
    file_name="offences",
    signature=frozenset({"offence_id"}),
    columns=("offence_id", "offence_datetime", "offence_type", "person_id", "role", "age", "sex", "ethnicity",
             "postcode", "lat", "lon", "place_id", "serious_violence", "weapon", "exploitation"),
    required=("offence_id", "offence_datetime", "offence_type"),
    select=select,
    staging="stg_offences",
    target="stg_offences",
    key="offence_key",
    private=frozenset({"offence_id", "person_id"}),
    postcodes=frozenset({"postcode"}),
    reads_places=True,
)
