"""The served database: only the tables and columns the dashboard reads.

A build works in a full database (staging rows with exact ages, minute times, found
points, rejects). The dashboard opens a second, smaller file written from it: each table
a file of ``sql/queries`` reads, holding only the columns those queries read (so exact
``age``, ``started_at``, ``event_at`` and the like stay behind), plus the secret
per-record keys (``*_rkey``) of the cell-key perturbation and what the next build needs
from this one (peer-group ids, so "Group 7" stays Group 7). Times kept (a peer group's
first and last activity, say) are cut to the day; only build times keep theirs.

Which columns a query reads is asked of DuckDB itself: the plan of each query, with its
parameters bound to NULL and the optimisers that would fold those NULLs away switched
off, lists the columns every table scan projects. A query DuckDB cannot plan keeps every
column of each table it names (safe for the dashboard; the build log says so).
"""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from contextmap import sqlfiles
from contextmap.sqlfiles import SQL_DIR

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_WORD = re.compile(r"[a-z_][a-z0-9_]*")
# With these on, a parameter bound to NULL can turn a plan into EMPTY_RESULT (no scans to read).
_FOLDING_OPTIMISERS = "expression_rewriter,statistics_propagation,filter_pushdown,filter_pullup,empty_result_pullup"
# What the next build reads from the published one (pipelines/peer_groups/groups.py read_previous).
CARRIED = {
    "mart_peer_group_members": {"group_id", "person_key"},
    "mart_peer_group_ids": {"group_id", "first_built_at", "last_built_at"},
    "build_info": {"built_at", "is_demo", "inputs", "settings_hash", "area_name"},
}
# Secret per-record random keys of the cell-key perturbation: needed at run time, never shown.
RECORD_KEY_SUFFIX = "_rkey"


def query_files() -> list[Path]:
    """The dashboard's reads: every file of ``sql/queries``."""
    return sorted((SQL_DIR / "queries").glob("*.sql"))


def _scans(node: dict, found: dict[str, set[str]]) -> None:
    info = node.get("extra_info", {})
    if "Table" in info:
        projections = info.get("Projections", [])
        found.setdefault(info["Table"].split(".")[-1], set()).update(
            [projections] if isinstance(projections, str) else projections)
    for child in node.get("children", []):
        _scans(child, found)


def columns_read(con: duckdb.DuckDBPyConnection, progress=print) -> dict[str, set[str]]:
    """Table → the columns some dashboard query reads, for the tables of ``con``."""
    tables = _columns_by_table(con)
    found: dict[str, set[str]] = {}
    paths = query_files()
    con.execute(f"set disabled_optimizers = '{_FOLDING_OPTIMISERS}'")
    try:
        plans = _map_on_cursors(con, _plan, paths)
    finally:
        con.execute("reset disabled_optimizers")
    for path, (sql, plan) in zip(paths, plans):
        if isinstance(plan, duckdb.Error):
            progress(f"  served file: could not plan sql/queries/{path.name} ({str(plan).splitlines()[0]}); "
                     "keeping every column of the tables it names")
            for word in set(_WORD.findall(sql.lower())) & tables.keys():
                found.setdefault(word, set()).update(tables[word])
            continue
        for node in plan:
            _scans(node, found)
    for table, cols in CARRIED.items():
        found.setdefault(table, set()).update(cols)
    return {t: {c for c in tables[t] if c in cols or c.endswith(RECORD_KEY_SUFFIX)}
            for t, cols in found.items() if t in tables}


def _plan(cursor: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, list | duckdb.Error]:
    """A query file's text and the nodes of its plan (or the error planning it), its
    parameters bound to NULL."""
    sql = path.read_text(encoding="utf-8")
    try:
        rows = cursor.execute("explain (format json) " + sql, {p: None for p in set(_PARAM.findall(sql))}).fetchall()
    except duckdb.Error as exc:
        return sql, exc
    return sql, [node for _, plan in rows for node in json.loads(plan)]


def _columns_by_table(con) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'main' "
        "and table_catalog = current_database() order by table_name, ordinal_position"
    ).fetchall():
        out.setdefault(table, []).append(column)
    return out


def _timestamps(con) -> set[tuple[str, str]]:
    return set(con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'main' "
        "and table_catalog = current_database() and data_type like 'TIMESTAMP%' and column_name not like '%built_at'"
    ).fetchall())


def write(builder: Path, served: Path, progress=print) -> dict[str, list[str]]:
    """Write ``served`` (which must not exist) from the full build at ``builder``.

    Returns the tables and columns written, in the builder's column order.
    """
    con = duckdb.connect(str(builder), read_only=True)
    try:
        return write_from(con, served, progress=progress)
    finally:
        con.close()


def write_from(con: duckdb.DuckDBPyConnection, served: Path, progress=print) -> dict[str, list[str]]:
    """Write ``served`` (which must not exist) from the full build open on ``con`` (a file,
    or the in-memory database of a small build); as :func:`write`."""
    keep = columns_read(con, progress=progress)
    order = _columns_by_table(con)
    times = _timestamps(con)
    builder = con.execute("select current_database()").fetchone()[0]
    layout = {t: [c for c in order[t] if c in keep[t]] for t in sorted(keep)}
    con.execute("attach ? as served (read_write)", [str(served)])
    try:
        statements = []
        for table, cols in layout.items():
            # A table only counted (count(*)) still needs its rows: keep its first column.
            cols = cols or order[table][:1]
            select = ", ".join(f'date_trunc(\'day\', "{c}") as "{c}"' if (table, c) in times else f'"{c}"'
                               for c in cols)
            statements.append(f'create table served.main."{table}" as select {select} from "{builder}".main."{table}"')
            layout[table] = cols
        _run_parallel(con, statements)
        con.execute("use served")
        try:
            sqlfiles.install_dashboard_macros(con)
        finally:
            con.execute(f'use "{builder}"')
        con.execute("checkpoint served")
    finally:
        con.execute("detach served")
    return layout


# Most tables are a single row group, which DuckDB writes on one thread, and planning is
# single-threaded: two at a time keeps both cores busy.
WORKERS = 2


def _run_parallel(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Run independent statements on cursors of ``con`` (see :func:`_map_on_cursors`)."""
    _map_on_cursors(con, lambda cursor, sql: cursor.execute(sql), statements)


def _map_on_cursors(con: duckdb.DuckDBPyConnection, fn, items: list) -> list:
    """``[fn(cursor, item) for item in items]``, run by :data:`WORKERS` threads, each with its
    own cursor of ``con`` (the same databases and settings) taking the next item; DuckDB
    releases the interpreter lock while a statement runs. The first error is raised."""
    results: list = [None] * len(items)
    pending = iter(range(len(items)))
    lock = threading.Lock()

    def work(cursor: duckdb.DuckDBPyConnection) -> None:
        try:
            while True:
                with lock:
                    i = next(pending, None)
                if i is None:
                    return
                results[i] = fn(cursor, items[i])
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="contextmap-served") as pool:
        for future in [pool.submit(work, con.cursor()) for _ in range(WORKERS)]:
            future.result()
    return results
