"""The geography cache: a build copies the geo tables it made last time, exactly, and makes them
again when a geography file, a setting or the code that makes them changes."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb

from contextmap import settings
from contextmap.settings import ROOT
from pipelines import geography

TABLES = (*geography.PY_TABLES, *geography.SQL_TABLES)


def _load(cache_dir) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    geography.load_geography(con, progress=lambda *_: None, cache_dir=cache_dir)
    return con


def _population(cache_dir) -> int:
    return _load(cache_dir).execute("select sum(children_10_17) from geo_population").fetchone()[0]


def _same(a: duckdb.DuckDBPyConnection, b_path, table: str) -> bool:
    a.execute(f"attach '{b_path}' as other (read_only)")
    try:
        rows = a.execute(f"select count(*) from {table}").fetchone()[0]
        missing = a.execute(f"select count(*) from (from {table} except all from other.{table})").fetchone()[0]
        extra = a.execute(f"select count(*) from (from other.{table} except all from {table})").fetchone()[0]
        return rows > 0 and missing == 0 and extra == 0
    finally:
        a.execute("detach other")


def test_a_cached_load_gives_every_geo_table_exactly_and_needs_no_geopandas(tmp_path):
    cold = _load(tmp_path)
    (entry,) = tmp_path.glob("geography-*.duckdb")
    warm_path = tmp_path / "warm.duckdb"
    warm = duckdb.connect(str(warm_path))
    geography.load_geography(warm, progress=lambda *_: None, cache_dir=tmp_path)
    warm.close()
    assert [t for t in TABLES if not _same(cold, warm_path, t)] == []
    # A fresh process served from the cache never imports geopandas (a second of every build).
    check = ("import sys, duckdb; from pathlib import Path; from pipelines import geography; "
             f"geography.load_geography(duckdb.connect(), progress=print, cache_dir=Path({str(tmp_path)!r})); "
             "print('geopandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "geography: 23 wards, 259 LSOAs" in out and out.strip().endswith("False")
    assert list(tmp_path.glob("geography-*.duckdb")) == [entry]


def test_a_changed_geography_file_makes_the_tables_again(tmp_path, monkeypatch):
    folder = tmp_path / "geo"
    shutil.copytree(ROOT / "data" / "geography", folder)
    text = (ROOT / "contextmap.toml").read_text().replace('"data/geography/', f'"{folder}/')
    (tmp_path / "contextmap.toml").write_text(text)
    monkeypatch.setenv("CONTEXTMAP_SETTINGS", str(tmp_path / "contextmap.toml"))
    cache = tmp_path / "cache"
    before = geography.cache_key()
    first = _population(cache)

    population = settings.current().geography.population
    lines = population.read_text().splitlines()
    cells, column = lines[1].split(","), lines[0].split(",").index("children_10_17")
    cells[column] = str(int(cells[column]) + 1000)
    population.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")

    assert geography.cache_key() != before
    assert _population(cache) == first + 1000
    assert len(list(cache.glob("geography-*.duckdb"))) == 1  # the stale entry is gone


def test_an_entry_written_in_the_background_holds_every_geo_table_once_waited_for(tmp_path):
    con = duckdb.connect()
    wait = geography.load_geography(con, progress=lambda *_: None, cache_dir=tmp_path, background=True)
    # The build carries on with the same connection while the entry is written.
    assert con.execute("select count(*) from geo_postcode").fetchone()[0] > 0
    wait()
    (entry,) = tmp_path.glob("geography-*.duckdb")
    assert list(tmp_path.glob("*.partial")) == []
    assert [t for t in TABLES if not _same(con, entry, t)] == []
