"""Safe CSV downloads: disclosure-checked tables that a spreadsheet cannot execute.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel and LibreOffice (CSV injection: a place name such as
``=HYPERLINK("http://evil","click")`` would become a live link). Such text cells get a
leading apostrophe, which spreadsheets treat as "this is text". Numbers, and text that
is just a number ("-3", "1,234", "-12%"), stay as they are.
"""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd

from contextmap import disclosure

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?%?$")


def neutralise(value):
    """One cell made safe for a spreadsheet (non-text values are returned unchanged)."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_csv(df: pd.DataFrame) -> bytes:
    """``df`` as CSV bytes, UTF-8 with a byte-order mark (so Excel reads £ and accents), formula-safe."""
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out.to_csv(index=False).encode("utf-8-sig")


def is_protected(df: pd.DataFrame, count_cols) -> bool:
    """Whether the count columns already hold display text (the output of ``protect_frame``)."""
    return all(df[c].map(lambda v: isinstance(v, str)).all() for c in count_cols)


def leaked_counts(df: pd.DataFrame, count_cols, policy: disclosure.Policy) -> list[str]:
    """Count columns of a display table that show a number in 1..suppress_max (should be none)."""
    return [c for c in count_cols if any(disclosure.is_suppressed(v, policy) for v in disclosure.visible_counts(df[c]))]


def prepare(df: pd.DataFrame, count_cols, policy: disclosure.Policy, **protect) -> pd.DataFrame:
    """The table exactly as it may leave the dashboard.

    Raw counts are protected here with ``disclosure.protect_frame(**protect)``. A table
    already protected (every count cell is text) is passed through after checking that no
    count in 1..suppress_max slipped through; if one did, :class:`ValueError` is raised
    and nothing is exported.
    """
    shown = df if is_protected(df, count_cols) else disclosure.protect_frame(df, count_cols, policy, **protect)
    leaks = leaked_counts(shown, count_cols, policy)
    if leaks:
        raise ValueError(f"refusing to export unsuppressed small counts in {leaks}")
    return shown


def fingerprint(data: bytes, filters: dict, file_format: str) -> str:
    """What one export is: its bytes, the filters behind it and its format, as a short hash.

    Two downloads share a justification only when this is the same: a table changed by a
    control on the page (a toggle, a category) is a new export and needs its own record.
    """
    digest = hashlib.sha256(data)
    digest.update(json.dumps({"filters": filters, "format": file_format}, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:24]  # not 16: the audit log removes anything shaped like a pseudonym
