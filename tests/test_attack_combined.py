"""The attack suite's strongest attacker: every route the filters offer to one small
group, combined (see tests/test_attack.py for the single routes)."""

from __future__ import annotations

import duckdb
import numpy as np
from dateutil.relativedelta import relativedelta

from contextmap import disclosure
from contextmap.filters import AGE_BANDS, SEXES, Filters
from tests import attack

POLICY = disclosure.Policy.from_settings()
# docs/methods.md and SECURITY.md state this bound.
COMBINED_EXACT_AT_MOST = 0.45


def test_combining_every_route_to_a_small_group_still_leaves_it_uncertain(sample_db):
    con = duckdb.connect(str(sample_db), read_only=True)
    views = attack.Views(con, POLICY)
    last = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    localities = [r[0] for r in con.execute("select locality from geo_locality").fetchall()]
    first = con.execute("select min(month) from mart_episode_cells").fetchone()[0]
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    results = []
    # Every month of the build: with zeros hidden as "c", a route needs every other value
    # shown, so six months give only a handful of small groups to judge.
    for k in range(months):
        for loc in ["All", *localities]:
            base = Filters(last - relativedelta(months=k), locality=loc)
            for dim, values in (("sexes", tuple(SEXES)), ("age_bands", AGE_BANDS)):
                results += [r for v in values if (r := attack.combined(views, base, dim, values, v))]
    con.close()
    assert len(results) >= 20
    estimates, truths = np.array([r[0] for r in results]), np.array([r[1] for r in results])
    exact = float(np.mean(np.round(estimates) == truths))
    assert exact <= COMBINED_EXACT_AT_MOST, f"{exact:.0%} of {len(results)} small groups guessed exactly"
