"""The per-file parse cache: unchanged files are reused, changed ones re-parsed, nothing raw kept."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from contextmap.settings import ROOT
from pipelines.geography import load_geography
from pipelines.ingest import cache as ingest_cache
from pipelines.ingest import load_inputs
from pipelines.pseudonym import Keys

KEY = b"5b0f3c9e21d84a7f96c0e1b2d3a4f5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c"
SAMPLE = ROOT / "data" / "sample"
TABLES = ("stg_missing_episodes", "stg_return_home_interviews", "stg_offences", "stg_places",
          "stg_disruption_actions", "rejects", "file_loads")
EP_HEADER = ("episode_id,person_id,start_datetime,end_datetime,episode_type,age,date_of_birth,sex,ethnicity,"
             "looked_after,risk_level,home_postcode,missing_from_postcode,found_postcode,found_lat,found_lon,found_place_id")


@pytest.fixture(scope="module")
def geo():
    con = duckdb.connect()
    load_geography(con, progress=lambda *_: None)
    yield con
    con.close()


def load(geo, paths, cache_dir, key=KEY):
    con = geo.cursor()
    summary = load_inputs(con, [Path(p) for p in paths], Keys.one(key), progress=lambda *_: None, cache_dir=cache_dir)
    return con, {f.name: f.cached for f in summary.files}


def contents(con) -> dict[str, list]:
    return {t: con.execute(f"select * from {t} order by all").fetchall() for t in TABLES}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def small_inputs(folder: Path) -> Path:
    """Hand-made files with identifiers, dates of birth, full postcodes and free text, some rows rejected."""
    write(folder / "places.csv", "place_id,name,category,postcode\nPL1,Corner Shop,SHOP,HD1 1AA\n")
    write(folder / "missing_episodes.csv", EP_HEADER + "\n"
          "EPI-SECRET-1,CHILD-SECRET-1,2024-03-05,2024-03-06,M,,2009-04-12,F,WBRI,Y,LOW,HD1 1AB,HD1 1AD,hd11aa,,,PL1\n"
          "EPI-SECRET-2,CHILD-SECRET-2,2024-03-07,,M,,2010-02-01,M,WBRI,N,LOW,HD1 1AE,,,,,NOPLACE\n")
    write(folder / "return_home_interviews.csv",
          "rhi_id,episode_id,outcome,offered_datetime,places_mentioned,associates_mentioned\n"
          "RHI-SECRET-1,EPI-SECRET-1,COMPLETED,2024-03-06,PL1;HD1 1AD,ASSOC-SECRET-1\n"
          "RHI-SECRET-2,EPI-SECRET-2,COMPLETED,2024-03-08,behind the chip shop on Sunday,\n")
    write(folder / "offences_2024-03.csv", "offence_id,offence_datetime,offence_type,person_id,postcode\n"
          "OFF-SECRET-1,2024-03-09,Drugs,CHILD-SECRET-1,HD1 1AD\n"
          "OFF-SECRET-2,2024-03-10,Drugs,CHILD-SECRET-2,ZZ9 9ZZ\n")
    return folder


def test_a_second_load_reuses_every_file_and_gives_identical_tables(geo, tmp_path):
    cache_dir = tmp_path / "cache"
    uncached, _ = load(geo, [SAMPLE], None)
    expected = contents(uncached)
    first, hits = load(geo, [SAMPLE], cache_dir)
    assert not any(hits.values())
    assert contents(first) == expected
    second, hits = load(geo, [SAMPLE], cache_dir)
    assert hits and all(hits.values())
    assert contents(second) == expected


def test_only_a_changed_or_new_file_is_parsed_again(geo, tmp_path):
    folder = small_inputs(tmp_path / "in")
    cache_dir = tmp_path / "cache"
    load(geo, [folder], cache_dir)
    write(folder / "offences_2024-03.csv", "offence_id,offence_datetime,offence_type,person_id,postcode\n"
          "OFF-SECRET-1,2024-03-09,Robbery,CHILD-SECRET-1,HD1 1AD\n")
    write(folder / "offences_2024-04.csv", "offence_id,offence_datetime,offence_type,person_id,postcode\n"
          "OFF-SECRET-3,2024-04-01,Drugs,CHILD-SECRET-1,HD1 1AD\n")
    con, hits = load(geo, [folder], cache_dir)
    assert hits == {"places.csv": True, "missing_episodes.csv": True, "return_home_interviews.csv": True,
                    "offences_2024-03.csv": False, "offences_2024-04.csv": False}
    fresh, _ = load(geo, [folder], None)
    assert contents(con) == contents(fresh)
    assert con.execute("select offence_type from stg_offences order by offence_at").fetchall() == [("Robbery",), ("Drugs",)]


def test_a_cached_rhi_is_checked_again_against_the_episodes_loaded_now(geo, tmp_path):
    folder = small_inputs(tmp_path / "in")
    cache_dir = tmp_path / "cache"
    load(geo, [folder], cache_dir)
    write(folder / "missing_episodes.csv", EP_HEADER + "\n"
          "EPI-SECRET-2,CHILD-SECRET-2,2024-03-07,,M,,2010-02-01,M,WBRI,N,LOW,HD1 1AE,,,,,\n")
    con, hits = load(geo, [folder], cache_dir)
    assert hits["return_home_interviews.csv"] and not hits["missing_episodes.csv"]
    fresh, _ = load(geo, [folder], None)
    assert contents(con) == contents(fresh)
    reasons = {r for (r,) in con.execute("select reason from rejects where table_name = 'return_home_interviews'").fetchall()}
    assert any("unknown episode" in r for r in reasons)


def test_new_ingest_code_or_another_key_misses_and_old_entries_are_removed(geo, tmp_path, monkeypatch):
    folder = small_inputs(tmp_path / "in")
    cache_dir = tmp_path / "cache"
    load(geo, [folder], cache_dir)
    _, hits = load(geo, [folder], cache_dir, key=b"another-key-for-ingest-cache-tests")
    assert not any(hits.values())
    old = {p.name for p in cache_dir.iterdir()}
    monkeypatch.setattr(ingest_cache, "code_version", lambda: "000000000000")
    _, hits = load(geo, [folder], cache_dir)
    assert not any(hits.values())
    assert not old & {p.name for p in cache_dir.iterdir()}


def test_a_file_with_future_dates_is_never_cached(geo, tmp_path):
    folder = tmp_path / "in"
    write(folder / "offences.csv", "offence_id,offence_datetime,offence_type,postcode\n"
          "O1,2024-03-09,Drugs,HD1 1AD\nO2,2999-01-01,Drugs,HD1 1AD\n")
    cache_dir = tmp_path / "cache"
    load(geo, [folder], cache_dir)
    _, hits = load(geo, [folder], cache_dir)
    assert hits == {"offences.csv": False}


def test_the_cache_holds_no_identifier_date_of_birth_full_postcode_or_free_text(geo, tmp_path):
    folder = small_inputs(tmp_path / "in")
    cache_dir = tmp_path / "cache"
    load(geo, [folder], cache_dir)
    files = sorted(cache_dir.iterdir())
    assert any(p.suffix == ".parquet" for p in files) and any(p.suffix == ".json" for p in files)
    scan = duckdb.connect()
    text = []
    for path in files:
        if path.suffix == ".json":
            text.append(path.read_text())
        else:
            cols = [c for (c,) in scan.execute("select column_name from (describe select * from read_parquet(?))",
                                               [str(path)]).fetchall()]
            select = ", ".join(f'to_json("{c}")::varchar' for c in cols)
            rows = scan.execute(f"select {select} from read_parquet(?)", [str(path)]).fetchall()
            text += [str(v) for row in rows for v in row]
            text += cols
    blob = "\n".join(text).upper()
    for secret in ("SECRET", "2009-04-12", "12/04/2009", "2010-02-01", "CHIP SHOP", "SUNDAY"):
        assert secret not in blob, secret
    for postcode in ("HD11AA", "HD11AB", "HD11AD", "HD11AE", "ZZ99ZZ"):
        assert not re.search(postcode[:-3] + r"\s*" + postcode[-3:], blob), postcode


def test_copied_cache_entries_are_found_by_content_not_by_path(geo, tmp_path):
    folder = small_inputs(tmp_path / "in")
    cache_dir = tmp_path / "cache"
    load(geo, [folder], cache_dir)
    moved = tmp_path / "elsewhere"
    shutil.copytree(folder, moved)
    _, hits = load(geo, [moved], cache_dir)
    assert all(hits.values())


def test_a_warehouse_build_keeps_its_cache_in_that_warehouse(tmp_path, monkeypatch):
    from pipelines import build

    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY", KEY.decode())
    folder = small_inputs(tmp_path / "in")
    warehouse = tmp_path / "warehouse"
    build.build([folder], directory=warehouse, progress=lambda *_: None)
    lines = []
    build.build([folder], directory=warehouse, progress=lines.append)
    assert any(ingest_cache.default_dir(warehouse).glob("*.parquet"))
    assert sum("reused from the cache" in line for line in lines) == 4
