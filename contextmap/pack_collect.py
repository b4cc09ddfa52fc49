"""What the Overview page and the meeting pack show, gathered once and already through
disclosure control, so the screen and the pack never differ.

:func:`collect` gathers the overview from a :class:`~contextmap.queries.Query` (the page
passes ``session.query``, the pack ``queries.bind`` over a connection); :func:`extras`
adds what only the pack shows (disruption outcomes, the RHI benchmark) and
:func:`charts` its charts as plotly figures: the map as plain polygons with no tiles.
:mod:`contextmap.pack` lays all of it out as a PDF and an HTML page.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from dateutil.relativedelta import relativedelta
from shapely.geometry import shape

from contextmap import (
    disclosure,
    disruption_view,
    emerging_view,
    event_counts,
    fmt,
    headline,
    maps,
    narrative,
    period_guard,
    rhi_view,
    settings,
    trends,
)
from contextmap.auth import councils
from contextmap.coverage import Coverage
from contextmap.event_counts import area_events
from contextmap.filters import MISSING_SOURCES, Filters, period_start
from contextmap.hotspot_stats import emerging_category
from contextmap.labels import joined, labels
from contextmap.map_view import area_values, label_offsets, place_markers
from contextmap.network import small_groups_row, split_small
from contextmap.places_view import ranking
from contextmap.queries import WHOLE, Query, has_table
from contextmap.settings import PlaceWeights

# How "rose", "fell" and "about the same" are decided, for the page and the pack.
CHANGE_RULE = ("A change is called a rise or fall only when an exact test finds it larger than chance variation "
               "would explain (counts: exact Poisson test; shares: Fisher's exact test; p < 0.05); otherwise it is "
               "\"about the same\", on the cards and in the sentences alike. Percentages are not quoted on small "
               "numbers, and nothing is compared with months before the data start.")
# The kinds of unit in the emerging hotspots table.
LEVELS = {"place": "Place", "ward": "Ward", "lsoa": "LSOA"}


@dataclass
class Overview:
    """Everything the overview shows for one period and locality, ready to display."""

    filters: Filters
    area: str
    figures: list
    sentences: list[str]
    places: pd.DataFrame | None
    emerging: pd.DataFrame | None = None
    peer_groups: pd.DataFrame | None = None
    rhi: dict = field(default_factory=dict)
    data_quality: str = ""
    empty: bool = False
    # Per table heading: its window and the filters it ignores, in words.
    notes: dict = field(default_factory=dict)
    # About the period itself: a partial month, data starting inside it.
    caveats: list = field(default_factory=list)
    # A council scope: its name, what its figures count, and what is not shown at council level.
    council: str | None = None
    scope_note: str = ""
    # A council scope: the pack's sections left out (heading → why, in words).
    left_out: dict = field(default_factory=dict)

    @property
    def where(self) -> str:
        return self.area if self.filters.locality == "All" else self.filters.locality

    @property
    def period(self) -> str:
        return self.filters.label


def _emerging(query: Query, f: Filters, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    """The units the emerging test flags (``is_emerging``), strongest first by what is shown;
    a hidden window's count, or a two-month window's (never shown), shows no ratio."""
    raw = emerging_view.flagged(query, f.month_to, f.locality, policy, top)
    return pd.DataFrame({
        "Place or area": raw["unit_name"].fillna(raw["unit_code"]),
        "Kind": raw["level"].map(LEVELS).fillna(raw["level"]),
        "Locality": raw["locality"].fillna("Unknown"),
        "Recent events": [disclosure.fmt_count(n, policy, level=lv) for n, lv in zip(raw["recent_events"], raw["level"])],
        "Recent vs usual": [_ratio_cell(row, policy) for _, row in raw.iterrows()],
        "Pattern": [emerging_category(True, label) for label in raw["label"]],
    })[["Place or area", "Recent events", "Recent vs usual", "Pattern", "Kind", "Locality"]]


def _ratio_cell(row, policy: disclosure.Policy) -> str:
    """A flagged unit's "Recent vs usual" as the Map's tooltip gives it
    (:func:`contextmap.emerging_view.shown_ratio`): "—" when the window's count is not shown."""
    ratio = emerging_view.shown_ratio(row, policy, row["level"])
    return "—" if ratio is None else fmt.ratio_range(*ratio)


def _months_before(month, n: int):
    return fmt.first_of_month(pd.Timestamp(month) - pd.DateOffset(months=n))


def _table_notes(f: Filters, cov: Coverage) -> dict[str, str]:
    """Each table's window and the filters it does not follow, in words."""
    baseline = settings.current().hotspots.emerging_baseline_months
    last = cov.span("all").last or f.month_to
    quarter = period_start(f.month_to, "quarter")
    notes = {
        "Emerging hotspots": (
            f"Events in the quarter so far ({fmt.period_label(quarter, f.month_to)}) against the monthly level of up "
            f"to {baseline} months before the quarter; listed only when the test flags a significant rise (Methods: "
            "emerging hot spots). \"Recent vs usual\" compares events per month: the quarter so far's events per "
            "month against the usual events per month, from the counts the Map (or Places) shows for the quarter "
            "so far and for each quarter before it; a quarter shown \"c\" may be empty or hold a few events, so the ratio may be a "
            "range (\"2.1–2.6×\", or \"at least 4.8×\" when every one is \"c\"); \"—\" when the quarter so "
            "far's count is not shown (\"c\")."
            + (" Two months into a quarter, the events so far and the ratio are not shown (\"—\"): the pages show "
               "months and quarters only, and a two-month figure set beside them could reveal a hidden count."
               if f.month_to != quarter and f.month_to.month % 3 != 0 else ""),
            f.ignored({"locality"}, "the test uses every event over its own windows")),
        "Active peer groups": (
            "Groups are shown by number, never by member. Groups are found over all the data; events are those of "
            f"the last three months of data ({fmt.period_label(_months_before(last, 2), last)}), "
            "whatever period is chosen.",
            f.ignored({"locality"}, "groups are found over every event")),
        "Places with the most activity": (
            f"Events linked to each place in {f.year_window_text()} (a year: one place in a month is nearly always "
            "too few to show), from the chosen Sources.",
            f.ignored({"locality", "sources"}, "places count events, not the children involved")),
    }
    return {heading: " ".join(filter(None, parts)) for heading, parts in notes.items()}


def _unavailable(f: Filters, cov: Coverage) -> dict[str, str]:
    """Measure key → why it is not shown: its source switched off in Sources, or not in the build."""
    why = {}
    if not set(MISSING_SOURCES) & set(f.sources):
        why["episodes"] = why["rhis"] = ("Missing-episode figures are not shown: Missing from, Found at and Named in "
                                         "RHI are all switched off in Sources.")
    elif cov.span("episodes").records == 0:
        why["episodes"] = why["rhis"] = "There are no missing episodes in this build."
    elif cov.span("rhis").records == 0:
        why["rhis"] = "There are no return home interview records in this build, so RHI figures are not shown."
    if "offence" not in f.sources:
        why["offences"] = "Offence figures are not shown: Offences are switched off in Sources."
    elif cov.span("offences").records == 0:
        why["offences"] = "There are no offences involving young people in this build."
    return {m.key: why[m.source] for m in headline.MEASURES if m.source in why}


def _gaps(f: Filters, cov: Coverage, periods: dict) -> dict:
    """(measure key, "before" or "last_year") → why that comparison has no data on both
    sides, or why it is not made (a period still running is not set against a whole one)."""
    now = (f.month_from, f.month_to)
    running = f"the {f.period} is not over" if f.to_date else None
    return {(m.key, other): reason for m in headline.MEASURES for other in ("before", "last_year")
            if (reason := running or cov.gap(m.source, now, (periods[other].month_from, periods[other].month_to)))}


def running_note(f: Filters) -> str | None:
    """Why a period still running at the data's end is compared with nothing, or None."""
    if not f.to_date:
        return None
    return (f"The {f.period} is not over: the data run to {fmt.month_label(f.month_to)}, so its figures are not "
            f"compared with a whole {f.period}. Choose a month, or the last {f.period} that has ended, to compare.")


def _alphabetical(values):
    return sorted(values) if values is not None and hasattr(values, "__len__") else values


def _peer_groups(query: Query, f: Filters, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    """The ``top`` most active groups by their events in the last three months as shown (ties
    by number), listed by number; groups too small to show on their own only as a count."""
    groups = query("overview_peer_groups", locality=f.locality)
    recent = groups["recent_events"].map(lambda n: fmt.shown_number(disclosure.fmt_count(n, policy)))
    first = groups.assign(_recent=recent).sort_values(["_recent", "group_id"], ascending=[False, True]).head(top)
    raw, hidden = split_small(first.drop(columns="_recent"), policy)
    table = pd.DataFrame({
        "Group": [f"Group {g}" for g in raw["group_id"]],
        "Members": [disclosure.fmt_count(n, policy) for n in raw["size"]],
        "Events, last three months": [disclosure.fmt_count(n, policy) for n in raw["recent_events"]],
        "Mostly linked by": labels(raw["main_evidence"], "evidence"),
        # Alphabetical: the mart lists them most frequent first by true count.
        "Localities": [joined(_alphabetical(v)) for v in raw["localities"]],
        "Themes": [joined(_alphabetical(v), "theme") for v in raw["top_themes"]],
    })
    if hidden:
        table = pd.concat([table, pd.DataFrame([small_groups_row(hidden, policy, list(table.columns))])],
                          ignore_index=True)
    return table


# The Places table's count columns and the source each counts.
PLACE_COLUMN_SOURCES = {"found_here": "missing_found", "rhi_mentions": "rhi_mention", "offences": "offence"}


# The sources of top_places' events, each its own column (missing from the place is not shown).
TOP_PLACE_SOURCES = ("found_here", "rhi_mentions", "offences", "missing_from")


def _places(query: Query, f: Filters, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    """The ``top`` places with the most events in the year as shown, ties by name."""
    raw = period_guard.guarded(query, "top_places", f.year_window(), policy, keys=["place_id"],
                               **event_counts.by_sources(TOP_PLACE_SOURCES))
    # Only places whose events are shown: listing a "c" place would say it had at least one.
    raw = raw[~raw["events"].map(lambda n: disclosure.is_suppressed(n, policy)).astype(bool)].reset_index(drop=True)
    # "All events" also counts children going missing from the place, a column not shown: parts ≤ total.
    shown = disclosure.protect_frame(raw, ["found_here", "rhi_mentions", "offences", "events"], policy, level="place",
                                     total_col="events", parts=["found_here", "rhi_mentions", "offences"], exact=False)
    for col, source in PLACE_COLUMN_SOURCES.items():
        if source not in f.sources:
            shown[col] = "—"  # switched off in Sources: not counted, rather than a hidden count
    shown["category"] = labels(shown["category"], "category")
    # The count that sets the order first, so a 1024-pixel screen that cuts the right-hand
    # columns keeps it.
    table = shown[["name", "events", "found_here", "rhi_mentions", "offences", "category", "locality"]].rename(columns={
        "name": "Place", "category": "Category", "locality": "Locality", "found_here": "Found here",
        "rhi_mentions": "Named in RHIs", "offences": "Offences", "events": "All events"})
    return fmt.by_shown(table.assign(_id=raw["place_id"]), ["All events"], ["Place", "_id"], top).drop(columns="_id")


def _data_quality(query: Query) -> str:
    files = query("dq_files")
    if files.empty:
        return "No files were loaded in this build."
    return (f"Files loaded: {len(files):,}; {files['rows_read'].sum():,} rows read, "
            f"{files['rows_accepted'].sum():,} accepted and {files['rows_rejected'].sum():,} rejected "
            "(the administrator can list them, with the reasons).")


def scope_note(council_name: str) -> str:
    """What a council user's Overview counts, and what it leaves to the whole build."""
    return (f"{council_name} only: missing episodes and return home interviews of {council_name}'s children, "
            f"wherever they went missing, and offences involving young people in {council_name}. The force's "
            "top places, emerging hotspots and peer groups are not shown here; the Places and Peer groups "
            f"pages show those that involve {council_name}'s children.")


# Heading → the text standing for a pack section a council scope does not get, and why.
COUNCIL_LEFT_OUT = {
    "Map": ("The ward map is not in a council's pack: it counts every council's children and places across the "
            "force (the Map page shows {council}'s own figures)."),
    "Places with the most activity": ("Not shown at council level: the force's top places count every council's "
                                      "children. The Places page lists the places that involve {council}'s "
                                      "children."),
    "Emerging hotspots": "Not shown at council level: the emerging-hotspot test counts every council's children.",
    "Active peer groups": ("Not shown at council level: groups are found over every council's children. The Peer "
                           "groups page lists, by number, the groups with at least one of {council}'s children."),
    "Disruption reviews": ("Not shown at council level: the disruption review compares places across the force "
                           "(the Disruption review page lists the actions in or next to {council}, without verdicts)."),
    "Data quality": "Not shown at council level: the build's file counts cover every council's files.",
}


def council_left_out(council_name: str) -> dict[str, str]:
    """The pack sections a council user's pack leaves out, heading → why (naming their council)."""
    return {heading: why.format(council=council_name) for heading, why in COUNCIL_LEFT_OUT.items()}


def collect(query: Query, f: Filters, policy: disclosure.Policy, area: str | None = None) -> Overview:
    """Gather the overview for filters ``f``: figures, sentences, hotspots, groups, RHI and data quality.

    A council scope (``f.scope``) gets its own figures only: the tables that count places,
    areas and groups across councils are left out (None), as is the build's file count.
    """
    council = councils().get(f.scope) if f.scope != WHOLE else None
    area = area or council or settings.current().geography.name
    top = settings.current().pack.top_n
    cov = Coverage.from_frame(query("coverage"))
    caveats = list(filter(None, [cov.partial_note(f.month_to), cov.start_note(f.month_from)]))
    periods = {"now": f, "before": f.previous(), "last_year": f.last_year()}
    rows = {k: headline.card_row(query, p, policy) for k, p in periods.items()}
    if rows["now"]["episodes"] == 0 and rows["now"]["offences"] == 0:
        return Overview(f, area, [], [], pd.DataFrame(), empty=True, caveats=caveats, council=council)
    groups = {k: query("overview_groups", p) for k, p in periods.items()}
    target, _ = rhi_view.targets()
    unavailable, gaps = _unavailable(f, cov), _gaps(f, cov, periods)
    # Offences carry no looked-after status: say so wherever that filter is in use.
    offence_note = f.ignored({"locality", "sources", "age_bands", "sexes"}, "offences do not record it")
    sentences = narrative.overview_sentences(rows, groups, f.period, f.locality, area, policy, rhi_target=target,
                                             gaps=gaps, unavailable=unavailable, running=running_note(f))
    if offence_note and "offences" not in unavailable:
        sentences.append(f"Offence figures are {offence_note[0].lower()}{offence_note[1:]}")
    breakdown = query("rhi_breakdown", f)
    total = breakdown[breakdown["dimension"] == "total"]
    rhi = {
        "summary": rhi_view.summary(total.iloc[0], policy) if len(total) else {},
        "by_locality": rhi_view.breakdown_table(breakdown[breakdown["dimension"] == "locality"], policy),
        "by_looked_after": rhi_view.breakdown_table(breakdown[breakdown["dimension"] == "looked_after"], policy),
        "reasons": rhi_view.reasons_table(query("rhi_reasons", f), policy),
    }
    return Overview(
        filters=f, area=area, sentences=sentences, rhi=rhi,
        figures=headline.figures(rows["now"], rows["before"], rows["last_year"], policy, gaps, unavailable,
                                 {m.key: offence_note for m in headline.MEASURES if m.source == "offences"}),
        places=None if council else _places(query, f, policy, top),
        emerging=_emerging(query, f, policy, top) if not council and has_table(query, "mart_emerging_hotspots") else None,
        peer_groups=_peer_groups(query, f, policy, top) if not council and has_table(query, "mart_peer_groups") else None,
        data_quality="" if council else _data_quality(query),
        notes=_table_notes(f, cov),
        caveats=caveats,
        council=council,
        scope_note=scope_note(council) if council else "",
        left_out=council_left_out(council) if council else {},
    )


# --- what only the pack shows -----------------------------------------------------------

DISRUPTION_COLUMNS = ["Action", "Where", "Started", "Verdict", "Relative to similar places", "Nearby"]


@dataclass
class Extras:
    """What the pack adds to the overview: disruption outcomes and the RHI benchmark."""

    disruption: pd.DataFrame | None
    disruption_note: str
    rhi_benchmark: str


def _rhi_benchmark(ov: Overview) -> str:
    """RHI timeliness in words, against the local target (offered) and the national figure (completed)."""
    summary = ov.rhi.get("summary") or {}
    if not summary:
        return "There are no return home interview figures for this period."
    target, national = rhi_view.targets()
    hours = rhi_view.HOURS
    return (f"Completed within {hours} hours: {summary[f'Completed within {hours} hours']}, against "
            f"{national:.0f}% completed within {hours} hours nationally (Missing People, 2023–24). Offered within "
            f"{hours} hours: {summary[f'Offered within {hours} hours']}, against the local target of {target:.0f}% "
            "offered.")


def _disruption(query: Query, f: Filters, policy: disclosure.Policy) -> tuple:
    """Disruption actions started in the year to the period's end that the review could judge,
    and a sentence on the rest."""
    if not has_table(query, "mart_disruption_effects"):
        return None, "The disruption review is not in this build."
    year = f.year_window()
    # Figures recomputed from the counts as shown, as on the Disruption page.
    actions = disruption_view.with_figures(query("disruption_actions", year), policy)
    judged = actions[actions["verdict"].isin(disruption_view.JUDGED)]
    rest = disruption_view.not_judged_note(actions)
    intro = f"Actions that started in {f.year_window_text()}, each judged against similar places with no action."
    note = " ".join(filter(None, [intro, rest]))
    if judged.empty:
        return None, f"{note} No action that started then could be judged yet."
    return disruption_view.actions_table(judged, policy)[DISRUPTION_COLUMNS], note


def extras(query: Query, ov: Overview, policy: disclosure.Policy) -> Extras:
    """What the pack adds to the overview ``ov``: disruption outcomes (not at council scope:
    :data:`COUNCIL_LEFT_OUT`) and the RHI benchmark."""
    left_out = ov.left_out.get("Disruption reviews")
    table, note = (None, left_out) if left_out else _disruption(query, ov.filters, policy)
    return Extras(table, note, _rhi_benchmark(ov))


# --- charts ------------------------------------------------------------------------------

MAP_SIZE = (1000, 860)
MAP_KEY_WIDTH = 220  # the left margin, where the key to the numbered wards goes
MAP_NUMBERED = 10
CHART_SIZE = (1000, 460)
SUPPRESSED_GREY = "#bdbdbd"
RHI_CHART = "Return home interviews"


def _polygons(geojson: str):
    geom = shape(json.loads(geojson))
    return list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]


def numbered_wards(values: pd.DataFrame, n: int = MAP_NUMBERED) -> pd.DataFrame:
    """The wards the pack's map numbers: the ``n`` highest rates shown (never a hidden one),
    ties by name, with ``number`` 1 to ``n``."""
    shown = values[(values["status"] == "shown") & values["value"].notna()]
    top = shown.sort_values(["value", "name"], ascending=[False, True]).head(n)
    return top.assign(number=range(1, len(top) + 1)).reset_index(drop=True)


def _callouts(fig: go.Figure, wards: pd.DataFrame, numbered: pd.DataFrame, lat0: float) -> None:
    """Number the ``numbered`` wards on the map, each callout moved off any other it would
    cover (with a line to its ward), and list them in a key in the left margin."""
    points = {row.code: shape(json.loads(row.geojson)).representative_point() for row in wards.itertuples()
              if row.code in set(numbered["code"])}
    if not points:
        return
    # Pixels as drawn: the map's plot area, the same scale across and up (scaleanchor).
    bounds = [shape(json.loads(g)).bounds for g in wards["geojson"]]
    x0, y0 = min(b[0] for b in bounds), min(b[1] for b in bounds)
    x1, y1 = max(b[2] for b in bounds), max(b[3] for b in bounds)
    squeeze = math.cos(math.radians(lat0))
    area = (MAP_SIZE[0] - MAP_KEY_WIDTH - 20, MAP_SIZE[1] - 200)  # less the title and the legend below
    scale = min(area[0] / (((x1 - x0) * squeeze) or 1), area[1] / ((y1 - y0) or 1))
    rows = [r for r in numbered.itertuples() if r.code in points]
    offsets = label_offsets([((points[r.code].x - x0) * squeeze * scale, (points[r.code].y - y0) * scale) for r in rows],
                            [(24, 22)] * len(rows), area, [True] * len(rows), distances=(0, 22, 36, 50))
    for r, (ax, ay) in zip(rows, offsets):
        moved = (ax, ay) != (0, 0)
        fig.add_annotation(x=points[r.code].x, y=points[r.code].y, text=f"<b>{r.number}</b>", showarrow=moved,
                           ax=ax, ay=ay, arrowwidth=1.2, arrowcolor="#111111", arrowhead=0,
                           font={"size": 13, "color": "#000000"}, bgcolor="#ffffff", bordercolor="#000000",
                           borderwidth=1, borderpad=2)
    key = "<br>".join(f"<b>{r.number}</b>  {html.escape(str(r.name))}" for r in rows)
    fig.add_annotation(x=0, y=1, xref="paper", yref="paper", xanchor="right", yanchor="top", xshift=-12, align="left",
                       showarrow=False, text=f"<b>Highest rates</b><br>{key}", font={"size": 13, "color": "#111111"},
                       bgcolor="#ffffff", bordercolor="#777777", borderwidth=1, borderpad=6)


def ward_map_figure(query: Query, f: Filters, policy: disclosure.Policy, weights: PlaceWeights) -> go.Figure:
    """The Map page's opening view as a picture: events per 1,000 children aged 10–17 by ward
    in the period, the wards with the highest rates numbered (:func:`numbered_wards`, named in
    a key: every ward's name in print piled up), locality names, and the places of concern over
    the year to the period's end sized by score. Plain polygons, no tiles, no network."""
    values = area_values(area_events(query, f, policy, "ward"), "rate", policy, "ward")
    fills, legend = maps.sequential_fills(values, decimals=1)
    # The chosen locality's wards only, as the Map page draws them.
    wards = query("boundaries", level="ward")
    localities = query("boundaries", level="locality")
    if f.locality != "All":
        localities = localities[localities["name"] == f.locality]
    fig = go.Figure()
    lat0 = None
    wards = wards[wards["code"].isin(values["code"])]
    for row in wards.itertuples():
        colour = fills.get(row.code, maps.NO_DATA_FILL)
        colour = SUPPRESSED_GREY if colour == maps.SUPPRESSED_FILL else colour
        for poly in _polygons(row.geojson):
            x, y = poly.exterior.coords.xy
            lat0 = lat0 or sum(y) / len(y)
            fig.add_scatter(x=list(x), y=list(y), fill="toself", fillcolor=colour, mode="lines",
                            line={"color": "#777777", "width": 0.6}, hoverinfo="skip", showlegend=False)
    for row in localities.itertuples():
        for poly in _polygons(row.geojson):
            x, y = poly.exterior.coords.xy
            fig.add_scatter(x=list(x), y=list(y), mode="lines", line={"color": "#111111", "width": 2.2},
                            hoverinfo="skip", showlegend=False)
        point = shape(json.loads(row.geojson)).centroid
        fig.add_annotation(x=point.x, y=point.y, text=f"<b>{html.escape(str(row.name))}</b>", showarrow=False,
                           yshift=-16, font={"size": 15, "color": "#000000"}, bgcolor="rgba(255,255,255,0.75)")
    markers = place_markers(ranking(query, f.year_window(), weights, policy),
                                  weights, policy)
    markers = markers[markers["score"].fillna(1) > 0].dropna(subset=["lat", "lon"])
    top = float(markers["score"].max()) if markers["score"].notna().any() else 1.0
    for hidden, part in markers.groupby(markers["score"].isna()):
        fig.add_scatter(
            x=part["lon"], y=part["lat"], mode="markers", hoverinfo="skip",
            name=("Place of concern with 0 to 5 events (hidden score)" if hidden else
                  f"Place of concern, sized by its score over {f.year_window_text()}"),
            marker={"size": [7 if hidden else 2 * maps.marker_radius(v, top) for v in part["score"]],
                    "color": "#ffffff" if hidden else maps.PLACE_FILL, "line": {"color": maps.PLACE_FILL, "width": 1.5},
                    "opacity": 0.9})
    for entry in legend:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=entry.label,
                        marker={"color": entry.fill, "size": 12, "symbol": "square"})
    # Always: the pack's caption names grey wards whether or not this map has one.
    fig.add_scatter(x=[None], y=[None], mode="markers",
                    name=f"Grey: too few events to show ({disclosure.SUPPRESSED}, 0 to {policy.suppress_max})",
                    marker={"color": SUPPRESSED_GREY, "size": 12, "symbol": "square"})
    _callouts(fig, wards, numbered_wards(values.merge(wards[["code"]], on="code")), lat0 or 53.6)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(lat0 or 53.6)))
    fig.update_layout(template="simple_white", width=MAP_SIZE[0], height=MAP_SIZE[1],
                      title=f"Events per 1,000 children aged 10–17 by ward, {f.label}",
                      legend={"orientation": "h", "y": -0.02, "yanchor": "top", "font": {"size": 12}},
                      margin={"l": MAP_KEY_WIDTH, "r": 10, "t": 50, "b": 10})
    return fig


def first_month(query: Query):
    """The first month the data cover (charts start there rather than at zeros before the data)."""
    return fmt.first_of_month(query("month_range").iloc[0, 0])


def trend_figures(query: Query, f: Filters, policy: disclosure.Policy) -> dict[str, go.Figure]:
    """The pack's trend charts: two years of episodes and offences, and RHI timeliness; a
    council's name their council, so a chart taken out of the pack still says whose it is."""
    start = max(f.month_to - relativedelta(months=23), first_month(query))
    months = [d.date() for d in pd.date_range(start, f.month_to, freq="MS")]
    council = councils().get(f.scope) if f.scope != WHOLE else None
    span = f"{council}, {fmt.period_label(start, f.month_to)}" if council else fmt.period_label(start, f.month_to)
    out = {}
    for key in ("episodes", "offences"):
        m = trends.MEASURES[key]
        data = trends.series(query(m.query, f, month_from=start, split="none"), m, "none", months, policy)
        out[m.label] = trends.trend_figure(data, m).update_layout(title=f"{m.label}, {span}")
    monthly = query("rhi_monthly", month_from=start, month_to=f.month_to, locality=f.locality, looked_after=f.looked_after)
    if not monthly.empty:
        # The national figure is for interviews *completed* within 72 hours: the title says so, as the line does.
        out[RHI_CHART] = rhi_view.monthly_figure(monthly, policy).update_layout(
            title=f"Return home interviews offered and completed within {rhi_view.HOURS} hours, {span}")
    for fig in out.values():
        fig.update_layout(width=CHART_SIZE[0], height=CHART_SIZE[1])
    return out


def charts(query: Query, f: Filters, policy: disclosure.Policy) -> dict[str, go.Figure]:
    """The pack's charts by name: the ward map ("Map", the whole build only: it counts places
    across the force) and the trend charts (of the scope's own figures, as on its Trends and
    Return home interviews pages)."""
    trend = trend_figures(query, f, policy)
    if f.scope != WHOLE:
        return trend
    return {"Map": ward_map_figure(query, f, policy, settings.current().hotspots.place_weights), **trend}
