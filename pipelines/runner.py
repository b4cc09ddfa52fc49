"""Run the declared build steps against a DuckDB connection."""

from __future__ import annotations

import importlib
import time

import duckdb

from contextmap import settings, sqlfiles
from pipelines.step_types import Sql
from pipelines.steps import STEPS


class StepError(RuntimeError):
    """A build step failed; the message names the SQL file or Python step."""


def configure(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB settings for a build, from ``[build]`` in contextmap.toml.

    Insertion order is not preserved (every model that needs an order says ORDER BY),
    which lets DuckDB write large tables in parallel with less memory.
    """
    cfg = settings.load().get("build", {})
    con.execute("set preserve_insertion_order = false")
    if cfg.get("memory_limit"):
        con.execute("set memory_limit = ?", [str(cfg["memory_limit"])])
    if int(cfg.get("threads", 0)) > 0:
        con.execute("set threads = ?", [int(cfg["threads"])])
    if cfg.get("temp_directory"):
        con.execute("set temp_directory = ?", [str(settings.resolve(cfg["temp_directory"]))])


def run_steps(con: duckdb.DuckDBPyConnection, steps=STEPS, progress=print) -> None:
    """Build every table in ``steps``, in order, printing a line per step."""
    sqlfiles.install_macros(con)
    for step in steps:
        started = time.perf_counter()
        try:
            if isinstance(step, Sql):
                con.execute(f"create or replace table {step.tables[0]} as\n" + sqlfiles.read(step.path))
            else:
                module, func = step.target.split(":")
                getattr(importlib.import_module(module), func)(con)
        except Exception as exc:
            where = f"sql/{step.path}" if isinstance(step, Sql) else step.target
            raise StepError(f"Build step {where} failed: {exc}") from exc
        rows = ", ".join(
            f"{t} {con.sql(f'select count(*) from {t}').fetchall()[0][0]:,} rows" for t in step.tables
        )
        progress(f"  {rows} ({time.perf_counter() - started:.1f} s)")
