"""The served file holds only what the dashboard reads, and every dashboard query still runs on it."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pandas as pd
import pytest

from contextmap import queries
from contextmap.filters import Filters
from pipelines import served

# Columns that exist only to build: exact ages, minute-level times, raw found points, file provenance.
BUILD_TIME_ONLY = {"age", "started_at", "ended_at", "offered_at", "completed_at", "event_at", "offence_at",
                   "found_lat", "found_lon", "rhi_offered_at", "rhi_completed_at", "first_seen", "last_seen",
                   "first_linked_at", "last_linked_at", "duration_hours",
                   "home_sector", "dob", "date_of_birth"}
# Variants of the parameters that switch a query between different tables or branches.
VARIANTS = {"level": ["ward", "lsoa", "place", "sector", "district"],
            "split": ["none", "locality", "source", "age_band", "sex", "looked_after", "theme"]}


def _tables(con) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for t, c in con.execute("select table_name, column_name from information_schema.columns "
                            "where table_schema = 'main' order by table_name, ordinal_position").fetchall():
        out.setdefault(t, []).append(c)
    return out


def _base_params(con) -> dict:
    last = con.execute("select max(start_month) from int_episodes").fetchone()[0]
    f = Filters(date(last.year, last.month, 1), period="year", data_end=date(last.year, last.month, 1))
    group_ids = [g for (g,) in con.execute("select group_id from mart_peer_groups order by group_id").fetchall()]
    return {
        **f.params(),
        "trend_from": date(last.year - 2, last.month, 1), "quarter_to": last,
        "group_id": group_ids[0], "group_ids": group_ids,
        "place_id": con.execute("select place_id from mart_place_monthly group by 1 order by sum(events) desc limit 1")
        .fetchone()[0],
        "code": con.execute("select ward_code from geo_ward order by 1 limit 1").fetchone()[0],
        "action_id": con.execute("select action_id from stg_disruption_actions order by 1 limit 1").fetchone()[0],
        "table": "mart_peer_groups", "limit": 5, "w_missing_found": 1.0, "w_rhi_mention": 1.5, "w_offence": 0.5,
    }


def _runs(name: str, base: dict):
    sql = (served.query_files()[0].parent / f"{name}.sql").read_text()
    wanted = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    varying = [p for p in VARIANTS if p in wanted]
    if not varying:
        yield dict(base)
        return
    for p in varying:
        for value in VARIANTS[p]:
            yield {**base, **{q: VARIANTS[q][0] for q in varying}, p: value}


@pytest.fixture(scope="module")
def pair(sample_db, served_db):
    full = duckdb.connect(str(sample_db), read_only=True)
    small = duckdb.connect(str(served_db), read_only=True)
    yield full, small
    full.close()
    small.close()


@pytest.mark.parametrize("name", [p.stem for p in served.query_files()])
def test_every_dashboard_query_gives_the_same_answer_on_the_served_file(pair, name):
    full, small = pair
    base = _base_params(full)
    for params in _runs(name, base):
        expected = queries.run(full, name, **params)
        got = queries.run(small, name, **params)
        # Served times are cut to the day (pages show them as months).
        for col in expected.select_dtypes("datetime").columns:
            if not col.endswith("built_at"):
                expected[col] = expected[col].dt.floor("D")
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=f"{name} {params}")


def test_the_served_file_leaves_build_time_tables_and_columns_behind(pair):
    full, small = pair
    served_tables = _tables(small)
    named = set()
    for path in served.query_files():
        named |= set(re.findall(r"[a-z_][a-z0-9_]*", path.read_text().lower()))
    assert set(served_tables) <= named | set(served.CARRIED)
    for gone in ("stg_missing_episodes", "stg_return_home_interviews", "stg_places", "geo_postcode", "stg_offences",
                 "int_events", "int_event_people"):
        assert gone in _tables(full) and gone not in served_tables
    leaks = [f"{t}.{c}" for t, cols in served_tables.items() for c in cols if c in BUILD_TIME_ONLY]
    assert not leaks, f"build-time columns in the served file: {leaks}"


def test_no_served_timestamp_is_finer_than_a_day_except_build_times(pair):
    _, small = pair
    finer = []
    for t, c in small.execute("select table_name, column_name from information_schema.columns "
                              "where data_type like 'TIMESTAMP%'").fetchall():
        if c.endswith("built_at"):
            continue
        n = small.execute(f'select count(*) from "{t}" where "{c}" <> date_trunc(\'day\', "{c}")').fetchone()[0]
        if n:
            finer.append(f"{t}.{c}")
    assert not finer, finer


def test_security_md_describes_the_served_file():
    from contextmap.settings import ROOT

    text = (ROOT / "SECURITY.md").read_text()
    for needle in ("pipelines/served.py", "sql/queries", "_rkey", "--db"):
        assert needle in text
