"""Implausible records: the sample with planted ones, built for real, listed on the Data
quality page with counts and treatment, and flagged on the disruption review they touch."""

from __future__ import annotations

import csv
import os
import secrets
import shutil
from datetime import datetime, timedelta

import duckdb
import pytest
from streamlit.testing.v1 import AppTest  # noqa: E402

from contextmap import auth
from contextmap.settings import ROOT
from pipelines import build
from pipelines.warehouse import current_build
from tests.test_overview_figures import parse_dt  # noqa: E402

SAMPLE = ROOT / "data" / "sample"
# DA-017 is training at PL-150 from 25 September 2024: its after window is October to December 2024.
ACTION, PLACE = "DA-017", "PL-150"
ISO = "%Y-%m-%d %H:%M"


def _rewrite(path, change) -> None:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    for row in rows:
        change(row)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, reader.fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def _plant(folder) -> None:
    """The sample with one record planted for each check (overlaps and open episodes it already has)."""
    for name in ("missing_episodes", "return_home_interviews", "offences", "places", "disruption_actions"):
        shutil.copy(SAMPLE / f"{name}.csv", folder / f"{name}.csv")
    with open(folder / "missing_episodes.csv", newline="", encoding="utf-8") as f:
        episodes = {r["episode_id"]: r for r in csv.DictReader(f)}
    ended = [e for e in episodes.values() if e["end_datetime"].strip()]
    year_long = next(e for e in ended if parse_dt(e["start_datetime"]) < datetime(2023, 11, 20))
    long = next(e for e in ended if e is not year_long)
    with open(folder / "return_home_interviews.csv", newline="", encoding="utf-8") as f:
        rhis = [r for r in csv.DictReader(f) if r["offered_datetime"].strip()]
    used = {year_long["episode_id"], long["episode_id"]}
    late = next(r for r in rhis if r["episode_id"] not in used and episodes[r["episode_id"]]["end_datetime"].strip())
    early = next(r for r in rhis if r["episode_id"] not in used | {late["episode_id"]})
    # Only these RHIs for their episodes, so each is the episode's first offer.
    others = {late["episode_id"]: late["rhi_id"], early["episode_id"]: early["rhi_id"]}

    def episode(row):
        if row["episode_id"] == year_long["episode_id"]:
            # Found at PL-150 in November 2024: inside DA-017's after window.
            row.update(end_datetime=datetime(2024, 11, 15, 10, 0).strftime(ISO), found_place_id=PLACE,
                       found_postcode="", found_lat="", found_lon="")
        elif row["episode_id"] == long["episode_id"]:
            row["end_datetime"] = (parse_dt(row["start_datetime"]) + timedelta(days=100)).strftime(ISO)

    def rhi(row):
        if row["rhi_id"] == late["rhi_id"]:
            row["offered_datetime"] = (parse_dt(episodes[row["episode_id"]]["end_datetime"]) + timedelta(days=40)
                                       ).strftime(ISO)
            row["completed_datetime"] = ""
        elif row["rhi_id"] == early["rhi_id"]:
            row["offered_datetime"] = (parse_dt(episodes[row["episode_id"]]["start_datetime"]) - timedelta(days=2)
                                       ).strftime(ISO)
            row["completed_datetime"] = ""
        elif row["episode_id"] in others:
            row["offered_datetime"] = ""

    _rewrite(folder / "missing_episodes.csv", episode)
    _rewrite(folder / "return_home_interviews.csv", rhi)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The warehouse of a real build of the sample with one implausible record planted per check."""
    saved = os.environ.get("CONTEXTMAP_PSEUDONYM_KEY")
    os.environ["CONTEXTMAP_PSEUDONYM_KEY"] = secrets.token_hex(32)
    try:
        inputs, warehouse = tmp_path_factory.mktemp("planted"), tmp_path_factory.mktemp("wh-planted")
        _plant(inputs)
        build.build([inputs], warehouse, progress=lambda *_: None)
    finally:
        if saved is None:
            os.environ.pop("CONTEXTMAP_PSEUDONYM_KEY", None)
        else:
            os.environ["CONTEXTMAP_PSEUDONYM_KEY"] = saved
    return warehouse


def test_each_planted_record_is_listed_once_under_its_check(planted):
    con = duckdb.connect(str(current_build(planted)), read_only=True)
    try:
        found = dict(con.sql("select check_label, count(*) from mart_implausible group by all").fetchall())
        actions = con.sql("select disruption_actions from mart_implausible "
                          "where check_label like 'Episode lasted 365 days or more%'").fetchall()
    finally:
        con.close()
    for label in ("Episode lasted 365 days or more (likely a wrong return date)", "Episode lasted 90 to 365 days",
                  "RHI offered 28 days or more after the return", "RHI offered before the episode started"):
        assert found.get(label) == 1, (label, found)
    assert actions == [([ACTION],)]


def _page(warehouse, tmp_path, monkeypatch, role, page, **widgets):
    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["user"] = auth.User(f"test-{role}", role)
    for key, value in widgets.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    return at


def test_the_data_quality_page_counts_them_and_says_how_they_are_treated(planted, tmp_path, monkeypatch):
    at = _page(planted, tmp_path, monkeypatch, "admin", "pages/data_quality.py")
    assert "Implausible records" in [h.value for h in at.subheader]
    table = next(d.value for d in at.dataframe if "treatment" in d.value.columns)
    labels = dict(zip(table["check_label"], table["records"]))
    assert labels["Episode lasted 365 days or more (likely a wrong return date)"] == 1
    assert labels["RHI offered 28 days or more after the return"] == 1
    assert table["treatment"].str.len().gt(10).all()


def test_the_disruption_review_flags_an_action_an_implausible_record_touches(planted, tmp_path, monkeypatch):
    from contextmap import disruption_view as dv

    at = _page(planted, tmp_path, monkeypatch, "analyst", "pages/disruption.py", dr_action=ACTION)
    assert dv.implausible_warning() in [w.value for w in at.warning]
    at = _page(planted, tmp_path, monkeypatch, "analyst", "pages/disruption.py", dr_action="DA-002")
    assert dv.implausible_warning() not in [w.value for w in at.warning]
