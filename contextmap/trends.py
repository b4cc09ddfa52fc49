"""Monthly series for the Trends page and the meeting pack: any measure, split by one dimension.

``series`` turns the raw rows of a ``trend_*`` query into a protected frame (hidden
counts become gaps), with a rolling 3-month figure and the same month last year, both
left blank when any month they rest on is hidden, so they can never reveal a hidden
count. ``trend_figure`` and ``season_figure`` draw them with plotly in the Okabe-Ito
palette (distinct for colour-blind readers).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, rhi_view
from contextmap.filters import MAX_NARROWED, Filters
from contextmap.labels import label

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SPLITS = {
    "none": "No split",
    "locality": "Locality",
    "source": "Source",
    "theme": "RHI theme",
    "age_band": "Age band",
    "sex": "Sex",
    "looked_after": "Looked-after status",
    "offence_group": "Offence type",
}
EPISODE_SPLITS = ("none", "locality", "theme", "age_band", "sex", "looked_after")
OFFENCE_SPLITS = ("none", "locality", "age_band", "sex", "offence_group")
EVENT_SPLITS = ("none", "locality", "source", "theme", "age_band", "sex", "looked_after")


@dataclass(frozen=True)
class TrendMeasure:
    """A measure the Trends page can draw: which query, which column(s), which splits."""

    label: str
    query: str
    column: str
    splits: tuple[str, ...]
    denominator: str | None = None  # a share: column ÷ denominator

    @property
    def is_share(self) -> bool:
        return self.denominator is not None

    @property
    def needs_rhis(self) -> bool:
        """A return home interview share: meaningless in a build without RHI records."""
        return self.column.startswith("rhi_")


MEASURES = {
    "episodes": TrendMeasure("Missing episodes", "trend_episodes", "episodes", EPISODE_SPLITS),
    "children": TrendMeasure("Children missing", "trend_episodes", "children", EPISODE_SPLITS),
    "looked_after_episodes": TrendMeasure("Episodes of looked-after children", "trend_episodes", "looked_after_episodes",
                                          EPISODE_SPLITS),
    "rhi_72h": TrendMeasure(f"RHI offered within {rhi_view.HOURS} hours (%)", "trend_episodes", "rhi_offered_72h", EPISODE_SPLITS,
                            "rhi_eligible"),
    "rhi_completed": TrendMeasure("RHI completed (%)", "trend_episodes", "rhi_completed", EPISODE_SPLITS, "returned"),
    "events": TrendMeasure("Located events (sources chosen in the sidebar)", "trend_events", "events", EVENT_SPLITS),
    "offences": TrendMeasure("Offences involving young people", "trend_offences", "offences", OFFENCE_SPLITS),
    "serious_violence": TrendMeasure("Serious youth violence", "trend_offences", "serious_violence", OFFENCE_SPLITS),
    "weapon_offences": TrendMeasure("Offences with a weapon", "trend_offences", "weapon_offences", OFFENCE_SPLITS),
}


# The splits that are breakdowns of who is counted (contextmap.filters.BREAKDOWNS).
BREAKDOWN_SPLITS = {"locality": "locality", "looked_after": "looked_after", "age_band": "age_bands", "sex": "sexes"}


def splits(measure: TrendMeasure, f: Filters) -> tuple[str, ...]:
    """The splits ``measure`` offers under filters ``f``: a split by another breakdown only while
    fewer than :data:`~contextmap.filters.MAX_NARROWED` are narrowed (a split is one more)."""
    narrowed = f.narrowed()
    if len(narrowed) < MAX_NARROWED:
        return measure.splits
    return tuple(s for s in measure.splits if s not in BREAKDOWN_SPLITS or BREAKDOWN_SPLITS[s] in narrowed)


def split_label(split: str, value) -> str:
    """A split value in words (sex codes, source names and themes spelled out)."""
    kind = {"sex": "sex", "source": "source", "theme": "theme"}.get(split)
    return label(value, kind) if kind else str(value)


def _window_all_shown(values: pd.Series, window: int) -> pd.Series:
    return values.notna().astype(float).rolling(window, min_periods=window).sum() == window


def series(raw: pd.DataFrame, measure: TrendMeasure, split: str, months: list, policy: disclosure.Policy) -> pd.DataFrame:
    """The chart data: one row per month and split value, every month present.

    Parameters
    ----------
    raw : rows of the measure's query (``month``, ``split_value`` and counts).
    months : every month to show (first days), oldest first; months with no rows are 0.

    Returns
    -------
    DataFrame with ``month, group, value`` (NaN when hidden or undefined), ``hidden``
    (suppressed by disclosure control), ``rolling_3m`` (mean of the
    last three months, or for a share the pooled share) and ``last_year`` (the value 12
    months earlier), both NaN unless every month they use is shown.
    """
    cols = [measure.column] + ([measure.denominator] if measure.is_share else [])
    groups = sorted(raw["split_value"].dropna().unique()) if len(raw) else (["All"] if split == "none" else [])
    index = pd.MultiIndex.from_product([pd.to_datetime(months), groups], names=["month", "split_value"])
    data = raw.assign(month=pd.to_datetime(raw["month"])).set_index(["month", "split_value"])[cols] if len(raw) else None
    full = (data.reindex(index) if data is not None else pd.DataFrame(index=index, columns=cols)).fillna(0).reset_index()
    protected = disclosure.protect_counts(full, cols, policy)
    out = []
    for group, part in protected.groupby("split_value", sort=True):
        part = part.sort_values("month").reset_index(drop=True)
        num = part[measure.column]
        if measure.is_share:
            den = part[measure.denominator]
            hidden = num.isna() | den.isna()
            # Perturbed counts can show a part above its whole: a share stops at 100%.
            value = (num / den.where(den > 0)).clip(upper=1)
            roll_den = den.rolling(3, min_periods=3).sum()
            rolling = (num.rolling(3, min_periods=3).sum() / roll_den.where(roll_den > 0)).clip(upper=1)
            rolling = rolling.where(_window_all_shown(num, 3) & _window_all_shown(den, 3))
        else:
            hidden, value = num.isna(), num
            rolling = num.rolling(3, min_periods=3).mean().where(_window_all_shown(num, 3))
        out.append(pd.DataFrame({
            "month": part["month"], "group": split_label(split, group), "value": value, "hidden": hidden,
            "rolling_3m": rolling, "last_year": value.shift(12),
        }))
    if not out:
        return pd.DataFrame(columns=["month", "group", "value", "hidden", "rolling_3m", "last_year"])
    return pd.concat(out, ignore_index=True)


def season_profile(data: pd.DataFrame) -> pd.DataFrame:
    """Month-of-year profile: one row per year and calendar month, for a seasonal plot."""
    df = data.groupby("month", as_index=False)["value"].agg(lambda v: v.sum(min_count=len(v)))
    df["month"] = pd.to_datetime(df["month"])
    return pd.DataFrame({"year": df["month"].dt.year, "month_of_year": df["month"].dt.month, "value": df["value"]})


def _axis(fig: go.Figure, share: bool) -> go.Figure:
    fig.update_xaxes(tickformat="%b %Y", hoverformat="%B %Y", title=None)
    fig.update_yaxes(tickformat=".0%" if share else ",d", rangemode="tozero", title=None)
    fig.update_layout(template="simple_white", legend={"orientation": "h", "y": -0.15}, margin={"t": 30})
    return fig


def trend_figure(data: pd.DataFrame, measure: TrendMeasure, smooth: bool = False) -> go.Figure:
    """Monthly figure: with no split, bars with the 3-month average and last year's line;
    with a split, one line per group (its 3-month average when ``smooth``)."""
    fig = go.Figure()
    hover = "%{x|%B %Y}: %{y:" + (".0%" if measure.is_share else ",") + "}<extra>%{fullData.name}</extra>"
    groups = list(dict.fromkeys(data["group"]))
    if len(groups) == 1:
        d = data
        fig.add_bar(x=d["month"], y=d["value"], name="Month", marker_color=PALETTE[4], hovertemplate=hover)
        fig.add_scatter(x=d["month"], y=d["rolling_3m"], name="3-month average", mode="lines",
                        line={"color": PALETTE[0], "width": 3}, hovertemplate=hover)
        fig.add_scatter(x=d["month"], y=d["last_year"], name="Same month last year", mode="lines",
                        line={"color": PALETTE[1], "dash": "dash"}, hovertemplate=hover)
    else:
        column = "rolling_3m" if smooth else "value"
        for i, group in enumerate(groups):
            d = data[data["group"] == group]
            fig.add_scatter(x=d["month"], y=d[column], name=group, mode="lines+markers",
                            line={"color": PALETTE[i % len(PALETTE)], "dash": "solid" if i < len(PALETTE) else "dot"},
                            hovertemplate=hover)
    return _axis(fig, measure.is_share)


def season_figure(profile: pd.DataFrame, measure: TrendMeasure) -> go.Figure:
    """One line per year over January–December, so a seasonal pattern shows as lines that rise and fall together."""
    fig = go.Figure()
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    for i, (year, part) in enumerate(profile.groupby("year")):
        fig.add_scatter(x=[names[m - 1] for m in part["month_of_year"]], y=part["value"], name=str(year),
                        mode="lines+markers", line={"color": PALETTE[i % len(PALETTE)]})
    fig.update_xaxes(categoryorder="array", categoryarray=names, title=None)
    fig.update_yaxes(tickformat=".0%" if measure.is_share else ",d", rangemode="tozero", title=None)
    fig.update_layout(template="simple_white", legend={"orientation": "h", "y": -0.15}, margin={"t": 30})
    return fig


def download_frame(data: pd.DataFrame, measure: TrendMeasure) -> pd.DataFrame:
    """The chart's data as people read it: month in words, hidden values as "c"."""

    def text(v):
        if pd.isna(v):
            return ""
        return f"{100 * v:.1f}%" if measure.is_share else f"{v:,.1f}".removesuffix(".0")

    out = pd.DataFrame({"Month": data["month"].map(lambda m: f"{pd.Timestamp(m):%B %Y}"), "Group": data["group"]})
    out[measure.label] = [disclosure.SUPPRESSED if h else text(v) or "—" for v, h in zip(data["value"], data["hidden"])]
    out["3-month average"] = data["rolling_3m"].map(text)
    out["Same month last year"] = data["last_year"].map(text)
    return out
