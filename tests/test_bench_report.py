"""The benchmark report states each target as measured: met, missed (with where to read why) or not run."""

from __future__ import annotations

from pipelines.bench import report


def national(full_s: float, incremental_s: float) -> dict:
    return {"national": {
        "full_build": {"seconds": full_s, "peak_rss_mb": 3000.0},
        "incremental": {"seconds": incremental_s},
        "queries": [{"query": "q", "warm_p95_ms": 500.0, "cold_p95_ms": 400.0}],
        "baseline": {"seconds": 6 * full_s, "peak_rss_mb": 6000.0},
    }}


def rows_of(results: dict) -> dict[tuple[str, str], str]:
    rows = {}
    for line in report._targets(results)[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 5:
            rows[(cells[0], cells[1])] = cells[4] or cells[3]
    return rows


def test_a_missed_target_says_so_and_points_to_the_profile():
    rows = rows_of(national(full_s=100, incremental_s=20))
    assert rows[("Full build from CSV", "national")] == "met"
    assert rows[("Incremental build of one new month", "national")] == "**missed**"
    assert rows[("Incremental build of one new month", "force")] == "not run"
    assert rows[("At least 5× faster than the pandas baseline; less memory", "national")] == "met"
    assert any("scaling.md" in line for line in report._targets(national(100, 20)))


def test_no_pointer_when_nothing_measured_is_missed():
    lines = report._targets(national(full_s=100, incremental_s=10))
    assert not any("**missed**" in line for line in lines)
    assert not any("scaling.md" in line for line in lines)


def test_the_build_profile_marks_a_step_that_ran_in_the_background():
    from pipelines.bench.__main__ import build_profile
    from pipelines.bench.harness import Run

    lines = ["Stage 3/3: models and analytics", "  int_events 12 rows (2.0 s)",
             "  mart_peer_group_ids 3 rows, int_peer_group_members 9 rows (5.5 s in the background)", "Built in 9 s"]
    profile = build_profile(Run(0, 9.0, 0, 9.0, (0.0, 0.0), [(float(i), line) for i, line in enumerate(lines)]))
    assert profile["steps"] == {"int_events": 2.0, "mart_peer_group_ids": 5.5}
    assert profile["background"] == ["mart_peer_group_ids"]
