"""Find input files, recognise which table each holds, and load each into an all-text table.

Every file becomes a temporary DuckDB table of VARCHAR columns named in the contract's
spelling, plus ``_row`` (the data row number: 1 is the first row after the header).
CSV goes through DuckDB's parallel reader; XLSX through openpyxl/pandas; Parquet
through DuckDB. Lines the CSV reader cannot split into the header's columns become
file-level rejects, so every row read is accounted for.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.ingest import sources
from pipelines.ingest.errors import IngestError

if TYPE_CHECKING:
    import pandas as pd

EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet"}
READER_ERRORS = {
    "MISSING COLUMNS": "The line has fewer fields than the header (a truncated line or a missing comma).",
    "TOO MANY COLUMNS": "The line has more fields than the header (an unquoted comma or a stray field).",
    "UNQUOTED VALUE": "Unbalanced quote: a value opens a quote that is not closed, so this line could not be read.",
    "LINE SIZE OVER MAXIMUM": "The line is longer than the reader allows.",
    "INVALID UNICODE": "The line is not valid text in the file's encoding.",
    "CAST ERROR": "A value could not be read.",
}
MAX_LINE_BYTES = 20_000_000


@dataclass
class InputFile:
    """One input file and what is known about it before parsing."""

    path: Path
    name: str  # shown in reports: the path relative to the input folder
    table: str | None = None  # the name of the source it holds, once recognised
    explicit: bool = False  # named on the command line (not found in a folder)
    folders: tuple[str, ...] = ()  # the folders it is in, from the input folder's own name down
    owner: str = ""  # ONS code of the data owner whose key pseudonymises it (set by owners.assign)


@dataclass
class RawFile:
    """A file loaded as text: its temp table, columns and what the reader noticed."""

    source: InputFile
    table_sql: str  # name of the temp table holding the rows
    file_format: str
    columns: list[str]  # contract names present
    rows_read: int
    reader_rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)
    notes: list[str] = field(default_factory=list)
    original_headers: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the contract name given to each header


def normalise_header(name: object) -> str:
    """``' Start Date/Time '`` → ``'start_date_time'`` (case, spaces and punctuation folded)."""
    text = str(name if name is not None else "").replace("\ufeff", "").strip().lower()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def discover(inputs: list[Path], mapping=None) -> list[InputFile]:
    """Every recognisable file under ``inputs``, in load order (inputs in order, files sorted).

    Later files win when they repeat a record's id, so the order is part of the contract:
    within a folder, files are taken in sorted order of their path (monthly files named
    ``2024-01-…``, ``2024-02-…`` load oldest first).
    """
    named = (lambda p: mapping.table_for_file(p.name) or table_from_name(p)) if mapping else table_from_name
    found: list[InputFile] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS):
                relative = f.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                found.append(InputFile(f, relative.as_posix(), named(f),
                                       folders=(path.resolve().name, *relative.parts[:-1])))
        elif path.is_file():
            found.append(InputFile(path, path.name, named(path), explicit=True, folders=(path.resolve().parent.name,)))
        else:
            raise FileNotFoundError(f"Input {path} does not exist.")
    # The same name from two inputs would be ambiguous in reports: prefix the folder.
    names = [f.name for f in found]
    for f in found:
        if names.count(f.name) > 1:
            f.name = f"{f.path.parent.name}/{f.path.name}" if f.explicit else f"{f.path.parent.name}/{f.name}"
    return found


def table_from_name(path: Path) -> str | None:
    """The source a file name announces, or None."""
    source = sources.from_name(path.stem.lower())
    return source.name if source else None


def table_from_header(columns: list[str]) -> str | None:
    """The source a header (contract column names) identifies, or None."""
    source = sources.from_header(columns)
    return source.name if source else None


def file_format(path: Path) -> str:
    return EXTENSIONS.get(path.suffix.lower(), "csv")


# --- CSV -----------------------------------------------------------------------------

def _sniff_text(path: Path) -> tuple[str, str, str]:
    """(encoding for DuckDB, first line decoded, encoding label for the report)."""
    head = path.read_bytes()[:65536] if path.stat().st_size <= 65536 else _head(path)
    if not head.strip(b"\r\n\t \xef\xbb\xbf"):
        raise IngestError(f"{path.name}: the file is empty (no header row).")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", head.decode("utf-16", errors="replace").lstrip("\ufeff").splitlines()[0], "UTF-16"
    if head.startswith(b"PK\x03\x04"):
        raise IngestError(f"{path.name}: this is an Excel workbook saved with a .csv name; rename it to .xlsx.")
    if b"\0" in head:
        raise IngestError(f"{path.name}: this is not a text file (it contains binary data), so it cannot be read as CSV.")
    label = "UTF-8 with BOM" if head.startswith(b"\xef\xbb\xbf") else "UTF-8"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the 64 KB boundary
            label = "Windows-1252"
        text = head.decode("utf-8", errors="replace")
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return "utf-8", first, label


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(65536)


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    if counts[","]:
        return ","
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _transcode_cp1252(path: Path, work_dir: Path) -> Path:
    """A UTF-8 copy of a Windows-1252 file (what Excel writes as "CSV")."""
    out = work_dir / (path.name + ".utf8.csv")
    with open(path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(1 << 22):
            dst.write(chunk.decode("cp1252", errors="replace"))
    return out


def _read_csv(con, source: InputFile, table_sql: str, work_dir: Path, mapping_for) -> RawFile:
    encoding, first_line, label = _sniff_text(source.path)
    delim = _delimiter(first_line)
    headers = next(csv.reader(io.StringIO(first_line), delimiter=delim))
    notes = []
    if delim != ",":
        notes.append(f"separated by {'tab' if delim == chr(9) else repr(delim)} rather than commas")
    path = source.path
    if label == "Windows-1252":
        path = _transcode_cp1252(source.path, work_dir)
        notes.append("read as Windows-1252 (not UTF-8)")
    columns, renamed = _columns(headers, mapping_for, source)
    rejects_table, rejects_scan = f"{table_sql}_rej", f"{table_sql}_scan"
    con.execute(f"drop table if exists {rejects_table}; drop table if exists {rejects_scan}")
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"
    select = ", ".join(f"c{i} as \"{renamed[i]}\"" for i in range(len(headers)))
    con.execute(
        f"""create or replace temp table {table_sql}_lines as
        select row_number() over () as _rn, {select}
        from read_csv(?, header=true, delim=?, quote='"', escape='"', auto_detect=false,
                      columns={spec}, store_rejects=true, rejects_table='{rejects_table}',
                      rejects_scan='{rejects_scan}', max_line_size={MAX_LINE_BYTES}, encoding=?)""",
        [str(path), delim, encoding],
    )
    bad = con.execute(
        f"select distinct on (line) line, error_type::varchar, column_name from {rejects_table} order by line"
    ).fetchall()
    con.execute(f"drop table if exists {rejects_table}; drop table if exists {rejects_scan}")
    reader_rejects = [(int(line) - 1, "(whole line)", READER_ERRORS.get(kind, kind.title())) for line, kind, _ in bad]
    empty = _empty_lines(path) if encoding == "utf-8" else []
    bad_rows = sorted({r for r, _, _ in reader_rejects} | set(empty))
    # Rows the reader kept are numbered around the lines it rejected or skipped as empty,
    # so a row number is always the line in the file (less the header).
    con.execute(f"create or replace temp table {table_sql}_bad as select unnest(?::bigint[]) as r, unnest(range(1, ?)) as i",
                [bad_rows, len(bad_rows) + 1])
    con.execute(
        f"""create or replace temp table {table_sql} as
        select l._rn + (select count(*) from {table_sql}_bad as b where b.r - b.i < l._rn) as _row, l.* exclude (_rn)
        from {table_sql}_lines as l
        where not ({' and '.join(f'"{c}" is null' for c in renamed)})"""
        if bad_rows else
        f"""create or replace temp table {table_sql} as
        select _rn as _row, * exclude (_rn) from {table_sql}_lines
        where not ({' and '.join(f'"{c}" is null' for c in renamed)})"""
    )
    blank = len(empty) + con.execute(
        f"select (select count(*) from {table_sql}_lines) - (select count(*) from {table_sql})").fetchone()[0]
    con.execute(f"drop table {table_sql}_lines; drop table {table_sql}_bad")
    if blank:
        notes.append(f"{blank:,} empty rows skipped")
    rows = con.execute(f"select count(*) from {table_sql}").fetchone()[0] + len(reader_rejects)
    return RawFile(source, table_sql, "csv", [c for c in renamed if not c.startswith("_extra")], rows,
                   reader_rejects, notes, headers, renamed)


# A newline followed by an empty line (LF or CR LF); a lookahead, so runs of empty lines all count.
_BEFORE_EMPTY_LINE = re.compile(rb"\n(?=\r?\n)")


def _empty_line_starts(data: bytes, end: int) -> list[int]:
    """Where the empty lines of ``data[:end]`` start; ``data`` starts a line."""
    starts = [0] if data.startswith((b"\n", b"\r\n")) else []
    return starts + [m.start() + 1 for m in _BEFORE_EMPTY_LINE.finditer(data, 0, end)]


def _empty_lines(path: Path) -> list[int]:
    """Row numbers (the header is row 0) of the empty lines the CSV reader skips without a word.

    One scan of the raw bytes, about a second per 200 MB. (A blank line inside a quoted
    multi-line value would be counted too; exports rarely have one.)
    """
    rows, lines_before, carry = [], 0, b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            data = carry + chunk
            end = data.rfind(b"\n") + 1  # whole lines only; the rest waits for the next chunk
            counted, line = 0, lines_before
            for start in _empty_line_starts(data, end):
                line += data.count(b"\n", counted, start)
                counted = start
                rows.append(line)
            lines_before += data.count(b"\n", 0, end)
            carry = data[end:]
    return rows


def _columns(headers: list[str], mapping_for, source: InputFile) -> tuple[list[str], list[str]]:
    """Contract names for the header cells (after the source system's mapping), unique."""
    normalised = [normalise_header(h) for h in headers]
    table = source.table or table_from_header(normalised)
    mapped = [mapping_for(table).get(n, n) for n in normalised] if table else normalised
    if not table:
        table = table_from_header(mapped)
    source.table = table
    out, seen = [], set()
    for i, name in enumerate(mapped):
        name = name or f"_extra_blank_{i}"
        if name in seen:
            name = f"_extra_dup_{i}_{name}"
        seen.add(name)
        out.append(name)
    return normalised, out


# --- XLSX and Parquet ------------------------------------------------------------------

def _register_frame(con, table_sql: str, frame: pd.DataFrame, mapping_for, source: InputFile,
                    fmt: str, notes: list[str], row_offset=None) -> RawFile:
    import pandas as pd

    headers = [str(c) for c in frame.columns]
    _, renamed = _columns(headers, mapping_for, source)
    frame = frame.copy()
    frame.columns = renamed
    frame = frame.astype(object).where(frame.notna(), None)
    for col in renamed:
        frame[col] = frame[col].map(lambda v: None if v is None else str(v))
    rows = row_offset if row_offset is not None else pd.Series(range(1, len(frame) + 1))
    frame.insert(0, "_row", list(rows))
    blank = frame[renamed].isna().all(axis=1) if renamed else pd.Series(False, index=frame.index)
    if blank.any():
        notes.append(f"{int(blank.sum()):,} empty rows skipped")
    frame = frame[~blank]
    con.register(f"{table_sql}_df", frame)
    con.execute(f"create or replace temp table {table_sql} as select * from {table_sql}_df order by _row")
    con.unregister(f"{table_sql}_df")
    return RawFile(source, table_sql, fmt, [c for c in renamed if not c.startswith("_extra")], len(frame), [], notes,
                   headers, renamed)


def _read_xlsx(con, source: InputFile, table_sql: str, mapping_for) -> RawFile:
    # Imported here: a build from CSV or Parquet does not need pandas until its analytics.
    import pandas as pd

    try:
        sheets = pd.read_excel(source.path, sheet_name=None, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise IngestError(f"{source.name}: the Excel workbook could not be opened ({exc.__class__.__name__}: {exc}).") from exc
    if not sheets:
        raise IngestError(f"{source.name}: the workbook has no sheets.")
    names = list(sheets)
    chosen, notes = names[0], []
    wanted = source.table
    for name in names:
        frame = sheets[name]
        if frame.empty:
            continue
        header = [normalise_header(v) for v in frame.iloc[0].tolist()]
        mapped = [mapping_for(wanted).get(h, h) for h in header] if wanted else header
        found = table_from_header(mapped)
        if found and (wanted is None or found == wanted):
            if name != names[0]:
                notes.append(f"data read from sheet '{name}' (the first sheet, '{names[0]}', does not hold this table)")
            chosen = name
            break
    frame = sheets[chosen]
    if frame.empty:
        raise IngestError(f"{source.name}: the first sheet is empty (no header row).")
    header = ["" if (isinstance(v, float) and pd.isna(v)) or v is None else str(v) for v in frame.iloc[0].tolist()]
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = header
    body = body.map(_excel_text)
    return _register_frame(con, table_sql, body, mapping_for, source, "xlsx", notes)


def _excel_text(v):
    import pandas as pd

    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat"):
        text = v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
        return text.removesuffix(" 00:00:00")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_parquet(con, source: InputFile, table_sql: str, mapping_for) -> RawFile:
    try:
        desc = con.execute("describe select * from read_parquet(?)", [str(source.path)]).fetchall()
    except duckdb.Error as exc:
        raise IngestError(f"{source.name}: the Parquet file could not be read ({exc}).") from exc
    headers = [d[0] for d in desc]
    _, renamed = _columns(headers, mapping_for, source)
    select = ", ".join(f'cast("{h}" as varchar) as "{r}"' for h, r in zip(headers, renamed))
    con.execute(
        f"""create or replace temp table {table_sql} as
        select file_row_number + 1 as _row, {select} from read_parquet(?, file_row_number=true) order by file_row_number""",
        [str(source.path)],
    )
    rows = con.execute(f"select count(*) from {table_sql}").fetchone()[0]
    return RawFile(source, table_sql, "parquet", [c for c in renamed if not c.startswith("_extra")], rows, [], [],
                   headers, renamed)


def read_file(con: duckdb.DuckDBPyConnection, source: InputFile, table_sql: str, work_dir: Path, mapping_for) -> RawFile:
    """Load ``source`` into the temp table ``table_sql`` (all text, contract column names)."""
    fmt = file_format(source.path)
    try:
        if fmt == "xlsx":
            raw = _read_xlsx(con, source, table_sql, mapping_for)
        elif fmt == "parquet":
            raw = _read_parquet(con, source, table_sql, mapping_for)
        else:
            raw = _read_csv(con, source, table_sql, work_dir, mapping_for)
    except IngestError:
        raise
    except duckdb.Error as exc:
        raise IngestError(f"{source.name}: the file could not be read ({str(exc).splitlines()[0]}).") from exc
    return raw
