"""Run a build in a child process and measure it: wall time, peak memory, exit status.

Shared by the benchmark and the rebuild-safety tests, which both need real builds in
their own processes (a benchmark must not count its own memory; a SIGKILL test must
not kill the test runner).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from contextmap import builds
from contextmap.settings import ROOT


@dataclass
class Run:
    """What one child process did."""

    returncode: int
    seconds: float
    peak_rss: int
    cpu_seconds: float  # user + system of the child and everything it waited for
    load: tuple[float, float]  # 1-minute load average before and after: other work on the machine
    lines: list[tuple[float, str]]  # (seconds since start, line) of everything printed

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    @property
    def killed(self) -> bool:
        return self.returncode == -9


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(args: list[str], env: dict | None = None, timeout: float | None = None, interval: float = 0.05) -> Run:
    """Run ``python -m <args>`` from the repository root, sampling the RSS of its whole process tree."""
    load_before = os.getloadavg()[0]
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    lines: list[tuple[float, str]] = []

    def collect():
        for line in proc.stdout:
            lines.append((time.perf_counter() - started, line.rstrip("\n")))

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    watched = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            peak = max(peak, _tree_rss(watched))
        except psutil.Error:
            pass
        if timeout and time.perf_counter() - started > timeout:
            proc.kill()
        time.sleep(interval)
    seconds = time.perf_counter() - started
    reader.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
    # ru_maxrss (KiB) catches a peak shorter than the sampling interval.
    peak = max(peak, usage.ru_maxrss * 1024 if usage.ru_maxrss > usage_before.ru_maxrss else 0)
    return Run(proc.returncode, seconds, peak, cpu, (load_before, os.getloadavg()[0]), lines)


def build(inputs: list[Path], *, warehouse: Path | None = None, db: Path | None = None, env: dict | None = None,
          timeout: float | None = None) -> Run:
    """``python -m pipelines build --demo`` on ``inputs`` (generated, synthetic) into a warehouse folder or one file."""
    args = ["pipelines", "build", "--demo"]
    for path in inputs:
        args += ["--input", str(path)]
    if warehouse is not None:
        args += ["--warehouse", str(warehouse)]
    if db is not None:
        args += ["--db", str(db)]
    return run(args, env=env, timeout=timeout)


# Scale of the small inputs the rebuild tests use (1.0 is the shipped sample).
SMALL_SCALE = 0.1


def generate(out: Path, seed: int, scale: float, offence_factor: float = 1.0) -> Path:
    """Contract files made by the project's own sample generator."""
    from pipelines import sample

    sample.generate(Path(out), seed=seed, scale=scale, offence_factor=offence_factor)
    return Path(out)


def small_input(root: Path, seed: int = 101) -> Path:
    """A small generated input for tests that build many times."""
    return generate(root / f"input-{seed}", seed, SMALL_SCALE)


def compare_builds(db_a: Path, db_b: Path, ignore_previous: bool = False, rel: float = 1e-9) -> dict[str, list[str]]:
    """Tables of two builds that differ, and those that differ only in the last bits of doubles.

    Returns ``{"differ": [...], "float_noise": [...]}``. Float noise (a relative
    difference below ``rel``) comes from summing doubles in a different order, e.g. a
    parallel aggregate; any other difference, in any column, counts as a difference.
    """
    import duckdb

    from pipelines import warehouse

    hashes = []
    for db in (db_a, db_b):
        with builds.open_build(db) as reader:
            hashes.append(warehouse.table_hashes(reader.con, ignore_previous=ignore_previous))
    out = {"differ": sorted(set(hashes[0]) ^ set(hashes[1])), "float_noise": []}
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(f"attach '{db_a}' as a (read_only)")
    con.execute(f"attach '{db_b}' as b (read_only)")
    for table in sorted(t for t in hashes[0].keys() & hashes[1].keys() if hashes[0][t] != hashes[1][t]):
        cols = con.execute(
            "select column_name, data_type from information_schema.columns where table_catalog = 'a' "
            "and table_name = ? order by ordinal_position", [table]
        ).fetchall()
        cols = [(c, t) for c, t in cols
                if not warehouse._volatile(c) and not (ignore_previous and warehouse._continuity(c))]
        doubles = [c for c, t in cols if t in ("DOUBLE", "FLOAT", "REAL")]
        others = [c for c, _ in cols if c not in doubles]
        order = ", ".join(f'"{c}"' for c in others + doubles)
        numbered = f'select row_number() over (order by {order}) as rn, * from {{}}.main."{table}"'
        bad = [f'x."{c}" is distinct from y."{c}"' for c in others] + [
            f'(x."{c}" is null) <> (y."{c}" is null) '
            f'or (x."{c}" <> y."{c}" and abs(x."{c}" - y."{c}") > {rel} * greatest(abs(x."{c}"), abs(y."{c}")))'
            for c in doubles
        ]
        sizes = [con.execute(f'select count(*) from {db}.main."{table}"').fetchall()[0][0] for db in ("a", "b")]
        wrong = sizes[0] != sizes[1] or con.execute(
            f"select count(*) from ({numbered.format('a')}) x join ({numbered.format('b')}) y using (rn) "
            f"where {' or '.join(bad) or 'false'}"
        ).fetchall()[0][0]
        out["differ" if wrong else "float_noise"].append(table)
    con.close()
    return out
