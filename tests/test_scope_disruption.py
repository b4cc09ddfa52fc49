"""Disruption review for each scope in a force-wide build (issue 22, part 3), on the shipped force sample.

A council user (by URL, Streamlit AppTest) is shown the list of disruption actions at
places and areas in or next to their council (worked out again here in pandas from the
sample's disruption_actions.csv and the build's open geography), with no count, verdict
or comparison: those are judged on every council's children. An action elsewhere, named in
the URL, shows nothing; the download holds the same list; the queries behind the effect
figures are refused to a council scope; a force user's review is as before.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from contextmap import auth, queries
from contextmap.filters import Filters
from contextmap.settings import ROOT
from tests.test_pages_privacy import visible_small_counts
from tests.test_scope_pages import _start, served  # noqa: F401 (a fixture)

SAMPLE = ROOT / "data" / "sample_force"
BRADFORD, CALDERDALE, KIRKLEES, WAKEFIELD = "E08000032", "E08000033", "E08000034", "E08000036"


@pytest.fixture(scope="module")
def con(force_con):
    return force_con


def _listed(con, scope: str) -> pd.DataFrame:
    last = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    return queries.run(con, "disruption_actions_listed", **{**Filters(last).params(), "month_from": date(1900, 1, 1),
                                                            "scope": scope})


def _expected_actions(con, council: str) -> set[str]:
    """The sample's actions whose place or area has an LSOA in the council or next to it."""
    actions = pd.read_csv(SAMPLE / "police" / "disruption_actions.csv", dtype=str)
    lsoas = con.execute("select lsoa_code, ward_code, council_code from geo_lsoa").df()
    next_to = con.execute("select n.lsoa_code from geo_lsoa_neighbours as n join geo_lsoa as l "
                          "on l.lsoa_code = n.neighbour_code where l.council_code = ?", [council]).df()
    reach = set(lsoas.loc[lsoas["council_code"] == council, "lsoa_code"]) | set(next_to["lsoa_code"])
    places = con.execute("select place_id, lsoa_code from int_places").df().set_index("place_id")["lsoa_code"]
    sectors = con.execute("select sector, lsoa_code from geo_postcode").df()
    by_area = {**{w: set(g) for w, g in lsoas.groupby("ward_code")["lsoa_code"]},
               **{s: set(g) for s, g in sectors.groupby("sector")["lsoa_code"]}, **{x: {x} for x in lsoas["lsoa_code"]}}
    out = set()
    for a in actions.itertuples():
        where = {places.get(a.place_id)} if isinstance(a.place_id, str) else by_area.get(str(a.area_code).strip(), set())
        if where & reach:
            out.add(a.action_id)
    return out


@pytest.mark.parametrize("council", [BRADFORD, KIRKLEES, WAKEFIELD])
def test_a_council_lists_the_actions_in_or_next_to_it_and_no_other(con, council):
    listed = _listed(con, council)
    every = _listed(con, auth.WHOLE)
    assert set(listed["action_id"]) == _expected_actions(con, council) & set(every["action_id"])
    assert len(every) - len(listed) > len(every) / 2
    assert set(listed.columns) == {"action_id", "action_type", "agency", "target_level", "target_code", "target_name",
                                   "locality", "start_date", "end_date", "action_month"}


@pytest.mark.parametrize("name", ["disruption_actions", "disruption_timeline", "disruption_comparisons",
                                  "disruption_sources", "disruption_comparison_monthly"])
def test_the_effect_figures_are_refused_to_a_council_scope(con, name):
    with pytest.raises(queries.QueryError, match="does not filter by scope"):
        queries.run(con, name, scope=KIRKLEES, action_id="DA-KL-001")


def _page(council: str | None, action: str | None = None):
    at = _start("analyst", council, {"action": action} if action else None)
    at.switch_page("pages/disruption.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Disruption review"
    return at


def test_a_council_user_sees_the_list_only_and_another_councils_action_shows_nothing(served, con, prepared):  # noqa: F811
    listed = _listed(con, CALDERDALE)
    far = _listed(con, auth.WHOLE).query("action_id not in @listed.action_id").iloc[0]
    at = _page(CALDERDALE, action=far["action_id"])
    table = at.dataframe[0].value
    assert list(table.columns) == ["Action", "Where", "Started", "Ended", "Agency", "Locality"]
    assert set(table["Where"]) <= set(listed["target_name"]) and len(table) == len(listed)
    assert far["target_name"] not in set(table["Where"])
    text = " ".join(str(e.value) for e in [*at.subheader, *at.markdown, *at.caption, *at.info])
    assert far["target_name"] not in text and far["action_id"] not in text
    assert any(i.value.startswith("Calderdale only") for i in at.info)
    assert not at.get("plotly_chart") and not visible_small_counts(at)
    key = "export_disruption_disruption_actions"
    at.text_area(key=f"{key}_why").input("Partnership review of actions next to Calderdale")
    at.text_input(key=f"{key}_to").input("Calderdale community safety")
    next(b for b in at.button if b.label == "Prepare download").click()
    at.run()
    assert not at.exception, at.exception
    exported = prepared[-1]
    assert list(exported.columns) == list(table.columns) and set(exported["Where"]) <= set(listed["target_name"])


def test_a_force_user_reviews_an_action_as_before(served, con):  # noqa: F811
    at = _page(None)
    table = next(d.value for d in at.dataframe if "Verdict" in d.value.columns)
    assert {"Events before", "Events after", "Nearby"} <= set(table.columns)
    assert len(table) == len(_listed(con, auth.WHOLE))
    assert not any(i.value.startswith("Calderdale only") for i in at.info)
