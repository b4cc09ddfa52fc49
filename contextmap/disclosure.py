"""Disclosure control: the one place every count passes through on its way to a user.

Every count reaching this module is already cell-key perturbed (``contextmap.cellkey``,
applied by ``contextmap.queries.run``): a count of 6 or more shows within 2 of the truth,
the same records always giving the same figure, so two views can no longer be
subtracted to reveal a small group. Counts 0 to ``suppress_max`` are not perturbed.
Then three rules, applied in this order:

1. **Primary suppression.** A count from 0 to ``suppress_max`` (default 5, the DfE
   children's services convention) is shown as ``"c"``: "fewer than 6". Zero is hidden
   too, so that no "c" is known to be at least 1: otherwise a "c" year over five "c"
   months would make each month exactly 1, and a shown total over more "c" parts than it
   can hold would pin them all (``tests/test_attack_certainty.py``).
2. **Secondary suppression.** When figures are shown together with a total (parts of a
   row and the row's total; rows of a column and a total row; several breakdowns of one
   figure), a hidden cell could be worked out by subtraction. More cells are hidden,
   the next smallest non-zero part first (standard practice: it costs the least
   information), until every hidden count from 1 to ``suppress_max`` could take a range
   of at least ``suppress_max`` values given everything visible. The ranges are measured
   as if the reader knew every such "c" is at least 1 and every zero is 0 (more than a
   reader knows, so the rule errs on the safe side). Tables with totals both ways are
   checked with linear programming, the interval audit statistical offices run.
3. **Rounding (optional).** At small geographies (LSOA, postcode sector, single place)
   counts that are shown can be rounded to the nearest ``round_base``. A rounded value
   never lands in the suppressed range: 6 and 7 show as 10, not as 5, so a shown number
   is never mistaken for a small count.

Rates and percentages are hidden when their numerator or denominator is. Maps and
charts take :func:`protect_counts` (hidden values become NaN, drawn as gaps or as
"suppressed" areas, never as zero) or :func:`map_values` (value, label and status).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from contextmap import cellkey, fmt, settings

SUPPRESSED = "c"
# Geographies small enough that rounding applies when it is switched on.
SMALL_LEVELS = frozenset({"lsoa", "sector", "place"})
# Above this many hidden cells the linear-programming audit is skipped (the line rule
# still applies); dashboard tables are far smaller.
_LP_MAX_HIDDEN = 150

Cell = Hashable


@dataclass(frozen=True)
class Line:
    """An additive relation shown to the reader: ``sum(parts) == total``.

    ``exact=False`` says the total also includes things not shown (so only
    ``sum(parts) <= total`` is known), e.g. an "all events" column beside some sources.
    """

    parts: tuple[Cell, ...]
    total: Cell
    exact: bool = True


@dataclass(frozen=True)
class Policy:
    """Suppression settings; hashable because it is part of every cache key.

    Attributes
    ----------
    suppress_max : int
        Counts from 0 to this are suppressed (shown as "c").
    ptable_path : str
        A p-table file for cell-key perturbation (ONS layout); empty for the built-in one.
    round_small_areas : bool
        Round shown counts at LSOA, sector and place level.
    round_base : int
        Rounding base (5: the nearest 5).
    """

    suppress_max: int = 5
    round_small_areas: bool = False
    round_base: int = 5
    ptable_path: str = ""

    @classmethod
    def from_settings(cls) -> Policy:
        """The policy in ``contextmap.toml`` ``[privacy]``."""
        p = settings.current().privacy
        return cls(suppress_max=p.suppress_max, round_small_areas=p.round_small_areas, round_base=p.round_base,
                   ptable_path=str(p.ptable) if p.ptable else "")

    def ptable(self) -> np.ndarray:
        """The cell-key p-table: a data controller's own (``[privacy] ptable``) or the built-in one."""
        if self.ptable_path:
            return _read_ptable(self.ptable_path, self.suppress_max)
        return cellkey.builtin_ptable(self.suppress_max)

    def rounds(self, level: str | None) -> bool:
        """Whether shown counts at ``level`` are rounded."""
        return self.round_small_areas and self.round_base > 1 and level in SMALL_LEVELS


@lru_cache(maxsize=4)
def _read_ptable(path: str, suppress_max: int) -> np.ndarray:
    return cellkey.read_ptable(Path(path), suppress_max)


def _missing(n) -> bool:
    return n is None or (not isinstance(n, str) and bool(pd.isna(n)))


def is_suppressed(n, policy: Policy) -> bool:
    """Whether the count ``n`` is shown as "c" (0..suppress_max).

    None or NaN means "not applicable" and is not suppressed.
    """
    if _missing(n):
        return False
    return 0 <= float(n) <= policy.suppress_max


def _needs_protection(n, policy: Policy) -> bool:
    """A hidden count that stands for children (1..suppress_max): secondary suppression
    protects these; a hidden zero identifies nobody."""
    return is_suppressed(n, policy) and float(n) > 0


def round_count(n: float, policy: Policy, level: str | None = None) -> float:
    """Round a shown count at a small level; never into the suppressed range."""
    if _missing(n) or n == 0 or not policy.rounds(level):
        return n
    base = policy.round_base
    nearest = base * math.floor(float(n) / base + 0.5)
    smallest_shown = base * (policy.suppress_max // base + 1)
    return float(max(nearest, smallest_shown))


def fmt_count(n, policy: Policy, level: str | None = None) -> str:
    """A count as text: ``"1,234"``, ``"c"`` when suppressed, ``"—"`` when not applicable."""
    if _missing(n):
        return "—"
    if is_suppressed(n, policy):
        return SUPPRESSED
    return fmt.number(round_count(n, policy, level))


def protect_rate(num, den, policy: Policy) -> float | None:
    """``num / den``, or None when either is suppressed or missing, or ``den`` is 0."""
    if _missing(num) or _missing(den) or float(den) == 0:
        return None
    if is_suppressed(num, policy) or is_suppressed(den, policy):
        return None
    return float(num) / float(den)


def protect_share(num, den, policy: Policy) -> float | None:
    """A share of a whole (``num`` counts part of what ``den`` counts), at most 1.

    Cell-key perturbation moves the part and the whole independently, so a part can show
    one or two more than its whole (a group that is all looked after); the share is then 100%.
    """
    share = protect_rate(num, den, policy)
    return None if share is None else min(share, 1.0)


def legend(policy: Policy) -> str:
    """The key printed under every table, chart, map and export."""
    text = (
        f"{SUPPRESSED} = 0 to {policy.suppress_max} (fewer than {policy.suppress_max + 1}), suppressed to protect "
        "children's identities; "
        "some larger figures are also shown as c so that totals cannot reveal a hidden one. "
        f"Other figures may be moved by up to {cellkey.MAX_PERTURBATION} (always the same way for the same "
        "children or events), so comparing two views cannot reveal a hidden one: totals may differ slightly "
        "from the sum of their parts. Rates and percentages are not shown where their parts are hidden."
    )
    if policy.round_small_areas and policy.round_base > 1:
        text += (
            f" Counts for LSOAs, postcode sectors and places are rounded to the nearest {policy.round_base} "
            "(so they may not add up)."
        )
    return text


# --- secondary suppression -------------------------------------------------------------


def _interval_width_in_line(line: Line, values: Mapping[Cell, float], hidden: set) -> float:
    """How precisely one line alone pins down its hidden parts (every hidden cell >= 1)."""
    hidden_parts = [c for c in line.parts if c in hidden]
    total_hidden = line.total in hidden
    if total_hidden:
        # Visible parts alone add up to a hidden total: it is recovered.
        return 0.0 if not hidden_parts and line.exact else math.inf
    if not hidden_parts:
        return math.inf
    if len(hidden_parts) == 1 and line.exact:
        return 0.0
    # Each hidden part is at least 1 and at most what the others leave of the slack.
    slack = values[line.total] - sum(values[c] for c in line.parts if c not in hidden)
    return slack - len(hidden_parts)


def _next_to_hide(line: Line, values: Mapping[Cell, float], hidden: set) -> Cell | None:
    """The smallest visible non-zero part of ``line``; the total when no part is left."""
    candidates = [c for c in line.parts if c not in hidden and values[c] > 0]
    if candidates:
        return min(candidates, key=lambda c: (values[c], str(c)))
    return line.total if line.total not in hidden else None


def _usable(line: Line, values: Mapping[Cell, float]) -> bool:
    return all(not _missing(values[c]) for c in (*line.parts, line.total))


def suppress_cells(values: Mapping[Cell, float], lines: Sequence[Line], policy: Policy) -> set:
    """The set of cells to hide: primary suppression, then secondary until safe.

    Parameters
    ----------
    values : mapping
        Cell id → count (NaN for not applicable; such cells and their lines are ignored).
    lines : sequence of Line
        The additive relations a reader can see (rows, columns, breakdowns with totals).
    policy : Policy

    Returns
    -------
    set
        Cell ids to show as ``"c"`` besides the zeros. Every hidden cell can take a range
        of at least ``policy.suppress_max`` values given the shown cells, the lines and
        that every hidden count is at least 1.
    """
    hidden = {c for c, v in values.items() if _needs_protection(v, policy)}
    lines = [ln for ln in lines if _usable(ln, values)]
    need = policy.suppress_max
    while True:
        changed = True
        while changed:
            changed = False
            for line in lines:
                touched = line.total in hidden or any(c in hidden for c in line.parts)
                if touched and _interval_width_in_line(line, values, hidden) < need:
                    extra = _next_to_hide(line, values, hidden)
                    if extra is not None:
                        hidden.add(extra)
                        changed = True
        if not _coupled(lines, hidden) or len(hidden) > _LP_MAX_HIDDEN:
            return hidden
        weak = next((c for c, w in _widths(values, lines, hidden) if w < need), None)
        if weak is None:
            return hidden
        extra = _widen(weak, values, lines, hidden)
        if extra is None:
            return hidden
        hidden.add(extra)


def _coupled(lines: Sequence[Line], hidden: set) -> bool:
    """Whether a hidden cell sits in two lines: then the lines constrain each other and the
    line-by-line rule is not enough (the linear programme decides). Otherwise each line's
    hidden cells are independent of every other line's, and the rule above is exact."""
    seen: set = set()
    for line in lines:
        cells = {c for c in (*line.parts, line.total) if c in hidden}
        if seen & cells:
            return True
        seen |= cells
    return False


def _widen(cell: Cell, values, lines, hidden) -> Cell | None:
    """Another cell to hide so that ``cell`` is less pinned down.

    Looks at the lines through ``cell`` first, then (when those have nothing left to
    hide) at lines reached through other hidden cells, nearest first; within a step the
    smallest candidate wins.
    """
    frontier, seen_cells, seen_lines = [cell], {cell}, set()
    while frontier:
        reached = [i for i, ln in enumerate(lines) if i not in seen_lines
                   and any(c == ln.total or c in ln.parts for c in frontier)]
        seen_lines.update(reached)
        options = [c for c in (_next_to_hide(lines[i], values, hidden) for i in reached) if c is not None]
        if options:
            return min(options, key=lambda c: (values[c], str(c)))
        frontier = [c for i in reached for c in (*lines[i].parts, lines[i].total)
                    if c in hidden and c not in seen_cells]
        seen_cells.update(frontier)
    return None


def interval_widths(values: Mapping[Cell, float], lines: Sequence[Line], hidden: set) -> dict[Cell, float]:
    """For each hidden cell, max − min of the values it could take (linear programming).

    A reader knows every shown value, every line, and that each hidden count is at least
    1. Lines whose total includes unseen things (``exact=False``) give inequalities.
    """
    return dict(_widths(values, lines, hidden))


def _widths(values, lines, hidden):
    """Yield (cell, width) one hidden cell at a time, so a caller can stop at the first weak one."""
    from scipy.optimize import linprog

    cells = sorted(hidden, key=str)
    index = {c: i for i, c in enumerate(cells)}
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for line in lines:
        if not _usable(line, values) or not (line.total in hidden or any(c in hidden for c in line.parts)):
            continue
        row = np.zeros(len(cells))
        rhs = 0.0
        for c in line.parts:
            if c in hidden:
                row[index[c]] += 1
            else:
                rhs -= values[c]
        if line.total in hidden:
            row[index[line.total]] -= 1
        else:
            rhs += values[line.total]
        (a_eq if line.exact else a_ub).append(row)
        (b_eq if line.exact else b_ub).append(rhs)
    kwargs = {
        "A_eq": np.array(a_eq) if a_eq else None, "b_eq": np.array(b_eq) if b_eq else None,
        "A_ub": np.array(a_ub) if a_ub else None, "b_ub": np.array(b_ub) if b_ub else None,
        "bounds": [(1, None)] * len(cells), "method": "highs",
    }
    for c, i in index.items():
        objective = np.zeros(len(cells))
        objective[i] = 1
        low = linprog(objective, **kwargs)
        if low.status == 2:  # infeasible: the shown figures are not additive, so nothing is pinned
            yield c, math.inf
            continue
        high = linprog(-objective, **kwargs)
        yield c, (math.inf if high.status == 3 else -high.fun - low.fun)


# --- frames ----------------------------------------------------------------------------


def frame_lines(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    total_col: str | None = None,
    total_row: Hashable | None = None,
    parts: Sequence[str] | None = None,
    exact: bool = True,
) -> list[Line]:
    """The additive lines of a table; cells are ``(index label, column)`` pairs.

    ``total_col`` is the sum of ``parts`` (default: the other count columns) in each row;
    ``total_row`` is the index label of a row that sums every other row, column by column.
    """
    lines = []
    if total_col is not None:
        part_cols = list(parts) if parts is not None else [c for c in count_cols if c != total_col]
        for label in df.index:
            lines.append(Line(tuple((label, c) for c in part_cols), (label, total_col), exact))
    if total_row is not None:
        others = [label for label in df.index if label != total_row]
        for col in count_cols:
            lines.append(Line(tuple((label, col) for label in others), (total_row, col), True))
    return lines


def _hidden_mask(df, count_cols, policy, total_col, total_row, parts, exact) -> pd.DataFrame:
    if not df.index.is_unique:
        raise ValueError("protect_frame needs a unique index (reset_index() first)")
    values = {(label, c): _as_float(df.at[label, c]) for label in df.index for c in count_cols}
    lines = frame_lines(df, count_cols, total_col, total_row, parts, exact)
    hidden = suppress_cells(values, lines, policy)
    mask = pd.DataFrame(False, index=df.index, columns=list(count_cols))
    for label, col in hidden:
        mask.at[label, col] = True
    return mask


def _as_float(v) -> float:
    return math.nan if _missing(v) else float(v)


def protect_frame(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    policy: Policy,
    level: str | None = None,
    total_col: str | None = None,
    total_row: Hashable | None = None,
    parts: Sequence[str] | None = None,
    exact: bool = True,
    rates: Mapping[str, tuple[str, str]] | None = None,
    rate_format: Callable[[float], str] = fmt.percent,
) -> pd.DataFrame:
    """A copy of ``df`` ready to show: count (and rate) columns become display strings.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw counts, one row per area, place, month… (index must be unique).
    count_cols : list of str
        Columns holding counts; each becomes text ("1,234", "c", "—" for not applicable).
    policy : Policy
    level : str, optional
        Geography of the rows ('lsoa', 'sector', 'place' are rounded when the policy says so).
    total_col : str, optional
        A column that is the total of the other count columns (or of ``parts``) in each row.
    total_row : hashable, optional
        Index label of a row that is the column-wise total of all other rows.
    parts : list of str, optional
        The columns that add up to ``total_col`` when not all other count columns do.
    exact : bool
        False when ``total_col`` also counts things not in the table (e.g. an "all events"
        column beside only some of the sources): the reader then only knows parts ≤ total.
    rates : dict, optional
        Rate column → (numerator column, denominator column): shown with ``rate_format``
        only when both parts are shown and the denominator is not zero.

    Returns
    -------
    pandas.DataFrame
        Same rows and columns; other columns untouched.
    """
    mask = _hidden_mask(df, count_cols, policy, total_col, total_row, parts, exact)
    out = df.copy()
    for col in count_cols:
        out[col] = [
            SUPPRESSED if mask.at[label, col] else fmt_count(df.at[label, col], policy, level) for label in df.index
        ]
    for rate_col, (num, den) in (rates or {}).items():
        out[rate_col] = [
            _rate_text(df.at[label, num], df.at[label, den], mask.at[label, num] or mask.at[label, den], rate_format)
            for label in df.index
        ]
    return out


def _rate_text(num, den, hidden: bool, rate_format) -> str:
    if hidden:
        return SUPPRESSED
    if _missing(num) or _missing(den) or float(den) == 0:
        return "—"
    return rate_format(float(num) / float(den))


def protect_counts(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    policy: Policy,
    level: str | None = None,
    total_col: str | None = None,
    total_row: Hashable | None = None,
    parts: Sequence[str] | None = None,
    exact: bool = True,
    with_status: bool = False,
) -> pd.DataFrame:
    """Like :func:`protect_frame` but numeric, for charts and maps: hidden counts are NaN.

    With ``with_status``, each count column ``x`` gains ``x_status``: "suppressed",
    "shown" or "no data", so a map can draw suppressed areas as suppressed, not as zero.
    """
    mask = _hidden_mask(df, count_cols, policy, total_col, total_row, parts, exact)
    out = df.copy()
    for col in count_cols:
        raw = pd.Series([_as_float(v) for v in df[col]], index=df.index, dtype=float)
        hidden = [mask.at[label, col] or is_suppressed(raw[label], policy) for label in df.index]
        out[col] = pd.Series(
            [math.nan if h else round_count(raw[label], policy, level) for h, label in zip(hidden, df.index)],
            index=df.index, dtype=float,
        )
        if with_status:
            out[f"{col}_status"] = [
                "suppressed" if h else ("no data" if math.isnan(raw[label]) else "shown")
                for h, label in zip(hidden, df.index)
            ]
    return out


def map_values(counts: pd.Series, policy: Policy, level: str | None = None) -> pd.DataFrame:
    """Per area: ``value`` (NaN when hidden), ``label`` (text for a tooltip) and ``status``.

    ``status`` is "suppressed", "shown" or "no data"; colour suppressed areas with their
    own hatch or grey and the label "suppressed", never as zero.
    """
    frame = counts.to_frame("n").reset_index(drop=True)
    protected = protect_counts(frame, ["n"], policy, level=level, with_status=True)
    labels = ["suppressed" if s == "suppressed" else fmt_count(v, policy, level) if s == "shown" else "no data"
              for s, v in zip(protected["n_status"], frame["n"])]
    return pd.DataFrame(
        {"value": protected["n"].to_numpy(), "label": labels, "status": protected["n_status"].to_numpy()},
        index=counts.index,
    )


def protect_breakdowns(
    total, breakdowns: Mapping[str, pd.Series], policy: Policy, level: str | None = None
) -> tuple[str, dict[str, pd.Series]]:
    """Several breakdowns of one figure shown together (by age, by sex…), protected jointly.

    Each breakdown's parts add up to ``total``; a cell hidden in one breakdown cannot be
    recovered from the total and its own breakdown's shown parts.

    Returns
    -------
    (str, dict)
        The total as text, and each breakdown as a Series of text with the same index.
    """
    values: dict[Cell, float] = {"total": _as_float(total)}
    lines = []
    for name, series in breakdowns.items():
        cells = tuple((name, k) for k in series.index)
        values.update({(name, k): _as_float(v) for k, v in series.items()})
        lines.append(Line(cells, "total"))
    hidden = suppress_cells(values, lines, policy)

    def show(cell) -> str:
        return SUPPRESSED if cell in hidden else fmt_count(values[cell], policy, level)

    shown = {
        name: pd.Series([show((name, k)) for k in series.index], index=series.index, dtype=object)
        for name, series in breakdowns.items()
    }
    return show("total"), shown


_WHOLE = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)$")


def visible_counts(texts: Iterable[str]) -> list[float]:
    """Whole numbers shown as text ("1,234" → 1234.0); "c", "—", rates and percentages are skipped."""
    return [float(str(t).strip().replace(",", "")) for t in texts if _WHOLE.match(str(t).strip())]
