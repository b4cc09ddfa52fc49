"""UK formatting for numbers, percentages and months ("1,234", "84%", "March 2025"), and
data-derived text made safe to show through Markdown."""

from __future__ import annotations

import math
import re
import string
from datetime import date

import pandas as pd


def month_label(value) -> str:
    """``date(2025, 3, 1)`` → ``"March 2025"``; "—" when missing."""
    if value is None or pd.isna(value):
        return "—"
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
    """A rate ratio as people read it: "2.5×", "12×", ">100×"; "—" when there is none (a
    ratio whose count is hidden is never shown, and a baseline of 0 is hidden: zero is "c")."""
    if value is None or pd.isna(value):
        return "—"
    if value > 100:
        return ">100×"
    if value >= 10:
        return f"{value:.0f}×"
    return f"{value:.1f}".removesuffix(".0") + "×"


def ratio_range(least, most) -> str:
    """A ratio known to lie from ``least`` to ``most`` (inf: no most), as :func:`ratio` says
    each: "2.5×" when both read the same, "2.1–2.6×", "at least 4.8×" with no most below
    100; "—" when there is none."""
    if least is None or pd.isna(least):
        return "—"
    low, high = ratio(least), ratio(most)
    if low == high:
        return low
    if math.isinf(most) or most > 100:
        return f"at least {low}"
    return f"{low.removesuffix('×')}–{high}"


def rate_text(rate) -> str:
    """A rate per 1,000 children aged 10–17 in words; "—" when there is none."""
    return "—" if rate is None or pd.isna(rate) else f"{rate:,.1f} per 1,000 children aged 10–17"


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


# Where a hidden count ("c", 0 to 5) sorts among shown ones: below every shown
# count. Every "c" gets the same key, so sorting says nothing the table does not.
HIDDEN_SORT_KEY = 0.5
_NUMBER_TEXT = re.compile(r"^(?P<sign>[+\-−]?)(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<decimals>\.\d+)?(?P<suffix>%|×)?$")
_EMPTY_TEXT = ("—", "")


def _number_formatter(texts: pd.Series):
    """``(values, formatter)`` when every cell of a text column is a number as text, "c" or
    empty, and the formatter gives each cell's text back exactly; else None."""
    values, signed, decimals, suffixes, empty = [], False, 0, set(), "—"
    for text in texts:
        if text is None or (isinstance(text, float) and pd.isna(text)) or text in _EMPTY_TEXT:
            values.append(float("nan"))
            empty = "" if text == "" else empty
            continue
        if not isinstance(text, str):
            return None
        if text == "c":
            values.append(HIDDEN_SORT_KEY)
            continue
        m = _NUMBER_TEXT.match(text)
        if m is None:
            return None
        signed = signed or m["sign"] == "+"
        decimals = max(decimals, len(m["decimals"] or ".") - 1)
        suffixes.add(m["suffix"] or "")
        number = float(m["digits"].replace(",", "") + (m["decimals"] or ""))
        values.append(-number if m["sign"] in "-−" and m["sign"] else number)
    if len(suffixes) != 1:
        return None
    suffix = suffixes.pop()

    def formatter(v) -> str:
        if pd.isna(v):
            return empty
        if v == HIDDEN_SORT_KEY:
            return "c"
        return f"{v:{'+' if signed else ''},.{decimals}f}{suffix}"

    if any(formatter(v) != (t if isinstance(t, str) else empty) for v, t in zip(values, texts)):
        return None
    return values, formatter


def _float_formatter(values: pd.Series):
    shown = values.dropna()
    decimals = next((d for d in range(3) if (shown.round(d) == shown).all()), 2)
    return lambda v: "—" if pd.isna(v) else f"{v:,.{decimals}f}"


def _cell_text(value) -> str:
    """A cell as the grid shows it: missing values read "—" (the grid's placeholder)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return str(value)


def _show_texts(styler, col: str, keys: list, texts: list[str]):
    """Show column ``col`` of ``styler`` (holding ``keys``) as ``texts``, cell by cell.

    One formatter per group of rows in which each key has a single text ("≥ 9.0" and "9.0"
    share the key 9.0, so they go in two groups): a handful of Styler calls, not one a cell."""
    def norm(v):
        return None if pd.isna(v) else float(v)

    groups: list[tuple[dict, list[bool]]] = []
    for i, (key, text) in enumerate(zip(keys, texts)):
        k = norm(key)
        group = next((g for g in groups if g[0].get(k, text) == text), None)
        if group is None:
            group = ({}, [False] * len(keys))
            groups.append(group)
        group[0][k] = text
        group[1][i] = True
    for lookup, rows in groups:
        styler = styler.format(lambda v, lookup=lookup: lookup[norm(v)], subset=pd.IndexSlice[rows, [col]])
    return styler


def _below_the_lowest(values: list[float]) -> list[float] | None:
    """Sort keys for a number column with negatives ("-3%") and empty cells ("—"): the grid
    sorts an empty cell as 0, among the values; these put it below the lowest shown value,
    so it sorts last when highest first. None when the column needs no keys."""
    shown = [v for v in values if not pd.isna(v)]
    if not shown or min(shown) >= 0 or len(shown) == len(values):
        return None
    floor = min(shown) - 1
    return [floor if pd.isna(v) else v for v in values]


def sortable(table: pd.DataFrame, keys: dict | None = None):
    """A display table whose numbers sort as numbers, showing exactly the same text.

    Tables reach the screen as text ("1,234", "c", "+26%", "—"), which a grid sorts as
    text (10, 23, 9, c). This returns a pandas ``Styler`` over numbers with the original
    text as each cell's display value: numeric columns sort numerically, "c" between 0
    and the smallest shown count (:data:`HIDDEN_SORT_KEY`), empty cells last. Columns
    that are not numbers as text are left as they are; other float columns are shown
    with at most two decimals rather than the Styler's six.

    ``keys`` maps a column to the numbers it sorts by, one a row, when its text is not a
    plain number ("≥ 9.0", "Rising"): the grid sorts by them and shows each cell's text as
    it was. A key must come from the shown text alone, never a hidden count. Streamlit's
    grid sorts a missing number as 0 (below every positive one, above a negative one), so
    in a column with negatives ("-3%") an empty cell gets a key below the lowest value.
    """
    keys = dict(keys or {})
    data, formats = table.copy(), {}
    for col in keys:
        data[col] = pd.to_numeric(pd.Series(list(keys[col]), index=table.index, dtype=object), errors="raise")
    for col in table.columns:
        if col in keys:
            continue
        column = table[col]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            parsed = _number_formatter(column)
            if parsed is None:
                continue
            if below := _below_the_lowest(parsed[0]):
                keys[col] = data[col] = below
            else:
                data[col], formats[col] = parsed
        elif pd.api.types.is_float_dtype(column):
            formats[col] = _float_formatter(column)
    if not formats and not keys:
        return data
    styler = data.style.format(formats)
    for col in keys:
        styler = _show_texts(styler, col, data[col].tolist(), [_cell_text(v) for v in table[col]])
    return styler


def shown_number(value) -> float:
    """A count as a reader sees it, as a number to order rows by: "1,234" or 1234 → 1234;
    "c" or NaN (hidden) → :data:`HIDDEN_SORT_KEY`, so every hidden count ranks the same,
    below every shown one; anything else ("—", "") → -1, below those."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "c":
        return HIDDEN_SORT_KEY
    if isinstance(value, str):
        m = _NUMBER_TEXT.match(value.strip())
        return float(m["digits"].replace(",", "")) if m and not m["sign"] and not m["suffix"] else -1.0
    return float(value)


def by_shown(table: pd.DataFrame, counts, neutral, n: int | None = None) -> pd.DataFrame:
    """``table`` ordered by its shown ``counts`` (most first, :func:`shown_number`), ties
    by the ``neutral`` columns (ascending), and cut to the first ``n`` rows when given.

    Rows are ordered and cut only by what the table shows: an order or a cut by true
    counts would tell the order of counts shown as equal, or hidden as "c".
    """
    keys = {f"_shown_{i}": table[c].map(shown_number) for i, c in enumerate(counts)}
    ordered = table.assign(**keys).sort_values([*keys, *neutral], ascending=[False] * len(keys) + [True] * len(neutral),
                                               kind="stable").drop(columns=list(keys))
    return (ordered if n is None else ordered.head(n)).reset_index(drop=True)


def drop_all_hidden(table: pd.DataFrame, labels, noun: str = "row") -> tuple[pd.DataFrame, str | None]:
    """``table`` without the rows whose every figure (each column but ``labels``) is "c",
    and a note of how many were left out (None when none were).

    A row of nothing but "c" tells a reader nothing they can use. Pass the rows the page
    would list anyway, so the number left out tells no more than those rows did.
    """
    figures = [c for c in table.columns if c not in set(labels)]
    blank = table[figures].eq("c").all(axis=1) if figures else pd.Series(False, index=table.index)
    left_out = int(blank.sum())
    note = (f"{left_out:,} {noun}{'' if left_out == 1 else 's'} with every figure hidden (c) "
            f"{'is' if left_out == 1 else 'are'} not listed.") if left_out else None
    return table[~blank].reset_index(drop=True), note
