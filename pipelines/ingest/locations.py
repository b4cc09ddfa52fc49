"""Location lookup for the staging SQL: postcodes and points to sectors, districts and LSOAs.

Each distinct postcode text and each distinct point is resolved once against
``geo_postcode``; rows join on the text as written, so a ten-million-row file costs one
lookup per distinct value, not per row.
"""

from __future__ import annotations

# The nearest-postcode search box (about 500 m) and the grid cell it is bucketed by.
NEAR_LAT, NEAR_LON = 0.0045, 0.0075


def postcode_lookup(cols: list[str]) -> str:
    """CTEs ``pcs``/``lk``: each distinct postcode text of ``cols`` (``t``, as written) with
    its area."""
    union = "\n        union\n        ".join(f"select {c} as t from src" for c in cols)
    return f"""pcs as (
    select distinct t
    from (
        {union}
    ) as written
    where t is not null
),

lk as (
    select pcs.t, g.sector, g.district, g.lsoa_code, g.lat, g.lon
    from pcs left join geo_postcode as g on g.postcode = cm_pc(pcs.t)
)"""


def nearest_postcode(lat: str, lon: str) -> str:
    """CTEs ``pts``/``grid_pc``/``nearest``/``near``: for each distinct (``lat``, ``lon``) text
    pair of ``src``, whether it is a valid point (``has_point``) and the sector, district and
    LSOA of the nearest postcode within about 500 m (the usual stand-in for point-in-polygon;
    no spatial extension is needed).

    Each distinct text pair is parsed once and rows join on the two strings as given:
    parsing every row's point (and testing it while filtering) cost more than the search.
    Points are searched once per distinct ``lat4``, ``lon4`` (rounded to 4 dp); postcodes
    and points are bucketed on a grid of cells the size of the search box, so each point
    is compared only with the postcodes of its 3×3 neighbouring cells (an equality join,
    much cheaper than a range join over every postcode)."""
    ok = "not cm_lat_bad(lat_t) and not cm_lon_bad(lon_t)"
    dist = "(g.lat - p.lat4) ^ 2 + ((g.lon - p.lon4) * 0.6) ^ 2"
    return f"""pts as (
    select
        lat_t, lon_t,
        case when {ok} then round(cm_num(lat_t), 4) end as lat4,
        case when {ok} then round(cm_num(lon_t), 4) end as lon4
    from (
        select distinct {lat} as lat_t, {lon} as lon_t
        from src where {lat} is not null and {lon} is not null
    ) as written
),

grid_pc as (
    select *, floor(lat / {NEAR_LAT})::bigint as gy, floor(lon / {NEAR_LON})::bigint as gx
    from geo_postcode where lat is not null and lon is not null
),

nearest as (
    select
        p.lat4, p.lon4,
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


def near_join(lat: str, lon: str, alias: str = "s") -> str:
    """LEFT JOIN of ``near`` (as ``nr``) on the row's own point text (no self-join by row number)."""
    return f"left join near as nr on nr.lat_t = {alias}.{lat} and nr.lon_t = {alias}.{lon}"
