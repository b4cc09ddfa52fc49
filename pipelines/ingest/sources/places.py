"""``places``: the register of places of concern the partnership reviews (docs/contract.md).

Place ids are kept as given (register ids, never a person's); the name, the only free
text kept, is cleaned (``cm_clean_text``) rather than rejected.
"""

from __future__ import annotations

from pipelines.ingest import checks
from pipelines.ingest import sqlparts as sp
from pipelines.ingest.checks import err, q
from pipelines.ingest.locations import near_join, nearest_postcode, postcode_lookup
from pipelines.ingest.source import Source
from pipelines.ingest.staging import source_cte


def select(source: Source) -> str:
    """The staging SELECT of one places file."""
    rejects = [
        *checks.generic(source),
        *checks.required("place_id", "name", "category"),
        checks.code("category", sp.in_list("cm_code(category)", sp.PLACE_CATEGORIES), sp.PLACE_CATEGORIES),
        *checks.latlon("lat", "lon"),
        err("postcode is null and lat is null", "postcode", q("no location: give a postcode or lat/lon")),
        err("postcode is not null and pc_lsoa is null and lat is null", "postcode",
            q("postcode is not in the area's postcode list (outside the area or not a live postcode), and no lat/lon is given"),
            "coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)')"),
        checks.duplicate("place_id"),
    ]
    return f"""with {source_cte(source)},

{postcode_lookup(["postcode"])},

{nearest_postcode("lat", "lon")},

typed as (
    select
        s.*,
        nr.sector as nr_sector, nr.district as nr_district, nr.lsoa_code as nr_lsoa,
        pc.sector as pc_sector, pc.district as pc_district, pc.lsoa_code as pc_lsoa,
        pc.lat as pc_lat, pc.lon as pc_lon,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        {checks.dup_join(["place_id"])}
        left join lk as pc on pc.t = s.postcode
        {near_join("lat", "lon")}
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
    case when postcode is not null and pc_lsoa is null
        then [coalesce(cm_pc_district(cm_pc(postcode)), '(not a postcode)')] else [] end as _unresolved_districts,
    {checks.errs(source, rejects)}
from typed
"""


SOURCE = Source(
    name="places",
    file_name="places",
    signature=frozenset({"place_id", "category"}),
    columns=("place_id", "name", "category", "postcode", "lat", "lon"),
    required=("place_id", "name", "category"),
    select=select,
    staging="stg_places",
    target="stg_places",
    key="place_id",
    postcodes=frozenset({"postcode"}),
)
