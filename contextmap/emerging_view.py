"""Emerging hot spots as the Map, the Overview and the pack show them.

Each unit's recent count is of the quarter so far (``pipelines.hotspots.emerging``): at a
quarter's first month it is that month's cell and at the quarter's end the quarter's, the
same cells (count and cell key) the Map and Places show for those periods, hidden wherever
those pages hide them (:mod:`contextmap.event_counts`).

A two-month window is no period a reader can open, and its count is never shown. Hiding
it only at the ceiling of its months was not enough: a window hidden so says it holds more
than 5, and the quarter less its third month can say it holds at most 6, which pins it
(``tests/test_attack_certainty.py`` found such a window on the force sample).
"""

from __future__ import annotations

import pandas as pd

from contextmap import disclosure, event_counts, fmt, period_guard
from contextmap.filters import Filters
from contextmap.queries import Query


def window_start(month_to, recent_months: int):
    """The first month of a window of ``recent_months`` to ``month_to``: its quarter's."""
    return fmt.first_of_month(pd.Timestamp(month_to) - pd.DateOffset(months=int(recent_months) - 1))


def window_label(row) -> str:
    """A row's window in words: "October 2026", or "October 2026 to November 2026"."""
    return fmt.period_label(window_start(row["month_to"], row["recent_months"]), row["month_to"])


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


def window_text(row, policy: disclosure.Policy, level: str) -> str:
    """A row's recent events in words for a tooltip: "12 events in October 2026", or why
    a two-month window's are not shown."""
    if is_two_months(row["recent_months"]):
        return f"events in {window_label(row)} not shown: two months are no period the pages show"
    return f"{disclosure.fmt_count(row['recent_events'], policy, level)} events in {window_label(row)}"


def level_rows(query: Query, level: str, month_to, locality: str, policy: disclosure.Policy) -> pd.DataFrame:
    """The Map's ``emerging_hotspots`` rows of ``level`` as at ``month_to``, windows guarded."""
    rows = query("emerging_hotspots", level=level, month_to=month_to, locality=locality)
    return guard_windows(query, rows, month_to, locality, policy)


def flagged(query: Query, month_to, locality: str, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    """The ``top`` units the emerging test flags as at ``month_to``, windows guarded, strongest
    first: by q value, then the shown recent count (never the true one), then code."""
    rows = guard_windows(query, query("overview_emerging", month_to=month_to, locality=locality),
                         month_to, locality, policy)
    ordered = rows.sort_values(["q_value", "recent_events", "unit_code"], ascending=[True, False, True], kind="stable")
    return ordered.head(top).reset_index(drop=True)
