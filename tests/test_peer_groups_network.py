"""The peer-group views: anonymous network, small groups only as a count, protected profiles."""

from __future__ import annotations

import re
from itertools import combinations

import pandas as pd
import pytest

from contextmap import disclosure, network

POLICY = disclosure.Policy(suppress_max=5)


def _groups(sizes: dict[int, int]) -> pd.DataFrame:
    rows = []
    for rank, (gid, size) in enumerate(sizes.items(), start=1):
        rows.append({
            "group_id": gid, "size": size, "recent_events": 40 - rank, "events": 100, "episodes": 50, "offences": 3,
            "places": 8, "main_evidence": "missing_together", "localities": ["Huddersfield"], "districts": ["HD1"],
            "top_themes": ["CCE"], "last_activity_at": pd.Timestamp("2026-10-03"), "first_activity_at":
            pd.Timestamp("2024-01-05"), "activity_rank": rank, "looked_after": 3, "links_missing_together": 12,
            "links_co_offending": 2, "links_rhi_named": 0,
        })
    return pd.DataFrame(rows)


def _members(sizes: dict[int, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes, edges = [], []
    for gid, size in sizes.items():
        keys = [f"{gid:02d}{i:014x}" for i in range(size)]  # 16 hex characters, like a real pseudonym
        nodes += [{"group_id": gid, "person_key": k, "events": 3 * i, "recent_events": i} for i, k in enumerate(keys)]
        edges += [{"person_a": a, "person_b": b, "weight": 2.0} for a, b in combinations(keys, 2)]
    return pd.DataFrame(nodes), pd.DataFrame(edges)


def test_groups_at_or_below_the_threshold_are_only_counted():
    table, hidden = network.group_table(_groups({7: 9, 3: 5, 12: 6, 4: 3}), POLICY)
    assert table["Group"].tolist() == ["Group 7", "Group 12"]
    assert table["Rank"].tolist() == [1, 2]
    assert hidden == 2
    assert "2 further groups have 5 or fewer members" in network.small_groups_note(hidden, POLICY)


def test_the_network_never_carries_a_pseudonym_unless_asked():
    sizes = {7: 8, 12: 6}
    nodes, edges = _members(sizes)
    fig = network.network_figure(nodes, edges, POLICY)
    text = fig.to_json()
    assert not any(k in text for k in nodes["person_key"])
    assert "Group 7" in text and "Group 12" in text
    shown = network.network_figure(nodes, edges, POLICY, show_pseudonyms=True).to_json()
    assert all(k in shown for k in network.drawn_members(nodes, POLICY)["person_key"])


def test_every_group_is_drawn_with_as_many_dots_whatever_its_size():
    """A dot per member would give each group's exact size, which the groups table perturbs:
    each group shows its suppress_max + 1 most active members, so 6, 8 and 11 look alike."""
    nodes, edges = _members({7: 8, 12: 6, 3: 11})
    fig = network.network_figure(nodes, edges, POLICY)
    dots = {t.name: len(t.x) for t in fig.data if t.mode == "markers"}
    assert dots == {"Group 7": 6, "Group 12": 6, "Group 3": 6}
    drawn = network.drawn_members(nodes, POLICY)
    assert drawn[drawn["group_id"] == 3]["events"].min() == nodes[nodes["group_id"] == 3]["events"].nlargest(6).min()


def test_a_group_with_few_members_in_scope_is_not_drawn():
    """A council user's network holds only their own members: 3 dots of a group of 7 would
    count their own members exactly, and the group size less them the other councils'."""
    nodes, edges = _members({7: 3, 12: 9})
    fig = network.network_figure(nodes, edges, POLICY)
    assert {t.name: len(t.x) for t in fig.data if t.mode == "markers"} == {"Group 12": 6}
    assert "1 group has 5 or fewer members in your scope and is not drawn." in fig.layout.title.text
    alone = network.network_figure(*_members({7: 3}), POLICY)
    assert not [t for t in alone.data if t.mode == "markers"]
    assert alone.layout.annotations[0].text.startswith("1 group has 5 or fewer")


def test_node_hover_protects_small_counts():
    nodes, edges = _members({7: 6})
    fig = network.network_figure(nodes, edges, POLICY)
    hovers = [t for trace in fig.data if trace.mode == "markers" for t in trace.text]
    # Members with 1 to 5 events show "c", never the number.
    assert any("Events: c" in h for h in hovers)
    assert not any(f"Events: {n}<" in h for n in range(1, 6) for h in hovers)


def test_the_layout_is_the_same_every_time_and_keeps_groups_apart():
    nodes, edges = _members({7: 8, 12: 6, 3: 7})
    a = network.layout(nodes, edges, [7, 12, 3])
    b = network.layout(nodes.sample(frac=1, random_state=1), edges.sample(frac=1, random_state=2), [7, 12, 3])
    merged = a.merge(b, on="person_key")
    assert merged["x_x"].to_numpy() == pytest.approx(merged["x_y"].to_numpy())
    assert merged["y_x"].to_numpy() == pytest.approx(merged["y_y"].to_numpy())
    boxes = a.groupby("group_id").agg(x0=("x", "min"), x1=("x", "max"), y0=("y", "min"), y1=("y", "max"))
    for g, h in combinations(boxes.index, 2):
        p, q = boxes.loc[g], boxes.loc[h]
        assert p.x1 < q.x0 or q.x1 < p.x0 or p.y1 < q.y0 or q.y1 < p.y0, f"groups {g} and {h} overlap"


def test_the_profile_hides_small_breakdowns_and_the_places_table():
    group = _groups({7: 9}).iloc[0]
    mix = pd.DataFrame([
        ("age_band", "14-15", 6), ("age_band", "16-17", 3), ("sex", "F", 7), ("sex", "M", 2),
        ("looked_after", "Looked after", 3), ("looked_after", "Not looked after", 6),
        ("offence_group", "Robbery", 2), ("rhi_theme", "CCE", 12),
    ], columns=["dimension", "category", "n"])
    monthly = pd.DataFrame({"month": pd.date_range("2026-01-01", periods=6, freq="MS"), "events": [9, 0, 1, 8, 7, 2]})
    places = pd.DataFrame([{"place_id": "PL-1", "name": "Park", "category": "park", "locality": "Huddersfield",
                            "lat": 53.6, "lon": -1.8, "events": 14, "found_here": 9, "rhi_mentions": 3, "offences": 2,
                            "people": 4, "last_event_at": pd.Timestamp("2026-09-01")}])
    prof = network.profile(group, mix, monthly, places, POLICY)
    tables = dict(prof.mixes)
    ages = tables["Age band"].set_index("Age band")["Members"]
    # 3 is suppressed, and so is 6: the group size (9) would give it away.
    assert ages.tolist() == [disclosure.SUPPRESSED, disclosure.SUPPRESSED]
    assert tables["Offences by type"]["Offences"].tolist() == [disclosure.SUPPRESSED]
    assert tables["Return interview themes"]["Interviews"].tolist() == ["12"]
    metrics = dict((label, value) for label, value, _ in prof.metrics)
    assert metrics["Members"] == "9" and metrics["Looked after"] == disclosure.SUPPRESSED
    assert prof.places.loc[0, "Named in RHIs"] == disclosure.SUPPRESSED
    assert prof.places.loc[0, "Events"] == "14"
    # The quarter January-March has 10 events (shown), April-June 17.
    assert [v for v in prof.trend.data[0].y] == [10, 17]


def test_postcode_districts_and_localities_are_shown_as_written_not_as_codes():
    group = _groups({7: 9}).iloc[0].copy()
    group["districts"], group["localities"] = ["HD1", "WF13"], ["Batley and Spen", "NORTH EAST"]
    mix = pd.DataFrame([("district", "HD1", 12), ("district", "WF13", 9), ("locality", "NORTH EAST", 21)],
                       columns=["dimension", "category", "n"])
    prof = network.profile(group, mix, pd.DataFrame({"month": [], "events": []}), pd.DataFrame(), POLICY)
    assert "Postcode districts: HD1, WF13." in prof.subtitle and "Localities: Batley and Spen, NORTH EAST." in prof.subtitle
    tables = dict(prof.mixes)
    assert tables["Events by postcode district"]["Events by postcode district"].tolist() == ["HD1", "WF13"]
    assert tables["Events by locality"]["Events by locality"].tolist() == ["NORTH EAST"]


def test_a_cross_border_group_says_how_many_councils_and_others_say_nothing():
    assert network.cross_border(pd.Series({"councils": 2, "is_cross_border": True})) == \
        "cross-border: children from 2 councils"
    assert network.cross_border(pd.Series({"councils": 1, "is_cross_border": False})) == ""
    assert network.cross_border(pd.Series({"size": 7})) == ""  # a build before the flag


def test_members_outside_the_scope_are_a_count_suppressed_like_any_other():
    assert network.others_note(pd.DataFrame({"members": [3]}), POLICY).startswith("Other members: c ")
    assert network.others_note(pd.DataFrame({"members": [12]}), POLICY).startswith("Other members: 12 ")
    assert network.others_note(pd.DataFrame({"members": [0]}), POLICY) is None  # the force: nobody outside
    assert network.others_note(pd.DataFrame({"members": []}), POLICY) is None


def test_the_drill_down_names_each_members_owner_only_in_a_build_of_several_councils():
    members = pd.DataFrame({"person_key": ["a", "b"], "owner_code": ["E08000034", "E23000010"], "events": [3, 1]})
    geo = type("Geo", (), {"la_code": "E23000010", "name": "West Yorkshire"})
    owners = network.owner_names({"E08000034": "Kirklees"}, geo)
    assert network.members_table(members, owners)["owner"].tolist() == ["Kirklees", "West Yorkshire (police records)"]
    assert network.members_table(members, network.owner_names({}, geo)).columns.tolist() == ["person_key", "events"]


def test_a_dot_never_tells_one_hidden_count_from_another():
    """Dots are sized from the counts as shown: every "c" (0 to 5) the same size, so the size
    cannot give a hidden count back."""
    nodes = pd.DataFrame({"group_id": [7] * 6, "person_key": [f"{i:016x}" for i in range(6)],
                          "events": [1, 3, 5, 0, 20, 40], "recent_events": [0] * 6})
    edges = pd.DataFrame(columns=["person_a", "person_b", "weight"])
    fig = network.network_figure(nodes, edges, POLICY)
    sizes = dict(zip(nodes["events"], next(t for t in fig.data if t.mode == "markers").marker.size))
    assert sizes[0] == sizes[1] == sizes[3] == sizes[5]
    assert sizes[5] < sizes[20] < sizes[40]


def _title_lines(fig) -> list[str]:
    return [re.sub(r"<[^>]+>", "", line) for line in fig.layout.title.text.split("<br>")]


def test_chart_titles_fit_a_projector_a_line_at_a_time():
    """At 1024 px the network's title has the page's width and the quarterly chart half of it
    (about 60 and 30 characters): longer lines were cut off."""
    nodes, edges = _members({7: 6})
    for hidden, ending in ((1, "1 smaller group is not drawn."), (5, "5 smaller groups are not drawn.")):
        lines = _title_lines(network.network_figure(nodes, edges, POLICY, hidden_groups=hidden))
        assert lines[-1] == ending and max(map(len, lines)) <= 70, lines
    monthly = pd.DataFrame({"month": pd.date_range("2026-01-01", periods=6, freq="MS"), "events": [9, 0, 1, 8, 7, 2]})
    lines = _title_lines(network.trend_figure(monthly, POLICY))
    assert lines == ["Events by quarter", "Gaps: too few to show"]
