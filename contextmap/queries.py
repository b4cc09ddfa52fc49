"""The dashboard's reads: each runs one file of ``sql/queries`` with bound parameters.

:func:`run` is the one primitive: a DuckDB connection (or cursor), a query name and plain
values, so it is tested without Streamlit. Everything above it reads through a
:class:`Query`, ``query(name, filters=None, **params)``: on a page ``session.query``
(``contextmap.ui.reader``, cached per build, role and policy), in the meeting pack and
the tests :func:`bind` over a connection. A query returns each count of children's
records with its cell key (``<count>_ckey``); :func:`run` replaces the count by its
cell-key perturbed value (``contextmap.cellkey``) and drops the key, so nothing after
this module sees a true count. Every figure then goes through ``contextmap.disclosure``
before it is shown or exported.
"""

from __future__ import annotations

import re
from typing import Protocol

import duckdb
import pandas as pd

from contextmap import cellkey, disclosure, sqlfiles
from contextmap.filters import WHOLE, Filters

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
# A query that reads no children's records for any one council says so: ``-- any scope: why``.
_ANY_SCOPE = re.compile(r"^-- any scope: ", re.MULTILINE)


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
    scope = params.get("scope", WHOLE)
    if scope != WHOLE and "scope" not in wanted and not _ANY_SCOPE.search(sql):
        # Fail closed: a query that does not filter by scope would count every council's records.
        raise QueryError(f"sql/queries/{name}.sql does not filter by scope: not available to a council scope")
    missing = wanted - params.keys()
    if missing:
        raise QueryError(f"sql/queries/{name}.sql needs parameters {sorted(missing)}")
    try:
        return con.execute(sql, {k: params[k] for k in wanted}).df()
    except duckdb.Error as exc:
        raise QueryError(f"sql/queries/{name}.sql failed: {exc}") from exc


class Query(Protocol):
    """Runs ``sql/queries/<name>.sql`` with the parameters of ``filters`` (when given) and
    ``params``; counts come back perturbed. Every reader above :func:`run` takes one,
    named ``query``."""

    def __call__(self, name: str, filters: Filters | None = None, **params) -> pd.DataFrame: ...


def bind(con, run=run, scope: str = WHOLE) -> Query:
    """A :class:`Query` over a DuckDB connection (no cache), counting the records of ``scope``.

    ``run`` runs one query file (default :func:`run`, perturbed counts); a test may pass
    one that returns exact counts, to check the figures against a recomputation. The
    scope is bound last, so neither filters nor parameters can change it.
    """

    def query(name: str, filters: Filters | None = None, **params) -> pd.DataFrame:
        return run(con, name, **{**(filters.params() if filters else {}), **params, "scope": scope})

    return query


def has_table(query: Query, table: str) -> bool:
    """Whether the build ``query`` reads has ``table`` (optional analytics may be absent in old builds)."""
    return bool(query("table_exists", table=table).iloc[0, 0])
