"""Rows are ordered, and cut to the first N, by the counts shown, never by the true ones.

A table in the order of its true counts tells more than its figures: two rows shown with
the same count, or two "c", in a fixed order say which true count is the larger, and a
perturbed pair shown out of order says the truth is the other way round. A list cut to its
"top N" by true count says which of two rows shown equal has more. The attacker here reads
each ranked table of the sample as shown and checks that its order is a function of what
it shows: most first by the shown count, a hidden "c" as one value below every shown
count, ties by a neutral key (a name, a code, a number); and that a list cut to N is the
first N of the same list uncut.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from contextmap import (
    disclosure,
    disruption_view,
    network,
    pack_collect,
    postcodes_view,
    profile_view,
    queries,
)
from contextmap.filters import AGE_BANDS, SEXES, Filters
from contextmap.settings import PlaceWeights
from tests.query_params import latest_month

POLICY = disclosure.Policy()
WEIGHTS = PlaceWeights(1.0, 1.5, 0.5)
HIDDEN = 0.5  # a "c": below every shown count, every "c" the same
_NUMBER = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")


def _shown(text) -> float:
    """What a reader takes a shown cell for, to order by; anything not a count sorts last."""
    if text == "c" or (isinstance(text, float) and pd.isna(text)):
        return HIDDEN
    if isinstance(text, (int, float)):
        return float(text)
    return float(text.replace(",", "")) if _NUMBER.match(str(text)) else -1.0


def _number(text) -> int:
    return int(re.search(r"\d+", str(text)).group())


def assert_ordered_by_shown(table: pd.DataFrame, counts: list[str], neutral) -> None:
    """Rows run from the most to the least by each shown count in turn, ties by ``neutral``
    (a function of a row, ascending): nothing but the table decides the order."""
    assert not table.empty, "nothing to check: choose a view with rows"
    keys = [tuple([*(-_shown(row[c]) for c in counts), neutral(row)]) for _, row in table.iterrows()]
    assert keys == sorted(keys), f"rows out of the shown order: {table[counts].to_dict('list')}"


@pytest.fixture
def query(sample_con):
    return queries.bind(sample_con)


@pytest.fixture
def force_year(force_con) -> Filters:
    last = latest_month(force_con)
    return Filters(last, period="year", data_end=last).previous()


@pytest.fixture
def year(sample_con) -> Filters:
    """The last whole year of the sample (the one running may hold a month or two)."""
    last = latest_month(sample_con)
    return Filters(last, period="year", data_end=last).previous()


def _one(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()[0]


@pytest.mark.parametrize("level", ["district", "sector"])
def test_the_postcodes_table_is_in_the_order_of_its_shown_events(query, year, level):
    units = postcodes_view.units(query, year, POLICY, level)
    table = postcodes_view.postcode_table(units, POLICY, level)
    code = table.columns[0]
    assert_ordered_by_shown(table, ["Events"], lambda r: r[code])
    assert (table["Events"] == "c").sum() > 1  # several "c": their true order would show


def test_the_area_profiles_tables_are_in_the_order_of_their_shown_counts(sample_con, query, year):
    ward = _one(sample_con, "select ward_code from int_places group by 1 order by count(*) desc limit 1")
    prof = profile_view.area_profile(query, "ward", ward, "W", year, POLICY, 1000.0)
    tables = {heading: rows for heading, rows, _ in prof.tables}
    assert_ordered_by_shown(tables["Places of concern here"], ["Events"], lambda r: r["Place"])
    assert_ordered_by_shown(tables["Themes in return home interviews"], ["Episodes"], lambda r: r["Theme"])
    groups = tables["Peer groups seen at its places"]
    assert_ordered_by_shown(groups[groups["Group"].str.startswith("Group ")], ["Events"], lambda r: _number(r["Group"]))


def test_the_place_profiles_tables_are_in_the_order_of_their_shown_counts(sample_con, query, year, force_con,
                                                                         force_year):
    place = _one(sample_con, "select code from mart_area_episode_themes where level = 'place' "
                             "and event_month between ? and ? group by 1 order by count(distinct theme) desc limit 1",
                 year.month_from, year.month_to)
    prof = profile_view.place_profile(query, place, year, POLICY, WEIGHTS)
    themes = dict((heading, rows) for heading, rows, _ in prof.tables)["Themes in return home interviews"]
    assert_ordered_by_shown(themes, ["Episodes"], lambda r: r["Theme"])
    # Peer groups big enough to list are in the force sample: the places with two or more.
    places = force_con.execute("select g.place_id from mart_place_groups as g join mart_peer_groups as p using (group_id) "
                               "where p.size > 5 group by 1 having count(*) > 1 order by 1").fetchall()
    checked = 0
    for (place,) in places:
        prof = profile_view.place_profile(queries.bind(force_con), place, force_year, POLICY, WEIGHTS)
        groups = dict((heading, rows) for heading, rows, _ in prof.tables)["Peer groups seen here"]
        listed = groups[groups["Group"].str.startswith("Group ")]
        if len(listed) > 1:
            assert_ordered_by_shown(listed, ["Events"], lambda r: _number(r["Group"]))
            checked += 1
    assert checked


def test_the_peer_groups_table_and_a_groups_profile_are_in_the_order_of_their_shown_counts(force_con, force_year):
    query = queries.bind(force_con)
    groups = query("group_table", force_year)
    table, _ = network.group_table(groups, POLICY)
    assert_ordered_by_shown(table, ["Last 3 months"], lambda r: r["group_id"])
    assert list(table["Rank"]) == list(range(1, len(table) + 1))
    busiest = int(table["group_id"].iloc[0])
    prof = network.profile(groups[groups["group_id"] == busiest].iloc[0], query("group_mix", group_id=busiest),
                           query("group_monthly", group_id=busiest), query("group_places", group_id=busiest), POLICY)
    assert_ordered_by_shown(prof.places, ["Events"], lambda r: r["Place"])
    mixes = dict(prof.mixes)
    checked = 0
    for title in ("Offences by type", "Return interview themes", "Events by locality", "Events by postcode district"):
        if title in mixes:
            rows = mixes[title]
            assert_ordered_by_shown(rows, [rows.columns[1]], lambda r, t=title: r[t])
            checked += 1
    assert checked
    members = network.members_table(query("group_members", group_id=busiest), None)
    assert_ordered_by_shown(members, ["recent_events", "events"], lambda r: r["person_key"])


def test_the_packs_top_places_are_the_first_of_the_places_in_shown_order(query, year):
    every = pack_collect._places(query, year, POLICY, top=10_000)
    assert_ordered_by_shown(every, ["All events"], lambda r: r["Place"])
    top = pack_collect._places(query, year, POLICY, top=5)
    pd.testing.assert_frame_equal(top, every.head(5))


def test_the_packs_peer_groups_are_the_first_of_the_groups_in_shown_order(force_con, force_year):
    query = queries.bind(force_con)

    def listed(table):
        return table[table["Group"].str.match(r"^Group \d+$")].reset_index(drop=True)

    every = listed(pack_collect._peer_groups(query, force_year, POLICY, top=10_000))
    assert len(every) > 5
    assert_ordered_by_shown(every, ["Events, last three months"], lambda r: _number(r["Group"]))
    top = listed(pack_collect._peer_groups(query, force_year, POLICY, top=5))
    pd.testing.assert_frame_equal(top, every.head(len(top)))


def test_the_strongest_pairs_are_the_first_of_the_pairs_in_shown_order(query):
    every_month = {"month_from": date(1900, 1, 1), "month_to": date(9999, 12, 1), "age_bands": list(AGE_BANDS),
                   "sexes": list(SEXES)}
    pairs = query("postcode_tension_pairs", **every_month)
    every = postcodes_view.strongest_pairs(pairs, POLICY, n=len(pairs))
    assert_ordered_by_shown(every, ["Violent", "Young people (both ways)"], lambda r: r["Districts"])
    pd.testing.assert_frame_equal(postcodes_view.strongest_pairs(pairs, POLICY, n=5), every.head(5))


def test_a_reviews_comparison_places_are_listed_by_name(sample_con, query):
    action = _one(sample_con, "select action_id from mart_disruption_controls group by 1 order by count(*) desc limit 1")
    table = disruption_view.comparisons_table(query("disruption_comparisons", action_id=action), POLICY)
    names = list(table.iloc[:, 0])
    assert len(names) > 1 and names == sorted(names)


def test_a_groups_localities_and_themes_are_listed_alphabetically_not_by_their_true_counts():
    # The mart lists them most frequent first by true count.
    raw = pd.DataFrame({"group_id": [7], "size": [12], "recent_events": [30], "main_evidence": ["co_offending"],
                        "localities": [["Huddersfield", "Dewsbury", "Batley", "Spen"]],
                        "top_themes": [["DRUGS", "CSE", "CCE"]]})
    table = pack_collect._peer_groups(lambda *a, **k: raw, Filters(date(2026, 10, 1)), POLICY, top=10)
    assert table["Localities"].iloc[0] == "Batley, Dewsbury, Huddersfield, Spen"
    themes = table["Themes"].iloc[0].split(", ")
    assert len(themes) == 3 and themes == sorted(themes)
    group = pd.Series({**raw.iloc[0].to_dict(), "districts": ["WF13", "HD1", "BD5"], "events": 100, "episodes": 50,
                       "offences": 3, "looked_after": 3, "first_activity_at": pd.Timestamp("2024-01-05"),
                       "last_activity_at": pd.Timestamp("2026-10-03"), "links_missing_together": 12,
                       "links_co_offending": 2, "links_rhi_named": 0})
    assert "Localities: Batley, Dewsbury, Huddersfield, Spen. Postcode districts: BD5, HD1, WF13." in network.profile(
        group, pd.DataFrame(columns=["dimension", "category", "n"]), pd.DataFrame(columns=["month", "events"]),
        pd.DataFrame(), POLICY).subtitle
