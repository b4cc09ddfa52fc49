"""The Disproportionality page at each scope of a force-wide build (Streamlit AppTest, the
force sample served in demo mode, as tests/test_scope_pages.py).

A council user opens the page by URL and sees their own council's children: the missing
episodes (and the children behind them) of its children aged 10–17 by sex, checked against
a count made here with pandas from the council's own input file
(data/sample_force/<code>/missing_episodes.csv), not with the dashboard's SQL, and their
rates per 1,000 of the council's own children aged 10–17 in the population file (read
here with pandas). A force user sees the five councils' files together, divided by the
five councils' children. Where the population file lacks a council, or has no council
column, the page gives counts only and says why. The CSV the page prepares for download
holds the figures on screen.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from contextmap import disclosure, rri
from contextmap.filters import Filters
from contextmap.settings import ROOT
from contextmap.ui.navigation import PAGES
from tests import test_scope_pages
from tests.settings_files import settings_text, use_settings
from tests.test_pages_privacy import PSEUDONYM, _visible_text, visible_small_counts
from tests.test_scope_pages import KIRKLEES, _start
from tests.test_scope_trends_rhi import COUNCILS, NOISE, SAMPLE, _times

served = test_scope_pages.served

POLICY = disclosure.Policy()
SEX = {"M": "Male", "F": "Female", "X": "Other"}
POPULATION = ROOT / "data" / "geography" / "children_10_17_ethnicity_ILLUSTRATIVE.csv"


def children_by_sex(councils) -> pd.Series:
    """Children aged 10–17 of ``councils`` by sex (label), summed here from the population file."""
    pop = pd.read_csv(POPULATION, comment="#", dtype={"council_code": str})
    pop = pop[pop["council_code"].isin(councils)]
    return pop.groupby(pop["sex"].map(SEX))["children_10_17"].sum()


def _age(eps: pd.DataFrame, started: pd.Series) -> pd.Series:
    """Age at the start: from the date of birth (ISO or day/month/year) when it is not after
    the start, else the age given."""
    text = eps["date_of_birth"].fillna("").str.strip()
    dob = pd.to_datetime(text.where(text.str.match(r"^\d{4}-")), format="ISO8601", errors="coerce").fillna(
        pd.to_datetime(text.where(text.str.contains("/")), format="%d/%m/%Y", errors="coerce"))
    years = started.dt.year - dob.dt.year - ((started.dt.month < dob.dt.month)
                                             | ((started.dt.month == dob.dt.month) & (started.dt.day < dob.dt.day)))
    given = pd.to_numeric(eps["age"], errors="coerce")
    return years.where(dob.notna() & (dob <= started), given)


def missing_by_sex(councils, month_from, month_to) -> pd.DataFrame:
    """Per sex (a child's most often recorded, ties to the first code): episodes of children
    aged 10–17 starting in the months, and the distinct children, from the councils' own files."""
    out = []
    for c in councils:
        eps = pd.read_csv(SAMPLE / c / "missing_episodes.csv", dtype=str)
        started = _times(eps["start_datetime"])
        eps = eps.assign(started=started, age_years=_age(eps, started), person=c + ":" + eps["person_id"].str.strip())
        known = eps[eps["sex"].isin(list(SEX))]
        counts = known.groupby(["person", "sex"]).size().reset_index(name="n")
        top = counts.sort_values(["person", "n", "sex"], ascending=[True, False, True]).drop_duplicates("person")
        eps["group"] = eps["person"].map(top.set_index("person")["sex"].map(SEX)).fillna("Unknown")
        month = eps["started"].dt.to_period("M").dt.to_timestamp()
        out.append(eps[(month >= pd.Timestamp(month_from)) & (month <= pd.Timestamp(month_to))
                       & eps["age_years"].between(10, 17)])
    eps = pd.concat(out)
    return eps.groupby("group").agg(events=("episode_id", "size"), children=("person", "nunique"))


def _open(council: str | None, measure: str):
    at = _start("analyst", council, {"period": "year"})
    at.switch_page(PAGES["disproportionality"][0])
    at.run()
    at.selectbox(key="d_dim").set_value("sex").run()
    at.selectbox(key="d_measure").set_value(measure).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == PAGES["disproportionality"][1]
    return at


def _counts(table: pd.DataFrame) -> pd.Series:
    return pd.Series(pd.to_numeric(table["Count"].astype(str).str.replace(",", ""), errors="coerce").to_numpy(),
                     index=table["Group"].to_numpy(), dtype=float)


@pytest.mark.parametrize("kind", ["events", "children"])
@pytest.mark.parametrize("council", [KIRKLEES, None], ids=["Kirklees", "force"])
def test_the_page_shows_the_scopes_own_children_and_exports_them_only(served, prepared, council, kind):
    at = _open(council, f"missing:{kind}")
    f: Filters = at.session_state["filters"]
    assert f.period == "year"
    truth = missing_by_sex([council] if council else COUNCILS, f.month_from, f.month_to)[kind]
    screen = at.dataframe[0].value
    exported = prepared[-1]
    shown = _counts(exported)  # a hidden count ("c") is NaN
    assert shown.notna().sum() >= 3, exported
    assert (shown - truth.reindex(shown.index).fillna(0)).abs().max() <= NOISE, (exported, truth)
    assert (truth.reindex(shown[shown.isna()].index).fillna(0) <= POLICY.suppress_max).all(), (exported, truth)
    # The download is the table on screen, and nothing else (a hidden count sorts as 0.5 there).
    assert list(exported["Group"]) == list(screen["Group"])
    pd.testing.assert_series_equal(_counts(screen).where(shown.notna()), shown)
    assert not visible_small_counts(at) and not PSEUDONYM.search(_visible_text(at))
    # Rates per 1,000 of the scope's own children aged 10-17: the count shown (perturbed, so
    # the rate tells no more than the count) over the population summed here.
    children = children_by_sex([council] if council else COUNCILS)
    rates = pd.to_numeric(exported.set_index("Group")["Rate per 1,000"].replace("", pd.NA))
    rated = rates.dropna().index
    assert set(rated) == {"Male", "Female"}, exported
    assert (rates[rated] - (1000 * shown[rated] / children[rated]).round(1)).abs().max() < 1e-9
    assert (rates[rated] - 1000 * truth[rated] / children[rated]).abs().max() <= 1000 * NOISE / children.min() + 0.05
    assert exported.set_index("Group")["RRI"].replace("", pd.NA).dropna().size == 2
    assert len(at.get("plotly_chart")) == 1
    whose = "Kirklees" if council else "the five councils"
    assert any(w.value.startswith(f"The population figures behind these rates, for {whose}, are **illustrative**")
               for w in at.warning)
    if council:
        force = missing_by_sex(COUNCILS, f.month_from, f.month_to)[kind]
        assert (force.reindex(shown.index) - shown).min() > 4 * NOISE  # not the force's figures
        assert any(i.value.startswith("Kirklees only") for i in at.info)
    else:
        assert not any("only:" in i.value for i in at.info)


def _with_population(monkeypatch, tmp_path, rows: pd.DataFrame):
    """The force's settings with ``rows`` as the population file (for one test)."""
    rows.to_csv(tmp_path / "population.csv", index=False)
    use_settings(tmp_path, monkeypatch, text=settings_text(
        "contextmap-west-yorkshire.toml", disproportionality__population=f'"{tmp_path / "population.csv"}"'))


def _plain(markdown: str) -> str:
    """Markdown text as read on screen (escaped characters unescaped)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _no_rates(at) -> pd.DataFrame:
    exported = at.dataframe[0].value
    assert exported["RRI"].replace("", pd.NA).isna().all() and set(exported["Reading"]) == {rri.NO_POPULATION}
    assert not at.get("plotly_chart") and not any("illustrative" in w.value for w in at.warning)
    return exported


@pytest.mark.parametrize("council", [KIRKLEES, None], ids=["Kirklees", "force"])
def test_a_file_without_councils_gives_a_force_build_counts_only(served, monkeypatch, tmp_path, council):
    pop = pd.read_csv(POPULATION, comment="#", dtype={"council_code": str})
    _with_population(monkeypatch, tmp_path, pop[pop["council_code"] == KIRKLEES].drop(columns="council_code"))
    at = _open(council, "missing:events")
    exported = _no_rates(at)
    assert _counts(exported).notna().sum() >= 3
    assert any("has no council_code column" in _plain(w.value) for w in at.warning), [w.value for w in at.warning]


def test_a_file_missing_a_council_gives_the_force_and_that_council_no_rates(served, monkeypatch, tmp_path):
    pop = pd.read_csv(POPULATION, comment="#", dtype={"council_code": str})
    _with_population(monkeypatch, tmp_path, pop[pop["council_code"] != "E08000036"])
    for council in (None, "E08000036"):
        at = _open(council, "missing:events")
        _no_rates(at)
        assert any("has no figures for Wakefield." in _plain(w.value) for w in at.warning), [w.value for w in at.warning]
    at = _open(KIRKLEES, "missing:events")  # Kirklees has its figures
    assert at.dataframe[0].value["RRI"].replace("", pd.NA).notna().sum() == 2


def test_a_bad_population_file_is_named_on_the_page(served, monkeypatch, tmp_path):
    pop = pd.read_csv(POPULATION, comment="#", dtype=str)
    pop.loc[3, "children_10_17"] = "lots"
    _with_population(monkeypatch, tmp_path, pop)
    at = _start("analyst", None, {"period": "year"})
    at.switch_page(PAGES["disproportionality"][0]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.dataframe
    error = _plain(" ".join(e.value for e in at.error))
    assert f"{tmp_path / 'population.csv'}, line 5, column children_10_17: 'lots' is not a whole number" in error, error


def test_the_recount_reads_the_files_as_the_build_does(served):
    """The recount over the whole sample matches the build's exact count of episodes of
    children aged 10–17 by sex, so a difference on the page is the page's."""
    import duckdb

    from contextmap import queries

    con = duckdb.connect(str(served), read_only=True)
    lo, hi = con.execute("select min(month), max(month) from mart_rri_items").fetchone()
    for scope in (KIRKLEES, queries.WHOLE):
        built = queries.run(con, "rri_counts", exact=True, month_from=lo, month_to=hi, scope=scope)
        built = built[(built["measure"] == "missing") & (built["dimension"] == "sex")].set_index("grp")[["events", "children"]]
        built.index = built.index.map(lambda g: SEX.get(g, "Unknown"))
        recount = missing_by_sex([KIRKLEES] if scope == KIRKLEES else COUNCILS, lo, hi)
        pd.testing.assert_frame_equal(built.sort_index(), recount.sort_index(), check_dtype=False, check_names=False)
    con.close()
