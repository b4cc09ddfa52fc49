"""The Map page's logic without Streamlit: what each measure shows and its legend, the
areas' values and tooltips, the place and heat layers, the funnel plot, and which
feature a click chose.

Every figure is protected here with :mod:`contextmap.disclosure` before it reaches a
map, chart or table; the page only lays things out. Profiles opened from the map are in
:mod:`contextmap.profile_view`, the place score in :mod:`contextmap.places_view`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, emerging_view, fmt, maps
from contextmap import hotspot_stats as hs
from contextmap.event_counts import area_events, heat_events
from contextmap.filters import SOURCES
from contextmap.labels import label
from contextmap.places_view import (
    cross_border_text,
    ranking,
    score_texts,
    shown_counts,
    shown_ranks,
    shown_scores,
    weights_text,
)
from contextmap.queries import Query, has_table
from contextmap.settings import Map, PlaceWeights

LEVELS = {"ward": "Wards", "lsoa": "LSOAs (small areas)"}
MEASURES = {
    "rate": "Rate per 1,000 children aged 10–17",
    "count": "Number of events",
    "gi": "Hotspots (Getis-Ord Gi*)",
    "emerging": "Emerging hotspots",
}
# A council scope colours areas by its own counts only: the rate divides them by every child
# living in the area, and the hotspot measures count every council's children.
COUNCIL_MEASURES = ("count",)
MEASURE_HELP = {
    "rate": "Events in the area in the period for every 1,000 children aged 10–17 who live there "
    "(ONS mid-year estimates), so a big area is not a hotspot merely for being big.",
    "count": "Events located in the area in the period: where children went missing from or were found, "
    "places and areas named in return home interviews, and offences, as chosen under Sources.",
    "gi": "Getis-Ord Gi* compares each area and its neighbours with the whole district. Hot and cold spots are "
    "significant after a false-discovery-rate correction; an area needs a minimum number of events of its own "
    "(set by the administrator) before it can be called a hot spot.",
    "emerging": "Areas whose events in the quarter so far are significantly above their own baseline, labelled with the "
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
    # Not vermilion: that is the place markers' fill (maps.PLACE_FILL).
    "New": ("#661100", "New"),
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


def measures_for(scoped: bool) -> dict[str, str]:
    """The measures the map offers: a council scope (``scoped``) gets only its own counts."""
    return {k: v for k, v in MEASURES.items() if not scoped or k in COUNCIL_MEASURES}


def scope_note(council_name: str) -> str:
    """What a council user's map counts, and which areas it shows."""
    return (f"the wards and LSOAs in {council_name}, next to it, or where {council_name}'s children went missing "
            f"or were found or named in an interview; no other area is shown. Events are {council_name}'s children's, "
            f"wherever they were, and offences only in LSOAs in or next to {council_name}. Rates, hotspots, emerging "
            "hotspots, the funnel plot and peer groups count every council's children and are not shown at council level.")


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


def area_values(areas: pd.DataFrame, measure: str, policy: disclosure.Policy, level: str,
                classes: pd.DataFrame | None = None, scoped: bool = False) -> pd.DataFrame:
    """Per area: ``code``, ``value``/``category``, ``status`` and tooltip ``lines``.

    ``areas`` is ``area_events`` (``code``, ``name``, ``locality``, ``children_10_17``,
    ``events``, ``cross_border_councils``). For ``gi`` and ``emerging``, ``classes`` is ``map_gi`` / ``map_emerging``
    (``code``, ``gi_class`` or ``label`` and their statistics); areas without a row are no data.
    A council scope (``scoped``) gets no rate: its events are not those of every child living there.
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
        [r.name, f"Locality: {r.locality}", f"Events: {disclosure.fmt_count(r.events, policy, level)}",
         *([] if scoped else [f"Rate: {fmt.rate_text(r.rate)}"]),
         f"Children aged 10–17: {fmt.number(r.children_10_17)}",
         # More than suppress_max children of each council (mart_area_cross_border): never how many from each.
         *[f"Cross-border: {cross_border_text(c).lower()}" for _ in [c] if cross_border_text(c)]]
        for r, c in zip(out.itertuples(), areas["cross_border_councils"])
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
        # The class alone: z from the true counts and public neighbours gives the ward counts back.
        return str(row["gi_class"])
    ratio = emerging_view.ratio_text(row, policy, level)
    ratio = "" if ratio is None else f", {ratio}"
    category = hs.emerging_category(row["is_emerging"], row["label"])
    # Every area has a pattern; only some are flagged (the Overview lists those): say which.
    flagged = "flagged: a significant recent rise" if bool(row["is_emerging"]) else "not flagged"
    return f"Emerging pattern: {category}, {flagged}{ratio} ({emerging_view.window_text(row, policy, level)})"


def place_markers(places: pd.DataFrame, weights: PlaceWeights, policy: disclosure.Policy) -> pd.DataFrame:
    """Map markers: ``place_id``, ``lat``, ``lon``, ``score`` (drives the size) and ``lines``.

    The size follows the shown score; a place whose shown parts add up to no score is sized
    by its shown events, and a place whose events are suppressed gets the smallest marker (NaN).
    """
    scores, ranks = shown_scores(places, weights, policy), shown_ranks(places, weights, policy)
    events = shown_counts(places, policy)["events"].set_axis(places.index)
    out = places[["place_id", "lat", "lon"]].copy()
    out["score"] = scores.where(scores > 0).fillna(events)
    # The Places table's texts, so the map never shows a count or a score the table hides.
    out["lines"] = [
        [
            r.name,
            f"{label(r.category, 'category')} · {r.locality}",
            f"Events: {disclosure.SUPPRESSED if pd.isna(ev) else disclosure.fmt_count(ev, policy, 'place')}",
            f"Score: {sc}" + ("" if pd.isna(rk) else f" (rank {int(rk)})"),
            *filter(None, [cross_border_text(r.cross_border_councils)]),
        ]
        for r, ev, sc, rk in zip(places.itertuples(), events, score_texts(places, weights, policy), ranks)
    ]
    return out


def heat_cells(cells: pd.DataFrame, policy: disclosure.Policy) -> pd.DataFrame:
    """Grid cells to draw on the heat map: cells whose count disclosure control hides are dropped."""
    keep = ~cells["events"].map(lambda n: disclosure.is_suppressed(n, policy))
    return cells[keep & (cells["events"] > 0)].reset_index(drop=True)


FUNNEL_NAMED = 8
FUNNEL_PLOT_PX = (480, 300)


def label_offsets(points, sizes, bounds, up, distances=(18, 32, 46, 60, 74)) -> list[tuple[float, float]]:
    """Where to put each label so none prints over another: ``(ax, ay)`` pixel offsets from
    its point, as plotly's annotation arrows take them (``ay`` grows downwards).

    ``points`` are ``(x, y)`` pixels (y upwards) inside ``bounds`` ``(width, height)``;
    ``sizes`` each label's ``(width, height)``; ``up``: whether a label would rather sit
    above its point. Labels are placed in turn, each at the nearest free spot (``distances``
    away, in pixels; 0 is on the point), the first spot tried when none is free.
    """
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for (x, y), (w, h), first_up in zip(points, sizes, up):
        spots = [(dx * w, sign * dist) for dist in distances for sign in ((1, -1) if first_up else (-1, 1))
                 for dx in (0, -0.6, 0.6)]
        boxes = [(x + dx - w / 2, y + dy - h / 2, x + dx + w / 2, y + dy + h / 2) for dx, dy in spots]
        free = [b[0] >= 0 and b[1] >= 0 and b[2] <= bounds[0] and b[3] <= bounds[1]
                and not any(b[0] < p[2] and p[0] < b[2] and b[1] < p[3] and p[1] < b[3] for p in placed) for b in boxes]
        i = free.index(True) if True in free else 0
        placed.append(boxes[i])
        out.append((spots[i][0], -spots[i][1]))
    return out


def funnel_outliers(plotted: pd.DataFrame, n: int = FUNNEL_NAMED) -> pd.DataFrame:
    """The plotted areas the funnel plot names: outside the 95% limits, those beyond the
    99.8% limits first, then those furthest from the median rate, at most ``n``."""
    out = plotted[plotted["funnel_class"].fillna("Within limits") != "Within limits"]
    beyond = out["funnel_class"].str.contains("99.8")
    spread = (out["shown_rate"] - plotted["shown_rate"].median()).abs()
    return out.assign(_b=beyond, _s=spread).sort_values(["_b", "_s"], ascending=False).head(n).drop(columns=["_b", "_s"])


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
    # The whole-area rate from the areas shown: the query's is of the true total, which the
    # populations beside it would give back.
    plotted_children = df.loc[df["shown_rate"].notna(), "children_10_17"].sum()
    whole_rate = 1000 * float(vals.loc[df["shown_rate"].notna(), "value"].sum()) / plotted_children if plotted_children else None
    fig = go.Figure()
    if whole_rate is not None:
        curve = hs.funnel_curve(whole_rate, float(df["children_10_17"].max()))
        # Start the funnel near the smallest area: below that the limits shoot up and squash the dots.
        curve = curve[curve["population"] >= 0.8 * float(df["children_10_17"].min())]
        limit_cols = [c for c in curve.columns if c != "population"]
        for col in limit_cols:
            label = "99.8% limits" if "998" in col else "95% limits"
            first = col == next(c for c in limit_cols if ("998" in c) == ("998" in col))
            fig.add_scatter(x=curve["population"], y=curve[col], mode="lines", name=label, showlegend=first,
                            legendgroup=label, line={"color": "#555555", "dash": "dash" if "998" in col else "dot", "width": 1},
                            hoverinfo="skip")
    if whole_rate is not None:
        fig.add_hline(y=whole_rate, line={"color": "#000000", "width": 1}, opacity=1,
                      annotation_text="Whole-area rate", annotation_position="top left")
    plotted = df[df["shown_rate"].notna()].copy()
    classed = plotted["funnel_class"].notna()
    if whole_rate is not None and classed.any():  # against the limits drawn, so a dot's colour matches its place
        plotted.loc[classed, "funnel_class"] = hs.funnel_class(
            plotted.loc[classed, "shown_rate"], hs.funnel_limits(whole_rate, plotted.loc[classed, "children_10_17"]))
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
    # Name the dots a meeting asks about, those outside the 95% limits: on a projector no one hovers.
    named = funnel_outliers(plotted)
    if not named.empty:
        xs = [v for t in fig.data for v in t.x if v is not None]
        ys = [v for t in fig.data for v in t.y if v is not None]
        x0, y1 = min(xs), max(ys)
        # Pixels as the chart is drawn at 1024 px (the narrowest screen), where labels are most crowded.
        to_px = (FUNNEL_PLOT_PX[0] / ((max(xs) - x0) or 1), FUNNEL_PLOT_PX[1] / (y1 or 1))
        offsets = label_offsets([((r.children_10_17 - x0) * to_px[0], r.shown_rate * to_px[1]) for r in named.itertuples()],
                                [(7 * len(str(n)) + 6, 16) for n in named["name"]], FUNNEL_PLOT_PX,
                                [c.startswith("Above") for c in named["funnel_class"]])
        for row, (ax, ay) in zip(named.itertuples(), offsets):
            fig.add_annotation(x=row.children_10_17, y=row.shown_rate, text=html.escape(str(row.name)), showarrow=True,
                               arrowwidth=0.8, arrowcolor="#555555", ax=ax, ay=ay, font={"size": 11, "color": "#222222"},
                               bgcolor="rgba(255,255,255,0.6)")
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


def map_data(query: Query, filters, policy: disclosure.Policy, level: str, measure: str, weights: PlaceWeights,
             scoped: bool = False) -> MapData:
    """Run the map's queries and protect their figures. A council scope (``scoped``) gets
    the areas it sees with its own counts (``area_events``), and only the count measure."""
    if scoped and measure not in COUNCIL_MEASURES:
        measure = "count"
    areas = area_events(query, filters, policy, level)
    _, source_note = hotspot_source(filters.sources)
    classes, notes, missing = None, [], None
    if measure in _CLASS_QUERIES:
        name, table = _CLASS_QUERIES[measure]
        if not has_table(query, table):
            missing = f"{MEASURES[measure]} are not in this build. Choose another measure, or rebuild with the hotspot step."
        else:
            classes = (emerging_view.level_rows(query, level, filters.month_to, filters.locality, policy)
                       if measure == "emerging" else query(name, **filters.params(), level=level)).rename(
                columns={"area_code": "code", "area_name": "name", "unit_code": "code", "unit_name": "name"})
        notes.append("Hotspots are computed over the whole area for every child: the age, sex and looked-after "
                     "filters do not change them." + (f" {source_note}" if source_note and measure == "gi" else ""))
        if classes is not None and classes.empty:
            missing = "No hotspot results for this month and period: the data may not reach back far enough. Choose a later month."
    values = area_values(areas, "count" if missing else measure, policy, level, classes, scoped)
    boundaries = query("boundaries", level=level)
    places = ranking(query, filters.year_window(), weights, policy) \
        if has_table(query, "mart_place_hotspots") else None
    return MapData(areas, values, boundaries[boundaries["code"].isin(areas["code"])].reset_index(drop=True),
                   classes, places, notes, missing)


@dataclass
class DrawnMap:
    """A map ready for the page: the folium map, the legend under it (Markdown, escaped) and,
    for each layer that has nothing to show, a sentence saying so."""

    map: object
    legend: str
    notices: list[str] = field(default_factory=list)


def place_legend(weights: PlaceWeights, filters) -> list:
    """Legend entries for the place markers: what the size, the colour and the hatch mean."""
    return [
        maps.LegendEntry(maps.PLACE_FILL, f"Place of concern with events in {filters.year_window_text()}: the bigger "
                         "the circle, the higher its score", "dot"),
        maps.LegendEntry(maps.SUPPRESSED_FILL, "Small hatched circle: a place with 0 to 5 events, so its "
                         "score is hidden", "dot"),
        maps.LegendEntry("", weights_text(weights), "text"),
    ]


EVENTS_MEANING = ("Events: children who went missing from or were found in the area, return home interviews "
                  "naming it, and offences there, as chosen under Sources.")


def colour_period(measure: str, filters) -> str:
    """The period the areas' colours cover: the sidebar's ("October 2026"), or for emerging
    hotspots the quarter so far to its last month."""
    if measure == "emerging":
        return f"the quarter so far to {fmt.month_label(filters.month_to)}"
    return filters.label


def colour_caption(measure: str, filters, places: bool = False) -> str:
    """The line over the map: what the colours show and for which period, what an event is,
    and (``places``) the period of the place circles, which is the year. Markdown, escaped."""
    what = MEASURES[measure]
    text = f"Colours: {what[0].lower() + what[1:]}, {colour_period(measure, filters)}."
    if places:
        text += f" Place circles: {filters.year_window_text()}."
    return fmt.md_escape(text) + "  \n" + fmt.md_escape(EVENTS_MEANING)


def _area_notice(data: MapData, measure: str, level: str, filters) -> str | None:
    """Why the areas show nothing, when they do not."""
    values, where = data.values, LEVELS[level].split(" ")[0].lower()
    period = filters.label
    if measure in ("count", "rate") and not (values["status"] == "suppressed").any() \
            and values["value"].fillna(0).eq(0).all():
        return f"No events match these filters in {period}: every area shows 0. Widen the period or clear filters."
    if measure == "gi" and not values["category"].astype(str).str.contains("spot").any():
        return (f"No {where[:-1]} is a significant hot or cold spot in {period}, so every area is grey. One month "
                "rarely has enough events: choose a quarter or a year in the sidebar.")
    if measure == "emerging" and values["category"].isin(["No pattern", None]).all():
        return (f"No {where[:-1]} is flagged as an emerging hotspot in the quarter so far to "
                f"{fmt.month_label(filters.month_to)}.")
    return None


def build_map(query: Query, data: MapData, filters, policy: disclosure.Policy, measure: str, places: bool, heat: bool,
              weights: PlaceWeights, tiles: Map | None = None, attribution: str = "", level: str = "ward") -> DrawnMap:
    """The map for :func:`map_data`: areas (with ward names at ward level), locality outlines
    and names, places, heat map; its legend; and a notice for each layer with nothing to show."""
    drawn = "count" if data.missing else measure
    m, legend = maps.choropleth(
        data.boundaries, data.values, title=f"{MEASURES[drawn]} — {colour_period(drawn, filters)}",
        decimals=1 if drawn == "rate" else 0,
        categories={"gi": GI_CATEGORIES, "emerging": EMERGING_CATEGORIES}.get(drawn), attribution=attribution,
        tile_url=tiles.tile_url if tiles else "", tile_attribution=tiles.tile_attribution if tiles else "",
    )
    if level == "ward":
        maps.add_ward_names(m, data.boundaries)
    maps.add_localities(m, query("boundaries", level="locality"))
    notices = [n for n in [_area_notice(data, drawn, level, filters)] if n]
    lines = [maps.LegendEntry("#222222", "Locality boundary (names in bold)", "line")]
    if level == "ward":
        lines.append(maps.LegendEntry("#555555", "Ward (name in small type)", "line"))
    legends = [legend, maps.legend_markdown("Lines", lines)]
    if places and data.places is not None:
        markers = place_markers(data.places, weights, policy)
        maps.add_places(m, markers)
        if markers["score"].fillna(1).eq(0).all():
            notices.append(f"No place of concern had events in {filters.year_window_text()}.")
        legends.append(maps.legend_markdown("Places", place_legend(weights, filters)))
    if heat:
        cells = heat_cells(heat_events(query, filters, policy), policy)
        maps.add_heat(m, cells)
        if cells.empty:
            notices.append("The heat map has nothing to show: in this period every 200 m square has 5 or fewer events, "
                           "and those are hidden. Choose a quarter or a year in the sidebar.")
        else:
            legends.append(maps.legend_markdown("Density heat map", [maps.LegendEntry(
                "", "Fewer to more events per 200 m square (squares with 0 to 5 are left out)", "gradient")]))
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
