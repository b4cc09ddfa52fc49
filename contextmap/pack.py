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

from contextmap import disclosure, fmt, headline, maps, narrative, queries, rhi_view, settings, trends
from contextmap.hotspot_stats import emerging_category
from contextmap.coverage import Coverage
from contextmap.filters import MISSING_SOURCES, PERIODS, Filters
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
EVIDENCE = {"missing_together": "Going missing together", "co_offending": "Offending together",
            "rhi_named": "Naming each other in RHIs"}


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
            f"Events linked to each place in {fmt.period_label(f.month_from, f.month_to)}, from the chosen Sources.",
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


def _join(values) -> str:
    """A list column (a list or array from DuckDB) as "a, b"."""
    return "" if values is None else ", ".join(str(v) for v in values)


def _peer_groups(run: Runner, f: Filters, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    """The most active groups by number; groups too small to show on their own only as a count."""
    raw, hidden = split_small(run("overview_peer_groups", locality=f.locality, limit=top), policy)
    table = pd.DataFrame({
        "Group": [f"Group {g}" for g in raw["group_id"]],
        "Members": [disclosure.fmt_count(n, policy) for n in raw["size"]],
        "Events, last three months": [disclosure.fmt_count(n, policy) for n in raw["recent_events"]],
        "Mostly linked by": raw["main_evidence"].map(EVIDENCE).fillna(raw["main_evidence"]).fillna(""),
        "Localities": [_join(v) for v in raw["localities"]],
        "Themes": [_join(v).replace("_", " ").lower() for v in raw["top_themes"]],
    })
    if hidden:
        table = pd.concat([table, pd.DataFrame([small_groups_row(hidden, policy, list(table.columns))])],
                          ignore_index=True)
    return table


def _places(run: Runner, f: Filters, policy: disclosure.Policy, top: int) -> pd.DataFrame:
    raw = run("top_places", f, limit=top)
    raw = raw[raw["events"] > 0].reset_index(drop=True)
    # "All events" also counts children going missing from the place, a column not shown: parts ≤ total.
    shown = disclosure.protect_frame(raw, ["found_here", "rhi_mentions", "offences", "events"], policy, level="place",
                                     total_col="events", parts=["found_here", "rhi_mentions", "offences"], exact=False)
    return shown[["name", "category", "locality", "found_here", "rhi_mentions", "offences", "events"]].rename(columns={
        "name": "Place", "category": "Category", "locality": "Locality", "found_here": "Found here",
        "rhi_mentions": "Named in RHIs", "offences": "Offences", "events": "All events"})


def _data_quality(run: Runner) -> str:
    files = run("dq_files")
    if files.empty:
        return "No files were loaded in this build."
    return (f"Files loaded: {len(files):,}; {files['rows_read'].sum():,} rows read, "
            f"{files['rows_accepted'].sum():,} accepted and {files['rows_rejected'].sum():,} rejected "
            "(listed with reasons on the Data quality page).")


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


def ward_map_figure(run: Runner, f: Filters, policy: disclosure.Policy) -> go.Figure:
    """Events per ward in the period as plain filled polygons (no tiles, no network)."""
    counts = run("area_events", f, level="ward")
    values = disclosure.map_values(counts.set_index("code")["events"], policy, level="ward").reset_index()
    values = values.rename(columns={"index": "code"})
    fills, legend = maps.sequential_fills(values)
    boundaries = run("boundaries", level="ward")
    fig = go.Figure()
    lat0 = None
    for row in boundaries.itertuples():
        geom = shape(json.loads(row.geojson))
        polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        colour = fills.get(row.code, maps.NO_DATA_FILL)
        colour = SUPPRESSED_GREY if colour == maps.SUPPRESSED_FILL else colour
        for poly in polys:
            x, y = poly.exterior.coords.xy
            lat0 = lat0 or sum(y) / len(y)
            fig.add_scatter(x=list(x), y=list(y), fill="toself", fillcolor=colour, mode="lines",
                            line={"color": "#888888", "width": 0.6}, hoverinfo="skip", showlegend=False)
    for entry in legend:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=entry.label,
                        marker={"color": entry.fill, "size": 12, "symbol": "square"})
    if (values["status"] == "suppressed").any():
        fig.add_scatter(x=[None], y=[None], mode="markers", name=f"{disclosure.SUPPRESSED} (1 to {policy.suppress_max})",
                        marker={"color": SUPPRESSED_GREY, "size": 12, "symbol": "square"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(lat0 or 53.6)))
    fig.update_layout(template="simple_white", title="Events by ward", legend={"title": "Events"},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def first_month(run: Runner):
    """The first month the data cover (charts start there rather than at zeros before the data)."""
    return fmt.first_of_month(run("month_range").iloc[0, 0])


def trend_figures(run: Runner, f: Filters, policy: disclosure.Policy) -> dict[str, go.Figure]:
    """The pack's trend charts: two years of episodes and offences, and RHI timeliness."""
    start = max(f.month_to - relativedelta(months=23), first_month(run))
    months = [d.date() for d in pd.date_range(start, f.month_to, freq="MS")]
    out = {}
    for key in ("episodes", "offences"):
        m = trends.MEASURES[key]
        data = trends.series(run(m.query, f, month_from=start, split="none"), m, "none", months, policy)
        fig = trends.trend_figure(data, m)
        fig.update_layout(title=m.label)
        out[m.label] = fig
    monthly = run("rhi_monthly", month_from=start, month_to=f.month_to, locality=f.locality, looked_after=f.looked_after)
    if not monthly.empty:
        fig = rhi_view.monthly_figure(monthly, policy)
        fig.update_layout(title="Return home interviews within 72 hours")
        out["Return home interviews"] = fig
    return out


def to_png(figs: list[go.Figure], width: int = 1000, height: int = 480) -> list[bytes]:
    """Render figures to PNG with one Chromium (kaleido finds the system one; it never downloads)."""
    import kaleido

    with _KALEIDO, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kaleido.start_sync_server(silence_warnings=True)
        try:
            return [fig.to_image(format="png", width=width, height=height, scale=1.5) for fig in figs]
        finally:
            kaleido.stop_sync_server(silence_warnings=True)


# --- the pack ---------------------------------------------------------------------------


def _figures_table(ov: Overview) -> list[tuple[str, list[list[str]]]]:
    out = []
    for title, figs in headline.by_section(ov.figures).items():
        rows = [[fig.measure.label, fig.value, fig.delta or "—", fig.last_year or "—", fig.note or ""] for fig in figs]
        out.append((title, rows))
    return out


FIGURE_HEADER = ["Measure", "This period", "Change on previous period", "Change on same period last year", "Note"]


def _tables(ov: Overview) -> list[tuple[str, pd.DataFrame | None, str]]:
    """(heading, table, text when there is no table) in pack order."""
    return [
        ("Emerging hotspots", ov.emerging,
         "The hotspot analysis is not in this build." if ov.emerging is None else "No place or area is emerging."),
        ("Active peer groups", ov.peer_groups,
         "Peer groups are not in this build." if ov.peer_groups is None else "No active peer group."),
        ("Places with the most activity", ov.places, "No events were linked to a place of concern."),
    ]


def _subtitle(ov: Overview) -> str:
    return " ".join([f"{ov.period} · {ov.where} · {PERIODS[ov.filters.period]}.", *ov.caveats])


def build_html(ov: Overview, images: dict[str, bytes], policy: disclosure.Policy) -> str:
    """The pack as one self-contained HTML page (images inline, every text escaped)."""
    e = html.escape

    def table(df: pd.DataFrame) -> str:
        return df.to_html(index=False, escape=True, border=0, classes="cm")

    def img(name: str) -> str:
        data = base64.b64encode(images[name]).decode()
        return f'<figure><img alt="{e(name)}" src="data:image/png;base64,{data}"><figcaption>{e(name)}</figcaption></figure>'

    parts = [f"<h1>ContextMap meeting pack: {e(ov.area)}</h1>", f"<p class='sub'>{e(_subtitle(ov))}</p>",
             "<h2>What changed</h2><ul>" + "".join(f"<li>{e(s)}</li>" for s in ov.sentences) + "</ul>",
             f"<p class='sub'>{e(CHANGE_RULE)}</p>", "<h2>Overview figures</h2>"]
    for title, rows in _figures_table(ov):
        parts.append(f"<h3>{e(title)}</h3>" + table(pd.DataFrame(rows, columns=FIGURE_HEADER)))
    parts.append("<h2>Map</h2>" + img("Map"))
    parts.append("<h2>Trends</h2>" + "".join(img(n) for n in images if n != "Map"))
    for heading, df, empty in _tables(ov):
        parts.append(f"<h2>{e(heading)}</h2><p class='sub'>{e(ov.notes[heading])}</p>"
                     + (table(df) if df is not None and len(df) else f"<p>{e(empty)}</p>"))
    parts.append("<h2>Return home interviews</h2>")
    parts.append(table(pd.DataFrame([ov.rhi.get("summary", {})])) if ov.rhi.get("summary") else "")
    parts.append("<h3>By locality</h3>" + table(ov.rhi["by_locality"]))
    parts.append("<h3>Episodes without an offer within 72 hours</h3>" + table(ov.rhi["reasons"]))
    parts.append(f"<h2>Data quality</h2><p>{e(ov.data_quality)}</p>")
    parts.append(f"<h2>Disclosure control</h2><p>{e(disclosure.legend(policy))}</p>")
    parts.append(f"<p class='sub'>{e(settings.get('geography', 'attribution'))}</p>")
    style = ("body{font-family:DejaVu Sans,Arial,sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
             "table.cm{border-collapse:collapse;margin:.5rem 0}table.cm td,table.cm th{border-bottom:1px solid #ccc;"
             "padding:.2rem .6rem;text-align:left}img{max-width:100%}.sub{color:#555}")
    return ("<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
            f"<title>ContextMap meeting pack {e(ov.period)}</title><style>{style}</style></head><body>"
            + "".join(parts) + "</body></html>")


class _PDF:
    """A thin layer over fpdf2: headings, paragraphs, tables and images in DejaVu Sans."""

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
        self.pdf.set_auto_page_break(True, margin=18)
        self.pdf.add_font("DejaVu", "", f"{FONT_DIR}/DejaVuSans.ttf")
        self.pdf.add_font("DejaVu", "B", f"{FONT_DIR}/DejaVuSans-Bold.ttf")
        self.pdf.add_page()

    def heading(self, text: str, size: int = 14, keep: float = 35) -> None:
        """A heading, on a new page unless ``keep`` mm of what follows fit below it."""
        pdf = self.pdf
        if pdf.get_y() + keep > pdf.h - 18:
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
                t.row(["" if v is None else str(v) for v in values])
        pdf.ln(2)

    def image(self, png: bytes, width: float = 180) -> None:
        pdf = self.pdf
        height = width * 480 / 1000
        if pdf.get_y() + height > pdf.h - 18:
            pdf.add_page()
        pdf.image(io.BytesIO(png), w=width)
        pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def build_pdf(ov: Overview, images: dict[str, bytes], policy: disclosure.Policy) -> bytes:
    """The pack as an A4 PDF: overview, map, trends, hotspots and groups, RHI, data quality, disclosure."""
    made = datetime.now().strftime("%d %B %Y")
    doc = _PDF(f"ContextMap meeting pack · {ov.where} · {ov.period} · produced {made} · OFFICIAL-SENSITIVE")
    doc.heading(f"ContextMap meeting pack: {ov.area}", 18)
    doc.text(_subtitle(ov), 11, 80)
    doc.heading("What changed")
    for sentence in ov.sentences:
        doc.text(f"• {sentence}")
    doc.text(CHANGE_RULE, 8, 90)
    doc.heading("Overview figures")
    for title, rows in _figures_table(ov):
        doc.heading(title, 11)
        doc.table(pd.DataFrame(rows, columns=FIGURE_HEADER))
    doc.heading("Map", keep=85)
    doc.image(images["Map"], 150)
    doc.heading("Trends", keep=100)
    for name, png in images.items():
        if name != "Map":
            doc.image(png)
    for heading, df, empty in _tables(ov):
        doc.heading(heading)
        doc.text(ov.notes[heading], 8, 90)
        if df is not None and len(df):
            doc.table(df)
        else:
            doc.text(empty)
    doc.heading("Return home interviews")
    if ov.rhi.get("summary"):
        doc.table(pd.DataFrame([ov.rhi["summary"]]))
    doc.heading("By locality", 11)
    doc.table(ov.rhi["by_locality"])
    doc.heading("Episodes without an offer within 72 hours", 11)
    doc.table(ov.rhi["reasons"])
    doc.heading("Data quality")
    doc.text(ov.data_quality)
    doc.heading("Disclosure control")
    doc.text(disclosure.legend(policy))
    doc.text(settings.get("geography", "attribution"), 8, 90)
    return doc.output()


def build_pack(con, filters: Filters, policy: disclosure.Policy) -> tuple[bytes, str]:
    """The meeting pack for ``filters``: ``(pdf_bytes, html_str)``, every figure as on screen."""
    run = runner(con)
    ov = collect(run, lambda t: queries.table_exists(con, t), filters, policy)
    if ov.empty:
        raise ValueError("No missing episodes or offences match these filters: there is nothing to put in a pack.")
    figs = {"Map": ward_map_figure(run, filters, policy), **trend_figures(run, filters, policy)}
    images = dict(zip(figs, to_png(list(figs.values()))))
    return build_pdf(ov, images, policy), build_html(ov, images, policy)
