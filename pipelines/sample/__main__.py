"""Command line: ``python -m pipelines.sample [--seed 7] [--out data/sample] [--scale 1.0]``;
``--force`` writes the West Yorkshire force-wide sample instead (default ``data/sample_force``, scale 0.4)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipelines.sample import DEFAULT_OUT, NATIONAL, generate
from pipelines.sample.force import DEFAULT_FORCE_OUT, DEFAULT_FORCE_SCALE, generate_force


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.sample", description="Write the synthetic sample data.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help=f"default {DEFAULT_OUT} ({DEFAULT_FORCE_OUT} with --force)")
    parser.add_argument(
        "--scale",
        type=float,
        help=f"1 = one local authority; 10 = a police force area (--force: {DEFAULT_FORCE_SCALE})",
    )
    parser.add_argument("--months-out", type=int, default=0, help="leave out the last N months")
    parser.add_argument(
        "--offence-factor", type=float, default=1.0, help="multiply offence rows (adds rows with no person)"
    )
    parser.add_argument(
        "--national", action="store_true", help="national benchmark volume (--scale 170 --offence-factor 13.5)"
    )
    parser.add_argument(
        "--force", action="store_true", help="the West Yorkshire force-wide sample: a folder per council and police/"
    )
    args = parser.parse_args(argv)
    if args.national:
        args.scale, args.offence_factor = NATIONAL["scale"], NATIONAL["offence_factor"]
    if args.force and (args.national or args.offence_factor != 1):
        parser.error("--force takes --seed, --scale, --months-out and --out only")
    out = args.out or (DEFAULT_FORCE_OUT if args.force else DEFAULT_OUT)
    if args.scale is None:
        args.scale = DEFAULT_FORCE_SCALE if args.force else 1.0
    started = time.perf_counter()
    try:
        if args.force:
            generate_force(out, seed=args.seed, scale=args.scale, months_out=args.months_out)
        else:
            generate(
                out, seed=args.seed, scale=args.scale, months_out=args.months_out, offence_factor=args.offence_factor
            )
    except ValueError as exc:
        print(f"ContextMap: {exc}", file=sys.stderr)
        return 2
    print(f"Sample written to {out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
