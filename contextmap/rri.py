"""Relative Rate Index: how much more often one group appears than the reference group.

RRI = (events in the group ÷ its children aged 10–17) ÷ (the same for the reference
group), as youth justice services report disproportionality (reference: White). The
interval is the delta method on the log scale: for event counts (episodes, offences,
which a child can have many of) the Poisson rate ratio, SE = √(1/a + 1/b); for counts of
distinct children (a proportion of the group) the risk ratio,
SE = √(1/a − 1/n_a + 1/b − 1/n_b).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from contextmap import auth, cellkey, disclosure, fmt, period_guard, settings
from contextmap.filters import Filters
from contextmap.labels import label

TOO_SMALL = "Too few to read"
NO_POPULATION = "No population figure"
REFERENCE = "Reference group"


def log_se(a: float, b: float, n_a: float, n_b: float, kind: str = "events") -> float:
    """Standard error of log(RRI) for counts ``a`` (group) and ``b`` (reference) over populations ``n_a``, ``n_b``."""
    if kind == "children":
        return math.sqrt(max(1 / a - 1 / n_a + 1 / b - 1 / n_b, 0.0))
    return math.sqrt(1 / a + 1 / b)


def rri_table(
    counts: pd.DataFrame,
    population: pd.DataFrame,
    reference: str,
    *,
    kind: str = "events",
    alpha: float = 0.05,
    min_events: int = 10,
) -> pd.DataFrame:
    """One row per group with its rate per 1,000 children, RRI and interval.

    Parameters
    ----------
    counts : DataFrame with ``group`` and ``events`` (events or distinct children).
    population : DataFrame with ``group`` and ``children`` (children aged 10–17).
    reference : the group every rate is divided by.
    kind : ``"events"`` (Poisson rate ratio) or ``"children"`` (risk ratio).
    alpha : 0.05 gives 95% intervals.
    min_events : below this in the group or the reference, no ratio is given.

    Returns
    -------
    DataFrame with ``group, events, children, rate_per_1000, rri, ci_low, ci_high, note``;
    groups in either input appear once; a group without a ratio has a ``note`` saying why.
    """
    df = population[["group", "children"]].merge(counts[["group", "events"]], on="group", how="outer")
    df["events"] = df["events"].fillna(0).astype(int)
    df["rate_per_1000"] = [1000 * e / c if c and c > 0 else math.nan for e, c in zip(df["events"], df["children"])]
    ref = df[df["group"] == reference]
    b = float(ref["events"].iloc[0]) if len(ref) else 0.0
    n_b = float(ref["children"].iloc[0]) if len(ref) and pd.notna(ref["children"].iloc[0]) else 0.0
    z = norm.ppf(1 - alpha / 2)
    rri, low, high, note = [], [], [], []
    for row in df.itertuples():
        a, n_a = float(row.events), row.children
        if pd.isna(n_a) or n_a <= 0 or n_b <= 0:
            values, why = (math.nan,) * 3, NO_POPULATION
        elif a < min_events or b < min_events:
            values, why = (math.nan,) * 3, TOO_SMALL
        elif row.group == reference:
            values, why = (1.0, math.nan, math.nan), REFERENCE
        else:
            ratio = (a / n_a) / (b / n_b)
            se = log_se(a, b, n_a, n_b, kind)
            values, why = (ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)), ""
        rri.append(values[0])
        low.append(values[1])
        high.append(values[2])
        note.append(why)
    return df.assign(rri=rri, ci_low=low, ci_high=high, note=note)


def reading(row) -> str:
    """The RRI of one row in words, saying when the interval includes 1 (no clear difference)."""
    if row.note in (TOO_SMALL, NO_POPULATION):
        return row.note
    if row.note == REFERENCE:
        return "Reference group (1.00)"
    if row.ci_low > 1:
        return f"{row.rri:.2f} times the reference rate (clearly higher)"
    if row.ci_high < 1:
        return f"{row.rri:.2f} times the reference rate (clearly lower)"
    return f"{row.rri:.2f} times the reference rate (no clear difference)"


class PopulationError(ValueError):
    """The population file or ``looked_after_10_17`` holds a bad value; the message says where."""


COUNT = "children_10_17"
# An ONS area code: a council (E06, E07, E08, E09, W06...) or a police force area (E23).
ONS_CODE = re.compile(r"[EWSN]\d{8}")


def load_population() -> pd.DataFrame:
    """The configured population file: ``ethnic_group``, optional ``sex`` and ``council_code``,
    ``children_10_17`` (a whole number, 0 or more), checked row by row.

    Raises :class:`PopulationError` naming the file, the line and the column of a bad value:
    a missing column, a count that is not a whole number of 0 or more, or a council code
    that is not an ONS area code. Rows of councils outside the build are kept (one file
    may serve several builds) and never used (:func:`denominators`).
    """
    path = settings.current().disproportionality.population
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = [(n, line) for n, line in enumerate(fh, start=1) if line.strip() and not line.startswith("#")]
    except OSError:
        raise PopulationError(f"Population file {path} ([disproportionality] population) cannot be read.") from None
    if not lines:
        raise PopulationError(f"Population file {path} is empty.")
    header_line, rows = lines[0][0], list(csv.DictReader(line for _, line in lines))
    columns = [c.strip() for c in next(csv.reader([lines[0][1]]))]
    for need in ("ethnic_group", COUNT):
        if need not in columns:
            raise PopulationError(f"Population file {path}, line {header_line}: there is no column {need} "
                                  f"(columns: {', '.join(columns)}).")
    out = []
    for (number, _), raw in zip(lines[1:], rows):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        count = row.get(COUNT, "")
        if not count.isdigit():
            raise PopulationError(f"Population file {path}, line {number}, column {COUNT}: {count!r} is not "
                                  "a whole number of children (0 or more).")
        if "council_code" in row and not ONS_CODE.fullmatch(row["council_code"]):
            raise PopulationError(f"Population file {path}, line {number}, column council_code: "
                                  f"{row['council_code']!r} is not an ONS area code (such as E08000034).")
        out.append({**row, COUNT: int(count)})
    return pd.DataFrame(out, columns=columns).astype({COUNT: int})


@dataclass(frozen=True)
class Denominators:
    """The children aged 10–17 a scope's counts are divided by.

    ``population`` holds the scope's rows of the population file (none when the scope has
    no figures); ``looked_after`` the scope's looked-after children aged 10–17 (None when
    not configured for it); ``whose`` names whose figures they are; ``problem`` and
    ``looked_after_problem`` say plainly why there are no rates (empty when there are).
    """

    population: pd.DataFrame
    looked_after: float | None
    whose: str
    problem: str = ""
    looked_after_problem: str = ""


_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}


def _names(codes, councils: dict[str, str]) -> str:
    names = [councils.get(c, c) for c in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def denominators(council: str | None = None) -> Denominators:
    """The denominators of a scope: one ``council`` (its own rows only) or the whole build (None).

    A file with a ``council_code`` column gives a council its own rows, and the whole build
    either the rows coded with the build's ``la_code`` or, failing those, the sum over its
    councils, only when every council has rows (else no rates, naming the councils
    without). A file without that column is the whole build's, and is used only by a
    one-council build: dividing several councils' counts by one set of figures would give
    wrong rates. ``looked_after_10_17`` follows the same rules: a table by council code, or
    one number for a one-council build.
    """
    cfg = settings.current()
    pop = load_population()
    councils = auth.build_councils()
    la_code = cfg.geography.la_code
    single = len(councils) == 1
    whose = councils.get(council, council) if council else cfg.geography.name if single \
        else f"the {_NUMBERS.get(len(councils), len(councils))} councils"
    empty = pop.iloc[0:0]
    file = Path(cfg.disproportionality.population).name

    if "council_code" not in pop:
        rows, problem = (pop, "") if single else (empty, (
            f"The population file ({file}) has no council_code column, so its figures are one set for one area, "
            f"not each council's children aged 10–17: no rates or ratios for {whose}, counts only."))
    elif not council and (pop["council_code"] == la_code).any():
        rows, problem = pop[pop["council_code"] == la_code], ""
    else:
        codes = [council] if council else list(councils)
        lacking = [c for c in codes if not (pop["council_code"] == c).any()]
        rows = empty if lacking else pop[pop["council_code"].isin(codes)]
        problem = "" if not lacking else (
            f"No rates or ratios for {whose}: the population file ({file}) has no figures for "
            f"{_names(lacking, councils)}. The counts are shown.")

    la_set = cfg.disproportionality.looked_after_10_17
    if isinstance(la_set, dict):
        bad = sorted(c for c in la_set if not ONS_CODE.fullmatch(c))
        if bad:
            raise PopulationError(f"Settings: [disproportionality] looked_after_10_17 names {', '.join(bad)}, "
                                  "not an ONS area code (such as E08000034).")
        codes = [council] if council else [la_code] if la_code in la_set else list(councils)
        lacking = [c for c in codes if c not in la_set]
        looked_after = None if lacking else float(sum(la_set[c] for c in codes))
        la_problem = "" if not lacking else (
            f"No looked-after rates or ratios for {whose}: [disproportionality] looked_after_10_17 "
            f"has no figure for {_names(lacking, councils)}.")
    elif single:
        looked_after, la_problem = float(la_set), ""
    else:
        looked_after, la_problem = None, (
            f"No looked-after rates or ratios for {whose}: [disproportionality] looked_after_10_17 is one "
            "number, not a figure for each council.")
    return Denominators(rows, looked_after, whose, problem, la_problem)


def no_rates_reason(d: Denominators, dimension: str) -> str:
    """Why a scope's table of ``dimension`` has no rates, in plain words (text, not Markdown);
    empty when it has them."""
    return d.problem or (d.looked_after_problem if dimension == "looked_after" else "")


def denominators_note(d: Denominators) -> str:
    """Whose population figures the rates use and where they came from, for under the table (text, not Markdown)."""
    cfg = settings.current().disproportionality
    looked_after = (f"{fmt.number(d.looked_after)} (a local figure the administrator sets)" if d.looked_after is not None
                    else "none configured")
    figures = (f"Children aged 10–17 of {d.whose}: {fmt.number(d.population[COUNT].sum())}. "
               if not d.population.empty else "")
    return (f"{figures}{cfg.population_source} "
            f"Looked-after children aged 10–17 of {d.whose}: {looked_after}.")


def population_by(dimension: str, population: pd.DataFrame, looked_after: float | None) -> pd.DataFrame:
    """Children aged 10–17 per group of ``dimension`` (``ethnic_group``, ``sex`` or ``looked_after``)
    in ``population`` (rows of the population file); the looked-after groups need ``looked_after``."""
    none = pd.DataFrame({"group": pd.Series(dtype=str), "children": pd.Series(dtype=float)})
    if population.empty:
        return none
    if dimension == "looked_after":
        if looked_after is None:
            return none
        total = float(population[COUNT].sum())
        return pd.DataFrame({"group": ["Looked after", "Not looked after"], "children": [looked_after, total - looked_after]})
    if dimension not in population:
        return none
    out = population.groupby(dimension, as_index=False)[COUNT].sum()
    return out.rename(columns={dimension: "group", COUNT: "children"}).astype({"children": float})


def population_for(dimension: str, council: str | None = None) -> pd.DataFrame:
    """Children aged 10–17 per group of ``dimension`` in a scope: one council's own figures,
    or the whole build's (:func:`denominators`); none where the scope has no figures."""
    d = denominators(council)
    return population_by(dimension, d.population, d.looked_after)


def reference_for(dimension: str) -> str:
    """The configured reference group of a dimension."""
    cfg = settings.current().disproportionality
    return {
        "ethnic_group": cfg.reference_ethnic_group,
        "sex": cfg.reference_sex,
        "looked_after": "Not looked after",
    }[dimension]


DIMENSIONS = {"ethnic_group": "Ethnic group", "sex": "Sex", "looked_after": "Looked-after status"}


# Each record is in one group of every dimension, so a dimension's groups add up to the
# same total (the Overview's episodes and children of age bands 10-17, for missing). Not for
# children by looked-after status: a child can be in both groups, so those add up to at
# least the total.
ADDS_UP = {"events": tuple(DIMENSIONS), "children": ("ethnic_group", "sex")}
TOTAL = "total"


def counts(query, f: Filters, policy: disclosure.Policy, dimension: str) -> pd.DataFrame:
    """Events and children per measure and group of ``dimension`` in the period of ``f``
    (``rri_counts``, one read for every dimension), guarded across periods
    (:mod:`contextmap.period_guard`) and across dimensions (:func:`_across_dimensions`).
    Only the period and the scope apply (the query reads no other filter)."""
    shown = period_guard._shown(_guarded(lambda g: query("rri_counts", g), f, policy), ["events", "children"], policy)
    return shown[shown["dimension"] == dimension].drop(columns=["dimension", "row"]).reset_index(drop=True)


def _guarded(fetch, f: Filters, policy: disclosure.Policy) -> pd.DataFrame:
    """``fetch(f)`` masked against its periods' parts, each part masked the same way first,
    then across dimensions: so a period's guard knows which of its parts' groups are hidden."""
    parts = [_guarded(fetch, p, policy) for p in f.parts()]
    rows = fetch(f)
    # One plain key, not three Arrow strings: matching rows to their parts is most of the guard's time.
    rows = rows.assign(row=pd.Series([f"{m}|{d}|{g}" for m, d, g in zip(rows["measure"], rows["dimension"], rows["grp"])],
                                     index=rows.index, dtype=object))
    masked = period_guard._masked(rows, parts, ["row"], ["events", "children"], policy, ["events"])
    return _across_dimensions(masked, policy)


def _others(values: np.ndarray) -> np.ndarray:
    """For each value, the sum of all the others (inf when one of them is)."""
    unbounded = np.isinf(values)
    finite = np.where(unbounded, 0, values)
    return np.where(unbounded.sum() - unbounded > 0, np.inf, finite.sum() - finite)


def _across_dimensions(masked: pd.DataFrame, policy: disclosure.Policy) -> pd.DataFrame:
    """``masked`` (a period's rows with the period guard's flags) with more groups hidden
    where the total would tell more of a group than its own count does.

    A reader knows the total from its own row and from each dimension whose groups add up
    to it (:data:`ADDS_UP`): at least the largest of their least sums, at most the smallest
    of their most. A group is then at least that least less the most of its dimension's
    other groups, and, in a dimension that adds up, at most the total's most less their
    least. When a group's least would exceed what it may be known to be at least (0 for a
    "c": so it is not empty; a count with parts: what its own guard allows) or a hidden
    group's range would close, the smallest shown group of the same dimension is hidden
    too (its most is then unbounded), until none would.
    """
    most = policy.suppress_max
    out = masked.copy()
    for col in ("events", "children"):
        flag, safe_col = period_guard.SECONDARY + col, period_guard.SAFE_LEAST + col
        for _, rows in out.groupby("measure"):
            value = rows[col].to_numpy(dtype=float, na_value=np.nan)
            safe = rows[safe_col].to_numpy(dtype=float)
            dims = rows["dimension"].to_numpy()
            hide = rows[flag].to_numpy(dtype=bool).copy()
            total = dims == TOTAL
            while True:
                plain = (np.isnan(value) | (value <= most)) & ~hide
                low = np.where(plain, 0, np.where(hide, most + 1, np.maximum(most + 1, value - cellkey.MAX_PERTURBATION)))
                high = np.where(plain, most, np.where(hide, np.inf, value + cellkey.MAX_PERTURBATION))
                adds = [d for d in ADDS_UP[col] if (dims == d).any()]
                least = max([low[total].sum(), *(low[dims == d].sum() for d in adds)])
                greatest = min([high[total].sum() if total.any() else np.inf, *(high[dims == d].sum() for d in adds)])
                extra = None
                for d in (d for d in DIMENSIONS if (dims == d).any()):
                    mine = np.flatnonzero(dims == d)
                    known_least = least - _others(high[mine])
                    known_most = greatest - _others(low[mine]) if d in adds else np.full(len(mine), np.inf)
                    told = (known_least > np.where(plain[mine], 0, safe[mine])) | (
                        ~plain[mine] & hide[mine] & (known_most <= np.maximum(most + 1, known_least)))
                    if told.any():
                        # Any other shown group hidden leaves the told ones no bound from the total.
                        shown = [i for i in mine if not hide[i] and not plain[i]]
                        candidates = [i for i in shown if i not in set(mine[told])] or shown
                        if candidates:
                            extra = min(candidates, key=lambda i: value[i])
                            break
                if extra is None:
                    break
                hide[extra] = True
            out.loc[rows.index, flag] = hide
    return out


def _label(dimension: str, group) -> str:
    return label(group, "sex") if dimension == "sex" else str(group)


def protected_table(counts: pd.DataFrame, dimension: str, kind: str, policy,
                    council: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The RRI table as shown, and the numbers behind it for :func:`forest_figure`.

    Counts go through disclosure control; ratios are given only where readable. A scope
    (``council``, or None for the whole build) is divided by its own children aged 10–17
    (:func:`population_for`); where it has none its groups are only counted.

    ``counts`` has ``grp`` and ``events`` (or ``children`` when ``kind == "children"``).
    The counts come perturbed (``queries.run``), and rates and ratios are made from them, so
    they tell no more than the counts shown. A group whose count is hidden gets no rate or
    ratio either: rate × population would give the count back.
    """

    min_events = max(settings.current().disproportionality.min_events, policy.suppress_max + 1)
    column = "children" if kind == "children" else "events"
    raw = counts.rename(columns={"grp": "group", column: "n"})[["group", "n"]].rename(columns={"n": "events"})
    table = rri_table(raw, population_for(dimension, council), reference_for(dimension), kind=kind,
                      alpha=float(settings.current().disruption.alpha), min_events=min_events)
    table = table.sort_values("group", key=lambda g: g.ne(reference_for(dimension))).reset_index(drop=True)
    shown = disclosure.protect_frame(table, ["events"], policy)
    hidden = shown["events"] == disclosure.SUPPRESSED
    out = pd.DataFrame({
        "Group": [_label(dimension, g) for g in table["group"]],
        "Count": shown["events"],
        "Children aged 10–17": [fmt.number(c) for c in table["children"]],
        "Rate per 1,000": ["" if h or pd.isna(r) else fmt.number(r, 1) for r, h in zip(table["rate_per_1000"], hidden)],
        "RRI": ["" if h or pd.isna(r) else f"{r:.2f}" for r, h in zip(table["rri"], hidden)],
        "95% interval": ["" if h or pd.isna(lo) else f"{lo:.2f} to {hi:.2f}"
                         for lo, hi, h in zip(table["ci_low"], table["ci_high"], hidden)],
        "Reading": [TOO_SMALL if h and row.note != NO_POPULATION else reading(row) for row, h in zip(table.itertuples(), hidden)],
    })
    return out, table.assign(label=out["Group"], hidden=hidden)


def forest_figure(table: pd.DataFrame):
    """RRI with intervals on a log axis; groups without a readable ratio are named with the reason."""
    import plotly.graph_objects as go

    fig = go.Figure()
    ok = table[table["rri"].notna() & ~table["hidden"]]
    fig.add_scatter(
        x=ok["rri"], y=ok["label"], mode="markers", marker={"color": "#0072B2", "size": 11}, showlegend=False,
        error_x={"type": "data", "symmetric": False, "array": ok["ci_high"] - ok["rri"],
                 "arrayminus": ok["rri"] - ok["ci_low"], "color": "#0072B2"},
        hovertemplate="%{y}: %{x:.2f}<extra></extra>",
    )
    rest = table[table["rri"].isna() | table["hidden"]]
    if not rest.empty:
        fig.add_scatter(x=[1] * len(rest), y=rest["label"], mode="markers", marker={"opacity": 0},
                        showlegend=False, hoverinfo="skip")
        for row in rest.itertuples():
            why = NO_POPULATION if row.note == NO_POPULATION else TOO_SMALL
            fig.add_annotation(x=0, y=row.label, text=why.lower(), showarrow=False, font={"color": "#555555"})
    # Explicit width and opacity: the simple_white template draws shapes with no line by default.
    fig.add_vline(x=1, line={"color": "#777777", "dash": "dot", "width": 1.5}, opacity=1)
    ticks = [0.25, 0.5, 1, 2, 4, 8]
    low = min([0.5, *ok["ci_low"].dropna()]) / 1.25
    high = max([2.0, *ok["ci_high"].dropna()]) * 1.25
    # Axis ranges on a log axis are given as log10.
    fig.update_xaxes(type="log", range=[math.log10(low), math.log10(high)], tickvals=ticks,
                     ticktext=[f"{t:g}×" for t in ticks], title="Rate relative to the reference group (95% interval)")
    fig.update_yaxes(categoryorder="array", categoryarray=list(table["label"])[::-1], title=None)
    fig.update_layout(template="simple_white", height=max(220, 45 * len(table) + 120), margin={"t": 20})
    return fig
