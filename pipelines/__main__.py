"""Command line: ``python -m pipelines build|validate|sample|bench``."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path


def _mapping(path: Path | None) -> dict | None:
    from pipelines.ingest import load_mapping

    return load_mapping(path) if path else None


# Subcommands with their own argument parsers, run as ``python -m pipelines <name> …``.
DELEGATED = {"sample": "pipelines.sample.__main__", "bench": "pipelines.bench.__main__"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in DELEGATED:
        import importlib

        return importlib.import_module(DELEGATED[argv[0]]).main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="Build and check ContextMap data.")
    parser.add_argument("--traceback", action="store_true",
                        help="on an unexpected error, also print the Python traceback (for reporting a fault)")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the database from contract files and publish it")
    b.add_argument("--input", type=Path, action="append", help="input folder or file (repeatable; default data/sample)")
    b.add_argument("--db", type=Path, help="write the full build-time database here (for analysis, not for serving) "
                   "instead of publishing the minimised served file to the warehouse")
    b.add_argument("--warehouse", type=Path, help="warehouse folder (default from contextmap.toml)")
    b.add_argument("--mapping", type=Path, help="column-mapping file (TOML or YAML) for a source system (see mappings/)")
    b.add_argument("--demo", action="store_true",
                   help="synthetic data only: build with the public demo key (refused if a key or sign-in is configured)")
    v = sub.add_parser("validate", help="check files against the contract without building")
    v.add_argument("paths", type=Path, nargs="+")
    v.add_argument("--mapping", type=Path)
    sub.add_parser("sample", help="write the synthetic sample (see python -m pipelines sample --help)")
    sub.add_parser("bench", help="run the benchmark (see python -m pipelines bench --help)")
    args = parser.parse_args(argv)

    # Imported late so `--help` is instant and a broken optional step cannot block validate.
    from pipelines.ingest import IngestError

    try:
        if args.command == "build":
            from pipelines import build

            if args.db:
                build.build_file(args.db, args.input, mapping=_mapping(args.mapping), demo=args.demo)
            else:
                build.build(args.input, args.warehouse, mapping=_mapping(args.mapping), demo=args.demo)
        else:
            from pipelines.ingest import validate

            summary = validate(args.paths, mapping=_mapping(args.mapping))
            print(summary.report())
            return 0 if summary.ok else 1
    except (IngestError, OSError, ValueError) as exc:
        return _failed(str(exc))
    except Exception as exc:  # noqa: BLE001 - whatever fails, the user reads words, not a traceback
        if args.traceback:
            traceback.print_exc()
        return _failed(f"{exc}\nThis is a fault in ContextMap rather than in your files: please report it with the "
                       "command you ran (add --traceback before the command for the details).")
    except KeyboardInterrupt:
        return _failed("stopped by the user.")
    return 0


def _failed(reason: str) -> int:
    print(f"ContextMap: {reason}", file=sys.stderr)
    print("Nothing was changed: the previous database is still the one served.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
