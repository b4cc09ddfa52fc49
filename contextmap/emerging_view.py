"""Emerging hot spots as the Map, the Overview and the pack show them.

Each unit's recent count is of the quarter so far (``pipelines.hotspots.emerging``): at a
quarter's first month it is that month's cell and at the quarter's end the quarter's, the
same cells (count and cell key) the Map and Places show for those periods, hidden wherever
those pages hide them (:mod:`contextmap.event_counts`).

A two-month window is no period a reader can open, and its count is never shown. Hiding
it only at the ceiling of its months was not enough: a window hidden so says it holds more
than 5, and the quarter less its third month can say it holds at most 6, which pins it
(``tests/test_attack_certainty.py`` found such a window on the force sample).

"Recent vs usual" is worked out from figures the pages show (:func:`shown_ratio`): the
window's shown count against its baseline's quarters as the Map or Places show them, a "c"
quarter as anything from 0 to 5 (so the ratio may be a range). The mart's ratio of true
counts gave the true baseline back, and a ratio of the baseline's own shown count gave that
count away, which set against the next quarter's baseline told a "c" quarter was not empty.
Worked out from shown figures only, the ratio tells a reader nothing the Map does not.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from contextmap import disclosure, event_counts, fmt, period_guard
from contextmap.filters import Filters, period_start
from contextmap.queries import Query


def window_label(row) -> str:
    """A row's window in words: "October 2026", or "October 2026 to November 2026": the
    quarter so far, from its quarter's first month (the mart's windows are no other)."""
    month_to = fmt.first_of_month(row["month_to"])
    return fmt.period_label(period_start(month_to, "quarter"), month_to)


def is_two_months(recent_months) -> bool:
    """Whether a window is a quarter's first two months, whose count is never shown."""
    return int(recent_months) == 2


def _view_events(query: Query, level: str, f: Filters, policy: disclosure.Policy) -> pd.Series:
    """Each unit's events of filters ``f`` as the Places page or the Map shows them."""
    if level == "place":
        return event_counts.place_events(query, f, policy).set_index("place_id")["events"]
    return event_counts.area_events(query, f, policy, level).set_index("code")["events"]


def guard_windows(query: Query, rows: pd.DataFrame, month_to, locality: str,
                  policy: disclosure.Policy) -> pd.DataFrame:
    """``rows`` of ``emerging_hotspots`` or ``overview_emerging`` (``level``, ``unit_code``,
    ``recent_events``, ``recent_months``) as they may be shown: a two-month window's count
    missing (not shown), a month's or a quarter's hidden wherever the Map or the Places page
    hides that same cell (:mod:`contextmap.event_counts`)."""
    out = rows.copy()
    two = rows["recent_months"].map(is_two_months).astype(bool)
    out["recent_events"] = out["recent_events"].astype("Float64").where(~two).astype("Int64")
    for (level, months), mine in rows[~two].groupby(["level", "recent_months"]).groups.items():
        period = "month" if int(months) == 1 else "quarter"
        f = Filters(pd.Timestamp(month_to).date(), period=period, locality=locality)
        shown = _view_events(query, level, f, policy).reindex(rows.loc[mine, "unit_code"]).to_numpy()
        hidden = pd.isna(shown) | (shown <= policy.suppress_max)
        out.loc[mine[hidden], "recent_events"] = period_guard.hidden_value(policy)
    return out


def shown_ratio(row, policy: disclosure.Policy, level: str) -> tuple[float, float] | None:
    """A row's "recent vs usual", the least and most it can be (most inf when it has none),
    from what the pages show: the window's shown events per month against the baseline's
    per month, as its quarters show (:func:`add_baselines`, a "c" quarter 0 to
    ``suppress_max``). None unless the window's count is shown (a two-month window's never
    is) and the baseline has quarters."""
    if disclosure.fmt_count(row["recent_events"], policy, level) in (disclosure.SUPPRESSED, "—"):
        return None
    months, bmonths = row["recent_months"], row["baseline_months"]
    if pd.isna(months) or pd.isna(bmonths) or not months or not bmonths:
        return None
    recent = disclosure.round_count(float(row["recent_events"]), policy, level) / float(months)
    least = float(row["baseline_shown"]) / float(bmonths)
    most = (float(row["baseline_shown"]) + policy.suppress_max * int(row["baseline_hidden"])) / float(bmonths)
    if not most:
        return None
    return recent / most, (recent / least if least else math.inf)


def ratio_text(row, policy: disclosure.Policy, level: str) -> str | None:
    """A row's ratio in words for a tooltip: "2.5× its baseline", "2.1–2.6× its baseline"
    (some of its quarters are "c"), "at least 4.8× its baseline" (all are); None when no
    ratio is shown (:func:`shown_ratio`)."""
    ratio = shown_ratio(row, policy, level)
    return None if ratio is None else f"{fmt.ratio_range(*ratio)} its baseline"


def _baseline_quarters(month_to, baseline_months: int) -> list:
    """The first months of the quarters a baseline of ``baseline_months`` before the quarter
    of ``month_to`` is made of (the first may hold months before the data, which count 0)."""
    start = period_start(fmt.first_of_month(month_to), "quarter")
    months = pd.date_range(end=start - relativedelta(months=1), periods=int(baseline_months), freq="MS").date
    return sorted({period_start(m, "quarter") for m in months})


def add_baselines(query: Query, rows: pd.DataFrame, month_to, locality: str,
                  policy: disclosure.Policy) -> pd.DataFrame:
    """``rows`` with each baseline as the Map (areas) or Places (places) show its quarters:
    ``baseline_shown``, the sum of its shown quarters' events (as rounded on screen), and
    ``baseline_hidden``, how many of its quarters are "c". The ratio is worked out from
    these alone, never from the mart's baseline: two baselines a quarter apart differ by a
    quarter in and a quarter out, so their counts, given away by the ratio, told a "c"
    quarter was not empty."""
    out = rows.assign(baseline_shown=0.0, baseline_hidden=0)
    for (level, months), part in rows.groupby(["level", "baseline_months"]):
        for quarter in _baseline_quarters(month_to, months):
            f = Filters(quarter, period="quarter", locality=locality)
            events = _view_events(query, level, f, policy).reindex(part["unit_code"]).to_numpy(dtype=float)
            hidden = np.isnan(events) | (events <= policy.suppress_max)
            shown = [0.0 if h else disclosure.round_count(n, policy, level) for h, n in zip(hidden, events)]
            out.loc[part.index, "baseline_shown"] += shown
            out.loc[part.index, "baseline_hidden"] += hidden.astype(int)
    return out


def window_text(row, policy: disclosure.Policy, level: str) -> str:
    """A row's recent events in words for a tooltip: "12 events in October 2026", or why
    a two-month window's are not shown."""
    if is_two_months(row["recent_months"]):
        return f"events in {window_label(row)} not shown (the pages show months and quarters, not two months)"
    return f"{disclosure.fmt_count(row['recent_events'], policy, level)} events in {window_label(row)}"


def level_rows(query: Query, level: str, month_to, locality: str, policy: disclosure.Policy) -> pd.DataFrame:
    """The Map's ``emerging_hotspots`` rows of ``level`` as at ``month_to``, windows guarded,
    with their baselines' quarters as shown (:func:`add_baselines`)."""
    rows = query("emerging_hotspots", level=level, month_to=month_to, locality=locality)
    return add_baselines(query, guard_windows(query, rows, month_to, locality, policy), month_to, locality, policy)


def flagged(query: Query, month_to, locality: str, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    """The ``top`` units the emerging test flags as at ``month_to``, windows guarded, strongest
    first: by q value, then the shown recent count (never the true one), then code; with
    their baselines' quarters as shown (:func:`add_baselines`)."""
    rows = guard_windows(query, query("overview_emerging", month_to=month_to, locality=locality),
                         month_to, locality, policy)
    ordered = rows.sort_values(["q_value", "recent_events", "unit_code"], ascending=[True, False, True], kind="stable")
    return add_baselines(query, ordered.head(top).reset_index(drop=True), month_to, locality, policy)
