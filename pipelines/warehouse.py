"""Where builds live, and the pointer that says which one is served.

DuckDB lets one process write a file or many read it, never both, and a file replaced
under the same path can be served stale. So every build writes a new file in
``builds/``; when it is complete and closed, ``CURRENT`` (a one-line text file) is
atomically replaced to name it. Readers follow ``CURRENT`` when they open a
connection; a reader still holding an old build keeps a valid file until it closes.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

from contextmap import settings

POINTER = "CURRENT"


def warehouse_dir() -> Path:
    """The configured warehouse folder (``CONTEXTMAP_WAREHOUSE`` overrides the settings)."""
    env = os.environ.get("CONTEXTMAP_WAREHOUSE")
    return Path(env) if env else settings.resolve(settings.get("warehouse", "dir"))


def current_build(directory: Path | None = None) -> Path | None:
    """The database file ``CURRENT`` names, or None before the first build."""
    directory = directory or warehouse_dir()
    try:
        name = (directory / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    path = directory / "builds" / name
    return path if path.exists() else None


def new_build_path(directory: Path) -> Path:
    """A fresh, unique file name for the next build."""
    (directory / "builds").mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return directory / "builds" / f"{stamp}-{uuid.uuid4().hex[:8]}.duckdb"


def publish(directory: Path, build: Path) -> None:
    """Point ``CURRENT`` at ``build`` atomically (write, fsync, rename)."""
    tmp = directory / f".{POINTER}.{uuid.uuid4().hex}"
    with open(tmp, "w") as fh:
        fh.write(build.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, directory / POINTER)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def clean_up(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` builds (never the current one) and stale partial files.

    Readers that still hold a deleted build keep reading it: on POSIX the file lives
    until its last handle closes.
    """
    builds = directory / "builds"
    current = current_build(directory)
    done = sorted(builds.glob("*.duckdb"), key=lambda p: p.name, reverse=True)
    removed = []
    for path in done[keep:]:
        if path != current:
            path.unlink(missing_ok=True)
            removed.append(path)
    for partial in builds.glob("*.building*"):
        if not _owner_alive(partial):
            partial.unlink(missing_ok=True)
            removed.append(partial)
    return removed


def _owner_alive(partial: Path) -> bool:
    """A partial build is named ``<id>.building.<pid>``; it is stale once that process is gone."""
    try:
        pid = int(partial.name.rsplit(".", 1)[-1])
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
