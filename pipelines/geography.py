"""Load the configured geography into the build database (the ``geo_*`` tables).

Everything here is data: the paths come from ``[geography]`` in ``contextmap.toml``,
so a council points ContextMap at its own boundaries, postcodes, localities and
population files of the same shape (see docs/geography.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from contextmap import settings, sqlfiles

# pandas and geopandas are imported only when the tables are made (a cache miss): a build
# that copies them from the cache loads neither for its geography.
if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

# The [geography] keys naming files, read on every load (a cache entry depends on their bytes).
FILES = ("wards", "lsoas", "councils", "localities", "postcodes", "postcode_districts", "population", "imd",
         "lsoa21_to_lsoa11")
# Neighbour tests measure in metres, on the British National Grid.
BRITISH_NATIONAL_GRID = 27700
# Boundary vertices of two areas this near are one point. Reprojection and rounding move a shared
# vertex by millimetres; 2 m gives no pair beyond Queen's on the shipped Kirklees files (5 m would).
SNAP_METRES = 2.0


def _read_boundaries(path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd

    gdf = gpd.read_file(path)
    return gdf[["code", "name", "geometry"]].sort_values("code").reset_index(drop=True)


def _neighbours(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Queen-contiguity pairs (both directions), the usual choice for Gi* on areas: areas with
    boundary vertices within SNAP_METRES of each other. Where neighbours share vertices exactly
    (the shipped Kirklees files) this is libpysal's ``Queen``; where shared borders were stored
    apart (the ONS BGC LSOAs of West Yorkshire agree to a millimetre but share no vertex) it is
    libpysal's ``fuzzy_contiguity``. ``tests/test_geography_neighbours.py`` compares them; the
    build does not import PySAL."""
    import pandas as pd
    import shapely

    coords, index = shapely.get_coordinates(gdf.to_crs(BRITISH_NATIONAL_GRID).geometry.values, return_index=True)
    vertices = pd.DataFrame({"i": index, "x": coords[:, 0], "y": coords[:, 1]}).drop_duplicates()
    points = shapely.points(vertices[["x", "y"]].to_numpy())
    near, other = shapely.STRtree(points).query(points, predicate="dwithin", distance=SNAP_METRES)
    area = vertices["i"].to_numpy()
    pairs = pd.DataFrame({"i_x": area[near], "i_y": area[other]})
    pairs = pairs.loc[pairs["i_x"] != pairs["i_y"]].drop_duplicates()
    codes = gdf["code"].to_numpy()
    return pd.DataFrame({"code": codes[pairs["i_x"]], "neighbour_code": codes[pairs["i_y"]]}).sort_values(
        ["code", "neighbour_code"]).reset_index(drop=True)


def _councils(path: Path, lsoas: gpd.GeoDataFrame) -> pd.DataFrame:
    """The councils file, checked to give every LSOA of the boundaries exactly one council."""
    import pandas as pd

    councils = pd.read_csv(path, dtype=str)[["lsoa_code", "council_code", "council_name"]]
    twice = sorted(councils.loc[councils["lsoa_code"].duplicated(), "lsoa_code"].unique())
    missing = sorted(set(lsoas["code"]) - set(councils["lsoa_code"]))
    if twice or missing:
        raise ValueError(f"{path}: every LSOA needs exactly one council; "
                         f"{len(missing)} have none (e.g. {missing[:3]}), {len(twice)} have several (e.g. {twice[:3]})")
    return councils


def _boundary_rows(level: str, gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "level": level,
            "code": gdf["code"],
            "name": gdf["name"],
            "geojson": [json.dumps(g.__geo_interface__, separators=(",", ":")) for g in gdf.geometry],
        }
    )


def _centroids(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    import pandas as pd

    # Representative points stay inside concave areas, unlike true centroids.
    pts = gdf.geometry.representative_point()
    return pd.DataFrame({"code": gdf["code"], "centroid_lat": pts.y.round(6), "centroid_lon": pts.x.round(6)})


# The tables load_geography writes from the geography files, then those each built by
# its own file sql/staging/<table>.sql (in this order).
PY_TABLES = ("geo_locality_map", "geo_population", "geo_imd", "geo_lsoa21_to_lsoa11", "geo_postcode_district",
             "geo_boundary", "geo_lsoa_neighbours", "geo_ward_neighbours")
SQL_TABLES = ("geo_postcode", "geo_ward", "geo_lsoa", "geo_locality", "geo_sector", "geo_council")
# What those SQL files read besides: the shapes, the councils file and the raw postcode file, gone after the load.
TRANSIENT = ("ward_shapes", "lsoa_shapes", "lsoa_councils", "boundaries", "lsoa_nb", "ward_nb", "geo_postcode_raw")


def load_geography(con: duckdb.DuckDBPyConnection, progress=print, cache_dir: Path | None = None,
                   background: bool = False) -> Callable[[], None]:
    """Create every ``geo_*`` table described in docs/architecture.md in ``con``.

    With ``cache_dir``, the tables are copied from a cache entry made from the same
    geography files, settings and code when there is one (reading the boundaries with
    geopandas costs a build about a second, mostly its import); otherwise they are made
    and the entry is written. The entry holds only open geography, no one's data.

    With ``background``, a new entry is written on a cursor of ``con`` in a thread while
    the caller carries on (only a later build reads it). Returns a function that waits for
    that write and raises its error, if any (at once without ``background``).
    """
    sqlfiles.install_macros(con)
    entry = cache_dir / f"geography-{cache_key()}.duckdb" if cache_dir else None
    writing: Future | None = None
    if entry and entry.exists():
        _copy_tables(con, entry, "geography", "main")
    else:
        _make_tables(con)
        if entry and background:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="contextmap-geography")
            writing = pool.submit(_write_entry_on_cursor, con.cursor(), entry)
            pool.shutdown(wait=False)
        elif entry:
            _write_entry(con, entry)
    counts = {t: con.sql(f"select count(*) from {t}").fetchall()[0][0] for t in ("geo_ward", "geo_lsoa", "geo_postcode")}
    progress(f"  geography: {counts['geo_ward']} wards, {counts['geo_lsoa']} LSOAs, {counts['geo_postcode']:,} postcodes")
    return writing.result if writing else lambda: None


def _write_entry_on_cursor(cursor: duckdb.DuckDBPyConnection, entry: Path) -> None:
    try:
        _write_entry(cursor, entry)
    finally:
        cursor.close()


def cache_key() -> str:
    """Digest of everything the geo tables depend on: the [geography] settings, the bytes of
    the files they name, and the code and SQL that make the tables."""
    digest = hashlib.sha256(b"contextmap-geography-cache-v1")
    geo = settings.current().geography
    digest.update(json.dumps(dataclasses.asdict(geo), sort_keys=True, default=str).encode())
    code = [Path(__file__), sqlfiles.SQL_DIR / "macros.sql", *(sqlfiles.SQL_DIR / "staging" / f"{t}.sql" for t in SQL_TABLES)]
    for path in [*(getattr(geo, key) for key in FILES), *code]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _copy_tables(con: duckdb.DuckDBPyConnection, database: Path, source: str, target: str) -> None:
    """Copy every geo table between ``con``'s database and ``database`` (attached as ``geography``)."""
    con.execute(f"attach '{database}' as geography" + (" (read_only)" if source == "geography" else ""))
    try:
        for table in (*PY_TABLES, *SQL_TABLES):
            con.execute(f"create or replace table {target}.{table} as select * from {source}.{table}")
    finally:
        con.execute("detach geography")


def _write_entry(con: duckdb.DuckDBPyConnection, entry: Path) -> None:
    """Write a cache entry whole (a new name, then renamed) and remove older entries."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    partial = entry.with_name(f"{entry.stem}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    _copy_tables(con, partial, "main", "geography")
    os.replace(partial, entry)
    for old in entry.parent.glob("geography-*.duckdb"):
        if old != entry:
            old.unlink(missing_ok=True)


def _make_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Make the geo tables from the geography files."""
    import geopandas as gpd
    import pandas as pd

    geo = settings.current().geography
    wards = _read_boundaries(geo.wards)
    lsoas = _read_boundaries(geo.lsoas)
    localities = gpd.GeoDataFrame(
        wards.merge(pd.read_csv(geo.localities, dtype=str)[["ward_code", "locality"]], left_on="code", right_on="ward_code")
        .dissolve(by="locality", as_index=False)[["locality", "geometry"]]
        .rename(columns={"locality": "code"})
        .assign(name=lambda d: d["code"]),
        crs=wards.crs,
    )

    con.register("ward_shapes", pd.concat([wards[["code", "name"]], _centroids(wards).drop(columns="code")], axis=1))
    con.register("lsoa_shapes", pd.concat([lsoas[["code", "name"]], _centroids(lsoas).drop(columns="code")], axis=1))
    con.register("lsoa_councils", _councils(geo.councils, lsoas))
    con.register("boundaries", pd.concat([_boundary_rows("ward", wards), _boundary_rows("lsoa", lsoas), _boundary_rows("locality", localities)]))
    con.register("lsoa_nb", _neighbours(lsoas))
    con.register("ward_nb", _neighbours(wards))
    con.execute(f"""
        create or replace table geo_locality_map as
            select trim(ward_code) as ward_code, trim(locality) as locality from read_csv('{geo.localities}', all_varchar=true);
        create or replace table geo_postcode_raw as
            select * from read_csv('{geo.postcodes}', all_varchar=true);
        create or replace table geo_population as
            select lsoa_code, cast(children_10_17 as integer) as children_10_17
            from read_csv('{geo.population}', all_varchar=true);
        create or replace table geo_imd as
            select lsoa_code, cast(imd_rank as integer) as imd_rank, cast(imd_decile as integer) as imd_decile
            from read_csv('{geo.imd}', all_varchar=true);
        create or replace table geo_lsoa21_to_lsoa11 as
            select lsoa21_code, lsoa11_code, cast(share as double) as share
            from read_csv('{geo.lsoa21_to_lsoa11}', all_varchar=true);
        create or replace table geo_postcode_district as
            select district, cast(lat as double) as lat, cast(lon as double) as lon
            from read_csv('{geo.postcode_districts}', all_varchar=true);
        create or replace table geo_boundary as select * from boundaries order by level, code;
        create or replace table geo_lsoa_neighbours as
            select code as lsoa_code, neighbour_code from lsoa_nb;
        create or replace table geo_ward_neighbours as
            select code as ward_code, neighbour_code from ward_nb;
    """)
    for name in SQL_TABLES:
        con.execute(f"create or replace table {name} as " + sqlfiles.read(f"staging/{name}.sql"))
    for view in TRANSIENT[:-1]:
        con.unregister(view)
    con.execute(f"drop table {TRANSIENT[-1]}")
