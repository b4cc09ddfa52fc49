"""Relative Rate Index: how much more often one group appears than the reference group.

RRI = (events in the group ÷ its children aged 10–17) ÷ (the same for the reference
group), as youth justice services report disproportionality (reference: White). The
interval is the delta method on the log scale: for event counts (episodes, offences,
which a child can have many of) the Poisson rate ratio, SE = √(1/a + 1/b); for counts of
distinct children (a proportion of the group) the risk ratio,
SE = √(1/a − 1/n_a + 1/b − 1/n_b).
"""

from __future__ import annotations

import math

import pandas as pd
from scipy.stats import norm

from contextmap import settings
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


def load_population() -> pd.DataFrame:
    """The configured population file: ``ethnic_group``, optional ``sex``, ``children_10_17``."""
    df = pd.read_csv(settings.current().disproportionality.population, comment="#")
    df.columns = [c.strip() for c in df.columns]
    return df


def population_by(dimension: str, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Children aged 10–17 per group of ``dimension`` (``ethnic_group``, ``sex`` or ``looked_after``)."""
    pop = load_population() if population is None else population
    total = float(pop["children_10_17"].sum())
    if dimension == "looked_after":
        la = float(settings.current().disproportionality.looked_after_10_17)
        return pd.DataFrame({"group": ["Looked after", "Not looked after"], "children": [la, total - la]})
    if dimension not in pop:
        return pd.DataFrame({"group": pd.Series(dtype=str), "children": pd.Series(dtype=float)})
    out = pop.groupby(dimension, as_index=False)["children_10_17"].sum()
    return out.rename(columns={dimension: "group", "children_10_17": "children"})


def population_for(dimension: str, council: str | None = None) -> pd.DataFrame:
    """Children aged 10–17 per group of ``dimension`` in a scope: the configured figures for
    the whole build, none for one council (the file is the build's, not any council's own
    children by group, and the build's would be the wrong denominator for one council's counts)."""
    if council is not None:
        return pd.DataFrame({"group": pd.Series(dtype=str), "children": pd.Series(dtype=float)})
    return population_by(dimension)


def reference_for(dimension: str) -> str:
    """The configured reference group of a dimension."""
    cfg = settings.current().disproportionality
    return {
        "ethnic_group": cfg.reference_ethnic_group,
        "sex": cfg.reference_sex,
        "looked_after": "Not looked after",
    }[dimension]


DIMENSIONS = {"ethnic_group": "Ethnic group", "sex": "Sex", "looked_after": "Looked-after status"}


def _label(dimension: str, group) -> str:
    return label(group, "sex") if dimension == "sex" else str(group)


def protected_table(counts: pd.DataFrame, dimension: str, kind: str, policy,
                    council: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The RRI table as shown, and the numbers behind it for :func:`forest_figure`.

    Counts go through disclosure control; ratios are given only where readable. A council
    scope (``council``) has no population by group (:func:`population_for`), so its
    groups are counted with no rate or ratio.

    ``counts`` has ``grp`` and ``events`` (or ``children`` when ``kind == "children"``).
    A group whose count is hidden gets no rate or ratio either: rate × population would
    give the count back.
    """
    from contextmap import disclosure, fmt

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
