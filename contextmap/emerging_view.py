"""Emerging hot spots as the Map, the Overview and the pack show them.

Each unit's recent count is of the quarter so far (``pipelines.hotspots.emerging``): at a
quarter's first month it is that month's cell and at the quarter's end the quarter's, the
same cells (count and cell key) the Map and Places show for those periods, hidden wherever
those pages hide them (:mod:`contextmap.event_counts`).

A two-month window is no period a reader can open, and its count is never shown. Hiding
it only at the ceiling of its months was not enough: a window hidden so says it holds more
than 5, and the quarter less its third month can say it holds at most 6, which pins it
(``tests/test_attack_certainty.py`` found such a window on the force sample).

"Recent vs usual" is worked out from the counts as shown (:func:`shown_ratio`), never from
the mart's ratio of true counts, which gave the true baseline back: only when the window's
count and the baseline's are both shown, and the baseline, which the ratio gives away, is
guarded against the quarters it is made of (:func:`guard_baselines`).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from dateutil.relativedelta import relativedelta

from contextmap import disclosure, event_counts, fmt, period_guard
from contextmap import hotspot_stats as hs
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


def shown_ratio(row, policy: disclosure.Policy, level: str) -> float | None:
    """A row's "recent vs usual" (``hotspot_stats.shown_rate_ratio``) from its counts as shown:
    None unless the window's count and the baseline's are both shown. The row must be
    guarded (:func:`guard_windows`), so a two-month window, whose count is not shown, has none."""
    return hs.shown_rate_ratio(row["recent_events"], row["recent_months"], row["baseline_events"],
                               row["baseline_months"], policy, level)


def ratio_text(row, policy: disclosure.Policy, level: str) -> str | None:
    """A row's ratio in words for a tooltip: "2.5× its baseline"; "no ratio: its baseline's
    events are c" when the window's count is shown and the baseline's is not (a baseline of 0
    is "c" too, so "none before" is never said; one hidden by :func:`guard_baselines` reads
    the same); None when the window's count is not shown."""
    ratio = shown_ratio(row, policy, level)
    if ratio is not None:
        return f"{fmt.ratio(ratio)} its baseline"
    if disclosure.fmt_count(row["recent_events"], policy, level) in (disclosure.SUPPRESSED, "—"):
        return None
    return f"no ratio: its baseline's events are {disclosure.SUPPRESSED}"


def _baseline_quarters(month_to, baseline_months: int) -> list:
    """The first months of the quarters a baseline of ``baseline_months`` before the quarter
    of ``month_to`` is made of (the first may hold months before the data, which count 0)."""
    start = period_start(fmt.first_of_month(month_to), "quarter")
    months = pd.date_range(end=start - relativedelta(months=1), periods=int(baseline_months), freq="MS").date
    return sorted({period_start(m, "quarter") for m in months})


def _period_counts(query: Query, level: str) -> Callable[[Filters], pd.DataFrame]:
    """A period's events per unit of ``level`` (``unit_code``) and its sources', as the Map
    (areas) or Places (places) count them: the cells the emerging mart adds up."""
    if level == "place":
        def fetch(f: Filters) -> pd.DataFrame:
            return query("place_counts", f)[["place_id", *event_counts.PLACE["counts"]]].rename(
                columns={"place_id": "unit_code"})
    else:
        def fetch(f: Filters) -> pd.DataFrame:
            return query("area_events", f, level=level)[["code", *event_counts.AREA["counts"]]].rename(
                columns={"code": "unit_code"})
    return fetch


def guard_baselines(query: Query, rows: pd.DataFrame, month_to, locality: str,
                    policy: disclosure.Policy) -> pd.DataFrame:
    """``rows`` (guarded by :func:`guard_windows`) with a baseline's count hidden ("c", so no
    ratio) where, given away by its ratio, it would pin the quarters it is made of as the Map
    and Places show them: a baseline shown 42 over eight "c" quarters makes each 5
    (:func:`contextmap.period_guard.hide_over_periods`). Only rows that would show a ratio
    (both counts shown) are looked at."""
    out = rows.copy()
    if rows.empty:
        return out
    shown = [shown_ratio(row, policy, row["level"]) is not None for _, row in rows.iterrows()]
    mine_all = pd.Series(shown, index=rows.index, dtype=bool)
    for (level, months), part in rows[mine_all].groupby(["level", "baseline_months"]):
        periods = [Filters(q, period="quarter", locality=locality, data_end=fmt.first_of_month(month_to))
                   for q in _baseline_quarters(month_to, months)]
        spec = event_counts.PLACE if level == "place" else event_counts.AREA
        guarded = period_guard.hide_over_periods(part[["unit_code", "baseline_events"]].rename(
            columns={"baseline_events": "events"}), _period_counts(query, level), periods, policy,
            keys=["unit_code"], counts=["events"], additive=["events"], within=spec["within"])
        out.loc[part.index, "baseline_events"] = guarded["events"].to_numpy()
    return out


def window_text(row, policy: disclosure.Policy, level: str) -> str:
    """A row's recent events in words for a tooltip: "12 events in October 2026", or why
    a two-month window's are not shown."""
    if is_two_months(row["recent_months"]):
        return f"events in {window_label(row)} not shown (the pages show months and quarters, not two months)"
    return f"{disclosure.fmt_count(row['recent_events'], policy, level)} events in {window_label(row)}"


def level_rows(query: Query, level: str, month_to, locality: str, policy: disclosure.Policy) -> pd.DataFrame:
    """The Map's ``emerging_hotspots`` rows of ``level`` as at ``month_to``, windows guarded."""
    rows = query("emerging_hotspots", level=level, month_to=month_to, locality=locality)
    return guard_baselines(query, guard_windows(query, rows, month_to, locality, policy), month_to, locality, policy)


def flagged(query: Query, month_to, locality: str, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    """The ``top`` units the emerging test flags as at ``month_to``, windows guarded, strongest
    first: by q value, then the shown recent count (never the true one), then code."""
    rows = guard_windows(query, query("overview_emerging", month_to=month_to, locality=locality),
                         month_to, locality, policy)
    ordered = rows.sort_values(["q_value", "recent_events", "unit_code"], ascending=[True, False, True], kind="stable")
    return guard_baselines(query, ordered.head(top).reset_index(drop=True), month_to, locality, policy)
