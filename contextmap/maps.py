"""Folium maps that work with no network: a choropleth of wards or LSOAs, locality outlines
and labels, places of concern sized by score, and an optional heat map.

Pure builders (no Streamlit): each takes plain data frames whose figures have already
passed disclosure control, and returns or extends a ``folium.Map``. Every script and
stylesheet is served by Streamlit from ``static/vendor`` (``/app/static/...``), no tiles
are fetched unless ``[map] tile_url`` is set, and every string that reaches popup or
tooltip HTML is escaped with :func:`safe`.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass

import folium
import pandas as pd
from branca.element import MacroElement
from folium.plugins import HeatMap
from folium.template import Template
from shapely.geometry import shape

STATIC = "/app/static/vendor"
LEAFLET_JS = f"{STATIC}/leaflet/leaflet.js"
LEAFLET_CSS = f"{STATIC}/leaflet/leaflet.css"
HEAT_JS = f"{STATIC}/leaflet.heat/leaflet-heat.js"

# ColorBrewer YlGnBu (sequential, colour-blind safe), light = few, dark = many.
SEQUENTIAL = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
ZERO_FILL = "#f4f4f4"
SUPPRESSED_FILL = "url(#cm-hatch)"
NO_DATA_FILL = "#ffffff"
# ColorBrewer YlOrRd for density (sequential, colour-blind safe) instead of leaflet-heat's rainbow.
HEAT_GRADIENT = {0.2: "#ffffb2", 0.4: "#fecc5c", 0.6: "#fd8d3c", 0.8: "#f03b20", 1.0: "#bd0026"}
PLACE_FILL = "#D55E00"  # Okabe-Ito vermilion: stands out on every YlGnBu class.
COORD_DP = 5

_JS_UNSAFE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def safe(text) -> str:
    """Escape ``text`` for HTML that folium may place inside a JavaScript template literal.

    ``html.escape`` covers tags and quotes; backticks, ``$`` and backslashes are also
    turned into entities so a hostile name cannot end a template literal or start a
    ``${...}`` expression.
    """
    return html.escape("" if text is None else str(text), quote=True).translate(_JS_UNSAFE)


class OfflineMap(folium.Map):
    """A ``folium.Map`` that loads only Leaflet, from Streamlit's static files.

    folium's defaults (jQuery, Bootstrap, Font Awesome, awesome-markers from CDNs) are
    dropped: these maps use no element that needs them.
    """

    default_js = [("leaflet", LEAFLET_JS)]
    default_css = [("leaflet_css", LEAFLET_CSS)]


class LocalHeatMap(HeatMap):
    """``folium.plugins.HeatMap`` with leaflet-heat served locally."""

    default_js = [("leaflet-heat.js", HEAT_JS)]


class _Script(MacroElement):
    """A fixed piece of map script; values reach it only as JSON (``tojson``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map, data) { {{ this.body }} })({{ this._parent.get_name() }}, {{ this.data|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, body: str, data=None):
        super().__init__()
        self._name = "ContextMapScript"
        self.body = body
        self.data = data


# A hatch pattern (for suppressed areas) and the label styles, added once per page.
_SETUP_JS = """
if (!document.getElementById('cm-defs')) {
  var svgns = 'http://www.w3.org/2000/svg';
  var svg = document.createElementNS(svgns, 'svg');
  svg.setAttribute('id', 'cm-defs'); svg.setAttribute('width', '0'); svg.setAttribute('height', '0');
  svg.style.position = 'absolute';
  svg.innerHTML = '<defs><pattern id="cm-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
    + 'patternTransform="rotate(45)"><rect width="6" height="6" fill="#d9d9d9"/>'
    + '<line x1="0" y1="0" x2="0" y2="6" stroke="#737373" stroke-width="2"/></pattern></defs>';
  document.body.appendChild(svg);
  var css = document.createElement('style');
  css.textContent = '.leaflet-container{background:#fbfbfb}'
    + '.cm-label{font:600 13px sans-serif;color:#111;white-space:nowrap;text-align:center;'
    + 'text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;pointer-events:none}'
    + '.cm-label-small{font:11px/1.1 sans-serif;color:#333;text-align:center;'
    + 'text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 2px #fff;pointer-events:none}'
    + '.leaflet-control-attribution{max-width:60%;font-size:10px}'
    // Long tooltip lines wrap, so a tooltip fits half of a narrow (1024 px screen) map.
    + '.leaflet-tooltip{white-space:normal;width:max-content;max-width:min(240px,45vw)}';
  document.head.appendChild(css);
}
// Keep every tooltip inside the map: Leaflet only chooses left or right of the pointer, so
// near the map's edges a tooltip ran out of the frame and was cut off.
if (window.L && !L.Tooltip.prototype._cmClamped) {
  var place = L.Tooltip.prototype._setPosition;
  L.Tooltip.prototype._setPosition = function (pos) {
    place.call(this, pos);
    var m = this._map, el = this._container;
    if (!m || !el) { return; }
    var at = m.layerPointToContainerPoint(L.DomUtil.getPosition(el)), size = m.getSize();
    var x = Math.max(2, Math.min(at.x, size.x - el.offsetWidth - 2));
    var y = Math.max(2, Math.min(at.y, size.y - el.offsetHeight - 2));
    if (x !== at.x || y !== at.y) { L.DomUtil.setPosition(el, m.containerPointToLayerPoint([x, y])); }
  };
  L.Tooltip.prototype._cmClamped = true;
}
"""

_ATTRIBUTION_JS = "map.attributionControl.addAttribution(data);"


@dataclass(frozen=True)
class LegendEntry:
    """One line of a legend: a swatch and what it means.

    ``fill`` is a colour (or ``SUPPRESSED_FILL`` for the hatch); ``shape`` is "box" (an
    area), "dot" (a marker), "line" (a boundary), "gradient" (the heat map's colours)
    or "text" (no swatch: a note).
    """

    fill: str
    label: str
    shape: str = "box"


def round_coords(geometry, dp: int = COORD_DP):
    """Round every coordinate of a GeoJSON geometry (nested lists) to ``dp`` places."""
    if isinstance(geometry, dict):
        return {k: round_coords(v, dp) if k in ("coordinates", "geometries") else v for k, v in geometry.items()}
    if isinstance(geometry, list):
        return [round_coords(v, dp) for v in geometry]
    if isinstance(geometry, float):
        return round(geometry, dp)
    return geometry


def classify(values: pd.Series, n: int = len(SEQUENTIAL)) -> tuple[list[float], list[str]]:
    """Class breaks (upper bounds) for positive values, at quantiles, and their colours.

    Returns ``(breaks, colours)`` with ``len(breaks) == len(colours)``; fewer classes when
    there are few distinct values, so no class is empty.
    """
    positive = values[values > 0].dropna()
    if positive.empty:
        return [], []
    qs = positive.quantile([(i + 1) / n for i in range(n)], interpolation="higher").tolist()
    breaks = sorted(set(float(q) for q in qs))
    colours = list(SEQUENTIAL[len(SEQUENTIAL) - len(breaks):]) if len(breaks) < n else list(SEQUENTIAL)
    return breaks, colours


def _fmt_value(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def sequential_fills(values: pd.DataFrame, decimals: int = 0) -> tuple[dict[str, str], list[LegendEntry]]:
    """Fill per area code, and the legend, for a numeric measure.

    ``values`` has ``code``, ``value`` (float, NaN when not shown) and ``status``:
    ``'shown'``, ``'suppressed'`` (drawn hatched and labelled so, never as zero) or
    ``'no_data'`` (no population or not computed).
    """
    shown = values[values["status"] == "shown"]
    breaks, colours = classify(shown["value"])
    fills: dict[str, str] = {}
    for row in values.itertuples():
        if row.status == "suppressed":
            fills[row.code] = SUPPRESSED_FILL
        elif row.status != "shown" or pd.isna(row.value):
            fills[row.code] = NO_DATA_FILL
        elif row.value <= 0:
            fills[row.code] = ZERO_FILL
        else:
            fills[row.code] = next(c for b, c in zip(breaks, colours) if row.value <= b)
    positive = shown["value"][shown["value"] > 0]
    legend, low = [], float(positive.min()) if not positive.empty else 0.0
    for b, c in zip(breaks, colours):
        legend.append(LegendEntry(c, f"{_fmt_value(low, decimals)} to {_fmt_value(b, decimals)}"))
        # Counts are whole numbers: the next class starts one above; rates share the boundary.
        low = b + 1 if decimals == 0 else b
    if (shown["value"] <= 0).any():
        legend.insert(0, LegendEntry(ZERO_FILL, "0 (no events)"))
    return fills, legend


def categorical_fills(values: pd.DataFrame, categories: dict[str, tuple[str, str]]) -> tuple[dict[str, str], list[LegendEntry]]:
    """Fill per area code for a class measure (Gi* class, emerging pattern).

    ``values`` has ``code``, ``category`` and ``status``; ``categories`` maps a category
    to ``(colour, label)`` in legend order. Unknown categories are drawn as no data.
    """
    fills = {}
    for row in values.itertuples():
        if row.status == "suppressed":
            fills[row.code] = SUPPRESSED_FILL
        else:
            fills[row.code] = categories.get(row.category, (NO_DATA_FILL, ""))[0]
    present = set(values["category"])
    legend = [LegendEntry(colour, label) for key, (colour, label) in categories.items() if key in present]
    return fills, legend


_SWATCH_SVG = {
    "box": '<rect x="0.5" y="0.5" width="17" height="12" fill="{fill}" stroke="#777"/>',
    "dot": '<circle cx="9" cy="6.5" r="6" fill="{fill}" stroke="#D55E00" stroke-width="1.5"/>',
    "line": '<line x1="0" y1="6.5" x2="18" y2="6.5" stroke="{fill}" stroke-width="3"/>',
}
_HATCH_SVG = ('<defs><pattern id="h" patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">'
              '<rect width="4" height="4" fill="#d9d9d9"/><line x1="0" y1="0" x2="0" y2="4" stroke="#737373" '
              'stroke-width="2"/></pattern></defs>')


def _swatch(entry: LegendEntry) -> str:
    """A legend swatch as a Markdown image of an inline SVG (no HTML reaches the page)."""
    if entry.shape == "text":
        return ""
    width = 60 if entry.shape == "gradient" else 18
    if entry.shape == "gradient":
        stops = "".join(f'<stop offset="{o:.0%}" stop-color="{html.escape(c)}"/>' for o, c in HEAT_GRADIENT.items())
        body = (f'<defs><linearGradient id="g">{stops}</linearGradient></defs>'
                '<rect x="0.5" y="0.5" width="59" height="12" fill="url(#g)" stroke="#777"/>')
    else:
        hatched = entry.fill == SUPPRESSED_FILL
        body = (_HATCH_SVG if hatched else "") + _SWATCH_SVG[entry.shape].format(
            fill="url(#h)" if hatched else html.escape(entry.fill, quote=True))
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="13">{body}</svg>'
    return f"![](data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}) "


def legend_markdown(title: str, entries: list[LegendEntry]) -> str:
    """One legend block as Markdown for the page under a map: a bold heading, then each
    entry's swatch and words (every label escaped as literal text).

    Legends are drawn beside the map, not on it, so they never cover an area (on a phone
    a legend on the map hid a third of it).
    """
    from contextmap.fmt import md_escape

    items = " &nbsp; ".join(f"{_swatch(e)}{md_escape(e.label)}" for e in entries)
    return f"**{md_escape(title)}**  \n{items}\n\n"


def tooltip_html(lines: list[str]) -> str:
    """Tooltip HTML: the lines, escaped, one under another."""
    return "<br>".join(safe(line) for line in lines)


def base_map(boundaries: pd.DataFrame, attribution: str, tile_url: str = "", tile_attribution: str = "") -> OfflineMap:
    """An empty offline map fitted to ``boundaries`` (``geojson`` column), with attribution."""
    m = OfflineMap(tiles=None, control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    if tile_url:
        folium.TileLayer(tile_url, attr=safe(tile_attribution) or "Map tiles", name="Base map").add_to(m)
    _Script(_SETUP_JS).add_to(m)
    if attribution:
        _Script(_ATTRIBUTION_JS, safe(attribution)).add_to(m)
    bounds = [shape(json.loads(g)).bounds for g in boundaries["geojson"]]
    if bounds:
        m.fit_bounds([[min(b[1] for b in bounds), min(b[0] for b in bounds)], [max(b[3] for b in bounds), max(b[2] for b in bounds)]])
    return m


def choropleth(
    boundaries: pd.DataFrame,
    values: pd.DataFrame,
    *,
    title: str,
    categories: dict[str, tuple[str, str]] | None = None,
    decimals: int = 0,
    suppressed_label: str = "Suppressed (0 to 5, too few to show)",
    attribution: str = "",
    tile_url: str = "",
    tile_attribution: str = "",
) -> tuple[OfflineMap, str]:
    """A map of one level of areas (ward or LSOA) coloured by a measure, as one GeoJSON layer.

    Parameters
    ----------
    boundaries : DataFrame
        ``code``, ``name``, ``geojson`` (simplified GeoJSON geometry, WGS84), as in ``geo_boundary``.
    values : DataFrame
        ``code``, ``status`` (``'shown'`` | ``'suppressed'`` | ``'no_data'``), ``lines``
        (list of tooltip lines, plain text) and either ``value`` (numeric measures) or
        ``category`` (class measures, with ``categories``). Figures must already have
        passed disclosure control.
    title : str
        What the colours measure, shown as the legend heading.
    categories : dict, optional
        ``{category: (colour, label)}`` for class measures such as Gi* classes.

    Returns
    -------
    (OfflineMap, str)
        The map (each area's feature carries ``ref``, its code, for a click to be traced
        back, and a readable tooltip; the attribution) and its legend's HTML, which
        explains every fill drawn (:func:`legend_markdown`).
    """
    m = base_map(boundaries, attribution, tile_url, tile_attribution)
    if categories is None:
        fills, entries = sequential_fills(values, decimals)
    else:
        fills, entries = categorical_fills(values, categories)
    info = values.set_index("code")
    features, fill_by_id = [], {}
    for i, row in enumerate(boundaries.itertuples()):
        # Feature ids are positions: no data value reaches the generated script unescaped.
        fill_by_id[i] = fills.get(row.code, NO_DATA_FILL)
        lines = list(info["lines"].get(row.code) or [row.name, "No data"]) if "lines" in info else [row.name]
        if info["status"].get(row.code) == "suppressed":
            lines.append(suppressed_label)
        features.append({"type": "Feature", "id": i, "geometry": round_coords(json.loads(row.geojson)),
                         "properties": {"tip": tooltip_html(lines), "ref": safe(row.code)}})
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Areas",
        style_function=lambda f: {"fillColor": fill_by_id[f["id"]], "fillOpacity": 0.8, "color": "#555555",
                                  "weight": 0.8},
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        zoom_on_click=False,
    ).add_to(m)
    if (values["status"] == "suppressed").any():
        entries.append(LegendEntry(SUPPRESSED_FILL, suppressed_label))
    if any(fill == NO_DATA_FILL for fill in fill_by_id.values()):
        entries.append(LegendEntry(NO_DATA_FILL, "No data"))
    return m, legend_markdown(title, entries)


def add_outlines(m: folium.Map, boundaries: pd.DataFrame, labels: bool = True, colour: str = "#222222",
                 weight: float = 2.5, name: str = "Localities") -> folium.Map:
    """Draw area outlines (``code``/``name``/``geojson`` rows), optionally with their names."""
    group = folium.FeatureGroup(name=name, control=False)
    features = [
        {"type": "Feature", "geometry": round_coords(json.loads(r.geojson)), "properties": {}}
        for r in boundaries.itertuples()
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda f: {"fill": False, "color": colour, "weight": weight, "opacity": 0.9},
        interactive=False,
    ).add_to(group)
    for r in boundaries.itertuples() if labels else ():
        point = shape(json.loads(r.geojson)).representative_point()
        folium.Marker(
            [round(point.y, COORD_DP), round(point.x, COORD_DP)],
            icon=folium.DivIcon(html=f'<div class="cm-label">{safe(r.name)}</div>', icon_size=(160, 18), icon_anchor=(80, 9)),
            interactive=False,
        ).add_to(group)
    group.add_to(m)
    return m


def add_localities(m: folium.Map, localities: pd.DataFrame) -> folium.Map:
    """Locality outlines and names over the areas."""
    return add_outlines(m, localities)


def add_ward_names(m: folium.Map, wards: pd.DataFrame) -> folium.Map:
    """Ward names in small type at each ward's centre (the ward outlines are the areas' own)."""
    group = folium.FeatureGroup(name="Ward names", control=False)
    for r in wards.itertuples():
        point = shape(json.loads(r.geojson)).representative_point()
        folium.Marker([round(point.y, COORD_DP), round(point.x, COORD_DP)], interactive=False,
                      icon=folium.DivIcon(html=f'<div class="cm-label-small">{safe(r.name)}</div>',
                                          icon_size=(84, 24), icon_anchor=(42, 12))).add_to(group)
    group.add_to(m)
    return m


def marker_radius(score: float, top: float, smallest: float = 5.0, largest: float = 18.0) -> float:
    """Circle radius in pixels with area proportional to ``score`` (``top`` gets ``largest``)."""
    if top <= 0 or pd.isna(score) or score <= 0:
        return smallest
    return round(smallest + (largest - smallest) * (min(score, top) / top) ** 0.5, 1)


def add_circles(m: folium.Map, points: pd.DataFrame, name: str = "Places", fill: str = PLACE_FILL) -> folium.Map:
    """Circles sized by ``size`` in one GeoJSON layer, each carrying its ``ref`` for a click.

    ``points`` has ``ref``, ``lat``, ``lon``, ``size`` (NaN: hidden figures, drawn as the
    smallest circle, hatched), ``lines`` (plain-text tooltip lines) and optionally ``fill``
    per point. Points with no location or a size of 0 (nothing in the period) are left out.
    """
    located = points.dropna(subset=["lat", "lon"])
    located = located[located["size"] != 0]
    if located.empty:
        return m
    top = located["size"].max()
    fills = located["fill"] if "fill" in located else pd.Series(fill, index=located.index)
    style = {
        i: {
            "radius": marker_radius(r.size, top),
            # Hidden figures: the smallest circle, hatched, outlined in the layer's colour.
            "fillColor": SUPPRESSED_FILL if pd.isna(r.size) else f,
            "color": f if pd.isna(r.size) else "#ffffff",
        }
        for i, (r, f) in enumerate(zip(located.itertuples(), fills))
    }
    features = [
        {
            "type": "Feature",
            "id": i,
            "geometry": {"type": "Point", "coordinates": [round(float(r.lon), COORD_DP), round(float(r.lat), COORD_DP)]},
            "properties": {"tip": tooltip_html(list(r.lines)), "ref": safe(r.ref)},
        }
        for i, r in enumerate(located.itertuples())
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        marker=folium.CircleMarker(radius=5, fill=True),
        style_function=lambda f: {**style[f["id"]], "fill": True, "fillOpacity": 0.85, "weight": 1.5},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        zoom_on_click=False,
    ).add_to(m)
    return m


def add_places(m: folium.Map, places: pd.DataFrame) -> folium.Map:
    """Places of concern (``place_id``, ``lat``, ``lon``, ``score``, ``lines``) sized by score."""
    return add_circles(m, places.rename(columns={"place_id": "ref", "score": "size"}), "Places")


def add_heat(m: folium.Map, points: pd.DataFrame) -> folium.Map:
    """A density heat map of located events from grid cells (``lat``, ``lon``, ``events``).

    Weights are scaled so the busiest tenth of cells reach full intensity at the zoom a
    whole district is seen at: the map reads the same for a month or a year, and one very
    busy cell does not fade all the others.
    """
    if points.empty:
        return m
    top = max(float(points["events"].quantile(0.9)), 1.0)
    data = [[round(float(r.lat), COORD_DP), round(float(r.lon), COORD_DP), round(min(float(r.events) / top, 1.0), 3)]
            for r in points.itertuples()]
    LocalHeatMap(data, name="Event density", radius=22, blur=16, min_opacity=0.35, max_zoom=11,
                 gradient=HEAT_GRADIENT).add_to(m)
    return m


def render_html(m: folium.Map) -> str:
    """The whole map as a standalone HTML page (what tests and the payload report measure)."""
    return m.get_root().render()
