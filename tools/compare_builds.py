"""Compare two build databases table by table (``python -m tools.compare_builds A.duckdb B.duckdb``).

For each table both hold, the rows are compared as multisets over the columns both have,
leaving out build times and the settings digest (they differ between any two builds).
Tables and columns only one side has are listed. Exits 1 when any common table differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

# Columns that differ between any two builds of the same input.
VOLATILE = ("built_at", "first_built_at", "last_built_at", "settings_hash")


def _columns(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, list[str]]:
    rows = con.execute("""select table_name, column_name from information_schema.columns
                          where table_catalog = ? and table_schema = 'main' order by table_name, ordinal_position""",
                       [db]).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def compare(a: Path, b: Path) -> list[str]:
    """Lines describing how build ``b`` differs from build ``a``; the last one counts the differing tables."""
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")
    ta, tb = _columns(con, "a"), _columns(con, "b")
    lines = [f"only in {a.name}: {sorted(ta.keys() - tb.keys())}", f"only in {b.name}: {sorted(tb.keys() - ta.keys())}"]
    differing = 0
    for table in sorted(ta.keys() & tb.keys()):
        shared = [c for c in ta[table] if c in tb[table] and c not in VOLATILE]
        cols = ", ".join(f'"{c}"' for c in shared)
        rows = [con.execute(f"select count(*) from {db}.main.{table}").fetchone()[0] for db in ("a", "b")]
        unmatched = con.execute(f"""select count(*) from (
            (select {cols} from a.main.{table} except all select {cols} from b.main.{table})
            union all (select {cols} from b.main.{table} except all select {cols} from a.main.{table}))""").fetchone()[0]
        added = [c for c in tb[table] if c not in ta[table]]
        removed = [c for c in ta[table] if c not in tb[table]]
        differing += bool(unmatched)
        if unmatched or added or removed:
            lines.append(f"{table}: rows {rows[0]} -> {rows[1]}, unmatched rows {unmatched}, "
                         f"new columns {added}, removed columns {removed}")
    lines.append(f"{len(ta.keys() & tb.keys())} tables in both, {differing} differ")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args()
    lines = compare(args.a, args.b)
    print("\n".join(lines))
    sys.exit(1 if not lines[-1].endswith(" 0 differ") else 0)


if __name__ == "__main__":
    main()
