"""Reading builds: which one is served, and a read-only connection that keeps it.

Every build is a file in ``<warehouse>/builds/``; ``CURRENT`` (a one-line text file)
names the one served. Readers follow ``CURRENT`` when they open a session and keep that
file for the whole session, so they never see a mix of two builds. Each build has a
``<build>.readers`` lock file: a reader holds a shared ``flock`` on it while its
connection is open, and the builder's clean-up (``pipelines/warehouse.py``) deletes an
old build only when it can take that lock exclusively, so a build in use is never
removed. The dashboard and the builder both read builds through this module.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import duckdb

from contextmap import settings

POINTER = "CURRENT"
READERS = ".readers"


class NoBuild(FileNotFoundError):
    """There is no published build to read yet."""


def warehouse_dir() -> Path:
    """The configured warehouse folder (``CONTEXTMAP_WAREHOUSE`` overrides the settings)."""
    env = os.environ.get("CONTEXTMAP_WAREHOUSE")
    return Path(env) if env else settings.current().warehouse.dir


def read_pointer(directory: Path) -> str | None:
    """The build file name ``CURRENT`` holds, or None (no pointer, or one naming a file outside builds/)."""
    try:
        name = (directory / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    # A pointer only ever names a file inside builds/.
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    return name


def current_build(directory: Path | None = None) -> Path | None:
    """The database file ``CURRENT`` names, or None before the first build."""
    directory = directory or warehouse_dir()
    name = read_pointer(directory)
    if name is None:
        return None
    path = directory / "builds" / name
    return path if path.exists() else None


class Reader:
    """A read-only connection to one build, holding that build's reader lock until closed.

    Use as a context manager, or call ``close()``. Every query through ``con`` reads the
    same build file, whatever is published meanwhile.
    """

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, lock_fd: int | None):
        self.path = path
        self.con = con
        self._lock_fd = lock_fd

    def close(self) -> None:
        """Close the connection, then release the build for clean-up."""
        if self.con is not None:
            self.con.close()
            self.con = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        self.close()


def open_build(path: Path) -> Reader:
    """Open ``path`` read-only, first taking its shared reader lock.

    Raises FileNotFoundError if the build was removed before the lock was taken (the
    lock is checked after it is held, so a build cannot vanish between check and open).
    """
    path = Path(path)
    lock_fd = _open_lock(path.parent / (path.name + READERS))
    try:
        if lock_fd is not None:
            fcntl.flock(lock_fd, fcntl.LOCK_SH)
        if not path.exists():
            raise FileNotFoundError(f"build {path.name} was removed")
        con = duckdb.connect(str(path), read_only=True)
    except BaseException:
        if lock_fd is not None:
            os.close(lock_fd)
        raise
    return Reader(path, con, lock_fd)


def _open_lock(lock_path: Path) -> int | None:
    """The reader lock's descriptor; None on a read-only warehouse, where nothing is ever cleaned up."""
    try:
        return os.open(lock_path, os.O_RDONLY | os.O_CREAT, 0o644)
    except FileNotFoundError:
        raise
    except OSError:
        try:
            return os.open(lock_path, os.O_RDONLY)
        except OSError:
            return None


def open_current(directory: Path | None = None, attempts: int = 5) -> Reader:
    """Open the build ``CURRENT`` names, following the pointer again if it moved meanwhile."""
    directory = directory or warehouse_dir()
    for _ in range(attempts):
        path = current_build(directory)
        if path is None:
            if read_pointer(directory) is None:
                raise NoBuild(f"no build has been published in {directory}")
            continue
        try:
            return open_build(path)
        except FileNotFoundError:
            continue
    raise NoBuild(f"the current build in {directory} kept changing; try again")
