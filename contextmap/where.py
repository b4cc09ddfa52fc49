"""The "Where" pages' logic without Streamlit: what each map measure shows, tooltips,
profiles, the funnel plot and the postcode tension matrix.

Every figure is protected here with :mod:`contextmap.disclosure` before it reaches a
map, chart or table; the pages only lay things out.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, fmt
from contextmap import hotspot_stats as hs
from contextmap.filters import SOURCES
from contextmap.labels import label, labels
from contextmap.network import split_small

LEVELS = {"ward": "Wards", "lsoa": "LSOAs (small areas)"}
MEASURES = {
    "rate": "Rate per 1,000 children aged 10–17",
    "count": "Number of events",
    "gi": "Hotspots (Getis-Ord Gi*)",
    "emerging": "Emerging hotspots",
}
MEASURE_HELP = {
    "rate": "Events in the area in the period for every 1,000 children aged 10–17 who live there "
    "(ONS mid-year estimates), so a big area is not a hotspot merely for being big.",
    "count": "Events located in the area in the period: where children went missing from or were found, "
    "places and areas named in return home interviews, and offences, as chosen under Sources.",
    "gi": "Getis-Ord Gi* compares each area and its neighbours with the whole district. Hot and cold spots are "
    "significant after a false-discovery-rate correction; an area needs a minimum number of events of its own "
    "(set by the administrator) before it can be called a hot spot.",
    "emerging": "Areas whose recent months are significantly above their own baseline, labelled with the "
    "pattern of ArcGIS' emerging hot spot analysis (new, consecutive, intensifying, persistent, …).",
}
# ColorBrewer RdBu (diverging, colour-blind safe): red = hot, blue = cold.
GI_CATEGORIES = {
    "Hot spot 99%": ("#b2182b", "Hot spot (99% confidence)"),
    "Hot spot 95%": ("#ef8a62", "Hot spot (95%)"),
    "Hot spot 90%": ("#fddbc7", "Hot spot (90%)"),
    # Grey, not white: a month where nothing is significant must not read as "no data".
    "Not significant": ("#e8e8e8", "Not significant"),
    "Too few events": ("#d9d9d9", "Too few events to call"),
    "Cold spot 90%": ("#d1e5f0", "Cold spot (90%)"),
    "Cold spot 95%": ("#67a9cf", "Cold spot (95%)"),
    "Cold spot 99%": ("#2166ac", "Cold spot (99%)"),
}
# Okabe-Ito colours, distinct for colour-blind readers.
EMERGING_CATEGORIES = {
    "New": ("#D55E00", "New"),
    "Consecutive": ("#E69F00", "Consecutive"),
    "Intensifying": ("#CC79A7", "Intensifying"),
    "Persistent": ("#0072B2", "Persistent"),
    "Diminishing": ("#56B4E9", "Diminishing"),
    "Sporadic": ("#009E73", "Sporadic"),
    "Oscillating": ("#F0E442", "Oscillating"),
    "Historical": ("#999999", "Historical"),
    "No pattern": ("#e8e8e8", "No pattern"),
    # Flagged by the emerging test without an ArcGIS pattern (hotspot_stats.emerging_category).
    hs.RECENT_RISE: ("#882255", "Recent rise (flagged, no pattern)"),
}
FUNNEL_COLOURS = {
    "Above 99.8% limit": "#D55E00",
    "Above 95% limit": "#E69F00",
    "Within limits": "#999999",
    "Below 95% limit": "#56B4E9",
    "Below 99.8% limit": "#0072B2",
}
CAVEATS = (
    "police.uk offences are snapped to anonymous map points (each covering at least eight addresses), "
    "so a street or place can carry offences that happened nearby.",
    "Counts of missing children vary with local recording practice (for example how care homes report "
    "absences), so compare areas with care.",
)
TREND_MONTHS = 24


def hotspot_source(sources) -> tuple[str, str | None]:
    """The event source of the precomputed hotspot marts that matches the sidebar's sources.

    The marts hold each source and all four together; any other mix falls back to all
    four, with a note saying so.
    """
    chosen = [s for s in SOURCES if s in set(sources)]
    if len(chosen) == len(SOURCES):
        return "all", None
    if len(chosen) == 1:
        return chosen[0], None
    return "all", "Hotspots are computed for one source or all four together: showing all four sources."


def _count(n, policy, level) -> str:
    return disclosure.fmt_count(n, policy, level)


def _rate_text(rate) -> str:
    return "—" if rate is None or pd.isna(rate) else f"{rate:,.1f} per 1,000 children aged 10–17"


def area_values(areas: pd.DataFrame, measure: str, policy: disclosure.Policy, level: str,
                classes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per area: ``code``, ``value``/``category``, ``status`` and tooltip ``lines``.

    ``areas`` is ``area_events`` (``code``, ``name``, ``locality``, ``children_10_17``,
    ``events``). For ``gi`` and ``emerging``, ``classes`` is ``map_gi`` / ``map_emerging``
    (``code``, ``gi_class`` or ``label`` and their statistics); areas without a row are no data.
    """
    protected = disclosure.map_values(areas["events"], policy, level).reset_index(drop=True)
    out = areas[["code", "name", "locality", "children_10_17", "events"]].reset_index(drop=True).copy()
    out["status"] = protected["status"].replace({"no data": "no_data"})
    shown = protected["value"]
    out["rate"] = [
        np.nan if s != "shown" or not c else 1000 * float(v) / float(c)
        for s, v, c in zip(out["status"], shown, out["children_10_17"])
    ]
    out["value"] = out["rate"] if measure == "rate" else shown
    if measure == "rate":
        out.loc[(out["status"] == "shown") & out["rate"].isna(), "status"] = "no_data"
    out["category"] = None
    lines = [
        [r.name, f"Locality: {r.locality}", f"Events: {_count(r.events, policy, level)}", f"Rate: {_rate_text(r.rate)}",
         f"Children aged 10–17: {fmt.number(r.children_10_17)}"]
        for r in out.itertuples()
    ]
    if measure in ("gi", "emerging"):
        key = "gi_class" if measure == "gi" else "label"
        info = classes.set_index("code") if classes is not None and not classes.empty else pd.DataFrame()
        for i, code in enumerate(out["code"]):
            if code not in info.index:
                out.at[i, "status"] = "no_data"
                continue
            row = info.loc[code]
            out.at[i, "category"] = row[key] if measure == "gi" else hs.emerging_category(row["is_emerging"], row[key])
            out.at[i, "status"] = "shown"
            lines[i].insert(1, _class_line(measure, row, policy, level))
    out["lines"] = lines
    return out


def _class_line(measure: str, row, policy, level) -> str:
    if measure == "gi":
        z = "" if pd.isna(row.get("gi_z")) else f" (z = {row['gi_z']:.2f}, FDR q = {row['gi_q']:.3f})"
        return f"{row['gi_class']}{z}"
    ratio = "" if pd.isna(row.get("rate_ratio")) else f", {fmt.ratio(row['rate_ratio'])} its baseline"
    recent = _count(row["recent_events"], policy, level)
    category = hs.emerging_category(row["is_emerging"], row["label"])
    return f"Emerging pattern: {category}{ratio} ({recent} events in the last {int(row['recent_months'])} months)"


PLACE_PARTS = ("missing_found", "rhi_mention", "offence")


def shown_scores(places: pd.DataFrame, weights: dict, policy: disclosure.Policy) -> pd.Series:
    """Each place's score from its shown (protected) counts; NaN when any part is hidden.

    The weights are public, so a score beside its total could give away a hidden part:
    it is shown only when every part is.
    """
    df = places.reset_index(drop=True)
    protected = disclosure.protect_counts(df, ["events", *PLACE_PARTS], policy, level="place", total_col="events",
                                          parts=list(PLACE_PARTS))
    score = sum(float(weights.get(part, 0)) * protected[part] for part in PLACE_PARTS)
    return score.where(protected[["events", *PLACE_PARTS]].notna().all(axis=1)).set_axis(places.index)


def shown_ranks(places: pd.DataFrame, weights: dict, policy: disclosure.Policy) -> pd.Series:
    """Each place's rank by its shown score (1 = highest; ties share a rank); NaN where the
    score is hidden or 0, so a rank never orders places whose scores the reader cannot see."""
    scores = shown_scores(places, weights, policy)
    return scores.where(scores > 0).rank(ascending=False, method="min")


def place_markers(places: pd.DataFrame, weights: dict, policy: disclosure.Policy) -> pd.DataFrame:
    """Map markers: ``place_id``, ``lat``, ``lon``, ``score`` (drives the size) and ``lines``.

    The size follows the shown score; a place with a hidden part is sized by its shown
    events, and a place whose events are suppressed gets the smallest marker (NaN).
    """
    scores, ranks = shown_scores(places, weights, policy), shown_ranks(places, weights, policy)
    events = disclosure.protect_counts(places.reset_index(drop=True), ["events"], policy, level="place")["events"]
    events = events.set_axis(places.index)
    out = places[["place_id", "lat", "lon"]].copy()
    out["score"] = scores.fillna(events)
    out["lines"] = [
        [
            r.name,
            f"{label(r.category, 'category')} · {r.locality}",
            f"Events: {_count(r.events, policy, 'place')}",
            "Score: " + ("c (hidden: a part is 1 to 5)" if pd.isna(sc) else f"{sc:,.1f}")
            + ("" if pd.isna(rk) else f" (rank {int(rk)})"),
        ]
        for r, sc, rk in zip(places.itertuples(), scores, ranks)
    ]
    return out


def heat_cells(cells: pd.DataFrame, policy: disclosure.Policy) -> pd.DataFrame:
    """Grid cells to draw on the heat map: cells whose count disclosure control hides are dropped."""
    keep = ~cells["events"].map(lambda n: disclosure.is_suppressed(n, policy))
    return cells[keep & (cells["events"] > 0)].reset_index(drop=True)


def monthly_wide(monthly: pd.DataFrame, policy: disclosure.Policy, level: str) -> pd.DataFrame:
    """``month``, ``event_source``, ``events`` rows → one row per month, a column per source,
    and ``hidden``: the sources whose count is hidden that month.

    Hidden counts are NaN (never a zero); the chart marks their months with a band.
    """
    if monthly.empty:
        return pd.DataFrame(columns=["month", "hidden"])
    protected = disclosure.protect_counts(monthly.reset_index(drop=True), ["events"], policy, level=level,
                                          with_status=True)
    wide = protected.pivot_table(index="month", columns="event_source", values="events", aggfunc="first", dropna=False)
    hidden = protected[protected["events_status"] == "suppressed"].groupby("month")["event_source"].agg(list)
    wide = wide.reset_index().rename_axis(columns=None)
    wide["hidden"] = [hidden.get(m, []) for m in wide["month"]]
    return wide


def theme_table(themes: pd.DataFrame, policy: disclosure.Policy, level: str) -> pd.DataFrame:
    """Themes with episodes protected, most frequent first, suppressed ones last."""
    if themes.empty:
        return pd.DataFrame(columns=["Theme", "Episodes"])
    shown = disclosure.protect_frame(themes.reset_index(drop=True), ["episodes"], policy, level=level)
    return pd.DataFrame({"Theme": labels(themes["theme"], "theme"), "Episodes": shown["episodes"]})


def funnel_figure(funnel: pd.DataFrame, policy: disclosure.Policy, level: str, highlight: str | None = None) -> go.Figure:
    """Funnel plot: each area's rate against its child population, with 95% and 99.8% limits.

    ``funnel`` is ``funnel.sql``. Rates are recomputed from protected counts; areas whose
    count is suppressed are not plotted (their position would reveal the count), and the
    title says how many.
    """
    df = funnel.rename(columns={"area_code": "code", "area_name": "name"})
    vals = disclosure.map_values(df["events"], policy, level).reset_index(drop=True)
    df = df.reset_index(drop=True)
    df["shown_rate"] = [
        np.nan if s != "shown" or not c else 1000 * v / c for s, v, c in zip(vals["status"], vals["value"], df["children_10_17"])
    ]
    hidden = int((vals["status"] == "suppressed").sum())
    fig = go.Figure()
    if not df.empty:
        from contextmap.hotspot_stats import funnel_curve

        curve = funnel_curve(float(df["district_rate_per_1000"].iloc[0]), float(df["children_10_17"].max()))
        # Start the funnel near the smallest area: below that the limits shoot up and squash the dots.
        curve = curve[curve["population"] >= 0.8 * float(df["children_10_17"].min())]
        limit_cols = [c for c in curve.columns if c != "population"]
        for col in limit_cols:
            label = "99.8% limits" if "998" in col else "95% limits"
            first = col == next(c for c in limit_cols if ("998" in c) == ("998" in col))
            fig.add_scatter(x=curve["population"], y=curve[col], mode="lines", name=label, showlegend=first,
                            legendgroup=label, line={"color": "#555555", "dash": "dash" if "998" in col else "dot", "width": 1},
                            hoverinfo="skip")
    if not df.empty:
        fig.add_hline(y=float(df["district_rate_per_1000"].iloc[0]), line={"color": "#000000", "width": 1}, opacity=1,
                      annotation_text="Whole-area rate", annotation_position="top left")
    plotted = df[df["shown_rate"].notna()]
    for cls, colour in FUNNEL_COLOURS.items():
        part = plotted[plotted["funnel_class"] == cls]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["children_10_17"], y=part["shown_rate"], mode="markers", name=cls,
            marker={"color": colour, "size": 9, "line": {"color": "#333333", "width": 0.5}},
            customdata=np.stack([part["name"], part["code"]], axis=1),
            hovertemplate="%{customdata[0]}<br>%{y:.1f} per 1,000 children aged 10–17<br>"
            "%{x:,} children aged 10–17<extra>" + cls + "</extra>",
        )
    if highlight is not None and highlight in set(plotted["code"]):
        row = plotted[plotted["code"] == highlight].iloc[0]
        fig.add_scatter(x=[row["children_10_17"]], y=[row["shown_rate"]], mode="markers", name="Selected area",
                        marker={"size": 18, "color": "rgba(0,0,0,0)", "line": {"color": "#000000", "width": 2.5}},
                        hoverinfo="skip")
    note = f" · {hidden} area{'s' if hidden != 1 else ''} with too few events to show are not plotted" if hidden else ""
    # The legend sits above the plot, under the title: below the plot, on a phone it ran into
    # the axis title; the top margin leaves room for it to wrap onto three lines.
    fig.update_layout(
        template="simple_white", height=480, margin={"t": 130},
        title={"text": f"Rates against control limits{note}", "font": {"size": 14}, "yref": "container", "y": 0.98,
               "yanchor": "top"},
        xaxis_title="Children aged 10–17 living in the area", yaxis_title="Events per 1,000 children aged 10–17",
        yaxis_rangemode="tozero",
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    )
    return fig


def trend_from(month_to, months: int = TREND_MONTHS):
    """The first month of a trend chart of ``months`` months ending in ``month_to``."""
    return (pd.Timestamp(month_to) - pd.DateOffset(months=months - 1)).date()


SPARK_QUARTERS = 8


def sparklines(quarters: pd.DataFrame, policy: disclosure.Policy) -> dict[str, list[float]]:
    """Place id → events in each of the last 8 quarters (oldest first), for a sparkline.

    A sparkline cannot show a gap, and a hidden quarter must never be drawn as a number:
    a place with any quarter of 1 to suppress_max events gets no sparkline (an empty list).
    """
    out = {}
    for place, grp in quarters.groupby("place_id"):
        counts = grp.set_index("quarters_ago")["events"].reindex(range(SPARK_QUARTERS), fill_value=0)[::-1]
        if any(disclosure.is_suppressed(v, policy) for v in counts):
            out[place] = []
        else:
            out[place] = [float(disclosure.round_count(float(v), policy, "place")) for v in counts]
    return out


def places_table(places: pd.DataFrame, sparks: dict[str, list[float]], weights: dict,
                 policy: disclosure.Policy) -> pd.DataFrame:
    """The ranked places table: protected counts, score shown only when all its parts are."""
    counts = ["events", *PLACE_PARTS, "children"]
    df = places.reset_index(drop=True)
    shown = disclosure.protect_frame(df, counts, policy, level="place", total_col="events",
                                     parts=list(PLACE_PARTS))
    hidden = shown["events"] == disclosure.SUPPRESSED
    table = pd.DataFrame({
        "Rank": shown_ranks(df, weights, policy).astype("Int64"),
        "Place": df["name"],
        "Score": [disclosure.SUPPRESSED if pd.isna(v) else f"{v:,.1f}" for v in shown_scores(df, weights, policy)],
        "Last 2 years": [sparks.get(pid, [0.0] * SPARK_QUARTERS) for pid in df["place_id"]],
        "Events": shown["events"],
        "Found here": shown["missing_found"],
        "Named in RHIs": shown["rhi_mention"],
        "Offences": shown["offence"],
        "Children": shown["children"],
        "Change": [(fmt.change(e, p) or "—") if not h and pd.notna(p) and not disclosure.is_suppressed(p, policy) else "—"
                   for e, p, h in zip(df["events"], df["previous_events"], hidden)],
        "Trend": df["trend"].where(~hidden, "—"),
        "Hotspot": df["is_hotspot"].fillna(False).astype(bool),
        "Category": labels(df["category"], "category"),
        "Locality": df["locality"],
        "place_id": df["place_id"],
    })
    # Ranked places first, then the rest by their shown events (never the query's own order,
    # which follows exact scores): a busy place whose score is hidden still comes near the top.
    events = pd.to_numeric(table["Events"].str.replace(",", ""), errors="coerce").fillna(fmt.HIDDEN_SORT_KEY)
    return table.assign(_events=events).sort_values(["Rank", "_events", "Place"], ascending=[True, False, True],
                                                    na_position="last", ignore_index=True).drop(columns="_events")


def weights_text(weights: dict) -> str:
    """The place score's formula in words, from ``[hotspots.place_weights]``."""
    names = {"missing_found": "children found there", "rhi_mention": "return home interviews naming it",
             "offence": "offences there or nearby", "missing_from": "children going missing from there"}
    parts = [f"{w:g} × {names.get(k, k)}" for k, w in weights.items()]
    return "Score = " + " + ".join(parts) + " (weights agreed locally, set by the administrator)."


def tension_figure(matrix: pd.DataFrame, policy: disclosure.Policy) -> go.Figure:
    """District × district heat map of young people from one district in offences in another.

    ``matrix`` rows: ``home_district``, ``offence_district``, ``people``. Suppressed cells
    are blank with "c" in the hover; the diagonal (own district) is shown too.
    """
    if matrix.empty:
        fig = go.Figure()
        fig.add_annotation(text="No offences with a young person's home district in this period", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_layout(template="simple_white", xaxis_visible=False, yaxis_visible=False)
        return fig
    df = disclosure.protect_counts(matrix.reset_index(drop=True), ["people"], policy, level="district", with_status=True)
    homes = sorted(df["home_district"].unique(), key=_district_key)
    places = sorted(df["offence_district"].unique(), key=_district_key)
    z = df.pivot_table(index="home_district", columns="offence_district", values="people", aggfunc="first", dropna=False)
    z = z.reindex(index=homes, columns=places)
    status = df.pivot_table(index="home_district", columns="offence_district", values="people_status",
                            aggfunc="first").reindex(index=homes, columns=places)
    text = np.where(status.to_numpy() == "suppressed", disclosure.SUPPRESSED,
                    np.where(pd.isna(z.to_numpy()), "", z.to_numpy().astype(object)))
    text = np.vectorize(lambda t: t if isinstance(t, str) else f"{t:,.0f}")(text)
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=places, y=homes, colorscale="YlOrRd", text=text, texttemplate="%{text}",
        hovertemplate="From %{y} to %{x}: %{text} young people<extra></extra>",
        colorbar={"title": "Young people"}, xgap=1, ygap=1,
    ))
    fig.update_layout(template="simple_white", height=max(360, 28 * len(homes) + 140),
                      xaxis_title="District where the offence happened", yaxis_title="Home district",
                      yaxis={"autorange": "reversed"}, margin={"t": 30})
    return fig


def _district_key(d: str):
    m = re.match(r"([A-Z]+)(\d+)", str(d))
    return (m.group(1), int(m.group(2))) if m else (str(d), 0)


def strongest_pairs(pairs: pd.DataFrame, policy: disclosure.Policy, n: int = 10) -> pd.DataFrame:
    """The strongest cross-district pairs (``postcode_tension_pairs.sql``), protected.

    Pairs are ranked by violent offences (``strength``); young people from A in offences
    in B, those from B in A and the two together are protected jointly so a hidden one
    cannot be worked out.
    """
    top = pairs.sort_values(["pair_rank", "district_a", "district_b"]).head(n).reset_index(drop=True)
    shown = disclosure.protect_frame(top, ["people_a_in_b", "people_b_in_a", "people_both_ways"], policy,
                                     level="district", total_col="people_both_ways")
    other = disclosure.protect_frame(top, ["offences", "violent_offences", "weapon_offences"], policy, level="district")
    return pd.DataFrame({
        "Districts": top["district_a"] + " and " + top["district_b"],
        "Young people (both ways)": shown["people_both_ways"],
        "From first in second": shown["people_a_in_b"],
        "From second in first": shown["people_b_in_a"],
        "Offences": other["offences"],
        "Violent": other["violent_offences"],
        "With a weapon": other["weapon_offences"],
    })


# --- profiles -----------------------------------------------------------------------------


@dataclass
class Profile:
    """What a place or area profile shows; pages lay it out, tests read it."""

    title: str
    subtitle: str
    metrics: list[tuple[str, str, str | None]] = field(default_factory=list)  # label, value, help
    timeline: go.Figure | None = None
    tables: list[tuple[str, pd.DataFrame, str]] = field(default_factory=list)  # heading, rows, empty message
    notes: list[str] = field(default_factory=list)


def _period_sums(monthly: pd.DataFrame, filters) -> tuple[float, float]:
    months = pd.to_datetime(monthly["month"])
    now = monthly[(months >= pd.Timestamp(filters.month_from)) & (months <= pd.Timestamp(filters.month_to))]["events"].sum()
    prev = filters.previous()
    before = monthly[(months >= pd.Timestamp(prev.month_from)) & (months <= pd.Timestamp(prev.month_to))]["events"].sum()
    return float(now), float(before)


def _change(now, before, policy) -> str:
    if disclosure.is_suppressed(now, policy) or disclosure.is_suppressed(before, policy):
        return "c"
    return fmt.change(now, before) or "—"


def _actions(actions: pd.DataFrame) -> pd.DataFrame:
    if actions.empty:
        return pd.DataFrame(columns=["Action", "From", "To", "Agency"])
    return pd.DataFrame({
        "Action": labels(actions["action_type"], "action"),
        "From": [fmt.month_label(d) if pd.notna(d) else "—" for d in actions["start_date"]],
        "To": [fmt.month_label(d) if pd.notna(d) else "ongoing" for d in actions["end_date"]],
        "Agency": labels(actions["agency"], "agency"),
    })


def small_groups_row(hidden: int, policy: disclosure.Policy, columns) -> dict[str, str]:
    """A last table row standing in for the groups too small to show on their own: only how many."""
    noun = "group" if hidden == 1 else "groups"
    row = dict.fromkeys(columns, "")
    row[columns[0]] = f"{fmt.number(hidden)} further {noun} of {policy.suppress_max} or fewer members (not shown)"
    return row


def _groups(groups: pd.DataFrame, policy) -> pd.DataFrame:
    """Peer groups seen at a place or in an area, by number; groups too small to show only as a count."""
    if groups.empty:
        return pd.DataFrame(columns=["Group", "Events"])
    # A group of unknown size cannot be shown safely: it counts as small.
    sized = groups.assign(size=groups["size"].fillna(1) if "size" in groups else 1)
    big, hidden = split_small(sized, policy)
    cols = [c for c in ("events", "people") if c in big]
    shown = disclosure.protect_frame(big, cols, policy, level="place")
    out = pd.DataFrame({"Group": [f"Group {g}" for g in big["group_id"]], "Events": shown["events"]})
    if "people" in shown:
        out["Members seen"] = shown["people"]
    out["Last seen"] = [fmt.month_label(d) if pd.notna(d) else "—" for d in big["last_event_at"]]
    if hidden:
        out = pd.concat([out, pd.DataFrame([small_groups_row(hidden, policy, list(out.columns))])], ignore_index=True)
    return out


def _has(fetch, table: str) -> bool:
    return bool(fetch("table_exists", table=table).iloc[0, 0])


def area_profile(fetch, level: str, code: str, name: str, filters, policy: disclosure.Policy,
                 children: float | None = None, hotspot: pd.Series | None = None, groups: bool = True) -> Profile:
    """Profile of one ward or LSOA for the filters: numbers, monthly trend, themes, places, groups.

    ``fetch(query_name, **params)`` runs ``sql/queries/<name>.sql`` (``ui.query`` on a
    page, ``queries.run`` in tests). ``groups=False`` leaves peer groups out (roles that
    may not see the peer-group page).
    """
    params = {**filters.params(), "level": level, "code": code}
    monthly = fetch("area_profile_monthly", **params, trend_from=trend_from(filters.month_to))
    actions = fetch("area_profile_actions", level=level, code=code) if _has(fetch, "stg_disruption_actions") else pd.DataFrame()
    now, before = _period_sums(monthly, filters)
    rate = disclosure.protect_rate(now, children, policy) if children else None
    prof = Profile(title=name, subtitle=f"{LEVELS[level][:-1] if level == 'ward' else 'LSOA'} {code} · "
                   f"{fmt.period_label(filters.month_from, filters.month_to)}")
    prof.metrics = [
        ("Events", _count(now, policy, level), MEASURE_HELP["count"]),
        ("Rate per 1,000 children", "—" if rate is None else f"{1000 * rate:,.1f}", MEASURE_HELP["rate"]),
        ("Change", _change(now, before, policy), "Events against the period of the same length just before."),
        ("Children aged 10–17", fmt.number(children), "Children aged 10–17 living in the area (ONS estimates)."),
    ]
    if hotspot is not None:
        prof.metrics.append(("Gi* hotspot class", str(hotspot.get("gi_class", "—")), MEASURE_HELP["gi"]))
    prof.timeline = _timeline(monthly, actions, policy, level)
    places = fetch("area_profile_places", **params)
    places_shown = disclosure.protect_frame(places.reset_index(drop=True), ["events"], policy, level="place")
    prof.tables = [
        ("Themes in return home interviews", theme_table(fetch("area_profile_themes", **params), policy, level),
         "No return home interview themes recorded for episodes here in this period."),
        ("Places of concern here", pd.DataFrame({"Place": places["name"], "Events": places_shown["events"]}),
         "No places of concern are registered in this area."),
    ]
    if groups and _has(fetch, "mart_place_groups"):
        prof.tables.append(("Peer groups seen at its places", _groups(fetch("area_profile_groups", level=level, code=code), policy),
                            "No peer group has been seen at places in this area."))
    if not actions.empty:
        prof.tables.append(("Disruption actions", _actions(actions), ""))
    return prof


def _timeline(monthly: pd.DataFrame, actions: pd.DataFrame, policy, level) -> go.Figure:
    from contextmap.disruption_view import timeline_figure

    wide = monthly_wide(monthly, policy, level)
    acts = actions[["action_type", "start_date", "end_date"]] if not actions.empty else pd.DataFrame(
        columns=["action_type", "start_date", "end_date"])
    fig = timeline_figure(wide, acts, hidden_height=policy.suppress_max)
    counts = wide.drop(columns=["month", "hidden"])
    if not counts.empty and not counts.fillna(0).to_numpy().any() and not wide["hidden"].map(len).any():
        fig.add_annotation(text="No events here in these months.", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14, "color": "#555555"})
        fig.update_yaxes(visible=False)
    fig.update_layout(height=340)
    return fig


def place_profile(fetch, place_id: str, filters, policy: disclosure.Policy, weights: dict,
                  groups: bool = True) -> Profile | None:
    """Profile of one place of concern: figures, events by source by month, themes, groups,
    near-repeats and the disruption timeline. None when the place is unknown."""
    info = fetch("place_profile", place_id=place_id)
    if info.empty:
        return None
    row = info.iloc[0]
    params = {**filters.params(), "place_id": place_id}
    monthly = fetch("place_profile_monthly", **params, trend_from=trend_from(filters.month_to))
    actions = fetch("place_profile_actions", place_id=place_id) if _has(fetch, "stg_disruption_actions") else pd.DataFrame()
    now, before = _period_sums(monthly, filters)
    category = label(row["category"], "category")
    prof = Profile(title=str(row["name"]),
                   subtitle=f"{category} · {row['ward_name'] or '—'}, {row['locality'] or '—'} · {row['sector'] or ''} · "
                   f"{fmt.period_label(filters.month_from, filters.month_to)}")
    prof.metrics = [
        ("Events", _count(now, policy, "place"), "Events linked to the place in the period: found there, "
         "named in a return home interview, or offences there or within the place radius."),
        ("Change", _change(now, before, policy), "Events against the period of the same length just before."),
    ]
    if _has(fetch, "mart_place_hotspots"):
        ranking = fetch("place_ranking", **{**filters.params(), "locality": "All"}, **ranking_params(weights))
        ranked = ranking[ranking["place_id"] == place_id]
        if not ranked.empty:
            r = ranked.iloc[0]
            ranks = shown_ranks(ranking, weights, policy).set_axis(ranking["place_id"])
            score = shown_scores(ranked, weights, policy).iloc[0]
            prof.metrics += [
                ("Score", "c" if pd.isna(score) else f"{score:,.1f}", weights_text(weights)),
                ("Rank", "—" if pd.isna(score) else f"{int(ranks[place_id]):,} of {int(ranks.notna().sum()):,}",
                 "1 = highest score among the places whose score can be shown in the period."),
                ("Children", _count(r["children"], policy, "place"), "Distinct children linked to the place's events."),
                ("Hotspot", "Yes" if pd.notna(r["is_hotspot"]) and bool(r["is_hotspot"]) else "No", "More events than an average place, beyond chance "
                 "after a false-discovery-rate correction, with at least the minimum number of events (every child counted)."),
            ]
    prof.timeline = _timeline(monthly, actions, policy, "place")
    prof.tables = [
        ("Themes in return home interviews", theme_table(fetch("place_profile_themes", **params), policy, "place"),
         "No return home interview themes recorded for episodes linked to this place in this period."),
    ]
    if groups and _has(fetch, "mart_place_groups"):
        prof.tables.append(("Peer groups seen here", _groups(fetch("place_profile_groups", place_id=place_id), policy),
                            "No peer group has been seen here."))
    if _has(fetch, "mart_near_repeat"):
        rows = pd.concat([fetch("near_repeat", place_id=place_id), fetch("near_repeat", place_id="All places")])
        prof.tables.append(("Near-repeats (Knox test)", near_repeat_table(rows, place_id, policy),
                            "Too few incidents here for a near-repeat test."))
    prof.tables.append(("Disruption actions", _actions(actions), "No disruption action recorded here."))
    return prof


def near_repeat_table(rows: pd.DataFrame, place_id: str, policy: disclosure.Policy) -> pd.DataFrame:
    """Days bands of repeat incidents at the place, against chance, beside all places."""
    mine = rows[rows["place_id"] == place_id].reset_index(drop=True)
    if mine.empty:
        return pd.DataFrame(columns=["Days apart", "Pairs", "Expected", "Ratio", "p"])
    shown = disclosure.protect_frame(mine, ["observed"], policy, level="place")
    every = rows[rows["place_id"] == "All places"].set_index("days_band")["ratio"]
    return pd.DataFrame({
        "Days apart": mine["days_band"],
        "Pairs": shown["observed"],
        "By chance (mean)": mine["expected"].round(1),
        "Ratio": [None if o == "c" else r for o, r in zip(shown["observed"], mine["ratio"].round(2))],
        "p value": ["—" if o == "c" else ("< 0.001" if p < 0.001 else f"{p:.3f}") for o, p in zip(shown["observed"], mine["p_value"])],
        "Ratio, all places": mine["days_band"].map(every).round(2),
    })


# --- the map page's data ----------------------------------------------------------------


@dataclass
class MapData:
    """Everything the map page draws and needs to resolve a click."""

    areas: pd.DataFrame
    values: pd.DataFrame
    boundaries: pd.DataFrame
    classes: pd.DataFrame | None = None
    places: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    missing: str | None = None  # why the chosen measure cannot be drawn


_CLASS_QUERIES = {"gi": ("area_hotspots", "mart_area_hotspots"), "emerging": ("emerging_hotspots", "mart_emerging_hotspots")}


def year_window(filters):
    """The filters place tables and markers use: the 12 months ending in the chosen month.

    One place in one month or quarter is nearly always 1 to 5 events, shown only as "c";
    a year gives figures people can read (each table states the window).
    """
    return replace(filters, period="12m")


def year_window_text(filters) -> str:
    """:func:`year_window` in words: "the 12 months to October 2026"."""
    return f"the 12 months to {fmt.month_label(filters.month_to)}"


def ranking_params(weights: dict) -> dict:
    """The ``$w_*`` parameters of ``place_ranking.sql`` from ``[hotspots.place_weights]``."""
    return {f"w_{part}": float(weights.get(part, 0)) for part in PLACE_PARTS}


def map_data(fetch, filters, policy: disclosure.Policy, level: str, measure: str, weights: dict) -> MapData:
    """Run the map's queries and protect their figures (``fetch`` as in :func:`area_profile`)."""
    areas = fetch("area_events", **filters.params(), level=level)
    _, source_note = hotspot_source(filters.sources)
    classes, notes, missing = None, [], None
    if measure in _CLASS_QUERIES:
        query, table = _CLASS_QUERIES[measure]
        if not _has(fetch, table):
            missing = f"{MEASURES[measure]} are not in this build. Choose another measure, or rebuild with the hotspot step."
        else:
            classes = fetch(query, **filters.params(), level=level).rename(
                columns={"area_code": "code", "area_name": "name", "unit_code": "code", "unit_name": "name"})
        notes.append("Hotspots are computed over the whole area for every child: the age, sex and looked-after "
                     "filters do not change them." + (f" {source_note}" if source_note and measure == "gi" else ""))
        if classes is not None and classes.empty:
            missing = "No hotspot results for this month and period: the data may not reach back far enough. Choose a later month."
    values = area_values(areas, "count" if missing else measure, policy, level, classes)
    boundaries = fetch("boundaries", level=level)
    places = fetch("place_ranking", **year_window(filters).params(), **ranking_params(weights)) \
        if _has(fetch, "mart_place_hotspots") else None
    return MapData(areas, values, boundaries[boundaries["code"].isin(areas["code"])].reset_index(drop=True),
                   classes, places, notes, missing)


@dataclass
class DrawnMap:
    """A map ready for the page: the folium map, the legend under it (Markdown, escaped) and,
    for each layer that has nothing to show, a sentence saying so."""

    map: object
    legend: str
    notices: list[str] = field(default_factory=list)


def place_legend(weights: dict, filters) -> list:
    """Legend entries for the place markers: what the size, the colour and the hatch mean."""
    from contextmap import maps

    return [
        maps.LegendEntry(maps.PLACE_FILL, f"Place of concern with events in {year_window_text(filters)}: the bigger "
                         "the circle, the higher its score", "dot"),
        maps.LegendEntry(maps.SUPPRESSED_FILL, "Small hatched circle: a place with 1 to 5 events of a kind, so its "
                         "score is hidden", "dot"),
        maps.LegendEntry("", weights_text(weights), "text"),
    ]


def _area_notice(data: MapData, measure: str, level: str, filters) -> str | None:
    """Why the areas show nothing, when they do not."""
    values, where = data.values, LEVELS[level].split(" ")[0].lower()
    period = fmt.period_label(filters.month_from, filters.month_to)
    if measure in ("count", "rate") and not (values["status"] == "suppressed").any() \
            and values["value"].fillna(0).eq(0).all():
        return f"No events match these filters in {period}: every area shows 0. Widen the period or clear filters."
    if measure == "gi" and not values["category"].astype(str).str.contains("spot").any():
        return (f"No {where[:-1]} is a significant hot or cold spot in {period}, so every area is grey. One month "
                "rarely has enough events: choose a quarter or 12 months in the sidebar.")
    if measure == "emerging" and values["category"].isin(["No pattern", None]).all():
        return f"No {where[:-1]} is flagged as an emerging hotspot in the months to {fmt.month_label(filters.month_to)}."
    return None


def build_map(fetch, data: MapData, filters, policy: disclosure.Policy, measure: str, places: bool, heat: bool,
              weights: dict, map_settings: dict | None = None, attribution: str = "", level: str = "ward") -> DrawnMap:
    """The map for :func:`map_data`: areas (with ward names at ward level), locality outlines
    and names, places, heat map; its legend; and a notice for each layer with nothing to show."""
    from contextmap import maps

    drawn = "count" if data.missing else measure
    map_settings = map_settings or {}
    m, legend = maps.choropleth(
        data.boundaries, data.values, title=MEASURES[drawn], decimals=1 if drawn == "rate" else 0,
        categories={"gi": GI_CATEGORIES, "emerging": EMERGING_CATEGORIES}.get(drawn), attribution=attribution,
        tile_url=map_settings.get("tile_url", ""), tile_attribution=map_settings.get("tile_attribution", ""),
    )
    if level == "ward":
        maps.add_ward_names(m, data.boundaries)
    maps.add_localities(m, fetch("boundaries", level="locality"))
    notices = [n for n in [_area_notice(data, drawn, level, filters)] if n]
    lines = [maps.LegendEntry("#222222", "Locality boundary (names in bold)", "line")]
    if level == "ward":
        lines.append(maps.LegendEntry("#555555", "Ward (name in small type)", "line"))
    legends = [legend, maps.legend_markdown("Lines", lines)]
    if places and data.places is not None:
        markers = place_markers(data.places, weights, policy)
        maps.add_places(m, markers)
        if markers["score"].fillna(1).eq(0).all():
            notices.append(f"No place of concern had events in {year_window_text(filters)}.")
        legends.append(maps.legend_markdown("Places", place_legend(weights, filters)))
    if heat:
        cells = heat_cells(fetch("map_heat", **filters.params()), policy)
        maps.add_heat(m, cells)
        if cells.empty:
            notices.append("The heat map has nothing to show: in this period every 200 m square has 5 or fewer events, "
                           "and those are hidden. Choose a quarter or 12 months in the sidebar.")
        else:
            legends.append(maps.legend_markdown("Density heat map", [maps.LegendEntry(
                "", "Fewer to more events per 200 m square (squares with 1 to 5 are left out)", "gradient")]))
    return DrawnMap(m, "".join(legends), notices)


def clicked_ref(returned: dict | None) -> str | None:
    """The ``ref`` (area code or place id) of the feature last clicked, from ``st_folium``'s
    ``last_active_drawing``, or None. Refs are stored HTML-escaped, like every map string."""
    feature = (returned or {}).get("last_active_drawing") or {}
    ref = (feature.get("properties") or {}).get("ref")
    return None if ref is None else html.unescape(str(ref))


def resolve_click(ref: str | None, data: MapData) -> tuple[str, str] | None:
    """``("area", code)`` or ``("place", place_id)`` for a clicked feature's ref, else None."""
    if ref is None:
        return None
    if ref in set(data.areas["code"]):
        return "area", ref
    if data.places is not None and ref in set(data.places["place_id"].astype(str)):
        return "place", ref
    return None


# --- postcodes -----------------------------------------------------------------------------

POSTCODE_LEVELS = {"district": "Districts (HD1)", "sector": "Sectors (HD1 2)"}
EXCEEDANCE_FILL = "#D55E00"
ORDINARY_FILL = "#0072B2"


def postcode_legend(level: str) -> str:
    """The postcode map's legend (Markdown): what the circles' colour, size and hatch mean."""
    from contextmap import maps

    return maps.legend_markdown(f"Postcode {POSTCODE_LEVELS[level].split(' ')[0].lower()}", [
        maps.LegendEntry(EXCEEDANCE_FILL, "More events than expected (beyond chance)", "dot"),
        maps.LegendEntry(ORDINARY_FILL, "Not above expected", "dot"),
        maps.LegendEntry(maps.SUPPRESSED_FILL, "Small hatched circle: 1 to 5 events, hidden", "dot"),
        maps.LegendEntry("", "The bigger the circle, the more events in the period.", "text")])


def postcode_points(units: pd.DataFrame, policy: disclosure.Policy, level: str) -> pd.DataFrame:
    """Circles for postcode districts or sectors: size = shown events, vermilion when more
    than expected beyond chance; suppressed units get the smallest, hatched circle."""
    events = disclosure.map_values(units["events"], policy, level).reset_index(drop=True)
    df = units.reset_index(drop=True)
    out = pd.DataFrame({"ref": df["code"], "lat": df["lat"], "lon": df["lon"], "size": events["value"]})
    out["fill"] = np.where(df["is_exceedance"].fillna(False).astype(bool), EXCEEDANCE_FILL, ORDINARY_FILL)
    out["lines"] = [
        [r.code, f"Events: {_count(r.events, policy, level)}",
         f"Rate: {_rate_text(None if lab == 'suppressed' or not r.children_10_17 else 1000 * v / r.children_10_17)}",
         "More events than expected (beyond chance)" if r.is_exceedance else "Not above expectation beyond chance"]
        for r, v, lab in zip(df.itertuples(), events["value"], events["status"])
    ]
    return out


def postcode_table(units: pd.DataFrame, policy: disclosure.Policy, level: str) -> pd.DataFrame:
    """The district/sector table: protected events, rate, ratio to expected, exceedance."""
    df = units.reset_index(drop=True)
    shown = disclosure.protect_frame(df, ["events"], policy, level=level)
    hidden = shown["events"] == disclosure.SUPPRESSED
    rate = [None if h or not c else round(1000 * e / c, 1) for h, e, c in zip(hidden, df["events"], df["children_10_17"].fillna(0))]
    return pd.DataFrame({
        POSTCODE_LEVELS[level].split(" ")[0][:-1]: df["code"],
        "Locality": df["locality"].fillna("Outside the area"),
        "Events": shown["events"],
        "Rate per 1,000 children": rate,
        "Ratio to expected": df["ratio"].where(~hidden).round(2),
        "Above expected": df["is_exceedance"].fillna(False).astype(bool),
    })
