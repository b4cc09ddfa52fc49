"""Certainty across periods: no hidden month can be pinned by reading every period's card.

One user who reads a card for every period the sidebar offers knows, for each window,
bounds on its true count: "c" is 0 to 5 (1 to 5 if zeros were shown), a shown 0 is 0, a
shown count s is max(6, s - 2) to s + 2 (the p-table moves a count at most 2 and never
into the "c" range). A linear programme over those bounds gives each hidden month's least
and greatest possible value; when they meet above 0 the month is pinned. With the rolling
periods of stop 29 (the quarter and 12 months ending at any month) and zeros shown, the
Overview's episodes card of one council user, for sex "X", pinned 6 months to 1 on the
force sample (a "c" year over five "c" months: each is 1). Periods now nest (calendar
quarters inside April-March years) and zero is "c" too.
"""

from __future__ import annotations

import math

import numpy as np
from dateutil.relativedelta import relativedelta
from scipy.optimize import linprog

from contextmap import disclosure, queries
from contextmap.filters import PERIODS, SEXES, Filters

POLICY = disclosure.Policy()
CALDERDALE = "E08000033"


def _bounds(text: str) -> tuple[float, float]:
    """What a card's text says of the true count."""
    if text == disclosure.SUPPRESSED:
        return (0 if disclosure.is_suppressed(0, POLICY) else 1), POLICY.suppress_max
    shown = float(text.replace(",", ""))
    return (0, 0) if shown == 0 else (max(POLICY.suppress_max + 1, shown - 2), shown + 2)


def _pinned_months(con, scope: str, sex: str) -> list:
    """Hidden months of the episodes card (one sex, one scope) that every card allows only one
    value above 0 (a period starting before the data counts only the months it holds)."""
    first, last = con.execute("select min(month), max(month) from mart_episode_cells").fetchone()
    months = []
    while first <= last:
        months.append(first)
        first += relativedelta(months=1)
    index = {m: i for i, m in enumerate(months)}
    rows, lows, highs, hidden = [], [], [], []
    views = {Filters(end, period=period, sexes=(sex,), scope=scope, data_end=months[-1])
             for end in months for period in PERIODS}
    for f in sorted(views, key=lambda f: (f.month_from, f.month_to)):
        text = disclosure.fmt_count(queries.run(con, "overview_episodes", **f.params()).iloc[0]["episodes"], POLICY)
        row = np.zeros(len(months))
        row[[i for m, i in index.items() if f.month_from <= m <= f.month_to]] = 1
        lo, hi = _bounds(text)
        rows.append(row)
        lows.append(lo)
        highs.append(hi)
        if f.period == "month" and text == disclosure.SUPPRESSED:
            hidden.append(index[f.month])
    a = np.array(rows)
    a_ub, b_ub = np.vstack([a, -a]), np.concatenate([highs, [-lo for lo in lows]])
    pinned = []
    for i in hidden:
        c = np.zeros(len(months))
        c[i] = 1
        least = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs").fun
        most = -linprog(-c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs").fun
        if math.ceil(least - 1e-9) == math.floor(most + 1e-9) > 0:
            pinned.append(months[i])
    return pinned


def test_no_hidden_month_is_pinned_by_the_cards_of_overlapping_periods(force_con):
    pinned = {sex: _pinned_months(force_con, CALDERDALE, sex) for sex in SEXES}
    assert not any(pinned.values()), pinned
