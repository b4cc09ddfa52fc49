"""Peer groups on the shipped sample: the planted groups are found, and keep their ids."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd

from contextmap.settings import ROOT
from pipelines import build
from pipelines.pseudonym import DEMO_KEY, pseudonym

SAMPLE = ROOT / "data" / "sample"
MIN_JACCARD = 0.8
# The date column that places each row in a month.
DATE_COLUMNS = {
    "missing_episodes.csv": "start_datetime",
    "offences.csv": "offence_datetime",
    "return_home_interviews.csv": "offered_datetime",
    "disruption_actions.csv": "start_date",
}


def _planted() -> list[set[str]]:
    """The planted groups as sets of person keys (the sample is pseudonymised with the demo key)."""
    truth = json.loads((SAMPLE / "ground_truth.json").read_text())
    return [{pseudonym(DEMO_KEY, p) for p in group} for group in truth["peer_groups"]]


def _detected(con) -> dict[int, set[str]]:
    rows = con.sql("select group_id, person_key from mart_peer_group_members").fetchall()
    groups: dict[int, set[str]] = {}
    for gid, person in rows:
        groups.setdefault(gid, set()).add(person)
    return groups


def _best(planted: set[str], detected: dict[int, set[str]]) -> tuple[int | None, float]:
    scores = {gid: len(planted & m) / len(planted | m) for gid, m in detected.items()}
    gid = max(scores, key=scores.get, default=None)
    return gid, scores.get(gid, 0.0)


def _check_recovered(detected: dict[int, set[str]], planted: list[set[str]]) -> dict[int, int]:
    """Assert each planted group has one detected group with Jaccard >= 0.8; return planted → group id."""
    ids = {}
    for i, group in enumerate(planted):
        gid, score = _best(group, detected)
        assert score >= MIN_JACCARD, f"planted group {i} ({len(group)} people) best Jaccard {score:.2f}"
        ids[i] = gid
    owner = {p: i for i, group in enumerate(planted) for p in group}
    for gid, members in detected.items():
        mixed = Counter(owner[p] for p in members if p in owner)
        assert len(mixed) <= 1, f"group {gid} mixes planted groups {dict(mixed)}"
    return ids


def test_every_planted_group_is_recovered_and_none_is_mixed(sample_con):
    _check_recovered(_detected(sample_con), _planted())


def test_the_group_table_ranks_by_recent_activity(sample_con):
    rows = sample_con.sql("select activity_rank, recent_events from mart_peer_groups order by activity_rank").fetchall()
    assert [r for r, _ in rows] == list(range(1, len(rows) + 1))
    recent = [n for _, n in rows]
    assert recent == sorted(recent, reverse=True)


def _month(value: str) -> str | None:
    """'YYYY-MM' of a messy contract date (ISO, UK day-first, or a bare month); None if blank."""
    text = value.strip()
    if m := re.match(r"(\d{4})-(\d{2})", text):
        return f"{m[1]}-{m[2]}"
    if m := re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        return f"{m[3]}-{int(m[2]):02d}"
    return None


def _without_last_month(folder: Path) -> None:
    """Copies of the sample CSVs with every row dated in the last month removed."""
    last = json.loads((SAMPLE / "ground_truth.json").read_text())["period"]["last_month"]
    dropped_episodes: set[str] = set()
    for name, column in DATE_COLUMNS.items():
        df = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        late = df[column].map(_month) == last
        if name == "missing_episodes.csv":
            dropped_episodes = set(df.loc[late, "episode_id"].str.strip())
        if name == "return_home_interviews.csv":
            late |= df["episode_id"].str.strip().isin(dropped_episodes)
        assert late.any() or name == "disruption_actions.csv", f"{name}: nothing dated {last}"
        df[~late].to_csv(folder / name, index=False)


def test_adding_the_last_month_keeps_every_planted_groups_id(tmp_path):
    earlier = tmp_path / "earlier"
    shutil.copytree(SAMPLE, earlier)
    _without_last_month(earlier)
    warehouse = tmp_path / "warehouse"
    quiet = lambda *_: None  # noqa: E731
    planted = _planted()

    first = build.build([earlier], warehouse, progress=quiet, demo=True)
    with duckdb.connect(str(first), read_only=True) as con:
        before = _check_recovered(_detected(con), planted)
    second = build.build([SAMPLE], warehouse, progress=quiet)
    with duckdb.connect(str(second), read_only=True) as con:
        after = _check_recovered(_detected(con), planted)
        new_month = con.sql("select max(event_month) from mart_monthly_area_counts").fetchall()[0][0]
    assert new_month.strftime("%Y-%m") == json.loads((SAMPLE / "ground_truth.json").read_text())["period"]["last_month"]
    assert after == before
