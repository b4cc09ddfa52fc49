"""UK formatting for numbers, percentages and months ("1,234", "84%", "March 2025"), and
data-derived text made safe to show through Markdown."""

from __future__ import annotations

import re
import string
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


def ratio(value) -> str:
    """A rate ratio as people read it: "2.5×", "12×", ">100×"; "new (none before)" when the
    earlier rate was zero (the ratio is undefined)."""
    if value is None or pd.isna(value):
        return "new (none before)"
    if value > 100:
        return ">100×"
    if value >= 10:
        return f"{value:.0f}×"
    return f"{value:.1f}".removesuffix(".0") + "×"


def first_of_month(value) -> date:
    """The first day of the month of ``value``."""
    ts = pd.Timestamp(value)
    return date(ts.year, ts.month, 1)


# CommonMark lets a backslash escape any ASCII punctuation: escaping all of it leaves no
# image, link, heading, emphasis, HTML, LaTeX ($) or Streamlit colour (:red[...]) markup.
_MD_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
# Bidirectional controls reorder how text reads on screen ("Trojan Source"); ingest removes them too.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def md_escape(value) -> str:
    """``value`` as literal text for ``st.markdown``, ``st.caption``, headings and labels.

    Every data-derived string shown through Markdown (place, area and group names,
    themes, notes) goes through this; the result reads exactly as the value did, on one
    line, and is never rendered as markup or fetched as a link.
    """
    text = " ".join(BIDI_CONTROLS.sub("", str(value)).split())
    return _MD_PUNCTUATION.sub(r"\\\1", text)
