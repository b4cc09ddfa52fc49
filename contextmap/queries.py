"""The dashboard's reads: each runs one file of ``sql/queries`` with bound parameters.

Pure functions of a DuckDB connection (or cursor) and plain values, so they are tested
without Streamlit; ``contextmap.ui`` adds caching. Results are raw counts: every figure
goes through ``contextmap.disclosure`` before it is shown or exported.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from contextmap import sqlfiles
from contextmap.filters import Filters

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


class QueryError(RuntimeError):
    """A dashboard query failed; the message names the SQL file."""


def run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run ``sql/queries/<name>.sql``, binding only the ``$parameters`` it uses."""
    sql = sqlfiles.read(f"queries/{name}.sql")
    wanted = set(_PARAM.findall(sql))
    missing = wanted - params.keys()
    if missing:
        raise QueryError(f"sql/queries/{name}.sql needs parameters {sorted(missing)}")
    try:
        return con.execute(sql, {k: params[k] for k in wanted}).df()
    except duckdb.Error as exc:
        raise QueryError(f"sql/queries/{name}.sql failed: {exc}") from exc


def filtered(con, name: str, filters: Filters, **params) -> pd.DataFrame:
    """Run a query that takes the global filters plus any extra parameters."""
    return run(con, name, **filters.params(), **params)


def table_exists(con, table: str) -> bool:
    """Whether the build has ``table`` (optional analytics may be absent in old builds)."""
    return bool(run(con, "table_exists", table=table).iloc[0, 0])
