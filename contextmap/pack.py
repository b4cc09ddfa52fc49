"""The meeting pack: the overview (:mod:`contextmap.pack_collect`) laid out as an A4 PDF
and a self-contained HTML page, from one list of blocks so the two never differ.

Charts are plotly figures turned into PNG by kaleido (which drives the system Chromium),
and the PDF uses the DejaVu font so "–", "£" and "é" print.
"""

from __future__ import annotations

import base64
import html
import io
import math
import threading
import warnings
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, headline, pack_collect, queries, rhi_view, settings
from contextmap.filters import PERIODS, Filters
from contextmap.map_view import CAVEATS
from contextmap.pack_collect import CHANGE_RULE, RHI_CHART, Extras, Overview
from contextmap.places_view import weights_text

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
_KALEIDO = threading.Lock()


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

FIGURE_HEADER = ["Measure", "This period", "Change on previous period", "Change on same period last year", "Note"]


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


def _title(ov: Overview) -> str:
    """The pack's title: a council's pack says whose figures it holds."""
    if ov.council:
        return f"ContextMap meeting pack: {ov.council} — children of {ov.council}"
    return f"ContextMap meeting pack: {ov.area}"


def _whose(ov: Overview) -> str:
    """A council's pack, on its cover: whose figures these are and what is left out."""
    c = ov.council
    return (f"{c} only: missing episodes and return home interviews of {c}'s children, wherever they went missing, "
            f"and offences involving young people in {c}, exactly as {c}'s Overview, Trends and Return home "
            "interviews pages show them. Sections that count every council's children are left out, and say so.")


def _footer_where(ov: Overview) -> str:
    if not ov.council:
        return ov.where
    return f"{ov.council} only" + (f" · {ov.where}" if ov.where != ov.council else "")


def _subtitle(ov: Overview) -> str:
    return " ".join([f"{ov.period} · {ov.where} · {PERIODS[ov.filters.period]}.", *ov.caveats])


def _caveats(ov: Overview) -> list[str]:
    windows = ("The figures follow the filters named on the cover." if ov.council else
               "Places, hotspots and peer groups state their own windows above; the figures follow the filters named "
               "on the cover.")
    return [*ov.caveats, *CAVEATS, windows]


def blocks(ov: Overview, extras: Extras, images: dict[str, bytes], policy: disclosure.Policy) -> list[tuple]:
    """The pack as a list of ``(kind, content)`` blocks, in order, for both the PDF and the HTML.

    Kinds: "title", "subtitle", "h2", "h3", "text", "note", "bullets", "table", "image".
    A council's pack (``ov.council``) says whose figures it holds on its cover, and in place
    of each section it does not get (``ov.left_out``) why not.
    """
    left_out = ov.left_out
    out: list[tuple] = [("title", _title(ov)), ("subtitle", _subtitle(ov))]
    if ov.council:
        out.append(("text", _whose(ov)))
    out += [("h2", "What changed"), ("bullets", ov.sentences), ("note", CHANGE_RULE), ("h2", "Overview figures")]
    for title, table in _figures_table(ov):
        out += [("h3", title), ("table", table)]
    if "Map" in left_out:
        out += [("h2", "Map"), ("text", left_out["Map"])]
    else:
        out += [("h2", "Map"), ("image", "Map"),
                ("note", f"Numbered: the {pack_collect.MAP_NUMBERED} wards with the highest rates, named in the "
                         "key. Grey wards: too few events to show (c). Thick lines and bold names: localities. "
                         "Circles: places of concern, sized by their score ("
                         + weights_text(settings.current().hotspots.place_weights) + ")")]
    for heading, df, empty in _tables(ov):
        if heading in left_out:
            out += [("h2", heading), ("text", left_out[heading])]
            continue
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
    out += [("h2", "Disruption reviews"),
            ("text" if "Disruption reviews" in left_out else "note", extras.disruption_note)]
    if extras.disruption is not None:
        out.append(("table", extras.disruption))
    out += [("h2", "Data quality"), ("text", left_out.get("Data quality", ov.data_quality)),
            ("h2", "Caveats"), ("bullets", _caveats(ov)),
            ("h2", "Disclosure control"), ("text", disclosure.legend(policy)),
            ("note", settings.current().geography.attribution)]
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
            f"<title>ContextMap meeting pack {e(ov.period)}{e(f' · {ov.council}' if ov.council else '')}</title><style>{style}</style></head><body>"
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
    doc = _PDF(f"ContextMap meeting pack · {_footer_where(ov)} · {ov.period} · produced {made} · OFFICIAL-SENSITIVE")
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


def pack_caption(ov: Overview) -> str:
    """What the Overview page says the pack holds (a council's: its own figures, no map)."""
    if ov.council:
        return (f"A PDF and an HTML version of this page for the period and locality chosen, with the trend charts "
                f"and RHI performance: {ov.council}'s own figures only, every one as on screen. The map, places, "
                "hotspots, peer groups and disruption review count every council's children and are left out.")
    return ("A PDF and an HTML version of this page for the period and locality chosen, with the map, trend charts "
            "and RHI performance. Every figure is suppressed exactly as on screen.")


def file_stem(ov: Overview) -> str:
    """The pack's file name without extension: month and locality, and a council's name first."""
    f = ov.filters
    council = f"{ov.council.replace(' ', '-').lower()}-" if ov.council else ""
    return f"contextmap-pack-{council}{f.month:%Y-%m}-{f.locality.replace(' ', '-').lower()}"


def build_pack(con, filters: Filters, policy: disclosure.Policy) -> tuple[bytes, str]:
    """The meeting pack for ``filters``: ``(pdf_bytes, html_str)``, every figure as on screen.

    A council scope (``filters.scope``) gets its own figures only, as its Overview, Trends and
    Return home interviews pages show them: every query is bound to the scope, and the
    sections that count every council's children are left out, saying so.
    """
    query = queries.bind(con, scope=filters.scope)
    ov = pack_collect.collect(query, filters, policy)
    if ov.empty:
        raise ValueError("No missing episodes or offences match these filters: there is nothing to put in a pack.")
    extras = pack_collect.extras(query, ov, policy)
    figs = pack_collect.charts(query, filters, policy)
    images = dict(zip(figs, to_png(list(figs.values()))))
    return build_pdf(ov, extras, images, policy), build_html(ov, extras, images, policy)
