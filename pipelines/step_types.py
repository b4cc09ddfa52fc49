"""The two kinds of build step: a SQL model file or a Python function."""

from __future__ import annotations

from dataclasses import dataclass

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
class Py:
    """A Python step: the function ``module:function(con)`` builds ``tables``.

    A ``background`` step runs on its own connection while the steps after it run; the
    runner waits for it before the first later step whose SQL file or Python module names
    one of its tables. For work that leaves cores idle (single-threaded Python).
    """

    target: str
    tables: tuple[str, ...]
    background: bool = False
