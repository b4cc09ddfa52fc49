"""Vectorised formatting of values into the messy-but-valid variants the contract accepts.

Every function takes numpy arrays (and a generator that picks the variant of each row)
and returns a pyarrow string array, so millions of rows format without Python loops.
Nulls are written as empty CSV fields.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NO_TIME = np.iinfo(np.int64).min  # marks a missing date-time in int64 seconds arrays

DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M")
DATETIME_SHARE = (0.45, 0.2, 0.3, 0.05)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
FLAG_WORDS = (("Y", "N"), ("Yes", "No"), ("TRUE", "false"), ("1", "0"), ("y", "n"), ("true", "FALSE"))
FLAG_SHARE = (0.4, 0.2, 0.15, 0.15, 0.05, 0.05)


def pick(rng: np.random.Generator, n: int, shares) -> np.ndarray:
    """Variant index per row, drawn with the given shares."""
    shares = np.asarray(shares, dtype=float)
    return rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int8)


def choose(variants: list[pa.Array], which: np.ndarray) -> pa.Array:
    """Row-wise choice among equally long arrays (``which`` indexes ``variants``)."""
    out = variants[0]
    for k in range(1, len(variants)):
        if (which == k).any():
            out = pc.if_else(pa.array(which == k), variants[k], out)
    return out


def _masked(arr: pa.Array, missing: np.ndarray) -> pa.Array:
    if missing.any():
        return pc.if_else(pa.array(missing), pa.nulls(len(arr), pa.string()), arr)
    return arr


def datetimes(rng: np.random.Generator, seconds: np.ndarray, shares=DATETIME_SHARE, which=None) -> pa.Array:
    """Date-times as ISO, ISO with ``T`` or UK day-first; ``NO_TIME`` becomes empty."""
    missing = seconds == NO_TIME
    ts = pa.array(np.where(missing, 0, seconds).astype("datetime64[s]"))
    which = pick(rng, len(seconds), shares) if which is None else which
    used = sorted(set(np.unique(which).tolist()))
    variants = [pc.strftime(ts, DATETIME_FORMATS[k]) if k in used else None for k in range(len(DATETIME_FORMATS))]
    variants = [v if v is not None else variants[used[0]] for v in variants]
    return _masked(choose(variants, which), missing)


def months(seconds: np.ndarray) -> pa.Array:
    """``YYYY-MM`` months."""
    return pc.strftime(pa.array(seconds.astype("datetime64[s]")), "%Y-%m")


def dates(rng: np.random.Generator, days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Dates (int days since 1970) as ISO or UK day-first."""
    missing = np.zeros(len(days), bool) if missing is None else missing
    d = pa.array(np.where(missing, 0, days).astype("datetime64[D]"))
    which = pick(rng, len(days), (0.6, 0.4))
    return _masked(choose([pc.strftime(d, f) for f in DATE_FORMATS], which), missing)


def flags(rng: np.random.Generator, values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Booleans written in one of the accepted flag spellings per row."""
    style = pick(rng, len(values), FLAG_SHARE).astype(np.int64)
    words = pa.array([w for pair in FLAG_WORDS for w in pair])
    out = words.take(pa.array(style * 2 + (~values.astype(bool)).astype(np.int64)))
    return _masked(out, np.zeros(len(values), bool) if missing is None else missing)


def postcodes(rng: np.random.Generator, display: np.ndarray, index: np.ndarray, shares=(0.7, 0.1, 0.12, 0.05, 0.03)) -> pa.Array:
    """Postcode by index (-1 = none): as published, lower case, unspaced, both, or padded."""
    base = pa.array(display)
    nospace = pc.replace_substring(base, " ", "")
    variants = pa.chunked_array(
        [base, pc.utf8_lower(base), nospace, pc.utf8_lower(nospace), pc.binary_join_element_wise(" ", base, " ", "")]
    ).combine_chunks()
    missing = index < 0
    which = pick(rng, len(index), shares).astype(np.int64)
    out = variants.take(pa.array(which * len(display) + np.where(missing, 0, index)))
    return _masked(out, missing)


def codes(labels, index: np.ndarray) -> pa.Array:
    """Code labels by index (-1 = empty)."""
    missing = index < 0
    out = pa.array(list(labels)).take(pa.array(np.where(missing, 0, index).astype(np.int64)))
    return _masked(out, missing)


def prefixed_ids(prefix: str, numbers: np.ndarray, width: int, missing: np.ndarray | None = None) -> pa.Array:
    """Identifiers like ``LL-0012345`` from integers."""
    digits = pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(pa.string()), width, "0")
    out = pc.binary_join_element_wise(prefix, digits, "")
    return _masked(out, np.zeros(len(numbers), bool) if missing is None else missing)


def stray_space(rng: np.random.Generator, arr: pa.Array, share: float = 0.02) -> pa.Array:
    """Add a leading or trailing space to a small share of non-empty values."""
    n = len(arr)
    lead = rng.random(n) < share / 2
    trail = rng.random(n) < share / 2
    out = pc.if_else(pa.array(lead), pc.binary_join_element_wise(" ", arr, ""), arr)
    return pc.if_else(pa.array(trail), pc.binary_join_element_wise(out, " ", ""), out)


def numbers(values: np.ndarray, decimals: int, missing: np.ndarray | None = None) -> pa.Array:
    """Decimal numbers rounded to ``decimals`` places, as text."""
    missing = np.zeros(len(values), bool) if missing is None else missing
    out = pa.array(np.round(np.where(missing, 0.0, values), decimals)).cast(pa.string())
    return _masked(out, missing)


def integers(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Whole numbers as text."""
    missing = np.zeros(len(values), bool) if missing is None else missing
    return _masked(pa.array(values.astype(np.int64)).cast(pa.string()), missing)
