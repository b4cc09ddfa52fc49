"""The statistics of the disruption review: pure functions on counts, no database.

The estimator is a ratio of rate ratios (a difference-in-differences on the log scale):
``(A_after / A_before) / (C_after / C_before)`` for the target A and its pooled similar
places C, with a 95% interval from the delta method (the variance of a log Poisson count
is about 1 / count). Displacement is summarised with the Weighted Displacement Quotient
of Bowers and Johnson (2003).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from contextmap import cellkey, disclosure

# The formulas are shared with the page, which recomputes them from the counts it shows.
from contextmap.disruption_stats import (
    change_sentence,
    did_estimate,
    interval_verdict,
    is_after_spike,
    pct_change,
    wdq,
    wdq_code,
)

__all__ = ["VERDICTS", "choose_controls", "did_estimate", "is_after_spike", "matching_baseline", "pct_change",
           "verdict", "wdq", "wdq_reading"]

# Order matters for readers of the marts: the first codes are "cannot tell" outcomes.
VERDICTS = ("too_few", "outside_data", "no_comparison", "likely_effect", "likely_increase", "no_clear_change")


def _events(n: float) -> str:
    return f"{n:.0f} event{'' if n == 1 else 's'}"


def _change(before: float, after: float) -> str:
    """How the target's events moved, as the start of a sentence."""
    if before == 0:
        return f"Events went from 0 to {after:.0f} after the action"
    return change_sentence(before, after)


def _short(before: float, after: float) -> str:
    """A change as ``-20%``, or ``0 to 12`` when there was nothing before."""
    return f"0 to {after:.0f}" if before == 0 else f"{pct_change(before, after):+.0f}%"


def verdict(
    a_before: float,
    a_after: float,
    c_before: float,
    c_after: float,
    n_controls: int,
    ci_low: float,
    ci_high: float,
    *,
    min_events: int,
    window_months: int,
    has_data: bool = True,
    after_spike: bool = False,
    noun: str = "places",
) -> tuple[str, str]:
    """Classify one estimate and say it in plain words.

    The rules apply in order: too few events at the target (``a_before + a_after <
    min_events``); windows not covered by the data; no comparison places; then the
    interval: wholly below 1 is a likely effect (a fall relative to similar places),
    wholly above 1 a likely increase, otherwise no clear change. A likely effect after a
    spike (``after_spike``) says that part of the fall may be regression to the mean.

    Returns
    -------
    tuple of str
        ``(code, text)``, the code one of :data:`VERDICTS`.
    """
    total = a_before + a_after
    if total < min_events:
        return (
            "too_few",
            f"Too few events to tell ({_events(total)} in the {2 * window_months} months around the action)",
        )
    if not has_data:
        return (
            "outside_data",
            f"Not enough data yet: the {window_months} months before and after the action are not all in the data",
        )
    if n_controls == 0:
        return (
            "no_comparison",
            f"No similar {noun} without an action to compare with ({_short(a_before, a_after)} here)",
        )
    similar = f"{n_controls} similar {noun[:-1] if n_controls == 1 else noun}"
    control = _short(c_before, c_after)
    fell = a_before > 0 and a_after < a_before
    rose = a_after > a_before
    code = interval_verdict(ci_low, ci_high)
    if code == "likely_effect":
        relation = "more than at" if fell else "less than at" if rose else "compared with"
        text = f"{_change(a_before, a_after)}, {relation} {similar} ({control}): likely effect"
        if after_spike:
            text += ". Events had risen before the action, so part of the fall may be a return to normal"
        return code, text
    if code == "likely_increase":
        relation = "more than at" if rose else "less than at" if fell else "compared with"
        return code, f"{_change(a_before, a_after)}, {relation} {similar} ({control}): likely increase"
    return (
        code,
        f"No clear change compared with similar {noun} ({_short(a_before, a_after)} here, {control} at {similar})",
    )


def matching_baseline(counts, ckeys, levels, policy: disclosure.Policy) -> np.ndarray:
    """Before-window events as a reader sees them, as numbers to match comparison units on.

    Each count is cell-key perturbed (``contextmap.cellkey``) and, at a level where the
    policy rounds, rounded as it is shown; every count shown as "c" (0 to
    ``suppress_max``) becomes one value, the middle of that range, whatever it really is.
    So which units are similar to which depends only on what the pages show.
    """
    shown = cellkey.perturb(np.asarray(counts, dtype=float), np.asarray(ckeys, dtype=float), policy.ptable())
    hidden = (shown >= 0) & (shown <= policy.suppress_max)
    rounded = np.array([disclosure.round_count(n, policy, level) for n, level in zip(shown, levels)], dtype=float)
    return np.where(hidden, policy.suppress_max / 2, rounded)


def choose_controls(target_baseline: float, candidates: pd.DataFrame, k: int, factor: float,
                    column: str = "baseline") -> pd.DataFrame:
    """The up to ``k`` eligible candidates whose baseline is nearest the target's.

    Parameters
    ----------
    target_baseline : float
        Events at the target in the before window (the build passes them as shown, see
        :func:`matching_baseline`).
    candidates : pandas.DataFrame
        Eligible units (``unit_code`` and ``column``), already filtered for category,
        other actions and distance.
    k : int
        Most comparison units to keep.
    factor : float
        A candidate qualifies only if ``baseline + 1`` is within this factor of the
        target's ``baseline + 1`` (so a place with 2 events never stands in for one with 40).
    column : str
        The candidates' column of before-window events to match on (the build: ``match``,
        the shown values).

    Returns
    -------
    pandas.DataFrame
        The chosen rows with ``distance`` (absolute difference of ``log(1 + baseline)``),
        nearest first, ties broken by ``unit_code``.
    """
    ratio = (candidates[column] + 1.0) / (target_baseline + 1.0)
    chosen = candidates[(ratio >= 1.0 / factor) & (ratio <= factor)]
    chosen = chosen.assign(distance=np.abs(np.log1p(chosen[column]) - math.log1p(target_baseline)))
    return chosen.sort_values(["distance", "unit_code"]).head(k)


def wdq_reading(
    value: float,
    buffer_events: float,
    c_before: float,
    c_after: float,
    *,
    min_events: int,
    near_zero: float,
) -> tuple[str, str]:
    """Classify a WDQ and say what it means, as ``(code, text)``.

    Codes: ``too_few`` (``buffer_events``, the buffer's before plus after, is below
    ``min_events``),
    ``no_control_events``, ``not_applicable`` (no fall at the target to displace),
    ``diffusion`` (WDQ > ``near_zero``), ``neither`` (|WDQ| <= ``near_zero``),
    ``displacement`` (WDQ < -``near_zero``). Beyond ±1 the nearby change outweighs
    the change at the target, which the text says.
    """
    if buffer_events < min_events:
        return "too_few", f"Too few events nearby to tell ({_events(buffer_events)} in the buffer)"
    if c_before <= 0 or c_after <= 0:
        return "no_control_events", "Cannot tell: the similar places had no events before or after"
    code = wdq_code(value, near_zero)
    if code == "not_applicable":
        return (
            code,
            "Not applicable: events at the target did not fall relative to similar places, so there is nothing to displace",
        )
    if value > 1:
        return code, f"Diffusion of benefit (WDQ {value:.2f}): events nearby fell even more than at the target"
    if code == "diffusion":
        return code, f"Diffusion of benefit (WDQ {value:.2f}): events nearby fell too"
    if code == "neither":
        return code, f"Neither displacement nor diffusion (WDQ {value:.2f}): events nearby changed little"
    if value >= -1:
        return (
            code,
            f"Displacement (WDQ {value:.2f}): some events seem to have moved nearby, fewer than the fall at the target",
        )
    return (
        code,
        f"Displacement (WDQ {value:.2f}): more events moved nearby than the target lost, so the action may have made things worse",
    )
