"""What builds each table of a build: the one place to look it up.

A table is built by exactly one thing: an SQL file (``sql/<layer>/<table>.sql``, one
SELECT named after the table) or one Python function. Geography comes first, then
ingest, then the steps of ``pipelines/steps.py`` in order, then the build's own record.
``docs/data-model.md`` prints the builder of every table from here, and
``tests/test_registry.py`` checks each table has exactly one builder and that no SQL
model reads a table built after it.
"""

from __future__ import annotations

from pipelines import geography
from pipelines.ingest import schema
from pipelines.step_types import Sql
from pipelines.steps import STEPS

INGEST = "pipelines.ingest:load_inputs"
BUILD_INFO = "pipelines.build:write_build_info"


def builders() -> list[tuple[str, str]]:
    """(table, builder) in build order; a builder is ``sql/<path>`` or ``module:function``."""
    out = [(t, "pipelines.geography:load_geography") for t in geography.PY_TABLES]
    out += [(t, f"sql/staging/{t}.sql") for t in geography.SQL_TABLES]
    out += [(t, INGEST) for t in schema.TABLES]
    for step in STEPS:
        builder = f"sql/{step.path}" if isinstance(step, Sql) else step.target
        out += [(t, builder) for t in step.tables]
    return [*out, ("build_info", BUILD_INFO)]


def built_by() -> dict[str, str]:
    """Table → its builder."""
    return dict(builders())
