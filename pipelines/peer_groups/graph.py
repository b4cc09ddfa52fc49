"""The association graph: who went missing together, offended together or named each other.

The SQL (``associations.sql`` beside this module) takes its window, weights and excluded
roles from ``contextmap.toml`` as bound parameters, which is why it runs as a Python
step rather than a plain SQL model.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.peer_groups.config import Config

SQL = Path(__file__).with_name("associations.sql")


def build(con: duckdb.DuckDBPyConnection, config: Config | None = None) -> None:
    """Create ``int_associations`` (one row per linked pair, ``person_a < person_b``)."""
    config = config or Config.from_settings()
    params = {
        "window_hours": config.window_hours,
        "w_missing": config.weight("missing_together"),
        "w_offending": config.weight("co_offending"),
        "w_rhi": config.weight("rhi_named"),
        "excluded_roles": list(config.excluded_roles),
    }
    con.execute("create or replace table int_associations as\n" + SQL.read_text(encoding="utf-8"), params)
