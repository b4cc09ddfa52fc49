"""Hot spot statistics shared by the build and the pages (pure functions of arrays).

Gi* and the false discovery rate are PySAL's (``esda``): the build computes them with
esda's closed-form arithmetic over a sparse weights matrix, and the tests check the values
equal ``esda.G_Local``'s. PySAL itself is imported only by :func:`gi_star` (the reference
the tests use), because importing it costs the build seconds of start-up. Funnel limits, exceedance and the emerging-hot-spot tests are small
closed-form statistics (``contextmap.distributions``: scipy.stats's numbers without its import).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import sparse

from contextmap import distributions as dist

GI_LEVELS = (0.01, 0.05, 0.10)
HOT = {0.01: "Hot spot 99%", 0.05: "Hot spot 95%", 0.10: "Hot spot 90%"}
COLD = {0.01: "Cold spot 99%", 0.05: "Cold spot 95%", 0.10: "Cold spot 90%"}
NOT_SIGNIFICANT = "Not significant"
TOO_FEW = "Too few events"
GI_CLASSES = (*HOT.values(), NOT_SIGNIFICANT, *reversed(COLD.values()), TOO_FEW)
# Two-sided tail probabilities of the funnel's control limits (95% and 99.8%).
FUNNEL_LIMITS = {"lower_998": 0.001, "lower_95": 0.025, "upper_95": 0.975, "upper_998": 0.999}
FUNNEL_CLASSES = ("Above 99.8% limit", "Above 95% limit", "Within limits", "Below 95% limit", "Below 99.8% limit")
EMERGING_LABELS = (
    "New", "Consecutive", "Intensifying", "Persistent", "Diminishing", "Sporadic", "Oscillating", "Historical", "No pattern",
)
# A unit the emerging test flags whose monthly hot/not series shows no ArcGIS pattern.
RECENT_RISE = "Recent rise"


def emerging_category(is_emerging: bool, label: str) -> str:
    """What an emerging result is called in tables and coloured as on the map: its ArcGIS
    pattern, except that a unit the test flags is never "No pattern" (it is a "Recent rise")."""
    return RECENT_RISE if is_emerging and label == "No pattern" else label


def neighbour_weights(codes: list[str], pairs: pd.DataFrame) -> sparse.csr_array:
    """Binary contiguity weights over ``codes`` (rows and columns in that order) from
    neighbour-table rows (an area's code, then its neighbour's), as a sparse 0/1 matrix.

    Each area is also its own neighbour (weight 1), as Gi* wants. Rows naming an area
    outside ``codes`` are ignored; an area with no neighbour counts only itself.
    """
    index = {c: i for i, c in enumerate(codes)}
    code, other = pairs.iloc[:, 0], pairs.iloc[:, 1]
    known = code.isin(index) & other.isin(index) & (code != other)
    rows = np.concatenate([code[known].map(index).to_numpy(int), np.arange(len(codes))])
    cols = np.concatenate([other[known].map(index).to_numpy(int), np.arange(len(codes))])
    matrix = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(codes), len(codes)))
    matrix.data[:] = 1.0  # a pair listed twice is still one neighbour
    return matrix


def gi_star(values, w: sparse.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Getis-Ord Gi* z-scores and two-sided p-values of ``values`` by esda.G_Local (star=True),
    over weights from :func:`neighbour_weights`: the reference :func:`gi_star_rows` is tested
    against.

    Binary weights with the area itself included, analytic (normal) inference. When
    every value is equal (e.g. no events anywhere) there is no clustering to find:
    z = 0 and p = 1.
    """
    import esda

    y = np.asarray(values, dtype=float)
    if y.size < 3 or not np.isfinite(y).all() or np.ptp(y) == 0:
        return np.zeros(y.size), np.ones(y.size)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, pysal_weights(w), transform="B", permutations=0, star=True)
    z = np.nan_to_num(np.asarray(g.Zs, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    return z, np.minimum(1.0, 2.0 * np.asarray(g.p_norm, dtype=float))


def pysal_weights(w: sparse.csr_array):
    """The weights of :func:`neighbour_weights` as a ``libpysal.weights.W`` (binary)."""
    import libpysal

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = libpysal.weights.WSP(sparse.csr_matrix(w)).to_W(silence_warnings=True)
    out.transform = "B"
    return out


def gi_star_rows(values, w: sparse.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """``gi_star`` of every row of ``values`` [set, area] at once, as arrays of the same shape.

    esda.G_Local builds its weights matrix again on every call, which dominates when
    thousands of windows are tested over the same areas. With binary weights and the
    area itself included, Gi* has a closed form (esda's ``G_Local.calc``), so this is
    that arithmetic, in esda's order of operations, over one sparse matrix product:
    Gi* = sum of the neighbourhood / total, against its expectation k_i / n and variance
    k_i (n - k_i) / (n - 1) / n^2 * s^2 / mean^2. ``tests/test_hotspots.py`` checks the
    values equal esda's.
    """
    y = np.atleast_2d(np.asarray(values, dtype=float))
    z, p = np.zeros(y.shape), np.ones(y.shape)
    n = y.shape[1]
    with np.errstate(all="ignore"):
        ok = np.isfinite(y).all(axis=1) & (np.ptp(y, axis=1) > 0) if n >= 3 else np.zeros(len(y), dtype=bool)
        if not ok.any():
            return z, p
        y = np.ascontiguousarray(y[ok])
        matrix = w
        total = y.sum(axis=1)[:, None]
        statistic = np.asarray(matrix @ y.T).T / total
        mean = total / n
        variance = (y**2).sum(axis=1)[:, None] / n - mean**2
        cardinality = np.asarray(matrix.sum(axis=1)).ravel()
        expected_variance = cardinality * (n - cardinality)
        expected_variance = expected_variance / (n - 1)
        expected_variance = expected_variance * (1 / n**2)
        expected_variance = expected_variance * (variance / mean**2)
        raw = (statistic - cardinality / n) / np.sqrt(expected_variance)
        z[ok] = np.nan_to_num(raw, nan=0.0, posinf=0.0, neginf=0.0)
        p[ok] = np.minimum(1.0, 2.0 * dist.norm_sf(np.abs(raw)))
    return z, p


def bh_qvalues(p) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN stays NaN and is not counted.

    A 2-D array is corrected row by row (each row one family of tests).
    """
    p = np.asarray(p, dtype=float)
    rows = np.atleast_2d(p)
    ok = np.isfinite(rows)
    n = ok.sum(axis=1, keepdims=True)
    order = np.argsort(np.where(ok, rows, np.inf), axis=1, kind="stable")
    sorted_ok = np.take_along_axis(ok, order, axis=1)
    ranked = np.take_along_axis(rows, order, axis=1) * n / np.arange(1, rows.shape[1] + 1)
    ranked = np.where(sorted_ok, ranked, np.inf)
    adjusted = np.minimum(np.minimum.accumulate(ranked[:, ::-1], axis=1)[:, ::-1], 1.0)
    q = np.full(rows.shape, np.nan)
    np.put_along_axis(q, order, np.where(sorted_ok, adjusted, np.nan), axis=1)
    return q.reshape(p.shape)


def fdr_significant(p, alpha: float) -> np.ndarray:
    """Which p-values pass the false discovery rate at ``alpha`` (the cut-off from esda.fdr).

    A 2-D array is taken row by row; the cut-off is esda.fdr's, computed for all rows at once.
    """
    p = np.asarray(p, dtype=float)
    if p.size == 0:
        return np.zeros(p.shape, dtype=bool)
    rows = np.atleast_2d(p)
    n = rows.shape[1]
    p_sort = np.sort(rows, axis=1)[:, ::-1]
    search = p_sort < np.arange(n, 0, -1) * alpha / n
    first = search.argmax(axis=1)
    cutoff = np.where(search.any(axis=1), p_sort[np.arange(len(rows)), first], 0.001 * alpha)
    return (rows <= cutoff[:, None]).reshape(p.shape)


def gi_classes(z, p, events, min_events: int) -> np.ndarray:
    """Hot/cold spot class per area at 99/95/90% after the FDR correction.

    2-D inputs are classed row by row (each row one set of areas). A would-be hot
    spot with fewer than ``min_events`` events of its own reads "Too few events": an
    area is never called a hot spot on a handful of events.
    """
    z, p, events = (np.asarray(a, dtype=float) for a in (z, p, events))
    out = np.full(z.shape, NOT_SIGNIFICANT, dtype=object)
    for level in sorted(GI_LEVELS, reverse=True):  # weakest first, so stronger levels overwrite
        sig = fdr_significant(p, level)
        out[sig & (z > 0)] = HOT[level]
        out[sig & (z < 0)] = COLD[level]
    hot = np.isin(out, list(HOT.values()))
    out[hot & (events < min_events)] = TOO_FEW
    return out


def poisson_upper_p(observed, expected) -> np.ndarray:
    """P(X ≥ observed) for X ~ Poisson(expected): how surprising so many events are."""
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected, dtype=float)
    with np.errstate(all="ignore"):
        p = dist.poisson_sf(observed - 1, expected)
    p = np.where(observed <= 0, 1.0, p)
    return np.where(np.isfinite(expected) & (expected > 0), p, np.nan)


def poisson_limit(expected, prob) -> np.ndarray:
    """Exact Poisson control limit (a count) for tail probability ``prob``, interpolated.

    Spiegelhalter (2005) funnel plots, as in the PHE Fingertips tools: the ``prob``
    quantile r of Poisson(expected) minus the fraction (F(r) − prob) / P(X = r), so the
    limit moves smoothly with the population instead of in integer steps. Computed
    once per distinct expected value (many areas and months share one).
    """
    expected = np.asarray(expected, dtype=float)
    mu, inverse = np.unique(expected, return_inverse=True)
    return _distinct_limits(mu, prob)[inverse.reshape(expected.shape)]


def _distinct_limits(mu: np.ndarray, prob: float) -> np.ndarray:
    """``poisson_limit`` of each of the distinct means ``mu``."""
    r, cdf = _poisson_quantile(prob, mu)
    pmf = dist.poisson_pmf(r, mu)
    with np.errstate(all="ignore"):
        limit = r - (cdf - prob) / pmf
    return np.where(mu > 0, np.maximum(limit, 0.0), np.nan)


def _poisson_quantile(prob: float, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest r with P(X ≤ r) ≥ prob for X ~ Poisson(mu), and P(X ≤ r): scipy's ppf, found faster.

    Starts from the Cornish-Fisher approximation and steps to the exact quantile,
    evaluating the CDF again only where the step has not yet converged (scipy's own
    search is slow on many means).
    """
    mu = np.where(np.isfinite(mu) & (mu > 0), mu, 0.0)
    z = dist.norm_ppf(prob)
    r = np.maximum(np.floor(mu + z * np.sqrt(mu) + (z * z - 1) / 6), 0.0)
    cdf = dist.poisson_cdf(r, mu)
    low = np.flatnonzero(cdf < prob)
    while low.size:
        r[low] += 1
        cdf[low] = dist.poisson_cdf(r[low], mu[low])
        low = low[cdf[low] < prob]
    below = np.flatnonzero(r > 0)
    below_cdf = dist.poisson_cdf(r[below] - 1, mu[below])
    high = below[below_cdf >= prob]
    while high.size:
        r[high] -= 1
        cdf[high] = dist.poisson_cdf(r[high], mu[high])
        down = dist.poisson_cdf(r[high] - 1, mu[high])
        high = high[(r[high] > 0) & (down >= prob)]
    return r, cdf


def funnel_limits(district_rate_per_1000: float, population, per: float = 1000.0) -> dict[str, np.ndarray]:
    """The 95% and 99.8% funnel limits, as rates per ``per``, for areas of ``population``."""
    population = np.asarray(population, dtype=float)
    expected = district_rate_per_1000 / per * population
    mu, inverse = np.unique(expected, return_inverse=True)
    inverse = inverse.reshape(expected.shape)
    with np.errstate(all="ignore"):
        return {name: _distinct_limits(mu, prob)[inverse] / population * per for name, prob in FUNNEL_LIMITS.items()}


def funnel_class(rate, limits: dict[str, np.ndarray]) -> np.ndarray:
    """Where each area's rate falls against its funnel limits."""
    rate = np.asarray(rate, dtype=float)
    return np.select(
        [rate > limits["upper_998"], rate > limits["upper_95"], rate < limits["lower_998"], rate < limits["lower_95"]],
        [FUNNEL_CLASSES[0], FUNNEL_CLASSES[1], FUNNEL_CLASSES[4], FUNNEL_CLASSES[3]],
        default=FUNNEL_CLASSES[2],
    )


def funnel_curve(district_rate_per_1000: float, max_population: float, points: int = 200) -> pd.DataFrame:
    """Control-limit curves to draw behind a funnel plot: population and the four limits."""
    population = np.linspace(max(1.0, max_population / points), max(max_population, 1.0) * 1.05, points)
    return pd.DataFrame({"population": population, **funnel_limits(district_rate_per_1000, population)})


def rate_test_p(recent, baseline, recent_months, baseline_months) -> np.ndarray:
    """One-sided exact conditional test that the recent monthly rate exceeds the baseline's.

    Given n = recent + baseline events and equal monthly rates, recent events follow
    Binomial(n, recent_months / (recent_months + baseline_months)); p = P(X ≥ recent).
    """
    recent = np.asarray(recent, dtype=float)
    n = recent + np.asarray(baseline, dtype=float)
    share = np.asarray(recent_months, dtype=float) / (np.asarray(recent_months, dtype=float) + baseline_months)
    p = dist.binom_sf(recent - 1, n, share)
    return np.where(n > 0, p, 1.0)


def mann_kendall(series) -> tuple[float, float]:
    """Mann-Kendall trend of a series: Kendall's tau against time order and its two-sided p."""
    tau, p = mann_kendall_rows(np.asarray(series, dtype=float)[None, :])
    return float(tau[0]), float(p[0])


def mann_kendall_rows(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mann-Kendall trend of each row of ``y`` (series oldest first), vectorised.

    Kendall's tau-b of the values against time order and its two-sided p-value from the
    normal approximation with the tie-corrected variance: the same numbers as
    ``scipy.stats.kendalltau(range(n), row, method="asymptotic")``. A flat row (or one
    shorter than 3) has tau 0 and p 1.
    """
    y = np.asarray(y, dtype=float)
    n = y.shape[1]
    if n < 3:
        return np.zeros(len(y)), np.ones(len(y))
    diff = np.sign(y[:, None, :] - y[:, :, None])  # [row, i, j] = sign(y_j - y_i)
    s = np.triu(diff, k=1).sum(axis=(1, 2))
    ties = (diff == 0).sum(axis=2)  # size of each value's tie group, per element
    n0 = n * (n - 1) / 2
    n2 = ((ties - 1) / 2).sum(axis=1)
    var = (n * (n - 1) * (2 * n + 5) - ((ties - 1) * (2 * ties + 5)).sum(axis=1)) / 18
    with np.errstate(all="ignore"):
        tau = s / np.sqrt(n0 * (n0 - n2))
        p = 2 * dist.norm_sf(np.abs(s) / np.sqrt(var))
    flat = ~(np.ptp(y, axis=1) > 0)
    return np.where(flat, 0.0, tau), np.where(flat, 1.0, p)


def emerging_label(hot, cold=None, tau: float = 0.0, trend_p: float = 1.0, alpha: float = 0.05) -> str:
    """The ArcGIS emerging hot spot pattern of one per-period hot/not series (oldest first).

    See ``emerging_labels``, which labels many series at once.
    """
    hot = np.asarray(hot, dtype=bool)[None, :]
    cold = np.zeros_like(hot) if cold is None else np.asarray(cold, dtype=bool)[None, :]
    return str(emerging_labels(hot, cold, np.array([tau]), np.array([trend_p]), alpha)[0])


def emerging_labels(hot, cold, tau, trend_p, alpha: float = 0.05) -> np.ndarray:
    """The ArcGIS emerging hot spot pattern of each row of ``hot`` [unit, period] (oldest first).

    Intensifying / Persistent / Diminishing: hot in at least 90% of periods, the last
    included, with a rising / no / falling Mann-Kendall trend (``tau``, ``trend_p`` per
    row). Historical: the same share but not hot now. New: hot now for the first time.
    Consecutive: one unbroken run of two or more hot periods at the end, never hot
    before it. Sporadic: hot now and on and off before, never cold; Oscillating:
    likewise but cold at some point.
    """
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    tau, trend_p = np.asarray(tau, dtype=float), np.asarray(trend_p, dtype=float)
    if hot.shape[1] == 0:
        return np.full(len(hot), "No pattern", dtype=object)
    hot_count = hot.sum(axis=1)
    mostly_hot = hot_count / hot.shape[1] >= 0.9
    now = hot[:, -1]
    # Length of the unbroken hot run at the end of each series.
    run = np.where(hot.all(axis=1), hot.shape[1], np.argmin(hot[:, ::-1], axis=1))
    trend = trend_p < alpha
    return np.select(
        [
            hot_count == 0,
            ~now & mostly_hot,
            ~now,
            mostly_hot & trend & (tau > 0),
            mostly_hot & trend & (tau < 0),
            mostly_hot,
            hot_count == 1,
            (run >= 2) & (hot_count == run),
            cold.any(axis=1),
        ],
        ["No pattern", "Historical", "No pattern", "Intensifying", "Diminishing", "Persistent", "New", "Consecutive",
         "Oscillating"],
        default="Sporadic",
    ).astype(object)
