"""Run the declared build steps against a DuckDB connection."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path

import duckdb

from contextmap import settings, sqlfiles
from pipelines.peer_groups.config import Config
from pipelines.step_types import BACKGROUND_NOTE, BuildContext, Py, Sql
from pipelines.steps import STEPS

# Settings the SQL models take as $parameters: each is read here and used in one model.
SQL_SETTINGS = {
    "rhi_offer_hours": lambda: settings.current().rhi.offer_within_hours,
    "repeat_episodes": lambda: settings.current().repeat_missing.episodes,
    "repeat_days": lambda: settings.current().repeat_missing.days,
    "disruption_window": lambda: settings.current().disruption.window_months,
    "disruption_timeline": lambda: settings.current().disruption.timeline_months,
    "place_radius_m": lambda: float(settings.current().hotspots.place_radius_m),
    "suppress_max": lambda: settings.current().privacy.suppress_max,
    **{name: lambda name=name: Config.from_settings().sql_params()[name] for name in Config().sql_params()},
}


class StepError(RuntimeError):
    """A build step failed; the message names the SQL file or Python step."""


def configure(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB settings for a build, from ``[build]`` in contextmap.toml.

    Insertion order is not preserved (every model that needs an order says ORDER BY),
    which lets DuckDB write large tables in parallel with less memory.
    """
    cfg = settings.current().build
    con.execute("set preserve_insertion_order = false")
    if cfg.memory_limit:
        con.execute("set memory_limit = ?", [cfg.memory_limit])
    if cfg.threads > 0:
        con.execute("set threads = ?", [cfg.threads])
    if cfg.temp_directory:
        con.execute("set temp_directory = ?", [str(cfg.temp_directory)])


def import_in_background(steps=STEPS) -> Callable[[], None]:
    """Start importing the modules of the Python ``steps`` (and with them pandas, NumPy and
    SciPy) in a thread; return a function that waits for it.

    Started while DuckDB ingests the files (it releases the interpreter lock while it
    works), so the imports overlap the ingest instead of delaying the first analytics
    step. A module that fails to import here fails again, with its step named, when the
    runner imports it. Libraries only some data need (igraph for peer groups) are imported
    inside the steps, when the data need them.
    """
    modules = sorted({step.target.split(":")[0] for step in steps if isinstance(step, Py)})

    def load() -> None:
        for module in modules:
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001, S110 - the step's own import reports it
                pass

    thread = threading.Thread(target=load, name="contextmap-imports", daemon=True)
    thread.start()
    return thread.join


def run_steps(con: duckdb.DuckDBPyConnection, steps=STEPS, progress=print,
              context: BuildContext = BuildContext()) -> None:
    """Build every table in ``steps``, in order, printing a line per step.

    Background steps (see ``Py``) run on a cursor of ``con`` in a second thread; a failure
    in one is raised when it is waited for, and the run never ends while one is running.
    ``context`` says which build came before and holds the record-key salt (without one,
    the public demo salt of ``pipelines.record_keys``).
    """
    sqlfiles.install_macros(con, context.record_key_salt)
    running: list[tuple[Py, Future]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="contextmap-step") as pool:
        for step in steps:
            for job in [job for job in running if _reads(step, job[0].tables)]:
                running.remove(job)
                progress(job[1].result())
            if isinstance(step, Py) and step.background:
                cursor = con.cursor()
                sqlfiles.install_macros(cursor, context.record_key_salt)
                running.append((step, pool.submit(_run, cursor, step, context, BACKGROUND_NOTE)))
            else:
                progress(_run(con, step, context))
        for _, future in running:
            progress(future.result())
    sqlfiles.install_dashboard_macros(con)


def _run(con: duckdb.DuckDBPyConnection, step: Sql | Py, context: BuildContext, note: str = "") -> str:
    """Build one step's tables; return its progress line.

    A Python step may return text (why a table is empty, say): it follows the line.
    """
    started = time.perf_counter()
    said = None
    try:
        if isinstance(step, Sql):
            build_model(con, step)
        else:
            module, func = step.target.split(":")
            fn = getattr(importlib.import_module(module), func)
            said = fn(con, context=context) if "context" in inspect.signature(fn).parameters else fn(con)
    except Exception as exc:
        where = f"sql/{step.path}" if isinstance(step, Sql) else step.target
        raise StepError(f"Build step {where} failed: {exc}") from exc
    rows = ", ".join(f"{t} {con.sql(f'select count(*) from {t}').fetchall()[0][0]:,} rows" for t in step.tables)
    return f"  {rows} ({time.perf_counter() - started:.1f} s{note})" + (said if isinstance(said, str) else "")


def build_model(con: duckdb.DuckDBPyConnection, step: Sql, params: dict | None = None) -> None:
    """Create the table of one SQL model; its ``$parameters`` are the settings it names
    (:data:`SQL_SETTINGS`), or ``params`` when given (a test's own configuration)."""
    sql = sqlfiles.read(step.path)
    con.execute(f"create or replace table {step.tables[0]} as\n" + sql, sql_settings(sql) if params is None else params)


def sql_settings(sql: str) -> dict:
    """The settings an SQL model names as ``$parameters`` (see :data:`SQL_SETTINGS`)."""
    names = set(re.findall(r"\$([a-z_]+)", sql))
    unknown = names - SQL_SETTINGS.keys()
    if unknown:
        raise KeyError(f"no setting is declared for the SQL parameters {sorted(unknown)} (pipelines/runner.py)")
    return {name: SQL_SETTINGS[name]() for name in names}


def _reads(step: Sql | Py, tables: tuple[str, ...]) -> bool:
    """Whether ``step``'s SQL file or Python module names any of ``tables``."""
    text = sqlfiles.read(step.path) if isinstance(step, Sql) else _module_source(step.target.split(":")[0])
    return any(re.search(rf"\b{re.escape(t)}\b", text) for t in tables)


@cache
def _module_source(module: str) -> str:
    return Path(importlib.util.find_spec(module).origin).read_text(encoding="utf-8")
