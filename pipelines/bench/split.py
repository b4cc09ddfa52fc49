"""Split generated input into "everything before the last month" and "the last month".

The incremental benchmark and tests build the earlier part, then add the last month's
files the way a council adds a month's exports to its input folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M",
           "%d/%m/%Y %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y", "%Y-%m"]


def _table(path: Path) -> str | None:
    stem = path.stem.lower()
    for table in ("missing_episodes", "return_home_interviews", "offences"):
        if stem.startswith(table):
            return table
    return None


def _month_expr(column: str) -> str:
    fmts = ", ".join(f"'{f}'" for f in FORMATS)
    return f"date_trunc('month', try_strptime(trim(\"{column}\"), [{fmts}]))"


def split_last_month(source: Path, before: Path, last: Path) -> str:
    """Write ``before`` (all but the last month) and ``last`` (its month's rows); return the month."""
    before.mkdir(parents=True, exist_ok=True)
    last.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    files = {_table(p): p for p in sorted(source.iterdir()) if p.suffix == ".csv" and _table(p)}
    for name in ("missing_episodes", "offences", "return_home_interviews"):
        con.execute(f"create table {name} as select * from read_csv(?, all_varchar=true, header=true)",
                    [str(files[name])])
    month = con.execute(f"select max({_month_expr('start_datetime')}) from missing_episodes").fetchall()[0][0]
    con.execute(
        f"create table new_episodes as select episode_id from missing_episodes "
        f"where {_month_expr('start_datetime')} = ?", [month]
    )
    # All rows of one offence (one per person) stay in one file, in the month of its first row.
    con.execute(
        f"create table new_offences as select trim(offence_id) as id from offences group by 1 "
        f"having min({_month_expr('offence_datetime')}) = ?", [month]
    )
    parts = {
        "missing_episodes": f"{_month_expr('start_datetime')} = $m",
        "offences": "trim(offence_id) in (select id from new_offences)",
        "return_home_interviews": "episode_id in (select episode_id from new_episodes)",
    }
    for name, is_new in parts.items():
        src = files[name]
        for folder, cond in ((before, f"not coalesce({is_new}, false)"), (last, f"coalesce({is_new}, false)")):
            out = folder / (src.stem + ("_last_month" if folder == last else "") + ".csv")
            sql = f"copy (select * from {name} where {cond}) to '{out}' (header, quote '\"')"
            con.execute(sql, {"m": month} if "$m" in cond else None)
    for other in source.iterdir():
        if other not in files.values():
            for folder in (before, last) if other.suffix != ".csv" else (before,):
                (shutil.copytree if other.is_dir() else shutil.copy)(other, folder / other.name)
    con.close()
    return month.strftime("%Y-%m")
