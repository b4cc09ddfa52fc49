"""Headline figures: suppressed as on screen, changes that do not overstate small numbers or chance."""

import pandas as pd

from contextmap import headline, narrative
from contextmap.disclosure import Policy

P = Policy(suppress_max=5)


def _row(**values):
    base = {"episodes": 120, "children": 80, "repeat_children": 12, "looked_after_episodes": 48, "rhi_eligible": 100,
            "rhi_offered_72h": 84, "rhi_completed": 60, "returned": 110, "offences": 40, "serious_violence": 9,
            "weapon_offences": 3}
    return pd.Series({**base, **values})


def _figs(now, before, year_ago):
    return {f.measure.key: f for f in headline.figures(now, before, year_ago, P)}


def test_counts_shares_and_changes():
    figs = _figs(_row(episodes=160), _row(episodes=100, looked_after_episodes=10), _row(episodes=250))
    assert figs["episodes"].value == "160"
    assert (figs["episodes"].delta, figs["episodes"].delta_arrow) == ("+60%", "auto")
    assert figs["episodes"].last_year == "-36% on last year"
    assert figs["looked_after_share"].value == "30%"
    assert figs["looked_after_share"].delta == "+20 points"
    assert figs["rhi_72h_share"].value == "84%"


def test_a_change_of_one_point_is_one_point():
    share = next(m for m in headline.MEASURES if m.kind == "share")
    assert headline.change_text(share, narrative.Change("fall", 0.30, 0.31)) == "-1 point"
    assert headline.change_text(share, narrative.Change("rise", 0.33, 0.31)) == "+2 points"


def test_small_base_gives_a_difference_not_a_percentage():
    figs = _figs(_row(serious_violence=19), _row(serious_violence=6), _row(serious_violence=8))
    assert figs["serious_violence"].delta == "+13"
    assert figs["serious_violence"].last_year == "about the same (+11) on last year"


def test_a_card_calls_a_change_only_when_the_sentence_does():
    """155 against 124 is "about the same" (exact Poisson test, p = 0.07): the card must not show a +25% rise."""
    from contextmap import narrative

    figs = _figs(_row(children=155), _row(children=124), _row(children=155))
    assert narrative.compare(155, 124, P).kind == "same"
    assert figs["children"].delta == "about the same (+25%)" and figs["children"].delta_arrow == "off"
    assert figs["children"].last_year == "the same on last year"
    shares = _figs(_row(rhi_offered_72h=84, rhi_eligible=100), _row(rhi_offered_72h=78, rhi_eligible=100), _row())
    assert shares["rhi_72h_share"].delta == "about the same (+6 points)"  # Fisher's exact test, p = 0.36


def test_no_comparison_without_data_on_both_sides():
    gaps = {("episodes", "before"): "no earlier data", ("episodes", "last_year"): "no earlier data"}
    figs = {f.measure.key: f for f in headline.figures(_row(episodes=161), _row(episodes=0), _row(episodes=0), P,
                                                        gaps=gaps)}
    assert figs["episodes"].value == "161"
    assert figs["episodes"].delta is None and figs["episodes"].last_year is None
    assert figs["episodes"].note == "Not compared: no earlier data."


def test_a_measure_whose_source_is_off_shows_no_figure_and_says_why():
    why = "Offence figures are not shown: Offences are switched off in Sources."
    figs = {f.measure.key: f for f in headline.figures(_row(), _row(), _row(), P, unavailable={"offences": why})}
    assert (figs["offences"].value, figs["offences"].delta, figs["offences"].note) == ("—", None, why)


def test_suppressed_figures_show_c_and_no_change_in_either_direction():
    figs = _figs(_row(), _row(weapon_offences=20), _row())
    assert figs["weapon_offences"].value == "c"
    assert figs["weapon_offences"].delta is None and figs["weapon_offences"].last_year is None
    figs = _figs(_row(weapon_offences=20), _row(weapon_offences=4), _row(weapon_offences=3))
    assert figs["weapon_offences"].value == "20"
    assert figs["weapon_offences"].delta is None  # 20 against a hidden 4 would reveal it
    shares = _figs(_row(rhi_offered_72h=4, rhi_eligible=5), _row(), _row())
    assert shares["rhi_72h_share"].value == "c" and shares["rhi_72h_share"].delta is None


def test_every_measure_sits_under_one_oba_question():
    figs = headline.figures(_row(), _row(), _row(), P)
    sections = headline.by_section(figs)
    assert list(sections) == ["How much did we do?", "How well did we do it?", "Is anyone better off?"]
    keys = [f.measure.key for group in sections.values() for f in group]
    assert sorted(keys) == sorted(m.key for m in headline.MEASURES)
