"""Command line: ``python -m pipelines.sample [--seed 7] [--out data/sample] [--scale 1.0]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipelines.sample import DEFAULT_OUT, NATIONAL, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.sample", description="Write the synthetic sample data.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = one local authority; 10 = a police force area")
    parser.add_argument("--months-out", type=int, default=0, help="leave out the last N months")
    parser.add_argument(
        "--offence-factor", type=float, default=1.0, help="multiply offence rows (adds rows with no person)"
    )
    parser.add_argument(
        "--national", action="store_true", help="national benchmark volume (--scale 170 --offence-factor 13.5)"
    )
    args = parser.parse_args(argv)
    if args.national:
        args.scale, args.offence_factor = NATIONAL["scale"], NATIONAL["offence_factor"]
    started = time.perf_counter()
    try:
        generate(
            args.out, seed=args.seed, scale=args.scale, months_out=args.months_out, offence_factor=args.offence_factor
        )
    except ValueError as exc:
        print(f"ContextMap: {exc}", file=sys.stderr)
        return 2
    print(f"Sample written to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
