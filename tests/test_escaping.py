"""Hostile text from the data (a place called <script>…) never becomes live HTML or a live formula."""

from __future__ import annotations

import ast
import base64
import json
import re

import pandas as pd
import pytest

from contextmap import export
from contextmap.settings import ROOT

HOSTILE = "<script>alert(1)</script>"
SOURCES = [ROOT / "dashboard.py", *sorted(ROOT.glob("pages/*.py")), *sorted(ROOT.glob("contextmap/**/*.py"))]
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


from contextmap import maps  # noqa: E402


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
    m, legend = maps.choropleth(boundaries, values, title=HOSTILE, attribution=HOSTILE)
    maps.add_localities(m, pd.DataFrame({"code": ["L1"], "name": [HOSTILE], "geojson": [SQUARE]}))
    maps.add_places(m, pd.DataFrame({"place_id": [HOSTILE], "lat": [53.645], "lon": [-1.785], "score": [3.0],
                                     "lines": [[HOSTILE, "`${alert(2)}`"]]}))
    maps.add_outlines(m, pd.DataFrame({"code": ["W1"], "name": [HOSTILE], "geojson": [SQUARE]}), name="Wards")
    maps.add_circles(m, pd.DataFrame({"ref": [HOSTILE], "lat": [53.646], "lon": [-1.786], "size": [float("nan")],
                                      "lines": [[HOSTILE]]}), name="Group places")
    maps.add_ward_names(m, pd.DataFrame({"code": ["W1"], "name": [HOSTILE], "geojson": [SQUARE]}))
    page = maps.render_html(m)
    assert HOSTILE not in page, "hostile text written straight into the page"
    assert "\\<script\\>" in legend and not re.search(r"(?<!\\)<", legend)  # Markdown shows it as literal text
    fragments = _html_fragments(m)
    assert len(fragments) >= 4  # two tooltips, the attribution, the locality and ward labels
    for fragment in fragments:
        assert "<script" not in fragment and "${" not in fragment, fragment
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in f for f in fragments)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _unjson(page)


def test_map_html_helpers_escape_every_field():
    assert HOSTILE not in maps.tooltip_html([HOSTILE])
    entry = maps.LegendEntry(fill='red"><script>alert(1)</script>', label=HOSTILE)
    legend = maps.legend_markdown(HOSTILE, [entry])
    assert "<script>" not in legend
    svg = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)\)", legend)[1]).decode()
    assert "<script" not in svg and "&lt;script&gt;" in svg


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


MARKDOWN_BAIT = "![x](http://example.com/b.png) [a](http://x) # H $x$ :red[r]"


def test_md_escape_leaves_no_markup_and_drops_bidi_controls():
    from contextmap.fmt import md_escape

    shown = md_escape(MARKDOWN_BAIT + " <b>bold</b>\n# second line \u202egnp.exe")
    for markup in ("![", "](", "[a]", " # ", "$x$", ":red[", "<b>", "\n", "\u202e"):
        assert markup not in shown
    assert shown.replace("\\", "") == (MARKDOWN_BAIT + " <b>bold</b> # second line gnp.exe")


def test_a_hostile_place_name_is_shown_as_text_on_the_place_profile(served_db, tmp_path, monkeypatch):
    import shutil

    import duckdb
    from streamlit.testing.v1 import AppTest

    from contextmap import auth, disclosure
    from contextmap.filters import Filters
    from contextmap.ui import reader
    from pipelines import warehouse

    wh = tmp_path / "wh"
    (wh / "builds").mkdir(parents=True)
    db = wh / "builds" / "hostile.duckdb"
    shutil.copy(served_db, db)
    with duckdb.connect(str(db)) as con:
        place, last = con.execute("select place_id, max(event_month) from mart_place_monthly group by 1 "
                                  "order by sum(events) desc limit 1").fetchone()
        for (table,) in con.execute("select table_name from information_schema.columns where column_name = 'name' "
                                    "intersect select table_name from information_schema.columns "
                                    "where column_name = 'place_id'").fetchall():
            con.execute(f"update {table} set name = ? where place_id = ?", [MARKDOWN_BAIT, place])
    warehouse.publish(wh, db)
    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(wh))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = AppTest.from_file(str(ROOT / "pages" / "places.py"), default_timeout=90)
    at.session_state["session"] = reader.Session(auth.User("demo-analyst", "analyst"), Filters(last, "year"),
                                                 disclosure.Policy.from_settings())
    at.query_params["place"] = place
    at.run()
    assert not at.exception, at.exception
    elements = [*at.markdown, *at.caption, *at.subheader, *at.title, *at.header, *at.info, *at.warning, *at.error]
    bodies = [e.proto.body for e in elements if "example" in e.proto.body]
    assert bodies, "the place's profile heading should show its name"
    for body in bodies:
        for markup in ("![", "](", "[a]", " # H", "$x$", ":red["):
            assert markup not in body, (markup, body)
