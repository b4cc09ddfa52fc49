"""The offline folium maps (contextmap/maps.py): nothing fetched from outside, every area
drawn, hostile names escaped, suppressed areas labelled as such, a legend, a small payload."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contextmap import maps, settings

HOSTILE = "<script>alert(1)</script>`${alert(2)}`\\"
STATIC = settings.ROOT / "static"


def _boundaries(path: Path) -> pd.DataFrame:
    data = json.loads(path.read_text())
    return pd.DataFrame({
        "code": [f["properties"]["code"] for f in data["features"]],
        "name": [f["properties"]["name"] for f in data["features"]],
        "geojson": [json.dumps(f["geometry"]) for f in data["features"]],
    })


@pytest.fixture(scope="module")
def wards() -> pd.DataFrame:
    return _boundaries(settings.current().geography.wards)


def _values(boundaries: pd.DataFrame) -> pd.DataFrame:
    n = len(boundaries)
    value = np.arange(n, dtype=float) * 3
    status = np.where(np.arange(n) % 5 == 1, "suppressed", "shown")
    value[status == "suppressed"] = np.nan
    lines = [[name, "Events: c" if s == "suppressed" else f"Events: {v:.0f}"] for name, s, v in zip(boundaries["name"], status, value)]
    lines[0] = [HOSTILE, "Events: 0"]
    # The last area has no row at all: drawn as "no data".
    return pd.DataFrame({"code": boundaries["code"], "value": value, "status": status, "lines": lines}).iloc[:-1]


def _places() -> pd.DataFrame:
    return pd.DataFrame({
        "place_id": ["P1", "P2", HOSTILE], "lat": [53.65, 53.70, 53.68], "lon": [-1.78, -1.70, -1.75],
        "score": [30.0, np.nan, 0.0], "lines": [[HOSTILE, "Score: 30.0"], ["Quiet café", "Score: c"], ["Park", "Score: 0"]],
    })


@pytest.fixture(scope="module")
def drawn(wards):
    m, legend = maps.choropleth(wards, _values(wards), title="Events", attribution=settings.current().geography.attribution)
    maps.add_localities(m, wards.head(2).assign(name=[HOSTILE, "Dewsbury"]))
    maps.add_ward_names(m, wards.head(3).assign(name=[HOSTILE, "Almondbury", "Ashbrow"]))
    maps.add_places(m, _places())
    maps.add_heat(m, pd.DataFrame({"lat": [53.65, 53.66], "lon": [-1.78, -1.77], "events": [9, 12]}))
    return maps.render_html(m), legend


@pytest.fixture(scope="module")
def full_map(drawn):
    return drawn[0]


def _unescape_json(html: str) -> str:
    # folium writes data through Jinja's tojson, which encodes <, >, & and ' as \\u00XX.
    return re.sub(r"\\u00([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), html)


def test_every_script_and_stylesheet_is_served_locally(full_map):
    urls = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', full_map)
    assert urls, "the map should load Leaflet"
    assert all(u.startswith("/app/static/vendor/") for u in urls), urls
    for url in urls:
        assert (STATIC / url.removeprefix("/app/static/")).is_file(), f"{url} is not in static/"
    assert not re.search(r"https?://(?!leafletjs\.com)", full_map.split("<body>")[0])
    assert "tile" not in full_map.lower().split("<body>")[1].replace("tiles=none", "") or "L.tileLayer" not in full_map


def test_every_vendored_library_ships_with_its_licence():
    for folder in ("leaflet", "leaflet.heat"):
        assert (STATIC / "vendor" / folder / "LICENSE").is_file()


def test_every_area_is_a_polygon_with_a_ref_to_click_and_a_tooltip_without_codes(full_map, wards):
    data = _unescape_json(full_map)
    for code in wards["code"]:
        assert f'"ref": "{code}"' in data
    assert data.count('"type": "Polygon"') + data.count('"type": "MultiPolygon"') >= len(wards)
    tips = re.findall(r'"tip": "([^"]*)"', data)
    assert tips and not any(code in tip for tip in tips for code in wards["code"])


def test_ward_names_are_written_on_the_map(full_map):
    assert re.search(r'class=\\?"cm-label-small\\?">Almondbury<', _unescape_json(full_map))


def test_hostile_names_are_escaped_everywhere(full_map):
    data = _unescape_json(full_map)
    assert "<script>alert(1)" not in data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#96;&#36;{alert(2)}&#96;&#92;" in data
    # The raw string never reaches the page in any form that could run.
    assert "`${alert(2)}`" not in data


def test_suppressed_areas_are_hatched_and_say_so(full_map, wards):
    data = _unescape_json(full_map)
    assert 'url(#cm-hatch)' in data and 'id="cm-hatch"' in data
    suppressed = wards["code"][1::5]
    for code in suppressed:
        assert re.search(rf'"ref": "{code}", "tip": "[^"]*Suppressed \(0 to 5, too few to show\)"', data), code
    assert data.count('Suppressed (0 to 5, too few to show)"') == len(suppressed)


def test_legend_is_off_the_map_and_explains_every_fill(drawn):
    html, legend = drawn
    words = legend.replace("\\", "")  # Markdown escapes, as the page reads them
    assert "Events" not in html.split("<body>")[1].split("<script>")[0]  # drawn on the page, never over an area
    assert words.startswith("**Events**")
    assert "Suppressed (0 to 5, too few to show)" in words and "No data" in words
    assert re.search(r"\d+ to \d+", words)
    assert legend.count("data:image/svg+xml;base64,") == len(re.findall(r"!\[\]", legend)) >= 4


def test_attribution_from_settings_is_on_the_map(full_map):
    assert "Contains OS data © Crown copyright" in _unescape_json(full_map)


def test_classes_cover_values_and_zero_is_its_own_class():
    values = pd.DataFrame({"code": list("abcdef"), "value": [0, 1, 5, 9, 30, np.nan],
                           "status": ["shown"] * 5 + ["suppressed"]})
    fills, legend = maps.sequential_fills(values)
    assert fills["a"] == maps.ZERO_FILL and fills["f"] == maps.SUPPRESSED_FILL
    assert fills["e"] == maps.SEQUENTIAL[-1] and fills["b"] != fills["e"]
    assert legend[0].label == "0 (no events)" and legend[-1].label.endswith("30")


def test_categories_use_their_own_colours():
    values = pd.DataFrame({"code": ["a", "b", "c"], "category": ["Hot", "Cold", None], "status": ["shown", "shown", "suppressed"]})
    fills, legend = maps.categorical_fills(values, {"Hot": ("#b2182b", "Hot spot"), "Cold": ("#2166ac", "Cold spot")})
    assert fills == {"a": "#b2182b", "b": "#2166ac", "c": maps.SUPPRESSED_FILL}
    assert [e.label for e in legend] == ["Hot spot", "Cold spot"]


def test_places_are_sized_by_score_and_hidden_scores_get_the_smallest_hatched_marker(full_map):
    styles = [json.loads(m) for m in re.findall(r'return (\{[^{}]*"radius"[^{}]*\});', full_map)]
    by_fill = {(st["fillColor"], st["radius"]) for st in styles}
    assert (maps.PLACE_FILL, 18.0) in by_fill  # the top score
    assert (maps.SUPPRESSED_FILL, 5.0) in by_fill  # figures hidden: smallest, hatched
    assert len(styles) == 2  # a place with no events in the period is not drawn


def test_a_tile_layer_is_added_only_when_configured(wards):
    bare = maps.render_html(maps.base_map(wards, "x"))
    assert "L.tileLayer" not in bare
    tiled = maps.render_html(maps.base_map(wards, "x", tile_url="https://tiles.example/{z}/{x}/{y}.png", tile_attribution="© Example"))
    assert "L.tileLayer" in tiled and "tiles.example" in tiled


def test_no_data_is_in_the_legend_only_when_an_area_has_none(wards):
    complete = pd.DataFrame({"code": wards["code"], "value": 10.0, "status": "shown", "lines": [["x"]] * len(wards)})
    assert "No data" not in maps.choropleth(wards, complete, title="Events")[1]


def test_lsoa_map_payload_is_small():
    lsoas = _boundaries(settings.current().geography.lsoas)
    html = maps.render_html(maps.choropleth(lsoas, _values(lsoas), title="Events")[0])
    print(f"LSOA choropleth payload: {len(html.encode()) / 1024:.0f} KiB for {len(lsoas)} areas")
    assert len(html.encode()) < 700_000
    assert not re.search(r"\d\.\d{6,}", html), "coordinates are rounded to 5 decimal places"
