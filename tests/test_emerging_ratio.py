"""The emerging hot spots' "recent vs usual" gives no true count back.

The mart's ``baseline_monthly`` and ``rate_ratio`` are of true counts: with the shown recent
count, its months and the ratio as ``fmt.ratio`` rounds it, a reader worked the true baseline
back to within one or two, a small one ("c") included. The queries now return both counts
with their cell keys and the pages work the ratio out from the perturbed counts, only when
both are shown. Here on a mart of two units built to tell the two apart: a small true
baseline (hidden) and a large one whose perturbation moves the rounded ratio.
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
# (the old ratio 8 × 24 / 5 = 38× gave 5 back); "large": 100 shown as 102, so the ratio of the
# shown counts (4.7×) is not the one of the true baseline (4.8×).
# "edge": 40 shown as 42 over eight quarters each "c" on the Map: at their ceiling (each would be 5).
UNITS = {"small": (8, 0, 5, 0), "large": (20, 0, 100, 2), "edge": (20, 0, 40, 2)}
# The Map's events of each unit in every quarter and month before the window (as shown).
MAP_EVENTS = {"small": {"quarter": 0, "month": 0}, "large": {"quarter": 12, "month": 4},
              "edge": {"quarter": 4, "month": 1}}


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
        events = ([UNITS[code][0] for code in MAP_EVENTS] if params["month_to"] >= MONTH
                  else [e[period] for e in MAP_EVENTS.values()])
        # Every event from one source (the guard sets the events against their sources').
        return pd.DataFrame({"code": list(MAP_EVENTS), "events": events,
                             **{s: events if s == "missing_from" else 0 for s in event_counts.AREA_SOURCES}})
    return queries.run(con, name, policy=POLICY, **params)


def _shown(con) -> tuple[dict, dict]:
    """Each unit's Map tooltip line and pack "Recent vs usual", as the pages make them."""
    query = queries.bind(con, run=_run)
    rows = emerging_view.level_rows(query, "ward", MONTH, "All", POLICY).set_index("unit_code", drop=False)
    lines = {code: map_view._class_line("emerging", row, POLICY, "ward") for code, row in rows.iterrows()}
    table = pack_collect._emerging(query, Filters(MONTH), POLICY, top=10).set_index("Place or area")
    return lines, table["Recent vs usual"].to_dict()


def test_the_queries_return_no_ratio_or_rate_of_true_counts(con):
    for name in ("emerging_hotspots", "overview_emerging"):
        columns = set(queries.run(con, name, policy=POLICY, level="ward", month_to=MONTH, locality="All").columns)
        assert not columns & {"baseline_monthly", "recent_monthly", "rate_ratio", "p_value"}, name
        assert {"baseline_events", "baseline_months", "recent_events", "recent_months"} <= columns, name


def test_a_small_true_baseline_gives_no_ratio(con):
    lines, pack = _shown(con)
    recent = UNITS["small"][0]
    # The old line: the shown recent count over the true baseline per month, which pins it.
    assert len(_true_baselines(recent, fmt.ratio(recent * BASELINE_MONTHS / UNITS["small"][2]))) <= 2
    assert "×" not in lines["small"] and "no ratio: its baseline's events are c" in lines["small"], lines["small"]
    assert f"{recent} events in October 2026" in lines["small"]
    assert pack["small"] == "—"


def test_a_large_baseline_gives_the_ratio_of_the_shown_counts(con):
    lines, pack = _shown(con)
    recent, _, baseline, shift = UNITS["large"]
    shown = fmt.ratio(recent / 1 / ((baseline + shift) / BASELINE_MONTHS))
    assert shown == "4.7×" and fmt.ratio(recent * BASELINE_MONTHS / baseline) == "4.8×"
    assert f", {shown} its baseline" in lines["large"], lines["large"]
    assert pack["large"] == shown
    # Read as if it were of true counts, the ratio points at the shown baseline (102 or 103),
    # not the true one: the reader gets the perturbed count, and the truth within its ±2.
    consistent = _true_baselines(recent, shown)
    assert baseline not in consistent and baseline + shift in consistent


def test_the_ratio_needs_both_counts_shown():
    from contextmap import hotspot_stats as hs

    assert hs.shown_rate_ratio(12, 3, 48, 24, POLICY) == pytest.approx(2.0)
    for recent, baseline in ((5, 48), (12, 5), (12, 0), (0, 48), (pd.NA, 48), (12, None), (math.nan, 48)):
        assert hs.shown_rate_ratio(recent, 3, baseline, 24, POLICY) is None, (recent, baseline)
    rounded = disclosure.Policy(suppress_max=5, round_small_areas=True)
    # At a small level the ratio is of the counts as rounded on screen (12 → 10, 48 → 50).
    assert hs.shown_rate_ratio(12, 3, 48, 24, rounded, "lsoa") == pytest.approx((10 / 3) / (50 / 24))


def test_a_baseline_at_the_ceiling_of_its_quarters_gives_no_ratio(con):
    """Shown through its ratio, a baseline of 42 (so at least 40) over eight quarters the Map
    shows as "c" (at most 5 each) would make every quarter 5: no ratio then, as for a "c"."""
    lines, pack = _shown(con)
    recent, _, baseline, shift = UNITS["edge"]
    assert fmt.ratio(recent / 1 / ((baseline + shift) / BASELINE_MONTHS)) == "11×"  # what it would say
    assert "×" not in lines["edge"] and "no ratio: its baseline's events are c" in lines["edge"], lines["edge"]
    assert pack["edge"] == "—"
