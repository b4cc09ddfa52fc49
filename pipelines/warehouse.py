"""Where builds live, the pointer that says which one is served, and safe reading.

DuckDB lets one process write a file or many read it, never both, and a file replaced
under the same path can be served stale. So every build writes a new file in
``builds/``; when it is complete, checkpointed, closed and synced, ``CURRENT`` (a
one-line text file) is atomically replaced to name it. Readers follow ``CURRENT`` when
they open a session and keep that file for the whole session, so they never see a mix
of two builds.

Each build has a ``<build>.readers`` lock file: readers hold a shared ``flock`` on it
while their connection is open, and clean-up deletes an old build only when it can
take the lock exclusively, so a build in use is never removed. Builders take an
exclusive lock on ``.build.lock`` so two builds never race to publish.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from contextmap import settings

POINTER = "CURRENT"
BUILD_LOCK = ".build.lock"
READERS = ".readers"
_PARTIAL = re.compile(r"\.building\.(\d+)")
_CRASH_COUNT = 0


class NoBuild(FileNotFoundError):
    """There is no published build to read yet."""


def warehouse_dir() -> Path:
    """The configured warehouse folder (``CONTEXTMAP_WAREHOUSE`` overrides the settings)."""
    env = os.environ.get("CONTEXTMAP_WAREHOUSE")
    return Path(env) if env else settings.resolve(settings.get("warehouse", "dir"))


def crash_point(label: str) -> None:
    """Fault injection for the rebuild-safety tests; does nothing unless asked.

    ``CONTEXTMAP_CRASH_TRACE=FILE`` appends every point's label to FILE;
    ``CONTEXTMAP_CRASH_AT=N`` kills the process with SIGKILL at the N-th point (1-based),
    the way a power cut or the OOM killer would, with no clean-up code running.
    """
    global _CRASH_COUNT
    _CRASH_COUNT += 1
    trace = os.environ.get("CONTEXTMAP_CRASH_TRACE")
    if trace:
        first_line = label.strip().splitlines()[0] if label.strip() else ""
        with open(trace, "a") as fh:
            fh.write(f"{_CRASH_COUNT}\t{first_line}\n")
    if os.environ.get("CONTEXTMAP_CRASH_AT") == str(_CRASH_COUNT):
        os.kill(os.getpid(), signal.SIGKILL)


def _read_pointer(directory: Path) -> str | None:
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
    name = _read_pointer(directory)
    if name is None:
        return None
    path = directory / "builds" / name
    return path if path.exists() else None


def new_build_path(directory: Path) -> Path:
    """A fresh, unique file name for the next build (names sort in build order)."""
    (directory / "builds").mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    return directory / "builds" / f"{stamp}-{uuid.uuid4().hex[:8]}.duckdb"


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(directory: Path, build: Path) -> None:
    """Point ``CURRENT`` at ``build`` atomically.

    The build file and its folder are synced first, so after a power cut ``CURRENT``
    never names a file whose contents did not reach the disk; then the pointer is
    written to a temporary file, synced and renamed over ``CURRENT``.
    """
    _fsync_path(build)
    _fsync_path(build.parent)
    (build.parent / (build.name + READERS)).touch()
    tmp = directory / f".{POINTER}.{uuid.uuid4().hex}"
    with open(tmp, "w") as fh:
        fh.write(build.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    crash_point("publish: new pointer written, not yet switched")
    os.replace(tmp, directory / POINTER)
    _fsync_path(directory)


@contextmanager
def build_lock(directory: Path, progress=print):
    """Hold the warehouse's builder lock: one build at a time publishes into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / BUILD_LOCK, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("Another build is running in this warehouse; waiting for it to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


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
            if _read_pointer(directory) is None:
                raise NoBuild(f"no build has been published in {directory}")
            continue
        try:
            return open_build(path)
        except FileNotFoundError:
            continue
    raise NoBuild(f"the current build in {directory} kept changing; try again")


def _published(builds: Path) -> list[Path]:
    """Completed build files, newest first."""
    return sorted(
        (p for p in builds.glob("*.duckdb") if ".building." not in p.name),
        key=lambda p: (p.stat().st_mtime_ns, p.name),
        reverse=True,
    )


def _remove_if_unused(path: Path) -> bool:
    """Delete a build and its side files unless a reader holds its lock."""
    lock_path = path.parent / (path.name + READERS)
    fd = os.open(lock_path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        lock_path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def _owner_alive(partial: Path) -> bool:
    """A partial build is named ``<id>.building.<pid>[.wal]``; it is stale once that process is gone."""
    match = _PARTIAL.search(partial.name)
    if not match:
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_up(directory: Path, keep: int) -> list[Path]:
    """Remove what builds left behind; call with the builder lock held.

    Keeps the current build and the newest ``keep`` builds at or before it; removes
    older builds nobody is reading (a build in use is left for a later clean-up),
    complete builds newer than ``CURRENT`` (a build killed between finishing and
    publishing), partial files of dead builds and stray pointer temporaries.
    """
    builds = directory / "builds"
    if not builds.is_dir():
        return []
    current = current_build(directory)
    done = _published(builds)
    removed: list[Path] = []
    if current in done:
        position = done.index(current)
        orphans, kept_candidates = done[:position], done[position:]
    else:
        orphans, kept_candidates = [], done
    for path in orphans + kept_candidates[max(keep, 1):]:
        if path != current and _remove_if_unused(path):
            removed.append(path)
    for partial in builds.glob("*.building.*"):
        if not _owner_alive(partial):
            partial.unlink(missing_ok=True)
            removed.append(partial)
    for lock in builds.glob("*" + READERS):
        if not lock.with_name(lock.name.removesuffix(READERS)).exists():
            lock.unlink(missing_ok=True)
    for tmp in directory.glob(f".{POINTER}.*"):
        tmp.unlink(missing_ok=True)
        removed.append(tmp)
    return removed


def _volatile(column: str) -> bool:
    """Columns that differ between two builds of the same input by design: when it was built."""
    return column.endswith("built_at")


def _continuity(column: str) -> bool:
    """Columns that say what the previous build held (e.g. whether a peer group was seen before)."""
    return "previous" in column


def table_hashes(con: duckdb.DuckDBPyConnection, ignore_previous: bool = False) -> dict[str, str]:
    """MD5 of every table's rows (sorted), so two builds can be compared table by table.

    Build-time columns (``*built_at``) are left out, and with ``ignore_previous`` so are
    columns describing the previous build (``*previous*``), for comparing a first build
    with a rebuild of the same input.
    """
    con.execute("set enable_progress_bar = false")
    tables = [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' order by table_name"
    ).fetchall()]
    hashes = {}
    for table in tables:
        cols = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_name = ? and table_schema = 'main' "
            "order by ordinal_position", [table]
        ).fetchall() if not _volatile(c) and not (ignore_previous and _continuity(c))]
        row = "row(" + ", ".join(f'"{c}"' for c in cols) + ")::varchar" if cols else "''"
        hashes[table] = con.execute(
            f'select md5(coalesce(string_agg(r, chr(10) order by r), \'\')) from (select {row} as r from "{table}")'
        ).fetchall()[0][0]
    return hashes
