"""The benchmark report states each target as measured: met, missed (with where to read why) or not run."""

from __future__ import annotations

from pipelines.bench import report


def national(full_s: float, incremental_s: float, baseline_s: float | None = None) -> dict:
    return {"national": {
        "full_build": {"seconds": full_s, "peak_rss_mb": 3000.0, "stages": {"geography": 1.0, "ingest": 0.3 * full_s},
                       "steps": {"int_events": 1.0, "int_people": 50.0, "mart_place_monthly": 1.0}},
        "incremental": {"seconds": incremental_s},
        "queries": [{"query": "q", "warm_p95_ms": 500.0, "cold_p95_ms": 400.0}],
        "baseline": {"seconds": baseline_s or 6 * full_s, "seconds_in_process": (baseline_s or 6 * full_s) - 2,
                     "peak_rss_mb": 6000.0},
    }}


def rows_of(results: dict) -> dict[tuple[str, str], str]:
    rows = {}
    for line in report._targets(results)[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 5:
            rows[(cells[0], cells[1])] = cells[4] or cells[3]
    return rows


def test_a_missed_target_says_so_and_points_to_the_profile():
    rows = rows_of(national(full_s=60, incremental_s=20))
    assert rows[("Full build from CSV", "national")] == "met"
    assert rows[("Full build from CSV", "sample")] == "not run"
    assert rows[("Incremental build of one new month", "national")] == "**missed**"
    assert rows[("Incremental build of one new month", "force")] == "not run"
    assert rows[("Full build faster than the pandas baseline", "national")] == "met"
    assert any("scaling.md" in line for line in report._targets(national(60, 20)))


def test_no_pointer_when_nothing_measured_is_missed():
    lines = report._targets(national(full_s=50, incremental_s=10))
    assert not any("**missed**" in line for line in lines)
    assert not any("scaling.md" in line for line in lines)


def test_the_baseline_targets_compare_like_for_like():
    # Same marts: geography 1 + ingest 15 + int_events 1 + mart_place_monthly 1 = 18 s (int_people is not
    # read by the three marts); the baseline's 48 s in-process is 2.7×, short of 3×.
    rows = rows_of(national(full_s=50, incremental_s=10, baseline_s=50))
    assert report._same_marts_seconds(national(50, 10)["national"]["full_build"]) == 18.0
    assert rows[("Same three marts faster than the pandas baseline (in-process)", "national")] == "**missed**"
    assert rows[("Full build faster than the pandas baseline", "national")] == "**missed**"
    rows = rows_of(national(full_s=50, incremental_s=10, baseline_s=60))
    assert rows[("Same three marts faster than the pandas baseline (in-process)", "national")] == "met"
    assert rows[("Full build faster than the pandas baseline", "national")] == "met"


def test_the_same_marts_steps_are_the_three_marts_and_every_step_they_read():
    from pipelines.runner import _reads
    from pipelines.steps import STEPS

    needed = set(report.SAME_MARTS)
    for step in reversed(STEPS):
        if needed & set(step.tables):
            needed |= {t for s in STEPS for t in s.tables if _reads(step, (t,))}
    assert needed == set(report.SAME_MARTS_STEPS)


def test_the_build_profile_marks_a_step_that_ran_in_the_background():
    from pipelines.bench.__main__ import build_profile
    from pipelines.bench.harness import Run

    lines = ["Stage 3/3: models and analytics", "  int_events 12 rows (2.0 s)",
             "  mart_peer_group_ids 3 rows, int_peer_group_members 9 rows (5.5 s in the background)", "Built in 9 s"]
    profile = build_profile(Run(0, 9.0, 0, 9.0, (0.0, 0.0), [(float(i), line) for i, line in enumerate(lines)]))
    assert profile["steps"] == {"int_events": 2.0, "mart_peer_group_ids": 5.5}
    assert profile["background"] == ["mart_peer_group_ids"]


def test_the_map_payload_is_measured_on_a_real_build(sample_db):
    from pipelines.bench import payload

    out = payload.measure(sample_db)
    assert out["ward"]["areas"] == 23 and out["lsoa"]["areas"] == 259
    assert 0 < out["ward"]["bytes"] < out["lsoa"]["bytes"]


def test_a_measure_that_failed_is_a_missed_target_not_a_blank():
    results = national(full_s=50, incremental_s=10)
    results["national"]["incremental"] = {}
    assert rows_of(results)[("Incremental build of one new month", "national")] == "**missed**"


def test_page_views_are_timed_with_the_period_guard_against_their_one_query(sample_db):
    from pipelines.bench import views

    out = views.measure(sample_db, repeats=1)
    by_view = {v["view"]: v for v in out}
    assert not [v for v in out if "skipped" in v]
    # A year is checked against its quarters, each quarter against its months (1 + 4 + 12), and
    # the Places ranking against the year before, guarded the same way.
    assert by_view["Places ranking (year)"]["queries"] == 34 and by_view["Map, LSOAs (year)"]["queries"] == 17
    assert all(v["guarded_ms"] > 0 and v["single_ms"] > 0 for v in out)
    assert "| Places ranking (year) | 34 |" in "\n".join(report._views_table(out))
