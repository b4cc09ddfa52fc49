"""The statutory 72 hours and the repeat-missing rule are settings, used in one place each."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from minidb import mini_db
from settings_files import use_settings

from contextmap.settings import ROOT

RETURNED = datetime(2025, 3, 3, 22)


def _status(offered_after_hours: float) -> tuple[str, bool]:
    con = mini_db(
        episodes=[{"started_at": RETURNED - timedelta(hours=5), "ended_at": RETURNED}],
        rhis=[{"episode_key": "e1", "offered_at": RETURNED + timedelta(hours=offered_after_hours),
               "completed_at": RETURNED + timedelta(hours=offered_after_hours)}],
    )
    return con.execute("select rhi_status, is_rhi_completed_72h from int_episodes").fetchone()


def test_the_rhi_window_comes_from_the_settings(tmp_path, monkeypatch):
    assert _status(60) == ("Offered in time", True)
    use_settings(tmp_path, monkeypatch, rhi__offer_within_hours=48)
    assert _status(60) == ("Offered late", False)


@pytest.mark.parametrize("days, repeat", [(90, False), (120, True)])
def test_the_repeat_missing_rule_comes_from_the_settings(tmp_path, monkeypatch, days, repeat):
    use_settings(tmp_path, monkeypatch, repeat_missing__days=days)
    starts = [RETURNED, RETURNED + timedelta(days=50), RETURNED + timedelta(days=100)]
    con = mini_db(episodes=[{"started_at": s, "ended_at": s + timedelta(hours=3)} for s in starts])
    assert con.execute("select bool_or(is_repeat) from int_episodes").fetchone()[0] is repeat


def test_no_sql_model_writes_the_window_or_the_rule_itself():
    for path in (ROOT / "sql").rglob("*.sql"):
        code = "\n".join(line.split("--")[0] for line in path.read_text().splitlines())
        assert not re.search(r"\b72\b|\b90 days?\b|interval 90|>= 3\b", code), path.relative_to(ROOT)


def test_no_page_or_library_module_writes_the_window_itself():
    """Labels and sentences take the window from the settings ([rhi] offer_within_hours); only
    the national study, which measured 72 hours, is quoted with its own figure."""
    for path in [*(ROOT / "contextmap").rglob("*.py"), *(ROOT / "pages").glob("*.py")]:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            quoted = any("national" in text.lower() for text in lines[max(number - 3, 0):number])
            if re.search(r"\b72[ -]hours?\b", line) and not quoted:
                raise AssertionError(f"{path.relative_to(ROOT)}:{number} writes the 72 hours itself: {line.strip()}")
