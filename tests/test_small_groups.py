"""Peer groups too small to show on their own appear only as a count (place profile, area profile, pack)."""

from __future__ import annotations

import pandas as pd

from contextmap import map_view, pack_collect, profile_view
from contextmap.disclosure import Policy
from contextmap.filters import Filters

P = Policy(suppress_max=5)
SMALL = "3 further groups of 5 or fewer members (not shown)"


def _place_groups() -> pd.DataFrame:
    return pd.DataFrame({
        "group_id": [1, 2, 3, 4], "size": pd.array([8, 5, 3, None], dtype="Int64"), "events": [20, 14, 9, 7],
        "people": [6, 4, 3, 2], "last_event_at": pd.to_datetime(["2026-09-03", "2026-08-01", "2026-05-20", None]),
    })


def test_profile_lists_only_groups_above_the_threshold_and_counts_the_rest():
    table = profile_view._groups(_place_groups(), P)
    assert list(table["Group"]) == ["Group 1", SMALL]
    assert table.iloc[0]["Events"] == "20" and table.iloc[1]["Events"] == ""
    # A group whose size is unknown counts as small; nothing about the small groups is shown but the count.
    assert table.iloc[1].drop("Group").eq("").all()


def test_area_profile_groups_without_a_size_are_never_listed():
    table = profile_view._groups(_place_groups().drop(columns=["size", "people"]), P)
    assert list(table["Group"]) == ["4 further groups of 5 or fewer members (not shown)"]


def test_profile_with_only_big_groups_has_no_count_row():
    table = profile_view._groups(_place_groups().assign(size=[8, 9, 10, 6]), P)
    assert list(table["Group"]) == ["Group 1", "Group 2", "Group 3", "Group 4"]


def test_pack_peer_groups_table_lists_big_groups_and_counts_small_ones():
    raw = pd.DataFrame({"group_id": [7, 8, 9], "size": [12, 4, 5], "recent_events": [30, 8, 2],
                        "main_evidence": ["co_offending", "rhi_named", "missing_together"],
                        "localities": [["Huddersfield"], ["Dewsbury"], ["Batley"]],
                        "top_themes": [["CSE"], ["DRUGS"], ["CCE"]]})
    table = pack_collect._peer_groups(lambda *a, **k: raw, Filters(pd.Timestamp("2026-10-01").date()), P, top=10)
    assert list(table["Group"]) == ["Group 7", "2 further groups of 5 or fewer members (not shown)"]
    assert "Dewsbury" not in table.to_string() and "drugs" not in table.to_string()


def test_place_profile_on_the_sample_never_lists_a_small_group(sample_con):
    sizes = dict(sample_con.execute("select group_id, size from mart_peer_groups").fetchall())
    places = [p for (p,) in sample_con.execute("select distinct place_id from mart_place_groups").fetchall()]
    from contextmap import queries

    for place in places:
        table = profile_view._groups(queries.run(sample_con, "place_profile_groups", place_id=place), P)
        listed = table["Group"][table["Group"].str.startswith("Group ")].str.removeprefix("Group ").astype(int)
        assert all(sizes[g] > P.suppress_max for g in listed), place


def test_funnel_whole_area_line_is_drawn_opaque():
    funnel = pd.DataFrame({"area_code": ["A", "B"], "area_name": ["A", "B"], "events": [40, 60],
                           "children_10_17": [1500, 2500], "district_rate_per_1000": [25.0, 25.0],
                           "funnel_class": ["Within limits", "Within limits"]})
    fig = map_view.funnel_figure(funnel, P, "ward")
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert lines and all(s.opacity == 1 for s in lines)
