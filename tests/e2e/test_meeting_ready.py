"""Meeting-ready (issue 19): the projector, the disruption review, tables, role switches and phones."""

from __future__ import annotations

import re

import duckdb
import pytest
from driver import (
    SIZES,
    assert_healthy,
    main_text,
    metric_parts,
    open_page,
    shot,
    table_text,
    truncated_metrics,
    truncated_selects,
    wait_idle,
)

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def _font(page, selector: str) -> float:
    return page.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector({selector!r})).fontSize)")


def test_large_type_overview_reads_from_the_back_of_the_room_at_1024(page):
    page.set_viewport_size(SIZES["1024x768"])
    open_page(page, "overview", role="strategic")
    normal_h1 = _font(page, "[data-testid=stMain] h1")
    # The switch's own label covers it, so the click is forced onto the switch; a click that
    # lands while the page is still settling is lost, so it is tried again.
    switch = page.get_by_role("switch", name="Large type (for a projector)")
    for _ in range(5):
        switch.click(force=True)
        wait_idle(page)
        if switch.is_checked():
            break
        page.wait_for_timeout(1000)
    assert switch.is_checked()
    page.wait_for_function(f"() => parseFloat(getComputedStyle(document.querySelector('[data-testid=stMain] h1'))"
                           f".fontSize) > {normal_h1}", timeout=10000)
    shot(page, "1024x768/large-type-overview", full_page=False)
    h1, h2 = _font(page, "[data-testid=stMain] h1"), _font(page, "[data-testid=stMain] h3")
    body = _font(page, "[data-testid=stMain] [data-testid=stMarkdownContainer] li p, [data-testid=stMain] li")
    assert h1 > normal_h1 and h1 > h2 > body >= 20, (h1, h2, body)
    parts = metric_parts(page)
    labels = [size for part, _, _, _, size in parts if part == "stMetricLabel"]
    values = [size for part, _, _, _, size in parts if part == "stMetricValue"]
    assert labels and min(values) >= 2 * max(labels) and min(labels) >= 20, (labels, values)
    assert not truncated_metrics(page)


@pytest.mark.parametrize("period", ["quarter", "year"])
def test_the_places_window_picker_shows_its_whole_choice_at_1024(page, period):
    """Three controls in a row cut the window's name ("The year April 2026 to Octob…") on a projector."""
    page.set_viewport_size(SIZES["1024x768"])
    open_page(page, "places", role="analyst", period=period)
    assert_healthy(page)
    window = page.locator("[data-testid=stSelectbox]", has_text="Window").locator("input").input_value()
    # The whole year (April to March) holding the month, to the data's last month while it runs.
    assert re.fullmatch(r"The year April \d{4} to [A-Z][a-z]+ \d{4}( \(year so far\))?", window), window
    assert not truncated_selects(page), truncated_selects(page)


def _comparison_names(sample_db, action_id: str) -> list[str]:
    with duckdb.connect(str(sample_db), read_only=True) as con:
        return [n for (n,) in con.execute(
            "select p.name from mart_disruption_controls as c join int_places as p on p.place_id = c.control_code "
            "where c.action_id = ? order by c.control_rank", [action_id]).fetchall()]


def test_disruption_review_opens_on_a_judged_action_with_everything_on_one_screen(page, sample_db):
    page.set_viewport_size(SIZES["1440x900"])
    open_page(page, "disruption", role="partner")
    assert_healthy(page)
    action = re.search(r"[?&]action=([^&]+)", page.url)
    assert action, "the action in view is not in the URL"
    text = main_text(page)
    assert "Too few events to tell" not in text.split("All actions")[0], "opened on an action that cannot be judged"
    heading = page.locator("[data-testid=stMain] h3").first
    heading.scroll_into_view_if_needed()
    # The verdict, the place's months, the similar places and nearby fit one 900-pixel screen.
    parts = [heading, page.locator("[data-testid=stAlertContainer]", has_text="Verdict").first,
             page.locator("[data-testid=stPlotlyChart]").first, page.get_by_text("Nearby:").first,
             page.locator("[data-testid=stDataFrame]").first]
    boxes = [p.bounding_box() for p in parts]
    assert max(b["y"] + b["height"] for b in boxes) - min(b["y"] for b in boxes) <= 900, boxes
    shot(page, "1440x900/disruption-review", full_page=False)


def test_a_shared_link_opens_the_same_action_with_its_comparison_places_named(page, sample_db):
    page.set_viewport_size(SIZES["1024x768"])
    open_page(page, "disruption", role="strategic", action="DA-037")
    assert_healthy(page)
    assert "Closure order at Leeds Road Social Club" in page.locator("h3").all_inner_texts()[0]
    names = _comparison_names(sample_db, "DA-037")
    assert len(names) >= 3
    # The comparison table is drawn after the heading: wait for it before reading the grids.
    page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=20000)
    grids = table_text(page)
    assert all(name in grids for name in names), (names, grids[:500])
    assert "Compared with 6 similar places" in main_text(page)
    # Months of 0 to 5 events (zero is hidden too) are a marked band, not an empty chart.
    assert page.locator("[data-testid=stPlotlyChart]").first.get_by_text("0 to 5 events: hidden (c)").count() == 1
    shot(page, "1024x768/disruption-closure-order", full_page=False)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(500)
    shot(page, "phone/disruption-closure-order", full_page=False)


def test_count_columns_reach_the_grid_as_numbers_with_c_between_0_and_6(page):
    """The grid sorts a column by its values: counts arrive as numbers (shown "c" sorts as 0.5),
    not as text that sorts 10, 23, 9, c (contextmap.fmt.sortable; tests/test_tables.py sorts them)."""
    open_page(page, "overview", role="analyst")
    grid = page.locator("[data-testid=stDataFrame]", has_text="Named in RHIs").first
    grid.locator("table td").first.wait_for(state="attached", timeout=20000)
    index = [h.inner_text().strip() for h in grid.locator("table th").all()].index("Named in RHIs")
    cells = [row.locator("td").nth(index).inner_text() for row in grid.locator("table tbody tr").all()]
    values = [float(c.replace(",", "")) for c in cells if c]
    assert values and 0.5 in values and any(v >= 6 for v in values), cells


def _switch_role(page, role: str) -> None:
    page.locator("[data-testid='stSidebar']").get_by_role("combobox", name="Role (demo)").click()
    page.get_by_role("option", name=role, exact=True).click()
    wait_idle(page)


def test_a_role_switch_keeps_the_view_and_names_the_new_role_in_the_link(page):
    open_page(page, "places", role="analyst", period="year", place="PL-049")
    _switch_role(page, "Partner")
    assert_healthy(page)
    assert "role=partner" in page.url and "role=analyst" not in page.url and "period=year" in page.url
    page.goto(page.url)  # the link, opened afresh, shows the same place to the partner
    wait_idle(page)
    assert any(h.startswith("Bradford Road Grill — ") for h in page.locator("h4").all_inner_texts())


def test_a_role_switch_on_a_page_the_new_role_may_not_open_drops_its_parameters(page):
    open_page(page, "groups", role="analyst")
    assert "group=" in page.url
    _switch_role(page, "Partner")
    assert_healthy(page)
    assert "Peer groups" not in page.locator("h1").all_inner_texts()
    assert "does not give access" not in main_text(page)
    assert "group=" not in page.url and "role=partner" in page.url


def test_map_says_when_a_layer_has_nothing_to_show(page):
    page.set_viewport_size(SIZES["1024x768"])
    open_page(page, "map", role="strategic")
    combo = page.get_by_role("combobox", name="Colour areas by")
    combo.click()
    page.get_by_role("option", name="Hotspots (Getis-Ord Gi*)").click()
    wait_idle(page)
    assert "is a significant hot or cold spot" in main_text(page)
    assert "choose a quarter or a year in the sidebar" in main_text(page)  # the periods the sidebar offers
    assert "Hotspots (Getis-Ord Gi*)" in main_text(page)  # the legend's heading
    controls = page.locator("[data-testid=stMain] [data-testid=stWidgetLabel]").all_inner_texts()
    assert {"Areas", "Colour areas by", "Places of concern", "Density heat map"} <= {c.strip() for c in controls}
    shot(page, "1024x768/map-gi-month", full_page=False)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(500)
    shot(page, "phone/map", full_page=False)


def test_a_map_tooltip_at_the_top_edge_stays_inside_the_map_at_1024(page):
    page.set_viewport_size(SIZES["1024x768"])
    open_page(page, "map", role="analyst")
    iframe = page.locator("iframe[title='streamlit_folium.st_folium']").first
    iframe.scroll_into_view_if_needed()
    frame = iframe.content_frame
    frame.locator("path.leaflet-interactive").first.wait_for()
    # The first area met scanning down from the map's top: its tooltip has no room above.
    x, y = frame.locator("body").evaluate(
        "() => { for (let y = 0; y < innerHeight; y += 3) for (let x = 0; x < innerWidth; x += 6) {"
        " const e = document.elementFromPoint(x, y);"
        " if (e && e.matches('path.leaflet-interactive')) return [x, y + 3]; } return null; }")
    box = iframe.bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    tip = frame.locator(".leaflet-tooltip").first
    tip.wait_for()
    shot(page, "1024x768/map-tooltip-top-edge", full_page=False)
    inside = tip.evaluate("t => { const r = t.getBoundingClientRect();"
                          " return [r.left, r.top, innerWidth - r.right, innerHeight - r.bottom]; }")
    assert min(inside) >= 0, inside
