"""Generated sentences say only what the numbers support."""

from contextmap import narrative
from contextmap.disclosure import Policy

P = Policy(suppress_max=5)


def _say(now, before, parts_now=None, parts_before=None):
    change = narrative.compare(now, before, P, alpha=0.05, min_base=20)
    by = narrative.driver(parts_now or {}, parts_before or {}, change, share=0.5)
    return change, narrative.sentence("Missing episodes", "in Dewsbury", change, "last month", P, by)


def test_real_rise_quotes_percentage_and_driver():
    change, text = _say(142, 100, {"looked-after children": 130, "other children": 12},
                        {"looked-after children": 90, "other children": 10})
    assert change.kind == "rise"
    assert text == ("Missing episodes in Dewsbury rose 42% on last month (from 100 to 142; exact Poisson test, "
                    "p = 0.008), driven by looked-after children.")


def test_real_fall_without_a_dominant_subgroup_names_no_driver():
    change, text = _say(60, 100, {"a": 40, "b": 20}, {"a": 60, "b": 40})
    assert change.kind == "fall"
    assert "fell 40%" in text and "driven by" not in text


def test_small_change_is_about_the_same_even_when_the_percentage_looks_big():
    change, text = _say(118, 100)
    assert change.kind == "same"
    assert text == ("Missing episodes in Dewsbury were about the same as last month (118, against 100; "
                    "exact Poisson test, p = 0.25).")
    assert "%" not in text


def test_small_base_gives_counts_not_a_percentage():
    change, text = _say(30, 8)
    assert change.kind == "rise" and change.pct is None
    assert text == "Missing episodes in Dewsbury rose from 8 to 30 compared with last month (exact Poisson test, p < 0.001)."


def test_suppressed_numbers_are_never_compared_or_shown():
    for now, before in ((4, 30), (30, 3)):
        change, text = _say(now, before)
        assert change.kind == "suppressed"
        assert text == "Missing episodes in Dewsbury: numbers too small to compare with last month."


def test_driver_must_move_with_the_total():
    change = narrative.compare(150, 100, P, alpha=0.05, min_base=20)
    assert narrative.driver({"a": 20, "b": 130}, {"a": 40, "b": 60}, change, share=0.5) == "b"
    assert narrative.driver({"a": 80, "b": 70}, {"a": 50, "b": 50}, change, share=0.5) == "a"
    assert narrative.driver({"a": 76, "b": 74}, {"a": 50, "b": 50}, change, share=0.55) is None


def test_two_subgroups_that_moved_alike_name_no_driver_whatever_the_order():
    change = narrative.Change("rise", 100, 50, pct=100.0, p_value=0.001)
    for parts_now, parts_before in (({"a": 50, "b": 50}, {"a": 25, "b": 25}), ({"b": 50, "a": 50}, {"b": 25, "a": 25})):
        assert narrative.driver(parts_now, parts_before, change, share=0.4) is None
    assert narrative.driver({"a": 51, "b": 49}, {"a": 25, "b": 25}, change, share=0.4) == "a"


def test_overview_sentences_explain_a_locality_rise_by_looked_after_children():
    import pandas as pd

    def row(episodes, offences=40):
        return pd.Series({"episodes": episodes, "children": 50, "repeat_children": 12, "offences": offences,
                          "serious_violence": 0, "weapon_offences": 8, "rhi_offered_72h": 70, "rhi_eligible": 100})

    def groups(dews_la, dews_other, hudd):
        rows = [("episodes", "locality", "Dewsbury", dews_la + dews_other), ("episodes", "locality", "Huddersfield", hudd),
                ("episodes", "locality_la", "Dewsbury|Looked after", dews_la),
                ("episodes", "locality_la", "Dewsbury|Not looked after", dews_other)]
        return pd.DataFrame(rows, columns=["measure", "dimension", "grp", "n"])

    rows = {"now": row(260), "before": row(200), "last_year": row(250)}
    groups_ = {"now": groups(110, 50, 100), "before": groups(50, 50, 100), "last_year": None}
    text = narrative.overview_sentences(rows, groups_, "month", "All", "Kirklees", P, rhi_target=90)
    assert ("Missing episodes in Dewsbury rose 60% on last month (from 100 to 160; exact Poisson test, p < 0.001), "
            "driven by looked-after children.") in text
    assert ("Missing episodes across Kirklees rose 30% on last month (from 200 to 260; exact Poisson test, p = 0.006), "
            "driven by episodes in Dewsbury.") in text
    assert not any("Huddersfield" in t for t in text)
    # 0 is shown as "c" like 1 to 5: the sentence neither quotes it nor compares it.
    assert "Serious youth violence offences across Kirklees: numbers too small to compare with last month." in text
    assert not any("(0)" in t for t in text)
    assert any("70% of returns across Kirklees, below the local target of 90%" in t for t in text)


def test_the_first_month_of_data_is_not_compared_with_months_before_it():
    """Months before the data start are not zeros: "rose from 0 to 161" would be false."""
    import pandas as pd

    def row(n):
        return pd.Series({"episodes": n, "children": n, "repeat_children": 0, "offences": n, "serious_violence": 0,
                          "weapon_offences": 0, "rhi_offered_72h": 0, "rhi_eligible": 0})

    gaps = {(k, other): "no earlier data" for k in narrative.SUBJECTS for other in ("before", "last_year")}
    text = narrative.overview_sentences({"now": row(161), "before": row(0), "last_year": row(0)},
                                        {"now": None, "before": None, "last_year": None}, "month", "All", "Kirklees",
                                        P, gaps=gaps)
    assert "Missing episodes across Kirklees: 161, not compared with last month (no earlier data)." in text
    assert not any("rose" in t or "fell" in t for t in text), text


def test_a_measure_switched_off_is_said_once_and_never_compared():
    import pandas as pd

    row = pd.Series({"episodes": 200, "children": 150, "repeat_children": 40, "offences": 0, "serious_violence": 0,
                     "weapon_offences": 0, "rhi_offered_72h": 0, "rhi_eligible": 0})
    off = "Offence figures are not shown: Offences are switched off in Sources."
    text = narrative.overview_sentences({"now": row, "before": row, "last_year": row},
                                        {"now": None, "before": None, "last_year": None}, "month", "All", "Kirklees",
                                        P, unavailable={k: off for k in ("offences", "serious_violence", "weapon_offences")})
    assert text.count(off) == 1
    assert not any("Offences involving" in t or "weapon" in t for t in text)


def test_a_small_p_value_is_never_printed_as_zero():
    phrases = {p: narrative.test_phrase(narrative.Change("rise", 10, 5, p_value=p)) for p in (0.0004, 0.0042, 0.0096, 0.031)}
    assert phrases == {0.0004: "exact Poisson test, p < 0.001", 0.0042: "exact Poisson test, p = 0.004",
                       0.0096: "exact Poisson test, p = 0.01", 0.031: "exact Poisson test, p = 0.03"}
