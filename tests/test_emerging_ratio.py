"""The emerging hot spots' "recent vs usual" gives no count back that the Map does not show.

The mart's ``baseline_monthly`` and ``rate_ratio`` are of true counts: with the shown recent
count, its months and the ratio as ``fmt.ratio`` rounds it, a reader worked the true baseline
back to within one or two, a small one ("c") included. A ratio of the baseline's perturbed
count gave that count away instead, and two baselines a quarter apart (a quarter in, a
quarter out) then told a "c" quarter was not empty. The pages now work the ratio out from
the window's shown count and the baseline's quarters as the Map shows them, a "c" quarter
as 0 to 5. Here on a mart of units built to tell these apart.
"""

from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from contextmap import cellkey, disclosure, emerging_view, event_counts, fmt, map_view, pack_collect, queries
from contextmap.filters import Filters
from pipelines.hotspots.emerging import COLUMNS

POLICY = disclosure.Policy(suppress_max=5)
# A quarter's first month: the window is that month alone (no two-month window, no guard query).
MONTH = date(2026, 10, 1)
BASELINE_MONTHS = 24


def _key(count: int, shift: int) -> int:
    """A cell key that moves ``count`` by ``shift`` in the built-in p-table."""
    table = POLICY.ptable()
    for key in range(cellkey.KEY_RANGE):
        if cellkey.perturb(np.array([[count]]), np.array([[key]]), table)[0, 0] == count + shift:
            return key
    raise AssertionError(f"no cell key moves {count} by {shift}")


# unit: (true recent, its shift, true baseline, its shift). "small": a baseline of 5 or fewer
# (the old ratio 8 × 24 / 5 = 38× gave 5 back); "large": 100 shown as 102 (4.7×; true 4.8×);
# "edge": 40 shown as 42 over eight quarters each "c" on the Map; "mixed": a baseline over
# quarters the Map shows 12 and "c" in turn.
UNITS = {"small": (8, 0, 5, 0), "large": (20, 0, 100, 2), "edge": (20, 0, 40, 2), "mixed": (20, 0, 60, 0)}
# The Map's events of each unit in every quarter and month before the window (as shown); for
# "mixed", in the quarters starting in January and July, and in the others.
MAP_EVENTS = {"small": {"quarter": 0, "month": 0}, "large": {"quarter": 12, "month": 4},
              "edge": {"quarter": 4, "month": 1}}
MIXED = ({"quarter": 12, "month": 4}, {"quarter": 3, "month": 1})


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.execute("create table mart_emerging_hotspots (" + ", ".join(f"{c} {t}" for c, t in COLUMNS.items()) + ")")
    for code, (recent, r_shift, baseline, b_shift) in UNITS.items():
        row = {c: None for c in COLUMNS} | {
            "level": "ward", "unit_code": code, "unit_name": code, "locality": "Town", "month_to": MONTH,
            "recent_months": 1, "baseline_months": BASELINE_MONTHS, "recent_events": recent,
            "baseline_events": baseline, "recent_events_ckey": _key(recent, r_shift),
            "baseline_events_ckey": _key(baseline, b_shift) if baseline > POLICY.suppress_max else 7,
            "recent_monthly": recent, "baseline_monthly": baseline / BASELINE_MONTHS,
            "rate_ratio": recent * BASELINE_MONTHS / baseline, "p_value": 1e-4, "q_value": 1e-3, "label": "New",
            "is_emerging": True, "is_hot_now": True, "hot_months": 1, "series_months": 25, "method": "test",
        }
        con.execute(f"insert into mart_emerging_hotspots ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                    list(row.values()))
    yield con
    con.close()


def _true_baselines(recent: int, text: str) -> list[int]:
    """Every true baseline (0 to 200) a reader who knew the recent count would get ``text`` from
    with the mart's ratio of true counts."""
    return [b for b in range(201) if fmt.ratio(recent * BASELINE_MONTHS / b if b else None) == text]


def _run(con, name: str, **params) -> pd.DataFrame:
    """The pages' queries on the mart above; the Map's events of the baseline's periods from ``MAP_EVENTS``
    and of the window's month from ``UNITS``."""
    if name == "area_events":
        period = "month" if params["month_from"] == params["month_to"] else "quarter"
        # The window's own month as the Map shows it (the recent count), or a period before it.
        mixed = MIXED[params["month_from"].month in (4, 5, 6, 10, 11, 12)]
        events = ([UNITS[code][0] for code in UNITS] if params["month_to"] >= MONTH
                  else [MAP_EVENTS.get(code, mixed)[period] for code in UNITS])
        # Every event from one source (the guard sets the events against their sources').
        return pd.DataFrame({"code": list(UNITS), "events": events,
                             **{s: events if s == "missing_from" else 0 for s in event_counts.AREA_SOURCES}})
    return queries.run(con, name, policy=POLICY, **params)


def _shown(con) -> tuple[dict, dict]:
    """Each unit's Map tooltip line and pack "Recent vs usual", as the pages make them."""
    query = queries.bind(con, run=_run)
    rows = emerging_view.level_rows(query, "ward", MONTH, "All", POLICY).set_index("unit_code", drop=False)
    lines = {code: map_view._class_line("emerging", row, POLICY, "ward") for code, row in rows.iterrows()}
    table = pack_collect._emerging(query, Filters(MONTH), POLICY, top=10).set_index("Place or area")
    return lines, table["Recent vs usual"].to_dict()


def test_the_queries_return_no_baseline_count_nor_ratio_of_true_counts(con):
    for name in ("emerging_hotspots", "overview_emerging"):
        columns = set(queries.run(con, name, policy=POLICY, level="ward", month_to=MONTH, locality="All").columns)
        assert not columns & {"baseline_monthly", "recent_monthly", "rate_ratio", "p_value"}, name
        assert not columns & {"baseline_events", "baseline_events_ckey"}, name  # the ratio gave it away
        assert {"baseline_months", "recent_events", "recent_months"} <= columns, name


def test_a_baseline_whose_quarters_are_all_c_gives_a_least_ratio(con):
    """Whatever its true baseline (5, or 40 shown as 42), a unit whose baseline's quarters
    are "c" on the Map reads "at least": its usual is at most 5 a quarter."""
    lines, pack = _shown(con)
    recent = UNITS["small"][0]
    # The old line: the shown recent count over the true baseline per month, which pins it.
    assert len(_true_baselines(recent, fmt.ratio(recent * BASELINE_MONTHS / UNITS["small"][2]))) <= 2
    for unit, ratio in (("small", "at least 4.8×"), ("edge", "at least 12×")):  # 8 (20) a month against 40 in 24
        assert f", {ratio} its baseline (" in lines[unit], lines[unit]
        assert pack[unit] == ratio
    assert f"{recent} events in October 2026" in lines["small"]


def test_the_ratio_is_of_the_quarters_the_map_shows(con):
    lines, pack = _shown(con)
    recent, _, baseline, shift = UNITS["large"]
    # 20 a month against eight quarters shown 12: 5×, where the mart's baseline (100, shown
    # 102) would say 4.8× (4.7×): that ratio gave the baseline's count away.
    assert fmt.ratio(recent * BASELINE_MONTHS / baseline) == "4.8×"
    assert fmt.ratio(recent * BASELINE_MONTHS / (baseline + shift)) == "4.7×"
    assert ", 5× its baseline (" in lines["large"], lines["large"]
    assert pack["large"] == "5×"


def test_c_quarters_make_the_ratio_a_range(con):
    lines, pack = _shown(con)
    # Four quarters shown 12 and four "c" (0 to 5 each): 48 to 68 in 24 months.
    assert ", 7.1–10× its baseline (" in lines["mixed"], lines["mixed"]
    assert pack["mixed"] == "7.1–10×"


def test_the_ratio_needs_the_windows_count_shown():
    row = {"recent_events": 12, "recent_months": 3, "baseline_shown": 48, "baseline_hidden": 0, "baseline_months": 24}
    assert emerging_view.shown_ratio(row, POLICY, "ward") == pytest.approx((2.0, 2.0))
    assert emerging_view.shown_ratio(row | {"baseline_hidden": 2}, POLICY, "ward") == pytest.approx((4 / (58 / 24), 2.0))
    assert emerging_view.shown_ratio(row | {"baseline_shown": 0, "baseline_hidden": 8}, POLICY, "ward") \
        == pytest.approx((4 / (40 / 24), math.inf))
    for recent in (5, 0, pd.NA, math.nan, None):
        assert emerging_view.shown_ratio(row | {"recent_events": recent}, POLICY, "ward") is None, recent
    assert emerging_view.shown_ratio(row | {"baseline_shown": 0, "baseline_months": 0}, POLICY, "ward") is None
    rounded = disclosure.Policy(suppress_max=5, round_small_areas=True)
    # At a small level the window's count is as rounded on screen (12 → 10).
    assert emerging_view.shown_ratio(row, rounded, "lsoa") == pytest.approx(((10 / 3) / 2, (10 / 3) / 2))


@pytest.mark.parametrize(("least", "most", "text"), [
    (2.04, 2.01, "2×"), (2.1, 2.6, "2.1–2.6×"), (4.8, math.inf, "at least 4.8×"), (12, 150, "at least 12×"),
    (120, math.inf, ">100×"), (None, None, "—")])
def test_a_ratio_range_reads_as_people_say_it(least, most, text):
    assert fmt.ratio_range(least, most) == text
