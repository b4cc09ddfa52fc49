"""Builds from inputs shaped as councils and forces really send them, and every page on them.

Each shape is built for real (ingest, every SQL model and analytics step, the served file,
published to its own warehouse): a Standard Safeguarding Dataset extract alone, a police.uk
file alone, the sample with an empty places file, with no RHIs, with no offences, one month
of the sample, and every file holding only its header. The build must finish, say in its
log and on the Data quality page what it could not compute, give every table the column
types of the full sample build, and every page must draw without an error.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest  # noqa: E402

from contextmap import auth
from contextmap.settings import ROOT
from contextmap.ui.navigation import PAGES
from pipelines import build

SAMPLE = ROOT / "data" / "sample"
SAMPLE_FILES = ("missing_episodes", "return_home_interviews", "offences", "places", "disruption_actions")
ONE_MONTH = re.compile(r"2024-03|\b0?3/2024|-0?3-2024|\.0?3\.2024")


def _copy_sample(folder: Path, leave_out=(), header_only=()) -> None:
    for name in SAMPLE_FILES:
        if name in leave_out:
            continue
        lines = (SAMPLE / f"{name}.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / f"{name}.csv").write_text("".join(lines[:1] if name in header_only else lines), encoding="utf-8")


def _one_month(folder: Path) -> None:
    """March 2024 of the sample: episodes starting then, their RHIs offered then, offences then."""
    def keep(name, wanted):
        with open(SAMPLE / f"{name}.csv", newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = [row for row in reader if wanted(row)]
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, reader.fieldnames)
            writer.writeheader()
            writer.writerows(rows)
        return rows

    episodes = {r["episode_id"] for r in keep("missing_episodes", lambda r: ONE_MONTH.search(r["start_datetime"]))}
    keep("return_home_interviews",
         lambda r: r["episode_id"] in episodes and ONE_MONTH.search(r["offered_datetime"] or "2024-03"))
    keep("offences", lambda r: ONE_MONTH.search(r["offence_datetime"]))
    shutil.copy(SAMPLE / "places.csv", folder / "places.csv")


SHAPES = {
    "ssd_alone": lambda d: [shutil.copy(p, d) for p in (ROOT / "tests" / "data" / "ssd").glob("*.csv")],
    "police_uk_alone": lambda d: shutil.copy(
        ROOT / "tests" / "data" / "police_uk" / "kirklees_2018-06_street_derived_from_api.csv", d),
    "empty_places": lambda d: _copy_sample(d, header_only={"places"}),
    "no_rhis": lambda d: _copy_sample(d, leave_out={"return_home_interviews"}),
    "no_offences": lambda d: _copy_sample(d, leave_out={"offences"}),
    "one_month": _one_month,
    "headers_only": lambda d: _copy_sample(d, header_only=set(SAMPLE_FILES)),
}
# What the build log must say for each shape.
NOTES = {
    "ssd_alone": ["No places of concern", "No offences"],
    "police_uk_alone": ["No missing episodes", "No places of concern", "The data cover 1 month (June 2018)"],
    "empty_places": ["No places of concern"],
    "no_rhis": ["No return home interviews"],
    "no_offences": ["No offences"],
    "one_month": ["April 2024 is not complete", "no change on the same period last year"],
    "headers_only": ["No missing episodes", "No offences", "No dated records"],
}


@pytest.fixture(scope="module")
def key():
    """A real pseudonymisation key: these inputs are not the shipped sample."""
    saved = os.environ.get("CONTEXTMAP_PSEUDONYM_KEY")
    os.environ["CONTEXTMAP_PSEUDONYM_KEY"] = secrets.token_hex(32)
    yield
    if saved is None:
        os.environ.pop("CONTEXTMAP_PSEUDONYM_KEY", None)
    else:
        os.environ["CONTEXTMAP_PSEUDONYM_KEY"] = saved


@pytest.fixture(scope="module", params=list(SHAPES))
def shape_build(request, key, tmp_path_factory):
    """(shape, warehouse, build log) for a real build of one input shape."""
    shape = request.param
    inputs = tmp_path_factory.mktemp(f"in-{shape}")
    SHAPES[shape](inputs)
    warehouse = tmp_path_factory.mktemp(f"wh-{shape}")
    log: list[str] = []
    build.build([inputs], warehouse, progress=log.append)
    return shape, warehouse, "\n".join(log)


def _types(path: Path) -> dict[tuple[str, str], str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {(t, c): ty for t, c, ty in con.sql(
            "select table_name, column_name, data_type from information_schema.columns").fetchall()}
    finally:
        con.close()


def test_the_build_finishes_and_says_what_it_could_not_compute(shape_build):
    shape, _, log = shape_build
    notes = [line for line in log.splitlines() if line.strip().startswith("note:")]
    for expected in NOTES[shape]:
        assert any(expected in note for note in notes), f"{shape}: no note saying {expected!r} in {notes}"


def test_every_table_has_the_column_types_of_a_full_build(shape_build, served_db):
    from pipelines.warehouse import current_build

    shape, warehouse, _ = shape_build
    full, built = _types(served_db), _types(current_build(warehouse))
    assert {t for t, _ in built} == {t for t, _ in full}, shape
    differ = {k: (full[k], v) for k, v in built.items() if k in full and full[k] != v}
    assert not differ, f"{shape}: column types differ from the sample build: {differ}"


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_every_page_draws(shape_build, role, monkeypatch, tmp_path):
    shape, warehouse, _ = shape_build
    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["user"] = auth.User(f"test-{role}", role)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    problems = []
    for page_id in auth.pages_for(role):
        at.switch_page(PAGES[page_id][0])
        at.run()
        if at.exception or at.error:
            problems.append(f"{page_id}: {[e.value for e in [*at.exception, *at.error]]}")
        elif not at.title:
            problems.append(f"{page_id}: no title")
        if page_id == "data_quality" and NOTES[shape][0] not in " ".join(w.value for w in at.warning):
            problems.append(f"data_quality: the build notes are not shown ({[w.value for w in at.warning]})")
    assert not problems, f"{shape}:\n" + "\n".join(problems)


def test_the_command_line_reports_a_failing_step_in_words(tmp_path, monkeypatch, capsys):
    """A fault inside a build step reaches the user as a sentence, never a traceback."""
    from pipelines import __main__ as cli
    from pipelines import runner

    def broken(con, step, note=""):
        raise runner.StepError("Build step pipelines.hotspots.places:build failed: arrays used as indices")

    monkeypatch.setattr(runner, "_run", broken)
    code = cli.main(["build", "--input", str(SAMPLE), "--db", str(tmp_path / "x.duckdb")])
    text = capsys.readouterr().err
    assert code == 2
    assert "pipelines.hotspots.places:build failed" in text and "Nothing was changed" in text
    assert "Traceback" not in text


def test_the_command_line_builds_a_police_uk_file_alone(key, tmp_path):
    """The real command, in a child process: a police.uk file alone builds, and nothing prints a traceback."""
    police = ROOT / "tests" / "data" / "police_uk" / "kirklees_2018-06_street_derived_from_api.csv"
    done = subprocess.run([sys.executable, "-m", "pipelines", "build", "--input", str(police),
                           "--warehouse", str(tmp_path / "wh")], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "note: No missing episodes in the inputs" in done.stdout


def test_the_dashboard_opens_on_the_latest_complete_month_with_episodes(shape_build, monkeypatch, tmp_path):
    """One month of episodes whose children were found in the next month: the latest event is in
    April, but April holds no episode and is not complete, so the dashboard opens on March and says why."""
    shape, warehouse, _ = shape_build
    if shape != "one_month":
        pytest.skip("only the one-month build ends in a partial month")
    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "audit.jsonl"))

    def overview(**widgets):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        at.session_state["user"] = auth.User("test-strategic", "strategic")
        for key, value in widgets.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception
        return at

    at = overview()
    assert at.session_state["filters"].month == date(2024, 3, 1)
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "opens on the latest complete month with missing episodes (March 2024)" in sidebar
    assert "April 2024 is not complete" in sidebar
    assert at.sidebar.select_slider(key="f_month_month").options == ["March 2024", "April 2024 (partial)"]
    at = overview(f_month_month=date(2024, 4, 1))
    assert any("April 2024 is not complete" in w.value for w in at.warning), [w.value for w in at.warning]


def test_without_rhis_no_rhi_figure_reads_zero(shape_build, monkeypatch, tmp_path):
    """No RHI file is no RHI data, not 0% of returns offered an interview."""
    shape, warehouse, _ = shape_build
    if shape != "no_rhis":
        pytest.skip("only the build without RHIs")
    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["user"] = auth.User("test-strategic", "strategic")
    at.run()
    rhi_cards = [m for m in at.metric if m.label.startswith("RHI")]
    assert rhi_cards and all(m.value == "—" for m in rhi_cards), [(m.label, m.value) for m in rhi_cards]
    assert not any("0%" in m.value for m in at.metric if "RHI" in m.label)
    at.switch_page(PAGES["rhi"][0])
    at.run()
    assert any("no return home interview records" in i.value for i in at.info), [i.value for i in at.info]
    assert not any(m.value == "0%" for m in at.metric)
