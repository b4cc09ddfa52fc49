"""Build the ContextMap database from contract files: geography, ingest, models, publish."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from contextmap import builds, settings
from pipelines import record_keys, served, warehouse
from pipelines.geography import load_geography
from pipelines.ingest import cache as ingest_cache
from pipelines.ingest import load_inputs
from pipelines.pseudonym import Keys, load_keys
from pipelines.runner import configure, import_in_background, run_steps
from pipelines.step_types import BuildContext

SAMPLE_DIR = settings.ROOT / "data" / "sample"
# Inputs up to this size are built in memory when publishing (the sample's 2 MB of files
# take about 0.3 GB there); larger ones are built in a file, which DuckDB compresses and spills.
IN_MEMORY_MAX_INPUT_BYTES = 20_000_000


def write_build_info(con: duckdb.DuckDBPyConnection, inputs: list[Path], keys: Keys) -> None:
    """Create ``build_info``: when, from which files, with which settings, and whether a demo."""
    settings_hash = hashlib.sha256(settings.settings_path().read_bytes()).hexdigest()[:12]
    con.execute(
        """
        create or replace table build_info as
        select ?::timestamptz as built_at, ?::boolean as is_demo, ?::varchar as inputs,
               ?::varchar as settings_hash, ?::varchar as area_name
        """,
        [
            datetime.now(UTC),
            keys.is_demo,
            json.dumps([p.name for p in inputs]),
            settings_hash,
            settings.current().geography.name,
        ],
    )


def build_into(path: Path, inputs: list[Path], mapping: dict | None = None, progress=print,
               cache_dir: Path | None = None, demo: bool = False, previous: Path | None = None) -> None:
    """Build a complete database at ``path`` (which must not exist) from ``inputs``.

    The ingest parse cache is ``cache_dir`` (default: the configured warehouse's); the
    geography cache sits beside it. With
    ``demo``, synthetic data is built with the public demo keys (see ``load_keys``).
    ``previous`` is the build before this one: peer-group ids carry over from it.
    """
    con = duckdb.connect(str(path))
    try:
        build_in(con, inputs, mapping=mapping, progress=progress, cache_dir=cache_dir, demo=demo, previous=previous)
        con.execute("checkpoint")
    finally:
        con.close()


def build_in(con: duckdb.DuckDBPyConnection, inputs: list[Path], mapping: dict | None = None, progress=print,
             cache_dir: Path | None = None, demo: bool = False, previous: Path | None = None) -> None:
    """Build every table on the open connection ``con`` (a file or an in-memory database);
    the arguments are :func:`build_into`'s."""
    keys = load_keys(inputs, demo=demo)
    if keys.is_demo:
        progress("Demo build: the public demo keys are used, so anyone can recompute its pseudonyms; "
                 "the dashboard labels it and serves it only where no sign-in is configured")
    started = time.perf_counter()
    cache_dir = cache_dir or ingest_cache.default_dir()
    configure(con)
    progress("Stage 1/3: geography")
    # The geography cache entry is written, and the analytics modules imported, while DuckDB ingests.
    cached = load_geography(con, progress=progress, cache_dir=cache_dir.parent / "geography", background=True)
    progress("Stage 2/3: ingest")
    imported = import_in_background()
    try:
        load_inputs(con, inputs, keys, mapping=mapping, progress=progress, cache_dir=cache_dir)
    finally:
        imported()
        cached()
    progress("Stage 3/3: models and analytics")
    run_steps(con, progress=progress,
              context=BuildContext(previous_db=previous, record_key_salt=record_keys.salt(keys.salt_key)))
    write_build_info(con, inputs, keys)
    progress(f"Built in {time.perf_counter() - started:.1f} s")


def input_bytes(inputs: list[Path]) -> int:
    """Total size of the files under ``inputs`` (files or folders)."""
    return sum(f.stat().st_size for p in inputs for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())


def _with_crash_points(progress):
    """Every progress line is also a fault-injection point (see ``warehouse.crash_point``)."""

    def report(message: str) -> None:
        progress(message)
        warehouse.crash_point(message)

    return report


def build(inputs: list[Path] | None = None, directory: Path | None = None, mapping: dict | None = None, progress=print,
          demo: bool = False) -> Path:
    """Build from ``inputs`` (default: the shipped sample) and publish it as the current build.

    What is published is the served file (``pipelines/served.py``): only the tables and
    columns the dashboard reads; the full build-time database is deleted. The previous
    build stays served until the new one is complete: a failure at any point, even
    SIGKILL, leaves ``CURRENT`` and the file it names untouched, and the next build
    removes what the failed one left behind.
    """
    inputs = [Path(p) for p in (inputs or [SAMPLE_DIR])]
    directory = directory or builds.warehouse_dir()
    progress = _with_crash_points(progress)
    keep = settings.current().warehouse.keep_builds
    with warehouse.build_lock(directory, progress=progress):
        warehouse.clean_up(directory, keep=keep)
        final = warehouse.new_build_path(directory)
        partial = final.with_name(f"{final.stem}.building.{os.getpid()}")
        # Peer-group ids are matched to the previous build's groups so "Group 7" stays Group 7.
        previous = builds.current_build(directory)
        serving = partial.with_name(partial.name + ".served")
        options = dict(mapping=mapping, progress=progress, cache_dir=ingest_cache.default_dir(directory), demo=demo,
                       previous=previous)
        try:
            if input_bytes(inputs) <= IN_MEMORY_MAX_INPUT_BYTES:
                # Small inputs: the full database is built in memory and only the served file
                # is written, so the tables are compressed and written once, not twice.
                con = duckdb.connect(":memory:")
                try:
                    con.execute("set temp_directory = ?", [f"{partial}.tmp"])
                    build_in(con, inputs, **options)
                    progress("Writing the served file: only the tables and columns the dashboard reads")
                    served.write_from(con, serving, progress=progress)
                finally:
                    con.close()
            else:
                build_into(partial, inputs, **options)
                progress("Writing the served file: only the tables and columns the dashboard reads")
                served.write(partial, serving, progress=progress)
            os.replace(serving, final)
        finally:
            # The full build-time database is never published: staging rows stay with the builder.
            for leftover in partial.parent.glob(partial.name + "*"):
                leftover.unlink(missing_ok=True)
        warehouse.crash_point("publish: build complete, not yet published")
        warehouse.publish(directory, final)
        warehouse.crash_point("publish: switched, old builds not yet cleaned up")
        warehouse.clean_up(directory, keep=keep)
    size_mb = final.stat().st_size / 1e6
    progress(f"Published {final.name} ({size_mb:.1f} MB) as the current build in {directory}")
    return final


def build_file(db_path: Path, inputs: list[Path] | None = None, mapping: dict | None = None, progress=print,
               demo: bool = False) -> Path:
    """Build the full build-time database at ``db_path``, replacing it only when the build succeeded.

    This is the builder's file (staging tables with exact ages and times): for analysis and
    tests, never for serving; :func:`build` publishes the minimised served file instead.

    An existing file at ``db_path`` is the previous build, so peer-group ids carry over.
    """
    inputs = [Path(p) for p in (inputs or [SAMPLE_DIR])]
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(f"{db_path.name}.building.{os.getpid()}")
    try:
        build_into(partial, inputs, mapping=mapping, progress=progress, demo=demo,
                   previous=db_path if db_path.exists() else None)
        os.replace(partial, db_path)
    except BaseException:
        for leftover in partial.parent.glob(partial.name + "*"):
            leftover.unlink(missing_ok=True)
        raise
    return db_path
