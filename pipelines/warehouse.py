"""Publishing builds: the builder's side of the warehouse (reading is ``contextmap/builds.py``).

DuckDB lets one process write a file or many read it, never both, and a file replaced
under the same path can be served stale. So every build writes a new file in
``builds/``; when it is complete, checkpointed, closed and synced, ``CURRENT`` (a
one-line text file) is atomically replaced to name it. Clean-up deletes an old build
only when it can take its reader lock exclusively, so a build in use is never removed.
Builders take an exclusive lock on ``.build.lock`` so two builds never race to publish.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from contextmap.builds import POINTER, READERS, current_build

BUILD_LOCK = ".build.lock"
_PARTIAL = re.compile(r"\.building\.(\d+)")
_CRASH_COUNT = 0


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


def new_build_path(directory: Path) -> Path:
    """A fresh, unique file name for the next build (names sort in build order)."""
    (directory / "builds").mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
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
            if partial.is_dir():  # a build that spilled to disk leaves its ``<partial>.tmp`` folder
                shutil.rmtree(partial, ignore_errors=True)
            else:
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
