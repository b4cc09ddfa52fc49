"""Postcodes for each scope in a force-wide build (issue 22, part 3), on the shipped force sample.

A council user's Postcodes page (by URL, Streamlit AppTest) lists only the postcode
districts and sectors in or next to their council or where their own children's events
are; it counts their own children's events (recounted here in plain pandas from the
sample's CSV files) and the force's offences only in LSOAs in or bordering the council;
the rate, expectation and exceedance flag (every council's children) are left out; the
postcode tension counts none of another council's young people. The force's figures are
the mart's as before, and subtracting a council's figures from the force's is held to the
attack suite's bounds (tests/test_attack_scope.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest

from contextmap import auth, disclosure, queries
from contextmap.filters import AGE_BANDS, SEXES, Filters
from contextmap.settings import ROOT
from tests import recompute
from tests.test_pages_privacy import visible_small_counts
from tests.test_scope_pages import _start, served  # noqa: F401 (a fixture)

SAMPLE = ROOT / "data" / "sample_force"
BRADFORD, KIRKLEES = "E08000032", "E08000034"
POLICY = disclosure.Policy()
LEVELS = ("district", "sector")


@pytest.fixture(scope="module")
def con(force_con):
    return force_con


@pytest.fixture(scope="module")
def month(con):
    return con.execute("select max(month) from mart_episode_cells").fetchone()[0]


def _units(con, f: Filters, scope: str, level: str) -> pd.DataFrame:
    return queries.run(con, "postcode_hotspots", exact=True, **{**f.params(), "scope": scope}, level=level)


def _expected_units(con, council: str, level: str) -> tuple[set[str], set[str]]:
    """The units with a postcode in the council, and every unit the council may see: those,
    the units with a postcode in an LSOA bordering it, and those where its children's
    missing or RHI events are (the build's open geography and located events)."""
    pcs = con.execute(f"select p.{level} as code, p.lsoa_code, l.council_code from geo_postcode as p "
                      "join geo_lsoa as l using (lsoa_code)").df()
    next_to = con.execute("select n.lsoa_code from geo_lsoa_neighbours as n join geo_lsoa as l "
                          "on l.lsoa_code = n.neighbour_code where l.council_code = ?", [council]).df()
    own = set(pcs.loc[pcs["council_code"] == council, "code"])
    borders = set(pcs.loc[pcs["lsoa_code"].isin(next_to["lsoa_code"]) & (pcs["council_code"] != council), "code"])
    children = set(con.execute(f"select distinct {level} from int_events where owner_code = ? and episode_key "
                               f"is not null and {level} <> ''", [council]).df()[level])
    return own, own | borders | children


@pytest.mark.parametrize("council", [BRADFORD, KIRKLEES])
@pytest.mark.parametrize("level", LEVELS)
def test_a_council_lists_its_own_bordering_and_childrens_units_and_no_other(con, month, council, level):
    f = Filters(month, period="year", data_end=month)
    seen = set(_units(con, f, council, level)["code"])
    own, allowed = _expected_units(con, council, level)
    every = set(_units(con, f, auth.WHOLE, level)["code"])
    assert own & every <= seen <= allowed
    assert len(every - seen) > len(seen) / 2, "most of the force's units are none of the council's"


def _missing_from_by_district(council: str, month_from, month_to) -> Counter:
    """Where the council's children went missing from, by postcode district, from its CSV
    file alone (episodes started in the months; a postcode's district is all but its last
    three characters)."""
    eps = pd.read_csv(SAMPLE / council / "missing_episodes.csv", dtype=str)
    eps = eps.assign(episode_id=eps["episode_id"].str.strip()).drop_duplicates("episode_id")
    started = eps["start_datetime"].map(lambda t: recompute.parse_when(t)[0].date().replace(day=1))
    postcode = eps["missing_from_postcode"].fillna("").str.upper().str.replace(" ", "")
    kept = started.between(month_from, month_to) & (postcode.str.len() >= 5)
    return Counter(postcode[kept].str[:-3])


@pytest.mark.parametrize("council", [BRADFORD, KIRKLEES])
def test_a_councils_counts_are_its_own_childrens_recounted_from_the_csv_files(con, month, council):
    f = Filters(month, period="year", data_end=month, sources=("missing_from",))
    shown = _units(con, f, council, "district").set_index("code")["events"]
    truth = _missing_from_by_district(council, f.month_from, f.month_to)
    assert sum(truth.values()) > 500
    assert {d: n for d, n in shown.items() if n} == dict(truth)
    force = _units(con, f, auth.WHOLE, "district").set_index("code")["events"]
    assert (force.loc[shown.index] >= shown).all() and (force.loc[shown.index] > shown).any()


def test_a_council_counts_the_forces_offences_only_in_and_next_to_its_area(con, month):
    """In a sector wholly inside Kirklees, the council counts every offence, as the force
    does; in a sector across its border, only those in the LSOAs in or next to Kirklees."""
    f = Filters(month, period="year", data_end=month, sources=("offence",))
    mine = _units(con, f, KIRKLEES, "sector").set_index("code")["events"]
    force = _units(con, f, auth.WHOLE, "sector").set_index("code")["events"]
    inside = set(con.execute("select sector from geo_postcode join geo_lsoa using (lsoa_code) group by 1 "
                             "having bool_and(council_code = ?)", [KIRKLEES]).df()["sector"]) & set(mine.index)
    assert len(inside) > 20 and (mine.loc[sorted(inside)] == force.loc[sorted(inside)]).all()
    assert (mine <= force.loc[mine.index]).all() and (mine < force.loc[mine.index]).sum() >= 3


def test_statistics_of_every_councils_children_are_left_out_for_a_council(con, month):
    units = _units(con, Filters(month, period="year", data_end=month), BRADFORD, "sector")
    for col in ("children_10_17", "rate_per_1000", "expected", "ratio", "poisson_q", "is_exceedance"):
        assert units[col].isna().all(), col
    force = _units(con, Filters(month, period="year", data_end=month), auth.WHOLE, "sector")
    assert force["is_exceedance"].any() and force["ratio"].notna().any()


def test_force_figures_are_the_marts_as_before_scopes(con, month):
    """The force reads mart_postcode_hotspots unchanged, and the council parts' cells add up
    to it, cell keys included (so its perturbation is the same)."""
    f = Filters(month, period="year", data_end=month)
    for level in LEVELS:
        shown = _units(con, f, auth.WHOLE, level).set_index("code")
        mart = con.execute("select code, events from mart_postcode_hotspots where level = ? and month_from = ? and "
                           "month_to = ? and event_source = 'all'", [level, f.month_from, f.month_to]).df()
        assert shown["events"].sort_index().equals(mart.set_index("code")["events"].sort_index())
        cells = con.execute("select code, sum(events) as events, sum(events_ckey) as ckey from mart_postcode_event_cells "
                            "where level = ? and event_month between ? and ? group by 1",
                            [level, f.month_from, f.month_to]).df().set_index("code")
        raw = queries._execute(con, "postcode_hotspots", {**f.params(), "scope": auth.WHOLE, "level": level})
        raw = raw.set_index("code").loc[cells.index]
        assert (raw["events"] == cells["events"]).all() and (raw["events_ckey"] == cells["ckey"]).all()


def test_the_tension_matrix_counts_no_young_person_of_another_owner(con):
    people = con.execute("select distinct owner_code from mart_hotspot_tension_people").df()["owner_code"]
    assert set(people) <= {"E23000010"}  # the force's own pseudonyms, never a council's children
    params = {"month_from": date(1900, 1, 1), "month_to": date(2100, 1, 1), "age_bands": list(AGE_BANDS),
              "sexes": list(SEXES)}
    for name in ("postcode_tension", "postcode_tension_pairs"):
        assert queries.run(con, name, **params, scope=KIRKLEES).empty


# --- the page, by URL -------------------------------------------------------------------------


def _page(council: str | None, level: str = "district"):
    at = _start("analyst", council, {"period": "year"})
    at.switch_page("pages/postcodes.py")
    at.run()
    if level != "district":
        at.segmented_control(key="pc_level").set_value(level).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Postcodes"
    return at


@pytest.mark.parametrize("level", LEVELS)
def test_a_council_user_sees_the_page_by_url_with_their_units_only(served, con, level):  # noqa: F811
    at = _page(BRADFORD, level)
    table = at.dataframe[0].value
    _, allowed = _expected_units(con, BRADFORD, level)
    codes = set(table[table.columns[0]])
    assert codes and codes <= allowed
    assert list(table.columns) == [table.columns[0], "Locality", "Events"]
    assert any(i.value.startswith("Bradford only") for i in at.info)
    assert any("known only by the force's pseudonyms" in i.value for i in at.info)
    assert not visible_small_counts(at)


def test_a_force_user_sees_every_unit_and_the_statistics(served, con):  # noqa: F811
    at = _page(None)
    table = at.dataframe[0].value
    assert {"Rate per 1,000 children", "Ratio to expected", "Above expected"} <= set(table.columns)
    assert not any(i.value.startswith("Bradford only") for i in at.info)
    _, allowed = _expected_units(con, BRADFORD, "district")
    assert set(table["District"]) - allowed
