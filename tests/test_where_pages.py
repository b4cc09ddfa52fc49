"""The "Where" pages (map, places, postcodes) and their logic in contextmap/where.py.

Logic is tested on a small hand-made warehouse (real geography, made-up events and
hotspot marts following their YAML); the pages run under Streamlit's AppTest on it and,
when the shipped sample builds, on the sample build too.
"""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from contextmap import disclosure, queries, sqlfiles, where
from contextmap.filters import SOURCES, Filters
from contextmap.settings import ROOT

LAST = date(2025, 6, 1)
MONTHS = [d.date() for d in pd.date_range("2023-07-01", LAST, freq="MS")]
HOSTILE = "<script>alert(1)</script> `${x}` Café"
POLICY = disclosure.Policy()
WEIGHTS = {"missing_found": 1.0, "rhi_mention": 1.5, "offence": 0.5}


def _table(con, name: str, df: pd.DataFrame) -> None:
    con.register("_df", df)
    con.execute(f"create or replace table {name} as select * from _df")
    con.unregister("_df")


def _sql_model(con, path: str) -> None:
    name = path.rsplit("/", 1)[1].removesuffix(".sql")
    con.execute(f"create or replace table {name} as\n" + sqlfiles.read(path))


def _events(rng, lsoas: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    n = 4000
    # A busy LSOA and a busy place, so there is something to find.
    weights = np.ones(len(lsoas))
    weights[:3] = 40
    pick = rng.choice(len(lsoas), n, p=weights / weights.sum())
    src = rng.choice(list(SOURCES), n)
    month = rng.choice(MONTHS, n)
    place = np.where(rng.random(n) < 0.35, rng.choice(places["place_id"], n, p=[0.5] + [0.5 / (len(places) - 1)] * (len(places) - 1)), None)
    place = np.where(src == "missing_from", None, place)
    lat = lsoas["centroid_lat"].to_numpy()[pick] + rng.normal(0, 0.002, n)
    lon = lsoas["centroid_lon"].to_numpy()[pick] + rng.normal(0, 0.002, n)
    episode = np.where(src != "offence", [f"ep{i % 900}" for i in range(n)], None)
    themes = [["CCE", "DRUGS"] if i % 3 == 0 else (["CSE"] if i % 3 == 1 else []) for i in range(n)]
    return pd.DataFrame({
        "event_id": [f"e{i}" for i in range(n)], "event_source": src, "person_key": [f"p{i % 700:015d}" for i in range(n)],
        "episode_key": episode, "event_at": pd.to_datetime(month) + pd.Timedelta(days=3), "event_month": month,
        "lsoa_code": lsoas["lsoa_code"].to_numpy()[pick], "ward_code": lsoas["ward_code"].to_numpy()[pick],
        "locality": lsoas["locality"].to_numpy()[pick], "sector": "HD1 2", "district": "HD1", "place_id": place,
        "lat": lat, "lon": lon, "is_looked_after": rng.random(n) < 0.4,
        "age_band": rng.choice(["10-13", "14-15", "16-17"], n), "sex": rng.choice(["F", "M"], n),
        "ethnic_group": "White", "offence_group": None, "is_serious_violence": False, "themes": themes,
    })


def _windows():
    for period, months in (("month", 1), ("quarter", 3), ("12m", 12)):
        for month_to in MONTHS[-3:]:
            yield period, months, (pd.Timestamp(month_to) - pd.DateOffset(months=months - 1)).date(), month_to


def _area_marts(con, rng) -> None:
    hot, funnel = [], []
    for level, key, name in (("ward", "ward_code", "ward_name"), ("lsoa", "lsoa_code", "lsoa_name")):
        geo = con.execute(f"select {key} as area_code, {name} as area_name, locality, children_10_17 from geo_{level}").df()
        for period, months, month_from, month_to in _windows():
            for source in [*SOURCES, "all"]:
                counts = con.execute(
                    f"select {key} as area_code, count(*) as events from int_events where event_month between ? and ? "
                    "and (? = 'all' or event_source = ?) group by 1", [month_from, month_to, source, source]).df()
                df = geo.merge(counts, on="area_code", how="left").fillna({"events": 0})
                district = 1000 * df["events"].sum() / df["children_10_17"].sum()
                df["rate_per_1000"] = 1000 * df["events"] / df["children_10_17"]
                df["expected"] = district * df["children_10_17"] / 1000
                df["ratio"] = df["events"] / df["expected"]
                df["gi_z"] = (df["ratio"] - 1) * 2
                df["gi_q"] = np.clip(1 / (1 + df["gi_z"].abs() ** 2), 0, 1)
                df["gi_class"] = np.select([df["gi_z"] > 3, df["gi_z"] > 2, df["gi_z"] < -1.9], ["Hot spot 99%", "Hot spot 95%", "Cold spot 90%"], "Not significant")
                base = {"level": level, "period": period, "month_from": month_from, "month_to": month_to, "event_source": source}
                hot.append(df.assign(**base, window_months=months, poisson_p=0.5, poisson_q=0.5, gi_p=0.5,
                                     is_hotspot=df["gi_z"] > 2, is_exceedance=False, method="Gi* (test data)"))
                sd = np.sqrt(df["expected"].clip(lower=0.5)) * 1000 / df["children_10_17"]
                funnel.append(df[["area_code", "area_name", "locality", "events", "children_10_17", "rate_per_1000", "expected"]].assign(
                    **base, district_rate_per_1000=district, lower_998=district - 3 * sd, lower_95=district - 2 * sd,
                    upper_95=district + 2 * sd, upper_998=district + 3 * sd,
                    funnel_class=np.where(df["rate_per_1000"] > district + 3 * sd, "Above 99.8% limit", "Within limits")))
    _table(con, "mart_area_hotspots", pd.concat(hot, ignore_index=True))
    _table(con, "mart_area_funnel", pd.concat(funnel, ignore_index=True))
    labels = ["New", "Persistent", "No pattern", "Sporadic"]
    rows = []
    for level, key, name in (("ward", "ward_code", "ward_name"), ("lsoa", "lsoa_code", "lsoa_name"), ("place", "place_id", "name")):
        table = "int_places" if level == "place" else f"geo_{level}"
        units = con.execute(f"select {key} as unit_code, {name} as unit_name, locality from {table}").df()
        for month_to in MONTHS[-3:]:
            rows.append(units.assign(level=level, month_to=month_to, recent_months=6, baseline_months=12, recent_events=20,
                                     baseline_events=12, recent_monthly=3.3, baseline_monthly=1.0, rate_ratio=3.3,
                                     p_value=0.01, q_value=0.02, mk_tau=0.3, mk_p=0.04, hot_months=2, series_months=18,
                                     is_hot_now=True, label=[labels[i % 4] for i in range(len(units))],
                                     is_emerging=[i % 4 == 0 for i in range(len(units))], method="binomial (test data)"))
    _table(con, "mart_emerging_hotspots", pd.concat(rows, ignore_index=True))


def _place_marts(con) -> None:
    rows = []
    places = con.execute("select place_id, name, category, locality, ward_code, lsoa_code, sector, lat, lon from int_places").df()
    for period, months, month_from, month_to in _windows():
        counts = con.execute(
            "select place_id, count(*) as events, count(*) filter (where event_source = 'missing_found') as missing_found, "
            "count(*) filter (where event_source = 'rhi_mention') as rhi_mention, "
            "count(*) filter (where event_source = 'offence') as offence, count(distinct person_key) as children "
            "from int_events where place_id is not null and event_month between ? and ? group by 1",
            [month_from, month_to]).df()
        df = places.merge(counts, on="place_id", how="left").fillna(0)
        df["score"] = df["missing_found"] * 1.0 + df["rhi_mention"] * 1.5 + df["offence"] * 0.5
        df["score_rank"] = df["score"].rank(ascending=False, method="min").astype(int)
        rows.append(df.assign(period=period, window_months=months, month_from=month_from, month_to=month_to,
                              expected=5.0, poisson_p=0.5, poisson_q=0.5, is_hotspot=df["events"] >= 10,
                              previous_events=df["events"] // 2, change_pct=100.0, recent_3m=6, previous_3m=3,
                              trend="Rising", themes=[["CCE", "DRUGS"]] * len(df), peer_groups=1))
    _table(con, "mart_place_hotspots", pd.concat(rows, ignore_index=True))
    busy = places["place_id"].iloc[0]
    _table(con, "mart_near_repeat", pd.DataFrame({
        "place_id": [busy, busy, "All places", "All places"], "days_band": ["0-7 days", "8-14 days"] * 2,
        "days_from": [0, 8, 0, 8], "days_to": [7, 14, 7, 14], "incidents": [40, 40, 300, 300],
        "observed": [12, 3, 90, 60], "expected": [6.0, 5.5, 70.0, 61.0], "ratio": [2.0, 0.55, 1.29, 0.98],
        "p_value": [0.01, 0.8, 0.02, 0.5], "permutations": 99}))
    _table(con, "mart_place_groups", pd.DataFrame({
        "place_id": [busy, busy], "group_id": [3, 7], "events": [14, 2], "found_here": [6, 1], "rhi_mentions": [6, 1],
        "offences": [2, 0], "recent_events": [4, 1], "people": [6, 3],
        "first_event_at": pd.Timestamp("2024-01-03"), "last_event_at": pd.Timestamp("2025-05-03")}))
    _table(con, "mart_peer_groups", pd.DataFrame({"group_id": [3, 7], "size": [8, 4]}))
    _table(con, "stg_disruption_actions", pd.DataFrame({
        "action_id": ["a1"], "place_id": [busy], "area_code": [None], "area_level": ["place"],
        "action_type": ["CLOSURE_ORDER"], "start_date": [date(2025, 1, 10)], "end_date": [date(2025, 4, 10)], "agency": ["POLICE"]}))


def build_test_warehouse(path) -> None:
    """A small warehouse with the tables the Where pages read (real Kirklees geography)."""
    from pipelines.geography import load_geography

    rng = np.random.default_rng(4)
    con = duckdb.connect(str(path))
    try:
        load_geography(con, progress=lambda *_: None)
        lsoas = con.execute("select * from geo_lsoa order by lsoa_code").df()
        chosen = lsoas.iloc[[0, 1, 10, 40, 80, 120, 160, 200]]
        _table(con, "stg_places", pd.DataFrame({
            "place_id": [f"PL{i:03d}" for i in range(len(chosen))],
            "name": [HOSTILE if i == 1 else f"Place {i} takeaway" for i in range(len(chosen))],
            "category": ["TAKEAWAY", "HOTEL", "PARK", "SHOP", "TAXI", "PARK", "SCHOOL", "OTHER"],
            "sector": "HD1 2", "district": "HD1", "lsoa_code": chosen["lsoa_code"].to_numpy(),
            "lat": chosen["centroid_lat"].to_numpy(), "lon": chosen["centroid_lon"].to_numpy()}))
        _sql_model(con, "intermediate/int_places.sql")
        _table(con, "int_events", _events(rng, lsoas, con.execute("select * from int_places").df()))
        _sql_model(con, "marts/mart_monthly_area_counts.sql")
        _sql_model(con, "marts/mart_place_monthly.sql")
        _area_marts(con, rng)
        _place_marts(con)
        con.execute("create table build_info as select now()::timestamptz as built_at, true as is_demo, '[]' as inputs, "
                    "'test' as settings_hash, 'Kirklees' as area_name")
    finally:
        con.close()


@pytest.fixture(scope="module")
def test_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("where") / "where.duckdb"
    build_test_warehouse(path)
    return path


@pytest.fixture()
def fetch(test_db):
    con = duckdb.connect(str(test_db), read_only=True)
    yield lambda name, **p: queries.run(con, name, **p)
    con.close()


FILTERS = Filters(month=LAST, period="quarter")


# --- logic ----------------------------------------------------------------------------------


def test_counts_of_one_to_five_are_drawn_suppressed_not_as_zero(fetch):
    areas = fetch("area_events", **FILTERS.params(), level="lsoa")
    values = where.area_values(areas, "count", POLICY, "lsoa")
    small = areas["events"].between(1, 5).to_numpy()
    assert small.any(), "the test data should have small counts"
    assert (values.loc[small, "status"] == "suppressed").all()
    assert values.loc[small, "value"].isna().all()
    assert all("Events: c" in lines for lines in values.loc[small, "lines"])
    zero = (areas["events"] == 0).to_numpy()
    assert (values.loc[zero, "value"] == 0).all()


def test_rates_are_per_thousand_children_and_hidden_with_their_count(fetch):
    areas = fetch("area_events", **FILTERS.params(), level="ward")
    values = where.area_values(areas, "rate", POLICY, "ward")
    row = values[values["status"] == "shown"].iloc[0]
    assert row["value"] == pytest.approx(1000 * row["events"] / row["children_10_17"])
    assert values.loc[values["events"].between(1, 5), "value"].isna().all()


def test_map_of_every_measure_renders_offline_with_polygons_and_places(fetch):
    for measure in where.MEASURES:
        data = where.map_data(fetch, FILTERS, POLICY, "lsoa", measure)
        assert data.missing is None, measure
        html = where.build_map(fetch, data, FILTERS, POLICY, measure, True, True, WEIGHTS).get_root().render()
        assert "http://" not in html.split("<body>")[0] and "https://" not in html.split("<body>")[0]
        assert html.count('"type": "Feature"') >= len(data.boundaries)
        assert "&lt;script&gt;alert(1)" in html.replace("\\u0026", "&") and "<script>alert(1)" not in html


def test_gi_classes_come_from_the_hotspot_mart_with_their_legend(fetch):
    data = where.map_data(fetch, FILTERS, POLICY, "ward", "gi")
    assert set(data.values["category"].dropna()) <= set(where.GI_CATEGORIES)
    html = where.build_map(fetch, data, FILTERS, POLICY, "gi", False, False, WEIGHTS).get_root().render()
    assert "Hotspots (Getis-Ord Gi*)" in html
    assert any(where.GI_CATEGORIES[c][1] in html for c in set(data.values["category"].dropna()))


def test_a_click_on_an_area_or_place_resolves_to_it(fetch):
    data = where.map_data(fetch, FILTERS, POLICY, "ward", "count")
    code = data.areas["code"].iloc[3]
    assert where.resolve_click(where.parse_ref(f"Ashbrow\nEvents: 12\nRef: {code}"), data) == ("area", code)
    assert where.resolve_click(where.parse_ref("Place\nScore: c\nRef: PL001"), data) == ("place", "PL001")
    assert where.resolve_click(where.parse_ref("no ref here"), data) is None


def test_heat_map_never_draws_a_cell_with_one_to_five_events(fetch):
    cells = where.heat_cells(fetch("map_heat", **FILTERS.params()), POLICY)
    assert not cells.empty and (cells["events"] > POLICY.suppress_max).all()


def test_place_scores_are_hidden_when_any_part_is(fetch):
    places = fetch("map_places", period="quarter", month_to=LAST, locality="All")
    table = where.places_table(places, {}, WEIGHTS, POLICY)
    parts = table[["Events", "Found here", "Named in RHIs", "Offences"]]
    hidden = (parts == "c").any(axis=1)
    assert table.loc[hidden, "Score"].isna().all()
    assert table.loc[~hidden & (parts["Events"] != "0"), "Score"].notna().all()
    shown = [disclosure.visible_counts(table[c]) for c in ("Events", "Found here", "Named in RHIs", "Offences", "Children")]
    assert not any(1 <= v <= 5 for col in shown for v in col)


def test_place_profile_has_trend_themes_groups_near_repeats_and_actions(fetch):
    prof = where.place_profile(fetch, "PL000", FILTERS, POLICY, WEIGHTS)
    headings = [t[0] for t in prof.tables]
    assert headings == ["Themes in return home interviews", "Peer groups seen here", "Near-repeats (Knox test)", "Disruption actions"]
    groups = dict((h, rows) for h, rows, _ in prof.tables)["Peer groups seen here"]
    assert list(groups["Group"]) == ["Group 3", "Group 7"] and list(groups["Events"]) == ["14", "c"]
    assert any(a.text == "Closure order" for a in prof.timeline.layout.annotations)
    assert "Peer groups seen here" not in [t[0] for t in where.place_profile(fetch, "PL000", FILTERS, POLICY, WEIGHTS, groups=False).tables]
    assert where.place_profile(fetch, "nope", FILTERS, POLICY, WEIGHTS) is None


def test_area_profile_trend_has_gaps_for_suppressed_months(fetch):
    areas = fetch("area_events", **FILTERS.params(), level="lsoa")
    quiet = areas[areas["events"].between(1, 5)].iloc[0]
    prof = where.area_profile(fetch, "lsoa", quiet["code"], quiet["name"], FILTERS, POLICY, quiet["children_10_17"])
    assert dict((m[0], m[1]) for m in prof.metrics)["Events"] == "c"
    ys = [y for trace in prof.timeline.data for y in trace.y]
    assert not any(y is not None and not np.isnan(y) and 1 <= y <= 5 for y in ys)


def test_funnel_leaves_out_suppressed_areas_and_says_so(fetch):
    funnel = fetch("map_funnel", level="lsoa", period="quarter", month_to=LAST, event_source="all")
    fig = where.funnel_figure(funnel, POLICY, "lsoa")
    plotted = sum(len(t.x) for t in fig.data if t.mode == "markers")
    hidden = int(funnel["events"].between(1, 5).sum())
    assert plotted == len(funnel) - hidden
    assert (f"{hidden} areas" in fig.layout.title.text) == (hidden > 1)


def test_tension_matrix_and_strongest_pairs_are_protected():
    matrix = pd.DataFrame({"home_district": ["HD1", "HD1", "HD2", "WF13"], "offence_district": ["HD2", "HD1", "HD1", "HD1"],
                           "people": [14, 30, 3, 9], "offences": [20, 40, 4, 12]})
    pairs = where.strongest_pairs(matrix, POLICY)
    assert list(pairs["From (home)"]) == ["HD1", "WF13", "HD2"] and list(pairs["Young people"]) == ["14", "9", "c"]
    fig = where.tension_figure(matrix, POLICY)
    assert "c" in np.asarray(fig.data[0].text).ravel()
    assert not any(v == 3 for v in np.asarray(fig.data[0].z, dtype=float).ravel() if not np.isnan(v))


# --- pages under AppTest ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(test_db, tmp_path_factory):
    from pipelines import warehouse as wh

    root = tmp_path_factory.mktemp("wh")
    (root / "builds").mkdir()
    shutil.copy(test_db, root / "builds" / "test.duckdb")
    wh.publish(root, root / "builds" / "test.duckdb")
    return root


def _app(monkeypatch, warehouse, page: str, **query):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(warehouse / "audit.jsonl"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def _text(at) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.subheader, *at.title, *at.info)]
    return "\n".join(str(p) for p in parts)


def test_map_page_renders_with_controls_caveats_and_funnel(monkeypatch, warehouse):
    at = _app(monkeypatch, warehouse, "pages/map.py")
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Map"]
    text = _text(at)
    assert "snapped to anonymous map points" in text and "recording practice" in text
    assert "Fair comparison of areas (funnel plot)" in text
    at.selectbox(key="map_pick_ward").select(at.selectbox(key="map_pick_ward").options[1]).run()
    assert not at.exception, at.exception
    assert any(m.label == "Rate per 1,000 children" for m in at.metric)
    at.selectbox(key="map_measure").set_value("gi").run()
    assert not at.exception, at.exception


def test_places_page_ranks_places_and_opens_a_profile_from_the_url(monkeypatch, warehouse):
    at = _app(monkeypatch, warehouse, "pages/places.py", place="PL000")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert {"Place", "Score", "Events", "Last 12 months"} & set(table.columns) >= {"Place", "Score", "Events"}
    assert "Place 0 takeaway" in _text(at)
    assert any(m.label == "Score" for m in at.metric)


def test_postcodes_page_renders(monkeypatch, warehouse):
    at = _app(monkeypatch, warehouse, "pages/postcodes.py")
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Postcodes"]


def test_pages_render_on_the_sample_build(monkeypatch, tmp_path, request):
    if not (ROOT / "data" / "sample").exists():
        pytest.skip("no shipped sample to build yet")
    sample_db = request.getfixturevalue("sample_db")
    from pipelines import warehouse as wh

    (tmp_path / "builds").mkdir()
    shutil.copy(sample_db, tmp_path / "builds" / "sample.duckdb")
    wh.publish(tmp_path, tmp_path / "builds" / "sample.duckdb")
    for page in ("pages/map.py", "pages/places.py", "pages/postcodes.py"):
        at = _app(monkeypatch, tmp_path, page)
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])

