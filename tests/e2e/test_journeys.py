"""What a user does in a meeting week: open a place and a group, download a table, make the pack."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest
from driver import PSEUDONYM, assert_healthy, main_text, open_page, record_timing, shot, wait_idle

from contextmap.settings import ROOT
from pipelines.pseudonym import DEMO_KEY, pseudonym

pytestmark = pytest.mark.e2e
TRUTH = json.loads((ROOT / "data" / "sample" / "ground_truth.json").read_text())


def _place_name(place_id: str) -> str:
    with open(ROOT / "data" / "sample" / "places.csv", encoding="utf-8-sig") as f:
        return next(r["name"].strip() for r in csv.DictReader(f) if r["place_id"].strip() == place_id)


def _group_of(sample_db, person_id: str) -> int:
    with duckdb.connect(str(sample_db), read_only=True) as con:
        return con.execute(
            "select group_id from mart_peer_group_members where person_key = ?", [pseudonym(DEMO_KEY, person_id)]
        ).fetchone()[0]


def _fill_and_submit(page, popover: str, fields: dict[str, str], submit: str) -> None:
    page.get_by_role("button", name=popover).click()
    for label, text in fields.items():
        page.get_by_label(label).fill(text)
    page.get_by_role("button", name=submit).click()
    wait_idle(page)


def test_place_profile_from_a_shared_link(page):
    place = TRUTH["place_hotspots"][0]
    seconds = open_page(page, "places", role="partner", period="year", place=place)
    record_timing("first render: place profile (partner)", seconds)
    assert_healthy(page)
    name = _place_name(place)
    # The profile's heading: the place, then the period its figures are for.
    assert any(h.startswith(f"{name} — ") for h in page.locator("h4").all_inner_texts())
    # Plotly draws after the run ends; give the chart a moment to appear.
    page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=20000)
    shot(page, "place-profile")


def test_group_profile_shows_no_pseudonym_to_a_strategic_lead(page, sample_db):
    group = _group_of(sample_db, TRUTH["peer_groups"][0][0])
    seconds = open_page(page, "groups", role="strategic", period="year", group=group)
    record_timing("first render: group profile (strategic)", seconds)
    assert_healthy(page)
    assert f"Group {group}" in " ".join(page.locator("h4").all_inner_texts())
    assert not PSEUDONYM.search(main_text(page))
    frame = page.wait_for_selector("iframe[title='streamlit_folium.st_folium']", timeout=30000).content_frame()
    frame.wait_for_selector("path.leaflet-interactive", timeout=30000)
    shot(page, "group-profile")


def test_csv_export_needs_a_reason_and_is_logged(page, audit_log):
    open_page(page, "places", role="analyst", period="year")
    page.get_by_role("button", name="Download CSV").click()
    page.get_by_role("button", name="Prepare download").click()
    wait_idle(page)
    assert page.get_by_role("button", name="Download", exact=True).count() == 0, "an export went out without a reason"

    page.get_by_label("Why is this export needed?").fill("Licensing review of hotels, November meeting")
    page.get_by_label("Who will receive it (person or organisation)?").fill("Kirklees licensing team")
    page.get_by_role("button", name="Prepare download").click()
    wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download", exact=True).click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and "Events" in rows[0]
    for row in rows:
        for col in ("Events", "Found here", "Named in RHIs", "Offences", "Children"):
            value = row[col].replace(",", "")
            assert not (value.isdigit() and 1 <= int(value) <= 5), f"{col}={value} in the export"
    exports = [json.loads(line) for line in audit_log.read_text().splitlines() if '"export"' in line]
    assert any(e.get("recipient") == "Kirklees licensing team" for e in exports), "the export was not logged"
    shot(page, "places-export")


def test_meeting_pack_is_made_from_the_overview(page, tmp_path):
    open_page(page, "overview", role="strategic", period="quarter")
    _fill_and_submit(page, "Make the meeting pack", {
        "Why is the pack needed?": "Monthly contextual safeguarding working group",
        "Who will receive it (meeting or organisation)?": "Kirklees CSE/CCE working group",
    }, "Make the pack")
    page.get_by_role("button", name="Download PDF").wait_for(timeout=120000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download PDF").click()
    pdf = open(info.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20000
    assert_healthy(page)
    shot(page, "meeting-pack")
