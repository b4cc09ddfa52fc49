"""Per-file parse cache: a rebuild after adding one month's file re-parses only that file.

Each cacheable file's staged output (the ``staged`` table of ``staging.py``: pseudonymised,
minimised columns, its row numbers and reject reasons) is kept as Parquet with a small
JSON of the file's counts and notes. Never raw text: rejected rows keep only their row
number, reasons and the bookkeeping columns, and the raw ``places_mentioned`` tokens are
resolved to place ids, sectors and LSOAs before anything is written.

An entry's name is a SHA-256 of everything the staged output depends on: the file's
bytes and name, the table and column mapping, the ingest code (every source file of
``pipelines/ingest``, ``pipelines/pseudonym.py`` and the staging SQL it runs), the fingerprint of
the file's owner's key (an HMAC of a constant, never the key), the geography and, for tables naming places, the set of
place ids loaded. Checks that depend on other files that change month by month (an RHI
needs a known episode) are re-run on every load, cached or not. A file with a row
rejected as "in the future" is not cached, since that depends on the day of the build.
SSD extracts (``ssd_person`` holds dates of birth) are never cached.

Entries hold pseudonymised rows, so only the build account may read them: the folder is
created owner-only (0700) and every file written owner-only (0600).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from pathlib import Path

import duckdb

from contextmap import builds, settings
from contextmap.sqlfiles import SQL_DIR
from pipelines.ingest.source import Source
from pipelines.ingest.staging import STAGED

# Columns every cached entry keeps for rejected rows too (no input values in any of them;
# episode_key is what the RHI recheck reads).
BOOKKEEPING = {"_row", "_date", "_unresolved", "_unresolved_districts", "_errs", "episode_key"}
MAX_UNUSED_DAYS = 30
_INGEST = Path(__file__).parent


def code_files() -> list[Path]:
    """The code a staged file depends on: ingest's modules, pseudonymisation and the staging SQL."""
    return [*sorted(_INGEST.rglob("*.py")), _INGEST.parent / "pseudonym.py",
            *sorted((SQL_DIR / "staging").glob("stg_*.sql"))]


def code_version() -> str:
    """Digest of the ingest code: any change to it invalidates every cache entry."""
    digest = hashlib.sha256(b"contextmap-ingest-cache-v1")
    for path in code_files():
        digest.update(path.relative_to(SQL_DIR.parent).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def key_fingerprint(key: bytes) -> str:
    """HMAC of a constant under the key: identifies the key without revealing it."""
    return hmac.new(key, b"contextmap-ingest-cache-key-fingerprint", hashlib.sha256).hexdigest()[:16]


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


class Cache:
    """The cache folder for one ingest run (``None`` folder: caching off)."""

    def __init__(self, folder: Path | None, con: duckdb.DuckDBPyConnection):
        self.folder = Path(folder) if folder else None
        self.version = code_version()
        self.used: set[str] = set()
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.folder, 0o700)  # also when an older build created it world-readable
            self._base = {"code": self.version, "geo": _geo_fingerprint(con)}

    def entry(self, con, name: str, path: Path, source: Source, renames: dict[str, str], key: bytes) -> str | None:
        """The entry name for a file pseudonymised with ``key`` (its owner's), or None when it is not cacheable."""
        if self.folder is None or not source.cacheable:
            return None
        parts = {**self._base, "key": key_fingerprint(key), "file": file_digest(path), "name": name,
                 "table": source.name, "mapping": sorted(renames.items())}
        if source.reads_places:
            parts["places"] = con.execute(
                "select md5(coalesce(string_agg(place_id, chr(10) order by place_id), '')) from stg_places").fetchone()[0]
        digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]
        return f"{self.version}-{digest}"

    def load(self, con, entry: str, writable: bool) -> dict | None:
        """Make a cached entry ``staged``; return its metadata, or None on a miss.

        ``staged`` is a temp table when ``writable`` (later checks add rejects to it), else a
        temp view reading the Parquet directly (half the work: no copy before the insert);
        the caller drops the view.
        """
        meta_path, data_path = self._paths(entry)
        try:
            meta = json.loads(meta_path.read_text())
            if writable:
                con.execute(f"create or replace temp table {STAGED} as select * from read_parquet(?)",
                            [str(data_path)])
            else:
                con.execute(f"drop table if exists {STAGED}")  # the previous file's
                con.read_parquet(str(data_path)).create_view(STAGED, replace=True)
        except (OSError, ValueError, duckdb.Error):
            return None
        now = time.time()
        for p in (meta_path, data_path):
            try:
                os.utime(p, (now, now))  # marks the entry as in use for the clean-up
            except OSError:
                pass
        self.used.add(entry)
        return meta

    def save(self, con, entry: str, meta: dict) -> None:
        """Write ``staged`` (minus anything rejected rows held) and ``meta`` as ``entry``.

        The cache only saves time: if it cannot be written (disk full, a concurrent
        clean-up), the build carries on without it.
        """
        if _depends_on_today(con):
            return
        try:
            self._write(con, entry, meta)
        except (OSError, duckdb.Error):
            return
        self.used.add(entry)

    def _write(self, con, entry: str, meta: dict) -> None:
        meta_path, data_path = self._paths(entry)
        cols = [c for (c,) in con.execute(f"select column_name from (describe {STAGED})").fetchall()]
        select = ", ".join(f'"{c}"' if c in BOOKKEEPING else f'case when len(_errs) = 0 then "{c}" end as "{c}"'
                           for c in cols)
        tmp = data_path.with_name(f".{data_path.name}.{os.getpid()}")
        con.sql(f"select {select} from {STAGED}").write_parquet(str(tmp), compression="zstd")
        os.chmod(tmp, 0o600)
        os.replace(tmp, data_path)
        tmp_meta = meta_path.with_name(f".{meta_path.name}.{os.getpid()}")
        fd = os.open(tmp_meta, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(meta))
        os.replace(tmp_meta, meta_path)  # written last: an entry counts only once both files exist

    def prune(self) -> None:
        """Remove entries of other code versions, entries unused for a month, and temporary
        files a killed build left behind (after a day, so no running build's file is touched)."""
        if self.folder is None:
            return
        now = time.time()
        for path in self.folder.iterdir():
            stem = path.name.split(".")[0]
            try:
                age = now - path.stat().st_mtime
                if path.name.startswith("."):
                    stale = age > 86400
                else:
                    stale = not path.name.startswith(self.version) or (
                        stem not in self.used and age > MAX_UNUSED_DAYS * 86400)
                if stale:
                    path.unlink()
            except OSError:
                continue  # another build removed it first

    def _paths(self, entry: str) -> tuple[Path, Path]:
        return self.folder / f"{entry}.json", self.folder / f"{entry}.parquet"


def default_dir(warehouse_folder: Path | None = None) -> Path:
    """Where builds keep the cache: ``cache/ingest`` in the warehouse folder (default: the configured one)."""
    return Path(warehouse_folder or builds.warehouse_dir()) / "cache" / "ingest"


def _geo_fingerprint(con) -> str:
    """Digest of the geography staging resolves against (and the area's name)."""
    parts = [settings.current().geography.name]
    for table, cols in (("geo_postcode", "postcode, sector, district, lsoa_code, lat, lon"),
                        ("geo_lsoa", "lsoa_code"), ("geo_ward", "ward_code"), ("geo_sector", "sector"),
                        ("geo_lsoa21_to_lsoa11", "lsoa21_code, lsoa11_code, share")):
        parts.append(con.execute(
            f"select md5(coalesce(string_agg(concat_ws('|', {cols}), chr(10) order by {cols}), '')) from {table}"
        ).fetchone()[0])
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _depends_on_today(con) -> bool:
    return con.execute(f"""select count(*) > 0 from (select unnest(_errs) as e from {STAGED} where len(_errs) > 0)
                          where e.reason like '% is in the future'""").fetchone()[0]
