"""The period guard: a quarter's or a year's count is hidden when it would pin its hidden parts.

Periods nest (a quarter's months, a year's quarters: ``Filters.parts``) and a reader can
open every one of them. A reader knows a shown count s is at least max(6, s - 2) (cell-key
perturbation moves it by at most 2), a shown part at most its value + 2, and a hidden one
("c", 0 to 5) at most 5. When a total's least value is more than all but one of its hidden
parts can hold, that part is at least 1; at all they can hold, each is 5 exactly (a quarter
shown 17 over three "c" months). Such a total is hidden too, as a secondary "c", on every
page that shows a period's count: the Overview and the pack, Places, Postcodes, the Map and
Disproportionality (``tests/test_attack_certainty.py`` reads them all).

A total is compared with its parts as their queries return them. A part the guard hides
is a "c" over a larger count, which a reader cannot bound from above; taking it at its own
value instead errs on the side of hiding more. A part with nothing in it anywhere in its
view (a month before the data start, say) is taken as known to be empty, which also errs
that way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from contextmap import cellkey, disclosure
from contextmap.filters import Filters
from contextmap.queries import Query


def hidden_value(policy: disclosure.Policy) -> int:
    """What a hidden total is set to: the most a "c" stands for, so it shows as "c" and
    secondary suppression protects it like any other hidden count of children."""
    return policy.suppress_max


def at_ceiling(total, parts: Sequence, policy: disclosure.Policy) -> bool:
    """Whether a shown ``total`` would tell that its hidden ``parts`` hold more than 0.

    A period's count is at most the sum of its parts' (a child can count in two months).
    """
    frame = pd.DataFrame({"n": [total]})
    return bool(_hits(frame, [pd.DataFrame({"n": [p]}) for p in parts], [], "n", policy)[0])


def _aligned(frame: pd.DataFrame, part: pd.DataFrame, keys: list[str], col: str) -> np.ndarray:
    """``part``'s ``col`` for each row of ``frame`` (NaN where ``part`` has no such row)."""
    if not keys:
        values = part[col].to_numpy(dtype=float, na_value=np.nan)[: len(frame)]
        return np.pad(values, (0, len(frame) - len(values)), constant_values=np.nan)
    lookup = part.set_index(keys)[col]
    if not lookup.index.is_unique:
        raise ValueError(f"the period guard's keys {keys} do not identify one row of each part")
    index = pd.MultiIndex.from_frame(frame[keys]) if len(keys) > 1 else pd.Index(frame[keys[0]])
    return lookup.reindex(index).to_numpy(dtype=float, na_value=np.nan)


def _empty(part: pd.DataFrame, col: str, nonempty: str | None) -> bool:
    """Whether ``part`` has nothing in ``col`` anywhere in its view: in its rows, or, when a
    query returns only some rows of its view, as its boolean column ``nonempty`` says."""
    if nonempty is not None:
        return not part[nonempty].fillna(False).astype(bool).any()
    return not np.nan_to_num(part[col].to_numpy(dtype=float, na_value=np.nan)).any()


def _hits(frame: pd.DataFrame, parts: Sequence[pd.DataFrame], keys: list[str], col: str,
          policy: disclosure.Policy, nonempty: str | None = None) -> np.ndarray:
    """Rows of ``frame`` whose ``col`` is shown and at the ceiling of its parts'."""
    most = policy.suppress_max
    total = frame[col].to_numpy(dtype=float, na_value=np.nan)
    ceiling = np.zeros(len(frame))
    hidden_parts = np.zeros(len(frame))
    for part in parts:
        if _empty(part, col, nonempty):
            continue  # nothing in this part anywhere in the view: a reader may know it is empty
        values = _aligned(frame, part, keys, col)
        hidden = np.isnan(values) | (values <= most)
        ceiling += np.where(hidden, most, values + cellkey.MAX_PERTURBATION)
        hidden_parts += hidden
    least = np.maximum(most + 1, total - cellkey.MAX_PERTURBATION)
    return (total > most) & (hidden_parts > 0) & (least > ceiling - most)


def hide_at_ceiling(frame: pd.DataFrame, parts: Sequence[pd.DataFrame], keys: Sequence[str],
                    counts: Sequence[str], policy: disclosure.Policy, nonempty: str | None = None) -> pd.DataFrame:
    """``frame`` (a period's rows) with each count at the ceiling of its parts' set to
    :func:`hidden_value`; rows are matched to the parts' rows on ``keys`` (none: one row).
    ``nonempty``: see :func:`guarded`."""
    out = frame.copy()
    for col in counts:
        hit = _hits(frame, parts, list(keys), col, policy, nonempty)
        if hit.any():
            out.loc[hit, col] = hidden_value(policy)
    return out


def guarded(query: Query, name: str, f: Filters, policy: disclosure.Policy, *, keys: Sequence[str],
            counts: Sequence[str], parts_name: str | None = None, nonempty: str | None = None,
            **params) -> pd.DataFrame:
    """``query(name, f, **params)`` with its ``counts`` hidden at the ceiling of the same
    rows (matched on ``keys``) in each part of the period (:meth:`Filters.parts`).

    ``parts_name`` reads the parts with a cheaper query that counts them exactly as ``name``
    does (a test holds the two equal); it takes the same ``params``. ``nonempty`` names a
    boolean column of a query that returns some rows of a bigger view (one area of the
    Map's): whether that view has anything in it, so the guard treats each part exactly as
    it does over the whole view.
    """
    frame = query(name, f, **params)
    parts = [query(parts_name or name, part, **params) for part in f.parts()]
    return hide_at_ceiling(frame, parts, keys, counts, policy, nonempty)
