"""The headline counts as the cards, the pack and Trends show them: one guard over every breakdown.

A reader can open the cards for any period and any node of the sidebar's breakdowns (a
locality, a looked-after status, an age band, a sex, or all of each), Trends for every
month split by one of them, and the force's figures can be set beside each council's. A
node's count is at most the sum of its values' counts along each breakdown (the sum itself
for records that fall under one value), as a period's is of its parts. So each count is
guarded (:mod:`contextmap.period_guard`) against its period's parts and against every
breakdown's values, each as it is shown, finest first: a total that would tell that a hidden
part is not empty, or pin it, is hidden too (docs/methods.md, "Breakdowns side by side").

A part that is 0 in a row is taken as known empty there: 0 is never perturbed, so a part the
guard takes as empty is empty, and one it takes as holding up to 5 would let a total hide less.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from contextmap import cellkey, disclosure, period_guard
from contextmap.filters import ALL, PERIODS, WHOLE, YEAR_START, Filters, period_start
from contextmap.queries import Query

DIMS = ("owner", "locality", "looked_after", "age_band", "sex")
COUNTS = ("episodes", "children", "repeat_children", "offences", "serious_violence", "weapon_offences")
# A value no filter shows alone (a record without a council or locality): a reader never sees it.
NONE = "(none)"
OFFENCES = ("offences", "serious_violence", "weapon_offences")
# Counts that are the sum of their parts along each breakdown (the rest are at most the sum):
# each record falls in one month and one value, but a child can be in two months, localities
# or age bands, and an offence counts under each young person's age band and sex and under
# every looked-after status. A child belongs to one council and has one sex.
ADDITIVE = {
    "period": ("episodes", *OFFENCES),
    "owner": COUNTS,
    "locality": ("episodes", *OFFENCES),
    "looked_after": ("episodes",),
    "age_band": ("episodes",),
    "sex": ("episodes",),
}


def _tell(total: np.ndarray, values: np.ndarray, secondary: np.ndarray, safe: np.ndarray, opened: np.ndarray,
          additive: bool, most: int) -> tuple[np.ndarray, np.ndarray]:
    """Which ``total``s would tell more of their parts than the parts show, and the least each
    may be known to be (:data:`period_guard.SAFE_LEAST`) before its own hiding; the parts lie
    along the first axis of ``values`` (with their guard's flags), as
    ``period_guard._hits`` and ``_safe_least`` reason on them. A part that is 0 is known
    empty; where ``opened``, a part no reader sees holds something, so the parts are not
    known to add up to the total and tell nothing."""
    empty = (values == 0) & ~secondary
    hidden = (values <= most) & ~secondary & ~empty
    floors = np.where(hidden | empty, 0, np.maximum(most + 1, values - cellkey.MAX_PERTURBATION))
    ceilings = np.where(empty, 0, np.where(hidden, most, np.where(secondary, np.inf, values + cellkey.MAX_PERTURBATION)))
    safe = np.where(empty, np.inf, np.where(hidden, 0.0, safe))
    finite = np.where(np.isinf(ceilings), 0, ceilings)
    unbounded = np.isinf(ceilings)
    others = np.where(unbounded.sum(axis=0) - unbounded > 0, np.inf, finite.sum(axis=0) - finite)
    least = np.maximum(most + 1, total - cellkey.MAX_PERTURBATION)
    shown = total > most
    hit = shown & (least - others > safe).any(axis=0)
    if additive:
        veiled = (hidden | secondary).any(axis=0)
        hit |= shown & veiled & (total + cellkey.MAX_PERTURBATION <= floors.sum(axis=0))
    return hit & ~opened, np.where(opened, np.inf, (safe + others).min(axis=0, initial=np.inf))


def _period_parts(starts: list, kind: str, lower: dict, count: str) -> tuple[np.ndarray, ...]:
    """The period below ``kind``'s guarded arrays of ``count`` as parts of each of ``kind``'s
    periods (``starts``): part axis first, a missing part empty."""
    low_starts, arrays = lower["starts"], lower[count]
    slots = [[j for j, s in enumerate(low_starts) if period_start(s, kind) == start] for start in starts]
    width = max(map(len, slots), default=0)
    shape = (width, len(starts), *arrays[0].shape[1:])
    out = np.zeros(shape), np.zeros(shape, dtype=bool), np.full(shape, np.inf)
    for i, js in enumerate(slots):
        for w, j in enumerate(js):
            for target, source in zip(out, arrays):
                target[w, i] = source[j]
    return out


def guard(cells: pd.DataFrame, policy: disclosure.Policy, dims: tuple[str, ...] = DIMS) -> pd.DataFrame:
    """``cells`` (rows of ``card_cells``, other breakdowns than ``dims`` all) with each count
    hidden (:func:`period_guard.hidden_value`) where, beside its period's parts and its
    breakdowns' values as shown, it would tell more of a hidden one than its "c".

    The counts are laid out as one array per period kind: period by each breakdown's values,
    all first, so a breakdown's values are a slice beside their total. Nodes are guarded
    from the finest (no breakdown all) up, each against every breakdown it is all of."""
    most = policy.suppress_max
    values = {d: [ALL, *sorted(set(cells[d]) - {ALL})] for d in dims}
    axes = {d: 1 + i for i, d in enumerate(dims)}
    # How many breakdowns each node is all of: its order in the guard.
    rank = sum(np.expand_dims(np.arange(len(values[d])) == 0,
                              [a for a in range(len(dims)) if a != i]) for i, d in enumerate(dims))
    out, lower = [], None
    for kind in (k for k in PERIODS if k in set(cells["period"])):
        rows = cells[cells["period"] == kind]
        starts = sorted(rows["start"].dt.date.unique())
        index = (rows["start"].dt.date.map({s: i for i, s in enumerate(starts)}).to_numpy(),
                 *(rows[d].map({v: i for i, v in enumerate(values[d])}).to_numpy() for d in dims))
        shape = (len(starts), *(len(values[d]) for d in dims))
        state = {"starts": starts}
        shown = rows.copy()
        for count in COUNTS:
            v = np.zeros(shape)
            v[index] = rows[count].to_numpy(dtype=float)
            secondary, safe = np.zeros(shape, dtype=bool), np.full(shape, np.inf)
            periods = _period_parts(starts, kind, lower, count) if lower else None
            for r in range(len(dims) + 1):
                at = np.broadcast_to(rank == r, shape)
                hit, least = np.zeros(shape, dtype=bool), np.full(shape, np.inf)
                if periods:
                    h, s = _tell(v, *periods, np.zeros(shape, dtype=bool), count in ADDITIVE["period"], most)
                    hit, least = hit | h, np.minimum(least, s)
                for d in dims:
                    a, none = axes[d], values[d].index(NONE) if NONE in values[d] else None
                    keep = [j for j in range(1, len(values[d])) if j != none]
                    parts = [np.moveaxis(x.take(keep, axis=a), a, 0) for x in (v, secondary, safe)]
                    opened = v.take(none, axis=a) > 0 if none is not None else np.zeros(v.take(0, axis=a).shape, bool)
                    h, s = _tell(v.take(0, axis=a), *parts, opened, count in ADDITIVE[d], most)
                    zero = [slice(None)] * len(shape)
                    zero[a] = 0
                    hit[tuple(zero)] |= h
                    least[tuple(zero)] = np.minimum(least[tuple(zero)], s)
                secondary |= at & hit
                plain_c = (v <= most) & ~secondary
                safe = np.where(at, np.where(plain_c, 0.0, least), safe)
            state[count] = (v, secondary, safe)
            shown[count] = np.where(secondary[index], period_guard.hidden_value(policy), v[index])
        lower = state
        out.append(shown)
    return pd.concat(out, ignore_index=True)


def fetch(query: Query, scope: str, month_from, month_to, up_to: str) -> pd.DataFrame:
    """``card_cells`` of the months ``month_from`` to ``month_to`` and every period up to
    ``up_to`` they make, for ``scope`` (the query's); a council's rows carry no other council
    (its ``owner`` is all). A query bound to a scope keeps its own."""
    cells = query("card_cells", month_from=month_from, month_to=month_to, up_to=up_to, year_start=YEAR_START,
                  scope=scope)
    cells["start"] = pd.to_datetime(cells["start"])
    if scope != WHOLE:
        cells = cells[cells["owner"] == ALL]
    return cells


def dims(scope: str) -> tuple[str, ...]:
    """The breakdowns of ``scope``: a council's figures have no other council beside them."""
    return DIMS if scope == WHOLE else DIMS[1:]


# Guarded cells by their content: every choice of the sidebar's breakdowns, and every session,
# reads the same rows of a period, and a new build's rows differ.
_GUARDED: dict[tuple, pd.DataFrame] = {}
_KEPT = 32


def shown(query: Query, scope: str, month_from, month_to, up_to: str, policy: disclosure.Policy) -> pd.DataFrame:
    """:func:`fetch` guarded: every node's counts as the cards and Trends show them."""
    cells = fetch(query, scope, month_from, month_to, up_to)
    key = (int(pd.util.hash_pandas_object(cells, index=False).sum()), len(cells), scope, policy)
    if key not in _GUARDED:
        while len(_GUARDED) >= _KEPT:
            _GUARDED.pop(next(iter(_GUARDED)))
        _GUARDED[key] = guard(cells, policy, dims(scope))
    return _GUARDED[key]


def node(f: Filters) -> dict[str, str]:
    """The node of the breakdowns the filters ``f`` choose."""
    return {"owner": ALL, "locality": f.locality, "looked_after": f.looked_after,
            "age_band": f.age_bands[0] if len(f.age_bands) == 1 else ALL,
            "sex": f.sexes[0] if len(f.sexes) == 1 else ALL}


def counts(query: Query, f: Filters, policy: disclosure.Policy) -> pd.Series:
    """The counts of ``f``'s period and breakdowns as the cards show them (0 where nothing counts)."""
    rows = shown(query, f.scope, f.month_from, f.month_to, f.period, policy)
    pick = (rows["period"] == f.period) & (rows["start"] == pd.Timestamp(f.month_from))
    for d, v in node(f).items():
        pick &= rows[d] == v
    row = rows.loc[pick, list(COUNTS)]
    return row.iloc[0] if len(row) else pd.Series(0, index=list(COUNTS))
