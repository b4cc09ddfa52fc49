"""Headline figures: suppressed as on screen, changes that do not overstate small numbers."""

import pandas as pd

from contextmap import headline
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
    figs = _figs(_row(), _row(episodes=100, looked_after_episodes=30), _row(episodes=150))
    assert figs["episodes"].value == "120"
    assert figs["episodes"].delta == "+20%"
    assert figs["episodes"].last_year == "-20% on last year"
    assert figs["looked_after_share"].value == "40%"
    assert figs["looked_after_share"].delta == "+10 points"
    assert figs["rhi_72h_share"].value == "84%"


def test_small_base_gives_a_difference_not_a_percentage():
    figs = _figs(_row(serious_violence=12), _row(serious_violence=8), _row(serious_violence=6))
    assert figs["serious_violence"].delta == "+4"
    assert figs["serious_violence"].last_year == "+6 on last year"


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
