"""Write docs/benchmarks.md from the measured results (never from anything else)."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psutil

from contextmap.settings import ROOT

SCALES = ("sample", "force", "national")
BROWSER_TIMINGS = ROOT / "test-artifacts" / "render-times.json"
SCALE_TEXT = {
    "sample": "one council, 3 years (the shipped sample)",
    "force": "a police force area (about 10 times the sample)",
    "national": "national (at least 10M offence rows, 1M missing episodes, 800k RHIs, 500k people)",
}
PACKAGES = ("duckdb", "pandas", "geopandas", "shapely", "pyarrow", "numpy", "esda", "igraph", "folium")
# Issue 21's targets on a 2-core, 24 GB machine (each an upper limit; the baseline's are ratios, below).
TARGETS = {
    "full_build_s": {"sample": 2, "national": 60},
    "peak_rss_mb": {"national": 4096},
    "incremental_s": {"sample": 15, "force": 15, "national": 15},
    "query_p95_ms": {"force": 150, "national": 1000},
}
# Baseline ÷ ContextMap for the same three marts, at least (the full build must be faster at every scale).
SAME_MARTS_SPEEDUP = {"force": 3, "national": 3}


def machine() -> dict:
    """CPU, cores, memory and versions of the machine running the benchmark."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": psutil.cpu_count(logical=True),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {p: version(p) for p in PACKAGES},
    }


def _n(x, digits: int = 0) -> str:
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def _verdict(value, limit) -> str:
    if value is None or limit is None:
        return ""
    return "met" if value <= limit else "**missed**"


def _worst_p95(r: dict) -> float | None:
    vals = [q["warm_p95_ms"] for q in r.get("queries", []) if "warm_p95_ms" in q]
    return max(vals) if vals else None


def _worst_cold_p95(r: dict) -> float | None:
    vals = [q["cold_p95_ms"] for q in r.get("queries", []) if "cold_p95_ms" in q]
    return max(vals) if vals else None


def _targets(results: dict) -> list[str]:
    rows = ["| Target | Scale | Limit | Measured | |", "|---|---|---|---|---|"]
    checks = [
        ("Full build from CSV", "full_build_s", lambda r: r.get("full_build", {}).get("seconds"), "s", 1),
        ("Peak memory of the build", "peak_rss_mb", lambda r: r.get("full_build", {}).get("peak_rss_mb"), "MB", 0),
        ("Incremental build of one new month", "incremental_s", lambda r: r.get("incremental", {}).get("seconds"), "s",
         1),
        ("Slowest page query p95 (warm)", "query_p95_ms", _worst_p95, "ms", 1),
        ("Slowest page query p95 (cold)", "query_p95_ms", _worst_cold_p95, "ms", 1),
    ]
    for label, key, get, unit, digits in checks:
        for scale, limit in TARGETS[key].items():
            r = results.get(scale)
            if r is None:
                rows.append(f"| {label} | {scale} | ≤ {_n(limit)} {unit} | not run | |")
                continue
            value = get(r)
            if value is None:  # the measure was run and failed: its error is listed under the scale
                rows.append(f"| {label} | {scale} | ≤ {_n(limit)} {unit} | failed (see {scale}'s errors) | **missed** |")
                continue
            measured = f"{_n(value, digits)} {unit}"
            rows.append(f"| {label} | {scale} | ≤ {_n(limit)} {unit} | {measured} | {_verdict(value, limit)} |")
    for scale, limit in SAME_MARTS_SPEEDUP.items():
        rows.append(_speedup_row("Same three marts faster than the pandas baseline (in-process)", scale,
                                 results.get(scale), _same_marts_seconds, "seconds_in_process", limit))
    for scale in SCALES:
        rows.append(_speedup_row("Full build faster than the pandas baseline", scale, results.get(scale),
                                 lambda fb: fb.get("seconds"), "seconds", 1, strict=True))
    if any("**missed**" in row for row in rows):
        rows += ["", "Each missed target is profiled, with what was fixed and the plan for the rest, in "
                 "[scaling.md](scaling.md#where-the-builds-time-goes-at-national-scale-and-what-to-change)."]
    return rows


def _speedup_row(label: str, scale: str, r: dict | None, ours, theirs: str, minimum: float,
                 strict: bool = False) -> str:
    """A target row: the baseline's ``theirs`` seconds ÷ ContextMap's (``ours`` of the full build's
    figures) at least ``minimum`` (above it when ``strict``)."""
    a, b = ours((r or {}).get("full_build", {})), (r or {}).get("baseline", {}).get(theirs)
    limit = f"{'>' if strict else '≥'} {_n(minimum)}×"
    if not a or not b:
        return f"| {label} | {scale} | {limit} | not run | |"
    met = b / a > minimum if strict else b / a >= minimum
    return (f"| {label} | {scale} | {limit} | baseline {_n(b, 1)} s ÷ ContextMap {_n(a, 1)} s = {_ratio(a, b)} | "
            f"{'met' if met else '**missed**'} |")


def _ratio(a, b) -> str:
    if not a or not b:
        return "—"
    return f"{b / a:,.1f}×"


# The build's share that computes what the baseline computes: the three marts and the steps
# they read (tests/test_bench_report.py checks these are all of them), timed by the runner.
SAME_MARTS = ("mart_monthly_area_counts", "mart_place_monthly", "mart_rhi_timeliness")
SAME_MARTS_STEPS = ("int_episodes", "int_places", "int_place_links", "int_events", *SAME_MARTS)


def _same_marts_seconds(fb: dict) -> float | None:
    """Geography, ingest and the steps of :data:`SAME_MARTS_STEPS`, from a full build's profile."""
    stages, steps = fb.get("stages", {}), fb.get("steps", {})
    if "geography" not in stages or "ingest" not in stages:
        return None
    return stages["geography"] + stages["ingest"] + sum(steps.get(k, 0.0) for k in SAME_MARTS_STEPS)


def _views_table(views: list[dict]) -> list[str]:
    """The page views' cold-cache timings (:mod:`pipelines.bench.views`) as a Markdown table."""
    if not views:
        return []
    out = [
        "Page views on a cold cache (ms): each view checks a period's counts against its parts "
        "(`contextmap.period_guard`), against the one query it would run without that check. The dashboard "
        "caches every query per build, role and policy, so a rerun of a view costs nothing:",
        "",
        "| View | Queries | With the period guard | One query | Ratio |",
        "|---|---|---|---|---|",
    ]
    for v in views:
        if "skipped" in v:
            out.append(f"| {v['view']} | not measured: {v['skipped']} | | | |")
        else:
            out.append(f"| {v['view']} | {v['queries']} | {_n(v['guarded_ms'], 1)} | {_n(v['single_ms'], 1)} | "
                       f"{v['guarded_ms'] / v['single_ms']:.1f}× |")
    return [*out, ""]


def _scale_section(scale: str, r: dict) -> list[str]:
    out = [f"## {scale.capitalize()}: {SCALE_TEXT[scale]}", ""]
    out.append(f"Measured {r['measured_at']} with `{r['command']}` "
               f"(generator `scale={r['scale_factor']:g}, offence_factor={r['offence_factor']:g}, seed={r['seed']}`).")
    load = r.get("full_build", {}).get("load")
    if load:
        out.append(f"Machine load (1-minute average) when the full build started: {load[0]:.1f} on "
                   f"{r.get('cores', 'the')} cores; other work on the machine inflates wall times, CPU times less so.")
    out.append("")
    gen = r.get("generated", {})
    if gen:
        out += ["| Input | Rows |", "|---|---|"]
        out += [f"| {k} | {_n(v)} |" for k, v in gen.items()]
        out.append(f"| CSV size | {_n(r.get('input_mb'), 1)} MB |")
        out.append("")
    fb = r.get("full_build", {})
    inc = r.get("incremental", {})
    base = r.get("baseline", {})
    out += ["| Measure | ContextMap | pandas/geopandas baseline | Baseline ÷ ContextMap |", "|---|---|---|---|"]
    for label, key, digits in (("Full build from CSV (s)", "seconds", 1), ("Full build, CPU time (s)", "cpu_seconds", 1),
                               ("Peak memory, whole process tree (MB)", "peak_rss_mb", 0)):
        a, b = fb.get(key), base.get(key)
        out.append(f"| {label} | {_n(a, digits)} | {_n(b, digits)} | {_ratio(a, b)} |")
    same = _same_marts_seconds(fb)
    if same is not None:
        inner = base.get("seconds_in_process")
        out.append(f"| Same marts only, in-process (no start-up): geography, ingest, the three marts the baseline "
                   f"makes and the `int_*` steps they read (s) | {_n(same, 1)} | {_n(inner, 1)} | "
                   f"{_ratio(same, inner)} |")
    if inc:
        out.append(f"| Incremental: add one month ({inc.get('month')}) (s) | {_n(inc.get('seconds'), 1)} | — | |")
        out.append(f"| Incremental: peak memory (MB) | {_n(inc.get('peak_rss_mb'))} | — | |")
    out.append(f"| Database size (MB) | {_n(r.get('db_mb'), 1)} | — | |")
    if r.get("peer_graph_s") is not None:
        out.append(f"| Peer-group graph and communities (s) | {_n(r['peer_graph_s'], 2)} | — | |")
    for level, m in r.get("map", {}).items():
        size = f"{_n(m['bytes'] / 1024, 0)} KB, rendered in {_n(m['render_ms'])} ms"
        out.append(f"| Map payload, {level} choropleth ({m['areas']} areas) | {size} | — | |")
    out.append("")
    if base.get("note"):
        out += [f"Baseline: {base['note']}", ""]
    stages = fb.get("stages", {})
    if stages:
        out += ["Where the build's time goes (stage, then the slowest steps):", ""]
        out += ["| Stage or step | Seconds |", "|---|---|"]
        out += [f"| {k} | {_n(v, 1)} |" for k, v in stages.items()]
        slow = sorted(fb.get("steps", {}).items(), key=lambda kv: -kv[1])[:10]
        background = set(fb.get("background", []))
        out += [f"| step: {k}{' (in the background, alongside the steps after it)' if k in background else ''} "
                f"| {_n(v, 1)} |" for k, v in slow]
        out.append("")
    if base.get("stages"):
        out += ["Baseline stages:", "", "| Stage | Seconds |", "|---|---|"]
        out += [f"| {k} | {_n(v, 1)} |" for k, v in base["stages"].items()]
        out.append("")
    queries = r.get("queries", [])
    if queries:
        out += [
            "Page queries through `contextmap.queries.run` (ms; warm = repeated on one open connection, "
            "cold = first run on a new connection, connection time separate):",
            "",
            "| Query | Rows | Warm p50 | Warm p95 | Cold p50 | Cold p95 | Connect |",
            "|---|---|---|---|---|---|---|",
        ]
        for q in queries:
            if "skipped" in q:
                out.append(f"| {q['query']} | not measured: {q['skipped']} | | | | | |")
            else:
                out.append(
                    f"| {q['query']} | {_n(q['rows'])} | {_n(q['warm_p50_ms'], 1)} | {_n(q['warm_p95_ms'], 1)} | "
                    f"{_n(q['cold_p50_ms'], 1)} | {_n(q['cold_p95_ms'], 1)} | {_n(q['connect_ms'], 1)} |"
                )
        out.append("")
    out += _views_table(r.get("views", []))
    pq = r.get("parquet")
    if pq:
        differ = ", ".join(pq["query_runs_different"]) or "none"
        out += [
            f"Partitioned Parquet (docs/scaling.md): every table exported in {_n(pq['export_s'], 1)} s to "
            f"{_n(pq['files'])} files ({_n(pq['parquet_mb'], 1)} MB; "
            f"{len(pq['partitioned_tables'])} tables partitioned by month). "
            f"The same `sql/queries` through views over them: {pq['query_runs_identical']} query runs identical to the "
            f"DuckDB build, queries that differ: {differ}; "
            f"p50 {_n(pq['p50_ms'], 1)} ms, p95 {_n(pq['p95_ms'], 1)} ms (warm).",
            "",
        ]
    if r.get("errors"):
        out += ["Problems during this run:", ""] + [f"- {e}" for e in r["errors"]] + [""]
    return out


def render(results: dict, mach: dict, notes: str = "") -> str:
    """The whole of docs/benchmarks.md."""
    v = mach["versions"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m pipelines.bench` (see docs/scaling.md for what the figures mean). "
        "Every figure below was measured by that command on the machine described; scales that were "
        "not run say so.",
        "",
        f"Machine: {mach['cpu']}, {mach['cores']} cores, {mach['ram_gb']} GB RAM, {mach['os']}, "
        f"Python {mach['python']}.",
        "Versions: " + ", ".join(f"{k} {v[k]}" for k in v) + ".",
        "",
        "## Targets",
        "",
        *_targets(results),
        "",
    ]
    if notes:
        lines += [notes, ""]
    for scale in SCALES:
        if scale in results:
            lines += _scale_section(scale, results[scale])
        else:
            lines += [f"## {scale.capitalize()}: {SCALE_TEXT[scale]}", "", "Not run.", ""]
    lines += _browser_section(BROWSER_TIMINGS)
    return "\n".join(lines).rstrip() + "\n"


def _browser_section(path: Path) -> list[str]:
    """Waits measured by the browser tests (``make e2e`` writes them), if they have run here."""
    out = ["## Pages in the browser (sample build)", ""]
    if not path.exists():
        return out + ["Not measured: run `make e2e`, then the benchmark again.", ""]
    timings = json.loads(path.read_text())
    out += [
        "Seconds from loading the URL (or changing a filter) until Streamlit finished the run, in headless "
        "Chromium with every request not to the local server blocked; measured by `tests/e2e` on this "
        f"machine (file dated {datetime.fromtimestamp(path.stat().st_mtime, UTC):%Y-%m-%d %H:%M} UTC). "
        "Targets: first render under 2 s, filter change under 1 s.",
        "",
        "| Page or action | Seconds |",
        "|---|---|",
    ]
    out += [f"| {name} | {seconds:.2f} |" for name, seconds in sorted(timings.items())]
    return out + [""]
