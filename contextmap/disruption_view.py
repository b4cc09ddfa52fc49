"""Figures for the disruption review: a place's monthly timeline and a forest plot of effects.

Pure functions returning plotly figures, so pages and the meeting pack share them and
tests need no Streamlit. Counts should already have passed disclosure control: a
suppressed month arrives as a missing value and is drawn as a gap, never as zero.
Colours are the Okabe-Ito palette, which stays distinct for colour-blind readers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, fmt, settings

SOURCE_LABELS = {
    "missing_from": "Went missing from here",
    "missing_found": "Found here",
    "rhi_mention": "Named in a return interview",
    "offence": "Offences",
}
SOURCE_COLOURS = {"missing_from": "#E69F00", "missing_found": "#56B4E9", "rhi_mention": "#009E73", "offence": "#CC79A7"}
VERDICT_STYLE = {
    "likely_effect": ("#0072B2", "Likely effect (fewer events)"),
    "likely_increase": ("#D55E00", "Likely increase"),
    "no_clear_change": ("#000000", "No clear change"),
}
NOT_JUDGED_WORDS = {
    "outside_data": "Not enough data yet to judge",
    "no_comparison": "No similar places without an action to compare with",
}
NOT_JUDGED = {
    "too_few": "too few events to tell",
    "outside_data": "not enough data yet",
    "no_comparison": "no similar places to compare",
}
ACRONYMS = {"CCTV", "ASB", "CSE", "CCE"}
ACTION_FILL = "rgba(0, 114, 178, 0.12)"
ACTION_LINE = "#0072B2"


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(xaxis_visible=False, yaxis_visible=False, template="simple_white")
    return fig


def timeline_figure(monthly_df: pd.DataFrame, actions_df: pd.DataFrame) -> go.Figure:
    """Monthly events at a place or area with the actions taken there drawn over them.

    Parameters
    ----------
    monthly_df : pandas.DataFrame
        One row per month: ``month`` and either one column per event source
        (``missing_from``, ``missing_found``, ``rhi_mention``, ``offence``; stacked bars)
        or ``events`` (one bar); missing counts (suppressed, or months outside the
        data) are gaps. An optional ``control_events_per_unit`` is drawn as a
        line: the average at the similar places the review compares with.
    actions_df : pandas.DataFrame
        ``action_type``, ``start_date`` and optional ``end_date``: a shaded band from
        start to end, or a line at the start when the action has no end.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    if monthly_df.empty:
        return _empty("No events recorded here in this period")
    df = monthly_df.sort_values("month")
    fig = go.Figure()
    sources = [s for s in SOURCE_LABELS if s in df]
    for source in sources or ["events"]:
        fig.add_bar(
            x=df["month"],
            y=df[source],
            name=SOURCE_LABELS.get(source, "Events"),
            marker_color=SOURCE_COLOURS.get(source, "#56B4E9"),
            # Each bar spans its calendar month, so an action line falls on its real day.
            xperiod="M1",
            xperiodalignment="middle",
            hovertemplate="%{x|%B %Y}: %{y}<extra>%{fullData.name}</extra>",
        )
    if "control_events_per_unit" in df and df["control_events_per_unit"].notna().any():
        fig.add_scatter(
            x=df["month"],
            y=df["control_events_per_unit"],
            name="Average at similar places",
            mode="lines",
            line={"color": "#000000", "dash": "dash"},
            xperiod="M1",
            xperiodalignment="middle",
            hovertemplate="%{x|%B %Y}: %{y:.1f}<extra>Average at similar places</extra>",
        )
    for action in actions_df.itertuples():
        start = pd.Timestamp(action.start_date)
        end = getattr(action, "end_date", None)
        label = action_label(action.action_type)
        if end is not None and not pd.isna(end) and pd.Timestamp(end) > start:
            fig.add_vrect(x0=start, x1=pd.Timestamp(end), fillcolor=ACTION_FILL, line_width=0, layer="below")
        fig.add_vline(x=start, line={"color": ACTION_LINE, "width": 2}, opacity=1)
        fig.add_annotation(
            x=start,
            y=1,
            yref="paper",
            text=label,
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"color": ACTION_LINE},
        )
    fig.update_layout(
        barmode="stack",
        template="simple_white",
        yaxis_title="Events per month",
        xaxis_title=None,
        legend={"orientation": "h", "y": -0.15},
        margin={"t": 40},
    )
    return fig


def action_label(action_type) -> str:
    """``"LICENSING_VISIT"`` → ``"Licensing visit"``; acronyms (CCTV) stay in capitals."""
    text = str(action_type)
    return text if text.upper() in ACRONYMS else text.replace("_", " ").capitalize()


def _label(row) -> str:
    action = action_label(row.action_type)
    return f"{action} at {row.target_name}, {fmt.month_label(row.action_month)}"


def effect_figure(effects_df: pd.DataFrame, policy: disclosure.Policy | None = None) -> go.Figure:
    """Forest plot: each action's change relative to similar places, with its 95% interval.

    Parameters
    ----------
    effects_df : pandas.DataFrame
        Rows of ``mart_disruption_effects`` for one event source (usually ``'all'``):
        ``action_id``, ``action_type``, ``target_name``, ``target_level``, ``action_month``,
        ``target_before``, ``target_after``, ``rate_ratio``, ``ci_low``, ``ci_high``,
        ``verdict``, ``verdict_text`` (and ``control_before``, ``control_after`` when known).
    policy : disclosure.Policy, optional
        Disclosure settings (default: those in ``contextmap.toml``).

    Returns
    -------
    plotly.graph_objects.Figure
        Ratios on a log axis labelled as percentage changes, with a reference line at no
        change. Actions that cannot be judged (too few events, windows outside the data,
        no comparison) are listed by name with the reason instead of a point, so a
        meaningless estimate is never drawn; an action with a hidden count behind its
        estimate is listed with the change as a band in words, since a point would give
        the hidden count back.
    """
    if effects_df.empty:
        return _empty("No disruption actions recorded")
    policy = policy or disclosure.Policy.from_settings()
    df = effects_df.assign(label=[_label(r) for r in effects_df.itertuples()]).sort_values("action_month")
    repeated = df["label"].duplicated(keep=False)
    df.loc[repeated, "label"] = df.loc[repeated, "label"] + " (" + df.loc[repeated, "action_id"].astype(str) + ")"
    hidden = pd.Series([estimate_hidden(r, policy) for r in df.itertuples()], index=df.index, dtype=bool)
    fig = go.Figure()
    for verdict, (colour, name) in VERDICT_STYLE.items():
        part = df[(df["verdict"] == verdict) & ~hidden]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["rate_ratio"],
            y=part["label"],
            mode="markers",
            name=name,
            marker={"color": colour, "size": 10, "symbol": "diamond" if verdict == "likely_effect" else "circle"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": part["ci_high"] - part["rate_ratio"],
                "arrayminus": part["rate_ratio"] - part["ci_low"],
                "color": colour,
            },
            customdata=part[["verdict_text"]],
            hovertemplate="%{y}<br>%{customdata[0]}<extra></extra>",
        )
    as_text = df[~df["verdict"].isin(list(VERDICT_STYLE)) | hidden]
    if not as_text.empty:
        # An invisible trace keeps these rows on the axis; words are written in place of a point.
        fig.add_scatter(
            x=np.ones(len(as_text)),
            y=as_text["label"],
            mode="markers",
            marker={"opacity": 0},
            showlegend=False,
            hoverinfo="skip",
        )
        for row in as_text.itertuples():
            if row.verdict in VERDICT_STYLE:
                colour, name = VERDICT_STYLE[row.verdict]
                text = f"{effect_band(row.rate_ratio)}: {name.lower()} (small counts, no number shown)"
            else:
                colour, text = "#555555", NOT_JUDGED.get(row.verdict, row.verdict_text)
            # Annotations on a log axis take log10 of the value: 0 puts the text at "no change".
            fig.add_annotation(
                x=0,
                xref="x",
                y=row.label,
                text=text,
                showarrow=False,
                font={"color": colour, "size": 11},
            )
    ticks = [0.1, 0.25, 0.5, 1, 2, 4, 10]
    # Explicit width and opacity: the simple_white template draws shapes with no line by default.
    fig.add_vline(x=1, line={"color": "#777777", "dash": "dot", "width": 1.5}, opacity=1)
    fig.update_xaxes(
        type="log",
        tickvals=ticks,
        ticktext=[f"{100 * (t - 1):+.0f}%" if t != 1 else "no change" for t in ticks],
        title="Change in events relative to similar places (95% interval)",
    )
    # Plotly draws the first category at the bottom: reverse so the earliest action is on top.
    fig.update_yaxes(categoryorder="array", categoryarray=list(df["label"])[::-1], title=None)
    fig.update_layout(
        template="simple_white",
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        height=max(250, 40 * len(df) + 150),
        margin={"t": 60},
    )
    return fig


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
}
SOURCE_NAMES = {"all": "All events", **SOURCE_LABELS}
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

Counts at places and small areas are hidden when 1 to {smax} ("c"); a change in percent is
not given where it would reveal a hidden count. Full method: docs/methods.md, "Disruption review".
"""


def method_text(policy) -> str:
    """The method and caveats, with the settings in force."""
    cfg = settings.get("disruption")
    return METHOD.format(w=cfg["window_months"], k=cfg["control_places"], conf=round(100 * (1 - cfg["alpha"])),
                         min_events=cfg["min_events"], buffer=cfg["buffer_radius_m"], smax=policy.suppress_max)


def _hidden(policy, *counts) -> bool:
    return any(disclosure.is_suppressed(c, policy) for c in counts)


# Coarse bands for an estimate whose counts are hidden: (upper bound of the rate ratio, words).
EFFECT_BANDS = (
    (0.5, "fall of more than half"),
    (0.75, "fall of a quarter to a half"),
    (0.9, "fall of less than a quarter"),
    (1.1, "little change"),
    (1.5, "rise of up to a half"),
    (np.inf, "rise of more than half"),
)


def effect_band(rate_ratio) -> str:
    """The estimated change relative to similar places as a coarse band in words, with no number."""
    return next(words for upper, words in EFFECT_BANDS if float(rate_ratio) < upper)


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
    return bool(row.ci_high < 1 or row.ci_low > 1)


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
        return f"{effect_band(row.rate_ratio).capitalize()}; interval {side} no change"
    return f"{row.effect_pct:+.0f}% ({100 * (row.ci_low - 1):+.0f}% to {100 * (row.ci_high - 1):+.0f}%)"


def verdict_words(row, policy) -> str:
    """The verdict in plain words, never giving away a hidden count.

    The review's own sentence (``verdict_text``) quotes counts and percentages; it is used
    as it is only when every count behind it may be shown. Otherwise the words are rebuilt
    with the change as a band and no number.
    """
    cfg = settings.get("disruption")
    if row.verdict == "too_few":
        return (f"Too few events to tell (fewer than {cfg['min_events']} events in the "
                f"{2 * int(row.window_months)} months around the action)")
    if not estimate_hidden(row, policy):
        return str(row.verdict_text)
    if row.verdict not in JUDGED:
        return NOT_JUDGED_WORDS.get(row.verdict, VERDICT_LABELS.get(row.verdict, "Not judged"))
    side = "excludes" if _interval_excludes_no_change(row) else "includes"
    spike = ". Events had risen before the action, so part of the fall may be a return to normal" if (
        row.verdict == "likely_effect" and bool(row.is_after_spike)) else ""
    return (f"{effect_band(row.rate_ratio).capitalize()} relative to similar places, and the interval {side} "
            f"no change: {VERDICT_LABELS[row.verdict].lower()} (the counts are too small to show exactly){spike}")


def wdq_words(row, policy) -> str:
    """The Weighted Displacement Quotient as a sentence, or ``""`` when it would reveal a hidden count."""
    if row.wdq is None or pd.isna(row.wdq):
        return ""
    if estimate_hidden(row, policy) or _hidden(policy, row.buffer_before, row.buffer_after):
        return ""
    return f" Weighted Displacement Quotient {row.wdq:.2f}."


def displacement_words(row, policy) -> str:
    """The displacement reading without hidden counts."""
    if row.displacement_verdict is None or pd.isna(row.displacement_verdict):
        return "Not assessed"
    if row.displacement_verdict == "too_few":
        return DISPLACEMENT_LABELS["too_few"]
    if _hidden(policy, row.buffer_before, row.buffer_after):
        return DISPLACEMENT_LABELS.get(row.displacement_verdict, str(row.displacement_text))
    return str(row.displacement_text)


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

    return pd.DataFrame({
        "Action": [action_label(t) for t in df["action_type"]],
        "Agency": df["agency"].str.replace("_", " ").str.capitalize(),
        "Where": df["target_name"],
        "Locality": df["locality"],
        "Started": [fmt.month_label(m) for m in df["action_month"]],
        "Events before": [count(n, lv) for n, lv in zip(df["target_before"], df["target_level"])],
        "Events after": [count(n, lv) for n, lv in zip(df["target_after"], df["target_level"])],
        "Change here": [change(r) for r in df.itertuples()],
        "Relative to similar places (95% interval)": [effect_words(r, policy) for r in df.itertuples()],
        "Verdict": [VERDICT_LABELS.get(v, v) for v in df["verdict"]],
        "Nearby": [DISPLACEMENT_LABELS.get(v, "Not assessed") if isinstance(v, str) else "Not assessed"
                   for v in df["displacement_verdict"]],
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


def protected_timeline(df: pd.DataFrame, level: str, policy) -> pd.DataFrame:
    """Timeline months with hidden counts as gaps (months outside the data stay gaps too)."""
    cols = [c for c in SOURCE_LABELS if c in df]
    # Nullable integer columns (null outside the data) become floats with NaN for disclosure control.
    df = df.reset_index(drop=True).astype({c: float for c in cols + ["events"]})
    out = disclosure.protect_counts(df, cols + ["events"], policy, level=level)
    out.loc[~df["has_data"].astype(bool).to_numpy(), cols + ["events"]] = np.nan
    return out


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
            "Action": action_label(action_type),
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
    days = int(settings.get("quality", "implausible_episode_days"))
    return (f"Its before or after window holds the found-at event of an episode recorded as lasting {days} days or "
            "more, almost always a wrong return date (Data quality: implausible records). Check that record before "
            "reading this verdict.")
