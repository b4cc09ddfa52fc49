"""The dashboard's reads: each runs one file of ``sql/queries`` with bound parameters.

Pure functions of a DuckDB connection (or cursor) and plain values, so they are tested
without Streamlit; ``contextmap.ui`` adds caching. A query returns each count of
children's records with its cell key (``<count>_ckey``); :func:`run` replaces the count
by its cell-key perturbed value (``contextmap.cellkey``) and drops the key, so nothing
after this module sees a true count. Every figure then goes through
``contextmap.disclosure`` before it is shown or exported.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from contextmap import cellkey, disclosure, sqlfiles
from contextmap.filters import Filters

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


class QueryError(RuntimeError):
    """A dashboard query failed; the message names the SQL file."""


def run(con: duckdb.DuckDBPyConnection, name: str, *, exact: bool = False,
        policy: disclosure.Policy | None = None, **params) -> pd.DataFrame:
    """Run ``sql/queries/<name>.sql``, binding only the ``$parameters`` it uses.

    Counts come back perturbed with the p-table of ``policy`` (default: the settings').
    ``exact=True`` returns the true counts instead: for tests and build checks only, never
    for anything a user sees (``tests/test_cellkey.py`` checks no page or library module
    asks for it).
    """
    frame = _execute(con, name, params)
    if exact:
        return frame.drop(columns=[c for c in frame.columns if c.endswith(cellkey.SUFFIX)])
    return cellkey.perturb_frame(frame, (policy or disclosure.Policy.from_settings()).ptable())


def _execute(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pd.DataFrame:
    """The query's rows as SQL returns them: true counts and their cell keys."""
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
