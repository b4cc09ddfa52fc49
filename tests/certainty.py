"""The certainty attack: what every figure a reader sees says, put together, about each hidden one.

Each shown figure is a linear constraint on true counts: the sum of some cells (months,
councils' months, LSOAs, groups) lies in the interval its text allows (:func:`bounds`).
For every hidden figure ("c") a linear programme over all of them gives its least and
greatest possible true value; when those meet at one whole number above 0 the figure is
**pinned**: the reader knows it exactly, perturbation and suppression notwithstanding.
The programme splits into independent blocks (cells no constraint links), so one programme
over all of them solves a target of every block at once: a build's thousands of hidden
cells take as many programmes as the largest block has targets left to solve.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from contextmap import disclosure

# Slack for the solver's rounding when a bound is compared with a whole number.
EPS = 1e-7
# Programmes over every block at once that look for a point where a target is 0, before
# each target left is solved on its own.
PROBES = 4


# A "c" hiding a count above suppress_max (secondary suppression). A reader cannot tell it
# from any other "c"; the attack grants them that it is more than suppress_max.
SECONDARY = "c>"


def bounds(text: str, policy: disclosure.Policy) -> tuple[float, float]:
    """What a figure's text says of the true count: "c" is 0 (1 when zeros are shown) to
    ``suppress_max``; a shown 0 is 0; a shown count s is max(suppress_max + 1, s - 2) to s + 2
    (the p-table moves a count at most 2 and never into the "c" range); ``SECONDARY`` is
    more than ``suppress_max``."""
    if text == SECONDARY:
        return policy.suppress_max + 1, math.inf
    if text == disclosure.SUPPRESSED:
        return (0 if disclosure.is_suppressed(0, policy) else 1), policy.suppress_max
    shown = float(text.replace(",", ""))
    return (0, 0) if shown == 0 else (max(policy.suppress_max + 1, shown - 2), shown + 2)


def _solve(goal: np.ndarray, a_ub, b_ub):
    result = linprog(goal, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    assert result.status == 0, result.message  # the truth always fits: else a bound is wrong
    return result


class Reader:
    """Everything one reader (or several comparing notes) has seen: sums of cells with bounds."""

    def __init__(self, policy: disclosure.Policy):
        self.policy = policy
        self.cells: dict[Hashable, int] = {}
        self.rows: dict[frozenset, tuple[float, float]] = {}
        self.targets: dict[frozenset, Hashable] = {}

    def _index(self, cells: Iterable[Hashable]) -> frozenset:
        return frozenset(self.cells.setdefault(c, len(self.cells)) for c in cells)

    def read(self, name: Hashable, cells: Iterable[Hashable], text: str) -> None:
        """A figure ``name`` shown as ``text``, the true sum of ``cells``; a hidden one is a target.
        A figure over no cells (a window before the data) tells nothing."""
        key = self._index(cells)
        if not key:
            return
        lo, hi = bounds(text, self.policy)
        old = self.rows.get(key, (-math.inf, math.inf))
        self.rows[key] = (max(lo, old[0]), min(hi, old[1]))
        if text in (disclosure.SUPPRESSED, SECONDARY):
            self.targets.setdefault(key, name)

    def unseen(self, name: Hashable, cell: Hashable) -> None:
        """A cell the reader never sees on its own (only inside sums): a target too."""
        self.targets.setdefault(self._index([cell]), name)

    def pinned(self, positive: bool = False) -> dict[Hashable, int | str]:
        """Hidden figures whose least and greatest possible true values are one number above 0.

        With ``positive``, also each "c" (0 to ``suppress_max``) whose least possible value is
        above 0, as ">= n": the reader knows it is not empty, which a "c" hides too."""
        keys = list(self.rows)
        n = len(self.cells)
        if not keys:
            return {}
        r = np.concatenate([np.full(len(k), i) for i, k in enumerate(keys)])
        c = np.concatenate([np.fromiter(k, int) for k in keys])
        a = sparse.csr_matrix((np.ones(len(c)), (r, c)), shape=(len(keys), n))
        lo = np.array([self.rows[k][0] for k in keys])
        # linprog takes no infinite bound: a figure known only from below gets one no count reaches.
        hi = np.minimum(np.array([self.rows[k][1] for k in keys]), 1e9)
        # Cells linked by any constraint share a block. The least (or greatest) of a sum of
        # targets, one or more per block, is each block's least of its own: so one programme
        # over every block solves one target of each at once.
        _, block = connected_components(a.T @ a, directed=False)
        covered = np.asarray(a.getnnz(axis=0)).ravel() > 0
        # A target over a cell nothing shown covers can be anything from 0 up.
        targets = [key for key in self.targets if covered[list(key)].all()]

        def solve(batch: list[frozenset], sign: float, weights=None) -> dict[frozenset, float]:
            # Over the blocks of the batch alone: the others change nothing.
            cols = np.isin(block, np.unique([block[next(iter(key))] for key in batch]))
            rows = np.flatnonzero(a[:, cols].getnnz(axis=1))
            sub = a[rows][:, cols]
            where = np.full(n, -1)
            where[cols] = np.arange(cols.sum())
            goal = np.zeros(cols.sum())
            for i, key in enumerate(batch):
                goal[where[list(key)]] += sign * (1 if weights is None else weights[i])
            x = _solve(goal, sparse.vstack([sub, -sub]).tocsr(), np.concatenate([hi[rows], -lo[rows]])).x
            return {key: x[where[list(key)]].sum() for key in batch}

        def by_rounds(batch: list[frozenset], sign: int) -> dict[frozenset, float]:
            per_block: dict[int, list[frozenset]] = {}
            for key in batch:
                per_block.setdefault(block[next(iter(key))], []).append(key)
            out = {}
            for i in range(max(map(len, per_block.values()), default=0)):
                out.update(solve([ks[i] for ks in per_block.values() if len(ks) > i], sign))
            return out

        if not targets:
            return {}
        # Where the hidden figures are least together a target at 0 can be 0: not pinned.
        # Where those a figure bounds from above are greatest together, a target with two
        # whole numbers between its values in the two is not pinned either.
        together = solve(targets, 1)
        bounded = [key for key in targets if self.rows.get(key, (0, math.inf))[1] < math.inf]
        apart = solve(bounded, -1) if bounded else together
        hidden = {key for key in targets if positive and self.rows.get(key, (0, math.inf))[1] <= self.policy.suppress_max}
        left = []
        for key in targets:
            low, high = sorted((together[key], apart.get(key, together[key])))
            if together[key] > EPS and (math.ceil(low - EPS) >= math.floor(high + EPS) or key in hidden):
                left.append(key)
        # A few more points where those left are least, each weighted differently: one that
        # reaches 0 anywhere can be 0.
        rng = np.random.default_rng(0)
        for _ in range(PROBES):
            if not left:
                break
            point = solve(left, 1, rng.uniform(1, 10, len(left)))
            left = [key for key in left if point[key] > EPS]
        least = {key: math.ceil(v - EPS) for key, v in by_rounds(left, 1).items()}
        above = [key for key in left if least[key] > 0]
        greatest = {key: math.floor(v + EPS) for key, v in by_rounds(above, -1).items()}
        found = {}
        for key in above:
            if least[key] == greatest[key]:
                found[self.targets[key]] = least[key]
            elif key in hidden:
                found[self.targets[key]] = f">= {least[key]}"
        return found
