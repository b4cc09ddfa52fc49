"""The overview's content, and the meeting pack built from it (PDF and HTML).

``collect`` gathers everything the overview page and the pack show, already through
disclosure control, from a ``run(name, filters=None, **params)`` function (the page
passes its cached ``ui.query``; the pack a plain connection), so the screen and the pack
never differ. ``build_pack`` renders it: charts are plotly figures turned into PNG by
kaleido (which drives the system Chromium), the map is drawn as plain polygons with no
tiles, and the PDF uses the DejaVu font so "–", "£" and "é" print.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
from dateutil.relativedelta import relativedelta
from shapely.geometry import shape

from contextmap import (
    disclosure,
    disruption_view,
    fmt,
    headline,
    maps,
    narrative,
    queries,
    rhi_view,
    settings,
    trends,
    where,
)
from contextmap.coverage import Coverage
from contextmap.filters import MISSING_SOURCES, PERIODS, Filters
from contextmap.hotspot_stats import emerging_category
from contextmap.labels import joined, labels
from contextmap.network import split_small
from contextmap.where import small_groups_row

Runner = Callable[..., pd.DataFrame]
# How "rose", "fell" and "about the same" are decided, for the page and the pack.
CHANGE_RULE = ("A change is called a rise or fall only when an exact test finds it larger than chance variation "
               "would explain (counts: exact Poisson test; shares: Fisher's exact test; p < 0.05); otherwise it is "
               "\"about the same\", on the cards and in the sentences alike. Percentages are not quoted on small "
               "numbers, and nothing is compared with months before the data start.")
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
SUPPRESSED_GREY = "#bdbdbd"
LEVELS = {"place": "Place", "ward": "Ward", "lsoa": "LSOA"}
_KALEIDO = threading.Lock()


@dataclass
class Overview:
    """Everything the overview shows for one period and locality, ready to display."""

    filters: Filters
    area: str
    figures: list
    sentences: list[str]
    places: pd.DataFrame
    emerging: pd.DataFrame | None = None
    peer_groups: pd.DataFrame | None = None
    rhi: dict = field(default_factory=dict)
    data_quality: str = ""
    empty: bool = False
    # Per table heading: its window and the filters it ignores, in words.
    notes: dict = field(default_factory=dict)
    # About the period itself: a partial month, data starting inside it.
    caveats: list = field(default_factory=list)

    @property
    def where(self) -> str:
        return self.area if self.filters.locality == "All" else self.filters.locality

    @property
    def period(self) -> str:
        return fmt.period_label(self.filters.month_from, self.filters.month_to)


def runner(con, query=queries.run) -> Runner:
    """A ``run(name, filters=None, **params)`` over a DuckDB connection (no cache).

    ``query`` runs one query file (default ``queries.run``, perturbed counts); a test may
    pass one that returns exact counts, to check the figures against a recomputation.
    """

    def run(name: str, filters: Filters | None = None, **params) -> pd.DataFrame:
        return query(con, name, **({**filters.params(), **params} if filters else params))

    return run


def _emerging(run: Runner, f: Filters, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    """The units the emerging test flags (``is_emerging``), strongest first; a hidden count shows no ratio."""
    raw = run("overview_emerging", month_to=f.month_to, locality=f.locality, limit=top)
    return pd.DataFrame({
        "Place or area": raw["unit_name"].fillna(raw["unit_code"]),
        "Kind": raw["level"].map(LEVELS).fillna(raw["level"]),
        "Locality": raw["locality"].fillna("Unknown"),
        "Recent events": [disclosure.fmt_count(n, policy, level=lv) for n, lv in zip(raw["recent_events"], raw["level"])],
        "Recent vs usual": [("—" if disclosure.is_suppressed(n, policy) else fmt.ratio(r))
                            for n, r in zip(raw["recent_events"], raw["rate_ratio"])],
        "Pattern": [emerging_category(True, label) for label in raw["label"]],
    })


def _months_before(month, n: int):
    return fmt.first_of_month(pd.Timestamp(month) - pd.DateOffset(months=n))


def _table_notes(f: Filters, cov: Coverage) -> dict[str, str]:
    """Each table's window and the filters it does not follow, in words."""
    recent = int(settings.get("hotspots", "emerging_recent_months"))
    baseline = int(settings.get("hotspots", "emerging_baseline_months"))
    last = cov.span("all").last or f.month_to
    notes = {
        "Emerging hotspots": (
            f"Events in the {recent} months {fmt.period_label(_months_before(f.month_to, recent - 1), f.month_to)} "
            f"against the monthly level of up to {baseline} months before them; listed only when the test flags a "
            "significant rise (Methods: emerging hot spots). \"Recent vs usual\" compares events per month.",
            f.ignored({"locality"}, "the test uses every event over its own windows")),
        "Active peer groups": (
            "Groups are shown by number, never by member. Groups are found over all the data; events are those of "
            f"the last three months of data ({fmt.period_label(_months_before(last, 2), last)}), "
            "whatever period is chosen.",
            f.ignored({"locality"}, "groups are found over every event")),
        "Places with the most activity": (
            f"Events linked to each place in {where.year_window_text(f)} (a year: one place in a month is nearly always "
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
    """(measure key, "before" or "last_year") → why that comparison has no data on both sides."""
    now = (f.month_from, f.month_to)
    return {(m.key, other): reason for m in headline.MEASURES for other in ("before", "last_year")
            if (reason := cov.gap(m.source, now, (periods[other].month_from, periods[other].month_to)))}


def _peer_groups(run: Runner, f: Filters, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    """The most active groups by number; groups too small to show on their own only as a count."""
    raw, hidden = split_small(run("overview_peer_groups", locality=f.locality, limit=top), policy)
    table = pd.DataFrame({
        "Group": [f"Group {g}" for g in raw["group_id"]],
        "Members": [disclosure.fmt_count(n, policy) for n in raw["size"]],
        "Events, last three months": [disclosure.fmt_count(n, policy) for n in raw["recent_events"]],
        "Mostly linked by": labels(raw["main_evidence"], "evidence"),
        "Localities": [joined(v) for v in raw["localities"]],
        "Themes": [joined(v, "theme") for v in raw["top_themes"]],
    })
    if hidden:
        table = pd.concat([table, pd.DataFrame([small_groups_row(hidden, policy, list(table.columns))])],
                          ignore_index=True)
    return table


def _places(run: Runner, f: Filters, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    raw = run("top_places", where.year_window(f), limit=top)
    raw = raw[raw["events"] > 0].reset_index(drop=True)
    # "All events" also counts children going missing from the place, a column not shown: parts ≤ total.
    shown = disclosure.protect_frame(raw, ["found_here", "rhi_mentions", "offences", "events"], policy, level="place",
                                     total_col="events", parts=["found_here", "rhi_mentions", "offences"], exact=False)
    shown["category"] = labels(shown["category"], "category")
    return shown[["name", "category", "locality", "found_here", "rhi_mentions", "offences", "events"]].rename(columns={
        "name": "Place", "category": "Category", "locality": "Locality", "found_here": "Found here",
        "rhi_mentions": "Named in RHIs", "offences": "Offences", "events": "All events"})


def _data_quality(run: Runner) -> str:
    files = run("dq_files")
    if files.empty:
        return "No files were loaded in this build."
    return (f"Files loaded: {len(files):,}; {files['rows_read'].sum():,} rows read, "
            f"{files['rows_accepted'].sum():,} accepted and {files['rows_rejected'].sum():,} rejected "
            "(the administrator can list them, with the reasons).")


def collect(run: Runner, has_table: Callable[[str], bool], f: Filters, policy: disclosure.Policy,
            area: str | None = None) -> Overview:
    """Gather the overview for filters ``f``: figures, sentences, hotspots, groups, RHI and data quality."""
    area = area or settings.get("geography", "name")
    top = int(settings.get("pack", "top_n"))
    cov = Coverage.from_frame(run("coverage"))
    caveats = list(filter(None, [cov.partial_note(f.month_to), cov.start_note(f.month_from)]))
    periods = {"now": f, "before": f.previous(), "last_year": f.last_year()}
    rows = {k: headline.headline_row(run("overview_episodes", p), run("overview_offences", p)) for k, p in periods.items()}
    if rows["now"]["episodes"] == 0 and rows["now"]["offences"] == 0:
        return Overview(f, area, [], [], pd.DataFrame(), empty=True, caveats=caveats)
    groups = {k: run("overview_groups", p) for k, p in periods.items()}
    target, _ = rhi_view.targets()
    unavailable, gaps = _unavailable(f, cov), _gaps(f, cov, periods)
    # Offences carry no looked-after status: say so wherever that filter is in use.
    offence_note = f.ignored({"locality", "sources", "age_bands", "sexes"}, "offences do not record it")
    sentences = narrative.overview_sentences(rows, groups, f.period, f.locality, area, policy, rhi_target=target,
                                             gaps=gaps, unavailable=unavailable)
    if offence_note and "offences" not in unavailable:
        sentences.append(f"Offence figures are {offence_note[0].lower()}{offence_note[1:]}")
    breakdown = run("rhi_breakdown", f)
    total = breakdown[breakdown["dimension"] == "total"]
    rhi = {
        "summary": rhi_view.summary(total.iloc[0], policy) if len(total) else {},
        "by_locality": rhi_view.breakdown_table(breakdown[breakdown["dimension"] == "locality"], policy),
        "by_looked_after": rhi_view.breakdown_table(breakdown[breakdown["dimension"] == "looked_after"], policy),
        "reasons": rhi_view.reasons_table(run("rhi_reasons", f), policy),
    }
    return Overview(
        filters=f, area=area, sentences=sentences, rhi=rhi,
        figures=headline.figures(rows["now"], rows["before"], rows["last_year"], policy, gaps, unavailable,
                                 {m.key: offence_note for m in headline.MEASURES if m.source == "offences"}),
        places=_places(run, f, policy, top),
        emerging=_emerging(run, f, policy, top) if has_table("mart_emerging_hotspots") else None,
        peer_groups=_peer_groups(run, f, policy, top) if has_table("mart_peer_groups") else None,
        data_quality=_data_quality(run),
        notes=_table_notes(f, cov),
        caveats=caveats,
    )


# --- charts as images ------------------------------------------------------------------

MAP_SIZE = (1000, 860)
CHART_SIZE = (1000, 460)


def _polygons(geojson: str):
    geom = shape(json.loads(geojson))
    return list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]


def ward_map_figure(run: Runner, f: Filters, policy: disclosure.Policy, weights: dict) -> go.Figure:
    """The Map page's opening view as a picture: events per 1,000 children aged 10–17 by ward
    in the period, ward and locality names, and the places of concern over the year to the
    period's end sized by score. Plain polygons, no tiles, no network."""
    values = where.area_values(run("area_events", f, level="ward"), "rate", policy, "ward")
    fills, legend = maps.sequential_fills(values, decimals=1)
    # The chosen locality's wards only, as the Map page draws them.
    wards = run("boundaries", level="ward")
    localities = run("boundaries", level="locality")
    if f.locality != "All":
        localities = localities[localities["name"] == f.locality]
    fig = go.Figure()
    lat0 = None
    for row in wards[wards["code"].isin(values["code"])].itertuples():
        colour = fills.get(row.code, maps.NO_DATA_FILL)
        colour = SUPPRESSED_GREY if colour == maps.SUPPRESSED_FILL else colour
        for poly in _polygons(row.geojson):
            x, y = poly.exterior.coords.xy
            lat0 = lat0 or sum(y) / len(y)
            fig.add_scatter(x=list(x), y=list(y), fill="toself", fillcolor=colour, mode="lines",
                            line={"color": "#777777", "width": 0.6}, hoverinfo="skip", showlegend=False)
        point = shape(json.loads(row.geojson)).representative_point()
        fig.add_annotation(x=point.x, y=point.y, text=html.escape(str(row.name)), showarrow=False,
                           font={"size": 10, "color": "#222222"}, bgcolor="rgba(255,255,255,0.6)")
    for row in localities.itertuples():
        for poly in _polygons(row.geojson):
            x, y = poly.exterior.coords.xy
            fig.add_scatter(x=list(x), y=list(y), mode="lines", line={"color": "#111111", "width": 2.2},
                            hoverinfo="skip", showlegend=False)
        point = shape(json.loads(row.geojson)).centroid
        fig.add_annotation(x=point.x, y=point.y, text=f"<b>{html.escape(str(row.name))}</b>", showarrow=False,
                           yshift=-16, font={"size": 15, "color": "#000000"}, bgcolor="rgba(255,255,255,0.75)")
    markers = where.place_markers(run("place_ranking", where.year_window(f), **where.ranking_params(weights)),
                                  weights, policy)
    markers = markers[markers["score"].fillna(1) > 0].dropna(subset=["lat", "lon"])
    top = float(markers["score"].max()) if markers["score"].notna().any() else 1.0
    for hidden, part in markers.groupby(markers["score"].isna()):
        fig.add_scatter(
            x=part["lon"], y=part["lat"], mode="markers", hoverinfo="skip",
            name=("Place of concern with a hidden score (1 to 5 events of a kind)" if hidden else
                  f"Place of concern, sized by its score over {where.year_window_text(f)}"),
            marker={"size": [7 if hidden else 2 * maps.marker_radius(v, top) for v in part["score"]],
                    "color": "#ffffff" if hidden else maps.PLACE_FILL, "line": {"color": maps.PLACE_FILL, "width": 1.5},
                    "opacity": 0.9})
    for entry in legend:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=entry.label,
                        marker={"color": entry.fill, "size": 12, "symbol": "square"})
    if (values["status"] == "suppressed").any():
        fig.add_scatter(x=[None], y=[None], mode="markers", name=f"{disclosure.SUPPRESSED} (1 to {policy.suppress_max}, hidden)",
                        marker={"color": SUPPRESSED_GREY, "size": 12, "symbol": "square"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(lat0 or 53.6)))
    fig.update_layout(template="simple_white", width=MAP_SIZE[0], height=MAP_SIZE[1],
                      title=f"Events per 1,000 children aged 10–17 by ward, {fmt.period_label(f.month_from, f.month_to)}",
                      legend={"orientation": "h", "y": -0.02, "yanchor": "top", "font": {"size": 12}},
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def first_month(run: Runner):
    """The first month the data cover (charts start there rather than at zeros before the data)."""
    return fmt.first_of_month(run("month_range").iloc[0, 0])


def trend_figures(run: Runner, f: Filters, policy: disclosure.Policy) -> dict[str, go.Figure]:
    """The pack's trend charts: two years of episodes and offences, and RHI timeliness."""
    start = max(f.month_to - relativedelta(months=23), first_month(run))
    months = [d.date() for d in pd.date_range(start, f.month_to, freq="MS")]
    span = fmt.period_label(start, f.month_to)
    out = {}
    for key in ("episodes", "offences"):
        m = trends.MEASURES[key]
        data = trends.series(run(m.query, f, month_from=start, split="none"), m, "none", months, policy)
        out[m.label] = trends.trend_figure(data, m).update_layout(title=f"{m.label}, {span}")
    monthly = run("rhi_monthly", month_from=start, month_to=f.month_to, locality=f.locality, looked_after=f.looked_after)
    if not monthly.empty:
        # The national figure is for interviews *completed* within 72 hours: the title says so, as the line does.
        out[RHI_CHART] = rhi_view.monthly_figure(monthly, policy).update_layout(
            title=f"Return home interviews offered and completed within {rhi_view.HOURS} hours, {span}")
    for fig in out.values():
        fig.update_layout(width=CHART_SIZE[0], height=CHART_SIZE[1])
    return out


def to_png(figs: list[go.Figure]) -> list[bytes]:
    """Render figures (each at its own layout size) to PNG with one Chromium (kaleido finds
    the system one; it never downloads)."""
    import kaleido

    with _KALEIDO, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kaleido.start_sync_server(silence_warnings=True)
        try:
            return [fig.to_image(format="png", scale=1.5) for fig in figs]
        finally:
            kaleido.stop_sync_server(silence_warnings=True)


# --- the pack ---------------------------------------------------------------------------

RHI_CHART = "Return home interviews"
FIGURE_HEADER = ["Measure", "This period", "Change on previous period", "Change on same period last year", "Note"]
DISRUPTION_COLUMNS = ["Action", "Where", "Started", "Verdict", "Relative to similar places", "Nearby"]


@dataclass
class Extras:
    """What the pack adds to the overview: disruption outcomes and the RHI benchmark."""

    disruption: pd.DataFrame | None
    disruption_note: str
    rhi_benchmark: str


def _figures_table(ov: Overview) -> list[tuple[str, pd.DataFrame]]:
    return [(title, pd.DataFrame([[fig.measure.label, fig.value, fig.delta or "—", fig.last_year or "—", fig.note or ""]
                                  for fig in figs], columns=FIGURE_HEADER))
            for title, figs in headline.by_section(ov.figures).items()]


def _tables(ov: Overview) -> list[tuple[str, pd.DataFrame | None, str]]:
    """(heading, table, text when there is no table) in pack order."""
    return [
        ("Places with the most activity", ov.places, "No events were linked to a place of concern."),
        ("Emerging hotspots", ov.emerging,
         "The hotspot analysis is not in this build." if ov.emerging is None else "No place or area is emerging."),
        ("Active peer groups", ov.peer_groups,
         "Peer groups are not in this build." if ov.peer_groups is None else "No active peer group."),
    ]


def _subtitle(ov: Overview) -> str:
    return " ".join([f"{ov.period} · {ov.where} · {PERIODS[ov.filters.period]}.", *ov.caveats])


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


def _disruption(run: Runner, has_table: Callable[[str], bool], f: Filters, policy: disclosure.Policy) -> tuple:
    """Disruption actions started in the year to the period's end that the review could judge,
    and a sentence on the rest."""
    if not has_table("mart_disruption_effects"):
        return None, "The disruption review is not in this build."
    year = where.year_window(f)
    actions = run("disruption_actions", year)
    judged = actions[actions["verdict"].isin(disruption_view.JUDGED)]
    rest = disruption_view.not_judged_note(actions)
    intro = f"Actions that started in {where.year_window_text(f)}, each judged against similar places with no action."
    note = " ".join(filter(None, [intro, rest]))
    if judged.empty:
        return None, f"{note} No action that started then could be judged yet."
    return disruption_view.actions_table(judged, policy)[DISRUPTION_COLUMNS], note


def _caveats(ov: Overview) -> list[str]:
    return [*ov.caveats, *where.CAVEATS,
            "Places, hotspots and peer groups state their own windows above; the figures follow the filters named "
            "on the cover."]


def blocks(ov: Overview, extras: Extras, images: dict[str, bytes], policy: disclosure.Policy) -> list[tuple]:
    """The pack as a list of ``(kind, content)`` blocks, in order, for both the PDF and the HTML.

    Kinds: "title", "subtitle", "h2", "h3", "text", "note", "bullets", "table", "image".
    """
    out: list[tuple] = [("title", f"ContextMap meeting pack: {ov.area}"), ("subtitle", _subtitle(ov)),
                        ("h2", "What changed"), ("bullets", ov.sentences), ("note", CHANGE_RULE),
                        ("h2", "Overview figures")]
    for title, table in _figures_table(ov):
        out += [("h3", title), ("table", table)]
    out += [("h2", "Map"), ("image", "Map"),
            ("note", "Grey wards: too few events to show (c). Thick lines and bold names: localities. Circles: places of "
                     "concern, sized by their score (" + where.weights_text(settings.get("hotspots", "place_weights"))
                     + ")")]
    for heading, df, empty in _tables(ov):
        out += [("h2", heading), ("note", ov.notes[heading])]
        out.append(("table", df) if df is not None and len(df) else ("text", empty))
    out += [("h2", "Trends"), *(("image", name) for name in images if name not in ("Map", RHI_CHART))]
    out += [("h2", "Return home interviews"), ("text", extras.rhi_benchmark)]
    if ov.rhi.get("summary"):
        out.append(("table", pd.DataFrame([ov.rhi["summary"]])))
    if RHI_CHART in images:
        out.append(("image", RHI_CHART))
    out += [("h3", "By locality"), ("table", ov.rhi["by_locality"]),
            ("h3", f"Episodes without an offer within {rhi_view.HOURS} hours"), ("table", ov.rhi["reasons"])]
    out += [("h2", "Disruption reviews"), ("note", extras.disruption_note)]
    if extras.disruption is not None:
        out.append(("table", extras.disruption))
    out += [("h2", "Data quality"), ("text", ov.data_quality),
            ("h2", "Caveats"), ("bullets", _caveats(ov)),
            ("h2", "Disclosure control"), ("text", disclosure.legend(policy)),
            ("note", settings.get("geography", "attribution"))]
    return out


def build_html(ov: Overview, extras: Extras, images: dict[str, bytes], policy: disclosure.Policy) -> str:
    """The pack as one self-contained HTML page (images inline, every text escaped)."""
    e = html.escape
    render = {
        "title": lambda c: f"<h1>{e(c)}</h1>",
        "subtitle": lambda c: f"<p class='sub'>{e(c)}</p>",
        "h2": lambda c: f"<h2>{e(c)}</h2>",
        "h3": lambda c: f"<h3>{e(c)}</h3>",
        "text": lambda c: f"<p>{e(c)}</p>",
        "note": lambda c: f"<p class='sub'>{e(c)}</p>",
        "bullets": lambda c: "<ul>" + "".join(f"<li>{e(s)}</li>" for s in c) + "</ul>",
        "table": lambda c: c.to_html(index=False, escape=True, border=0, classes="cm", na_rep="—"),
        "image": lambda c: (f'<figure><img alt="{e(c)}" src="data:image/png;base64,{base64.b64encode(images[c]).decode()}">'
                            f"</figure>"),
    }
    style = ("body{font-family:DejaVu Sans,Arial,sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
             "table.cm{border-collapse:collapse;margin:.5rem 0}table.cm td,table.cm th{border-bottom:1px solid #ccc;"
             "padding:.2rem .6rem;text-align:left}img{max-width:100%}.sub{color:#555}")
    return ("<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
            f"<title>ContextMap meeting pack {e(ov.period)}</title><style>{style}</style></head><body>"
            + "".join(render[kind](content) for kind, content in blocks(ov, extras, images, policy))
            + "</body></html>")


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class _PDF:
    """A thin layer over fpdf2: headings, paragraphs, tables and images in DejaVu Sans.

    Nothing leaves a page mostly empty: a heading moves to the next page only with the
    start of what follows it, and an image that does not fit is shrunk (down to
    :attr:`MIN_SCALE`) to use the space left before a new page is started.
    """

    BOTTOM = 18
    MIN_SCALE = 0.6

    def __init__(self, footer: str):
        from fpdf import FPDF

        class Doc(FPDF):
            def footer(self):
                self.set_y(-12)
                self.set_font("DejaVu", "", 8)
                self.set_text_color(110)
                self.cell(0, 8, footer, align="C")

        self.pdf = Doc(format="A4")
        self.pdf.set_margins(15, 15, 15)
        self.pdf.set_auto_page_break(True, margin=self.BOTTOM)
        self.pdf.add_font("DejaVu", "", f"{FONT_DIR}/DejaVuSans.ttf")
        self.pdf.add_font("DejaVu", "B", f"{FONT_DIR}/DejaVuSans-Bold.ttf")
        self.pdf.add_page()

    @property
    def room(self) -> float:
        """Millimetres left on the page."""
        return self.pdf.h - self.BOTTOM - self.pdf.get_y()

    def heading(self, text: str, size: int, keep: float) -> None:
        """A heading, on a new page unless ``keep`` mm of what follows fit below it."""
        pdf = self.pdf
        if self.room < keep:
            pdf.add_page()
        pdf.set_font("DejaVu", "B", size)
        pdf.set_text_color(0)
        pdf.ln(2)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def text(self, text: str, size: int = 10, colour: int = 0) -> None:
        self.pdf.set_font("DejaVu", "", size)
        self.pdf.set_text_color(colour)
        self.pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def table(self, df: pd.DataFrame) -> None:
        from fpdf import FontFace

        pdf = self.pdf
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(0)
        with pdf.table(text_align="LEFT", line_height=4.5, first_row_as_headings=True,
                       headings_style=FontFace(emphasis="BOLD")) as t:
            t.row([str(c) for c in df.columns])
            for values in df.itertuples(index=False):
                t.row(["—" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values])
        pdf.ln(2)

    def image(self, png: bytes, width: float = 180) -> None:
        pdf = self.pdf
        w, h = _png_size(png)
        height = width * h / w
        if height > self.room:
            scale = self.room / height
            if scale < self.MIN_SCALE:
                pdf.add_page()
                scale = min(1.0, self.room / height)
            width, height = width * scale, height * scale
        pdf.image(io.BytesIO(png), w=width, h=height, x=(pdf.w - width) / 2)
        pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


# Room (mm) a heading needs below it: a table's header and first rows, or most of an image.
_KEEP = {"table": 30, "image": 80, "text": 20, "note": 20, "bullets": 25}


def build_pdf(ov: Overview, extras: Extras, images: dict[str, bytes], policy: disclosure.Policy) -> bytes:
    """The pack as an A4 PDF, from the same blocks as the HTML version."""
    made = datetime.now().strftime("%d %B %Y")
    doc = _PDF(f"ContextMap meeting pack · {ov.where} · {ov.period} · produced {made} · OFFICIAL-SENSITIVE")
    items = blocks(ov, extras, images, policy)
    for i, (kind, content) in enumerate(items):
        after = next((k for k, _ in items[i + 1:] if k not in ("h2", "h3", "note")), "text")
        if kind == "title":
            doc.heading(content, 18, 0)
        elif kind == "subtitle":
            doc.text(f"{content} Produced {made}.", 11, 80)
        elif kind in ("h2", "h3"):
            doc.heading(content, 14 if kind == "h2" else 11, _KEEP[after])
        elif kind == "text":
            doc.text(content)
        elif kind == "note":
            doc.text(content, 8, 90)
        elif kind == "bullets":
            for line in content:
                doc.text(f"• {line}")
        elif kind == "table":
            doc.table(content)
        elif kind == "image":
            doc.image(images[content])
    return doc.output()


def build_pack(con, filters: Filters, policy: disclosure.Policy) -> tuple[bytes, str]:
    """The meeting pack for ``filters``: ``(pdf_bytes, html_str)``, every figure as on screen."""
    run = runner(con)
    has_table = lambda t: queries.table_exists(con, t)  # noqa: E731
    ov = collect(run, has_table, filters, policy)
    if ov.empty:
        raise ValueError("No missing episodes or offences match these filters: there is nothing to put in a pack.")
    table, note = _disruption(run, has_table, filters, policy)
    extras = Extras(table, note, _rhi_benchmark(ov))
    figs = {"Map": ward_map_figure(run, filters, policy, settings.get("hotspots", "place_weights")),
            **trend_figures(run, filters, policy)}
    images = dict(zip(figs, to_png(list(figs.values()))))
    return build_pdf(ov, extras, images, policy), build_html(ov, extras, images, policy)
