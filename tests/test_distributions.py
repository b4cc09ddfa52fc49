"""The build's distribution functions give scipy.stats's numbers to the last bit, edges included."""

import numpy as np
import pytest
from scipy import stats

from contextmap import distributions as d

K = np.array([-np.inf, -3, -1, -0.5, 0, 0.5, 1, 2, 3, 7, 7.5, 20, 150, 1e4, np.inf, np.nan])
MU = np.array([-1, 0, 1e-9, 0.3, 1, 2.5, 7, 19.9, 150, 1e4, np.inf, np.nan])
X = np.array([-np.inf, -40, -3.2, -1.96, 0, 1e-12, 0.5, 1.645, 8, 40, np.inf, np.nan])
Q = np.array([-0.1, 0, 1e-300, 0.001, 0.025, 0.5, 0.975, 0.999, 1 - 1e-16, 1, 1.5, np.nan])


def same(a, b) -> bool:
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


@pytest.mark.parametrize("ours, theirs", [(d.poisson_sf, stats.poisson.sf), (d.poisson_cdf, stats.poisson.cdf),
                                          (d.poisson_pmf, stats.poisson.pmf)])
def test_poisson_functions_equal_scipy_stats_on_and_off_the_support(ours, theirs):
    k, mu = np.meshgrid(K, MU)
    with np.errstate(all="ignore"):
        assert same(ours(k, mu), theirs(k, mu))


def test_binomial_upper_tail_equals_scipy_stats():
    k, n, p = np.meshgrid(K, [-1, 0, 1, 2.5, 3, 12, 200, np.nan], [-0.1, 0, 0.05, 0.25, 0.5, 1, 1.2, np.nan])
    with np.errstate(all="ignore"):
        assert same(d.binom_sf(k, n, p), stats.binom.sf(k, n, p))


def test_normal_tail_and_quantile_equal_scipy_stats():
    with np.errstate(all="ignore"):
        assert same(d.norm_sf(X), stats.norm.sf(X))
        assert same(d.norm_ppf(Q), stats.norm.ppf(Q))
    assert float(d.norm_ppf(0.975)) == pytest.approx(1.959964, abs=1e-6)


def test_binomial_upper_tail_equals_scipy_stats_on_counts_the_build_sees():
    rng = np.random.default_rng(3)
    n = rng.integers(1, 400, 5000).astype(float)
    k = np.floor(rng.random(5000) * (n + 2)) - 1
    p = rng.choice([1 / 4, 3 / 27, 6 / 30, 0.5, rng.random()], 5000)
    assert same(d.binom_sf(k, n, p), stats.binom.sf(k, n, p))
