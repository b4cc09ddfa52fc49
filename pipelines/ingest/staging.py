"""Staging one file: the committed SQL of its source, run over the file's rows.

Each source's staging SELECT is ``sql/staging/<staging>.sql``, generated from its adapter
(``pipelines/ingest/sources/``) by ``python -m pipelines.ingest.generate``. It reads
``raw_file`` (the file's rows as text, one column per column of the source, NULL when the
file lacks it, and ``_row``) and gives one row per data row in the temp table ``staged``:
the target table's columns, ``_row``, ``_errs`` (the row's rejects; empty means accepted)
and bookkeeping columns: ``_date`` (for the file's first and last date), ``_unresolved``
and ``_unresolved_districts`` (postcodes not in the area), ``_other`` (codes recorded as
OTHER) and whatever the source's notes count.

What differs between files or deployments is a bound parameter (:data:`PARAMETERS`),
never text formatted into the SQL.
"""

from __future__ import annotations

import re

import duckdb

from contextmap import sqlfiles
from pipelines.ingest.source import Source
from pipelines.ingest.sqlparts import LINE_LENGTH
from pipelines.pseudonym import sql_expr

RAW = "raw_file"
STAGED = "staged"
# The tables staging SQL reads that no build keeps: the file being loaded, its staged rows
# (read by derived rows) and the SSD persons (read by SSD episodes).
TRANSIENT = (RAW, STAGED, "stg_ssd_people")
# Every $parameter a staging file may name, and what it holds (listed in each file's header).
PARAMETERS = {
    "ipad": "the pseudonymisation key's inner pad (pipelines/pseudonym.py; the key never enters SQL text)",
    "opad": "the pseudonymisation key's outer pad",
    "file_key": "the file's name without its extension (the key of a row without an id)",
    "area": "the area's name ([geography] name in contextmap.toml)",
}


def path(stem: str) -> str:
    """``staging/<stem>.sql``, relative to ``sql/``."""
    return f"staging/{stem}.sql"


def source_cte(source: Source) -> str:
    """CTE ``src``: ``raw_file`` with every column trimmed (NULL when empty).

    Not materialized: each reader (the rows, and the lookups of postcodes, points, keys and
    repeats) scans just the columns it needs, where a shared CTE buffered every column of
    every row (half the staging time of a ten-million-row file).
    """
    cols = ",\n        ".join(f"cm_s({c}) as {c}" for c in source.columns)
    return f"src as not materialized (\n    select\n        _row,\n        {cols}\n    from {RAW}\n)"


def keyed(name: str, col: str, table: str | None = None) -> str:
    """CTE ``name`` (``v`` → ``k``): the pseudonym of each distinct value of ``col`` in ``src``,
    so each id is hashed once rather than once per row."""
    return (f"{name} as (\n    select v, {sql_expr('v', table)} as k\n"
            f"    from (select distinct {col} as v from src where {col} is not null) as ids\n)")


def column(expr: str, alias: str, indent: str = "    ") -> str:
    """``expr as alias`` in a SELECT list, the alias on a line of its own where the line
    would be longer than sqlfluff's (``expr`` is one line)."""
    if len(indent) + len(expr) + len(alias) + 5 <= LINE_LENGTH:
        return f"{expr} as {alias}"
    return f"{expr}\n{indent}    as {alias}"


def stage(con: duckdb.DuckDBPyConnection, source: Source, raw_table: str, present: list[str], params: dict) -> None:
    """Create ``staged`` from the file in the temp table ``raw_table`` (holding ``present``)."""
    cols = ", ".join(f'"{c}"' if c in present else f'null::varchar as "{c}"' for c in source.columns)
    con.execute(f"create or replace temp view {RAW} as select _row, {cols} from {raw_table}")
    try:
        run(con, source.staging, STAGED, params)
    finally:
        con.execute(f"drop view {RAW}")


def run(con: duckdb.DuckDBPyConnection, stem: str, table: str, params: dict) -> None:
    """Create the temp table ``table`` from ``sql/staging/<stem>.sql``, binding the
    parameters it names from ``params``."""
    sql = sqlfiles.read(path(stem))
    con.execute(f"create or replace temp table {table} as\n{sql}", {name: params[name] for name in parameters(sql)})


def parameters(sql: str) -> list[str]:
    """The ``$parameters`` an SQL text names (each one of :data:`PARAMETERS`)."""
    names = sorted(set(re.findall(r"\$([a-z_]+)", sql)))
    unknown = set(names) - PARAMETERS.keys()
    if unknown:
        raise KeyError(f"staging SQL names undeclared parameters {sorted(unknown)} (pipelines/ingest/staging.py)")
    return names
