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


def _scalar_or_array(out: np.ndarray):
    return out.item() if out.ndim == 0 else out


def change_sentence(before: float, after: float) -> str:
    """How the target's events moved, as the start of a sentence (``before`` above 0)."""
    pct = round(pct_change(before, after))
    if pct == 0:
        return "Events did not change after the action"
    return f"Events {'fell' if pct < 0 else 'rose'} by {abs(pct)}% after the action"


def interval_verdict(ci_low, ci_high):
    """The reading of an interval of the ratio: ``likely_effect`` wholly below 1 (a fall
    relative to similar places), ``likely_increase`` wholly above 1, else ``no_clear_change``.
    Element-wise on arrays."""
    lo, hi = np.asarray(ci_low, dtype=float), np.asarray(ci_high, dtype=float)
    return _scalar_or_array(np.select([hi < 1, lo > 1], ["likely_effect", "likely_increase"], "no_clear_change"))


def wdq(r_before, r_after, b_before, b_after, c_before, c_after):
    """Weighted Displacement Quotient (Bowers and Johnson 2003), element-wise on arrays.

    ``WDQ = (B_a/C_a - B_b/C_b) / (R_a/C_a - R_b/C_b)`` for the response (target) area R,
    buffer B and control C, before (b) and after (a). NaN when a control count is zero
    or the target did not fall relative to the control (the denominator, its "success
    measure", is not negative), since there is then no effect to displace.
    """
    rb, ra, bb, ba, cb, ca = (np.asarray(x, dtype=float) for x in (r_before, r_after, b_before, b_after, c_before,
                                                                   c_after))
    with np.errstate(divide="ignore", invalid="ignore"):
        success = ra / ca - rb / cb
        value = (ba / ca - bb / cb) / success
    return _scalar_or_array(np.where((cb <= 0) | (ca <= 0) | (success >= 0), np.nan, value))


def wdq_code(value, near_zero: float):
    """The reading of a WDQ, element-wise on arrays: ``not_applicable`` (NaN: nothing fell
    to displace), ``diffusion`` (above ``near_zero``), ``neither`` (within it) or ``displacement``."""
    v = np.asarray(value, dtype=float)
    return _scalar_or_array(np.select([np.isnan(v), v > near_zero, v >= -near_zero],
                                      ["not_applicable", "diffusion", "neither"], "displacement"))


def is_after_spike(before, prior_monthly, window_months: int, factor: float):
    """Whether the before window averaged more than ``factor`` times the monthly events of the
    year before it (a warning of regression to the mean). Element-wise on arrays."""
    return before / window_months > factor * prior_monthly
