"""Hostile text from the data (a place called <script>…) never becomes live HTML or a live formula."""

from __future__ import annotations

import ast
import json

import pandas as pd
import pytest

from contextmap import export
from contextmap.settings import ROOT

HOSTILE = "<script>alert(1)</script>"
SOURCES = [ROOT / "dashboard.py", *sorted(ROOT.glob("pages/*.py")), *sorted(ROOT.glob("contextmap/*.py"))]
# A small square near Huddersfield, as geo_boundary stores it.
SQUARE = json.dumps({"type": "Polygon", "coordinates": [[[-1.79, 53.64], [-1.78, 53.64], [-1.78, 53.65],
                                                          [-1.79, 53.65], [-1.79, 53.64]]]})


def _unjson(text: str) -> str:
    """What the browser sees after decoding JSON strings in the page (where innerHTML gets its text)."""
    for enc, ch in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&"), ("\\u0027", "'"), ("\\/", "/")):
        text = text.replace(enc, ch)
    return text


def _calls(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_unsafe_html_with_data(path):
    for call in _calls(path):
        for kw in call.keywords:
            if kw.arg == "unsafe_allow_html":
                assert isinstance(kw.value, ast.Constant) and not kw.value.value, (
                    f"{path.name}:{call.lineno} uses unsafe_allow_html")
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        if name == "html" and isinstance(call.func, ast.Attribute):
            owner = ast.unparse(call.func.value)
            if owner in ("st", "components", "st.components.v1", "components.v1") or owner.startswith("st."):
                assert call.args and isinstance(call.args[0], ast.Constant), (
                    f"{path.name}:{call.lineno} puts computed text into {owner}.html")


def test_csv_exports_neutralise_formulas_and_keep_numbers():
    df = pd.DataFrame({
        "name": ['=HYPERLINK("http://x","click")', "+44 1484", "-cmd", "@SUM(A1)", "\tTab", "Crown & Anchor", HOSTILE],
        "events": ["12", "c", "1,234", "-3", "0", "—", "7"],
        "rate": [0.5, 1.0, -2.0, 3.0, 4.0, 5.0, 6.0],
    })
    text = export.safe_csv(df).decode("utf-8-sig")
    body = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    assert body["name"].tolist()[:5] == ["'" + v for v in df["name"][:5]]
    assert body["name"].tolist()[5:] == ["Crown & Anchor", HOSTILE]
    assert body["events"].tolist() == df["events"].tolist()  # "-3" is a number, not a formula
    assert body["rate"].tolist()[2] == "-2.0"
    assert export.safe_csv(df).startswith(b"\xef\xbb\xbf")


def test_exports_refuse_tables_that_leak_small_counts():
    policy = export.disclosure.Policy()
    leaked = pd.DataFrame({"area": ["A"], "events": ["3"]})
    with pytest.raises(ValueError, match="small counts"):
        export.prepare(leaked, ["events"], policy)
    raw = pd.DataFrame({"area": ["A", "B"], "events": [3, 40]})
    assert export.prepare(raw, ["events"], policy)["events"].tolist() == ["c", "40"]


maps = pytest.importorskip("contextmap.maps", reason="contextmap/maps.py is not written yet")


def _html_fragments(element):
    """Every string folium hands to the browser as HTML: tooltip properties, script data, div icons."""
    out = []
    if isinstance(element, maps.folium.GeoJson):
        out += [str(v) for f in element.data["features"] for v in f["properties"].values()]
    if isinstance(element, maps.folium.DivIcon):
        out.append(element.options.get("html", "") if hasattr(element, "options") else "")
    if type(element).__name__ == "_Script" and isinstance(element.data, str):
        out.append(element.data)
    for child in element._children.values():
        out += _html_fragments(child)
    return out


def test_map_tooltips_legends_labels_and_attribution_are_escaped():
    boundaries = pd.DataFrame({"code": ["E05000001"], "name": [HOSTILE], "geojson": [SQUARE]})
    values = pd.DataFrame({"code": ["E05000001"], "status": ["shown"], "value": [12.0],
                           "lines": [[HOSTILE, "12 events"]]})
    m = maps.choropleth(boundaries, values, title=HOSTILE, attribution=HOSTILE, places=True)
    maps.add_localities(m, pd.DataFrame({"code": ["L1"], "name": [HOSTILE], "geojson": [SQUARE]}))
    maps.add_places(m, pd.DataFrame({"place_id": [HOSTILE], "lat": [53.645], "lon": [-1.785], "score": [3.0],
                                     "lines": [[HOSTILE, "`${alert(2)}`"]]}))
    maps.add_outlines(m, pd.DataFrame({"code": ["W1"], "name": [HOSTILE], "geojson": [SQUARE]}), name="Wards")
    maps.add_circles(m, pd.DataFrame({"ref": [HOSTILE], "lat": [53.646], "lon": [-1.786], "size": [float("nan")],
                                      "lines": [[HOSTILE]]}), name="Group places")
    maps.add_legend(m, HOSTILE, [maps.LegendEntry("#ffffff", HOSTILE)], suppressed_label=HOSTILE)
    page = maps.render_html(m)
    assert HOSTILE not in page, "hostile text written straight into the page"
    fragments = _html_fragments(m)
    assert len(fragments) >= 4  # two tooltips, the legend, the attribution (and the locality label)
    for fragment in fragments:
        assert "<script" not in fragment and "${" not in fragment, fragment
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in f for f in fragments)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _unjson(page)


def test_map_html_helpers_escape_every_field():
    assert HOSTILE not in maps.tooltip_html([HOSTILE], HOSTILE)
    entry = maps.LegendEntry(fill='red"><script>alert(1)</script>', label=HOSTILE)
    assert "<script>" not in maps.legend_html(HOSTILE, [entry], HOSTILE, places=True)


def test_xsrf_and_cors_protection_stay_on_and_nothing_can_be_uploaded():
    config = ROOT / ".streamlit" / "config.toml"
    if config.exists():
        import tomllib

        server = tomllib.loads(config.read_text()).get("server", {})
        assert server.get("enableXsrfProtection", True) is True
        assert server.get("enableCORS", True) is True
    for path in SOURCES:
        names = {c.func.attr for c in _calls(path) if isinstance(c.func, ast.Attribute)}
        assert "file_uploader" not in names, f"{path.name} accepts uploads: size-limit and type-check them first"


def test_exports_of_rates_are_not_mistaken_for_small_counts():
    policy = export.disclosure.Policy()
    rates = pd.DataFrame({"month": ["March 2025"], "Rate per 1,000": ["2.5"]})
    assert export.prepare(rates, ["Rate per 1,000"], policy).equals(rates)
