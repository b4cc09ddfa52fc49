"""Relative Rate Index on known numbers."""

import math
from datetime import date

import pandas as pd
import pytest

from contextmap import rri
from contextmap.settings import ROOT
from tests.settings_files import settings_text, use_settings


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


# The Kirklees rows of the population file: the figures the Kirklees sample has always used.
KIRKLEES_ROWS = {("White", "M"): 15527, ("White", "F"): 14919, ("Asian", "M"): 5252, ("Asian", "F"): 5046,
                 ("Mixed", "M"): 1142, ("Mixed", "F"): 1097, ("Black", "M"): 571, ("Black", "F"): 548,
                 ("Other", "M"): 343, ("Other", "F"): 329}
WY = ROOT / "data" / "geography" / "west_yorkshire"
POPULATION = ROOT / "data" / "geography" / "children_10_17_ethnicity_ILLUSTRATIVE.csv"
COUNCILS = {"E08000032": "Bradford", "E08000033": "Calderdale", "E08000034": "Kirklees",
            "E08000035": "Leeds", "E08000036": "Wakefield"}
FORCE = "contextmap-west-yorkshire.toml"


def _file() -> pd.DataFrame:
    return pd.read_csv(POPULATION, comment="#", dtype={"council_code": str})


def _use(tmp_path, monkeypatch, base="contextmap.toml", rows: str | None = None, **changes):
    """Settings ``base`` with ``changes``, and a population file of ``rows`` (CSV text) when given."""
    if rows is not None:
        (tmp_path / "population.csv").write_text(rows)
        changes["disproportionality__population"] = f'"{tmp_path / "population.csv"}"'
    use_settings(tmp_path, monkeypatch, text=settings_text(base, **changes))


def _without(code: str) -> str:
    return _file()[lambda d: d["council_code"] != code].to_csv(index=False)


def test_shipped_population_is_illustrative_and_covers_the_five_councils():
    text = POPULATION.read_text()
    assert text.startswith("# ILLUSTRATIVE ONLY") and "Not official statistics" in text
    pop = _file()
    assert set(pop["source"]) == {"illustrative"}
    assert set(pop["council_code"]) == set(COUNCILS)
    kirklees = pop[pop["council_code"] == "E08000034"].set_index(["ethnic_group", "sex"])["children_10_17"]
    assert kirklees.to_dict() == KIRKLEES_ROWS
    # Every other council's rows add up to its real total of children aged 10-17 (ONS mid-2020).
    lsoa = pd.read_csv(WY / "children_10_17_lsoa.csv", dtype={"lsoa_code": str})
    totals = lsoa.merge(pd.read_csv(WY / "councils.csv", dtype=str), on="lsoa_code").groupby("council_code")[
        "children_10_17"].sum()
    sums = pop.groupby("council_code")["children_10_17"].sum()
    assert (sums - totals).drop("E08000034").abs().max() == 0
    for code in COUNCILS:
        assert set(pop.loc[pop["council_code"] == code, "ethnic_group"]) == {"White", "Asian", "Black", "Mixed", "Other"}


def test_the_kirklees_build_divides_by_kirklees_figures_as_before():
    d = rri.denominators()
    assert d.whose == "Kirklees" and not d.problem and not d.looked_after_problem
    eth = rri.population_for("ethnic_group").set_index("group")["children"]
    assert eth.to_dict() == {"Asian": 10298, "Black": 1119, "Mixed": 2239, "Other": 672, "White": 30446}
    la = rri.population_for("looked_after").set_index("group")["children"]
    assert la.to_dict() == {"Looked after": 420, "Not looked after": sum(KIRKLEES_ROWS.values()) - 420}


def test_a_one_council_build_still_takes_a_file_without_councils(tmp_path, monkeypatch):
    rows = "ethnic_group,sex,children_10_17\n" + "".join(f"{g},{s},{n}\n" for (g, s), n in KIRKLEES_ROWS.items())
    _use(tmp_path, monkeypatch, rows=rows, disproportionality__looked_after_10_17="420")
    assert rri.population_for("sex").set_index("group")["children"].to_dict() == {"F": 21939, "M": 22835}
    assert rri.population_for("looked_after").set_index("group")["children"]["Looked after"] == 420


def test_the_force_divides_by_the_five_councils_and_a_council_by_its_own(force_settings):
    pop = _file()
    whole = rri.population_for("ethnic_group").set_index("group")["children"]
    assert whole.to_dict() == pop.groupby("ethnic_group")["children_10_17"].sum().to_dict()
    assert rri.denominators().whose == "the five councils"
    bradford = rri.population_for("sex", "E08000032").set_index("group")["children"]
    assert bradford.to_dict() == pop[pop["council_code"] == "E08000032"].groupby("sex")["children_10_17"].sum().to_dict()
    assert rri.denominators("E08000032").whose == "Bradford"
    la = rri.population_for("looked_after").set_index("group")["children"]
    assert la["Looked after"] == 900 + 250 + 420 + 800 + 400
    assert la.sum() == pop["children_10_17"].sum()
    assert rri.population_for("looked_after", "E08000033").set_index("group")["children"]["Looked after"] == 250


def test_a_force_build_never_divides_by_a_file_without_councils(tmp_path, monkeypatch):
    rows = "ethnic_group,sex,children_10_17\n" + "".join(f"{g},{s},{n}\n" for (g, s), n in KIRKLEES_ROWS.items())
    _use(tmp_path, monkeypatch, FORCE, rows=rows)
    for council in (None, "E08000034"):
        d = rri.denominators(council)
        assert d.population.empty and "no council_code column" in d.problem
        assert rri.population_for("ethnic_group", council).empty


def test_a_file_missing_a_council_gives_that_council_and_the_force_no_rates(tmp_path, monkeypatch):
    _use(tmp_path, monkeypatch, FORCE, rows=_without("E08000035"))
    whole = rri.denominators()
    assert whole.population.empty and rri.population_for("sex").empty
    assert "no figures for Leeds" in whole.problem and "Bradford" not in whole.problem
    assert "no figures for Leeds" in rri.denominators("E08000035").problem
    assert not rri.denominators("E08000032").problem and not rri.population_for("sex", "E08000032").empty


def test_force_wide_figures_give_force_rates_and_no_council_rates(tmp_path, monkeypatch):
    pop = _file().assign(council_code="E23000010").groupby(["council_code", "ethnic_group", "sex"], as_index=False)[
        "children_10_17"].sum()
    _use(tmp_path, monkeypatch, FORCE, rows=pop.to_csv(index=False))
    assert rri.population_for("ethnic_group").set_index("group")["children"]["White"] == \
        _file().query("ethnic_group == 'White'")["children_10_17"].sum()
    assert "no figures for Kirklees" in rri.denominators("E08000034").problem


def test_looked_after_figures_follow_the_same_rules(tmp_path, monkeypatch):
    _use(tmp_path, monkeypatch, FORCE, disproportionality__looked_after_10_17="{ E08000032 = 900, E08000034 = 420 }")
    assert rri.population_for("looked_after", "E08000034").set_index("group")["children"]["Looked after"] == 420
    assert rri.population_for("looked_after").empty and not rri.population_for("sex").empty
    whole = rri.denominators()
    assert not whole.problem and "no figure for Calderdale, Leeds and Wakefield" in whole.looked_after_problem
    assert rri.no_rates_reason(whole, "looked_after") and not rri.no_rates_reason(whole, "sex")
    assert rri.population_for("looked_after", "E08000033").empty


def test_one_looked_after_number_is_not_split_across_councils(tmp_path, monkeypatch):
    _use(tmp_path, monkeypatch, FORCE, disproportionality__looked_after_10_17="420")
    for council in (None, "E08000034"):
        assert rri.population_for("looked_after", council).empty
        assert "is one number" in rri.denominators(council).looked_after_problem


@pytest.mark.parametrize("cell, value, words", [
    ("children_10_17", "many", "'many' is not a whole number"),
    ("children_10_17", "-5", "'-5' is not a whole number"),
    ("children_10_17", "", "'' is not a whole number"),
    ("council_code", "Leeds", "'Leeds' is not an ONS area code"),
])
def test_a_bad_population_file_is_refused_naming_the_line_and_column(tmp_path, monkeypatch, cell, value, words):
    pop = _file().astype(str)
    pop.loc[7, cell] = value
    _use(tmp_path, monkeypatch, FORCE, rows="# a comment line\n" + pop.to_csv(index=False))
    with pytest.raises(rri.PopulationError) as caught:
        rri.denominators()
    # Line 1 is the comment, line 2 the header: row 7 of the frame is line 10.
    assert str(caught.value).startswith(f"Population file {tmp_path / 'population.csv'}, line 10, column {cell}: {words}")


def test_a_population_file_without_counts_is_refused(tmp_path, monkeypatch):
    _use(tmp_path, monkeypatch, FORCE, rows="council_code,ethnic_group,sex,people\nE08000032,White,M,10\n")
    with pytest.raises(rri.PopulationError, match="line 1: there is no column children_10_17"):
        rri.denominators()


def test_a_looked_after_figure_not_keyed_by_a_council_code_is_refused(tmp_path, monkeypatch):
    _use(tmp_path, monkeypatch, FORCE, disproportionality__looked_after_10_17="{ Leeds = 800 }")
    with pytest.raises(rri.PopulationError, match=r"looked_after_10_17 names Leeds, not an ONS area code"):
        rri.denominators()


def _month(rows: dict[tuple[str, str], int]) -> pd.DataFrame:
    """One month's ``rri_counts`` for missing: (dimension, group) → count, events and children alike."""
    return pd.DataFrame([{"measure": "missing", "dimension": d, "grp": g, "events": n, "children": n}
                         for (d, g), n in rows.items()])


def _shown_counts(rows: dict[tuple[str, str], int], dimension: str) -> dict[str, str]:
    from contextmap import disclosure
    from contextmap.filters import Filters

    policy = disclosure.Policy()
    counts = rri.counts(lambda name, f, **params: _month(rows), Filters(date(2025, 5, 1), period="month"), policy, dimension)
    return dict(zip(counts["grp"], (disclosure.fmt_count(n, policy) for n in counts["events"])))


def test_a_group_is_hidden_when_the_total_would_say_a_hidden_group_of_its_dimension_is_not_empty():
    # The total is at least 43 and Female and Male at most 20 each: Unknown would be at least 3.
    rows = {("total", "All"): 45, ("sex", "F"): 18, ("sex", "M"): 18, ("sex", "U"): 3,
            ("ethnic_group", "White"): 30, ("ethnic_group", "Asian"): 15,
            ("looked_after", "Looked after"): 12, ("looked_after", "Not looked after"): 33}
    sex = _shown_counts(rows, "sex")
    assert sex["U"] == "c" and list(sex.values()).count("c") == 2, sex
    # The other dimensions hide no group: none of theirs is hidden.
    assert "c" not in _shown_counts(rows, "ethnic_group").values()
    # Another dimension's groups tell the total as well as its own row does: at least 41 here.
    rows[("total", "All")], rows[("looked_after", "Not looked after")] = 40, 28
    assert list(_shown_counts(rows, "sex").values()).count("c") == 2


def test_a_dimension_is_left_as_it_is_when_its_hidden_group_can_still_be_empty():
    rows = {("total", "All"): 40, ("sex", "F"): 18, ("sex", "M"): 18, ("sex", "U"): 3,
            ("ethnic_group", "White"): 25, ("ethnic_group", "Asian"): 15,
            ("looked_after", "Looked after"): 12, ("looked_after", "Not looked after"): 28}
    assert _shown_counts(rows, "sex") == {"F": "18", "M": "18", "U": "c"}


def test_every_group_of_a_scope_is_listed_in_every_month(force_con):
    """A group left out of a month's table would be known to be empty then (a year shown 6
    over its other two quarters' "c" made each at least 1): every month lists the same groups."""
    from contextmap import queries
    from contextmap.filters import Filters

    months = [m for (m,) in force_con.execute("select distinct month from mart_rri_items order by 1").fetchall()]
    listed, empty = set(), 0
    for month in months:
        f = Filters(month, period="month", scope="E08000033")
        counts = queries.run(force_con, "rri_counts", exact=True, **f.params())
        listed.add(frozenset(zip(counts["measure"], counts["dimension"], counts["grp"])))
        empty += int((counts["events"] == 0).sum())
    assert len(listed) == 1 and empty > 0
