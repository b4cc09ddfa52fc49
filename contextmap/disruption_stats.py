"""The disruption review's formulas: pure functions on counts, shared by the pipeline that
builds the marts (``pipelines/disruption/stats.py``, on true counts) and the page that
recomputes every figure from the counts it shows (``contextmap/disruption_view.py``).

The estimator is a ratio of rate ratios (a difference-in-differences on the log scale):
``(A_after / A_before) / (C_after / C_before)`` for the target A and its pooled similar
places C, with an interval from the delta method (the variance of a log Poisson count is
about 1 / count). Displacement is summarised with the Weighted Displacement Quotient of
Bowers and Johnson (2003).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from contextmap import distributions as dist


def did_estimate(a_before, a_after, c_before, c_after, alpha: float = 0.05) -> pd.DataFrame:
    """Ratio-of-ratios (difference-in-differences) estimate with a delta-method interval.

    Parameters
    ----------
    a_before, a_after : array_like
        Events at the target in the before and after windows.
    c_before, c_after : array_like
        Events at the pooled comparison places in the same windows (NaN when none).
    alpha : float
        One minus the interval's coverage.

    Returns
    -------
    pandas.DataFrame
        ``rate_ratio``, ``ci_low``, ``ci_high``, ``p_value`` (two-sided Wald test of a
        ratio of 1), one row per input (NaN where a count is NaN). When any of the four
        counts is zero, 0.5 is added to all four (Haldane-Anscombe) so the log and its
        variance stay finite.
    """
    counts = np.column_stack(
        np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a_before, a_after, c_before, c_after)))
    )
    counts = counts + 0.5 * (counts == 0).any(axis=1, keepdims=True)
    ab, aa, cb, ca = counts.T
    log_rr = np.log(aa) - np.log(ab) - np.log(ca) + np.log(cb)
    se = np.sqrt((1.0 / counts).sum(axis=1))
    z = dist.norm_ppf(1 - alpha / 2)
    return pd.DataFrame(
        {
            "rate_ratio": np.exp(log_rr),
            "ci_low": np.exp(log_rr - z * se),
            "ci_high": np.exp(log_rr + z * se),
            "p_value": 2 * dist.norm_sf(np.abs(log_rr) / se),
        }
    )


def pct_change(before: float, after: float) -> float:
    """Percentage change from ``before`` to ``after``; NaN when ``before`` is zero."""
    return 100.0 * (after / before - 1.0) if before > 0 else math.nan


def interval_verdict(ci_low: float, ci_high: float) -> str:
    """The reading of an interval of the ratio: ``likely_effect`` wholly below 1 (a fall
    relative to similar places), ``likely_increase`` wholly above 1, else ``no_clear_change``."""
    if ci_high < 1:
        return "likely_effect"
    if ci_low > 1:
        return "likely_increase"
    return "no_clear_change"


def wdq(r_before: float, r_after: float, b_before: float, b_after: float, c_before: float, c_after: float) -> float:
    """Weighted Displacement Quotient (Bowers and Johnson 2003).

    ``WDQ = (B_a/C_a - B_b/C_b) / (R_a/C_a - R_b/C_b)`` for the response (target) area R,
    buffer B and control C, before (b) and after (a). NaN when a control count is zero
    or the target did not fall relative to the control (the denominator, its "success
    measure", is not negative), since there is then no effect to displace.
    """
    if c_before <= 0 or c_after <= 0:
        return math.nan
    success = r_after / c_after - r_before / c_before
    if success >= 0:
        return math.nan
    return (b_after / c_after - b_before / c_before) / success


def wdq_code(value: float, near_zero: float) -> str:
    """The reading of a WDQ: ``not_applicable`` (NaN: nothing fell to displace),
    ``diffusion`` (above ``near_zero``), ``neither`` (within it) or ``displacement``."""
    if math.isnan(value):
        return "not_applicable"
    if value > near_zero:
        return "diffusion"
    return "neither" if value >= -near_zero else "displacement"


def is_after_spike(before: float, prior_monthly: float, window_months: int, factor: float) -> bool:
    """Whether the before window averaged more than ``factor`` times the monthly events of the
    year before it (a warning of regression to the mean)."""
    return before / window_months > factor * prior_monthly
