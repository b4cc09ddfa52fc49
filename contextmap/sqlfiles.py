"""Access to the SQL files in ``sql/`` (models and the dashboard's queries)."""

from __future__ import annotations

import re
from functools import cache

import duckdb

from contextmap.settings import ROOT

SQL_DIR = ROOT / "sql"


@cache
def read(relpath: str) -> str:
    """Return the text of ``sql/<relpath>`` (e.g. ``"queries/overview_headline.sql"``)."""
    return (SQL_DIR / relpath).read_text(encoding="utf-8")


def install_dashboard_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Store the macros the dashboard's queries use (``sql/dashboard_macros.sql``) in a
    build's database, where read-only connections find them."""
    con.execute(read("dashboard_macros.sql"))


def install_macros(con: duckdb.DuckDBPyConnection, record_key_salt: str | None = None) -> None:
    """Create the temp macros in ``sql/macros.sql`` that the models use.

    With ``record_key_salt`` (hex digits, see ``pipelines/record_keys.py``) also
    ``cm_rkey(id)``, the record key 0-255 of a pseudonym for cell-key perturbation. Temp
    macros live only on the build's connection, so the salt is never stored.
    """
    con.execute(read("macros.sql"))
    if record_key_salt is not None:
        con.execute(rkey_macro(record_key_salt))


def rkey_macro(record_key_salt: str) -> str:
    """The statement creating ``cm_rkey(id)`` for a record-key salt (see :func:`install_macros`)."""
    if not re.fullmatch(r"[0-9a-f]{16,128}", record_key_salt):
        raise ValueError("the record-key salt must be hex digits")
    return (f"create or replace temp macro cm_rkey(id) as "
            f"(md5_number('{record_key_salt}' || id) & 255::uhugeint)::integer;")
