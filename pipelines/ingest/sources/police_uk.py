"""police.uk street-level crime CSVs: a second offence source, with no persons.

Each row carries an LSOA code: 2011 codes are used directly; 2021 codes (files from 2022
on) are mapped to the 2011 LSOA sharing most of its postcodes (``geo_lsoa21_to_lsoa11``).
Rows whose LSOA is not in the configured area (a force-wide file covers several
councils) are rejected with the reason "outside <area>", so every row is accounted for.
Anti-social behaviour rows have no Crime ID: their key is built from file name and row.
"""

from __future__ import annotations

from pipelines.ingest import checks
from pipelines.ingest.checks import err, q
from pipelines.ingest.locations import near_join, nearest_postcode
from pipelines.ingest.source import Source
from pipelines.ingest.staging import source_cte
from pipelines.pseudonym import sql_expr


def select(source: Source) -> str:
    """The staging SELECT of one police.uk file."""
    rejects = [
        *checks.generic(source),
        err("month is null", "month", q("month is missing (required)")),
        err("month is not null and offence_at is null", "month", q("month is not a month (expected YYYY-MM)")),
        err("offence_at > current_timestamp::timestamp + interval 1 day", "month", q("month is in the future")),
        err("crime_type is null", "crime_type", q("crime_type is missing (required)")),
        err("lsoa_code is null and latitude is null", "lsoa_code",
            q("no location (police.uk publishes some crimes without one)")),
        err("lsoa_code is null and latitude is not null", "lsoa_code", q("no LSOA code for this location")),
        err("lsoa_code is not null and lsoa11 is null", "lsoa_code", "'outside ' || $area || ' (LSOA not in the area)'"),
        err("cm_lat_bad(latitude)", "latitude", q("latitude is not a latitude in Great Britain (WGS84 degrees)")),
        err("cm_lon_bad(longitude)", "longitude", q("longitude is not a longitude in Great Britain (WGS84 degrees)")),
        err("crime_id is not null and _dup > 1", "crime_id",
            q("duplicate Crime ID within the file (the first row was kept)")),
    ]
    return f"""with {source_cte(source)},

mapped as (
    select lsoa21_code, first(lsoa11_code order by share desc, lsoa11_code) as lsoa11_code
    from geo_lsoa21_to_lsoa11 group by lsoa21_code
),

{nearest_postcode("latitude", "longitude")},

typed as (
    select
        s.*,
        try_strptime(left(month, 7), '%Y-%m') as offence_at,
        coalesce(s.crime_id, $file_key || ':' || s._row::varchar) as crime_key,
        nr.sector as nr_sector, nr.district as nr_district,
        coalesce(g.lsoa_code, m.lsoa11_code) as lsoa11,
        g.lsoa_code is null and m.lsoa11_code is not null as _mapped,
        _row - coalesce(_first, _row) + 1 as _dup
    from src as s
        {checks.dup_join(["crime_id"])}
        left join geo_lsoa as g on g.lsoa_code = upper(s.lsoa_code)
        left join mapped as m on m.lsoa21_code = upper(s.lsoa_code)
        {near_join("latitude", "longitude")}
)

select
    {sql_expr("crime_key", "police_uk")} as offence_key,
    null::varchar as person_key,
    offence_at,
    offence_at::date as offence_month,
    cm_offence_type(crime_type) as offence_type,
    cm_offence_group(crime_type) as offence_group,
    null::varchar as role,
    null::integer as age,
    'Unknown' as age_band,
    'U' as sex,
    null::varchar as ethnicity,
    'Unknown' as ethnic_group,
    lsoa11 as lsoa_code,
    nr_sector as sector,
    nr_district as district,
    cm_num(latitude) as lat,
    cm_num(longitude) as lon,
    null::varchar as place_id,
    null::boolean as is_serious_violence,
    null::varchar as weapon,
    null::varchar as exploitation,
    'police_uk' as source_system,
    _row,
    offence_at::date as _date,
    _mapped,
    0 as _unresolved,
    []::varchar[] as _unresolved_districts,
    {checks.errs(source, rejects)}
from typed
"""


SOURCE = Source(
    name="police_uk",
    file_name=r"\d{4}-\d{2}-.+-street$",
    signature=frozenset({"crime_id", "month", "lsoa_code", "crime_type"}),
    columns=("crime_id", "month", "lsoa_code", "crime_type", "longitude", "latitude"),
    # Some exports drop the (often blank) Crime ID column: rows then get keys from file and row.
    required=("month", "lsoa_code", "crime_type"),
    ignored=("reported_by", "falls_within", "location", "lsoa_name", "last_outcome_category", "context"),
    select=select,
    staging="stg_offences_police_uk",
    target="stg_offences",
    key="offence_key",
    notes=(("_mapped", "{n:,} rows carried 2021 LSOA codes, mapped to 2011 LSOAs by postcode overlap"),),
)
