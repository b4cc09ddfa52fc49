"""The attack suite on generated builds of other shapes (hypothesis): small councils and
quiet quarters, where many groups are small (see tests/test_attack.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contextmap import disclosure
from contextmap.filters import AGE_BANDS, SEXES
from tests import attack
from tests.minidb import mini_db

POLICY = disclosure.Policy.from_settings()

LSOAS = ["E01011022", "E01011093", "E01011130", "E01011240", "E01011300"]
START = datetime(2025, 1, 6, 18)


@st.composite
def worlds(draw):
    """A few months of episodes with skewed sexes, ages and looked-after status, so that
    many groups are small (the shapes a small council or a quiet quarter gives)."""
    n = draw(st.integers(150, 400))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    sex_p = rng.dirichlet([8, 8, 0.6, 1.2])
    age_p = rng.dirichlet([0.5, 3, 5, 5, 1, 0.4])
    people = [f"p{i}" for i in range(n // 2)]
    episodes = []
    for _i in range(n):
        started = START + timedelta(days=int(rng.integers(0, 88)), hours=int(rng.integers(0, 24)))
        episodes.append({
            "person_key": str(rng.choice(people)), "started_at": started,
            "ended_at": None if rng.random() < 0.03 else started + timedelta(hours=int(rng.integers(2, 60))),
            "sex": str(rng.choice(list(SEXES), p=sex_p)), "age_band": str(rng.choice(AGE_BANDS, p=age_p)),
            "is_looked_after": bool(rng.random() < 0.3), "missing_from_lsoa": str(rng.choice(LSOAS)),
        })
    return episodes


@given(worlds())
@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_generated_builds_do_not_give_hidden_counts_away(episodes):
    con = mini_db(episodes=episodes)
    found = attack.attack(con, POLICY, months=3)
    con.close()
    assert len(found) >= 15, "the generated world has too few small groups to attack"
    errors = np.array([r.error for r in found])
    assert np.mean(errors == 0) <= 0.5, f"{np.mean(errors == 0):.0%} of {len(found)} routes exact"
