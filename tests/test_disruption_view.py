"""The Disruption page's words and tables never give away a count hidden by disclosure control."""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from contextmap import disruption_view as dv
from contextmap.disclosure import Policy

P = Policy(suppress_max=5)


def _action(**kw):
    base = dict(action_id="A1", action_type="CLOSURE_ORDER", agency="POLICE", target_level="place", target_code="P1",
                target_name="Leeds Road Social Club", locality="Kirklees Rural", action_month=pd.Timestamp("2025-06-01"),
                window_months=3, target_before=24, target_after=3, target_pct_change=-87.5, is_after_spike=False,
                control_places=10, control_pct_change=-3.0, rate_ratio=0.13, ci_low=0.04, ci_high=0.45, effect_pct=-87.0,
                verdict="likely_effect",
                verdict_text="Events fell by 88% after the action, more than at 10 similar places (-3%): likely effect",
                displacement_verdict="too_few", displacement_text="Too few events nearby to tell (3 events in the buffer)",
                buffer_before=2, buffer_after=1, control_before=40, control_after=39, wdq=None)
    return {**base, **kw}


def test_verdict_with_a_hidden_count_drops_the_percentage():
    row = SimpleNamespace(**_action())
    words = dv.verdict_words(row, P)
    assert "likely effect" in words and "%" not in words and "88" not in words
    assert dv.displacement_words(row, P) == "Too few events nearby to tell"


def test_a_likely_effect_with_no_history_before_its_window_is_not_called_a_spike():
    """The force-wide demo has actions whose place has no 12 months of history before the window: the
    spike flag is unknown (NA), which must read as no warning, not end the page in an error."""
    spiked = dv.verdict_words(SimpleNamespace(**_action(is_after_spike=True)), P)
    unknown = dv.verdict_words(SimpleNamespace(**_action(is_after_spike=pd.NA)), P)
    assert "return to normal" in spiked
    assert "return to normal" not in unknown and "likely effect" in unknown


def test_verdict_with_shown_counts_is_the_reviews_own_sentence():
    row = SimpleNamespace(**_action(target_after=9))
    assert dv.verdict_words(row, P).startswith("Events fell by 88%")


def test_too_few_never_quotes_the_count():
    row = SimpleNamespace(**_action(target_before=3, target_after=1, verdict="too_few",
                                    verdict_text="Too few events to tell (4 events in the 6 months around the action)"))
    assert dv.verdict_words(row, P) == "Too few events to tell (fewer than 10 events in the 6 months around the action)"


def test_actions_table_hides_small_counts_and_the_change_they_would_reveal():
    table = dv.actions_table(pd.DataFrame([_action(), _action(action_id="A2", target_after=12, target_pct_change=-50.0,
                                                              action_type="CCTV")]), P)
    assert list(table["Events after"]) == ["c", "12"]
    assert list(table["Change here"]) == ["—", "-50%"]
    assert list(table["Action"]) == ["Closure order", "CCTV"]


def test_timeline_hides_small_months_and_months_outside_the_data():
    df = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]), "has_data": [True, True, False],
                       "events": pd.array([12, 3, None], dtype="Int64"), "offence": pd.array([12, 3, None], dtype="Int64")})
    out = dv.protected_timeline(df, "place", P, by_source=True)
    assert out["offence"].tolist()[0] == 12
    assert out["offence"].isna().tolist() == [False, True, True]
    # The hidden month is named (the chart draws it as a band); the month outside the data is not.
    assert out["hidden"].tolist() == [[], ["offence"], []]
    assert dv.protected_timeline(df, "place", P)["hidden"].tolist() == [[], ["events"], []]


# --- no number behind a hidden count ---------------------------------------------------

DIGIT = re.compile(r"\d")


def _hidden_rows():
    """Judged actions where one count behind the estimate is hidden ("c")."""
    return [
        _action(action_id="H1", target_before=12, target_after=2, rate_ratio=0.18, ci_low=0.04, ci_high=0.8,
                effect_pct=-82.0, target_pct_change=-83.0),
        _action(action_id="H2", target_before=4, target_after=14, rate_ratio=3.2, ci_low=1.1, ci_high=9.0,
                effect_pct=220.0, target_pct_change=250.0, verdict="likely_increase",
                verdict_text="Events rose by 250% after the action: likely increase"),
        _action(action_id="H3", target_before=30, target_after=20, control_before=3, control_after=8, rate_ratio=0.25,
                ci_low=0.06, ci_high=1.1, effect_pct=-75.0, target_pct_change=-33.0, verdict="no_clear_change",
                verdict_text="Events fell by 33%, similar places rose by 167%: no clear change"),
    ]


def test_no_numeric_effect_is_shown_when_a_count_is_suppressed():
    rows = pd.DataFrame(_hidden_rows())
    table = dv.actions_table(rows, P)
    effect = table["Relative to similar places"]
    assert not effect.str.contains(DIGIT).any()
    assert set(table["95% interval from"]) == set(table["95% interval to"]) == {"—"}
    # The change at the target hides with its own counts; H3 hides only the similar places' counts.
    assert list(table["Change here"]) == ["—", "—", "-33%"]
    assert list(effect) == ["Fall of more than half; interval excludes no change",
                            "Rise of more than half; interval excludes no change",
                            "Fall of more than half; interval includes no change"]
    for row in rows.itertuples():
        words = dv.verdict_words(row, P)
        assert not DIGIT.search(words), words
        assert dv.wdq_words(row._replace(wdq=0.42), P) == ""
    assert "likely effect" in dv.verdict_words(next(rows.itertuples()), P)


def test_forest_plot_draws_no_point_or_interval_behind_a_hidden_count():
    rows = pd.DataFrame(_hidden_rows() + [_action(action_id="S1", target_after=9, target_name="Shown Place")])
    fig = dv.effect_figure(rows, P)
    plotted = [y for t in fig.data if t.marker.opacity != 0 for y in t.y]
    assert len(plotted) == 1 and "Shown Place" in plotted[0]
    texts = [a.text for a in fig.layout.annotations]
    assert len(texts) == 3 and not any(DIGIT.search(t) for t in texts)
    assert texts[0].startswith("fall of more than half: likely effect")


def test_rounded_counts_give_no_exact_percentage():
    rounding = Policy(suppress_max=5, round_small_areas=True, round_base=5)
    row = SimpleNamespace(**_action(target_after=9, wdq=0.4))
    assert not DIGIT.search(dv.effect_words(row, rounding)) and dv.effect_words(row, P).startswith("-87%")
    assert dv.verdict_words(row, rounding).startswith("Fall of more than half")


def test_medians_by_type_leave_out_hidden_estimates():
    rows = pd.DataFrame(_hidden_rows()[:1] + [_action(action_id="S1", target_after=9, effect_pct=-40.0,
                                                      target_pct_change=-62.0)])
    table = dv.by_type_table(rows, P).set_index("Action")
    assert table.loc["Closure order", "Median change relative to similar places"] == "-40%"
    assert table.loc["Closure order", "Median change here"] == "-62%"
    only_hidden = dv.by_type_table(rows.iloc[:1], P).iloc[0]
    assert only_hidden["Median change relative to similar places"] == "—" and only_hidden["Judged"] == 1


def test_the_planted_effective_action_reads_as_a_significant_fall(sample_con):
    from datetime import date

    from contextmap import queries

    truth = json.loads((Path(__file__).resolve().parents[1] / "data/sample/ground_truth.json").read_text())
    actions = queries.run(sample_con, "disruption_actions", month_from=date(1900, 1, 1), month_to=date(9999, 12, 1),
                          locality="All")
    row = next(actions[actions["action_id"] == truth["disruption"]["effective"]].itertuples())
    assert row.verdict == "likely_effect" and row.ci_high < 1  # the whole interval is a fall
    # No event after the closure: its 0 is shown as "c", so the estimate (which would give the 0
    # back) reads as a clear fall in words, with no number.
    assert row.target_after == 0 and dv.estimate_hidden(row, P)
    assert dv.effect_words(row, P) == "Fall of more than half; interval excludes no change"
    assert "likely effect" in dv.verdict_words(row, P) and not re.search(r"\d", dv.verdict_words(row, P))
    # With stricter suppression hiding its counts too, it still reads the same.
    strict = Policy(suppress_max=max(row.target_before, row.target_after))
    assert dv.effect_words(row, strict) == "Fall of more than half; interval excludes no change"
    assert "likely effect" in dv.verdict_words(row, strict)


def test_detail_draws_hidden_months_as_a_band_and_the_comparison_only_over_the_windows():
    months = pd.date_range("2025-01-01", "2025-09-01", freq="MS")
    timeline = pd.DataFrame({"month": months, "has_data": True,
                             "events": pd.array([15, 14, 16, 3, 0, 0, 2, 0, 1], dtype="Int64")})
    monthly = pd.DataFrame({"month": months, "events": [40, 41, 39, 44, 38, 3, 45, 40, 0]})
    row = SimpleNamespace(**_action(action_month=pd.Timestamp("2025-05-01"), window_months=2,
                                    start_date=pd.Timestamp("2025-05-10"), end_date=None))
    fig = dv.detail_figure(row, timeline, monthly, 10, P)
    bars, band, line = fig.data
    # A month of 0 is hidden like one of 1 to 5: from April on every month is in the band.
    assert [None if pd.isna(v) else v for v in bars.y] == [15, 14, 16, None, None, None, None, None, None]
    assert band.meta == dv.HIDDEN_BAND and list(band.y) == [None, None, None, 5, 5, 5, 5, 5, 5]
    # The average is drawn for March to July (before window, action month, after window); the
    # month whose total (3) is hidden has no average, which would give it back.
    assert list(pd.to_datetime(line.x).month) == [3, 4, 5, 6, 7]
    assert [None if pd.isna(v) else v for v in line.y] == [3.9, 4.4, 3.8, None, 4.5]


def test_comparison_places_are_named_with_their_counts_protected():
    comparisons = pd.DataFrame({"control_rank": [1, 2], "control_level": "place", "name": ["New Street Bar", "Moor Lane Arms"],
                                "events_before": [8, 3], "events_after": [6, 0]})
    table = dv.comparisons_table(comparisons, P)
    assert table.to_dict("list") == {"Similar place": ["New Street Bar", "Moor Lane Arms"], "Before": ["8", "c"],
                                     "After": ["6", "c"]}
    assert dv.comparison_heading(SimpleNamespace(target_level="ward"), 10) == "**Compared with 10 similar areas**"
