"""Figures for the disruption review: a place's monthly timeline and a forest plot of effects.

Pure functions returning plotly figures, so pages and the meeting pack share them and
tests need no Streamlit. Counts should already have passed disclosure control: a
suppressed month arrives as a missing value and is drawn as a gap, never as zero.
Colours are the Okabe-Ito palette, which stays distinct for colour-blind readers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, fmt, settings
from contextmap import disruption_stats as ds
from contextmap.labels import SOURCES, label

SOURCE_COLOURS = {"missing_from": "#E69F00", "missing_found": "#56B4E9", "rhi_mention": "#009E73", "offence": "#CC79A7"}
EVENTS_COLOUR = "#0072B2"
# Months with a hidden count: a grey band hatched like the map's suppressed areas.
HIDDEN_PATTERN = {"shape": "/", "fgcolor": "#737373", "bgcolor": "#e0e0e0", "size": 6}
# Marks the band's trace: its bars are all ``hidden_height`` high, whatever the hidden count.
HIDDEN_BAND = "hidden band"
WINDOW_FILL = "rgba(0, 0, 0, 0.05)"
VERDICT_STYLE = {
    "likely_effect": ("#0072B2", "Likely effect (fewer events)"),
    "likely_increase": ("#D55E00", "Likely increase"),
    "no_clear_change": ("#000000", "No clear change"),
}
NOT_JUDGED_WORDS = {
    "outside_data": "Not enough data yet to judge",
    "no_comparison": "No similar places without an action to compare with",
}
ACTION_FILL = "rgba(0, 114, 178, 0.12)"
ACTION_LINE = "#0072B2"


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(xaxis_visible=False, yaxis_visible=False, template="simple_white")
    return fig


def _month_end(month) -> pd.Timestamp:
    return pd.Timestamp(month) + pd.offsets.MonthBegin(1)


def timeline_figure(monthly_df: pd.DataFrame, actions_df: pd.DataFrame, *, hidden_height: int = 5,
                    comparison: pd.DataFrame | None = None, comparison_name: str = "Average at similar places",
                    windows: tuple | None = None) -> go.Figure:
    """Monthly events at a place or area with the actions taken there drawn over them.

    Parameters
    ----------
    monthly_df : pandas.DataFrame
        One row per month: ``month`` and either one column per event source
        (``missing_from``, ``missing_found``, ``rhi_mention``, ``offence``; stacked bars)
        or ``events`` (one bar), NaN where a count is hidden or the month is outside the
        data; and ``hidden``: the sources (or ``["events"]``) whose count is hidden that
        month. A month with a hidden count gets a hatched band ``hidden_height`` high (on
        top of what is shown) labelled "c", so it is never read as empty.
    actions_df : pandas.DataFrame
        ``action_type``, ``start_date`` and optional ``end_date``: a shaded band from
        start to end, or a line at the start when the action has no end.
    comparison : pandas.DataFrame, optional
        ``month`` and ``average`` (NaN when hidden): drawn as a dashed line.
    windows : tuple, optional
        ``(before_start, action_month, after_end)``: the review's before and after windows
        are shaded and labelled.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    if monthly_df.empty:
        return _empty("No events recorded here in this period")
    df = monthly_df.sort_values("month").reset_index(drop=True)
    months = pd.to_datetime(df["month"])
    fig = go.Figure()
    sources = [s for s in SOURCES if s in df]
    # Each bar starts where the ones below it end: plotly's own stacking restarts from 0
    # after a hidden (NaN) source, which drew the hidden band over a shown bar.
    top = np.zeros(len(df))
    for source in sources or ["events"]:
        fig.add_bar(
            x=months, y=df[source], base=top.copy(), name=SOURCES.get(source, "Events"),
            marker_color=SOURCE_COLOURS.get(source, EVENTS_COLOUR),
            # Each bar spans its calendar month, so an action line falls on its real day.
            xperiod="M1", xperiodalignment="middle",
            hovertemplate="%{x|%B %Y}: %{y}<extra>%{fullData.name}</extra>",
        )
        top += np.nan_to_num(df[source].to_numpy(dtype=float))
    hidden = df["hidden"] if "hidden" in df else pd.Series([[]] * len(df))
    if hidden.map(len).any():
        names = [", ".join(SOURCES.get(h, "Events") for h in parts) for parts in hidden]
        fig.add_bar(
            x=months, y=[hidden_height if parts else None for parts in hidden], base=top,
            name=f"0 to {hidden_height} events: hidden (c)", meta=HIDDEN_BAND,
            marker={"color": "#e0e0e0", "pattern": HIDDEN_PATTERN, "line": {"color": "#737373", "width": 1}},
            text=["c" if parts else "" for parts in hidden], textposition="inside", insidetextanchor="end",
            xperiod="M1", xperiodalignment="middle", customdata=names,
            hovertemplate=f"%{{x|%B %Y}}: %{{customdata}}: 0 to {hidden_height} events, hidden<extra></extra>",
        )
    if comparison is not None and comparison["average"].notna().any():
        fig.add_scatter(
            x=pd.to_datetime(comparison["month"]), y=comparison["average"], name=comparison_name, mode="lines+markers",
            line={"color": "#000000", "dash": "dash"}, marker={"size": 5},
            xperiod="M1", xperiodalignment="middle",
            hovertemplate="%{x|%B %Y}: %{y:.1f}<extra>" + comparison_name + "</extra>",
        )
    if windows is not None:
        before_start, action_month, after_end = (pd.Timestamp(w) for w in windows)
        for x0, x1, text in ((before_start, action_month, "Before"), (_month_end(action_month), _month_end(after_end), "After")):
            fig.add_vrect(x0=x0, x1=x1, fillcolor=WINDOW_FILL, line_width=0, layer="below",
                          annotation_text=text, annotation_position="top left", annotation_font_color="#555555")
    for action in actions_df.itertuples():
        start = pd.Timestamp(action.start_date)
        end = getattr(action, "end_date", None)
        if end is not None and not pd.isna(end) and pd.Timestamp(end) > start:
            fig.add_vrect(x0=start, x1=pd.Timestamp(end), fillcolor=ACTION_FILL, line_width=0, layer="below")
        fig.add_vline(x=start, line={"color": ACTION_LINE, "width": 2}, opacity=1)
        fig.add_annotation(x=start, y=1, yref="paper", text=label(action.action_type, "action"), showarrow=False,
                           xanchor="left", yanchor="bottom", font={"color": ACTION_LINE})
    known = df[sources or ["events"]].notna().any(axis=1) | hidden.map(len).astype(bool)
    if known.any():
        # Months the data do not cover are left off the axis rather than drawn as empty.
        fig.update_xaxes(range=[months[known].min(), _month_end(months[known].max())])
    fig.update_layout(
        barmode="overlay", template="simple_white", yaxis_title="Events per month", xaxis_title=None,
        legend={"orientation": "h", "y": -0.15}, margin={"t": 40},
    )
    return fig


def action_title(row) -> str:
    """``"Closure order at Leeds Road Social Club, June 2025"``."""
    return f"{label(row.action_type, 'action')} at {row.target_name}, {fmt.month_label(row.action_month)}"


def _short_label(row) -> str:
    """The action on two short lines ("Patrols (Feb 2024)", then the place): one long line
    took half the chart's width at 1024 px."""
    name = str(row.target_name)
    name = name if len(name) <= 32 else name[:31] + "…"
    return f"{label(row.action_type, 'action')} ({pd.Timestamp(row.action_month):%b %Y})<br>{name}"


def effect_figure(effects_df: pd.DataFrame, policy: disclosure.Policy | None = None) -> go.Figure:
    """Forest plot of the judged actions: each one's change relative to similar places, with its 95% interval.

    Parameters
    ----------
    effects_df : pandas.DataFrame
        ``disruption_actions`` rows through :func:`with_figures`: ``action_id``,
        ``action_type``, ``target_name``, ``target_level``, ``action_month``, the four
        counts, ``rate_ratio``, ``ci_low``, ``ci_high`` and ``verdict``.
    policy : disclosure.Policy, optional
        Disclosure settings (default: those in ``contextmap.toml``).

    Returns
    -------
    plotly.graph_objects.Figure
        Ratios on a log axis labelled as percentage changes, with a reference line at no
        change. Only judged actions are drawn (those too small or too recent to judge are
        counted by :func:`not_judged_note` instead); an action with a hidden count behind
        its estimate has the change as a band in words, since a point would give the
        hidden count back.
    """
    policy = policy or disclosure.Policy.from_settings()
    judged = effects_df[effects_df["verdict"].isin(list(VERDICT_STYLE))]
    if judged.empty:
        return _empty("No action had enough events to judge")
    df = judged.assign(label=[_short_label(r) for r in judged.itertuples()],
                       words=[verdict_words(r, policy) for r in judged.itertuples()]).sort_values("action_month")
    repeated = df["label"].duplicated(keep=False)
    df.loc[repeated, "label"] = df.loc[repeated, "label"] + " " + df.loc[repeated, "action_id"].astype(str)
    hidden = pd.Series([estimate_hidden(r, policy) for r in df.itertuples()], index=df.index, dtype=bool)
    fig = go.Figure()
    for verdict, (colour, name) in VERDICT_STYLE.items():
        part = df[(df["verdict"] == verdict) & ~hidden]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["rate_ratio"], y=part["label"], mode="markers", name=name,
            marker={"color": colour, "size": 10, "symbol": "diamond" if verdict == "likely_effect" else "circle"},
            error_x={"type": "data", "symmetric": False, "array": part["ci_high"] - part["rate_ratio"],
                     "arrayminus": part["rate_ratio"] - part["ci_low"], "color": colour},
            customdata=part[["words"]], hovertemplate="%{y}<br>%{customdata[0]}<extra></extra>",
        )
    as_text = df[hidden]
    if not as_text.empty:
        # An invisible trace keeps these rows on the axis; words are written in place of a point.
        fig.add_scatter(x=np.ones(len(as_text)), y=as_text["label"], mode="markers", marker={"opacity": 0},
                        showlegend=False, hoverinfo="skip")
        for row in as_text.itertuples():
            colour, name = VERDICT_STYLE[row.verdict]
            # From the plot's left edge (no point is drawn on this row), so it never runs into the labels.
            fig.add_annotation(x=0, xref="paper", xanchor="left", y=row.label, showarrow=False,
                               font={"color": colour, "size": 11},
                               text=f"{effect_band(row)}: {name.lower()} (small counts, no number)")
    # Five ticks over at least a quarter to four times: readable, unrotated, at 1024 px.
    ticks = [0.1, 0.25, 0.5, 1, 2, 4, 10]
    drawn = df[~hidden]
    low = min(0.25, drawn["ci_low"].min()) if not drawn.empty else 0.25
    high = max(4.0, drawn["ci_high"].max()) if not drawn.empty else 4.0
    # Explicit width and opacity: the simple_white template draws shapes with no line by default.
    fig.add_vline(x=1, line={"color": "#777777", "dash": "dot", "width": 1.5}, opacity=1)
    fig.update_xaxes(type="log", tickvals=ticks, title="Change relative to similar places (95% interval)",
                     ticktext=[f"{100 * (t - 1):+.0f}%" if t != 1 else "no change" for t in ticks], tickangle=0,
                     range=[np.log10(low) - 0.1, np.log10(high) + 0.1])
    # Plotly draws the first category at the bottom: reverse so the earliest action is on top.
    fig.update_yaxes(categoryorder="array", categoryarray=list(df["label"])[::-1], title=None, automargin=True)
    fig.update_layout(template="simple_white", legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
                      height=max(260, 40 * len(df) + 150), margin={"t": 60})
    return fig


NOT_JUDGED_REASONS = {
    "too_few": "with too few events to tell",
    "outside_data": "without enough data yet",
    "no_comparison": "with no similar places to compare",
}


def not_judged_note(effects_df: pd.DataFrame) -> str | None:
    """The actions the review could not judge, by reason: "Not judged: 33 actions with too
    few events to tell, 2 without enough data yet."; None when every action was judged."""
    counts = effects_df.loc[~effects_df["verdict"].isin(list(VERDICT_STYLE)), "verdict"].value_counts()
    if counts.empty:
        return None
    parts = [f"{n} {'action' if n == 1 else 'actions'} {NOT_JUDGED_REASONS.get(v, VERDICT_LABELS.get(v, v).lower())}"
             for v, n in counts.items()]
    return "Not judged: " + ", ".join(parts) + "."


# --- words and tables for the Disruption page (every count through disclosure control) ---

JUDGED = ("likely_effect", "likely_increase", "no_clear_change")
VERDICT_LABELS = {
    "likely_effect": "Likely effect (fewer events)",
    "likely_increase": "Likely increase",
    "no_clear_change": "No clear change",
    "too_few": "Too few events to tell",
    "outside_data": "Not enough data yet",
    "no_comparison": "No similar places to compare",
}
DISPLACEMENT_LABELS = {
    "diffusion": "Diffusion of benefit (nearby also fell)",
    "neither": "Neither displacement nor diffusion",
    "displacement": "Displacement (nearby rose)",
    "too_few": "Too few events nearby to tell",
    "not_applicable": "Not applicable (nothing fell here)",
    "no_control_events": "Cannot tell (no events at similar places)",
    "no_comparison": "Cannot tell (no similar places)",
    "outside_data": "Not enough data yet",
    "not_assessed": "Not assessed (postcode sectors)",
    "hidden_counts": "Cannot tell (it depends on a count too small to show)",
}
SOURCE_NAMES = {"all": "All events", **SOURCES}
METHOD = """
**How the review works.** For each action, events at the place (or in the area) in the
{w} calendar months before the month it started are compared with the {w} months after;
the start month itself is left out. The same change is measured at up to
{k} **similar places** (same category, similar number of events before, no action of
their own, outside the displacement buffer). The estimate is the ratio of the two changes
(a difference-in-differences on the log scale) with a {conf}% interval for Poisson counts:
**likely effect** when the whole interval is below "no change", **likely increase** when it
is above, otherwise **no clear change**. With fewer than {min_events} events at the target
in the two windows together the review says **too few events to tell** and draws no estimate.

**Displacement.** Events in the ring up to {buffer} m around a place (the neighbouring
wards or LSOAs for an area) are compared in the same way, and summarised by the Weighted
Displacement Quotient (Bowers and Johnson 2003): above 0 the benefit spread nearby
(diffusion), below 0 harm moved next door (displacement), near 0 neither.

**Read with care.**
- *Regression to the mean*: actions usually follow a spike, and spikes fall back by
  themselves; an action flagged "after a spike" may be credited with a fall that would
  have happened anyway.
- *Small numbers*: the interval assumes Poisson counts; places vary more than that, so it
  is if anything too narrow. One "likely effect" is a lead to discuss, not proof.
- *Other things at the same time*: other actions, school holidays, a new placement or home
  nearby, a group moving on.
- *Recording*: patrols and visits find more, so recorded events can rise while harm falls.
- Actions at the same place close together share their windows: read them together.

Every ratio, interval, change in percent, verdict and reading here is worked out from the
counts as shown (with their small added noise), not the exact ones. Counts at places and
small areas are hidden when 0 to {smax} ("c"); a change in percent is not given where it
would reveal a hidden count, and a verdict is given only when it would be the same
whatever a hidden count is (otherwise: too few events to tell). Full method:
docs/methods.md, "Disruption review".
"""


def method_text(policy) -> str:
    """The method and caveats, with the settings in force."""
    cfg = settings.current().disruption
    return METHOD.format(w=cfg.window_months, k=cfg.control_places, conf=round(100 * (1 - cfg.alpha)),
                         min_events=cfg.min_events, buffer=cfg.buffer_radius_m, smax=policy.suppress_max)


def _hidden(policy, *counts) -> bool:
    return any(disclosure.is_suppressed(c, policy) for c in counts)


# --- the review's figures, from the counts as shown ---------------------------------------
# The marts compute the estimate and verdicts from true counts: shown next to the perturbed
# counts, a ratio to two decimals singles out the true four among the few hundred the noise
# allows, and a verdict or band read from a hidden count's value narrows that count down.
# So the page, its export and the pack work out every figure, verdict, band and reading from
# the counts as a reader sees them: a shown count is its shown (perturbed, maybe rounded)
# value; a hidden one ("c") may be anything from 0 to suppress_max, and a verdict is given
# only when it is the same for every one of those values. The formulas are the marts' own
# (``contextmap/disruption_stats.py``).

# Displacement readings that depend on the counts (the others: no buffer, data or controls).
COUNTED_READINGS = ("too_few", "no_control_events", "not_applicable", "diffusion", "neither", "displacement",
                    "hidden_counts")
# Rows of ``with_figures``: the counts it reads, as ``(column, level the page shows it at)``:
# the target's and its buffer's counts at the target's level, the similar places' as they are.
_TARGET = ("target_before", "target_after", "buffer_before", "buffer_after", "target_prior")
_CONTROL = ("control_before", "control_after")


def _shown_value(n, policy, level):
    """A count as a reader sees it: its shown value (rounded where the policy rounds),
    None when hidden ("c"), NaN when there is none (a sector's buffer)."""
    if disclosure.is_suppressed(n, policy):
        return None
    return disclosure.round_count(float(n), policy, level)


def _possible(value, policy) -> np.ndarray:
    """The values a count may have as seen: its shown value, or 0 to suppress_max when hidden."""
    return np.arange(policy.suppress_max + 1, dtype=float) if value is None else np.array([value], dtype=float)


def _grid(values: list, policy) -> list[np.ndarray]:
    """Every combination of the possible values of ``values`` (one array per count)."""
    return [g.ravel() for g in np.meshgrid(*(_possible(v, policy) for v in values), indexing="ij")]


def _one(codes) -> str | None:
    """The code when every combination gives the same one, else None."""
    found = set(np.atleast_1d(codes).tolist())
    return found.pop() if len(found) == 1 else None


def _lower_total(*values) -> float:
    """Events at least: the shown counts added up, a hidden one counting as 0."""
    return sum(v for v in values if v is not None)


def _effect(s: dict, row, cfg, policy) -> dict:
    """The verdict, estimate and band of one row ``row`` from its shown counts ``s``."""
    out = {"verdict": None, "undecided": False, "rate_ratio": math.nan, "ci_low": math.nan, "ci_high": math.nan,
           "ratio_low": math.nan, "ratio_high": math.nan}
    tb, ta, cb, ca = (s[c] for c in ("target_before", "target_after", "control_before", "control_after"))
    if _lower_total(tb, ta) < cfg.min_events:
        out["verdict"] = "too_few"
    elif not _is_true(row.has_data):
        out["verdict"] = "outside_data"
    elif not row.control_places:
        out["verdict"] = "no_comparison"
    if out["verdict"] is not None:
        return out
    grid = _grid([tb, ta, cb, ca], policy)
    est = ds.did_estimate(*grid, cfg.alpha)
    verdict = _one(ds.interval_verdict(est["ci_low"].to_numpy(), est["ci_high"].to_numpy()))
    # A verdict that turns on a hidden count's value is not given: it would narrow that count.
    out["verdict"], out["undecided"] = (verdict, False) if verdict else ("too_few", True)
    out["ratio_low"], out["ratio_high"] = float(est["rate_ratio"].min()), float(est["rate_ratio"].max())
    if verdict and len(est) == 1:
        out.update(est.iloc[0][["rate_ratio", "ci_low", "ci_high"]].astype(float).to_dict())
    return out


def _displacement(s: dict, row, cfg, policy) -> str:
    """The displacement reading of the marts (``wdq_reading``) from the shown counts ``s``:
    ``hidden_counts`` when it would turn on a hidden count's value."""
    if row.target_level not in ("place", "ward", "lsoa"):
        return "not_assessed"
    if not _is_true(row.has_data):
        return "outside_data"
    if not row.control_places:
        return "no_comparison"
    if _lower_total(s["buffer_before"], s["buffer_after"]) < cfg.min_events:
        return "too_few"
    names = ("target_before", "target_after", "buffer_before", "buffer_after", "control_before", "control_after")
    rb, ra, bb, ba, cb, ca = _grid([s[c] for c in names], policy)
    codes = np.where((cb <= 0) | (ca <= 0), "no_control_events",
                     ds.wdq_code(ds.wdq(rb, ra, bb, ba, cb, ca), cfg.wdq_near_zero))
    return _one(codes) or "hidden_counts"


def _spike(s: dict, row, cfg, policy) -> bool:
    """Whether the action may follow a spike: true when the shown counts allow it (a warning,
    given whenever the hidden values could make it true). False with no year of history."""
    if not _is_true(getattr(row, "has_prior", False)):
        return False
    before, prior = _grid([s["target_before"], s["target_prior"]], policy)
    return bool(np.any(ds.is_after_spike(before, prior / 12, int(row.window_months), cfg.spike_factor)))


def with_figures(df: pd.DataFrame, policy: disclosure.Policy | None = None) -> pd.DataFrame:
    """``df`` (``disruption_actions`` or ``disruption_sources``, counts as the query returns
    them: perturbed) with the review's figures and words worked out from the counts as shown
    under ``policy`` (default: the settings'), never from a value behind a "c".

    Adds ``verdict`` (a code of :data:`VERDICT_LABELS`; ``too_few`` also when the verdict
    would turn on a hidden count, flagged by ``undecided``), ``rate_ratio``, ``ci_low``,
    ``ci_high`` and ``effect_pct`` (NaN when a count behind them is hidden: only the band
    from ``ratio_low`` to ``ratio_high`` over the hidden counts' possible values may be
    said), ``target_pct_change``, ``control_pct_change``, ``is_after_spike`` and, with
    buffer counts, ``wdq`` and ``displacement_verdict``. Whether a figure may be shown is
    for the functions that show it (:func:`estimate_hidden`, :func:`change_hidden`).
    """
    policy = policy or disclosure.Policy.from_settings()
    cfg = settings.current().disruption
    out = df.reset_index(drop=True).astype({c: float for c in df if c in _TARGET + _CONTROL})
    rows = []
    for r in out.itertuples():
        s = {c: _shown_value(getattr(r, c), policy, r.target_level if c in _TARGET else None)
             for c in _TARGET + _CONTROL if c in out}
        tb, ta, cb, ca = (s[c] for c in ("target_before", "target_after", "control_before", "control_after"))
        fig = _effect(s, r, cfg, policy)
        fig["target_pct_change"] = math.nan if None in (tb, ta) else ds.pct_change(tb, ta)
        fig["control_pct_change"] = (math.nan if None in (cb, ca) or not r.control_places
                                     else ds.pct_change(cb, ca))
        fig["is_after_spike"] = "target_prior" in s and _spike(s, r, cfg, policy)
        if "buffer_before" in s:
            shown = None not in (tb, ta, cb, ca, s["buffer_before"], s["buffer_after"])
            fig["wdq"] = (ds.wdq(tb, ta, s["buffer_before"], s["buffer_after"], cb, ca)
                          if shown and r.target_level != "sector" else math.nan)
            fig["displacement_verdict"] = _displacement(s, r, cfg, policy)
        rows.append(fig)
    figures = pd.DataFrame(rows, index=out.index)
    out = pd.concat([out.drop(columns=[c for c in figures if c in out]), figures], axis=1)
    out["effect_pct"] = 100 * (out["rate_ratio"] - 1)
    return out


# Coarse bands for an estimate whose counts are hidden: (upper bound of the rate ratio, words).
EFFECT_BANDS = (
    (0.5, "fall of more than half"),
    (0.75, "fall of a quarter to a half"),
    (0.9, "fall of less than a quarter"),
    (1.1, "little change"),
    (1.5, "rise of up to a half"),
    (np.inf, "rise of more than half"),
)


def _band_index(rate_ratio) -> int:
    return next(i for i, (upper, _) in enumerate(EFFECT_BANDS) if float(rate_ratio) < upper)


def effect_band(row) -> str:
    """The estimated change relative to similar places as a coarse band in words, with no
    number: the band of every value the hidden counts allow (``row.ratio_low`` to
    ``row.ratio_high``), or the bands they span."""
    lo, hi = _band_index(row.ratio_low), _band_index(row.ratio_high)
    if lo == hi:
        return EFFECT_BANDS[lo][1]
    joiner = " or " if hi == lo + 1 else " to "
    return EFFECT_BANDS[lo][1] + joiner + EFFECT_BANDS[hi][1]


def _control_counts(row) -> tuple:
    return getattr(row, "control_before", None), getattr(row, "control_after", None)


def change_hidden(row, policy) -> bool:
    """Whether the change at the target may not be given as a number.

    True when a target count is hidden, or rounded (an exact percentage of rounded counts
    would give the exact counts back).
    """
    return _hidden(policy, row.target_before, row.target_after) or policy.rounds(row.target_level)


def estimate_hidden(row, policy) -> bool:
    """Whether a count behind the estimate (target or similar places, before or after) is hidden.

    With one count visible, a percentage change gives the hidden one back (12 before, "c"
    after, -82%), so such an estimate is shown only as a band in words.
    """
    return change_hidden(row, policy) or _hidden(policy, *_control_counts(row))


def _interval_excludes_no_change(row) -> bool:
    # The verdict is the interval's reading for every value a hidden count may have.
    return row.verdict != "no_clear_change"


def effect_words(row, policy) -> str:
    """The estimate relative to similar places as shown in tables and exports.

    ``"-82% (-95% to -40%)"`` when every count behind it may be shown; otherwise only the
    band and whether the interval excludes no change (``"Fall of more than half; interval
    excludes no change"``); ``"—"`` when the action was not judged.
    """
    if row.verdict not in JUDGED:
        return "—"
    if estimate_hidden(row, policy):
        side = "excludes" if _interval_excludes_no_change(row) else "includes"
        return f"{effect_band(row).capitalize()}; interval {side} no change"
    return f"{row.effect_pct:+.0f}% ({100 * (row.ci_low - 1):+.0f}% to {100 * (row.ci_high - 1):+.0f}%)"


# The estimate in three cells, each a plain number where it may be shown, so a spreadsheet
# reads "-82%" as a number (a cell such as "-82% (-95% to -40%)" would be read as a broken
# formula, and neutralising it for CSV would print a leading apostrophe).
EFFECT_COLUMNS = ("Relative to similar places", "95% interval from", "95% interval to")


def effect_parts(row, policy) -> tuple[str, str, str]:
    """``(estimate, interval from, interval to)`` as in :func:`effect_words`: ``("-82%",
    "-95%", "-40%")``, or the band in words and two dashes when a count behind it is hidden."""
    if row.verdict not in JUDGED:
        return "—", "—", "—"
    if estimate_hidden(row, policy):
        return effect_words(row, policy), "—", "—"
    return f"{row.effect_pct:+.0f}%", f"{100 * (row.ci_low - 1):+.0f}%", f"{100 * (row.ci_high - 1):+.0f}%"


def too_few_words(row, policy) -> str:
    """Why an action is "too few events to tell", from what the reader sees: fewer events
    than the review needs, counting a hidden count as 0; or a verdict that would turn on
    the value of a hidden count (``row.undecided``)."""
    smax = policy.suppress_max
    if _is_true(getattr(row, "undecided", False)):
        return (f"Too few events to tell (a count behind the estimate is 0 to {smax}, hidden, and the verdict "
                f"depends on it; whatever it is, a {effect_band(row)} relative to similar places)")
    around = f"in the {2 * int(row.window_months)} months around the action"
    least = settings.current().disruption.min_events
    if _hidden(policy, row.target_before, row.target_after):
        return f"Too few events to tell (fewer than {least} events shown {around}; a count of 0 to {smax} is hidden)"
    return f"Too few events to tell (fewer than {least} events {around})"


def verdict_words(row, policy) -> str:
    """The verdict in plain words, never giving away a hidden count.

    ``row`` has been through :func:`with_figures`. Where every count behind the estimate
    may be shown, the sentence quotes the changes here and at the similar places,
    recomputed from the shown counts; otherwise the change is a band with no number.
    """
    if row.verdict == "too_few":
        return too_few_words(row, policy)
    if row.verdict not in JUDGED:
        return NOT_JUDGED_WORDS.get(row.verdict, VERDICT_LABELS.get(row.verdict, "Not judged"))
    spike = ". Events had risen before the action, so part of the fall may be a return to normal" if (
        row.verdict == "likely_effect" and _is_true(row.is_after_spike)) else ""
    if estimate_hidden(row, policy):
        side = "excludes" if _interval_excludes_no_change(row) else "includes"
        return (f"{effect_band(row).capitalize()} relative to similar places, and the interval {side} "
                f"no change: {VERDICT_LABELS[row.verdict].lower()} (the counts are too small to show exactly){spike}")
    n = int(row.control_places)
    noun = "places" if row.target_level == "place" else "areas"
    similar = f"{n} similar {noun[:-1] if n == 1 else noun}"
    control = f"{row.control_pct_change:+.0f}%"
    if row.verdict == "no_clear_change":
        return f"No clear change compared with similar {noun} ({row.target_pct_change:+.0f}% here, {control} at {similar})"
    fell, rose = row.target_after < row.target_before, row.target_after > row.target_before
    more, less = (fell, rose) if row.verdict == "likely_effect" else (rose, fell)
    relation = "more than at" if more else "less than at" if less else "compared with"
    return (f"{ds.change_sentence(row.target_before, row.target_after)}, {relation} {similar} ({control}): "
            f"{'likely effect' if row.verdict == 'likely_effect' else 'likely increase'}{spike}")


def _is_true(flag) -> bool:
    """A nullable flag read as true only when it is known and true (unknown is not a warning)."""
    return not pd.isna(flag) and bool(flag)


def wdq_words(row, policy) -> str:
    """The Weighted Displacement Quotient (recomputed from the shown counts) as a sentence,
    or ``""`` when a count behind it is hidden."""
    if pd.isna(row.wdq) or estimate_hidden(row, policy) or _hidden(policy, row.buffer_before, row.buffer_after):
        return ""
    beyond = (" Events nearby fell by more than at the target." if row.wdq > 1 else
              " More events appeared nearby than the target lost: the action may have made things worse overall."
              if row.wdq < -1 else "")
    return f" Weighted Displacement Quotient {row.wdq:.2f}.{beyond}"


def displacement_words(row) -> str:
    """The displacement reading in words, with no count (the quotient is :func:`wdq_words`)."""
    code = row.displacement_verdict
    return DISPLACEMENT_LABELS.get(code, "Not assessed") if isinstance(code, str) else "Not assessed"


def actions_table(df: pd.DataFrame, policy) -> pd.DataFrame:
    """The list of actions as shown (and exported): counts protected at the target's level.

    A percentage is given only where every count behind it is shown; otherwise the change
    relative to similar places is a band in words and the change here is left out.
    """
    def count(n, level):
        return disclosure.fmt_count(n, policy, level=level)

    def change(row):
        if row.verdict not in JUDGED or change_hidden(row, policy) or row.target_before == 0:
            return "—"
        return f"{row.target_pct_change:+.0f}%"

    effects = [effect_parts(r, policy) for r in df.itertuples()]
    # The verdict comes right after what and where, so it is on screen at 1024 pixels.
    return pd.DataFrame({
        "Action": [label(t, "action") for t in df["action_type"]],
        "Where": df["target_name"],
        "Started": [fmt.month_label(m) for m in df["action_month"]],
        "Verdict": [VERDICT_LABELS.get(v, v) for v in df["verdict"]],
        **{col: [parts[i] for parts in effects] for i, col in enumerate(EFFECT_COLUMNS)},
        "Nearby": [DISPLACEMENT_LABELS.get(v, "Not assessed") if isinstance(v, str) else "Not assessed"
                   for v in df["displacement_verdict"]],
        "Events before": [count(n, lv) for n, lv in zip(df["target_before"], df["target_level"])],
        "Events after": [count(n, lv) for n, lv in zip(df["target_after"], df["target_level"])],
        "Change here": [change(r) for r in df.itertuples()],
        "Agency": [label(a, "agency") for a in df["agency"]],
        "Locality": df["locality"],
    })


def sources_table(df: pd.DataFrame, level: str, policy) -> pd.DataFrame:
    """Before and after counts of one action by source (protected), with each source's reading."""
    return pd.DataFrame({
        "Events": [SOURCE_NAMES.get(s, s) for s in df["event_source"]],
        "Before": [disclosure.fmt_count(n, policy, level=level) for n in df["target_before"]],
        "After": [disclosure.fmt_count(n, policy, level=level) for n in df["target_after"]],
        "Similar places, before": [disclosure.fmt_count(n, policy) for n in df["control_before"]],
        "Similar places, after": [disclosure.fmt_count(n, policy) for n in df["control_after"]],
        "Reading": [VERDICT_LABELS.get(v, v) for v in df["verdict"]],
    })


def protected_timeline(df: pd.DataFrame, level: str, policy, by_source: bool = False) -> pd.DataFrame:
    """Timeline months for :func:`timeline_figure`: ``month``, the counts (all events, or
    by source) with hidden ones as NaN, and ``hidden`` naming the counts hidden that month.
    Months outside the data are NaN with nothing hidden: a gap, not a band."""
    cols = [c for c in SOURCES if c in df] if by_source else ["events"]
    # Nullable integer columns (null outside the data) become floats with NaN for disclosure control.
    df = df.reset_index(drop=True).astype({c: float for c in cols})
    out = disclosure.protect_counts(df, cols, policy, level=level, with_status=True)
    in_data = df["has_data"].astype(bool).to_numpy()
    out.loc[~in_data, cols] = np.nan
    out["hidden"] = [[c for c in cols if out.at[i, f"{c}_status"] == "suppressed"] if in_data[i] else []
                     for i in out.index]
    return out[["month", *cols, "hidden"]]


def comparison_line(monthly: pd.DataFrame, places: int, windows: tuple, policy) -> pd.DataFrame:
    """The similar places' average per place for the months the review compares (its before
    window, the action month and its after window): ``month`` and ``average``.

    ``monthly`` is ``disruption_comparison_monthly`` (all the similar places' events
    together, by month). A month whose total is hidden (0 to 5) has no average: divided
    by the number of places it would give the hidden total back.
    """
    if monthly.empty or places == 0:
        return pd.DataFrame(columns=["month", "average"])
    before_start, _, after_end = (pd.Timestamp(w) for w in windows)
    months = pd.to_datetime(monthly["month"])
    inside = monthly[(months >= before_start) & (months <= after_end)].reset_index(drop=True)
    shown = disclosure.protect_counts(inside, ["events"], policy)
    return pd.DataFrame({"month": inside["month"], "average": shown["events"] / places})


def comparisons_table(comparisons: pd.DataFrame, policy) -> pd.DataFrame:
    """The similar places one action is compared with, named, with their events before and after.

    ``comparisons`` is ``disruption_comparisons``, by name (not by how near each place's true
    count is to the target's); counts are protected at the places' level.
    """
    level = comparisons["control_level"].iloc[0] if len(comparisons) else "place"
    shown = disclosure.protect_frame(comparisons.reset_index(drop=True), ["events_before", "events_after"], policy,
                                     level=level)
    return pd.DataFrame({"Similar place" if level == "place" else "Similar area": comparisons["name"].to_numpy(),
                         "Before": shown["events_before"], "After": shown["events_after"]})


TIMELINE_NOTE = ("Bars: events here each month, all sources. Hatched: a month with 0 to {smax} events, hidden (c). "
                 "Dashed line: the similar places' average, over the months the review compares (shaded: the before "
                 "and after windows; the start month is in neither). Blue: when the action ran.")


def action_facts(row) -> str:
    """Who did it, where, when it ran and which months the review compares, in one line."""
    before_start, month, after_end = review_windows(row)
    end = row.end_date if row.end_date is not None and not pd.isna(row.end_date) else None
    ran = fmt.period_label(row.start_date, end) if end is not None else f"from {fmt.month_label(row.start_date)}"
    return (f"{label(row.agency, 'agency')} · {row.locality} · ran {ran} · compares "
            f"{fmt.period_label(before_start, month - pd.DateOffset(months=1))} with "
            f"{fmt.period_label(month + pd.DateOffset(months=1), after_end)}")


def verdict_markdown(row, policy) -> str:
    """The verdict box: the verdict in words and, for a judged action, the estimate and its
    interval (Markdown, every word escaped)."""
    text = f"**Verdict:** {fmt.md_escape(verdict_words(row, policy))}."
    if row.verdict in JUDGED:
        text += f"  \nRelative to similar places (95% interval): **{fmt.md_escape(effect_words(row, policy))}**"
    return text


def comparison_heading(row, places: int) -> str:
    """``"**Compared with 6 similar places**"`` (Markdown)."""
    if not places:
        return "**No similar places to compare with**"
    return f"**Compared with {places} similar {'places' if row.target_level == 'place' else 'areas'}**"


def detail_figure(row, timeline: pd.DataFrame, comparison_monthly: pd.DataFrame, places: int, policy) -> go.Figure:
    """One action's months: events at the target (hidden months as a band), the similar
    places' average over the review's windows, the windows and when the action ran.

    ``timeline`` is ``disruption_timeline`` and ``comparison_monthly``
    ``disruption_comparison_monthly`` for the action ``row`` (a ``disruption_actions`` row).
    """
    windows = review_windows(row)
    fig = timeline_figure(protected_timeline(timeline, row.target_level, policy),
                          pd.DataFrame([{"action_type": row.action_type, "start_date": row.start_date,
                                         "end_date": row.end_date}]),
                          hidden_height=policy.suppress_max,
                          comparison=comparison_line(comparison_monthly, places, windows, policy),
                          comparison_name=f"Average at the {places} similar places", windows=windows)
    return fig.update_layout(height=380, margin={"t": 30, "b": 10})


def review_windows(row) -> tuple:
    """``(before_start, action_month, after_end)`` of one action's review."""
    month = pd.Timestamp(row.action_month)
    w = int(row.window_months)
    return month - pd.DateOffset(months=w), month, month + pd.DateOffset(months=w)


def default_action(actions: pd.DataFrame) -> str:
    """The action the page opens on: the newest one the review could judge, else the newest."""
    judged = actions[actions["verdict"].isin(JUDGED)]
    pool = judged if len(judged) else actions
    return str(pool.sort_values(["action_month", "action_id"], ascending=False)["action_id"].iloc[0])


def _median_pct(values: pd.Series) -> str:
    return "—" if values.dropna().empty else f"{values.median():+.0f}%"


def by_type_table(actions: pd.DataFrame, policy) -> pd.DataFrame:
    """The review summarised by action type, from every action's row (as in ``disruption_actions``).

    The medians use only the actions whose own percentages may be shown: a median over
    one or two actions, or one equal to a hidden action's value, would give that
    action's estimate, and so its hidden count, back.
    """
    rows = list(actions.itertuples())
    df = actions.assign(
        judged=actions["verdict"].isin(JUDGED),
        change_shown=[r.verdict in JUDGED and not change_hidden(r, policy) and r.target_before != 0 for r in rows],
        effect_shown=[r.verdict in JUDGED and not estimate_hidden(r, policy) for r in rows],
    )
    out = []
    for action_type, part in df.groupby("action_type", sort=False):
        verdicts = part["verdict"].value_counts()
        out.append({
            "Action": label(action_type, "action"),
            "Actions": len(part),
            "Judged": int(part["judged"].sum()),
            "Likely effect": int(verdicts.get("likely_effect", 0)),
            "No clear change": int(verdicts.get("no_clear_change", 0)),
            "Likely increase": int(verdicts.get("likely_increase", 0)),
            "Too few to tell": int(verdicts.get("too_few", 0)),
            "Not comparable": int(verdicts.get("outside_data", 0) + verdicts.get("no_comparison", 0)),
            "Median change here": _median_pct(part.loc[part["change_shown"], "target_pct_change"]),
            "Median change relative to similar places": _median_pct(part.loc[part["effect_shown"], "effect_pct"]),
        })
    columns = ["Action", "Actions", "Judged", "Likely effect", "No clear change", "Likely increase", "Too few to tell",
               "Not comparable", "Median change here", "Median change relative to similar places"]
    return pd.DataFrame(out, columns=columns).sort_values(["Actions", "Action"], ascending=[False, True],
                                                          ignore_index=True)


def implausible_warning() -> str:
    """Shown on an action whose windows hold a found-at event dated by an implausible return
    (``pipelines/quality.py``): its counts may hold an event that belongs elsewhere in time."""
    days = settings.current().quality.implausible_episode_days
    return (f"Its before or after window holds the found-at event of an episode recorded as lasting {days} days or "
            "more, almost always a wrong return date (Data quality: implausible records). Check that record before "
            "reading this verdict.")


def listed_actions_table(df: pd.DataFrame) -> pd.DataFrame:
    """The list of actions without any count (``disruption_actions_listed.sql``): what a
    council user is shown, as the effect figures count every council's children."""
    return pd.DataFrame({
        "Action": [label(t, "action") for t in df["action_type"]],
        "Where": df["target_name"],
        "Started": [fmt.month_label(m) for m in df["action_month"]],
        "Ended": [fmt.month_label(d) for d in df["end_date"]],
        "Agency": [label(a, "agency") for a in df["agency"]],
        "Locality": df["locality"],
    })
