"""Access to the SQL files in ``sql/`` (models and the dashboard's queries)."""

from __future__ import annotations

from functools import lru_cache

import duckdb

from contextmap.settings import ROOT

SQL_DIR = ROOT / "sql"


@lru_cache(maxsize=None)
def read(relpath: str) -> str:
    """Return the text of ``sql/<relpath>`` (e.g. ``"queries/overview_headline.sql"``)."""
    return (SQL_DIR / relpath).read_text(encoding="utf-8")


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temp macros in ``sql/macros.sql`` that the models use."""
    con.execute(read("macros.sql"))
