"""The period guard on hand-made counts: what a total hides, and what it lets a reader know.

Each case is a reader's own working (``tests/certainty.py`` solves the same on real builds):
a shown s is s - 2 to s + 2 (at least 6), a "c" 0 to 5, a "c" the guard hid more than 5.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from contextmap import disclosure, period_guard
from contextmap.filters import Filters

POLICY = disclosure.Policy()


def _guarded(values: dict[tuple[str, date], int], f: Filters, additive: bool = True) -> int:
    """The guarded count of ``f`` when each period's count (as its own query shows it,
    before any guard) is ``values[(period, first month)]``; periods not listed hold nothing."""
    def fetch(g: Filters) -> pd.DataFrame:
        return pd.DataFrame({"unit": ["A"], "events": [values.get((g.period, g.month_from), 0)]})

    out = period_guard.guard(fetch, f, POLICY, keys=["unit"], counts=["events"],
                             additive=["events"] if additive else [])
    return int(out["events"].iloc[0])


def _shown(n: int) -> str:
    return disclosure.SUPPRESSED if disclosure.is_suppressed(n, POLICY) else str(n)


APRIL, MAY, JUNE = date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)


@pytest.mark.parametrize("additive", [True, False])
def test_a_quarter_over_three_hidden_months_at_their_ceiling_is_hidden(additive):
    # 17 is 15 to 19: three months of at most 5 would each be 5.
    months = {("month", m): 5 for m in (APRIL, MAY, JUNE)}
    f = Filters(MAY, period="quarter", data_end=JUNE)
    assert _shown(_guarded({**months, ("quarter", APRIL): 17}, f, additive)) == "c"
    # 9 is 7 to 11: the months could be 5, 2 and 0.
    assert _shown(_guarded({**months, ("quarter", APRIL): 9}, f, additive)) == "9"


@pytest.mark.parametrize("additive", [True, False])
def test_a_year_so_far_never_shows_the_quarter_its_own_view_hides(additive):
    """A year so far of one quarter is that quarter's count. The quarter's view hides it (15
    over three "c" months would make each at least 3); the year must not show it back. The
    guard used to let it through: the quarter, hidden by its own guard, counted as holding
    anything above 5, so the year seemed to tell nothing of its months."""
    values = {**{("month", m): 5 for m in (APRIL, MAY, JUNE)}, ("quarter", APRIL): 15, ("year", APRIL): 15}
    quarter, year = Filters(JUNE, period="quarter", data_end=JUNE), Filters(JUNE, period="year", data_end=JUNE)
    assert _shown(_guarded(values, quarter, additive)) == "c"
    assert _shown(_guarded(values, year, additive)) == "c"


def test_a_year_over_a_shown_quarter_says_no_more_than_the_quarter():
    """A quarter shown 14 over months "c", "c" and 6 leaves each "c" 0 to 5; a year of that
    quarter alone says the same, so it is shown too."""
    values = {("month", APRIL): 4, ("month", MAY): 4, ("month", JUNE): 6, ("quarter", APRIL): 14, ("year", APRIL): 14}
    year = Filters(JUNE, period="year", data_end=JUNE)
    assert _shown(_guarded(values, year)) == "14"


def test_a_year_that_raises_a_hidden_quarters_least_too_far_is_hidden():
    """The year less its three other quarters (shown 6: at most 8 each) says the first quarter
    (hidden by its guard over three "c" months, so more than 5) is at least 36 - 2 - 24 = 10:
    within what its months allow (one could be 0). At 38 the quarter is at least 12, so each
    of its months is at least 2: the year is hidden."""
    months = {("month", m): 5 for m in (APRIL, MAY, JUNE)}
    others = {("quarter", date(2026, m, 1)): 6 for m in (7, 10)} | {("quarter", date(2027, 1, 1)): 6}
    year = Filters(date(2027, 3, 1), period="year", data_end=date(2027, 3, 1))
    base = {**months, **others, ("quarter", APRIL): 15}
    assert _shown(_guarded({**base, ("year", APRIL): 36}, year)) == "36"
    assert _shown(_guarded({**base, ("year", APRIL): 38}, year)) == "c"


def _row_guarded(total: int, sources: list[int]) -> int:
    """A month's total over sources of the same row (each also shown alone in the sidebar), guarded."""
    cols = [f"s{i}" for i in range(len(sources))]

    def fetch(_: Filters) -> pd.DataFrame:
        return pd.DataFrame({"unit": ["A", "B"], "events": [total, 40], **{c: [v, 20] for c, v in zip(cols, sources)}})

    out = period_guard.guard(fetch, Filters(APRIL), POLICY, keys=["unit"], counts=["events", *cols],
                             additive=["events", *cols], within={"events": cols})
    return int(out["events"].iloc[0])


def test_a_total_over_its_sources_never_says_a_hidden_source_is_not_empty():
    """Events shown 8 (6 to 10) over two sources shown "c" (0 to 5 each): neither could be 0.
    Over three "c" sources, or beside a source shown 6, it says nothing of them."""
    assert _shown(_row_guarded(8, [4, 4])) == "c"
    assert _shown(_row_guarded(8, [3, 3, 2])) == "8"
    assert _shown(_row_guarded(14, [4, 10])) == "14"
    # A source shown 12 (10 to 14) beside a total shown 19 (17 to 21): the other is at least 3.
    assert _shown(_row_guarded(19, [4, 12])) == "c"
