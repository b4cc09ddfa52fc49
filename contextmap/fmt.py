"""UK formatting for numbers, percentages and months ("1,234", "84%", "March 2025")."""

from __future__ import annotations

from datetime import date

import pandas as pd


def month_label(value) -> str:
    """``date(2025, 3, 1)`` → ``"March 2025"``."""
    ts = pd.Timestamp(value)
    return f"{ts:%B %Y}"


def period_label(start, end) -> str:
    """A month range in words: ``"March 2025"`` or ``"January 2025 to March 2025"``."""
    a, b = month_label(start), month_label(end)
    return a if a == b else f"{a} to {b}"


def number(value, decimals: int = 0) -> str:
    """UK thousands separators; an em dash for missing values."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value:,.{decimals}f}"


def percent(value, decimals: int = 0) -> str:
    """A share (0..1) as a percentage, e.g. ``0.842`` → ``"84%"``."""
    if value is None or pd.isna(value):
        return "—"
    return f"{100 * value:.{decimals}f}%"


def change(current, previous) -> str | None:
    """Signed percentage change in words for a metric delta, or None when undefined."""
    if current is None or previous is None or pd.isna(current) or pd.isna(previous) or previous == 0:
        return None
    pct = 100 * (current - previous) / previous
    return f"{pct:+.0f}%"


def first_of_month(value) -> date:
    """The first day of the month of ``value``."""
    ts = pd.Timestamp(value)
    return date(ts.year, ts.month, 1)
