"""The cards' counts over every breakdown (``card_cells``): the same figures the Overview's
queries give, guarded so that no hidden count can be worked out from the cards and Trends
put side by side, breakdown by breakdown."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from contextmap import card_cells, disclosure, headline, queries, trends
from contextmap.filters import ALL, LOOKED_AFTER, WHOLE, Filters
from tests import certainty

POLICY = disclosure.Policy()
CALDERDALE = "E08000033"


def _last_month(con) -> date:
    value = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    return value.date() if hasattr(value, "date") else value


def _choices(con) -> list[dict]:
    """No filter, one breakdown at a time, and three together."""
    localities = [x for (x,) in con.execute("select distinct locality from mart_episode_cells "
                                            "where locality is not null order by 1").fetchall()]
    return [{}, {"sexes": ("F",)}, {"age_bands": ("18+",)}, {"looked_after": "Looked after"},
            {"locality": localities[0]}, {"sexes": ("M",), "age_bands": ("16-17",), "looked_after": "Not looked after"}]


@pytest.mark.parametrize("build, scope", [("sample", WHOLE), ("force", WHOLE), ("force", CALDERDALE)])
def test_card_cells_count_what_the_overview_queries_count(sample_con, force_con, build, scope):
    con = sample_con if build == "sample" else force_con
    query = queries.bind(con, scope=scope)
    end = _last_month(con)
    year = Filters(end, period="year", data_end=end, scope=scope)
    for narrow in _choices(con):
        f = replace(year, **narrow)
        cells = card_cells.fetch(query, scope, f.month_from, f.month_to, "year")
        node = card_cells.node(f)
        quarter = f.parts()[-1]
        for g in (f, quarter, quarter.parts()[-1]):
            want = headline.headline_row(query("overview_episodes", g), query("overview_offences", g))
            pick = (cells["period"] == g.period) & (cells["start"] == pd.Timestamp(g.month_from))
            for d, v in node.items():
                pick &= cells[d] == v
            got = cells.loc[pick, list(card_cells.COUNTS)]
            got = got.iloc[0] if len(got) else pd.Series(0, index=list(card_cells.COUNTS))
            for col in card_cells.COUNTS:
                assert got[col] == want[col], (narrow, g.label, col)


def _read_months(shown: pd.DataFrame, dims: tuple[str, ...], count: str) -> certainty.Reader:
    """A reader of every month's card for every choice of the breakdowns ``dims`` (each value
    or all; the others all): cells are the months' combinations of their values. ``shown``
    keeps each count as it was before the guard in ``before``."""
    reader = certainty.Reader(POLICY)
    values = {d: sorted(set(shown[d]) - {ALL}) for d in dims}
    others = [d for d in card_cells.DIMS if d not in dims]
    for row in shown[(shown[others] == ALL).all(axis=1)].itertuples(index=False):
        before = row.before
        node = {d: getattr(row, d) for d in dims}
        if card_cells.NONE in node.values():
            continue  # no filter shows it alone
        choices = [[v] if v != ALL else values[d] for d, v in node.items()]
        text = disclosure.fmt_count(getattr(row, count), POLICY)
        if text == disclosure.SUPPRESSED and before > POLICY.suppress_max:
            text = certainty.SECONDARY
        reader.read((str(row.start.date()), *node.values()), [(*c, row.start) for c in itertools.product(*choices)],
                    text)
    return reader


def test_no_hidden_month_is_pinned_by_the_cards_and_trends_breakdown_by_breakdown(force_con):
    """Calderdale's every month of a year, every node (as the cards and Trends show it): a
    month's count is the sum of its values' along each breakdown. Guarded only across periods,
    its episodes in May 2024 pinned 6 hidden counts (an 'Unknown' locality's looked-after
    16-17-year-olds at exactly 1). The force user's councils by sex, by looked-after status
    and sex, by age band and by locality pinned none before either (every breakdown of five
    councils at once makes programmes of minutes)."""
    query = queries.bind(force_con, scope=CALDERDALE)
    f = Filters(date(2024, 4, 1), period="year", scope=CALDERDALE)
    raw = card_cells.fetch(query, CALDERDALE, f.month_from, f.month_to, "month")
    dims = card_cells.dims(CALDERDALE)
    shown = card_cells.guard(raw.assign(before=raw["episodes"]), POLICY, dims)
    pinned = _read_months(shown, dims, "episodes").pinned()
    assert not pinned, pinned


def test_trends_hide_each_month_the_cards_hide(force_con):
    query = queries.bind(force_con, scope=CALDERDALE)
    end = _last_month(force_con)
    start = end - relativedelta(months=11)
    f = Filters(end, data_end=end, scope=CALDERDALE)
    measure = trends.MEASURES["episodes"]
    checked = hidden = 0
    for split, values in (("sex", ("F", "M")), ("looked_after", LOOKED_AFTER[1:])):
        rows = trends.rows(query, measure, f, start, split, POLICY)
        for month, value, n in zip(rows["month"], rows["split_value"], rows["episodes"]):
            if value not in values:
                continue
            narrow = {"sexes": (value,)} if split == "sex" else {"looked_after": value}
            g = replace(f, month=pd.Timestamp(month).date(), **narrow)
            card = headline.card_row(query, g, POLICY)["episodes"]
            assert disclosure.fmt_count(n, POLICY) == disclosure.fmt_count(card, POLICY), (split, value, month)
            checked += 1
            hidden += disclosure.is_suppressed(card, POLICY)
    assert checked > 20 and hidden
