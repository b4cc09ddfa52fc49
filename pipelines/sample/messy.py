"""Vectorised formatting of values into the messy-but-valid variants the contract accepts.

Every function takes numpy arrays (and a generator that picks the variant of each row)
and returns a pyarrow string array, so millions of rows format without Python loops.
Nulls are written as empty CSV fields.
"""

from __future__ import annotations

import re

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
    cum = np.cumsum(np.asarray(shares, dtype=float))
    return np.searchsorted(cum / cum[-1], rng.random(n), side="right").astype(np.int8)


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


def civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of int days since 1970 (Hinnant's civil_from_days, integer-only)."""
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (m <= 2), m, d


def civil_lookup(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``civil`` through a table of the days spanned (far fewer than the rows)."""
    if len(days) == 0:
        return days, days, days
    lo = int(days.min())
    y, m, d = civil(np.arange(lo, int(days.max()) + 1))
    i = days - lo
    return y[i], m[i], d[i]


def _fields(seconds: np.ndarray) -> dict[str, np.ndarray]:
    """Calendar fields of int64 seconds since 1970."""
    days = seconds // 86_400
    y, m, d = civil_lookup(days)
    sod = seconds - days * 86_400
    return {"Y": y, "m": m, "d": d, "H": sod // 3_600, "M": sod // 60 % 60, "S": sod % 60}


def _text(buf: np.ndarray) -> pa.Array:
    """A string array from an (n, width) byte matrix, one row per value."""
    n, width = buf.shape
    offsets = (np.arange(n + 1, dtype=np.int64) * width).astype(np.int32 if n * width < 2**31 else np.int64)
    kind = pa.string() if offsets.dtype == np.int32 else pa.large_string()
    return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets), pa.py_buffer(buf.tobytes())])


def _put_digits(buf: np.ndarray, col: int, width: int, value: np.ndarray) -> None:
    for k in range(width):
        buf[:, col + width - 1 - k] = 48 + (value // 10**k) % 10


def _render(fields: dict[str, np.ndarray], pattern: str) -> pa.Array:
    """Fixed-width text from a pattern like ``%Y-%m-%d``, built straight into a byte buffer.

    Much faster than ``strftime``, which dominated at tens of millions of rows.
    """
    widths = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}
    parts = re.findall(r"%.|[^%]", pattern)
    n = len(fields["Y"])
    buf = np.empty((n, sum(widths[p[1]] if p[0] == "%" else 1 for p in parts)), np.uint8)
    col = 0
    for part in parts:
        if part[0] == "%":
            _put_digits(buf, col, widths[part[1]], fields[part[1]])
            col += widths[part[1]]
        else:
            buf[:, col] = ord(part)
            col += 1
    return _text(buf)


def _formatted(seconds: np.ndarray, which: np.ndarray, patterns: tuple[str, ...]) -> pa.Array:
    """Each row rendered with ``patterns[which]``; only the rows using a pattern are rendered with it."""
    order = np.argsort(which, kind="stable")
    pieces = []
    for k in range(len(patterns)):
        rows = order[which[order] == k]
        if len(rows):
            pieces.append(_render(_fields(seconds[rows]), patterns[k]))
    joined = pa.concat_arrays(pieces) if pieces else pa.array([], pa.string())
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    return joined.take(pa.array(position))


def datetimes(rng: np.random.Generator, seconds: np.ndarray, shares=DATETIME_SHARE, which=None) -> pa.Array:
    """Date-times as ISO, ISO with ``T`` or UK day-first; ``NO_TIME`` becomes empty."""
    missing = seconds == NO_TIME
    which = pick(rng, len(seconds), shares) if which is None else which
    return _masked(_formatted(np.where(missing, 0, seconds), which, DATETIME_FORMATS), missing)


def months(seconds: np.ndarray) -> pa.Array:
    """``YYYY-MM`` months."""
    return _render(_fields(seconds), "%Y-%m")


def dates(rng: np.random.Generator, days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Dates (int days since 1970) as ISO or UK day-first."""
    missing = np.zeros(len(days), bool) if missing is None else missing
    which = pick(rng, len(days), (0.6, 0.4))
    return _masked(_formatted(np.where(missing, 0, days) * 86_400, which, DATE_FORMATS), missing)


def flags(rng: np.random.Generator, values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Booleans written in one of the accepted flag spellings per row."""
    style = pick(rng, len(values), FLAG_SHARE).astype(np.int64)
    words = pa.array([w for pair in FLAG_WORDS for w in pair])
    out = words.take(pa.array(style * 2 + (~values.astype(bool)).astype(np.int64)))
    return _masked(out, np.zeros(len(values), bool) if missing is None else missing)


def postcodes(
    rng: np.random.Generator, display: np.ndarray, index: np.ndarray, shares=(0.7, 0.1, 0.12, 0.05, 0.03)
) -> pa.Array:
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


def prefixed_ids(prefix, numbers: np.ndarray, width: int, missing: np.ndarray | None = None) -> pa.Array:
    """Identifiers like ``LL-0012345`` from integers (``prefix``: one string, or one per row, all as long)."""
    if isinstance(prefix, str):
        head = np.frombuffer(prefix.encode(), np.uint8)
    else:
        head = np.asarray(prefix, dtype="S").view(np.uint8).reshape(len(numbers), -1)
    buf = np.empty((len(numbers), head.shape[-1] + width), np.uint8)
    buf[:, : head.shape[-1]] = head
    _put_digits(buf, head.shape[-1], width, np.asarray(numbers, np.int64))
    return _masked(_text(buf), np.zeros(len(numbers), bool) if missing is None else missing)


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
