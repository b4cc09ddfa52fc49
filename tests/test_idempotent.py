"""Builds are repeatable and incremental, seen from the outside: same input, same tables;
a new month's files add that month and leave the earlier months as they were."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from contextmap import builds
from pipelines.bench import harness
from pipelines.bench.split import split_last_month


@pytest.fixture(scope="module")
def small_input(tmp_path_factory):
    root = tmp_path_factory.mktemp("idempotent")
    return root, harness.generate(root / "input", seed=303, scale=harness.SMALL_SCALE)


def _build(db, inputs):
    done = harness.build(inputs, db=db)
    assert done.returncode == 0, done.output[-3000:]
    return db


def _rows(db, sql, params=None):
    with builds.open_build(db) as reader:
        return reader.con.execute(sql, params or []).fetchall()


def test_two_builds_of_the_same_input_have_identical_tables(small_input):
    root, inputs = small_input
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda name: _build(root / f"{name}.duckdb", [inputs]), ("first", "second"))
    differ = harness.compare_builds(first, second)["differ"]
    assert not differ, f"tables that differ between two builds of the same input: {differ}"


def test_adding_a_month_adds_its_rows_and_keeps_earlier_months(small_input):
    root, inputs = small_input
    before, last = root / "before", root / "last"
    month = split_last_month(inputs, before, last)
    with ThreadPoolExecutor(2) as pool:
        jobs = [(root / "old.duckdb", [before]), (root / "new.duckdb", [before, last])]
        old, new = pool.map(lambda args: _build(*args), jobs)

    count = "select count(*) from {}"
    for table in ("stg_missing_episodes", "stg_return_home_interviews", "stg_offences"):
        assert _rows(new, count.format(table)) > _rows(old, count.format(table)), f"{table} gained no rows"
    months = ("select strftime(max(event_month), '%Y-%m') from mart_monthly_area_counts "
              "where event_source = 'missing_from'")
    assert _rows(new, months)[0][0] == month
    assert _rows(old, months)[0][0] < month

    earlier = "select * from mart_monthly_area_counts where event_month < ?::date order by all"
    first_day = f"{month}-01"
    assert _rows(new, earlier, [first_day]) == _rows(old, earlier, [first_day]), "earlier months changed"


def test_most_frequent_value_breaks_ties_the_same_way_whatever_the_row_order():
    import duckdb

    from contextmap import sqlfiles

    con = duckdb.connect()
    sqlfiles.install_macros(con)
    rows = [("b",), ("a",), ("b",), ("a",), ("c",), (None,)]
    picks = set()
    for order in (rows, rows[::-1], rows[2:] + rows[:2]):
        con.execute("create or replace table t (v varchar)")
        con.executemany("insert into t values (?)", order)
        picks.add(con.sql("select cm_top(histogram(v)) from t").fetchall()[0][0])
    assert picks == {"a"}


def test_models_do_not_use_duckdb_mode_whose_ties_depend_on_arrival_order():
    from contextmap.sqlfiles import SQL_DIR

    users = [str(p.relative_to(SQL_DIR)) for p in SQL_DIR.rglob("*.sql") if "mode(" in p.read_text().lower()]
    assert not users, f"use cm_top(histogram(x)) instead of mode(x) in: {users}"
