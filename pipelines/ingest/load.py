"""Load every input file into the staging tables, rejects and file_loads.

Tables load in dependency order (places before anything naming a place, episodes before
return home interviews); within a table, files load in the order ``files.discover``
gives. A record whose id repeats one from an earlier file replaces it; the later file's
notes say how many were replaced. Every data row ends up accepted or in ``rejects``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines import pseudonym
from pipelines.ingest import contract, police_uk, schema, sqlparts, ssd
from pipelines.ingest.cache import Cache
from pipelines.ingest.errors import IngestError
from pipelines.ingest.files import InputFile, RawFile, discover, read_file
from pipelines.ingest.mapping import Mapping

ORDER = ["places", "ssd_person", "missing_episodes", "ssd_missing", "disruption_actions", "offences", "police_uk",
         "return_home_interviews"]
TARGET = {
    "places": "stg_places",
    "missing_episodes": "stg_missing_episodes",
    "ssd_missing": "stg_missing_episodes",
    "disruption_actions": "stg_disruption_actions",
    "offences": "stg_offences",
    "police_uk": "stg_offences",
    "return_home_interviews": "stg_return_home_interviews",
    "ssd_person": None,
}
STAGERS = {
    "places": contract.stage_places,
    "missing_episodes": contract.stage_missing_episodes,
    "disruption_actions": contract.stage_disruption_actions,
    "offences": contract.stage_offences,
    "return_home_interviews": contract.stage_return_home_interviews,
    "ssd_person": ssd.stage_person,
    "ssd_missing": ssd.stage_missing,
}


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


def run(con: duckdb.DuckDBPyConnection, inputs: list[Path], key: bytes, mapping: Mapping,
        progress=print, stop_on_error: bool = True, cache_dir: Path | None = None) -> list[FileResult]:
    """Ingest ``inputs`` into ``con``; return one result per file (errors included).

    With ``cache_dir``, files unchanged since an earlier run are not parsed again (see cache.py).
    """
    sqlparts.install(con)
    schema.create_empty(con)
    ssd.create_people(con)
    cache = Cache(cache_dir, con, key)
    params = pseudonym.sql_params(key)
    sources = discover(inputs, mapping)
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
        pending.sort(key=lambda pair: ORDER.index(pair[0].table))
        for i, (src, raw) in enumerate(pending):
            result = _load_file(con, src, raw, f"raw_p{i}", work_dir, mapping, params, cache)
            results.append(result)
            if result.error is None:
                progress(f"  {src.name}: {result.rows_read:,} rows read, {result.rows_accepted:,} accepted, "
                         f"{result.rows_rejected:,} rejected{' (unchanged: reused from the cache)' if result.cached else ''}")
    con.execute("drop table if exists out")
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
               params: dict, cache: Cache) -> FileResult:
    cached_view = False
    try:
        entry = cache.entry(con, src.name, src.path, src.table, mapping.columns_for(src.table)) if src.table else None
        recheck = src.table in OTHER_FILE_CHECKS
        meta = cache.load(con, entry, writable=recheck) if entry else None
        cached_view = meta is not None and not recheck
        if meta is not None:
            result = FileResult(src.name, src.table, meta["file_format"], meta["rows_read"], notes=meta["notes"],
                                cached=True)
            _other_file_checks(con, src.table)
            _finish(con, src, [tuple(r) for r in meta["reader_rejects"]], result, params)
            return result
        if raw is None:
            raw = read_file(con, src, raw_table, work_dir, mapping.columns_for)
        table = src.table
        result = FileResult(src.name, table, raw.file_format, raw.rows_read, notes=list(raw.notes))
        spec = contract.COLUMNS[table]
        missing = [c for c in spec["required"] if c not in raw.columns]
        if table == "police_uk" and "lsoa_code" not in missing and "crime_id" in missing:
            missing.remove("crime_id")  # some exports drop the (often blank) Crime ID column
        if missing:
            found = ", ".join(raw.original_headers) or "(none)"
            result.error = (f"{src.name} ({_label(table)}): missing required column(s) {', '.join(missing)}; "
                            f"columns found: {found}")
            return result
        known = set(spec["required"]) | set(spec["optional"]) | set(spec.get("known", []))
        extra = [h for h, c in zip(raw.original_headers, raw.names) if c not in known]
        if extra:
            result.notes.append(f"ignored columns not in the contract: {', '.join(extra)}")
        if table == "missing_episodes" and "age" not in raw.columns and "date_of_birth" not in raw.columns:
            result.error = (f"{src.name} (missing episodes): needs an age or date_of_birth column; "
                            f"columns found: {', '.join(raw.original_headers)}")
            return result
        if table == "police_uk":
            sql = police_uk.stage(raw.table_sql, raw.columns, Path(src.name).stem)
        else:
            sql = STAGERS[table](raw.table_sql, raw.columns)
        # No sort by row: every row keeps its number in _row, and sorting ten million rows
        # cost more than staging them.
        con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
        _file_checks(con, table)
        if entry:
            cache.save(con, entry, {"file_format": raw.file_format, "rows_read": raw.rows_read,
                                    "notes": result.notes, "reader_rejects": raw.reader_rejects})
        _other_file_checks(con, table)
        _finish(con, src, raw.reader_rejects, result, params)
        return result
    except IngestError as exc:
        return FileResult(src.name, src.table, error=str(exc))
    finally:
        if cached_view:
            con.execute("drop view out")
        con.execute(f"drop table if exists {raw_table}")
        if raw is not None:
            con.execute(f"drop table if exists {raw.table_sql}")


def _label(table: str) -> str:
    return table.replace("_", " ")


def _add_error(con, where: str, column: str, reason: str, value: str = "null::varchar") -> None:
    con.execute(f"""update out set _errs = list_append(_errs, {{'column_name': {contract.q(column)},
                    'value': {value}, 'reason': {contract.q(reason)}}}) where {where}""")


def _file_checks(con, table: str) -> None:
    """Checks against the places file (part of what the cache keeps: its key covers the places)."""
    place_col = {"missing_episodes": "found_place_id", "offences": "place_id", "disruption_actions": "place_id"}
    if table in place_col:
        _add_error(con, "_place_ref is not null and _place_ref not in (select place_id from stg_places)",
                   place_col[table], f"{place_col[table]} is not in the places file", "cm_mask(_place_ref)")
    if table == "return_home_interviews":
        _resolve_mentions(con)


OTHER_FILE_CHECKS = {"return_home_interviews"}


def _other_file_checks(con, table: str) -> None:
    """Checks against files that change month by month, re-run even for a cached file."""
    if table == "return_home_interviews":
        _add_error(con, "episode_key not in (select episode_key from stg_missing_episodes)", "episode_id",
                   "episode_id is not in any missing_episodes file loaded (RHI for an unknown episode)")


def _resolve_mentions(con) -> None:
    """Replace the raw places_mentioned tokens of ``out`` by place ids and postcode sectors/LSOAs
    (``_m_*`` columns), so no raw mention outlives this step."""
    con.execute("""
        create or replace temp table mentions as
        with tokens as (
            select _row, unnest(_mentions) as token from out
        ),
        classified as (
            select t._row, t.token, p.place_id, cm_pc(t.token) as pc,
                p.place_id is null and cm_pc_ok(cm_pc(t.token)) as is_postcode
            from tokens as t left join stg_places as p on p.place_id = t.token
        )
        select c._row,
            list_sort(list(c.place_id) filter (where c.place_id is not null)) as places,
            list(coalesce(g.sector, cm_pc_sector(c.pc)) order by c.pc) filter (where c.is_postcode) as sectors,
            list(g.lsoa_code order by c.pc) filter (where c.is_postcode) as lsoas,
            count(*) filter (where c.place_id is null and not c.is_postcode) as unknown,
            count(*) filter (where c.is_postcode and g.postcode is null) as unresolved,
            list(cm_pc_district(c.pc)) filter (where c.is_postcode and g.postcode is null) as districts
        from classified as c left join geo_postcode as g on g.postcode = c.pc
        group by c._row
    """)
    _add_error(con, "_row in (select _row from mentions where unknown > 0)", "places_mentioned",
               "places_mentioned names something that is neither a place_id in the places file nor a postcode")
    con.execute("""
        create or replace temp table out as
        select o.* exclude (_mentions), coalesce(m.places, []) as _m_places, coalesce(m.sectors, []) as _m_sectors,
            coalesce(m.lsoas, []) as _m_lsoas, coalesce(m.unresolved, 0) as _m_unresolved,
            coalesce(m.districts, []) as _m_districts
        from out as o left join mentions as m using (_row)
    """)
    con.execute("drop table mentions")


def _finish(con, src: InputFile, reader_rejects: list, result: FileResult, params: dict) -> None:
    """Write rejects, replace/insert accepted rows, and fill in the file's counts."""
    table = src.table
    con.execute(
        """insert into rejects
        select ?, ?, _row, e.column_name, e.value, e.reason
        from (select _row, unnest(_errs) as e from out where len(_errs) > 0)""",
        [src.name, table],
    )
    if reader_rejects:
        con.executemany("insert into rejects values (?, ?, ?, ?, null, ?)",
                        [(src.name, table, row, col, reason) for row, col, reason in reader_rejects])
    rejected = con.execute("select count(*) from out where len(_errs) > 0").fetchone()[0] + len(reader_rejects)
    stats = con.execute("""select min(_date), max(_date), coalesce(sum(_unresolved), 0),
                                  list_sort(flatten(list(_unresolved_districts) filter (where _unresolved > 0)))
                           from out""").fetchone()
    result.first_date, result.last_date = stats[0], stats[1]
    result.unresolved_postcodes = int(stats[2])
    districts = list(stats[3] or [])
    if table == "return_home_interviews":
        extra = con.execute("select coalesce(sum(_m_unresolved), 0), flatten(list(_m_districts) filter (where _m_unresolved > 0)) "
                            "from out").fetchone()
        result.unresolved_postcodes += int(extra[0])
        districts += [d for d in (extra[1] or []) if d]
    if districts:
        counts: dict[str, int] = {}
        for d in districts:
            counts[d] = counts.get(d, 0) + 1
        shown = ", ".join(f"{d} ({n})" for d, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15])
        result.notes.append(f"postcodes not found in the area's postcode list, by district: {shown}")
    other = _open_codes_other(con)
    if other:
        result.notes.append(f"{other:,} codes not in ContextMap's lists (push or pull factors, action or offence "
                            "types) were recorded as OTHER; the codes themselves are not kept")
    accepted = _insert(con, table, src.name, result, params)
    result.rows_rejected = rejected
    result.rows_accepted = result.rows_read - rejected
    if accepted != result.rows_accepted:
        raise IngestError(f"{src.name}: internal count mismatch ({accepted} accepted of {result.rows_read} read, "
                          f"{rejected} rejected); please report this.")


def _open_codes_other(con) -> int:
    """How many values of open vocabularies in accepted rows were recorded as OTHER."""
    if "_other" not in {c for (c,) in con.execute("select column_name from (describe out)").fetchall()}:
        return 0
    return int(con.execute("select coalesce(sum(_other), 0) from out where len(_errs) = 0").fetchone()[0])


def _insert(con, table: str, name: str, result: FileResult, params: dict) -> int:
    """Insert the accepted rows of ``out``, replacing records repeated from earlier files."""
    if table == "ssd_person":
        con.execute(f"delete from {ssd.PEOPLE} where person_key in (select person_key from out where len(_errs) = 0)")
        con.execute(f"insert into {ssd.PEOPLE} select person_key, sex, ethnicity, dob from out where len(_errs) = 0")
        return con.execute("select count(*) from out where len(_errs) = 0").fetchone()[0]
    target = TARGET[table]
    key = schema.KEYS[target]
    cols = schema.columns(target)
    has_source = "source_file" in cols
    select = ", ".join(
        "?::varchar as source_file" if c == "source_file" else "_row as source_row" if c == "source_row" else c
        for c in cols
    )
    if table == "return_home_interviews":
        select = select.replace("places_mentioned", "_m_places as places_mentioned")
        select = select.replace("sectors_mentioned", "_m_sectors as sectors_mentioned")
        select = select.replace("lsoas_mentioned", "_m_lsoas as lsoas_mentioned")
    args = [name] if has_source else []
    if con.execute(f"select count(*) > 0 from {target}").fetchone()[0]:
        new_keys = f"select {key} from out where len(_errs) = 0"
        replaced = con.execute(f"select count(*) from {target} where {key} in ({new_keys})").fetchone()[0]
        if replaced:
            con.execute(f"delete from {target} where {key} in ({new_keys})")
            result.notes.append(f"{replaced:,} records replaced rows with the same id loaded from earlier files")
    n = con.execute(f"insert into {target} select {select} from out where len(_errs) = 0", args).fetchone()[0]
    if table == "ssd_missing":
        _ssd_extras(con, name, result, params)
    if table == "police_uk":
        mapped = con.execute("select count(*) from out where len(_errs) = 0 and _mapped").fetchone()[0]
        if mapped:
            result.notes.append(f"{mapped:,} rows carried 2021 LSOA codes, mapped to 2011 LSOAs by postcode overlap")
    return n


def _ssd_extras(con, name: str, result: FileResult, params: dict) -> None:
    """RHI rows from the SSD flags, and notes on what the SSD extract could not give."""
    con.execute(f"create or replace temp table ssd_rhi as {ssd.rhi_rows()}", params)
    con.execute("delete from stg_return_home_interviews where rhi_key in (select rhi_key from ssd_rhi)")
    con.execute("insert into stg_return_home_interviews select * exclude (_row), ?, _row from ssd_rhi", [name])
    n_rhi, no_person, unknown_accept = con.execute("""
        select (select count(*) from ssd_rhi),
               count(*) filter (where not _has_person),
               count(*) filter (where _offered and _accepted is null)
        from out where len(_errs) = 0""").fetchone()
    con.execute("drop table ssd_rhi")
    result.notes.append(f"{n_rhi:,} RHI records made from the offered/accepted flags (no times: not in the 72-hour measure)")
    if no_person:
        result.notes.append(f"{no_person:,} episodes have no ssd_person row (age, sex and ethnicity unknown)")
    if unknown_accept:
        result.notes.append(f"{unknown_accept:,} episodes had an RHI offered but acceptance not recorded (no RHI record made)")


def _write_file_loads(con, results: list[FileResult]) -> None:
    con.executemany(
        "insert into file_loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r.name, r.table, r.file_format, r.rows_read, r.rows_accepted, r.rows_rejected, r.first_date, r.last_date,
          r.unresolved_postcodes, "; ".join(r.notes) or None) for r in results],
    )

