"""The West Yorkshire force-area geography: the shipped files have the Kirklees files' shapes,
every LSOA and ward knows its council, council denominators are the plain sums of the
population file, and neighbours are plausible across council borders.

Checks against the shared open data beside the project skip when it is not there (a fresh
clone in CI); the rest read only the shipped files."""

from __future__ import annotations

import csv
import json
import tomllib
from collections import Counter, defaultdict

import duckdb
import pytest
from settings_files import use_settings

from contextmap import settings
from contextmap.settings import ROOT
from pipelines import geography

WY = ROOT / "data" / "geography" / "west_yorkshire"
KIRKLEES = ROOT / "data" / "geography" / "kirklees"
WY_SETTINGS = ROOT / "contextmap-west-yorkshire.toml"
REAL = ROOT.parent / "shared" / "data" / "real"
COUNCILS = {"E08000032": "Bradford", "E08000033": "Calderdale", "E08000034": "Kirklees",
            "E08000035": "Leeds", "E08000036": "Wakefield"}
AGES = [str(a) for a in range(10, 18)]


def _rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _features(path) -> list[dict]:
    return json.loads(path.read_text())["features"]


def _shared(relative: str):
    path = REAL / relative
    if not path.exists():
        pytest.skip(f"{path} is not on this machine (the shared real data sits beside the project)")
    return path


def _load(settings_file) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONTEXTMAP_SETTINGS", str(settings_file))
        geography.load_geography(con, progress=lambda *_: None)
    return con


@pytest.fixture(scope="module")
def wy() -> duckdb.DuckDBPyConnection:
    return _load(WY_SETTINGS)


def _sums(con, sql: str) -> dict:
    return dict(con.execute(sql).fetchall())


def test_the_force_files_have_the_kirklees_files_shapes():
    for name in ("localities.csv", "postcodes.csv", "children_10_17_lsoa.csv", "imd2019_lsoa.csv",
                 "lsoa21_to_lsoa11.csv", "councils.csv"):
        assert list(_rows(WY / name)[0]) == list(_rows(KIRKLEES / name)[0]), name
    for name in ("wards.geojson", "lsoas.geojson"):
        assert {tuple(f["properties"]) for f in _features(WY / name)} == {("code", "name")}


def test_every_lsoa_has_exactly_one_of_the_five_councils():
    lsoas = {f["properties"]["code"]: f["properties"]["name"] for f in _features(WY / "lsoas.geojson")}
    councils = _rows(WY / "councils.csv")
    assert len(lsoas) == 1388 and sorted(r["lsoa_code"] for r in councils) == sorted(lsoas)
    assert {(r["council_code"], r["council_name"]) for r in councils} == set(COUNCILS.items())
    # ONS names an LSOA after its council ("Kirklees 040A"): an independent check of the file.
    assert all(lsoas[r["lsoa_code"]].rsplit(" ", 1)[0] == r["council_name"] for r in councils)


def test_lsoas_per_council_match_the_ons_lookup():
    lookup = _rows(_shared("geography/west_yorkshire_oa11_lsoa11_msoa11_lad_lookup.csv"))
    expected = Counter(code for _, code in {(r["LSOA11CD"], r["LAD17CD"]) for r in lookup})
    assert Counter(r["council_code"] for r in _rows(WY / "councils.csv")) == expected


def test_council_children_are_the_sums_of_single_years_10_to_17(wy):
    council_of = {r["lsoa_code"]: r["council_code"] for r in _rows(WY / "councils.csv")}
    shipped = defaultdict(int)
    for r in _rows(WY / "children_10_17_lsoa.csv"):
        assert int(r["children_10_17"]) == sum(int(r[a]) for a in AGES)
        shipped[council_of[r["lsoa_code"]]] += int(r["children_10_17"])
    built = _sums(wy, "select council_code, children_10_17 from geo_council")
    assert built == dict(shipped) and set(built) == set(COUNCILS)
    assert _sums(wy, "select council_code, council_name from geo_council") == COUNCILS
    # The force total is the sum over councils, and every LSOA and ward is counted once.
    assert wy.execute("select sum(children_10_17), sum(lsoas), sum(wards) from geo_council").fetchone() == (
        wy.execute("select sum(children_10_17) from geo_lsoa").fetchone()[0], 1388, 124)


def test_council_children_match_the_ons_population_file(wy):
    source = _rows(_shared("population/west_yorkshire_population_mid2020_lsoa11_single_year_of_age.csv"))
    expected = defaultdict(int)
    for r in source:
        expected[r["LAD17CD"]] += sum(int(r[a]) for a in AGES)
    assert _sums(wy, "select council_code, children_10_17 from geo_council") == dict(expected)


def test_every_lsoa_and_ward_knows_its_council(wy):
    assert wy.execute("select count(*) from geo_lsoa where council_code is null or council_name is null").fetchone() == (0,)
    assert wy.execute("select count(*) from geo_ward where council_code is null or council_name is null").fetchone() == (0,)
    # Outside Kirklees a ward's locality is its council (localities.csv); Kirklees keeps its four.
    wards = wy.execute("select locality, council_name from geo_ward").fetchall()
    assert all(loc == council for loc, council in wards if council != "Kirklees")
    assert {loc for loc, council in wards if council == "Kirklees"} == {
        "Huddersfield", "Dewsbury and Mirfield", "Batley and Spen", "Kirklees Rural"}
    assert _sums(wy, "select council_code, count(*) from geo_ward group by all") == {
        "E08000032": 30, "E08000033": 17, "E08000034": 23, "E08000035": 33, "E08000036": 21}


def test_every_postcode_lies_in_a_shipped_lsoa_and_ward(wy):
    assert wy.execute("""select count(*) from geo_postcode as p
                         left join geo_lsoa as l on l.lsoa_code = p.lsoa_code
                         left join geo_ward as w on w.ward_code = p.ward_code
                         where l.lsoa_code is null or w.ward_code is null""").fetchone() == (0,)


def test_the_kirklees_build_has_one_council():
    con = _load(ROOT / "contextmap.toml")
    assert con.execute("select council_code, council_name, children_10_17, lsoas, wards from geo_council").fetchall() == [
        ("E08000034", "Kirklees", 44773, 259, 23)]


def test_lsoa_neighbours_are_plausible_across_the_force(wy):
    degree = _sums(wy, "select lsoa_code, count(*) from geo_lsoa_neighbours group by all")
    assert len(degree) == 1388  # no LSOA without a neighbour
    assert 5 <= sum(degree.values()) / len(degree) <= 7
    assert wy.execute("""select count(*) from geo_lsoa_neighbours a anti join geo_lsoa_neighbours b
                         on a.lsoa_code = b.neighbour_code and a.neighbour_code = b.lsoa_code""").fetchone() == (0,)
    borders = set(wy.execute("""select a.council_name, b.council_name from geo_lsoa_neighbours n
                                join geo_lsoa a using (lsoa_code) join geo_lsoa b on b.lsoa_code = n.neighbour_code
                                where a.council_code < b.council_code""").fetchall())
    # The councils that share a border, and only those (Calderdale touches neither Leeds nor Wakefield).
    assert borders == {("Bradford", "Calderdale"), ("Bradford", "Kirklees"), ("Bradford", "Leeds"),
                       ("Calderdale", "Kirklees"), ("Kirklees", "Leeds"), ("Kirklees", "Wakefield"),
                       ("Leeds", "Wakefield")}


def test_the_force_settings_differ_from_the_shipped_ones_only_in_geography():
    force, shipped = (tomllib.loads(p.read_text()) for p in (WY_SETTINGS, ROOT / "contextmap.toml"))
    assert force.pop("geography") != shipped.pop("geography")
    assert force == shipped
    loaded = settings._load(WY_SETTINGS).geography
    assert loaded.name == "West Yorkshire" and loaded.councils == WY / "councils.csv"


def test_a_councils_file_missing_an_lsoa_is_refused(tmp_path, monkeypatch):
    rows = (KIRKLEES / "councils.csv").read_text().splitlines()
    short = tmp_path / "councils.csv"
    short.write_text("\n".join(rows[:-1]) + "\n")
    use_settings(tmp_path, monkeypatch, geography__councils=f'"{short}"')
    with pytest.raises(ValueError, match=f"every LSOA needs exactly one council; 1 have none .*{rows[-1][:9]}"):
        geography.load_geography(duckdb.connect(), progress=lambda *_: None)
