"""The Disruption page's words and tables never give away a count hidden by disclosure control."""

import json
import math
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from contextmap import disclosure, queries, settings
from contextmap import disruption_view as dv
from contextmap.disclosure import Policy
from pipelines.disruption import stats

P = Policy(suppress_max=5)
# Shows every count as it is (even 0): for checking the method on the true counts.
NOTHING_HIDDEN = Policy(suppress_max=-1)


def _action(**kw):
    """A ``disruption_actions`` row as the query returns it: counts and dates, no figure or verdict."""
    base = dict(action_id="A1", action_type="CLOSURE_ORDER", agency="POLICE", target_level="place", target_code="P1",
                target_name="Leeds Road Social Club", locality="Kirklees Rural", action_month=pd.Timestamp("2025-06-01"),
                window_months=3, target_before=24, target_after=3, control_places=10, buffer_before=2, buffer_after=1,
                control_before=40, control_after=39, target_prior=120, has_data=True, has_prior=True)
    return {**base, **kw}


def _rows(*actions, policy=P) -> pd.DataFrame:
    """Actions with their figures, as the page reads them."""
    return dv.with_figures(pd.DataFrame(actions), policy)


def _row(**kw):
    return next(_rows(_action(**kw)).itertuples())


def test_verdict_with_a_hidden_count_drops_the_percentage():
    row = _row()
    words = dv.verdict_words(row, P)
    assert "likely effect" in words and "%" not in words and "88" not in words
    assert dv.displacement_words(row) == "Too few events nearby to tell"


def test_a_likely_effect_with_no_history_before_its_window_is_not_called_a_spike():
    """The force-wide demo has actions whose place has no 12 months of history before the window: the
    spike flag is unknown (NA), which must read as no warning, not end the page in an error."""
    spiked = dv.verdict_words(_row(target_prior=12), P)
    unknown = dv.verdict_words(_row(target_prior=12, has_prior=False), P)
    assert "return to normal" in spiked
    assert "return to normal" not in unknown and "likely effect" in unknown


def test_verdict_with_shown_counts_is_the_reviews_sentence_on_those_counts():
    row = _row(target_after=9)
    assert dv.verdict_words(row, P) == ("Events fell by 62% after the action, more than at 10 similar places (-3%): "
                                        "likely effect")


def test_too_few_never_quotes_the_count():
    row = _row(target_before=3, target_after=1)
    assert row.verdict == "too_few"
    assert dv.verdict_words(row, P) == ("Too few events to tell (fewer than 10 events shown in the 6 months around "
                                        "the action; a count of 0 to 5 is hidden)")
    shown = Policy(suppress_max=0)
    few = next(_rows(_action(target_before=3, target_after=1), policy=shown).itertuples())
    assert dv.verdict_words(few, shown) == ("Too few events to tell (fewer than 10 events in the 6 "
                                                             "months around the action)")


def test_actions_table_hides_small_counts_and_the_change_they_would_reveal():
    table = dv.actions_table(_rows(_action(), _action(action_id="A2", target_after=12, action_type="CCTV")), P)
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
    """Judged actions where a count behind the estimate is hidden ("c") and the verdict is
    the same whatever its value (0 to 5)."""
    return [
        _action(action_id="H1", target_before=40, target_after=2),
        _action(action_id="H2", target_before=3, target_after=40),
        _action(action_id="H3", target_before=30, target_after=20, control_before=3, control_after=2),
    ]


def test_no_numeric_effect_is_shown_when_a_count_is_suppressed():
    rows = _rows(*_hidden_rows())
    table = dv.actions_table(rows, P)
    effect = table["Relative to similar places"]
    assert not effect.str.contains(DIGIT).any()
    assert set(table["95% interval from"]) == set(table["95% interval to"]) == {"—"}
    # The change at the target hides with its own counts; H3 hides only the similar places' counts.
    assert list(table["Change here"]) == ["—", "—", "-33%"]
    assert list(effect) == ["Fall of more than half; interval excludes no change",
                            "Rise of more than half; interval excludes no change",
                            "Fall of more than half to rise of more than half; interval includes no change"]
    for row in rows.itertuples():
        words = dv.verdict_words(row, P)
        assert not DIGIT.search(words), words
        assert dv.wdq_words(row._replace(wdq=0.42), P) == ""
    assert "likely effect" in dv.verdict_words(next(rows.itertuples()), P)


def test_forest_plot_draws_no_point_or_interval_behind_a_hidden_count():
    rows = _rows(*_hidden_rows(), _action(action_id="S1", target_after=9, target_name="Shown Place"))
    fig = dv.effect_figure(rows, P)
    plotted = [y for t in fig.data if t.marker.opacity != 0 for y in t.y]
    assert len(plotted) == 1 and "Shown Place" in plotted[0]
    texts = [a.text for a in fig.layout.annotations]
    assert len(texts) == 3 and not any(DIGIT.search(t) for t in texts)
    assert texts[0].startswith("fall of more than half: likely effect")


def test_rounded_counts_give_no_exact_percentage():
    rounding = Policy(suppress_max=5, round_small_areas=True, round_base=5)
    row = _row(target_after=9)
    assert not DIGIT.search(dv.effect_words(row, rounding)) and dv.effect_words(row, P).startswith("-62%")
    assert dv.verdict_words(row, rounding).startswith("Fall of more than half")


def test_medians_by_type_leave_out_hidden_estimates():
    rows = _rows(_hidden_rows()[0], _action(action_id="S1", target_after=12, control_after=30))
    table = dv.by_type_table(rows, P).set_index("Action")
    assert table.loc["Closure order", "Median change relative to similar places"] == "-33%"
    assert table.loc["Closure order", "Median change here"] == "-50%"
    only_hidden = dv.by_type_table(rows.iloc[:1], P).iloc[0]
    assert only_hidden["Median change relative to similar places"] == "—" and only_hidden["Judged"] == 1


def test_the_planted_effective_action_is_found_but_not_judged_on_its_hidden_count(sample_con):
    truth = json.loads((Path(__file__).resolve().parents[1] / "data/sample/ground_truth.json").read_text())
    effective = truth["disruption"]["effective"]
    # On the true counts, with nothing hidden, the review finds the planted fall.
    exact = dv.with_figures(queries.run(sample_con, "disruption_actions", exact=True, **EVERY), NOTHING_HIDDEN)
    true_row = next(exact[exact["action_id"] == effective].itertuples())
    assert true_row.verdict == "likely_effect" and true_row.ci_high < 1
    # As shown, no event after the closure is a "c". The page gives a verdict only if it holds
    # for every value that count could take (0 to 5); otherwise it says so, with the band.
    actions = dv.with_figures(queries.run(sample_con, "disruption_actions", **EVERY), P)
    row = next(actions[actions["action_id"] == effective].itertuples())
    assert dv.estimate_hidden(row, P)
    if row.undecided:
        assert row.verdict == "too_few"
        assert dv.verdict_words(row, P).startswith("Too few events to tell (a count behind the estimate is 0 to 5, "
                                                   "hidden, and the verdict depends on it; whatever it is, a fall")
        assert dv.effect_parts(row, P) == ("—", "—", "—")
    else:  # the same for every hidden value: a verdict and a band, never a number
        assert row.verdict == "likely_effect" and not re.search(r"\d", dv.verdict_words(row, P))
        assert not any(re.search(r"\d", part) for part in dv.effect_parts(row, P))


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


def test_hidden_band_sits_on_top_of_the_sources_shown_that_month():
    # Plotly's own stacking restarts from 0 after a hidden (NaN) source, which drew the band
    # over a shown bar: Found at 9 read as 4 above a band of 0 to 5.
    months = pd.date_range("2025-01-01", "2025-02-01", freq="MS")
    wide = pd.DataFrame({"month": months, "missing_from": [float("nan"), 7.0], "missing_found": [9.0, float("nan")],
                         "rhi_mention": [float("nan"), float("nan")], "offence": [6.0, 8.0],
                         "hidden": [["missing_from", "rhi_mention"], ["missing_found", "rhi_mention"]]})
    fig = dv.timeline_figure(wide, pd.DataFrame(columns=["action_type", "start_date", "end_date"]))
    band = next(t for t in fig.data if t.meta == dv.HIDDEN_BAND)
    offences = next(t for t in fig.data if t.name == dv.SOURCES["offence"])
    assert list(offences.base) == [9, 7] and list(band.base) == [15, 15]
    full = fig.full_figure_for_development(warn=False)
    assert full.layout.yaxis.range[1] >= 20, "the band is drawn above the shown bars, not over them"


def test_comparison_places_are_named_with_their_counts_protected():
    comparisons = pd.DataFrame({"control_level": "place", "name": ["New Street Bar", "Moor Lane Arms"],
                                "events_before": [8, 3], "events_after": [6, 0]})
    table = dv.comparisons_table(comparisons, P)
    assert table.to_dict("list") == {"Similar place": ["New Street Bar", "Moor Lane Arms"], "Before": ["8", "c"],
                                     "After": ["6", "c"]}
    assert dv.comparison_heading(SimpleNamespace(target_level="ward"), 10) == "**Compared with 10 similar areas**"


# --- every figure from the counts as shown ---------------------------------------------

EVERY = dict(month_from=date(1900, 1, 1), month_to=date(9999, 12, 1), locality="All")


def test_the_recomputation_is_the_marts_method(sample_con):
    """On the true counts the recomputed figures and verdicts are the marts' own."""
    exact = dv.with_figures(queries.run(sample_con, "disruption_actions", exact=True, **EVERY),
                            NOTHING_HIDDEN).set_index("action_id")
    marts = sample_con.sql("""
        select e.action_id, e.rate_ratio, e.ci_low, e.ci_high, e.effect_pct, e.target_pct_change, e.control_pct_change,
               e.verdict, coalesce(e.is_after_spike, false) as is_after_spike, d.wdq,
               d.verdict as displacement_verdict
        from mart_disruption_effects as e join mart_disruption_displacement as d using (action_id)
        where e.event_source = 'all'
    """).df().set_index("action_id").loc[exact.index]
    judged = exact["verdict"].isin(dv.JUDGED)
    for col in ("rate_ratio", "ci_low", "ci_high", "effect_pct"):
        pd.testing.assert_series_equal(exact.loc[judged, col], marts.loc[judged, col].astype(float), check_names=False,
                                       rtol=1e-12)
    for col in ("target_pct_change", "control_pct_change", "wdq"):
        pd.testing.assert_series_equal(exact[col], marts[col].astype(float), check_names=False, rtol=1e-12)
    for col in ("verdict", "is_after_spike", "displacement_verdict"):
        assert exact[col].tolist() == marts[col].tolist(), col
    assert judged.any() and not exact["undecided"].any()


def _shown(n: float) -> float | None:
    """A count as a reader sees it: its shown number, None for "c", NaN for none (a sector's buffer)."""
    text = disclosure.fmt_count(n, P)
    return None if text == "c" else math.nan if text == "—" else float(text.replace(",", ""))


def _expected(r, alpha: float) -> dict:
    """What the page may show for action ``r``, recomputed with the marts' own functions from
    ``r``'s counts as shown; None where a count it needs is "c"."""
    tb, ta, cb, ca, bb, ba = (_shown(n) for n in (r.target_before, r.target_after, r.control_before, r.control_after,
                                                  r.buffer_before, r.buffer_after))
    out = {"effect": None, "change": None, "words": None, "wdq": None}
    if None not in (tb, ta):
        out["change"] = f"{stats.pct_change(tb, ta):+.0f}%"
    if None in (tb, ta, cb, ca):
        return out
    est = stats.did_estimate(tb, ta, cb, ca, alpha).iloc[0]
    out["effect"] = (f"{100 * (est.rate_ratio - 1):+.0f}%", f"{100 * (est.ci_low - 1):+.0f}%",
                     f"{100 * (est.ci_high - 1):+.0f}%")
    out["ratio"] = (est.rate_ratio, est.ci_low, est.ci_high)
    out["verdict"], out["words"] = stats.verdict(
        tb, ta, cb, ca, r.control_places, est.ci_low, est.ci_high, min_events=settings.current().disruption.min_events,
        window_months=int(r.window_months), after_spike=not pd.isna(r.is_after_spike) and bool(r.is_after_spike),
        noun="places" if r.target_level == "place" else "areas")
    if None not in (bb, ba):
        value = stats.wdq(tb, ta, bb, ba, cb, ca)
        out["wdq"] = None if math.isnan(value) else f"{value:.2f}"
    return out


def test_every_figure_shown_is_recomputed_from_the_shown_counts(sample_con):
    """The table, export and pack (one table), the verdict box, the WDQ and the forest plot
    give, for every judged action, the figures of its counts as shown: never those of the
    true counts, which the figures would otherwise give back."""
    alpha = settings.current().disruption.alpha
    actions = dv.with_figures(queries.run(sample_con, "disruption_actions", **EVERY), P)
    judged = actions[actions["verdict"].isin(dv.JUDGED)].reset_index(drop=True)
    exact = dv.with_figures(queries.run(sample_con, "disruption_actions", exact=True, **EVERY),
                            NOTHING_HIDDEN).set_index("action_id")
    table = dv.actions_table(judged, P)
    fig = dv.effect_figure(judged, P)
    points = sorted((x, x - lo, x + hi) for t in fig.data if t.marker.opacity != 0
                    for x, hi, lo in zip(t.x, t.error_x.array, t.error_x.arrayminus))
    ratios, differs = [], 0
    for i, r in enumerate(judged.itertuples()):
        want, true = _expected(r, alpha), _expected(exact.loc[[r.action_id]].reset_index().iloc[0], alpha)
        cells = tuple(table.loc[i, list(dv.EFFECT_COLUMNS)])
        words, wdq = dv.verdict_words(r, P), dv.wdq_words(r, P)
        if want["effect"] is None:
            assert not any(DIGIT.search(c) for c in cells) and not DIGIT.search(words), (r.action_id, cells, words)
        else:
            # The verdict is the one of the recomputed interval, in the review's words on the shown counts.
            assert (r.verdict, words, cells) == (want["verdict"], want["words"], want["effect"]), r.action_id
            ratios.append(want["ratio"])
            differs += cells != true["effect"] or words != true["words"]
        assert table.loc[i, "Change here"] == (want["change"] or "—"), r.action_id
        if want["wdq"]:
            assert wdq.startswith(f" Weighted Displacement Quotient {want['wdq']}."), r.action_id
        else:
            assert wdq == "", r.action_id
        differs += table.loc[i, "Change here"] != (true["change"] or "—") or want["wdq"] != true["wdq"]
    assert points == [pytest.approx(v) for v in sorted(ratios)]
    assert differs, "no figure differs from the true counts' (the sample should show the noise somewhere)"


# The rules the words may quote: the hidden range, the review's minimum and its windows.
RULES = re.compile(r"0 to 5|fewer than 10 events|6 months|95% interval")


def test_no_figure_is_shown_when_a_count_it_uses_is_hidden(sample_con):
    actions = dv.with_figures(queries.run(sample_con, "disruption_actions", **EVERY), P)
    table = dv.actions_table(actions, P)
    hidden = 0
    for i, r in enumerate(actions.itertuples()):
        target = any(_shown(n) is None for n in (r.target_before, r.target_after))
        estimate = target or any(_shown(n) is None for n in (r.control_before, r.control_after))
        if target:
            assert table.loc[i, "Change here"] == "—"
        if estimate:
            hidden += 1
            assert not any(DIGIT.search(c) for c in table.loc[i, list(dv.EFFECT_COLUMNS)])
            for text in (dv.verdict_words(r, P), dv.verdict_markdown(r, P)):
                assert not DIGIT.search(RULES.sub("", text)), text
        if estimate or any(_shown(n) is None for n in (r.buffer_before, r.buffer_after)):
            assert dv.wdq_words(r, P) == ""
    assert hidden, "the sample's planted effective action has a hidden count"
