"""The few distribution functions the statistics use, from ``scipy.special``.

``scipy.stats`` takes one to two seconds to import (it parses every distribution's
docstring), more than the whole sample build spends on statistics. These are the very
special functions ``scipy.stats`` evaluates for the normal, Poisson and binomial
distributions, with its handling of values outside the support, so the numbers are
the same to the last bit (tests/test_distributions.py compares them).
"""

from __future__ import annotations

import numpy as np
from scipy import special


def norm_sf(x) -> np.ndarray:
    """P(Z > x) for a standard normal Z (``scipy.stats.norm.sf``)."""
    return special.ndtr(-np.asarray(x, dtype=float))


def norm_ppf(q) -> np.ndarray:
    """The standard normal quantile of ``q`` (``scipy.stats.norm.ppf``)."""
    return special.ndtri(np.asarray(q, dtype=float))


def _poisson(k, mu, inside, below: float, above: float = 0.0, upper: bool = False) -> np.ndarray:
    """Evaluate ``inside(k, mu)`` on the support 0 ≤ k < ∞ (≤ ∞ with ``upper``, as scipy has it
    for the pmf); ``below`` for k < 0, ``above`` for k = ∞, NaN for a bad mean or k."""
    k, mu = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(mu, dtype=float))
    out = np.full(k.shape, above)
    valid = mu >= 0
    support = valid & (k >= 0) & (np.isfinite(k) | upper)
    out[valid & (k < 0)] = below
    out[support] = inside(k[support], mu[support])
    out[~valid | np.isnan(k)] = np.nan
    return out


def poisson_sf(k, mu) -> np.ndarray:
    """P(X > k) for X ~ Poisson(mu) (``scipy.stats.poisson.sf``)."""
    return _poisson(k, mu, lambda k, mu: special.pdtrc(np.floor(k), mu), below=1.0)


def poisson_cdf(k, mu) -> np.ndarray:
    """P(X ≤ k) for X ~ Poisson(mu) (``scipy.stats.poisson.cdf``)."""
    return _poisson(k, mu, lambda k, mu: special.pdtr(np.floor(k), mu), below=0.0, above=1.0)


def poisson_pmf(k, mu) -> np.ndarray:
    """P(X = k) for X ~ Poisson(mu) (``scipy.stats.poisson.pmf``); 0 off the whole numbers."""
    def inside(k, mu):
        whole = k == np.floor(k)
        return np.where(whole, np.exp(special.xlogy(k, mu) - special.gammaln(k + 1) - mu), 0.0)

    return _poisson(k, mu, inside, below=0.0, upper=True)


def binom_sf(k, n, p) -> np.ndarray:
    """P(X > k) for X ~ Binomial(n, p) (``scipy.stats.binom.sf``)."""
    k, n, p = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (k, n, p)))
    out = np.zeros(k.shape)
    valid = (n >= 0) & (n == np.floor(n)) & (p >= 0) & (p <= 1)
    inside = valid & (k >= 0) & (k < n)
    out[valid & (k < 0)] = 1.0
    out[~valid | np.isnan(k)] = np.nan
    # Boost's binomial upper tail, as scipy.stats has it: the regularised incomplete beta.
    k, n, p = np.floor(k[inside]), n[inside], p[inside]
    out[inside] = special.betainc(k + 1, n - k, p)
    return out
