"""What ingest knows about one input source: the descriptor every adapter fills in.

A source is a contract table (docs/contract.md), police.uk's street-level CSV or a
Standard Safeguarding Dataset table. Its descriptor says how a file of it is recognised,
which columns it has and which of them are private, the SELECT that checks and stages one
file (committed as ``sql/staging/<staging>.sql``), and the table and key its accepted
rows go to. ``load.py`` treats every source alike through these fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One way a row can be rejected: ``cond`` (SQL, true for a bad row) gives ``reason``
    (an SQL expression) against ``column``. ``value`` is the SQL shown in ``rejects.value``;
    None means the source's default (see ``checks.render``)."""

    cond: str
    column: str
    reason: str
    value: str | None = None


@dataclass(frozen=True)
class Derived:
    """Rows of another table made from a file's accepted rows by ``sql/staging/<staging>.sql``
    (``select()``, which reads ``staged``); ``note`` (with ``{n}``) tells the file's notes how many."""

    select: Callable[[], str]
    staging: str
    target: str
    key: str
    note: str


@dataclass(frozen=True)
class Source:
    """One input source: recognition, columns, privacy, staging SQL, target table and key."""

    name: str  # rejects.table_name and file_loads.table_name; a mapping's table name
    file_name: str  # regex matched at the start of a file's lower-case stem
    signature: frozenset[str]  # header columns that identify the source when the file name does not
    columns: tuple[str, ...]  # every column read, in contract order; the first is checked for a repeated header
    required: tuple[str, ...]  # columns a file must have
    select: Callable[[Source], str]  # SQL text of the staging SELECT, written to sql/staging/<staging>.sql
    staging: str  # stem of the staging SQL file
    target: str  # the table accepted rows go to
    key: str  # its record id: a later file's row with the same key replaces the earlier one
    one_of: tuple[str, ...] = ()  # a file must have at least one of these columns
    ignored: tuple[str, ...] = ()  # published columns ContextMap does not need (not noted as extra)
    private: frozenset[str] = frozenset()  # values never shown in rejects, not even as a shape
    postcodes: frozenset[str] = frozenset()  # rejects show only the district of these
    cacheable: bool = True  # its staged rows may be kept in the parse cache
    reads_places: bool = False  # its staging SQL reads stg_places (so the cache key covers the places)
    rechecks: tuple[Check, ...] = ()  # checks against files that change month by month, run even on cached rows
    derived: tuple[Derived, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()  # (condition on accepted rows, note with {n}) added when n > 0

    @property
    def label(self) -> str:
        """The source's name in messages (``missing episodes``)."""
        return self.name.replace("_", " ")

    def named(self, stem: str) -> bool:
        """Whether a file's name (its lower-case stem) announces this source."""
        return re.match(self.file_name, stem) is not None

    def column_problem(self, present: list[str]) -> str | None:
        """Why a file with columns ``present`` cannot be used at all, or None."""
        missing = [c for c in self.required if c not in present]
        if missing:
            return f"missing required column(s) {', '.join(missing)}"
        if self.one_of and not set(self.one_of) & set(present):
            return f"needs an {' or '.join(self.one_of)} column"
        return None
