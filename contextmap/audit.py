"""The audit log: who looked at or exported what, when and why (DPA 2018 s.62).

One JSON object per line in a file outside the served database (``CONTEXTMAP_AUDIT_LOG``,
else ``[audit] log`` in contextmap.toml). The dashboard only ever *appends*
(:func:`record_sign_in`, :func:`record_page_view`, :func:`record_drilldown`,
:func:`record_export`) and *reads* (:func:`read_log`); nothing it calls can change or
delete a record. Old records are removed only by the administrator's command
``python -m contextmap.audit prune``, which applies ``[audit] retention_days``.

A record holds the time (UTC), user, role, event, page, the filters in force and, for
drill-downs and exports, the stated justification (and for exports the recipient and
the table and row count). It never holds child-level data: no pseudonyms, no row
contents; 16-hex-digit tokens typed into a justification are removed.

Each record carries ``prev``, the SHA-256 of the line before it, so an edit or a
deleted line anywhere breaks the chain (:func:`verify_chain`).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import sys
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from contextmap import settings

EVENTS = ("sign_in", "page_view", "drilldown", "export", "prune")
ENV = "CONTEXTMAP_AUDIT_LOG"
GENESIS = "0" * 64
COLUMNS = ["time", "user", "role", "event", "page", "filters", "what", "rows", "justification", "recipient", "method"]
_MAX_TEXT = 500
_PSEUDONYM = re.compile(r"\b[0-9a-fA-F]{16}\b")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_lock = threading.Lock()


class JustificationRequired(ValueError):
    """A drill-down or export was attempted without saying why (or, for exports, to whom)."""


class ExportRefused(JustificationRequired):
    """An export without a justification or recipient: refused and not written."""


class DrilldownRefused(JustificationRequired):
    """A drill-down without a justification: refused."""


def log_path() -> Path:
    """The audit log file in force."""
    env = os.environ.get(ENV)
    return Path(env) if env else settings.resolve(settings.get("audit", "log"))


def retention_days() -> int:
    """Days records are kept (``[audit] retention_days``)."""
    return int(settings.get("audit", "retention_days"))


def _clean(text: str | None) -> str:
    """Free text as stored: one line, bounded, with anything shaped like a pseudonym removed."""
    text = _CONTROL.sub(" ", str(text or "")).strip()
    return _PSEUDONYM.sub("[removed]", text)[:_MAX_TEXT]


def _plain(filters: dict | None) -> dict:
    """Filters as plain JSON values (dates as ISO text)."""
    return json.loads(json.dumps(filters or {}, default=str, sort_keys=True))


def _last_line(path: Path) -> bytes | None:
    # Read only the tail: the log may be large.
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            chunk = min(size, 65536)
            fh.seek(size - chunk)
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return None
    return lines[-1] if lines else None


def _append(record: dict) -> dict:
    """Append one record (chained to the line before it); the only way anything is written."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            last = _last_line(path)
            record = {**record, "prev": hashlib.sha256(last).hexdigest() if last else GENESIS}
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return record


def _base(user: str, role: str | None, event: str, page: str | None, filters: dict | None) -> dict:
    return {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "user": _clean(user),
        "role": role,
        "event": event,
        "page": page,
        "filters": _plain(filters),
    }


def record_sign_in(user: str, role: str | None, method: str) -> dict:
    """A sign-in (or a failed one: ``role`` None, method e.g. 'local-failed')."""
    return _append({**_base(user, role, "sign_in", None, None), "method": _clean(method)})


def record_page_view(user: str, role: str, page_id: str, filters: dict) -> dict:
    """A page shown, with the filters in force."""
    return _append(_base(user, role, "page_view", page_id, filters))


def record_drilldown(user: str, role: str, page_id: str, what: str, justification: str, filters: dict) -> dict:
    """Pseudonymised rows shown to an analyst; refused (:class:`DrilldownRefused`) without a reason."""
    why = _clean(justification)
    if not why:
        raise DrilldownRefused("Say why you need to see these records before they are shown.")
    return _append({**_base(user, role, "drilldown", page_id, filters), "what": _clean(what), "justification": why})


def record_export(
    user: str, role: str, page_id: str, what: str, rows: int, justification: str, recipient: str, filters: dict
) -> dict:
    """An export of ``rows`` rows of table ``what``; refused (:class:`ExportRefused`) without a reason or recipient."""
    why, to = _clean(justification), _clean(recipient)
    if not why:
        raise ExportRefused("An export needs a justification: say why it is needed.")
    if not to:
        raise ExportRefused("An export needs a recipient: say who it is for.")
    return _append({
        **_base(user, role, "export", page_id, filters),
        "what": _clean(what), "rows": int(rows), "justification": why, "recipient": to,
    })


def _records(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)
    except FileNotFoundError:
        return


def read_log(
    user: str | None = None,
    event: str | None = None,
    since: date | None = None,
    until: date | None = None,
    path: Path | None = None,
) -> pd.DataFrame:
    """Records matching the filters, newest first, as a table (read-only).

    ``since`` and ``until`` are inclusive UTC dates; ``filters`` is shown as JSON text.
    """
    rows = []
    for rec in _records(path or log_path()):
        day = rec["time"][:10]
        if user and rec.get("user") != user:
            continue
        if event and rec.get("event") != event:
            continue
        if since and day < since.isoformat():
            continue
        if until and day > until.isoformat():
            continue
        rows.append({c: rec.get(c) for c in COLUMNS})
    df = pd.DataFrame(rows[::-1], columns=COLUMNS)  # file order reversed: newest first within a second
    df["filters"] = df["filters"].map(lambda f: json.dumps(f, sort_keys=True) if isinstance(f, dict) and f else "")
    df["time"] = pd.to_datetime(df["time"], utc=True)
    return df.sort_values("time", ascending=False, kind="stable").reset_index(drop=True)


def verify_chain(path: Path | None = None) -> int | None:
    """The 1-based number of the first line whose ``prev`` does not match, or None if intact.

    The first line's ``prev`` is not checked (after a prune it names a removed line).
    """
    previous = None
    try:
        with open(path or log_path(), "rb") as fh:
            for number, line in enumerate(fh, start=1):
                line = line.rstrip(b"\n")
                if previous is not None and json.loads(line).get("prev") != hashlib.sha256(previous).hexdigest():
                    return number
                previous = line
    except FileNotFoundError:
        return None
    return None


def prune(days: int | None = None, path: Path | None = None, now: datetime | None = None) -> int:
    """Remove records older than ``days`` (default ``[audit] retention_days``); an admin command only.

    The kept lines are unchanged (their chain still verifies) and a 'prune' record is
    appended saying how many were removed. Returns that number.
    """
    path = path or log_path()
    days = retention_days() if days is None else days
    cutoff = ((now or datetime.now(timezone.utc)) - timedelta(days=days)).isoformat(timespec="seconds")
    cutoff = cutoff.replace("+00:00", "Z")
    with open(path, "rb") as fh:
        lines = fh.read().splitlines(keepends=True)
    keep = [ln for ln in lines if ln.strip() and json.loads(ln)["time"] >= cutoff]
    removed = len([ln for ln in lines if ln.strip()]) - len(keep)
    if removed:
        tmp = path.with_name(f".{path.name}.prune")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.writelines(keep)
        os.replace(tmp, path)
        _append({**_base("admin-command", "admin", "prune", None, None), "rows": removed,
                 "what": f"records before {cutoff}"})
    return removed


def main(argv: list[str] | None = None) -> int:
    """``python -m contextmap.audit prune [--days N]`` or ``verify``."""
    parser = argparse.ArgumentParser(prog="python -m contextmap.audit", description="Administer the audit log.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prune", help="remove records older than the retention period")
    p.add_argument("--days", type=int, help="override [audit] retention_days")
    sub.add_parser("verify", help="check that no record was edited or deleted")
    args = parser.parse_args(argv)
    if args.command == "prune":
        print(f"Removed {prune(args.days)} records from {log_path()}.")
        return 0
    bad = verify_chain()
    print("The audit log is intact." if bad is None else f"The audit log was altered at line {bad}.")
    return 0 if bad is None else 1


if __name__ == "__main__":
    sys.exit(main())
