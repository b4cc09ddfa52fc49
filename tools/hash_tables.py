"""Hash every table of a build database (``python -m tools.hash_tables BUILD.duckdb [--against HASHES.json]``).

One SHA-256 per table over its rows sorted on every column, leaving out the columns that
differ between any two builds of the same input (``tools.compare_builds.VOLATILE``). Two
builds of the same input by different code have the same hashes when no result changed.
With ``--against`` the hashes are compared with a file this command wrote earlier (``--out``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import duckdb

from tools.compare_builds import VOLATILE


def table_hashes(path: Path) -> dict[str, str]:
    """Table name → ``rows:sha256`` of its sorted rows (volatile columns left out)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute("""select table_name, column_name from information_schema.columns
                                            where table_schema = 'main' order by table_name, ordinal_position""").fetchall():
            columns.setdefault(table, []).append(column)
        out = {}
        for table, cols in sorted(columns.items()):
            kept = ", ".join(f'"{c}"' for c in cols if c not in VOLATILE) or "1"
            rows = con.execute(f'select {kept} from "{table}" order by all').fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            out[table] = f"{len(rows)}:{digest}"
        return out
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--out", type=Path, help="write the hashes here (JSON)")
    parser.add_argument("--against", type=Path, help="compare with hashes written earlier by --out")
    args = parser.parse_args()
    hashes = table_hashes(args.db)
    if args.out:
        args.out.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if not args.against:
        print("\n".join(f"{t} {h}" for t, h in hashes.items()))
        return
    before = json.loads(args.against.read_text(encoding="utf-8"))
    differ = sorted(t for t in before.keys() | hashes.keys() if before.get(t) != hashes.get(t))
    for table in differ:
        print(f"{table}: {before.get(table, 'missing')} -> {hashes.get(table, 'missing')}")
    print(f"{len(hashes)} tables, {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
