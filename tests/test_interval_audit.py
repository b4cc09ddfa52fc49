"""Interval audit: what could a reader work out about each "c" from everything shown with it?

For each group of figures shown together (a table with row and column totals; areas ×
months; several breakdowns of one total), the reader knows every shown number, that the
parts add up to their totals, and that a hidden count is at least 1. Zeros are shown as "c"
too, but the audit grants the reader every zero (``known_zeros``): a stronger reader than a
real one, as secondary suppression assumes.
Linear programming (scipy) finds the smallest and largest value each hidden cell could
take; the range must be at least ``suppress_max`` wide, or the cell is as good as shown.

This test re-derives everything from the *display strings*, independently of the
module's own check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from contextmap import disclosure as d

POLICY = d.Policy()


def audit(shown: dict, lines: list[tuple[list, object]], at_most: list[tuple[list, object]] = ()) -> dict:
    """Min and max of every hidden cell given shown values, ``sum(parts) == total`` lines
    and ``sum(parts) <= total`` lines (a total that also counts something not shown)."""
    hidden = sorted((c for c, v in shown.items() if v == d.SUPPRESSED), key=str)
    if not hidden:
        return {}
    idx = {c: i for i, c in enumerate(hidden)}
    rows = {"eq": ([], []), "ub": ([], [])}
    for kind, group in (("eq", lines), ("ub", at_most)):
        for parts, total in group:
            row, rhs = np.zeros(len(hidden)), 0.0
            for cell, sign in [*((p, 1) for p in parts), (total, -1)]:
                if cell in idx:
                    row[idx[cell]] += sign
                else:
                    rhs -= sign * float(shown[cell].replace(",", ""))
            if row.any():
                rows[kind][0].append(row)
                rows[kind][1].append(rhs)
            else:
                assert rhs >= -1e-9 if kind == "ub" else abs(rhs) < 1e-9, "shown figures do not add up"
    kwargs = {"bounds": (1, None), "method": "highs"}
    for kind in ("eq", "ub"):
        if rows[kind][0]:
            kwargs[f"A_{kind}"], kwargs[f"b_{kind}"] = np.array(rows[kind][0]), np.array(rows[kind][1])
    out = {}
    for cell, i in idx.items():
        c = np.zeros(len(hidden))
        c[i] = 1
        lo = linprog(c, **kwargs)
        hi = linprog(-c, **kwargs)
        assert lo.status == 0, "the true values must be feasible"
        out[cell] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def known_zeros(shown: dict, truth: dict) -> dict:
    """``shown`` with every cell whose true count is 0 given back as "0"."""
    return {c: "0" if truth[c] == 0 else v for c, v in shown.items()}


def assert_protected(shown: dict, lines, policy=POLICY, at_most=()):
    for cell, (lo, hi) in audit(shown, lines, at_most).items():
        assert hi - lo >= policy.suppress_max, f"{cell} is pinned to {lo:g}..{hi:g}"


def table_lines(index, columns, total_col="total", total_row="all"):
    parts_cols = [c for c in columns if c != total_col]
    rows = [r for r in index if r != total_row]
    lines = [([(r, c) for c in parts_cols], (r, total_col)) for r in index]
    lines += [([(r, c) for r in rows], (total_row, c)) for c in columns]
    return lines


def shown_cells(frame: pd.DataFrame) -> dict:
    return {(r, c): frame.at[r, c] for r in frame.index for c in frame.columns}


counts = st.one_of(st.just(0), st.integers(1, 5), st.integers(6, 12), st.integers(13, 200))


@st.composite
def areas_by_months(draw):
    areas, months = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    values = draw(st.lists(st.lists(counts, min_size=months, max_size=months), min_size=areas, max_size=areas))
    df = pd.DataFrame(values, index=[f"area{i}" for i in range(areas)], columns=[f"m{j}" for j in range(months)])
    df["total"] = df.sum(axis=1)
    df.loc["all"] = df.sum(axis=0)
    return df


def _with_totals(rows: list[list[int]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, index=[f"area{i}" for i in range(len(rows))], columns=[f"m{j}" for j in range(len(rows[0]))])
    df["total"] = df.sum(axis=1)
    df.loc["all"] = df.sum(axis=0)
    return df


@given(areas_by_months())
# Found by this test: a 1 pinned through a chain of hidden cells none of whose own lines had anything left to hide.
@example(_with_totals([[0, 0, 1], [0, 1, 13], [1, 13, 0]]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_areas_by_months_with_both_totals(df):
    shown = d.protect_frame(df, list(df.columns), POLICY, total_col="total", total_row="all")
    assert_protected(known_zeros(shown_cells(shown), shown_cells(df)), table_lines(df.index, df.columns))


@st.composite
def breakdowns(draw):
    """A total split two ways, e.g. by sex and by age band (cut points of the same total)."""
    sex = draw(st.lists(counts, min_size=1, max_size=5))
    total = sum(sex)
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=0, max_size=4)))
    age = list(np.diff([0, *cuts, total]))
    return total, sex, age


@given(breakdowns())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_two_breakdowns_of_one_total(case):
    total, sex, age = case
    t, parts = d.protect_breakdowns(
        total, {"sex": pd.Series(sex, index=[f"s{i}" for i in range(len(sex))]),
                "age": pd.Series(age, index=[f"a{i}" for i in range(len(age))])}, POLICY)
    shown, truth = {"total": t}, {"total": total}
    lines = []
    for name, series in parts.items():
        shown.update({(name, k): v for k, v in series.items()})
        truth.update({(name, k): v for k, v in zip(series.index, sex if name == "sex" else age)})
        lines.append(([(name, k) for k in series.index], "total"))
    assert_protected(known_zeros(shown, truth), lines)


@st.composite
def places_with_unshown_source(draw):
    """Places × sources where "all events" also counts a source not in the table."""
    n = draw(st.integers(1, 6))
    rows = draw(st.lists(st.lists(counts, min_size=4, max_size=4), min_size=n, max_size=n))
    df = pd.DataFrame(rows, columns=["found_here", "rhi_mentions", "offences", "missing_from"])
    df["events"] = df.sum(axis=1)
    return df


@given(places_with_unshown_source())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_totals_that_count_an_unshown_source(df):
    parts = ["found_here", "rhi_mentions", "offences"]
    shown = d.protect_frame(df, [*parts, "events"], POLICY, total_col="events", parts=parts, exact=False)
    cells = {(r, c): shown.at[r, c] for r in df.index for c in [*parts, "events"]}
    truth = {(r, c): df.at[r, c] for r in df.index for c in [*parts, "events"]}
    assert_protected(known_zeros(cells, truth), [], at_most=[([(r, c) for c in parts], (r, "events")) for r in df.index])


def test_known_hard_case_two_ones_in_a_corner():
    df = pd.DataFrame({"m0": [1, 1, 40], "m1": [1, 1, 40]}, index=["a", "b", "c"])
    df["total"] = df.sum(axis=1)
    df.loc["all"] = df.sum(axis=0)
    shown = d.protect_frame(df, list(df.columns), POLICY, total_col="total", total_row="all")
    assert_protected(shown_cells(shown), table_lines(df.index, df.columns))


def test_audit_catches_an_unprotected_table():
    # Primary suppression alone: a row of 3 and 40 with total 43 gives the 3 away.
    shown = {("r", "a"): "c", ("r", "b"): "40", ("r", "total"): "43"}
    (lo, hi), = audit(shown, [([("r", "a"), ("r", "b")], ("r", "total"))]).values()
    assert lo == hi == 3
