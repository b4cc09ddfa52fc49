"""The two kinds of build step (a SQL model file or a Python function) and what a build
tells them besides the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines import record_keys

# Ends the progress line of a background step (the benchmark reads it).
BACKGROUND_NOTE = " in the background"


@dataclass(frozen=True)
class Sql:
    """A SQL model: ``sql/<path>`` holds one SELECT and builds the table named after the file."""

    path: str

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.path.rsplit("/", 1)[-1].removesuffix(".sql"),)


@dataclass(frozen=True)
class BuildContext:
    """What a build tells its steps: the build before this one (so "Group 7" stays Group 7)
    and the record-key salt of the cell-key perturbation (from the pseudonymisation key)."""

    previous_db: Path | None = None
    record_key_salt: str = record_keys.DEMO_SALT


@dataclass(frozen=True)
class Py:
    """A Python step: the function ``module:function(con)`` builds ``tables``; a function
    with a ``context`` parameter is also given the :class:`BuildContext`.

    A ``background`` step runs on its own connection while the steps after it run; the
    runner waits for it before the first later step whose SQL file or Python module names
    one of its tables. For work that leaves cores idle (single-threaded Python).
    """

    target: str
    tables: tuple[str, ...]
    background: bool = False
