"""Disruption review: the estimator, verdicts, WDQ, comparison places and the built marts."""

from __future__ import annotations

import json
import math
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from contextmap.settings import ROOT
from pipelines import disruption
from pipelines.disruption import stats
from pipelines.runner import run_steps

Z95 = 1.959963984540054


# --- estimator -----------------------------------------------------------------------


def test_did_halving_twice_against_flat_controls_is_a_quarter_with_interval_below_one():
    est = stats.did_estimate([20], [5], [20], [20]).iloc[0]
    se = math.sqrt(1 / 20 + 1 / 5 + 1 / 20 + 1 / 20)
    assert est.rate_ratio == pytest.approx(0.25)
    assert est.ci_low == pytest.approx(0.25 * math.exp(-Z95 * se))
    assert est.ci_high == pytest.approx(0.25 * math.exp(Z95 * se))
    assert est.ci_high < 1
    assert est.p_value == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(abs(math.log(0.25)) / se / math.sqrt(2)))))


def test_did_no_change_spans_one():
    est = stats.did_estimate([20], [20], [200], [200]).iloc[0]
    assert est.rate_ratio == pytest.approx(1.0)
    assert est.ci_low < 1 < est.ci_high
    assert est.p_value == pytest.approx(1.0)


def test_did_same_change_at_target_and_controls_is_no_effect():
    est = stats.did_estimate([40], [20], [400], [200]).iloc[0]
    assert est.rate_ratio == pytest.approx(1.0)
    assert est.ci_low < 1 < est.ci_high


def test_did_zero_cell_adds_half_to_all_four():
    est = stats.did_estimate([10], [0], [10], [10]).iloc[0]
    assert est.rate_ratio == pytest.approx((0.5 / 10.5) / (10.5 / 10.5))
    assert np.isfinite(est.ci_low) and np.isfinite(est.ci_high)


def test_did_is_vectorised_and_nan_without_controls():
    est = stats.did_estimate([20, 20], [5, 5], [20, np.nan], [20, np.nan])
    assert est.rate_ratio.iloc[0] == pytest.approx(0.25)
    assert est.iloc[1].isna().all()


# --- verdicts ------------------------------------------------------------------------


def _verdict(ab, aa, cb, cc, n=14, **kw):
    est = stats.did_estimate([ab], [aa], [cb], [cc]).iloc[0]
    kw = {"min_events": 10, "window_months": 3, **kw}
    return stats.verdict(ab, aa, cb, cc, n, est.ci_low, est.ci_high, **kw)


def test_verdict_likely_effect_in_words():
    code, text = _verdict(50, 19, 300, 291)
    assert code == "likely_effect"
    assert text == "Events fell by 62% after the action, more than at 14 similar places (-3%): likely effect"


def test_verdict_no_clear_change():
    code, text = _verdict(12, 10, 100, 100)
    assert code == "no_clear_change"
    assert text.startswith("No clear change compared with similar places")


def test_verdict_likely_increase():
    code, text = _verdict(10, 40, 100, 100)
    assert code == "likely_increase"
    assert text.endswith("likely increase")


def test_too_few_comes_first():
    code, text = _verdict(2, 1, 0, 0, n=0, has_data=False)
    assert code == "too_few"
    assert text == "Too few events to tell (3 events in the 6 months around the action)"


def test_verdict_outside_data_and_no_comparison():
    assert _verdict(20, 5, 20, 20, has_data=False)[0] == "outside_data"
    assert _verdict(20, 5, 0, 0, n=0)[0] == "no_comparison"


# --- comparison places ---------------------------------------------------------------


def test_choose_controls_keeps_the_band_and_the_nearest_k():
    cands = pd.DataFrame({"unit_code": list("abcdef"), "baseline": [20.0, 18, 25, 5, 61, 70]})
    chosen = stats.choose_controls(20, cands, k=3, factor=3)
    # The band is 7..63 on baseline + 1 (a factor 3 either side of 21): 61 is in, 5 and 70 out.
    assert list(chosen["unit_code"]) == ["a", "b", "c"]
    assert set(stats.choose_controls(20, cands, k=10, factor=3)["unit_code"]) == {"a", "b", "c", "e"}


# --- WDQ -----------------------------------------------------------------------------
# Worked example: the target fell from 100 to 50 while 1,000 control events stayed level,
# so the success measure is 50/1000 - 100/1000 = -0.05.


@pytest.mark.parametrize(
    ("buffer_after", "expected", "code"),
    [
        (100, -0.4, "displacement"),  # buffer rose 80 -> 100
        (140, -1.2, "displacement"),  # more moved nearby than the target lost
        (60, 0.4, "diffusion"),  # buffer fell 80 -> 60
        (20, 1.2, "diffusion"),
        (80, 0.0, "neither"),
    ],
)
def test_wdq_golden_values(buffer_after, expected, code):
    value = stats.wdq(100, 50, 80, buffer_after, 1000, 1000)
    assert value == pytest.approx(expected)
    assert stats.wdq_reading(value, 80 + buffer_after, 1000, 1000, min_events=10, near_zero=0.1)[0] == code


def test_wdq_guards_division_by_zero_and_no_success():
    assert math.isnan(stats.wdq(100, 50, 80, 100, 1000, 0))
    assert math.isnan(stats.wdq(100, 50, 80, 100, 0, 1000))
    assert math.isnan(stats.wdq(100, 100, 80, 100, 1000, 1000))  # no fall at the target
    assert stats.wdq_reading(math.nan, 180, 1000, 1000, min_events=10, near_zero=0.1)[0] == "not_applicable"
    assert stats.wdq_reading(math.nan, 180, 1000, 0, min_events=10, near_zero=0.1)[0] == "no_control_events"
    assert stats.wdq_reading(-0.4, 4, 1000, 1000, min_events=10, near_zero=0.1)[0] == "too_few"


# --- build on a hand-made database ---------------------------------------------------

LAT, LON = 53.645, -1.780
MONTHS = [date(y, m, 1) for y in (2023, 2024) for m in range(1, 13)]
ACTION_START = date(2024, 6, 12)  # before: Mar-May 2024, after: Jul-Sep 2024


def _series(before: int, after: int, other: int = 2) -> dict[date, int]:
    """Monthly counts: ``before`` events per month Mar-May 2024, ``after`` Jul-Sep 2024, ``other`` elsewhere."""
    return {
        m: before if m.year == 2024 and 3 <= m.month <= 5 else after if m.year == 2024 and 7 <= m.month <= 9 else other
        for m in MONTHS
    }


# place_id: (category, metres north of the target, monthly counts)
PLACES = {
    "P1": ("HOTEL", 0, _series(8, 2)),  # target: 24 -> 6
    "P2": ("HOTEL", 3000, _series(7, 7)),
    "P3": ("HOTEL", 6000, _series(8, 8)),
    "P4": ("HOTEL", 9000, _series(9, 9)),
    "P5": ("HOTEL", 12000, _series(1, 1)),  # outside the baseline band
    "P6": ("HOTEL", 15000, _series(8, 1)),  # its own action in the window
    "P7": ("TAKEAWAY", 18000, _series(8, 8)),  # other category
    "P8": ("HOTEL", 300, _series(8, 8)),  # inside the buffer ring
    "P9": ("HOTEL", 21000, _series(1, 1)),  # too few: its own action
}
RING = _series(2, 4, 0)  # unlinked offences 400 m east of the target


def _fixture_db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    places, events = [], []
    for pid, (cat, north, series) in PLACES.items():
        lat = LAT + north / 111_195.0
        places.append((pid, f"Place {pid}", cat, lat, LON, f"L{pid}", f"W{pid}", "North", f"HD{pid[1]} 1"))
        for month, n in series.items():
            for i in range(n):
                source = ("missing_found", "rhi_mention", "offence")[i % 3]
                events.append(
                    (f"{pid}:{month}:{i}", source, month, pid, lat, LON, f"L{pid}", f"W{pid}", f"HD{pid[1]} 1")
                )
    ring_lon = LON + 400 / (111_195.0 * math.cos(math.radians(LAT)))
    for month, n in RING.items():
        events += [
            (f"ring:{month}:{i}", "offence", month, None, LAT, ring_lon, "LP1", "WP1", "HD1 1") for i in range(n)
        ]
    con.execute("""
        create table int_places (place_id varchar, name varchar, category varchar, lat double, lon double,
                                 lsoa_code varchar, ward_code varchar, locality varchar, sector varchar);
        create table int_events (event_id varchar, event_source varchar, event_month date, place_id varchar,
                                 lat double, lon double, lsoa_code varchar, ward_code varchar, sector varchar);
        create table stg_disruption_actions (action_id varchar, place_id varchar, area_code varchar, area_level varchar,
                                             action_type varchar, start_date date, end_date date, agency varchar);
        create table geo_ward_neighbours (ward_code varchar, neighbour_code varchar);
        create table geo_lsoa_neighbours (lsoa_code varchar, neighbour_code varchar);
    """)
    con.executemany("insert into int_places values (?, ?, ?, ?, ?, ?, ?, ?, ?)", places)
    con.executemany("insert into int_events values (?, ?, ?, ?, ?, ?, ?, ?, ?)", events)
    con.execute("alter table int_events add column event_rkey integer")
    con.execute("update int_events set event_rkey = (hash(event_id) % 256)::integer")
    con.executemany(
        "insert into stg_disruption_actions values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("A1", "P1", None, "place", "LICENSING_VISIT", ACTION_START, None, "LICENSING"),
            ("A2", "P6", None, "place", "CLOSURE_ORDER", date(2024, 8, 1), date(2024, 11, 30), "POLICE"),
            ("A3", "P9", None, "place", "PATROLS", ACTION_START, None, "POLICE"),
            ("A4", None, "WP7", "ward", "PATROLS", ACTION_START, None, "POLICE"),
        ],
    )
    return con


@pytest.fixture(scope="module")
def built():
    con = _fixture_db()
    run_steps(con, disruption.STEPS, progress=lambda *_: None)
    yield con
    con.close()


def test_controls_exclude_other_categories_actions_in_window_buffer_and_band(built):
    codes = [
        c
        for (c,) in built.sql(
            "select control_code from mart_disruption_controls where action_id = 'A1' order by control_rank"
        ).fetchall()
    ]
    # The three in the band; nearest the target's 24 first, as shown (perturbed), so the
    # order of 21 and 27 is the perturbation's.
    assert set(codes) == {"P2", "P3", "P4"}
    assert built.sql("select list(control_baseline order by control_rank) from mart_disruption_controls "
                     "where action_id = 'A1'").fetchall()[0][0] in ([24, 21, 27], [24, 27, 21])


def test_fixture_effect_is_a_likely_fall(built):
    row = (
        built.sql("select * from mart_disruption_effects where action_id = 'A1' and event_source = 'all'").df().iloc[0]
    )
    assert (row.target_before, row.target_after, row.control_before, row.control_after) == (24, 6, 72, 72)
    assert row.rate_ratio == pytest.approx(0.25)
    assert row.ci_high < 1
    assert row.verdict == "likely_effect"
    assert row.target_pct_change == pytest.approx(-75)
    # 8 a month before against 2 a month in the year before that: a spike, said on screen.
    assert row.is_after_spike and row.target_prior_monthly == pytest.approx(2)
    assert row.verdict_text.startswith(
        "Events fell by 75% after the action, more than at 3 similar places (+0%): likely effect."
    )
    assert "return to normal" in row.verdict_text
    assert row.control_pct_change == pytest.approx(0)
    sources = built.sql("select event_source from mart_disruption_effects where action_id = 'A1' order by 1").fetchall()
    assert [s for (s,) in sources] == ["all", "missing_found", "missing_from", "offence", "rhi_mention"]


def test_fixture_too_few_and_area_action(built):
    verdicts = dict(
        built.sql("select action_id, verdict from mart_disruption_effects where event_source = 'all'").fetchall()
    )
    assert set(verdicts.values()) <= set(stats.VERDICTS)
    assert verdicts["A3"] == "too_few"
    assert verdicts["A4"] in {"no_comparison", "no_clear_change", "likely_effect", "likely_increase"}


def test_fixture_displacement_ring(built):
    row = built.sql("select * from mart_disruption_displacement where action_id = 'A1'").df().iloc[0]
    # The ring holds the unlinked offences (6 -> 12) and P8, 300 m away (24 -> 24).
    assert (row.buffer_before, row.buffer_after) == (30, 36)
    expected = (36 / 72 - 30 / 72) / (6 / 72 - 24 / 72)
    assert row.wdq == pytest.approx(expected)
    assert row.verdict == "displacement"


def test_fixture_timeline_and_by_type(built):
    tl = built.sql("select * from mart_disruption_timeline where action_id = 'A1' order by month").df()
    assert len(tl) == 25 and tl.month_offset.tolist() == list(range(-12, 13))
    assert tl.loc[tl.month_offset == -1, "events"].item() == 8
    assert tl.is_in_window.sum() == 6
    by_type = built.sql("select * from mart_disruption_by_type order by action_type").df().set_index("action_type")
    assert by_type.loc["LICENSING_VISIT", "likely_effect"] == 1
    assert by_type["actions"].sum() == 4


def test_yaml_documents_every_built_column(built):
    from pipelines import docs

    specs = docs.table_specs()
    for step in disruption.STEPS:
        for table in step.tables:
            cols = [
                c
                for (c,) in built.execute(
                    "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            assert cols == list(specs[table]["columns"]), table
            key = ", ".join(specs[table]["unique_key"])
            assert not built.sql(f"select {key} from {table} group by all having count(*) > 1").fetchall(), table


# --- the shipped sample --------------------------------------------------------------


@pytest.fixture()
def planted(sample_con):
    """The planted actions of ``data/sample/ground_truth.json`` and a connection to the sample build."""
    truth = ROOT / "data" / "sample" / "ground_truth.json"
    return json.loads(truth.read_text())["disruption"], sample_con


def _effect(con, action_id):
    return (
        con.execute("select * from mart_disruption_effects where action_id = ? and event_source = 'all'", [action_id])
        .df()
        .iloc[0]
    )


def test_sample_planted_actions(planted):
    truth, con = planted
    effective = _effect(con, truth["effective"])
    assert effective.verdict == "likely_effect", effective.verdict_text
    assert effective.ci_high < 1
    ineffective = _effect(con, truth["ineffective"])
    assert ineffective.verdict not in {"likely_effect", "too_few"}, ineffective.verdict_text
    too_few = _effect(con, truth["too_few"])
    assert too_few.verdict == "too_few", too_few.verdict_text


# --- figures -------------------------------------------------------------------------


def test_timeline_figure_draws_sources_hidden_months_controls_and_actions(built):
    from contextmap.disruption_view import timeline_figure

    monthly = built.sql("select * from mart_disruption_timeline where action_id = 'A2'").df()
    monthly.loc[monthly.month_offset == 0, "offence"] = np.nan  # a suppressed month is marked, not left empty
    monthly["hidden"] = [["offence"] if o == 0 else [] for o in monthly.month_offset]
    actions = built.sql(
        "select action_type, start_date, end_date from stg_disruption_actions where action_id = 'A2'"
    ).df()
    comparison = monthly[["month"]].assign(average=monthly["control_events_per_unit"])
    fig = timeline_figure(monthly, actions, comparison=comparison)
    names = [t.name for t in fig.data]
    assert names == ["Missing from", "Found at", "Named in RHIs", "Offences", "0 to 5 events: hidden (c)",
                     "Average at similar places"]
    assert [y for y in fig.data[4].y if y is not None] == [5]
    assert [s.type for s in fig.layout.shapes] == ["rect", "line"]  # band from start to end, line at start
    assert timeline_figure(monthly.iloc[:0], actions).layout.annotations[0].text.startswith("No events")


def test_effect_figure_plots_only_judged_actions(built):
    from contextmap.disruption_view import effect_figure, not_judged_note, with_figures

    marts = built.sql("select * from mart_disruption_effects where event_source = 'all'").df()
    # As the page reads them: the figures and verdicts from the counts as shown, not the marts'.
    effects = with_figures(marts.drop(columns="verdict").assign(has_data=True))
    fig = effect_figure(effects)
    plotted = {y for t in fig.data if t.marker.opacity != 0 for y in t.y}
    assert any(y.startswith("Licensing visit (") and y.endswith("<br>Place P1") for y in plotted)
    assert not any("Place P9" in y for t in fig.data for y in t.y)  # A3 has too few events: not on the plot
    assert not any("Place P6" in y for y in plotted)  # A2's 5 after is hidden: no point would give it back
    assert [a.text for a in fig.layout.annotations] == [
        # Whatever A2's hidden count (0 to 5), no clear change, in one of two bands.
        "fall of more than half or fall of a quarter to a half: no clear change (small counts, no number)"]
    # The words start at the plot's left edge, so they never run over the action labels.
    assert all(a.xref == "paper" and a.xanchor == "left" for a in fig.layout.annotations)
    assert not_judged_note(effects) == "Not judged: 1 action with too few events to tell."
    assert fig.layout.xaxis.type == "log"
