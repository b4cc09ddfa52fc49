"""What builds each table of a build: the one place to look it up.

A table is built by exactly one thing: an SQL file (``sql/<layer>/<table>.sql``, one
SELECT named after the table) or one Python function. Geography comes first, then
ingest, then the steps of ``pipelines/steps.py`` in order, then the build's own record.
A staging table is built by the staging SQL of its contract source, run over each file
(``sql/staging/stg_offences.sql``); other formats of the same data have their own file
beside it (``stg_offences_police_uk.sql``), and ``rejects`` and ``file_loads`` are written
by the ingest load itself.
``docs/data-model.md`` prints the builder of every table from here, and
``tests/test_registry.py`` checks each table has exactly one builder and that no SQL
model reads a table built after it.
"""

from __future__ import annotations

from pipelines import geography
from pipelines.ingest import schema, staging
from pipelines.ingest.sources import SOURCES
from pipelines.step_types import Sql
from pipelines.steps import STEPS

INGEST = "pipelines.ingest:load_inputs"
BUILD_INFO = "pipelines.build:write_build_info"
# Tables SQL files read that no build keeps (loaded, read and dropped during the build).
TRANSIENT = geography.TRANSIENT + staging.TRANSIENT


def builders() -> list[tuple[str, str]]:
    """(table, builder) in build order; a builder is ``sql/<path>`` or ``module:function``."""
    out = [(t, "pipelines.geography:load_geography") for t in geography.PY_TABLES]
    out += [(t, f"sql/staging/{t}.sql") for t in geography.SQL_TABLES]
    out += [(s.target, f"sql/{staging.path(s.staging)}") for s in SOURCES
            if s.staging == s.target and s.target in schema.TABLES]
    out += [(t, INGEST) for t in ("rejects", "file_loads")]
    for step in STEPS:
        builder = f"sql/{step.path}" if isinstance(step, Sql) else step.target
        out += [(t, builder) for t in step.tables]
    return [*out, ("build_info", BUILD_INFO)]


def built_by() -> dict[str, str]:
    """Table → its builder."""
    return dict(builders())
