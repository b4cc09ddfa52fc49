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
deleted line in the middle breaks the chain. An insider who can write the file could
still re-hash every line after an edit, or cut records off either end; so the head of
the chain is anchored outside the log. The administrator's ``python -m contextmap.audit
checkpoint`` (from cron) appends to a separate anchor file, and to the system log, the
number of records, the hash of the first and of the last line, signed with an HMAC key
(``CONTEXTMAP_AUDIT_KEY_FILE``) that only the administrator's account can read: the
dashboard never has it. :func:`verify` checks the chain and every checkpoint, and
reports any line that is blank or not a record as tampering, with its line number.
Records written after the last checkpoint are protected by the chain alone until the
next one.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import hmac
import json
import os
import re
import sys
import syslog
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from contextmap import settings

EVENTS = ("sign_in", "page_view", "drilldown", "export", "prune")
ENV = "CONTEXTMAP_AUDIT_LOG"
ANCHOR_ENV = "CONTEXTMAP_AUDIT_ANCHOR"
KEY_ENV = "CONTEXTMAP_AUDIT_KEY_FILE"
GENESIS = "0" * 64
COLUMNS = ["time", "user", "role", "event", "page", "filters", "what", "rows", "justification", "recipient", "method",
           "content"]
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
    return Path(env) if env else settings.current().audit.log


def anchor_path() -> Path:
    """The checkpoint file (``CONTEXTMAP_AUDIT_ANCHOR``, else ``[audit] anchor``), kept apart from the log."""
    env = os.environ.get(ANCHOR_ENV)
    return Path(env) if env else settings.current().audit.anchor


def load_key() -> bytes:
    """The checkpoint signing key from the file ``CONTEXTMAP_AUDIT_KEY_FILE`` names (administrator only)."""
    name = os.environ.get(KEY_ENV)
    if not name:
        raise PermissionError(f"Set {KEY_ENV} to the audit key file (readable only by the administrator's account).")
    key = Path(name).read_bytes().strip()
    if len(key) < 32:
        raise PermissionError(f"The audit key in {name} is too short: use at least 32 random bytes "
                              '(python -c "import secrets; print(secrets.token_hex(32))").')
    return key


def retention_days() -> int:
    """Days records are kept (``[audit] retention_days``)."""
    return settings.current().audit.retention_days


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
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
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
    user: str, role: str, page_id: str, what: str, rows: int, justification: str, recipient: str, filters: dict,
    content: str | None = None,
) -> dict:
    """An export of ``rows`` rows of table ``what``; refused (:class:`ExportRefused`) without a reason or recipient.

    ``content`` is the export's fingerprint (``export.fingerprint``): which exact file the reason covers.
    """
    why, to = _clean(justification), _clean(recipient)
    if not why:
        raise ExportRefused("An export needs a justification: say why it is needed.")
    if not to:
        raise ExportRefused("An export needs a recipient: say who it is for.")
    return _append({
        **_base(user, role, "export", page_id, filters),
        "what": _clean(what), "rows": int(rows), "justification": why, "recipient": to,
        **({"content": _clean(content)} if content else {}),
    })


def _records(path: Path):
    """Every record of the log; a line that is not a record is skipped here (:func:`verify` reports it)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and isinstance(rec.get("time"), str):
                    yield rec
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


def _hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _lines(path: Path) -> list[bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    return lines[:-1] if lines[-1] == b"" else lines


def _sign(key: bytes, entry: dict) -> str:
    body = json.dumps({k: entry[k] for k in ("time", "count", "first", "head", "prev_mac")}, sort_keys=True)
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _anchors(path: Path) -> tuple[list[dict], list[str]]:
    entries, problems = [], []
    for number, line in enumerate(_lines(path), start=1):
        try:
            entry = json.loads(line)
            if not all(k in entry for k in ("time", "count", "first", "head", "prev_mac", "mac")):
                raise ValueError
        except ValueError:
            problems.append(f"Checkpoint file line {number} is not a checkpoint: the checkpoint file was altered.")
            continue
        entries.append(entry)
    return entries, problems


@dataclass
class Verdict:
    """What :func:`verify` found: problems in plain English (each naming a line), and what was checked."""

    records: int = 0
    checkpoints: int = 0
    signed: bool = False  # checkpoint signatures checked with the key
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> str:
        """The verdict as the command line and the Audit page say it."""
        if self.problems:
            return "The audit log was altered:\n" + "\n".join(f"  {p}" for p in self.problems)
        signed = "signed and checked" if self.signed else "not signature-checked (no key here)"
        return (f"The audit log is intact: {self.records:,} records, {self.checkpoints:,} checkpoints ({signed}).")


def verify(path: Path | None = None, anchor: Path | None = None, key: bytes | None = None) -> Verdict:
    """Check the log: every line a record, each chained to the one before, and each checkpoint.

    A checkpoint says how many records the log held and the hashes of its first and last
    line then: cutting records off either end, or editing one and re-hashing the rest,
    no longer matches it. With ``key`` the checkpoints' signatures are checked too
    (without it, a forged checkpoint file would go unnoticed). Never raises on a
    damaged file: damage is reported with its line number.
    """
    lines = _lines(path or log_path())
    verdict = Verdict(records=len(lines), signed=key is not None)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            verdict.problems.append(f"Line {number} is blank: a record was removed or the file was edited.")
            continue
        try:
            rec = json.loads(line)
            prev = rec.get("prev") if isinstance(rec, dict) else None
        except ValueError:
            verdict.problems.append(f"Line {number} is not a JSON record: the file was edited.")
            continue
        if prev is None:
            verdict.problems.append(f"Line {number} has no chain hash: it was not written by ContextMap.")
        elif number > 1 and prev != _hash(lines[number - 2]):
            verdict.problems.append(f"Line {number} does not follow line {number - 1}: a record between them, "
                                    f"or line {number - 1} itself, was edited or deleted.")
    entries, problems = _anchors(anchor or anchor_path())
    verdict.problems += problems
    verdict.checkpoints = len(entries)
    previous_mac = GENESIS
    for entry in entries:
        when = entry["time"]
        if key is not None and (entry["prev_mac"] != previous_mac or not hmac.compare_digest(entry["mac"], _sign(key, entry))):
            verdict.problems.append(f"The checkpoint of {when} is not signed with the audit key, or one before it "
                                    "was removed: the checkpoint file was altered.")
        previous_mac = entry["mac"]
        count = int(entry["count"])
        if count > len(lines):
            verdict.problems.append(f"The checkpoint of {when} counted {count:,} records; the log now holds "
                                    f"{len(lines):,}: records after line {len(lines):,} were deleted.")
        elif count and (_hash(lines[0]) != entry["first"] or _hash(lines[count - 1]) != entry["head"]):
            where = "line 1" if _hash(lines[0]) != entry["first"] else f"line {count}"
            verdict.problems.append(f"The log no longer matches the checkpoint of {when} at {where} (it then held "
                                    f"{count:,} records): records up to line {count} were edited or deleted.")
    return verdict


def checkpoint(key: bytes, path: Path | None = None, anchor: Path | None = None) -> dict:
    """Sign the log's current head into the checkpoint file and the system log (administrator only).

    Refuses (:class:`ValueError`) when the log does not verify: a checkpoint must never
    bless a tampered log.
    """
    path, anchor = path or log_path(), anchor or anchor_path()
    found = verify(path, anchor, key)
    if not found.ok:
        raise ValueError(found.report())
    lines = _lines(path)
    entries, _ = _anchors(anchor)
    entry = {"time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
             "count": len(lines), "first": _hash(lines[0]) if lines else GENESIS,
             "head": _hash(lines[-1]) if lines else GENESIS, "prev_mac": entries[-1]["mac"] if entries else GENESIS}
    entry["mac"] = _sign(key, entry)
    anchor.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(anchor, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    # A second copy where the log's writer cannot reach it (forward syslog to your SIEM).
    syslog.syslog(syslog.LOG_AUTHPRIV | syslog.LOG_NOTICE,
                  f"contextmap-audit checkpoint count={entry['count']} head={entry['head']} mac={entry['mac']}")
    return entry


def prune(days: int | None = None, path: Path | None = None, now: datetime | None = None,
          key: bytes | None = None, anchor: Path | None = None) -> int:
    """Remove records older than ``days`` (default ``[audit] retention_days``); an admin command only.

    The log must verify first (with the audit ``key``). The kept lines are unchanged
    (their chain still verifies), a 'prune' record is appended saying how many were
    removed, the old checkpoints (which counted the removed lines) are replaced by one
    of the pruned log. Returns that number.
    """
    path, anchor = path or log_path(), anchor or anchor_path()
    key = key if key is not None else load_key()
    found = verify(path, anchor, key)
    if not found.ok:
        raise ValueError(found.report())
    days = retention_days() if days is None else days
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="seconds")
    cutoff = cutoff.replace("+00:00", "Z")
    lines = _lines(path)
    keep = [ln for ln in lines if json.loads(ln)["time"] >= cutoff]
    removed = len(lines) - len(keep)
    if removed:
        tmp = path.with_name(f".{path.name}.prune")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.writelines(ln + b"\n" for ln in keep)
        os.replace(tmp, path)
        _append({**_base("admin-command", "admin", "prune", None, None), "rows": removed,
                 "what": f"records before {cutoff}"})
        anchor.unlink(missing_ok=True)
        checkpoint(key, path, anchor)
    return removed


def main(argv: list[str] | None = None) -> int:
    """``python -m contextmap.audit verify|checkpoint|prune [--days N]`` (administrator's commands)."""
    parser = argparse.ArgumentParser(prog="python -m contextmap.audit", description="Administer the audit log.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prune", help="remove records older than the retention period")
    p.add_argument("--days", type=int, help="override [audit] retention_days")
    sub.add_parser("verify", help="check that no record was edited, added or deleted (checks signatures with the key)")
    sub.add_parser("checkpoint", help=f"sign the log's current head into the checkpoint file (needs {KEY_ENV})")
    args = parser.parse_args(argv)
    try:
        if args.command == "prune":
            print(f"Removed {prune(args.days):,} records from {log_path()}.")
            return 0
        if args.command == "checkpoint":
            entry = checkpoint(load_key())
            print(f"Checkpoint written to {anchor_path()}: {entry['count']:,} records.")
            return 0
        key = load_key() if os.environ.get(KEY_ENV) else None
    except (OSError, ValueError) as exc:
        print(f"ContextMap audit: {exc}", file=sys.stderr)
        return 1
    found = verify(key=key)
    print(found.report())
    if key is None:
        print(f"(Set {KEY_ENV} to also check the checkpoints' signatures.)")
    return 0 if found.ok else 1


if __name__ == "__main__":
    sys.exit(main())
