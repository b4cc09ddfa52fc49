"""Rebuilding while the dashboard reads: SIGKILL at any point never hurts the served build,
and readers never see a mix of two builds.

Builds run in child processes on a small generated input. ``CONTEXTMAP_CRASH_AT=N`` makes
the build SIGKILL itself at its N-th progress line or publish step (see
``pipelines.warehouse.crash_point``), so every kill point is deterministic.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from contextmap import builds
from contextmap.settings import ROOT
from pipelines import warehouse
from pipelines.bench import harness

KILLS = 24
READERS = 16
# Counted in every reader session; all are served and built from the input files.
COUNTED = ("mart_rri_items", "mart_event_cells", "mart_place_children", "mart_monthly_area_counts")


def _hashes(path: Path) -> dict[str, str]:
    with builds.open_build(path) as reader:
        return warehouse.table_hashes(reader.con)


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """A warehouse holding one published build of a small input, and the trace of its crash points."""
    root = tmp_path_factory.mktemp("rebuild")
    source = harness.small_input(root)
    wh = root / "warehouse"
    trace = root / "trace.tsv"
    done = harness.build([source], warehouse=wh, env={"CONTEXTMAP_CRASH_TRACE": str(trace)})
    assert done.returncode == 0, done.output
    points = [line.split("\t", 1)[1] for line in trace.read_text().splitlines()]
    current = builds.current_build(wh)
    return {"root": root, "input": source, "wh": wh, "build": current, "hashes": _hashes(current), "points": points}


def stages(points: list[str]) -> dict[str, list[int]]:
    """The 1-based crash points of each stage of the build."""
    def first(prefix: str) -> int:
        return next(i for i, label in enumerate(points) if label.startswith(prefix))

    bounds = [0, first("Stage 2/3"), first("Stage 3/3"), first("Built in"), len(points)]
    names = ("geography", "ingest", "models", "publish")
    return {name: list(range(lo + 1, hi + 1)) for name, lo, hi in zip(names, bounds, bounds[1:])}


def choose_kill_points(points: list[str], total: int = KILLS) -> list[int]:
    """Crash points spread over the stages: geography, ingest, the model steps, publish."""
    by_stage = stages(points)
    # The last point comes after the lock is released: the same state as "switched".
    chosen = set(by_stage["geography"]) | set(by_stage["publish"][:-1])
    ingest = by_stage["ingest"]
    chosen.update(ingest[::2])
    models = by_stage["models"]
    room = max(total - len(chosen), 1)
    chosen.update(models[:: max(1, -(-len(models) // room))])
    return sorted(chosen)


def test_kill_points_cover_every_stage(first_build):
    points = first_build["points"]
    chosen = set(choose_kill_points(points))
    assert len(chosen) >= 20
    for name, members in stages(points).items():
        assert chosen & set(members), f"no kill point in {name}"
    assert len(chosen & set(stages(points)["models"])) >= 8, "kill points in many model steps"
    labels = {points[i - 1] for i in chosen}
    assert "publish: new pointer written, not yet switched" in labels
    assert "publish: switched, old builds not yet cleaned up" in labels


def test_sigkill_anywhere_leaves_a_complete_build_served(first_build):
    points = first_build["points"]
    switched = points.index("publish: switched, old builds not yet cleaned up") + 1

    def kill_at(n: int) -> tuple[int, str | None]:
        wh = first_build["root"] / f"kill-{n}"
        shutil.copytree(first_build["wh"], wh)
        done = harness.build([first_build["input"]], warehouse=wh, env={"CONTEXTMAP_CRASH_AT": str(n)})
        if not done.killed:
            return n, f"exit {done.returncode} instead of SIGKILL:\n{done.output[-2000:]}"
        served = builds.current_build(wh)
        if n < switched:
            if served.name != first_build["build"].name:
                return n, f"CURRENT moved to {served} before the new build was published"
            if _hashes(served) != first_build["hashes"]:
                return n, "the previous build's tables changed"
        else:
            # Published before the kill: the new build must be complete (same input, same tables).
            differ = harness.compare_builds(first_build["build"], served, ignore_previous=True)["differ"]
            if served == first_build["build"] or differ:
                return n, f"the new build is served but incomplete or different: {differ}"
        with warehouse.build_lock(wh):
            warehouse.clean_up(wh, keep=2)
        leftovers = sorted(p.name for p in (wh / "builds").glob("*.building.*"))
        if leftovers or builds.current_build(wh) != served:
            return n, f"clean-up after the kill went wrong: {leftovers}"
        shutil.rmtree(wh)
        return n, None

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(kill_at, choose_kill_points(points)))
    failures = [f"point {n} ({points[n - 1]!r}): {msg}" for n, msg in results if msg]
    assert len(results) >= 20
    assert not failures, "\n".join(failures)


READER = r"""
import json, os, random, sys, time
from pathlib import Path
from contextmap import builds, queries
from pipelines import warehouse

wh, out, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
tables = sys.argv[4].split(",")
rng = random.Random(os.getpid())
with open(out, "w") as log:
    while True:
        stopping = stop.exists()
        try:
            with builds.open_current(wh) as session:
                con = session.con
                first = str(queries.run(con, "build_info")["built_at"].iloc[0])
                counts = {}
                for table in tables:
                    counts[table] = con.execute(f"select count(*) from {table}").fetchall()[0][0]
                    time.sleep(rng.random() * 0.01)
                months = [str(v) for v in queries.run(con, "month_range").iloc[0]]
                last = str(queries.run(con, "build_info")["built_at"].iloc[0])
            session = {"first": first, "last": last, "counts": counts, "months": months, "stopping": stopping}
            log.write(json.dumps(session) + "\n")
        except Exception as exc:
            log.write(json.dumps({"error": repr(exc)}) + "\n")
        log.flush()
        if stopping:
            break
"""


def _session_view(path: Path) -> tuple[str, dict]:
    from contextmap import queries

    with builds.open_build(path) as reader:
        built_at = str(queries.run(reader.con, "build_info")["built_at"].iloc[0])
        counts = {t: reader.con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in COUNTED}
        months = [str(v) for v in queries.run(reader.con, "month_range").iloc[0]]
    return built_at, {"counts": counts, "months": months}


def test_readers_never_fail_nor_mix_builds_through_three_rebuilds(first_build, tmp_path):
    wh = tmp_path / "warehouse"
    shutil.copytree(first_build["wh"], wh)
    expected = dict([_session_view(builds.current_build(wh))])
    stop = tmp_path / "stop"
    logs = [tmp_path / f"reader-{i}.jsonl" for i in range(READERS)]
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, str(wh), str(log), str(stop), ",".join(COUNTED)], cwd=ROOT)
        for log in logs
    ]
    try:
        for _ in range(3):
            time.sleep(0.5)
            done = harness.build([first_build["input"]], warehouse=wh)
            assert done.returncode == 0, done.output
            built_at, view = _session_view(builds.current_build(wh))
            expected[built_at] = view
        stop.touch()
        for proc in readers:
            assert proc.wait(timeout=120) == 0
    finally:
        stop.touch()
        for proc in readers:
            if proc.poll() is None:
                proc.kill()

    final = _session_view(builds.current_build(wh))[0]
    sessions = [json.loads(line) for log in logs for line in log.read_text().splitlines()]
    errors = [s["error"] for s in sessions if "error" in s]
    assert not errors, errors[:5]
    assert len(sessions) >= 3 * READERS
    for s in sessions:
        assert s["first"] == s["last"], "a session saw two builds"
        assert s["first"] in expected, "a session saw a build that was never published"
        assert {"counts": s["counts"], "months": s["months"]} == expected[s["first"]], "a session mixed two builds"
    assert len({s["first"] for s in sessions}) >= 3, "readers saw the rebuilds"
    last_sessions = [s["first"] for s in sessions if s["stopping"]]
    assert last_sessions and set(last_sessions) == {final}, "after the rebuilds, new sessions see the new data"
    with warehouse.build_lock(wh):
        warehouse.clean_up(wh, keep=2)
    assert len(list((wh / "builds").glob("*.duckdb"))) == 2, "old builds are cleaned up once unused"
    assert not list((wh / "builds").glob("*.building.*"))
    assert os.path.exists(builds.current_build(wh))
