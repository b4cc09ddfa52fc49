"""The Disruption page's words and tables never give away a count hidden by disclosure control."""

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
                buffer_before=2, buffer_after=1)
    return {**base, **kw}


def test_verdict_with_a_hidden_count_drops_the_percentage():
    row = SimpleNamespace(**_action())
    words = dv.verdict_words(row, P)
    assert "likely effect" in words and "%" not in words and "88" not in words
    assert dv.displacement_words(row, P) == "Too few events nearby to tell"


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
    out = dv.protected_timeline(df, "place", P)
    assert out["offence"].tolist()[0] == 12
    assert out["offence"].isna().tolist() == [False, True, True]
