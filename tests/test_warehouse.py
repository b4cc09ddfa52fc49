"""The warehouse pointer, reader locks and clean-up, on small hand-made build files."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from contextmap import builds
from pipelines import warehouse


def _make_build(wh: Path, label: str, mtime: int) -> Path:
    path = warehouse.new_build_path(wh)
    con = duckdb.connect(str(path))
    con.execute("create table build_info as select ?::varchar as label", [label])
    con.close()
    os.utime(path, (mtime, mtime))
    return path


def _label(reader: builds.Reader) -> str:
    return reader.con.execute("select label from build_info").fetchall()[0][0]


def test_no_build_until_one_is_published(tmp_path):
    assert builds.current_build(tmp_path) is None
    with pytest.raises(builds.NoBuild):
        builds.open_current(tmp_path)
    first = _make_build(tmp_path, "first", 1_000)
    assert builds.current_build(tmp_path) is None, "an unpublished build is never served"
    warehouse.publish(tmp_path, first)
    assert builds.current_build(tmp_path) == first
    with builds.open_current(tmp_path) as reader:
        assert _label(reader) == "first"


def test_pointer_never_leaves_the_builds_folder(tmp_path):
    (tmp_path / "builds").mkdir()
    (tmp_path / "secret.duckdb").write_text("x")
    (tmp_path / builds.POINTER).write_text("../secret.duckdb\n")
    assert builds.current_build(tmp_path) is None


def test_open_session_keeps_its_build_while_a_new_one_is_published(tmp_path):
    old = _make_build(tmp_path, "old", 1_000)
    warehouse.publish(tmp_path, old)
    with builds.open_current(tmp_path) as session:
        new = _make_build(tmp_path, "new", 2_000)
        warehouse.publish(tmp_path, new)
        assert _label(session) == "old"
        warehouse.clean_up(tmp_path, keep=1)
        assert old.exists(), "a build someone is reading is never deleted"
        assert _label(session) == "old"
        with builds.open_current(tmp_path) as fresh:
            assert _label(fresh) == "new"
    warehouse.clean_up(tmp_path, keep=1)
    assert not old.exists(), "once nobody reads it, the old build is removed"
    assert new.exists()


def test_clean_up_keeps_current_and_recent_and_removes_leftovers(tmp_path):
    made = [_make_build(tmp_path, f"b{i}", 1_000 + i) for i in range(4)]
    warehouse.publish(tmp_path, made[2])
    orphan = made[3]  # complete but killed before it was published
    dead_pid = _dead_pid()
    dead_partial = tmp_path / "builds" / f"x.building.{dead_pid}"
    dead_wal = tmp_path / "builds" / f"x.building.{dead_pid}.wal"
    live_partial = tmp_path / "builds" / f"y.building.{os.getpid()}"
    live_wal = tmp_path / "builds" / f"y.building.{os.getpid()}.wal"
    stray_pointer = tmp_path / f".{builds.POINTER}.abc"
    dead_spill = tmp_path / "builds" / f"x.building.{dead_pid}.tmp"
    live_spill = tmp_path / "builds" / f"y.building.{os.getpid()}.tmp"
    for p in (dead_partial, dead_wal, live_partial, live_wal, stray_pointer):
        p.write_text("x")
    for spill in (dead_spill, live_spill):
        spill.mkdir()
        (spill / "duckdb_temp_storage-0.tmp").write_text("x")

    warehouse.clean_up(tmp_path, keep=2)

    assert made[2].exists() and made[1].exists(), "the current build and the one before stay"
    assert not made[0].exists(), "older builds go"
    assert not orphan.exists(), "a build that was never published goes"
    assert not dead_partial.exists() and not dead_wal.exists(), "a dead build's partial files go"
    assert not dead_spill.exists(), "a killed build's spill folder goes (it used to stop every later build)"
    assert live_partial.exists() and live_wal.exists(), "a running build's files (and its WAL) stay"
    assert live_spill.exists(), "a running build's spill folder stays"
    assert not stray_pointer.exists()
    assert builds.current_build(tmp_path) == made[2]


def test_a_reader_racing_clean_up_follows_the_pointer_again(tmp_path):
    old = _make_build(tmp_path, "old", 1_000)
    warehouse.publish(tmp_path, old)
    new = _make_build(tmp_path, "new", 2_000)
    warehouse.publish(tmp_path, new)
    warehouse.clean_up(tmp_path, keep=1)
    with pytest.raises(FileNotFoundError):
        builds.open_build(old)
    with builds.open_current(tmp_path) as reader:
        assert _label(reader) == "new"


def test_builds_take_turns(tmp_path):
    events = []

    def second():
        with warehouse.build_lock(tmp_path, progress=events.append):
            events.append("second builds")

    with warehouse.build_lock(tmp_path):
        worker = threading.Thread(target=second)
        worker.start()
        time.sleep(0.3)
        events.append("first done")
    worker.join(5)
    assert events[-1] == "second builds"
    assert events.index("first done") < events.index("second builds")
    assert any("waiting" in e for e in events)


def test_crash_point_kills_at_the_chosen_point(tmp_path):
    trace = tmp_path / "trace.tsv"
    code = "from pipelines import warehouse\nfor i in range(5):\n    warehouse.crash_point(f'point {i}')\n"
    env = {**os.environ, "CONTEXTMAP_CRASH_AT": "3", "CONTEXTMAP_CRASH_TRACE": str(trace)}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=Path(warehouse.__file__).parent.parent)
    assert done.returncode == -9
    assert trace.read_text().splitlines() == ["1\tpoint 0", "2\tpoint 1", "3\tpoint 2"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _db(path: Path, sql: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()
    return path


def test_build_comparison_ignores_build_time_and_float_noise_but_nothing_else(tmp_path):
    base = "create table build_info as select now() as built_at; create table t as select range as k, "
    a = _db(tmp_path / "a.duckdb", base + "1.0 / 3 as x, 'same' as s from range(100)")
    b = _db(tmp_path / "b.duckdb", base + "1.0 / 3 + 1e-17 * range as x, 'same' as s from range(100)")
    c = _db(tmp_path / "c.duckdb", base + "1.0 / 3 + 1e-3 * (range = 7)::int as x, 'same' as s from range(100)")
    d = _db(tmp_path / "d.duckdb", base + "1.0 / 3 as x, if(range = 9, 'other', 'same') as s from range(100)")
    from pipelines.bench.harness import compare_builds

    assert compare_builds(a, a) == {"differ": [], "float_noise": []}
    assert compare_builds(a, b)["differ"] == []
    assert compare_builds(a, c)["differ"] == ["t"]
    assert compare_builds(a, d)["differ"] == ["t"]
