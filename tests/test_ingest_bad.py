"""The bad-file corpus: every real-world mistake gets its documented outcome, and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.geography import load_geography
from pipelines.ingest.load import run
from pipelines.ingest.mapping import Mapping
from pipelines.pseudonym import Keys

BAD = Path(__file__).parent / "data" / "bad"
EXPECTED = yaml.safe_load((BAD / "expected.yml").read_text())
KEY = b"test-key-for-the-bad-corpus-0001"


@pytest.fixture(scope="module")
def geo():
    con = duckdb.connect()
    load_geography(con, progress=lambda *_: None)
    yield con
    con.close()


def _load(geo, name: str):
    con = geo.cursor()
    results = run(con, [BAD / "_base", BAD / name], Keys.one(KEY), Mapping(), progress=lambda *_: None, stop_on_error=False)
    return con, next(r for r in results if r.name == name)


def test_the_corpus_is_big_enough_and_every_file_is_listed():
    files = {p.name for p in BAD.iterdir() if p.is_file() and p.name not in ("expected.yml", "make_corpus.py")}
    assert len(files) >= 40
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gets_its_documented_outcome(geo, name):
    expect = EXPECTED[name]
    con, result = _load(geo, name)
    if "error" in expect:
        assert result.error and expect["error"] in result.error, result.error
        assert name in result.error
        return
    assert result.error is None, result.error
    # Nothing lost: every row read is accepted or rejected, and the tables agree.
    assert result.rows_accepted + result.rows_rejected == result.rows_read
    loads = con.execute("select rows_read, rows_accepted, rows_rejected, unresolved_postcodes, coalesce(notes, '') "
                        "from file_loads where source_file = ?", [name]).fetchone()
    assert loads[:3] == (result.rows_read, result.rows_accepted, result.rows_rejected)
    rejected_rows = con.execute("select count(distinct source_row) from rejects where source_file = ?", [name]).fetchone()[0]
    assert rejected_rows == result.rows_rejected
    if "rows_read" in expect:
        assert result.rows_read == expect["rows_read"]
    if "rejected" in expect:
        assert result.rows_rejected == expect["rejected"]
    if "rejected_at_least" in expect:
        assert result.rows_rejected >= expect["rejected_at_least"]
    if "unresolved_postcodes" in expect:
        assert loads[3] == expect["unresolved_postcodes"]
    if "note" in expect:
        assert expect["note"] in loads[4]
    rejects = con.execute("select source_row, column_name, reason, value from rejects where source_file = ?", [name]).fetchall()
    for want in expect.get("rejects", []):
        matches = [r for r in rejects if r[0] == want["row"] and r[1] == want["column"] and want["reason"] in r[2]]
        assert matches, f"expected row {want['row']} {want['column']} ~ {want['reason']!r}; got {rejects}"


def test_identifiers_never_appear_in_rejects(geo):
    con, _ = _load(geo, "missing_episodes_duplicate_id.csv")
    values = [v for (v,) in con.execute("select value from rejects where column_name in ('episode_id', 'person_id')").fetchall()]
    assert values and all(v is None for v in values)


def test_html_and_formulas_never_reach_the_tables(geo):
    con, _ = _load(geo, "places_html.csv")
    names = [n for (n,) in con.execute("select name from stg_places").fetchall()]
    assert "Station Road alert(1)" in " ".join(names).replace("  ", " ")
    assert not any("<" in n or n.startswith("=") for n in names)


def test_windows_1252_text_is_decoded(geo):
    con, _ = _load(geo, "places_windows1252.csv")
    assert con.execute("select name from stg_places where place_id = 'BP-1'").fetchone()[0] == "Café Nero’s – Station Rd"


def test_a_place_with_a_formula_or_a_huge_name_is_kept_with_everything_naming_it(geo, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "places.csv").write_text(
        "place_id,name,category,postcode\n"
        'BP-1,"=HYPERLINK(""http://evil.example"",""Click"")",TAKEAWAY,HD1 1BA\n'
        f"BP-2,{'y' * 10_000},TAKEAWAY,HD1 1BA\n")
    (folder / "missing_episodes.csv").write_text(
        "episode_id,person_id,start_datetime,age,found_place_id\n"
        "E1,P1,2024-03-05 21:40,14,BP-1\nE2,P2,2024-03-05 21:40,14,BP-2\n")
    (folder / "offences.csv").write_text(
        "offence_id,offence_datetime,offence_type,place_id\nO1,2024-03-05,Drugs,BP-1\nO2,2024-03-05,Drugs,BP-2\n")
    con = geo.cursor()
    run(con, [folder], Keys.one(KEY), Mapping(), progress=lambda *_: None, stop_on_error=False)
    assert con.execute("select count(*) from rejects").fetchone()[0] == 0
    names = dict(con.execute("select place_id, name from stg_places").fetchall())
    assert names["BP-1"] == 'HYPERLINK("http://evil.example","Click")'  # no longer a formula
    assert len(names["BP-2"]) == 120
    assert con.execute("select count(*) from stg_missing_episodes").fetchone()[0] == 2
    assert con.execute("select count(*) from stg_offences").fetchone()[0] == 2


def test_an_empty_location_is_reported_as_empty_and_a_bad_one_by_its_shape(geo):
    con, _ = _load(geo, "offences_no_location.csv")
    assert con.execute("select value from rejects where source_file = 'offences_no_location.csv'").fetchall() == [("(empty)",)]
    con, _ = _load(geo, "missing_episodes_not_a_date.csv")
    values = [v for (v,) in con.execute("select value from rejects where source_file = 'missing_episodes_not_a_date.csv'")
              .fetchall()]
    assert values and all(set(v) <= set("Aa9 /:-.,…") for v in values), values


def test_bidirectional_controls_never_reach_a_place_name(geo, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "places.csv").write_text("place_id,name,category,postcode\n"
                                       "BP-1,Station \u202egnp.exe\u202c Café \u2066x\u2069,TAKEAWAY,HD1 1BA\n",
                                       encoding="utf-8")
    con = geo.cursor()
    run(con, [folder], Keys.one(KEY), Mapping(), progress=lambda *_: None, stop_on_error=False)
    assert con.execute("select name from stg_places").fetchone()[0] == "Station gnp.exe Café x"
