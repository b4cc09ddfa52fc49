"""Relative Rate Index on known numbers."""

import math

import pandas as pd
import pytest

from contextmap import rri


def _table(kind="events", min_events=10):
    counts = pd.DataFrame({"group": ["White", "Black", "Other", "Unknown"], "events": [100, 40, 3, 7]})
    pop = pd.DataFrame({"group": ["White", "Black", "Other"], "children": [10_000.0, 1_000.0, 500.0]})
    return rri.rri_table(counts, pop, "White", kind=kind, min_events=min_events).set_index("group")


def test_rri_and_poisson_interval_match_hand_calculation():
    row = _table().loc["Black"]
    assert row.rri == pytest.approx(4.0)
    se = math.sqrt(1 / 40 + 1 / 100)
    assert row.ci_low == pytest.approx(4 * math.exp(-1.959964 * se), rel=1e-5)
    assert row.ci_high == pytest.approx(4 * math.exp(1.959964 * se), rel=1e-5)
    assert row.rate_per_1000 == pytest.approx(40.0)
    assert rri.reading(row).endswith("(clearly higher)")


def test_children_use_the_risk_ratio_interval_which_is_narrower():
    events, children = _table("events").loc["Black"], _table("children").loc["Black"]
    se = math.sqrt(1 / 40 - 1 / 1000 + 1 / 100 - 1 / 10_000)
    assert children.ci_high == pytest.approx(4 * math.exp(1.959964 * se), rel=1e-5)
    assert children.ci_high < events.ci_high


def test_reference_is_one_and_small_or_unpopulated_groups_get_no_ratio():
    t = _table()
    assert t.loc["White", "rri"] == pytest.approx(1.0)
    assert t.loc["White", "note"] == rri.REFERENCE
    assert math.isnan(t.loc["Other", "rri"]) and t.loc["Other", "note"] == rri.TOO_SMALL
    assert math.isnan(t.loc["Unknown", "rri"]) and t.loc["Unknown", "note"] == rri.NO_POPULATION
    assert rri.reading(t.loc["Other"]) == rri.TOO_SMALL


def test_interval_spanning_one_reads_as_no_clear_difference():
    counts = pd.DataFrame({"group": ["White", "Mixed"], "events": [100, 12]})
    pop = pd.DataFrame({"group": ["White", "Mixed"], "children": [10_000.0, 1_000.0]})
    row = rri.rri_table(counts, pop, "White").set_index("group").loc["Mixed"]
    assert row.ci_low < 1 < row.ci_high
    assert "no clear difference" in rri.reading(row)


def test_shipped_population_is_labelled_illustrative_and_covers_groups():
    pop = rri.load_population()
    assert set(pop["source"]) == {"illustrative"}
    eth = rri.population_by("ethnic_group", pop)
    assert {"White", "Asian", "Black", "Mixed", "Other"} <= set(eth["group"])
    sex = rri.population_by("sex", pop)
    assert sex["children"].sum() == pop["children_10_17"].sum()
    la = rri.population_by("looked_after", pop).set_index("group")["children"]
    assert la.sum() == pop["children_10_17"].sum()
