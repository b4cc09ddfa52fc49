"""Each distinct export needs its own logged justification: change the table, justify again."""

from __future__ import annotations

import json
import shutil

import duckdb
from streamlit.testing.v1 import AppTest

from contextmap import auth, disclosure, export
from contextmap.filters import Filters
from contextmap.settings import ROOT
from contextmap.ui import reader
from pipelines import warehouse

KEY = "export_places_places_of_concern"


def _exports(log) -> list[dict]:
    if not log.exists():
        return []
    return [r for r in map(json.loads, log.read_text().splitlines()) if r["event"] == "export"]


def _justify(at: AppTest, why: str) -> AppTest:
    at.text_area(key=f"{KEY}_why").input(why)
    at.text_input(key=f"{KEY}_to").input("Kirklees licensing")
    next(b for b in at.button if b.label == "Prepare download").click()
    at.run()
    assert not at.exception, at.exception
    return at


def _can_download(at: AppTest) -> bool:
    return any(e.proto.label == "Download" for e in at.get("download_button"))


def test_toggling_a_control_makes_a_new_export_that_needs_its_own_reason(served_db, tmp_path, monkeypatch):
    wh = tmp_path / "wh"
    (wh / "builds").mkdir(parents=True)
    shutil.copy(served_db, wh / "builds" / "build.duckdb")
    warehouse.publish(wh, wh / "builds" / "build.duckdb")
    with duckdb.connect(str(wh / "builds" / "build.duckdb"), read_only=True) as con:
        last = con.execute("select max(event_month) from mart_place_monthly").fetchone()[0]
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(wh))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(log))
    at = AppTest.from_file(str(ROOT / "pages" / "places.py"), default_timeout=90)
    at.session_state["session"] = reader.Session(auth.User("jo", "analyst"), Filters(last, "year"),
                                                 disclosure.Policy.from_settings())
    at.run()
    assert not at.exception, at.exception
    assert not _can_download(at)
    _justify(at, "Licensing review of the places with events")
    assert _can_download(at) and len(_exports(log)) == 1

    at.toggle(key="places_active").set_value(False).run()  # now every place, with or without events
    assert not at.exception, at.exception
    assert not _can_download(at), "a different table must not download on the earlier reason"
    assert any("different export" in c.value for c in at.caption)

    _justify(at, "Licensing review of every place on the register")
    records = _exports(log)
    assert _can_download(at) and len(records) == 2
    assert records[0]["content"] != records[1]["content"]
    assert records[1]["justification"] == "Licensing review of every place on the register"


def test_the_fingerprint_covers_content_filters_and_format():
    a = export.fingerprint(b"x,y\n1,2\n", {"month": "2026-10"}, "csv")
    assert a == export.fingerprint(b"x,y\n1,2\n", {"month": "2026-10"}, "csv")
    assert a != export.fingerprint(b"x,y\n1,3\n", {"month": "2026-10"}, "csv")
    assert a != export.fingerprint(b"x,y\n1,2\n", {"month": "2026-09"}, "csv")
    assert a != export.fingerprint(b"x,y\n1,2\n", {"month": "2026-10"}, "xlsx")
