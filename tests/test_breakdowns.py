"""Two breakdowns at a time: locality, looked-after status, age band and sex narrowed together
(a sidebar filter, or a Trends split) pin hidden counts; two at a time pin none."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

from dateutil.relativedelta import relativedelta

from contextmap import disclosure, queries, trends
from contextmap.filters import BREAKDOWNS, LOOKED_AFTER, MAX_NARROWED, Filters
from tests import certainty

POLICY = disclosure.Policy()
CALDERDALE = "E08000033"
NONE = "(no locality)"


def test_a_link_with_more_breakdowns_than_the_limit_keeps_the_first_two():
    f = Filters.from_query({"locality": "Halifax", "sexes": "F", "age_bands": "18+", "looked_after": "Looked after"},
                           date(2026, 9, 1), date(2023, 11, 1), ["Halifax"])
    assert f.narrowed() == ("locality", "looked_after") and len(f.sexes) > 1 and len(f.age_bands) > 1
    assert Filters.from_query({"sexes": "F", "age_bands": "18+"}, date(2026, 9, 1), date(2023, 11, 1), []).narrowed() \
        == ("age_bands", "sexes")


def test_trends_offers_a_breakdown_split_only_while_one_more_is_allowed():
    measure = trends.MEASURES["episodes"]
    one = Filters(date(2026, 1, 1), sexes=("F",))
    assert trends.splits(measure, one) == measure.splits
    two = replace(one, looked_after="Looked after")
    assert set(trends.splits(measure, two)) == {"none", "theme", "sex", "looked_after"}


def _nodes(values: dict[str, list]) -> list[dict]:
    """Every choice of the breakdowns with at most MAX_NARROWED narrowed to one value (the rest all)."""
    out = []
    for k in range(MAX_NARROWED + 1):
        for names in itertools.combinations(BREAKDOWNS, k):
            for chosen in itertools.product(*(values[n] for n in names)):
                out.append(dict(zip(names, chosen)))
    return out


def test_cards_and_trends_pin_no_hidden_month_two_breakdowns_at_a_time(force_con):
    """Calderdale's missing episodes for every month of the year to March 2025 and every choice
    the sidebar and Trends allow (a month's card and a Trends point are the same perturbed cell;
    a month has no parts to guard it against). Every combination of the four at once pinned 5
    hidden counts exactly in May 2024 (raise MAX_NARROWED to 4 to see them)."""
    rows = force_con.execute("""
        select distinct coalesce(locality, ?), case when is_looked_after then 'Looked after' else 'Not looked after'
               end, age_band, sex
        from mart_episode_cells where owner_code = ?""", [NONE, CALDERDALE]).fetchall()
    values = {name: sorted({r[i] for r in rows}) for i, name in enumerate(BREAKDOWNS)}
    assert set(values["looked_after"]) <= set(LOOKED_AFTER)
    reader = certainty.Reader(POLICY)
    month = date(2024, 4, 1)
    for _ in range(12):
        f = Filters(month, scope=CALDERDALE)
        for node in _nodes({**values, "locality": [v for v in values["locality"] if v != NONE]}):
            g = replace(f, **{n: (v,) if n in ("age_bands", "sexes") else v for n, v in node.items()})
            shown = queries.run(force_con, "overview_episodes", policy=POLICY, **g.params()).iloc[0]["episodes"]
            cells = itertools.product(*([node[n]] if n in node else values[n] for n in BREAKDOWNS))
            reader.read((month, *node.items()), [(*c, month) for c in cells], disclosure.fmt_count(shown, POLICY))
        month += relativedelta(months=1)
    pinned = reader.pinned()
    assert not pinned, pinned
