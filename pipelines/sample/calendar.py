"""The sample's fixed 36-month period, seasonality and time-of-day patterns (int64 seconds)."""

from __future__ import annotations

import numpy as np

FIRST_MONTH = np.datetime64("2023-11", "M")
N_MONTHS = 36
DAY = 86_400
HOUR = 3_600

# Month starts as seconds since 1970: MONTH_STARTS[k] is the start of month k, [N_MONTHS] the end.
MONTH_STARTS = (FIRST_MONTH + np.arange(N_MONTHS + 1)).astype("datetime64[s]").astype(np.int64)
T0, T_END = int(MONTH_STARTS[0]), int(MONTH_STARTS[-1])

# Relative volume by calendar month (Jan..Dec): a summer peak and an autumn peak.
SEASON = np.array([0.82, 0.8, 0.92, 0.98, 1.05, 1.18, 1.3, 1.22, 1.12, 1.25, 1.12, 0.85])
# Relative share of missing reports by hour of day: spread out, busiest in the evening.
MISSING_HOURS = np.array([4, 3, 2, 2, 1, 1, 2, 3, 4, 4, 4, 4, 5, 5, 6, 7, 8, 8, 8, 9, 9, 8, 7, 5], float)
OFFENCE_HOURS = np.array([4, 3, 2, 1, 1, 1, 1, 2, 3, 4, 4, 5, 6, 6, 7, 8, 9, 9, 8, 8, 7, 6, 5, 5], float)


def month_label(k: int) -> str:
    """``YYYY-MM`` of month index ``k`` (0 = November 2023)."""
    return str(FIRST_MONTH + k)


def month_index(seconds: np.ndarray) -> np.ndarray:
    """Month index (0..35) of each time; times outside the period fall outside 0..35."""
    return np.searchsorted(MONTH_STARTS, seconds, side="right") - 1


def season_weight(seconds: np.ndarray) -> np.ndarray:
    """Seasonal weight of each time's calendar month."""
    moy = (seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)) % 12
    return SEASON[moy]


def month_weights() -> np.ndarray:
    """Seasonal weight of each month of the period, in order."""
    return season_weight(MONTH_STARTS[:-1])


def times_of_day(rng: np.random.Generator, n: int, hours: np.ndarray) -> np.ndarray:
    """Seconds after midnight, by an hourly profile, to the minute."""
    h = rng.choice(24, size=n, p=hours / hours.sum())
    return h * HOUR + rng.integers(0, 60, size=n) * 60


def seasonal_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Midnight (seconds) of a day drawn in ``[lo, hi)`` per row, thinned by seasonality."""
    lo = np.asarray(lo, np.int64)
    hi = np.maximum(np.asarray(hi, np.int64), lo + DAY)
    out = np.empty(len(lo), np.int64)
    todo = np.arange(len(lo))
    top = SEASON.max()
    while todo.size:
        t = lo[todo] + (rng.random(todo.size) * (hi[todo] - lo[todo])).astype(np.int64)
        ok = rng.random(todo.size) < season_weight(t) / top
        out[todo[ok]] = t[ok]
        todo = todo[~ok]
    return out - (out - T0) % DAY


def times_in_month(rng: np.random.Generator, month: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """A random time within each given month index."""
    start, end = MONTH_STARTS[month], MONTH_STARTS[np.asarray(month) + 1]
    day = start + ((rng.random(len(start)) * ((end - start) // DAY)).astype(np.int64)) * DAY
    return day + times_of_day(rng, len(start), hours)
