"""The "Where" pages (map, places, postcodes) and their logic (contextmap/map_view.py,
places_view.py, postcodes_view.py, profile_view.py) on the
shipped sample build: what a user sees is protected, complete and points at the planted
hotspots. Pages run under Streamlit's AppTest as dashboard.py would run them."""

from __future__ import annotations

import json
import shutil
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from contextmap import disclosure, fmt, map_view, places_view, postcodes_view, profile_view, queries, settings
from contextmap.filters import Filters
from contextmap.settings import ROOT
from pipelines import warehouse

POLICY = disclosure.Policy()
WEIGHTS = settings.current().hotspots.place_weights
TRUTH = json.loads((ROOT / "data" / "sample" / "ground_truth.json").read_text()) \
    if (ROOT / "data" / "sample" / "ground_truth.json").exists() else {}


@pytest.fixture(scope="module")
def db(sample_db):
    """The sample build."""
    return sample_db


@pytest.fixture(scope="module")
def query(db):
    con = duckdb.connect(str(db), read_only=True)
    yield queries.bind(con)
    con.close()


@pytest.fixture(scope="module")
def last(query) -> date:
    return pd.Timestamp(query("month_range")["last_month"].iloc[0]).date()


@pytest.fixture(scope="module")
def quarter(last) -> Filters:
    return Filters(month=last, period="quarter", data_end=last)


# --- logic ----------------------------------------------------------------------------------


def test_areas_with_zero_to_five_events_are_drawn_suppressed_not_as_zero(query, quarter):
    areas = query("area_events", **quarter.params(), level="lsoa")
    values = map_view.area_values(areas, "count", POLICY, "lsoa")
    small = areas["events"].between(0, 5).to_numpy()
    assert (areas["events"] == 0).any() and areas["events"].between(1, 5).any(), \
        "the sample should have LSOAs with no events and with few events in a quarter"
    assert (values.loc[small, "status"] == "suppressed").all()
    assert values.loc[small, "value"].isna().all()
    assert all("Events: c" in lines for lines in values.loc[small, "lines"])


def test_rates_are_per_thousand_children_and_hidden_with_their_count(query, quarter):
    areas = query("area_events", **quarter.params(), level="ward")
    values = map_view.area_values(areas, "rate", POLICY, "ward")
    shown = values[values["status"] == "shown"]
    assert not shown.empty
    assert shown["value"].to_numpy() == pytest.approx(1000 * shown["events"] / shown["children_10_17"])
    assert values.loc[values["events"].between(1, 5), "value"].isna().all()


@pytest.mark.parametrize("measure", list(map_view.MEASURES))
def test_every_measure_draws_every_area_offline_with_places(query, quarter, measure):
    data = map_view.map_data(query, quarter, POLICY, "lsoa", measure, WEIGHTS)
    assert data.missing is None
    assert len(data.boundaries) == len(data.areas) == 259
    drawn = map_view.build_map(query, data, quarter, POLICY, measure, True, True, WEIGHTS, level="lsoa")
    html = drawn.map.get_root().render()
    head = html.split("<body>")[0]
    assert "http://" not in head and "https://" not in head
    active = data.places.dropna(subset=["lat"]).query("events > 0")
    assert not active.empty
    assert html.count('"type": "Feature"') >= 259 + len(active)
    if measure in ("gi", "emerging"):
        assert data.values["category"].notna().any()
    # Every layer drawn is explained under the map: the areas' measure, the places, the heat map.
    legend = drawn.legend.replace("\\", "")
    assert map_view.MEASURES[measure] in legend and "**Places**" in legend and "**Density heat map**" in legend
    # The colours' heading names the period they cover.
    assert f"{map_view.MEASURES[measure]} — {map_view.colour_period(measure, quarter)}**" in legend
    assert "Ref:" not in html and "None" not in legend


def test_the_map_says_which_period_its_colours_cover_and_what_an_event_is(last):
    month = Filters(month=last, period="month", data_end=last)
    year = Filters(month=last, period="year", data_end=last)
    count = map_view.colour_caption("count", month).replace("\\", "")
    assert count.startswith(f"Colours: number of events, {month.label}.")
    assert "Events: children who went missing from or were found in the area" in count and "Sources" in count
    assert f"Colours: number of events, {year.label}." in map_view.colour_caption("count", year).replace("\\", "")
    assert "the quarter so far to" in map_view.colour_caption("emerging", month)
    with_places = map_view.colour_caption("rate", month, places=True).replace("\\", "")
    assert f"Place circles: {month.year_window_text()}." in with_places
    assert "Gi\\*" in map_view.colour_caption("gi", month), "escaped, never read as Markdown"


def test_a_click_on_an_area_or_place_resolves_to_it(query, quarter):
    data = map_view.map_data(query, quarter, POLICY, "ward", "count", WEIGHTS)
    code = data.areas["code"].iloc[3]

    def clicked(ref):
        return {"last_active_drawing": {"type": "Feature", "properties": {"tip": "Ashbrow", "ref": ref}}}

    assert map_view.resolve_click(map_view.clicked_ref(clicked(code)), data) == ("area", code)
    assert map_view.resolve_click(map_view.clicked_ref(clicked("PL-045")), data) == ("place", "PL-045")
    assert map_view.resolve_click(map_view.clicked_ref({"last_active_drawing": None}), data) is None


def test_heat_map_never_draws_a_cell_with_one_to_five_events(query, last):
    cells = map_view.heat_cells(query("map_heat", **Filters(month=last, period="year", data_end=last).params()), POLICY)
    assert not cells.empty and (cells["events"] > POLICY.suppress_max).all()


def test_planted_place_hotspots_lead_the_places_table_and_scores_never_reveal_small_counts(query, last):
    f = Filters(month=last, period="year", data_end=last)
    ranking = query("place_ranking", **f.params(), **places_view.ranking_params(WEIGHTS))
    quarters = query("place_profile_quarters", f, quarter_to=last)
    shown_quarters = places_view.quarter_counts(query, f, POLICY)
    table = places_view.places_table(ranking, WEIGHTS, POLICY, quarters=shown_quarters, f=f)
    top = set(table.head(5)["place_id"])  # ranked places, then busy places whose score is hidden
    assert "Cross-border" not in table, "one council: a column of '—' says nothing"
    assert set(TRUTH["place_hotspots"]) <= top
    ranked = table["Rank"].notna()
    assert (table.loc[ranked, "Score"] != "c").all() and (table.loc[~ranked, "Score"].isin(["c", "0.0", "—"])).all()
    # The score is worked out from the shown parts alone ("c" adds nothing), so it gives none back.
    parts = table[["Found here", "Named in RHIs", "Offences"]]
    shown_parts = parts.apply(lambda col: pd.to_numeric(col.str.replace(",", ""), errors="coerce")).fillna(0)
    weights = [WEIGHTS.missing_found, WEIGHTS.rhi_mention, WEIGHTS.offence]
    expected = ["—" if part_hidden and v == 0 else ("≥ " if part_hidden else "") + f"{v:,.1f}"
                for v, part_hidden in zip((shown_parts * weights).sum(axis=1), (parts == "c").any(axis=1))]
    expected = pd.Series(expected, index=table.index)
    events_hidden = table["Events"] == "c"
    assert (parts == "c").any(axis=1).any() and events_hidden.any()
    assert (table.loc[events_hidden, "Score"] == "c").all()
    assert (table.loc[~events_hidden, "Score"] == expected[~events_hidden]).all()
    assert (table.loc[events_hidden, "Trend"] == "—").all() and table["Trend"].notna().all()
    shown = [v for c in ("Events", "Found here", "Named in RHIs", "Offences", "Children") for v in disclosure.visible_counts(table[c])]
    assert not any(disclosure.is_suppressed(v, POLICY) for v in shown)
    # A place gets a sparkline only when all its quarters are shown; with none, no column.
    sparks = places_view.sparklines(shown_quarters, POLICY)
    full = shown_quarters.groupby("place_id")["events"].agg(
        lambda e: len(e) == places_view.SPARK_QUARTERS and not any(disclosure.is_suppressed(v, POLICY) for v in e))
    assert all((len(sparks[p]) == places_view.SPARK_QUARTERS) == full.get(p, False) for p in sparks)
    assert not any(disclosure.is_suppressed(v, POLICY) for line in sparks.values() for v in line)
    assert (places_view.SPARK_COLUMN in table) == any(sparks.values())
    small = quarters[quarters["month"].isna() & quarters["events"].between(0, 5)]["place_id"]
    assert small.size and all(sparks.get(p, []) == [] for p in set(small) & set(sparks))


def test_places_table_sorts_hidden_values_last_and_by_nothing_but_what_it_shows(query, last):
    """A header click sorts as a reader expects: Score highest first with every hidden score
    ("c", "—") last, Rank 1, 2, 3 … with unranked places after the last, Trend Rising,
    Steady, Falling then "—"; each cell still shows its text, and every hidden value shares
    one key, read from the shown text (never a true count)."""
    from contextmap.fmt import sortable
    from tests.test_tables import _shown, grid_order

    f = Filters(month=last, period="year", data_end=last)
    table = places_view.places_table(places_view.ranking(query, f, WEIGHTS, POLICY), WEIGHTS, POLICY,
                                     quarters=places_view.quarter_counts(query, f, POLICY), f=f).drop(columns="place_id")
    keys = places_view.sort_keys(table)
    styler = sortable(table, keys)
    data = styler.data
    for col in ("Rank", "Score", "Trend"):  # Cross-border: one council here; see test_scope_places
        assert pd.api.types.is_float_dtype(data[col]), col
    shown = pd.DataFrame(_shown(styler), columns=table.columns)
    for col in ("Rank", "Score", "Trend", "Events"):
        assert shown[col].tolist() == [("—" if pd.isna(v) else str(v)) for v in table[col]], col

    hidden_score = table["Score"].isin(["c", "—"])
    assert hidden_score.any() and (~hidden_score).any() and table["Score"].str.startswith("≥").any()
    assert data.loc[hidden_score, "Score"].isna().all()
    by_score = grid_order(data["Score"], descending=True)
    assert hidden_score.iloc[by_score].tolist() == sorted(hidden_score), "a hidden score sorts after every shown one"
    scores = data["Score"].iloc[by_score].dropna().tolist()
    assert scores == sorted(scores, reverse=True)
    shown_scores = table.loc[~hidden_score, "Score"].str.removeprefix("≥ ").str.replace(",", "").astype(float)
    assert (data.loc[~hidden_score, "Score"] == shown_scores).all(), "Score sorts by the number shown"

    unranked = table["Rank"].isna()
    assert unranked.any() and (~unranked).any() and data.loc[unranked, "Rank"].nunique() == 1
    by_rank = grid_order(data["Rank"])
    assert unranked.iloc[by_rank].tolist() == sorted(unranked), "ranks 1, 2, 3 … first, the unranked after"
    assert table["Rank"].iloc[by_rank].dropna().is_monotonic_increasing

    by_trend = table["Trend"].iloc[grid_order(data["Trend"])].tolist()
    order = ["Rising", "Steady", "Falling", "—"]
    assert by_trend == sorted(by_trend, key=order.index) and "—" in by_trend


def test_places_trend_is_worked_out_from_the_quarters_shown(query, last):
    from scipy.stats import binomtest

    f = Filters(month=last, period="quarter", data_end=last)
    quarters = places_view.quarter_counts(query, f, POLICY)
    trends = places_view.shown_trends(quarters, f, POLICY)
    recent_months = (last.month - 1) % 3 + 1
    shown = quarters[quarters["quarters_ago"].isin([0, 1])].pivot(index="place_id", columns="quarters_ago",
                                                                  values="events").reindex(columns=[0, 1])
    shown = shown.reindex(list(trends)).fillna(0)  # a place with no events in either quarter
    judged = 0
    for place, trend in trends.items():
        recent, before = shown.at[place, 0], shown.at[place, 1]
        if disclosure.is_suppressed(recent, POLICY) or disclosure.is_suppressed(before, POLICY):
            assert trend == "—", place
            continue
        judged += 1
        n, share = int(recent + before), recent_months / (recent_months + 3)
        up = binomtest(int(recent), n, share, alternative="greater").pvalue
        down = binomtest(int(before), n, 1 - share, alternative="greater").pvalue
        assert trend == ("Rising" if up < 0.05 else "Falling" if down < 0.05 else "Steady"), place
    assert judged and "—" in trends.values()


def test_places_change_column_only_for_a_whole_period_with_one_before_it(query, last):
    year_so_far = Filters(month=last, period="year", data_end=last)
    assert year_so_far.to_date
    ranked = places_view.ranking(query, year_so_far, WEIGHTS, POLICY)
    assert "Change" not in places_view.places_table(ranked, WEIGHTS, POLICY), "a column of dashes says nothing"
    whole = Filters(month=last.replace(month=3), period="quarter", data_end=last)
    table = places_view.places_table(places_view.ranking(query, whole, WEIGHTS, POLICY), WEIGHTS, POLICY)
    assert table["Change"].str.endswith("%").any()


def test_a_place_with_events_hidden_but_children_shown_says_why(query, last):
    f = Filters(month=last, period="month", data_end=last)
    ranked = places_view.ranking(query, f, WEIGHTS, POLICY)
    for place in ranked.loc[ranked["children"] > POLICY.suppress_max].sort_values("children")["place_id"][:40]:
        prof = profile_view.place_profile(query, place, f, POLICY, WEIGHTS)
        metrics = {label: value for label, value, _ in prof.metrics}
        if metrics["Events"] == "c" and metrics["Children"] != "c":
            break
    else:
        pytest.fail("no place in the sample's last month has its events hidden and its children shown")
    assert "secondary suppression" in prof.metric_note and "need not be small" in prof.metric_note
    assert profile_view.hidden_events_note([("Events", "12", None), ("Children", "9", None)]) is None


def test_place_profile_has_trend_themes_groups_near_repeats_and_actions(query, last):
    f = Filters(month=last, period="year", data_end=last)
    place = TRUTH["place_hotspots"][0]
    prof = profile_view.place_profile(query, place, f, POLICY, WEIGHTS)
    assert [t[0] for t in prof.tables] == ["Themes in return home interviews", "Peer groups seen here",
                                           "Repeat incidents close together in time", "Disruption actions"]
    # Plain words in the heading; the method (a Knox test) in its help.
    assert "shuffled" in prof.table_help["Repeat incidents close together in time"]
    assert "Knox test" in prof.table_help["Repeat incidents close together in time"]
    metrics = {label: value for label, value, _ in prof.metrics}
    assert metrics["Hotspot"] == "Yes" and int(metrics["Rank"].split(" ")[0]) <= 5  # as the table: among the top 5
    groups = dict((h, rows) for h, rows, _ in prof.tables)["Peer groups seen here"]
    listed = groups["Group"].str.match(r"^Group \d+$")
    assert listed.any() and groups.loc[~listed, "Group"].str.contains("or fewer members").all()
    no_groups = profile_view.place_profile(query, place, f, POLICY, WEIGHTS, groups=False)
    assert "Peer groups seen here" not in [t[0] for t in no_groups.tables]
    assert profile_view.place_profile(query, "no-such-place", f, POLICY, WEIGHTS) is None


def test_place_profile_draws_the_actions_taken_there(query, db, last):
    con = duckdb.connect(str(db), read_only=True)
    place, action = con.execute("select place_id, action_type from stg_disruption_actions where action_id = ?",
                                [TRUTH["disruption"]["effective"]]).fetchone()
    con.close()
    prof = profile_view.place_profile(query, place, Filters(month=last, period="year", data_end=last), POLICY, WEIGHTS)
    labels = {a.text for a in prof.timeline.layout.annotations}
    assert action.replace("_", " ").capitalize() in labels
    assert dict((h, rows) for h, rows, _ in prof.tables)["Disruption actions"]["Action"].str.len().gt(0).all()


def test_area_profile_hides_small_months_and_counts(query, quarter):
    areas = query("area_events", **quarter.params(), level="lsoa")
    quiet = areas[areas["events"].between(1, 5)].iloc[0]
    prof = profile_view.area_profile(query, "lsoa", quiet["code"], quiet["name"], quarter, POLICY, quiet["children_10_17"])
    assert {label: value for label, value, _ in prof.metrics}["Events"] == "c"
    bars = [t for t in prof.timeline.data if t.type == "bar"]
    ys = [y for trace in bars if "hidden" not in trace.name for y in trace.y]
    assert not any(y is not None and not np.isnan(y) and disclosure.is_suppressed(y, POLICY) for y in ys)
    # A month with a hidden count is drawn as a marked band, not left empty.
    assert any("hidden" in trace.name and any(y is not None for y in trace.y) for trace in bars)


def test_funnel_plots_only_areas_whose_count_is_shown(query, quarter):
    funnel = query("funnel", **quarter.params(), level="lsoa")
    fig = map_view.funnel_figure(funnel, POLICY, "lsoa")
    plotted = sum(len(t.x) for t in fig.data if t.mode == "markers")
    hidden = int(funnel["events"].between(0, 5).sum())
    assert hidden and plotted == len(funnel) - hidden
    assert f"{hidden} areas with too few events" in fig.layout.title.text
    assert any(t.name == "99.8% limits" for t in fig.data)


def test_postcode_ratios_are_worked_out_from_the_shown_counts_alone(db, query, last):
    """A reader given the table and the public populations learns nothing from the ratio
    that the shown counts do not already say: no true count, no true district total."""
    f = Filters(month=last, period="year", data_end=last)
    table = postcodes_view.postcode_table(query("postcode_hotspots", f, level="sector"), POLICY, "sector")
    # The table runs by shown events; the query by code.
    shown = query("postcode_hotspots", f, level="sector").set_index("code").loc[table["Sector"]].reset_index()
    events = pd.to_numeric(table["Events"].str.replace(",", ""), errors="coerce")
    children = shown["children_10_17"].fillna(0)
    counted = events.notna() & (children > 0)
    recomputed = (events / (children * events[counted].sum() / children[counted].sum())).where(counted).round(2)
    assert counted.sum() > 10
    pd.testing.assert_series_equal(table["Ratio to expected"], recomputed, check_names=False)
    con = duckdb.connect(str(db), read_only=True)
    true = queries.run(con, "postcode_hotspots", exact=True, **f.params(), level="sector")
    true = true.set_index("code").loc[table["Sector"]].reset_index()
    con.close()
    assert (true.loc[counted, "ratio"].round(2) != table.loc[counted, "Ratio to expected"]).any(), \
        "the true ratios differ from the shown ones somewhere, or this test could not fail"


def test_planted_postcode_pair_is_the_strongest_and_the_matrix_is_protected(query, last):
    params = {"month_from": date(1900, 1, 1), "month_to": last, "age_bands": list(Filters(last).age_bands),
              "sexes": list(Filters(last).sexes)}
    pairs = postcodes_view.strongest_pairs(query("postcode_tension_pairs", **params), POLICY)
    assert pairs["Districts"].iloc[0] == " and ".join(sorted(TRUTH["postcode_tension"]))
    fig = postcodes_view.tension_figure(query("postcode_tension", **params), POLICY)
    z = np.asarray(fig.data[0].z, dtype=float).ravel()
    assert not any(disclosure.is_suppressed(v, POLICY) for v in z[~np.isnan(z)])
    # An empty pair reads as a small one: blank, "c" in the hover (zero is "c" too).
    text, hover = np.asarray(fig.data[0].text).ravel(), np.asarray(fig.data[0].customdata).ravel()
    assert (np.isnan(z) == (text == "")).all() and set(hover[np.isnan(z)]) == {disclosure.SUPPRESSED}
    assert (hover[~np.isnan(z)] == text[~np.isnan(z)]).all()


# --- pages under AppTest ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(db, served_db, tmp_path_factory):
    root = tmp_path_factory.mktemp("wh")
    (root / "builds").mkdir()
    shutil.copy(served_db, root / "builds" / "sample.duckdb")
    warehouse.publish(root, root / "builds" / "sample.duckdb")
    return root


def _run(monkeypatch, served, last, page: str, role: str = "analyst", period: str = "quarter", **query):
    """Run one page as dashboard.py runs it after sign-in (the session set, the build chosen)."""
    from streamlit.testing.v1 import AppTest

    from contextmap import auth
    from contextmap.ui.reader import Session

    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(served))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(served / "audit.jsonl"))
    at = AppTest.from_file(str(ROOT / page), default_timeout=90)
    at.session_state["session"] = Session(auth.User(f"demo-{role}", role), Filters(last, period, data_end=last), POLICY)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _text(at) -> str:
    return "\n".join(str(e.value) for e in (*at.markdown, *at.caption, *at.subheader, *at.title, *at.info))


def test_map_page_has_controls_caveats_funnel_and_opens_an_area_profile(monkeypatch, served, last):
    at = _run(monkeypatch, served, last, "pages/map.py")
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Map"]
    text = _text(at)
    assert "snapped to anonymous map points" in text and "recording practice" in text
    assert "Fair comparison of areas (funnel plot)" in text
    assert map_view.colour_caption(at.selectbox(key="map_measure").value, Filters(last, "quarter", data_end=last),
                                   places=True) in [c.value for c in at.caption]
    pick = at.selectbox(key="map_pick_ward")
    pick.select(pick.options[1]).run()
    assert not at.exception, at.exception
    assert {"Events", "Rate per 1,000 children", "Children aged 10–17"} <= {m.label for m in at.metric}
    for measure in ("gi", "emerging", "rate"):
        at.selectbox(key="map_measure").set_value(measure).run()
        assert not at.exception, (measure, at.exception)
        # The measure is drawn (no "not in this build"); a notice may say a layer has nothing to show.
        assert not [i.value for i in at.info if "instead" in i.value], [i.value for i in at.info]


def test_places_page_ranks_places_and_opens_the_profile_named_in_the_url(monkeypatch, served, last):
    place = TRUTH["place_hotspots"][0]
    at = _run(monkeypatch, served, last, "pages/places.py", period="year", place=place)
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert {"Place", "Score", "Events"} <= set(table.columns)
    assert at.selectbox(key="places_pick").value == place
    assert {"Score", "Rank", "Hotspot"} <= {m.label for m in at.metric}


def test_the_places_window_names_its_month_with_a_capital(monkeypatch, served, last):
    at = _run(monkeypatch, served, last, "pages/places.py")
    from contextmap.fmt import month_label

    window = at.selectbox(key="places_window")
    assert window.options[0] == f"The year April 2026 to {month_label(last)} (year so far)"  # "October", not "october"
    assert window.options[1].startswith("The sidebar's period (")


def test_the_place_profile_says_its_period_and_the_table_s(monkeypatch, served, last):
    """The table opens on the year, the profile follows the sidebar's month: the profile's
    heading names its period and a line says which period each covers."""
    place = TRUTH["place_hotspots"][0]
    at = _run(monkeypatch, served, last, "pages/places.py", period="month", place=place)
    assert not at.exception, at.exception
    month = Filters(last, "month", data_end=last)
    text = _text(at).replace("\\", "")
    assert f" — {month.label}" in text
    assert (f"Figures for {month.label} (the sidebar's period); the table above is for "
            f"{month.year_window_text()}.") in text
    at.selectbox(key="places_window").set_value("sidebar").run()
    assert not at.exception, at.exception
    assert f"Figures for {month.label}, the same period as the table above." in _text(at).replace("\\", "")


def test_postcodes_page_lists_districts_and_the_strongest_pair(monkeypatch, served, last):
    at = _run(monkeypatch, served, last, "pages/postcodes.py")
    assert not at.exception, at.exception
    # The sample's last months have pairs of nothing but "c": left out, and counted in a caption.
    figures = at.dataframe[-1].value.drop(columns="Districts")
    assert not figures.isin(["c", fmt.HIDDEN_SORT_KEY]).all(axis=1).any(), "a listed pair shows nothing but c"
    assert any(c.value.endswith("pairs with every figure hidden (c) are not listed.") for c in at.caption)
    at.radio(key="pc_span").set_value("all").run()
    assert not at.exception, at.exception
    pairs = at.dataframe[-1].value
    assert pairs["Districts"].iloc[0] == " and ".join(sorted(TRUTH["postcode_tension"]))


def test_partners_do_not_see_peer_groups_in_a_place_profile(monkeypatch, served, last):
    at = _run(monkeypatch, served, last, "pages/places.py", role="partner", period="year", place=TRUTH["place_hotspots"][0])
    assert not at.exception, at.exception
    assert "Peer groups seen here" not in _text(at)


def test_funnel_names_the_areas_outside_the_limits_and_no_hidden_one(query, quarter):
    funnel = query("funnel", **quarter.params(), level="ward")
    fig = map_view.funnel_figure(funnel, POLICY, "ward")
    names = [a.text for a in fig.layout.annotations if a.text != "Whole-area rate"]
    outside = [n for t in fig.data if t.mode == "markers" and t.name.startswith(("Above", "Below"))
               for n, _ in t.customdata]
    assert outside and set(names) <= set(outside) and len(names) == min(len(outside), map_view.FUNNEL_NAMED)
    hidden = set(funnel.loc[funnel["events"].between(0, POLICY.suppress_max), "area_name"])
    assert not hidden & set(names)


def test_labels_placed_by_label_offsets_never_overlap():
    points = [(100 + 5 * i, 100) for i in range(6)]  # six dots almost on top of each other
    sizes = [(80, 16)] * 6
    offsets = map_view.label_offsets(points, sizes, (480, 300), [True] * 6)
    boxes = [(x + ax - 40, y - ay - 8, x + ax + 40, y - ay + 8) for (x, y), (ax, ay) in zip(points, offsets)]
    assert not any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                   for i, a in enumerate(boxes) for b in boxes[i + 1:])
