"""Write the staging SQL files, ``sql/staging/stg_*.sql``, from the source adapters.

``python -m pipelines.ingest.generate`` rewrites them; ``tests/test_ingest_staging.py``
fails when a committed file differs from what this writes. Ingest runs the committed
files (``staging.run``), so what a reader sees is exactly what runs.
"""

from __future__ import annotations

import inspect

from contextmap.settings import ROOT
from contextmap.sqlfiles import SQL_DIR
from pipelines.ingest.source import Source
from pipelines.ingest.sources import SOURCES
from pipelines.ingest.staging import PARAMETERS, RAW, STAGED, parameters, path


def _header(lines: list[str], sql: str, made_by) -> str:
    module = inspect.getsourcefile(made_by)
    lines = [*lines, f"Generated from {_relative(module)} by `python -m pipelines.ingest.generate`;", "do not edit."]
    lines += [f"${name}: {PARAMETERS[name]}." for name in parameters(sql)]
    return "".join(f"-- {line}\n" for line in lines)


def _relative(path: str) -> str:
    return str(ROOT.joinpath(path).resolve().relative_to(ROOT.resolve()))


def _source_file(source: Source) -> str:
    sql = source.select(source)
    return _header([
        f"Stages one {source.label} file for {source.target}: checks, pseudonymises and minimises every row.",
        f"Reads {RAW}: the file's rows as text, a column per {source.label} column (NULL when the file lacks it)",
        "and _row, the data row number (1 = the first row after the header).",
        f"One row per data row: the {source.target} columns, _row, _errs (the row's rejects; empty = accepted)",
        "and bookkeeping columns named _* (pipelines/ingest/staging.py).",
    ], sql, source.select) + sql


def files() -> dict[str, str]:
    """Path under ``sql/`` → text, for every staging file of every source."""
    out = {}
    for source in SOURCES:
        out[path(source.staging)] = _source_file(source)
        for derived in source.derived:
            sql = derived.select()
            out[path(derived.staging)] = _header([
                f"Rows of {derived.target} made from the accepted rows of one {source.label} file",
                f"({STAGED}: the rows {source.staging}.sql staged).",
            ], sql, derived.select) + sql
    return out


def main() -> None:
    """Rewrite every staging SQL file."""
    for relpath, text in files().items():
        (SQL_DIR / relpath).write_text(text, encoding="utf-8")
        print(f"wrote sql/{relpath}")


if __name__ == "__main__":
    main()
