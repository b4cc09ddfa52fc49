"""The overview and the meeting pack on the sample build: fair comparisons, one rule for
cards and sentences, every filter followed or named, and emerging hotspots that read clearly.

Each test drives ``pack_collect.collect`` (what the Overview page and the pack both show) over the
real sample build.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from contextmap import disclosure, map_view, pack, pack_collect, queries, settings
from contextmap.filters import Filters

POLICY = disclosure.Policy.from_settings()
FIRST_MONTH = date(2023, 11, 1)  # the sample's first month of data
OFFENCE_KEYS = {"offences", "serious_violence", "weapon_offences"}


def _collect(con, f: Filters) -> pack_collect.Overview:
    return pack_collect.collect(queries.bind(con), f, POLICY, "Kirklees")


def test_the_first_month_of_data_reports_no_rise_from_zero(sample_con):
    """Months before the data start are unknown, not zero: nothing "rose from 0"."""
    ov = _collect(sample_con, Filters(FIRST_MONTH))
    assert not any(" rose " in s or " fell " in s for s in ov.sentences), ov.sentences
    assert any("not compared with last month (no earlier data)" in s for s in ov.sentences), ov.sentences
    for fig in ov.figures:
        assert fig.delta is None and fig.last_year is None, (fig.measure.key, fig.delta, fig.last_year)
        assert "no earlier data" in (fig.note or ""), fig.measure.key
    html = pack.build_html(ov, pack_collect.Extras(None, "", ""), {"Map": b""}, POLICY)
    assert "no earlier data" in html and "+161" not in html


def test_a_period_reaching_before_the_data_says_so_and_is_not_compared(sample_con):
    ov = _collect(sample_con, Filters(date(2024, 3, 1), period="year"))
    assert any("The data start in November 2023" in c for c in ov.caveats), ov.caveats
    assert all(fig.delta is None for fig in ov.figures)


@pytest.mark.parametrize("month", [date(2025, m, 1) for m in (1, 4, 7, 10)] + [date(2026, 10, 1)])
def test_cards_never_contradict_the_sentences(sample_con, month):
    """The card's change and the sentence come from one test: "about the same" in one is never a rise in the other."""
    ov = _collect(sample_con, Filters(month))
    subjects = {"episodes": "Missing episodes across", "children": "Children going missing across",
                "offences": "Offences involving young people across"}
    figs = {f.measure.key: f for f in ov.figures}
    for key, subject in subjects.items():
        sentence = next(s for s in ov.sentences if s.startswith(subject) and "last month" in s)
        fig = figs[key]
        if "about the same" in sentence or "were the same" in sentence:
            assert fig.delta_arrow == "off" and "the same" in fig.delta, (sentence, fig.delta)
        else:
            rose = " rose " in sentence
            assert fig.delta_arrow == "auto" and fig.delta.startswith("+" if rose else "-"), (sentence, fig.delta)
        assert "exact Poisson test" in sentence or "were the same" in sentence, sentence


def test_offence_figures_follow_the_sources_filter(sample_con):
    """With Offences switched off, no offence figure or sentence is shown as if it still counted."""
    f = Filters(date(2026, 10, 1), sources=("missing_from", "missing_found", "rhi_mention"))
    ov = _collect(sample_con, f)
    for fig in ov.figures:
        if fig.measure.key in OFFENCE_KEYS:
            assert fig.value == "—" and "switched off in Sources" in fig.note
        else:
            assert fig.value not in ("—", "")
    assert not any(s.startswith(("Offences involving", "Serious youth", "Offences involving a weapon"))
                   for s in ov.sentences)
    assert sum("Offences are switched off" in s for s in ov.sentences) == 1
    assert len(ov.places) and (ov.places["Offences"] == "—").all()


def test_figures_name_the_filters_they_ignore(sample_con):
    ov = _collect(sample_con, Filters(date(2026, 10, 1), looked_after="Looked after", age_bands=("14-15",)))
    figs = {f.measure.key: f for f in ov.figures}
    assert "Not narrowed by looked-after status" in figs["offences"].note
    assert figs["episodes"].note is None
    assert "looked-after status" in " ".join(ov.sentences)
    assert "Not narrowed by age band or looked-after status" in ov.notes["Places with the most activity"]
    assert "Not narrowed by age band or looked-after status" in ov.notes["Emerging hotspots"]


def test_emerging_hotspots_state_their_window_round_ratios_and_list_only_flagged_units(sample_con):
    ov = _collect(sample_con, Filters(date(2026, 10, 1)))
    assert len(ov.emerging) > 0
    assert "No pattern" not in set(ov.emerging["Pattern"])
    assert all(re.fullmatch(r"(at least )?(\d+(\.\d)?–)?\d+(\.\d)?×|>100×|—", r) for r in ov.emerging["Recent vs usual"]), \
        list(ov.emerging["Recent vs usual"])
    assert "quarter so far (October 2026)" in ov.notes["Emerging hotspots"]
    assert "August 2026 to October 2026" in ov.notes["Active peer groups"]


def test_a_two_month_window_shows_no_count_and_says_why(sample_con):
    ov = _collect(sample_con, Filters(date(2026, 8, 1)))
    assert len(ov.emerging) > 0
    assert set(ov.emerging["Recent events"]) == {"—"} and set(ov.emerging["Recent vs usual"]) == {"—"}
    assert "quarter so far (July 2026 to August 2026)" in ov.notes["Emerging hotspots"]
    assert "Two months into a quarter, the events so far and the ratio are not shown" in ov.notes["Emerging hotspots"]
    assert "first two months" not in _collect(sample_con, Filters(date(2026, 9, 1))).notes["Emerging hotspots"]


def test_the_map_colours_every_flagged_unit(sample_con):
    """An area the emerging test flags is never drawn as "No pattern" (white)."""
    f = Filters(date(2026, 8, 1))
    data = map_view.map_data(queries.bind(sample_con), f, POLICY, "ward", "emerging",
                             settings.current().hotspots.place_weights)
    flagged = set(data.classes.loc[data.classes["is_emerging"], "code"])
    assert flagged, "the sample has emerging wards in the quarter so far to August 2026"
    shown = data.values.set_index("code").loc[sorted(flagged), "category"]
    assert "No pattern" not in set(shown), shown.to_dict()
    # August is a quarter's second month: its two months' events are not shown, nor a ratio.
    lines = [line for area in data.values.set_index("code").loc[sorted(flagged), "lines"] for line in area
             if line.startswith("Emerging pattern")]
    assert lines and all("events in July 2026 to August 2026 not shown" in line and "baseline" not in line
                         for line in lines), lines


@pytest.mark.parametrize(("ratio", "text"), [(156.0, ">100×"), (12.4, "12×"), (2.46, "2.5×"), (3.0, "3×"),
                                             (None, "—")])
def test_ratios_read_as_people_say_them(ratio, text):
    from contextmap import fmt

    assert fmt.ratio(ratio) == text
