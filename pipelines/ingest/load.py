"""Load every input file into the staging tables, rejects and file_loads.

Sources load in dependency order (``sources.SOURCES``: places before anything naming a
place, episodes before return home interviews); within a source, files load in the order
``files.discover`` gives. Each file is staged by its source's SQL file
(``sql/staging/<staging>.sql``, see ``staging.py``) into ``staged``; its accepted rows go
to the source's target table, where a record whose key repeats one from an earlier file
replaces it (the later file's notes say how many). Every data row ends up accepted or in
``rejects``. Each file is pseudonymised with its data owner's key, and its rows that
carry a person pseudonym record that owner (``owner_code``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from contextmap import settings
from pipelines import pseudonym
from pipelines.ingest import checks, schema, sqlparts, staging
from pipelines.ingest.cache import Cache
from pipelines.ingest.errors import IngestError
from pipelines.ingest.files import InputFile, RawFile, discover, read_file
from pipelines.ingest.mapping import Mapping
from pipelines.ingest.owners import Owners
from pipelines.ingest.source import Source
from pipelines.ingest.sources import BY_NAME, SOURCES

STAGED = staging.STAGED
LOAD_ORDER = [s.name for s in SOURCES]


@dataclass
class FileResult:
    """What happened to one input file."""

    name: str
    table: str | None
    file_format: str = ""
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    first_date: object = None
    last_date: object = None
    unresolved_postcodes: int = 0
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    cached: bool = False  # its checked rows came from the parse cache


def run(con: duckdb.DuckDBPyConnection, inputs: list[Path], keys: pseudonym.Keys, mapping: Mapping,
        progress=print, stop_on_error: bool = True, cache_dir: Path | None = None) -> list[FileResult]:
    """Ingest ``inputs`` into ``con``, each file with its owner's key from ``keys``; return one
    result per file (errors included).

    With ``cache_dir``, files unchanged since an earlier run are not parsed again (see cache.py).
    """
    sqlparts.install(con)
    schema.create_empty(con)
    cache = Cache(cache_dir, con)
    area = settings.current().geography.name
    sources = Owners.configured().assign(discover(inputs, mapping))
    results: list[FileResult] = []
    with tempfile.TemporaryDirectory(prefix="contextmap-ingest-") as work:
        work_dir = Path(work)
        pending: list[tuple[InputFile, RawFile | None]] = []
        for i, src in enumerate(sources):
            raw = None
            if src.table is None:
                # Not named like a contract file: read it now to recognise it by its header.
                try:
                    raw = read_file(con, src, f"raw_{i}", work_dir, mapping.columns_for)
                except IngestError as exc:
                    results.append(FileResult(src.name, None, error=str(exc)))
                    continue
                if src.table is None:
                    if src.explicit:
                        results.append(FileResult(src.name, None, raw.file_format, error=_unrecognised(src, raw)))
                    con.execute(f"drop table if exists raw_{i}")
                    continue
            pending.append((src, raw))
        pending.sort(key=lambda pair: LOAD_ORDER.index(pair[0].table))
        for i, (src, raw) in enumerate(pending):
            key = keys.key(src.owner)
            result = _load_file(con, src, raw, f"raw_p{i}", work_dir, mapping,
                                {**pseudonym.sql_params(key), "area": area, "file_key": src.path.stem}, key, cache)
            results.append(result)
            if result.error is None:
                progress(f"  {src.name}: {result.rows_read:,} rows read, {result.rows_accepted:,} accepted, "
                         f"{result.rows_rejected:,} rejected{' (unchanged: reused from the cache)' if result.cached else ''}")
    con.execute(f"drop table if exists {STAGED}")
    errors = [r for r in results if r.error]
    if errors and stop_on_error:
        raise IngestError("\n".join(r.error for r in errors))
    _write_file_loads(con, [r for r in results if r.error is None])
    schema.sort_all(con)
    if not errors:
        cache.prune()
    return results


def _unrecognised(src: InputFile, raw: RawFile) -> str:
    found = ", ".join(raw.original_headers[:20]) or "(no columns)"
    return (f"{src.name}: not recognised as any contract table (name it missing_episodes, return_home_interviews, "
            f"offences, places or disruption_actions, or use a column mapping); columns found: {found}")


def _load_file(con, src: InputFile, raw: RawFile | None, raw_table: str, work_dir: Path, mapping: Mapping,
               params: dict, key: bytes, cache: Cache) -> FileResult:
    source = BY_NAME[src.table]
    cached_view = False
    try:
        entry = cache.entry(con, src.name, src.path, source, mapping.columns_for(source.name), key)
        meta = cache.load(con, entry, writable=bool(source.rechecks)) if entry else None
        cached_view = meta is not None and not source.rechecks
        if meta is not None:
            result = FileResult(src.name, source.name, meta["file_format"], meta["rows_read"], notes=meta["notes"],
                                cached=True)
            _recheck(con, source)
            _finish(con, src, source, [tuple(r) for r in meta["reader_rejects"]], result, params)
            return result
        if raw is None:
            raw = read_file(con, src, raw_table, work_dir, mapping.columns_for)
        result = FileResult(src.name, source.name, raw.file_format, raw.rows_read, notes=list(raw.notes))
        problem = source.column_problem(raw.columns)
        if problem:
            result.error = f"{src.name} ({source.label}): {problem}; columns found: {', '.join(raw.original_headers) or '(none)'}"
            return result
        known = set(source.columns) | set(source.ignored)
        extra = [h for h, c in zip(raw.original_headers, raw.names) if c not in known]
        if extra:
            result.notes.append(f"ignored columns not in the contract: {', '.join(extra)}")
        # No sort by row: every row keeps its number in _row, and sorting ten million rows
        # cost more than staging them.
        staging.stage(con, source, raw.table_sql, raw.columns, params)
        if entry:
            cache.save(con, entry, {"file_format": raw.file_format, "rows_read": raw.rows_read,
                                    "notes": result.notes, "reader_rejects": raw.reader_rejects})
        _recheck(con, source)
        _finish(con, src, source, raw.reader_rejects, result, params)
        return result
    except IngestError as exc:
        return FileResult(src.name, src.table, error=str(exc))
    finally:
        if cached_view:
            con.execute(f"drop view {STAGED}")
        con.execute(f"drop table if exists {raw_table}")
        if raw is not None:
            con.execute(f"drop table if exists {raw.table_sql}")


def _recheck(con, source: Source) -> None:
    """Checks against files that change month by month: run on every load, cached or not."""
    for check in source.rechecks:
        con.execute(f"update {STAGED} set _errs = list_append(_errs, {checks.render(source, check)}) "
                    f"where {check.cond}")


def _finish(con, src: InputFile, source: Source, reader_rejects: list, result: FileResult, params: dict) -> None:
    """Write rejects, replace/insert accepted rows, and fill in the file's counts."""
    con.execute(
        f"""insert into rejects
        select ?, ?, _row, e.column_name, e.value, e.reason
        from (select _row, unnest(_errs) as e from {STAGED} where len(_errs) > 0)""",
        [src.name, source.name],
    )
    if reader_rejects:
        con.executemany("insert into rejects values (?, ?, ?, ?, null, ?)",
                        [(src.name, source.name, row, col, reason) for row, col, reason in reader_rejects])
    rejected = con.execute(f"select count(*) from {STAGED} where len(_errs) > 0").fetchone()[0] + len(reader_rejects)
    stats = con.execute(f"""select min(_date), max(_date), coalesce(sum(_unresolved), 0),
                                   list_sort(flatten(list(_unresolved_districts) filter (where _unresolved > 0)))
                            from {STAGED}""").fetchone()
    result.first_date, result.last_date = stats[0], stats[1]
    result.unresolved_postcodes = int(stats[2])
    if stats[3]:
        counts: dict[str, int] = {}
        for d in stats[3]:
            counts[d] = counts.get(d, 0) + 1
        shown = ", ".join(f"{d} ({n})" for d, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15])
        result.notes.append(f"postcodes not found in the area's postcode list, by district: {shown}")
    other = _open_codes_other(con)
    if other:
        result.notes.append(f"{other:,} codes not in ContextMap's lists (push or pull factors, action or offence "
                            "types) were recorded as OTHER; the codes themselves are not kept")
    accepted, replaced = _insert(con, f"{STAGED} where len(_errs) = 0", source.target, source.key, src)
    if replaced:
        result.notes.append(f"{replaced:,} records replaced rows with the same id loaded from earlier files")
    for derived in source.derived:
        staging.run(con, derived.staging, "derived", params)
        made, _ = _insert(con, "derived", derived.target, derived.key, src)
        con.execute("drop table derived")
        result.notes.append(derived.note.format(n=made))
    _count_notes(con, source, result)
    result.rows_rejected = rejected
    result.rows_accepted = result.rows_read - rejected
    if accepted != result.rows_accepted:
        raise IngestError(f"{src.name}: internal count mismatch ({accepted} accepted of {result.rows_read} read, "
                          f"{rejected} rejected); please report this.")


def _open_codes_other(con) -> int:
    """How many values of open vocabularies in accepted rows were recorded as OTHER."""
    if "_other" not in {c for (c,) in con.execute(f"select column_name from (describe {STAGED})").fetchall()}:
        return 0
    return int(con.execute(f"select coalesce(sum(_other), 0) from {STAGED} where len(_errs) = 0").fetchone()[0])


def _insert(con, rows: str, target: str, key: str, src: InputFile) -> tuple[int, int]:
    """Insert ``rows`` (a table, with any WHERE) of the file ``src`` into ``target``, replacing
    rows with the same ``key`` loaded from earlier files; return (inserted, replaced)."""
    cols = schema.columns(target)
    given = {"source_file": src.name, "owner_code": src.owner}
    select = ", ".join(f"${c}::varchar as {c}" if c in given else "_row as source_row" if c == "source_row" else c
                       for c in cols)
    replaced = 0
    if con.execute(f"select count(*) > 0 from {target}").fetchone()[0]:
        new_keys = f"select {key} from {rows}"
        replaced = con.execute(f"select count(*) from {target} where {key} in ({new_keys})").fetchone()[0]
        if replaced:
            con.execute(f"delete from {target} where {key} in ({new_keys})")
    inserted = con.execute(f"insert into {target} select {select} from {rows}",
                           {c: v for c, v in given.items() if c in cols}).fetchone()[0]
    return inserted, replaced


def _count_notes(con, source: Source, result: FileResult) -> None:
    """The source's own notes, each counting accepted rows that meet its condition."""
    if not source.notes:
        return
    counts = con.execute("select " + ", ".join(f"count(*) filter (where {cond})" for cond, _ in source.notes)
                         + f" from {STAGED} where len(_errs) = 0").fetchone()
    result.notes += [note.format(n=n) for (_, note), n in zip(source.notes, counts) if n]


def _write_file_loads(con, results: list[FileResult]) -> None:
    con.executemany(
        "insert into file_loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r.name, r.table, r.file_format, r.rows_read, r.rows_accepted, r.rows_rejected, r.first_date, r.last_date,
          r.unresolved_postcodes, "; ".join(r.notes) or None) for r in results],
    )
