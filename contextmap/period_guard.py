"""The period guard: a quarter's or a year's count is hidden when it would pin its hidden parts.

Periods nest (a quarter's months, a year's quarters: ``Filters.parts``) and a reader can
open every one of them. A reader knows a shown count s is at least max(6, s - 2) (cell-key
perturbation moves it by at most 2) and at most s + 2, a hidden one ("c", 0 to 5) at most 5,
and one the guard hid (a "c" over more than 5) at least 6. Two ways a total pins its parts:
its least value is more than all but one of its hidden parts can hold, so that one is at
least 1 (a quarter shown 17 over three "c" months makes each 5); or, for a count that is the
sum of its parts' (events, not distinct children), its most is no more than the parts'
least, so each hidden part is at its least (a quarter shown 10 over months shown 6 and 6
makes the third 0, and a year over a quarter the guard hid can make that quarter exactly 6).
Such a total is hidden too, as a secondary "c", on every page that shows a period's count:
the Overview and the pack, Places, Postcodes, the Map, Disproportionality and the profiles
(``tests/test_attack_certainty.py`` reads them all). Each part is guarded against its own
parts first (a year's quarters against their months), so a part the guard hides is known
to the check above as such.

A part with nothing in it anywhere in its view (a month before the data start, say) is
taken as known to be empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd

from contextmap import cellkey, disclosure
from contextmap.filters import Filters
from contextmap.queries import Query


def hidden_value(policy: disclosure.Policy) -> int:
    """What a hidden total is set to: the most a "c" stands for, so it shows as "c" and
    secondary suppression protects it like any other hidden count of children."""
    return policy.suppress_max


def at_ceiling(total, parts: Sequence, policy: disclosure.Policy, additive: bool = False) -> bool:
    """Whether a shown ``total`` would tell that its hidden ``parts`` hold more than 0 (or,
    ``additive``: the total is their sum, exactly 0).

    A period's count is at most the sum of its parts' (a child can count in two months).
    """
    frame = pd.DataFrame({"n": [total]})
    return bool(_hits(frame, [pd.DataFrame({"n": [p]}) for p in parts], [], "n", policy, additive=additive)[0])


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


def _empty(part: pd.DataFrame, col: str) -> bool:
    """Whether ``part`` has nothing in ``col`` in any of its rows (its whole view)."""
    return not np.nan_to_num(part[col].to_numpy(dtype=float, na_value=np.nan)).any()


SECONDARY = "_period_guard_hidden"
# The most a reader may know a count to be at least without learning more of its hidden
# parts than they show: 0 for a "c" (at least 1 says it is not empty), none for a count with
# no parts, else what would let the count's own guard (:func:`_hits`) fire.
SAFE_LEAST = "_period_guard_safe_least"


def _bounds(frame: pd.DataFrame, parts: Sequence[pd.DataFrame], keys: list[str], col: str,
            policy: disclosure.Policy) -> tuple[list[np.ndarray], ...]:
    """Per part (known empty ones left out), aligned to ``frame``'s rows: whether it is a "c",
    whether its own guard hid it, and the least and most a reader knows it to be, and the
    least it may be known to be (:data:`SAFE_LEAST`)."""
    most = policy.suppress_max
    out: tuple[list[np.ndarray], ...] = ([], [], [], [], [])
    for part in parts:
        if _empty(part, col):
            continue  # nothing in this part anywhere in the view: a reader may know it is empty
        values = _aligned(frame, part, keys, col)
        flag, safe = SECONDARY + col, SAFE_LEAST + col
        secondary = _aligned(frame, part, keys, flag) > 0 if flag in part else np.zeros(len(frame), dtype=bool)
        hidden = (np.isnan(values) | (values <= most)) & ~secondary
        safe_least = _aligned(frame, part, keys, safe) if safe in part else np.where(hidden, 0.0, np.inf)
        for bucket, value in zip(out, (
                hidden, secondary,
                np.where(hidden, 0, np.maximum(most + 1, np.nan_to_num(values) - cellkey.MAX_PERTURBATION)),
                np.where(hidden, most, np.where(secondary, np.inf, values + cellkey.MAX_PERTURBATION)),
                np.where(hidden, 0.0, np.nan_to_num(safe_least, nan=np.inf)))):
            bucket.append(value)
    return out


def _others(ceilings: list[np.ndarray]) -> list[np.ndarray]:
    """For each part, the most all the other parts can hold together (inf if one has no most)."""
    if not ceilings:
        return []
    stacked = np.vstack(ceilings)
    finite = np.where(np.isinf(stacked), 0, stacked)
    unbounded = np.isinf(stacked).sum(axis=0)
    return [np.where(unbounded - np.isinf(c) > 0, np.inf, finite.sum(axis=0) - finite[i])
            for i, c in enumerate(stacked)]


def _hits(frame: pd.DataFrame, parts: Sequence[pd.DataFrame], keys: list[str], col: str,
          policy: disclosure.Policy, additive: bool = False) -> np.ndarray:
    """Rows of ``frame`` whose ``col`` is shown and would tell more of its parts than they show.

    A part is hidden at 0 to ``suppress_max``, or, when its own guard hid it (its boolean
    column ``SECONDARY + col``), at more than that with no upper bound. Two ways to tell too
    much: the total's least value, less the most all other parts can hold, is more than a
    part may be known to be at least (:data:`SAFE_LEAST`: 0 for a "c", so it would be at
    least 1; for a part whose own guard hid it, or a shown one, what would let its own parts
    be worked out the same way); or, ``additive`` (the total is the parts' sum, as events
    are), the total's most is no more than the parts' least, so each hidden part is at its least.
    """
    most = policy.suppress_max
    total = frame[col].to_numpy(dtype=float, na_value=np.nan)
    shown = total > most
    hidden, secondary, floors, ceilings, safe = _bounds(frame, parts, keys, col, policy)
    least = np.maximum(most + 1, total - cellkey.MAX_PERTURBATION)
    out = np.zeros(len(frame), dtype=bool)
    for others, safe_least in zip(_others(ceilings), safe):
        out |= shown & (least - others > safe_least)
    if additive and hidden:
        veiled = (np.sum(hidden, axis=0) + np.sum(secondary, axis=0)) > 0
        out |= shown & veiled & (total + cellkey.MAX_PERTURBATION <= np.sum(floors, axis=0))
    return out


def _safe_least(frame: pd.DataFrame, parts: Sequence[pd.DataFrame], keys: list[str], col: str,
                policy: disclosure.Policy, hit: np.ndarray) -> np.ndarray:
    """:data:`SAFE_LEAST` of each row of ``frame`` once the rows ``hit`` are hidden."""
    _, _, _, ceilings, safe = _bounds(frame, parts, keys, col, policy)
    out = np.full(len(frame), np.inf)
    for others, safe_least in zip(_others(ceilings), safe):
        out = np.minimum(out, safe_least + others)
    total = frame[col].to_numpy(dtype=float, na_value=np.nan)
    plain_c = (np.isnan(total) | (total <= policy.suppress_max)) & ~hit
    return np.where(plain_c, 0.0, out)


def _masked(frame: pd.DataFrame, parts: Sequence[pd.DataFrame], keys: Sequence[str], counts: Sequence[str],
            policy: disclosure.Policy, additive: Sequence[str],
            within: Mapping[str, Sequence[str]] = MappingProxyType({})) -> pd.DataFrame:
    """``frame`` with a boolean ``SECONDARY + col`` column per count, whether the guard hides it,
    and its ``SAFE_LEAST + col``; a count of ``within`` is then set also against the counts of
    its row it adds up from, as those are shown."""
    out = frame.copy()
    for col in counts:
        hit = _hits(frame, parts, list(keys), col, policy, col in additive)
        out[SECONDARY + col] = hit
        out[SAFE_LEAST + col] = _safe_least(frame, parts, list(keys), col, policy, hit)
    for total, cols in within.items():
        # Each column as a part of the total: the same row (by position), with its flags.
        row_parts = [out[[c, SECONDARY + c, SAFE_LEAST + c]].set_axis([total, SECONDARY + total, SAFE_LEAST + total],
                                                                      axis=1).reset_index(drop=True) for c in cols]
        rows = out.reset_index(drop=True)
        hit = _hits(rows, row_parts, [], total, policy, total in additive)
        safe = _safe_least(rows, row_parts, [], total, policy, hit)
        out[SECONDARY + total] = out[SECONDARY + total].to_numpy() | hit
        out[SAFE_LEAST + total] = np.minimum(out[SAFE_LEAST + total].to_numpy(), safe)
    return out


def _shown(masked: pd.DataFrame, counts: Sequence[str], policy: disclosure.Policy) -> pd.DataFrame:
    """A masked frame as pages read it: each hidden count set to :func:`hidden_value`, no flags."""
    out = masked.copy()
    for col in counts:
        out.loc[out[SECONDARY + col].to_numpy(), col] = hidden_value(policy)
    return out.drop(columns=[flag + col for col in counts for flag in (SECONDARY, SAFE_LEAST)])


def hide_at_ceiling(frame: pd.DataFrame, parts: Sequence[pd.DataFrame], keys: Sequence[str],
                    counts: Sequence[str], policy: disclosure.Policy,
                    additive: Sequence[str] = (), within: Mapping[str, Sequence[str]] = MappingProxyType({})
                    ) -> pd.DataFrame:
    """``frame`` (a period's rows) with each count that would pin its parts' set to
    :func:`hidden_value`; rows are matched to the parts' rows on ``keys`` (none: one row).
    ``additive`` and ``within``: see :func:`guard`. The parts have no parts of
    their own (months): use :func:`guard` for periods whose parts have parts."""
    leaves = [_masked(part, [], keys, counts, policy, additive, within) for part in parts]
    return _shown(_masked(frame, leaves, keys, counts, policy, additive, within), counts, policy)


def guard(fetch: Callable[[Filters], pd.DataFrame], f: Filters, policy: disclosure.Policy, *, keys: Sequence[str],
          counts: Sequence[str], additive: Sequence[str] = (),
          parts_fetch: Callable[[Filters], pd.DataFrame] | None = None,
          within: Mapping[str, Sequence[str]] = MappingProxyType({})) -> pd.DataFrame:
    """``fetch(f)`` with its ``counts`` hidden where they would pin the same rows (matched on
    ``keys``) of the period's parts (:meth:`Filters.parts`), each part guarded the same way
    against its own parts first: a year against its quarters, each quarter against its months.

    ``additive`` names the counts that are the sum of their parts' (events; not distinct
    children), whose total also bounds each part from above. ``parts_fetch`` reads the
    parts with a cheaper query that counts them exactly as ``fetch`` does. A part with nothing
    in a count in any of its rows is taken as known to be empty, so ``fetch`` returns a whole
    view (every area or place), never some of its rows. ``within`` maps a count to the counts of the same row it is the sum of
    (a place's events to its sources'), each one also in ``counts``: the sidebar shows each of
    those alone too, so the total is set against them as against its periods.
    """
    return _shown(_guarded_period(fetch, parts_fetch or fetch, f, policy, keys, counts, additive, within),
                  counts, policy)


def _guarded_period(fetch: Callable[[Filters], pd.DataFrame], parts_fetch: Callable[[Filters], pd.DataFrame],
                    f: Filters, policy: disclosure.Policy, keys: Sequence[str], counts: Sequence[str],
                    additive: Sequence[str],
                    within: Mapping[str, Sequence[str]] = MappingProxyType({})) -> pd.DataFrame:
    """``fetch(f)`` masked (:func:`_masked`) against its parts, each masked the same way first."""
    parts = [_guarded_period(parts_fetch, parts_fetch, p, policy, keys, counts, additive, within)
             for p in f.parts()]
    return _masked(fetch(f), parts, keys, counts, policy, additive, within)


def guarded(query: Query, name: str, f: Filters, policy: disclosure.Policy, *, keys: Sequence[str],
            counts: Sequence[str], additive: Sequence[str] = (), parts_name: str | None = None, within: Mapping[str, Sequence[str]] = MappingProxyType({}),
            **params) -> pd.DataFrame:
    """:func:`guard` of ``query(name, f, **params)``; ``parts_name`` reads the parts with a
    cheaper query that counts them exactly as ``name`` does (a test holds the two equal)."""
    return guard(lambda g: query(name, g, **params), f, policy, keys=keys, counts=counts, additive=additive,
                 within=within,
                 parts_fetch=(lambda g: query(parts_name, g, **params)) if parts_name else None)
