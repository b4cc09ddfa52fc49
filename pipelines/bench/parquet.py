"""Serve the same ``sql/queries`` from partitioned Parquet instead of one DuckDB file.

``export`` writes every table of a build as Parquet (tables with a month column are
hive-partitioned by it, so a period filter reads only its months); ``catalog`` writes a
tiny DuckDB file of views over those files, which any number of dashboard servers can
open read-only. ``compare`` runs every page query against the build and the catalog and
reports any difference, so the benchmark proves the claim in docs/scaling.md.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from contextmap import queries, sqlfiles
from pipelines.bench import latency

PARTITION_COLUMNS = ("event_month", "month", "start_month", "offence_month")


def _tables(con) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'main' "
        "order by table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def export(db: Path, out: Path, tables: list[str] | None = None) -> dict[str, str | None]:
    """Write each table of ``db`` (or only ``tables``) under ``out``; return each table's
    partition column (or None)."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    layout = {}
    try:
        for table, cols in _tables(con).items():
            if tables is not None and table not in tables:
                continue
            part = next((c for c in PARTITION_COLUMNS if c in cols), None)
            target = out / table
            if part:
                con.execute(f"copy {table} to '{target}' (format parquet, partition_by ({part}), overwrite_or_ignore)")
            else:
                target.mkdir(exist_ok=True)
                con.execute(f"copy {table} to '{target / 'data.parquet'}' (format parquet)")
            layout[table] = part
    finally:
        con.close()
    return layout


def catalog(parquet_dir: Path, layout: dict[str, str | None], path: Path, db: Path) -> Path:
    """A DuckDB file of views over the Parquet files, with the build's column order and types."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    src = duckdb.connect(str(db), read_only=True)
    try:
        for table, part in layout.items():
            cols = src.execute(
                "select column_name, data_type from information_schema.columns where table_name = ? "
                "and table_schema = 'main' order by ordinal_position", [table]
            ).fetchall()
            select = ", ".join(f'"{c}"::{t} as "{c}"' for c, t in cols)
            files = f"{parquet_dir / table}/**/*.parquet"
            source = f"read_parquet('{files}', hive_partitioning = {bool(part)})"
            con.execute(f"create view {table} as select {select} from {source}")
        sqlfiles.install_dashboard_macros(con)
    finally:
        src.close()
        con.close()
    return path


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    key = [c for c in a.columns if not any(isinstance(v, (list, dict, np.ndarray)) for v in a[c])]
    a = a.sort_values(key).reset_index(drop=True) if key else a
    b = b.sort_values(key).reset_index(drop=True) if key else b
    try:
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False)
    except AssertionError:
        return False
    return True


def compare(db: Path, work: Path) -> dict:
    """Export ``db`` to Parquet, serve the queries from it, and compare with the build."""
    parquet_dir = work / "parquet"
    started = time.perf_counter()
    layout = export(db, parquet_dir)
    export_s = time.perf_counter() - started
    cat = catalog(parquet_dir, layout, work / "parquet_catalog.duckdb", db)
    build = duckdb.connect(str(db), read_only=True)
    served = duckdb.connect(str(cat), read_only=True)
    same, differ, timings = 0, [], []
    try:
        for name in latency.query_names():
            sets = latency.param_sets(build, name, variants=3)
            if isinstance(sets, str):
                continue
            for params in sets:
                expected = queries.run(build, name, **params)
                t = time.perf_counter()
                got = queries.run(served, name, **params)
                timings.append(time.perf_counter() - t)
                if _same(expected, got):
                    same += 1
                else:
                    differ.append(name)
    finally:
        build.close()
        served.close()
    size = sum(p.stat().st_size for p in parquet_dir.rglob("*.parquet"))
    timings.sort()
    return {
        "export_s": export_s,
        "parquet_mb": size / 2**20,
        "files": sum(1 for _ in parquet_dir.rglob("*.parquet")),
        "partitioned_tables": sorted(t for t, p in layout.items() if p),
        "query_runs_identical": same,
        "query_runs_different": sorted(set(differ)),
        "p50_ms": timings[len(timings) // 2] * 1000 if timings else None,
        "p95_ms": timings[int(len(timings) * 0.95)] * 1000 if timings else None,
    }
