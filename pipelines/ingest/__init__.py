"""Ingest: validate contract files, pseudonymise and minimise them at the door.

``load_inputs`` builds the ``stg_*`` tables, ``rejects`` and ``file_loads`` of
docs/architecture.md; ``validate`` runs the same checks without building and returns
a :class:`Summary` whose ``report()`` is what the build prints.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from pipelines.ingest.errors import IngestError
from pipelines.ingest.load import run
from pipelines.ingest.mapping import Mapping, load_mapping
from pipelines.ingest.report import Summary
from pipelines.pseudonym import Keys

__all__ = ["IngestError", "Summary", "load_inputs", "load_mapping", "validate"]


def _summary(con: duckdb.DuckDBPyConnection, results) -> Summary:
    reasons = con.execute("""
        select source_file, reason, count(distinct source_row),
               string_agg('row ' || source_row || ' ' || column_name, ', ' order by source_row) filter (where n <= 3)
        from (select *, row_number() over (partition by source_file, reason order by source_row) as n from rejects)
        group by all order by source_file, 3 desc, reason
    """).fetchall()
    return Summary(results, [(f, r, n, e) for f, r, n, e in reasons])


def load_inputs(con: duckdb.DuckDBPyConnection, inputs: list[Path], keys: Keys, mapping: dict | None = None,
                progress=print, cache_dir: Path | None = None) -> Summary:
    """Load ``inputs`` (files or folders) into the ingest tables of ``con``, each file
    pseudonymised with its data owner's key from ``keys``.

    The geography tables must already be loaded. Raises :class:`IngestError` naming
    every file that cannot be used at all; rejected rows never stop the build. With
    ``cache_dir`` (builds use ``cache.default_dir()``), files unchanged since an earlier
    load are not parsed again.
    """
    results = run(con, [Path(p) for p in inputs], keys, Mapping.from_dict(mapping), progress=progress,
                  cache_dir=cache_dir)
    summary = _summary(con, results)
    progress(summary.report())
    return summary


def validate(paths: list[Path], mapping: dict | None = None) -> Summary:
    """Check files against the contract without building anything; return the report."""
    from pipelines.geography import load_geography

    con = duckdb.connect()
    try:
        load_geography(con, progress=lambda *_: None)
        # A throwaway key: validation keeps nothing, so no real key is needed.
        results = run(con, [Path(p) for p in paths], Keys.one(os.urandom(32)), Mapping.from_dict(mapping),
                      progress=lambda *_: None, stop_on_error=False)
        return _summary(con, results)
    finally:
        con.close()
