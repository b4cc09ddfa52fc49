"""``python -m pipelines.bench [--scales sample,force,national] [--quick]``.

For each scale: generate contract files with the project's generator, build from CSV in
a child process (time, peak RSS of the process tree, per-step times), add one month to
a published build, time every page query and the map payload, and run the
pandas/geopandas baseline on the same files (the build's three main marts, checked equal
to them by tests/test_bench_baseline.py). Results go to ``<work>/<scale>.json``;
docs/benchmarks.md is rewritten from every scale's latest results.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from contextmap.settings import ROOT
from pipelines.bench import harness, latency, parquet, payload, report, views
from pipelines.bench.split import split_last_month
from pipelines.sample import NATIONAL
from pipelines.step_types import BACKGROUND_NOTE

WORK = ROOT / "build" / "bench"
OUT = ROOT / "docs" / "benchmarks.md"
SEED = 2024
# Generator arguments (scale, offence factor) per scale; national is the generator's own preset.
SCALE_ARGS = {"sample": (1.0, 1.0), "force": (10.0, 1.0), "national": (NATIONAL["scale"], NATIONAL["offence_factor"])}
_STEP = re.compile(rf"^\s+([a-z_0-9]+) [\d,]+ rows.*\(([\d.]+) s({re.escape(BACKGROUND_NOTE)})?\)$")


def count_rows(folder: Path) -> dict[str, int]:
    """Rows of each generated CSV, and the distinct people across them."""
    con = duckdb.connect()
    out = {}
    people = []
    for path in sorted(folder.glob("*.csv")):
        name = path.stem
        out[name] = con.execute("select count(*) from read_csv(?, all_varchar=true)", [str(path)]).fetchall()[0][0]
        cols = con.execute("describe select * from read_csv(?, all_varchar=true)", [str(path)]).fetchall()
        if "person_id" in [c[0] for c in cols]:
            people.append(
                f"select trim(person_id) as p from read_csv('{path}', all_varchar=true) "
                "where nullif(trim(person_id), '') is not null"
            )
    if people:
        out["people"] = con.execute(f"select count(distinct p) from ({' union all '.join(people)})").fetchall()[0][0]
    con.close()
    return out


def generate(folder: Path, scale: str, seed: int) -> float:
    """Generate a scale's input once per seed and generator arguments; return the seconds (0 when reused)."""
    factor, offence_factor = SCALE_ARGS[scale]
    wanted = {"factor": factor, "offence_factor": offence_factor, "seed": seed}
    marker = folder.parent / "input.json"
    if marker.exists() and folder.exists() and json.loads(marker.read_text()) == wanted:
        return 0.0
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    harness.generate(folder, seed=seed, scale=factor, offence_factor=offence_factor)
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps(wanted))
    return seconds


def _mb(n: int) -> float:
    return n / 2**20


def _dir_mb(folder: Path) -> float:
    return _mb(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()))


def _run_figures(run: harness.Run) -> dict:
    return {"seconds": run.seconds, "cpu_seconds": run.cpu_seconds, "peak_rss_mb": _mb(run.peak_rss), "load": run.load}


def build_profile(run: harness.Run) -> dict:
    """Stage times (from when each progress line appeared) and per-step times the runner printed."""
    marks = [(t, line) for t, line in run.lines if line.startswith(("Stage ", "Built in", "Published"))]
    stages = {}
    for (t0, label), (t1, _) in zip(marks, marks[1:]):
        stages[label.split(":", 1)[-1].strip() if label.startswith("Stage") else "finish and publish"] = t1 - t0
    steps, background = {}, []
    for _, line in run.lines:
        m = _STEP.match(line)
        if m:
            steps[m.group(1)] = float(m.group(2))
            if m.group(3):
                background.append(m.group(1))
    return {"stages": stages, "steps": steps, "background": background}


def peer_graph_seconds(steps: dict) -> float | None:
    """Time of the peer-group steps (graph build and community detection), from the runner's lines."""
    from pipelines.peer_groups import STEPS as PEER_STEPS

    tables = [step.tables[0] for step in PEER_STEPS]
    found = [steps[t] for t in tables if t in steps]
    return sum(found) if found else None


def run_scale(scale: str, work: Path, quick: bool, command: str) -> dict:
    """Every measure for one scale."""
    folder = work / scale
    folder.mkdir(parents=True, exist_ok=True)
    factor, offence_factor = SCALE_ARGS[scale]
    result = {
        "scale": scale, "scale_factor": factor, "offence_factor": offence_factor, "seed": SEED, "command": command,
        "errors": [], "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
    }
    inputs = folder / "input"
    print(f"[{scale}] generating input (scale factor {factor:g})", flush=True)
    result["generate_s"] = generate(inputs, scale, SEED)
    result["generated"] = count_rows(inputs)
    result["input_mb"] = _dir_mb(inputs)
    print(f"[{scale}] input: {result['generated']}", flush=True)

    db = folder / "full.duckdb"
    db.unlink(missing_ok=True)
    print(f"[{scale}] full build", flush=True)
    # An empty warehouse folder, so the ingest parse cache is cold: every file is parsed.
    cold = folder / "cold-warehouse"
    shutil.rmtree(cold, ignore_errors=True)
    full = harness.build([inputs], db=db, env={"CONTEXTMAP_WAREHOUSE": str(cold)})
    shutil.rmtree(cold, ignore_errors=True)
    result["full_build"] = {**_run_figures(full), **build_profile(full)}
    if full.returncode != 0:
        result["errors"].append(f"full build exited {full.returncode}: {full.output[-1500:]}")
        return result
    result["db_mb"] = _mb(db.stat().st_size)
    result["peer_graph_s"] = peer_graph_seconds(result["full_build"]["steps"])
    print(f"[{scale}] full build {full.seconds:.1f} s, peak {_mb(full.peak_rss):,.0f} MB", flush=True)

    print(f"[{scale}] page queries", flush=True)
    result["queries"] = latency.measure(db, repeats=5 if quick else 20, variants=3 if quick else 5)
    result["views"] = views.measure(db, repeats=3 if quick else 5)
    try:
        result["map"] = payload.measure(db)
    except Exception as exc:  # the map builder is optional for the benchmark's other figures
        result["errors"].append(f"map payload not measured: {exc}")

    print(f"[{scale}] the same queries from partitioned Parquet", flush=True)
    try:
        result["parquet"] = parquet.compare(db, folder)
    except Exception as exc:  # report and carry on: the other figures stand on their own
        result["errors"].append(f"Parquet comparison failed: {exc}")

    print(f"[{scale}] incremental month", flush=True)
    result["incremental"] = incremental(folder, inputs)
    if "error" in result["incremental"]:
        result["errors"].append(result["incremental"].pop("error"))

    print(f"[{scale}] pandas/geopandas baseline", flush=True)
    out = folder / "baseline.json"
    out.unlink(missing_ok=True)
    base = harness.run(["pipelines.bench.baseline", str(inputs), "--json", str(out)])
    if base.returncode == 0 and out.exists():
        result["baseline"] = {**_run_figures(base), **json.loads(out.read_text())}
    else:
        result["errors"].append(f"baseline exited {base.returncode}: {base.output[-1500:]}")
    return result


def incremental(folder: Path, inputs: Path) -> dict:
    """Publish a build of all months but the last, then time adding the last month's files."""
    before, last = folder / "before", folder / "last_month"
    shutil.rmtree(before, ignore_errors=True)
    shutil.rmtree(last, ignore_errors=True)
    month = split_last_month(inputs, before, last)
    wh = folder / "warehouse"
    shutil.rmtree(wh, ignore_errors=True)
    first = harness.build([before], warehouse=wh)
    if first.returncode != 0:
        return {"error": f"build without the last month exited {first.returncode}: {first.output[-1500:]}"}
    added = harness.build([before, last], warehouse=wh)
    if added.returncode != 0:
        return {"error": f"build adding the last month exited {added.returncode}: {added.output[-1500:]}"}
    return {"month": month, **_run_figures(added), "before_s": first.seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.bench", description="Measure ContextMap at three data scales and write docs/benchmarks.md."
    )
    parser.add_argument("--scales", default="sample,force,national", help="comma-separated: sample, force, national")
    parser.add_argument("--quick", action="store_true", help="fewer query repetitions")
    parser.add_argument("--work", type=Path, default=WORK, help="where generated data and results go")
    parser.add_argument("--out", type=Path, default=OUT, help="the Markdown report to write")
    args = parser.parse_args(argv)
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = set(scales) - set(report.SCALES)
    if unknown:
        parser.error(f"unknown scales {sorted(unknown)}")
    args.work.mkdir(parents=True, exist_ok=True)
    command = "python -m pipelines.bench " + " ".join(argv if argv is not None else sys.argv[1:])
    for scale in scales:
        result = run_scale(scale, args.work, args.quick, command.strip())
        (args.work / f"{scale}.json").write_text(json.dumps(result, indent=1, default=str))
        write_report(args.work, args.out)
        shown = ("scale", "full_build", "incremental", "db_mb", "map", "baseline", "parquet", "errors")
        print(json.dumps({k: result.get(k) for k in shown}, indent=1, default=str), flush=True)
    print(f"Wrote {args.out}")
    return 0


def write_report(work: Path, out: Path) -> None:
    """docs/benchmarks.md from each scale's latest saved results."""
    results = {s: json.loads((work / f"{s}.json").read_text()) for s in report.SCALES if (work / f"{s}.json").exists()}
    out.write_text(report.render(results, report.machine()))


if __name__ == "__main__":
    sys.exit(main())
