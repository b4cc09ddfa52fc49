"""The Map for each scope in a force-wide build (issue 22, part 3), on the shipped force sample.

A council user's Map (by URL, Streamlit AppTest) shows only the wards and LSOAs of their
council, next to it, or where their own children's events are; it counts their own
children's events (recounted here in plain pandas from the sample's CSV files, the owner
being the council folder a file came from) and the force's offences only in LSOAs in or
next to the council; a drill-down to any other area or place shows nothing; the planted
boundary place makes its LSOA and ward cross-border for every scope, and nothing else
does; a force user's map is the build's every event, as before scopes.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from contextmap import auth, disclosure, map_view, profile_view, queries
from contextmap.filters import Filters
from contextmap.settings import ROOT, PlaceWeights
from tests.test_scope_pages import _start, served  # noqa: F401 (a fixture)

SAMPLE = ROOT / "data" / "sample_force"
BRADFORD, KIRKLEES, LEEDS = "E08000032", "E08000034", "E08000035"
COUNCILS = ("E08000032", "E08000033", "E08000034", "E08000035", "E08000036")
POLICY = disclosure.Policy()
WEIGHTS = PlaceWeights(1.0, 1.5, 0.5)
TRUTH = json.loads((SAMPLE / "ground_truth.json").read_text())["cross_border"]


@pytest.fixture(scope="module")
def con(force_con):
    return force_con


@pytest.fixture(scope="module")
def month(con) -> date:
    return con.execute("select max(month) from mart_episode_cells").fetchone()[0]


def _span(con, scope: str, **extra) -> dict:
    """The whole data span, all localities and filters, for ``scope``."""
    last = con.execute("select max(event_month) from mart_monthly_area_counts").fetchone()[0]
    return {**Filters(last).params(), "month_from": date(2000, 1, 1), "month_to": last, "scope": scope, **extra}


def _areas(con, scope: str, level: str, **extra) -> pd.DataFrame:
    return queries.run(con, "area_events", exact=True, **_span(con, scope, **extra), level=level)


def _pc(series: pd.Series) -> pd.Series:
    return series.fillna("").str.upper().str.replace(r"\s+", "", regex=True)


def _csv_missing_from(con) -> pd.DataFrame:
    """Each episode's "missing from" LSOA, from the CSV files alone (the postcode, else its
    sector's LSOA, in the build's open-data geography), with the owner: the council folder."""
    postcodes = con.execute("select postcode, lsoa_code from geo_postcode").df().set_index("postcode")["lsoa_code"]
    sectors = con.execute("select sector, lsoa_code from geo_sector").df().set_index("sector")["lsoa_code"]
    rows = []
    for council in COUNCILS:
        eps = pd.read_csv(SAMPLE / council / "missing_episodes.csv", dtype=str)
        pc = _pc(eps["missing_from_postcode"])
        sector = pc.str[:-3] + " " + pc.str[-3]
        lsoa = pc.map(postcodes).fillna(sector.map(sectors))
        rows.append(pd.DataFrame({"episode": eps["episode_id"].str.strip(), "child": eps["person_id"].str.strip(),
                                  "lsoa_code": lsoa, "owner": council}))
    return pd.concat(rows, ignore_index=True).dropna(subset=["lsoa_code"])


def _seen(con, council: str, level: str) -> set[str]:
    return set(_areas(con, council, level)["code"])


# --- which areas a council user sees ----------------------------------------------------------


@pytest.mark.parametrize("council", [BRADFORD, KIRKLEES])
def test_a_council_sees_its_own_bordering_and_used_lsoas_and_no_other(con, council):
    lsoas = con.execute("select lsoa_code, ward_code, council_code from geo_lsoa").df()
    neighbours = con.execute("select n.lsoa_code, l.council_code as next_to from geo_lsoa_neighbours as n "
                             "join geo_lsoa as l on l.lsoa_code = n.neighbour_code").df()
    own = set(lsoas.loc[lsoas["council_code"] == council, "lsoa_code"])
    borders = set(neighbours.loc[neighbours["next_to"] == council, "lsoa_code"])
    used = set(_csv_missing_from(con).query("owner == @council")["lsoa_code"])
    seen = _seen(con, council, "lsoa")
    assert own | borders <= seen and used <= seen, "own, bordering and own children's LSOAs are all shown"
    assert not (seen - own - borders) or (seen - own - borders) <= set(
        con.execute("select distinct lsoa_code from int_events where owner_code = ? and episode_key is not null",
                    [council]).df()["lsoa_code"]), "any other LSOA shown is one where the council's children were"
    every = set(lsoas["lsoa_code"])
    assert len(every - seen) > 600, "most of the force's LSOAs are another council's, unused and not next door"
    wards = _seen(con, council, "ward")
    assert set(lsoas.loc[lsoas["lsoa_code"].isin(seen), "ward_code"]) <= wards
    assert len(set(con.execute("select ward_code from geo_ward").df()["ward_code"]) - wards) > 40


def test_a_councils_missing_from_counts_are_its_own_childrens_recomputed_from_the_csv_files(con):
    """Bradford's "missing from" events per LSOA over the whole span: exactly the CSV files'
    count of Bradford's episodes there; the force's is every council's."""
    for council in (BRADFORD, LEEDS):
        shown = _areas(con, council, "lsoa", sources=["missing_from"]).set_index("code")["events"]
        csv = _csv_missing_from(con)
        expected = csv[csv["owner"] == council].groupby("lsoa_code").size()
        assert shown[shown > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    force = _areas(con, auth.WHOLE, "lsoa", sources=["missing_from"]).set_index("code")["events"]
    every = csv.groupby("lsoa_code").size()
    assert force[force > 0].sort_index().to_dict() == every.sort_index().to_dict()


def test_a_council_counts_the_forces_offences_only_in_and_next_to_its_area(con):
    seen = _areas(con, KIRKLEES, "lsoa", sources=["offence"]).set_index("code")["events"]
    force = _areas(con, auth.WHOLE, "lsoa", sources=["offence"]).set_index("code")["events"]
    counted = set(con.execute("select n.lsoa_code from geo_lsoa_neighbours as n join geo_lsoa as l "
                              "on l.lsoa_code = n.neighbour_code where l.council_code = ? union "
                              "select lsoa_code from geo_lsoa where council_code = ?", [KIRKLEES, KIRKLEES]).df()["lsoa_code"])
    assert (seen[seen.index.isin(counted)] == force[seen.index[seen.index.isin(counted)]]).all()
    assert (seen[~seen.index.isin(counted)] == 0).all() and seen.sum() > 0
    # The planted county line (Leeds young people's drug offences in Huddersfield) is in Kirklees's map.
    offences = pd.read_csv(SAMPLE / "police" / "offences.csv", dtype=str)
    line = offences[offences["person_id"].str.strip().isin(TRUTH["county_line"]["members"])
                    & _pc(offences["postcode"]).str.startswith(TRUTH["county_line"]["to_district"])]
    postcodes = con.execute("select postcode, lsoa_code from geo_postcode").df().set_index("postcode")["lsoa_code"]
    there = set(_pc(line["postcode"]).map(postcodes).dropna())
    assert there and there <= counted and all(seen[code] > 0 for code in there)


# --- cross-border areas ----------------------------------------------------------------------


def test_the_boundary_places_lsoa_and_ward_and_no_other_area_are_cross_border(con):
    place = TRUTH["boundary_place"]["place"]
    lsoa, ward = con.execute("select lsoa_code, ward_code from int_places where place_id = ?", [place]).fetchone()
    flagged = con.execute("select level, code, councils from mart_area_cross_border where is_cross_border "
                          "order by level").fetchall()
    assert flagged == [("lsoa", lsoa, 2), ("ward", ward, 2)]
    # An LSOA with a few children of a second council is not flagged: they are never counted.
    few = set(con.execute("""select lsoa_code from int_events where episode_key is not null and lsoa_code is not null
                             group by 1 having count(distinct owner_code) >= 2""").df()["lsoa_code"])
    assert lsoa in few and few - {lsoa}


@pytest.mark.parametrize("scope", [auth.WHOLE, BRADFORD, LEEDS])
def test_every_scope_sees_the_cross_border_flag_in_the_hover_and_no_count_per_council(con, month, scope):
    place = TRUTH["boundary_place"]["place"]
    lsoa = con.execute("select lsoa_code from int_places where place_id = ?", [place]).fetchone()[0]
    data = map_view.map_data(queries.bind(con, scope=scope), Filters(month, period="year", data_end=month, scope=scope), POLICY,
                             "lsoa", "count", WEIGHTS, scoped=scope != auth.WHOLE)
    lines = data.values.set_index("code").loc[lsoa, "lines"]
    assert "Cross-border: used by children from 2 councils" in lines
    assert not any(line.startswith("Cross-border") for code, ls in zip(data.values["code"], data.values["lines"])
                   if code != lsoa for line in ls)
    assert any(line.startswith("Rate:") for line in lines) == (scope == auth.WHOLE)


# --- an area outside the scope shows nothing --------------------------------------------------


def test_an_area_outside_the_scope_has_no_figures_in_any_map_query(con, month):
    unseen = con.execute("""select l.lsoa_code, l.ward_code from geo_lsoa as l
                            where l.lsoa_code not in (select code from mart_area_scopes where council_code = ?)
                              and l.lsoa_code in (select lsoa_code from int_events where episode_key is not null)
                              and l.ward_code not in (select code from mart_area_scopes where council_code = ?)
                            limit 1""", [KIRKLEES, KIRKLEES]).fetchone()
    f = Filters(month, period="year", data_end=month)
    for level, code in zip(("lsoa", "ward"), unseen):
        params = {**_span(con, KIRKLEES), "level": level, "code": code, "trend_from": date(2000, 1, 1)}
        assert queries.run(con, "area_profile_monthly", exact=True, **params)["events"].sum() == 0
        assert queries.run(con, "area_profile_themes", exact=True, **params).empty
        assert queries.run(con, "area_profile_places", exact=True, **params).empty
        assert queries.run(con, "area_profile_actions", level=level, code=code, scope=KIRKLEES).empty
        assert queries.run(con, "area_profile_groups", level=level, code=code, scope=KIRKLEES).empty
        assert code not in set(queries.run(con, "area_events", exact=True, **{**f.params(), "scope": KIRKLEES},
                                           level=level)["code"])
        whole = {**params, "scope": auth.WHOLE}
        assert queries.run(con, "area_profile_monthly", exact=True, **whole)["events"].sum() > 0
        assert not queries.run(con, "area_profile_places", exact=True, **whole).empty or level == "lsoa"
    for name in ("area_hotspots", "emerging_hotspots", "funnel"):
        with pytest.raises(queries.QueryError, match="does not filter by scope"):
            queries.run(con, name, **{**f.params(), "scope": KIRKLEES}, level="ward")


def test_a_councils_heat_map_counts_its_own_children_and_the_offences_it_counts(con, month):
    f = Filters(month, period="year", data_end=month)
    heat = {scope: queries.run(con, "map_heat", exact=True, **{**f.params(), "scope": scope})["events"].sum()
            for scope in (auth.WHOLE, *COUNCILS)}
    own = con.execute("""select count(*) from int_events where episode_key is not null and lat is not null
                         and lon is not null and event_month between ? and ? and owner_code = ?""",
                      [f.month_from, f.month_to, KIRKLEES]).fetchone()[0]
    offences = con.execute("""select count(*) from int_events where episode_key is null and lat is not null
                              and lon is not null and event_month between ? and ? and lsoa_code in
                              (select code from mart_area_scopes where council_code = ? and level = 'lsoa'
                               and counts_offences)""", [f.month_from, f.month_to, KIRKLEES]).fetchone()[0]
    assert heat[KIRKLEES] == own + offences > 0
    assert heat[auth.WHOLE] > heat[KIRKLEES]


def test_force_map_figures_are_every_event_as_before_scopes(con, month):
    f = Filters(month, period="year", data_end=month)
    for level in ("ward", "lsoa"):
        areas = queries.run(con, "area_events", exact=True, **f.params(), level=level).set_index("code")["events"]
        column = "ward_code" if level == "ward" else "lsoa_code"
        sums = con.execute(f"select {column} as code, sum(events) as events from mart_monthly_area_counts "
                           "where event_month between ? and ? group by 1", [f.month_from, f.month_to]).df()
        sums = sums[sums["code"].isin(areas.index)].set_index("code")["events"]
        assert len(areas) == con.execute(f"select count(*) from geo_{level}").fetchone()[0]
        assert (areas.loc[sums.index] == sums).all()


def test_an_area_profile_at_council_scope_has_no_rate_or_peer_groups(con, month):
    place = TRUTH["boundary_place"]["place"]
    ward = con.execute("select ward_code from int_places where place_id = ?", [place]).fetchone()[0]
    f = Filters(month, period="year", data_end=month, scope=BRADFORD)
    prof = profile_view.area_profile(queries.bind(con, scope=BRADFORD), "ward", ward, "W", f, POLICY, 1000.0,
                                     groups=True, scoped=True, cross_border=2)
    assert "Rate per 1,000 children" not in [m[0] for m in prof.metrics]
    assert "Peer groups seen at its places" not in [t[0] for t in prof.tables]
    assert prof.subtitle.endswith("Cross-border: used by children from 2 councils")


# --- the page, by URL ------------------------------------------------------------------------


def _map_page(role: str, council: str | None, selected: tuple[str, str] | None = None, url: dict | None = None):
    at = _start(role, council, url=url)
    at.switch_page("pages/map.py")
    if selected:
        at.session_state["map_selected"] = selected
        at.session_state["map_last_hit"] = selected
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Map"
    return at


def test_a_council_user_sees_only_their_areas_on_the_map_page(served, con):  # noqa: F811
    at = _map_page("analyst", BRADFORD)
    assert any(i.value.startswith("Bradford only: the wards and LSOAs in Bradford") for i in at.info)
    options = set(at.selectbox(key="map_pick_ward").options) - {"Choose an area, or click one on the map…"}
    allowed = set(con.execute("select ward_name from geo_ward where ward_code in (select code from mart_area_scopes "
                              "where council_code = ? and level = 'ward')", [BRADFORD]).df()["ward_name"])
    others = set(con.execute("select ward_name from geo_ward").df()["ward_name"]) - allowed
    assert options and options <= allowed and not options & others
    assert at.selectbox(key="map_measure").options == ["Number of events"]
    assert "Fair comparison of areas (funnel plot)" not in [s.value for s in at.subheader]


def test_a_council_user_asking_for_another_area_or_place_sees_nothing(served, con):  # noqa: F811
    ward = con.execute("select ward_code, ward_name from geo_ward where ward_code not in (select code from "
                       "mart_area_scopes where council_code = ? and level = 'ward') limit 1", [BRADFORD]).fetchone()
    place = con.execute("select place_id, name from int_places where place_id not in (select place_id from "
                        "mart_place_scopes where council_code = ?) limit 1", [BRADFORD]).fetchone()
    for selected, name in ((("area", ward[0]), ward[1]), (("place", place[0]), place[1])):
        at = _map_page("analyst", BRADFORD, selected=selected, url={"place": place[0], "area": ward[0]})
        shown = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.subheader))
        assert name not in shown and not at.metric


def test_a_council_user_opens_their_area_and_sees_own_counts_without_rates(served, con, prepared):  # noqa: F811
    place = TRUTH["boundary_place"]["place"]
    ward, name = con.execute("select w.ward_code, w.ward_name from int_places as p join geo_ward as w using (ward_code) "
                             "where p.place_id = ?", [place]).fetchone()
    at = _map_page("analyst", LEEDS, selected=("area", ward))
    assert any(m.value == f"### {name}" for m in at.markdown)
    assert any("Cross-border: used by children from 2 councils" in c.value.replace("\\", "") for c in at.caption)
    labels = {m.label for m in at.metric}
    assert "Events" in labels and "Rate per 1,000 children" not in labels
    assert not prepared, "the Map offers no download"


def test_a_force_user_sees_every_area_measure_and_the_funnel(served, con):  # noqa: F811
    at = _map_page("analyst", None)
    assert len(at.selectbox(key="map_measure").options) == len(map_view.MEASURES)
    assert "Fair comparison of areas (funnel plot)" in [s.value for s in at.subheader]
    options = set(at.selectbox(key="map_pick_ward").options)
    assert len(options) - 1 == con.execute("select count(*) from geo_ward").fetchone()[0]
    assert not any(i.value.startswith("Bradford only") for i in at.info)
