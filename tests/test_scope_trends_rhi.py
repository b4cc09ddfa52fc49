"""The Trends and Return home interviews pages at each scope of a force-wide build (Streamlit
AppTest, the force sample served in demo mode, as tests/test_scope_pages.py).

A council user opens both pages by URL and sees their own council's figures: the missing
episodes of its own children, checked month by month against a count made here with
pandas from the council's own input file (data/sample_force/<code>/missing_episodes.csv),
not with the dashboard's SQL. A force user sees the five councils' files together, as
before scopes. Every CSV the pages prepare for download holds the same figures (a council
user's meeting pack: tests/test_scope_pack.py).
"""

from __future__ import annotations

import base64
import csv
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from contextmap import disclosure
from contextmap.filters import Filters
from contextmap.settings import ROOT
from contextmap.ui.navigation import PAGES
from tests import test_scope_pages
from tests.test_pages_privacy import PSEUDONYM, _visible_text, visible_small_counts
from tests.test_scope_pages import KIRKLEES, _start

# The force build served as the dashboard opens it (a module fixture of test_scope_pages).
served = test_scope_pages.served

SAMPLE = ROOT / "data" / "sample_force"
COUNCILS = ("E08000032", "E08000033", "E08000034", "E08000035", "E08000036")
# The largest change cell-key perturbation makes to a count (the built-in p-table).
NOISE = int(abs(disclosure.Policy().ptable()).max())


def _times(values: pd.Series) -> pd.Series:
    """The input files' two date forms: ISO 8601, and day/month/year with hours and minutes."""
    text = values.fillna("").str.strip()
    iso = pd.to_datetime(text.where(text.str.match(r"^\d{4}-")), format="ISO8601", errors="coerce")
    return iso.fillna(pd.to_datetime(text.where(text.str.contains("/")), format="%d/%m/%Y %H:%M", errors="coerce"))


def episodes_from_files(councils) -> pd.DataFrame:
    """Per month an episode started: episodes, and those that ended, from the councils' own files."""
    files = [pd.read_csv(SAMPLE / c / "missing_episodes.csv", dtype=str) for c in councils]
    eps = pd.concat(files, ignore_index=True)
    eps = eps.assign(month=_times(eps["start_datetime"]).dt.to_period("M").dt.to_timestamp(),
                     ended=_times(eps["end_datetime"]).notna())
    return eps.groupby("month").agg(episodes=("episode_id", "size"), returned=("ended", "sum"))


def _open(role: str, council: str | None, page_id: str):
    at = _start(role, council)
    at.switch_page(PAGES[page_id][0])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == PAGES[page_id][1]
    return at


def _values(data) -> list:
    """A plotly array as sent to the browser: a list, or a typed array (dtype, base64 bytes)."""
    if isinstance(data, dict) and "bdata" in data:
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return data


def _chart_months(at) -> pd.Series:
    """The Trends bar chart: shown value by month (hidden months left out)."""
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = next(t for t in spec["data"] if t.get("type") == "bar")
    shown = pd.Series(_values(bars["y"]), index=pd.to_datetime(_values(bars["x"])), dtype=float)
    return shown.dropna()


def _within_noise(shown: pd.Series, truth: pd.Series) -> None:
    truth = truth.reindex(shown.index).fillna(0)
    assert len(shown) >= 12, "too few months shown to prove anything"
    assert (shown - truth).abs().max() <= NOISE, pd.DataFrame({"shown": shown, "truth": truth})


@pytest.mark.parametrize("council", [KIRKLEES, None], ids=["Kirklees", "force"])
def test_trends_shows_the_scopes_own_missing_episodes(served, prepared, council):
    at = _open("analyst", council, "trends")
    shown = _chart_months(at)
    own = episodes_from_files([council] if council else COUNCILS)["episodes"]
    _within_noise(shown, own)
    if council:
        force = episodes_from_files(COUNCILS)["episodes"].reindex(shown.index)
        assert (force - shown).min() > 4 * NOISE  # not the force's figures
        assert any(i.value.startswith("Kirklees only") for i in at.info)
    else:
        assert not any("only:" in i.value for i in at.info)
    assert not visible_small_counts(at) and not PSEUDONYM.search(_visible_text(at))
    # The download holds the chart's figures, month by month, and nothing else.
    table = next(t for t in prepared if "Missing episodes" in t.columns)
    assert set(table["Group"]) == {"All"}
    exported = pd.Series(pd.to_numeric(table["Missing episodes"].str.replace(",", ""), errors="coerce").to_numpy(),
                         index=pd.to_datetime(table["Month"], format="%B %Y")).dropna()
    pd.testing.assert_series_equal(exported.astype(float), shown, check_names=False, check_freq=False)


def test_trends_split_by_locality_for_a_council_counts_only_its_own_children(served, prepared):
    at = _open("analyst", KIRKLEES, "trends")
    at.selectbox(key="t_split").set_value("locality").run()
    assert not at.exception, [e.value for e in at.exception]
    table = prepared[-1]
    lines = pd.to_numeric(table["Missing episodes"].str.replace(",", ""), errors="coerce")
    months = pd.to_datetime(table["Month"], format="%B %Y")
    own = episodes_from_files([KIRKLEES])["episodes"]
    # The localities' lines add up to no more than Kirklees's own episodes (plus the noise of each line).
    for month, part in lines.groupby(months):
        assert part.sum() <= own.get(month, 0) + NOISE * len(part)


@pytest.mark.parametrize("council", [KIRKLEES, None], ids=["Kirklees", "force"])
def test_the_rhi_page_shows_the_scopes_own_episodes_and_exports_them_only(served, prepared, council):
    at = _open("analyst", council, "rhi")
    f: Filters = at.session_state["filters"]
    ended = episodes_from_files([council] if council else COUNCILS)["returned"]
    truth = int(ended[(ended.index >= pd.Timestamp(f.month_from)) & (ended.index <= pd.Timestamp(f.month_to))].sum())
    by_status = next(t for t in prepared if "Episodes ended" in t.columns and "Looked after" in set(t["Group"]))
    counts = pd.to_numeric(by_status["Episodes ended"].str.replace(",", ""), errors="coerce")
    assert counts.notna().all(), by_status
    assert abs(counts.sum() - truth) <= NOISE * len(counts), (by_status, truth)
    if council:
        force = episodes_from_files(COUNCILS)["returned"]
        force_total = int(force[(force.index >= pd.Timestamp(f.month_from))
                                & (force.index <= pd.Timestamp(f.month_to))].sum())
        assert force_total - truth > 4 * NOISE * len(counts)
        assert any(i.value.startswith("Kirklees only") for i in at.info)
    assert len(at.get("plotly_chart")) == 1  # the monthly chart is drawn for the scope too
    assert not visible_small_counts(at) and not PSEUDONYM.search(_visible_text(at))


def test_the_sample_files_are_read_as_the_build_reads_them(served):
    """The recount here matches the build's own count of each council's episodes, so a
    difference on a page is the page's, not this file's reading of dates."""
    con = duckdb.connect(str(served), read_only=True)
    built = con.execute("select owner_code, sum(episodes)::int from mart_episode_cells group by 1").fetchall()
    con.close()
    assert dict(built) == {c: int(episodes_from_files([c])["episodes"].sum()) for c in COUNCILS}
    with open(SAMPLE / KIRKLEES / "missing_episodes.csv", newline="") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == episodes_from_files([KIRKLEES])["episodes"].sum()
