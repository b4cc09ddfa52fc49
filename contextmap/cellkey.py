"""Cell-key perturbation: the same records always show the same number, whatever view
reaches them, and the difference of two views no longer gives an exact count.

The method of the ABS TableBuilder and of ONS's Census 2021 custom datasets (ONS's
Python package ``cell-key-perturbation`` is the reference: ``tests/test_cellkey.py``
checks this module gives its numbers on the same microdata and p-table).

- Every counted record (an episode, an offence, an event, a child) carries a **record
  key**, a whole number 0–255 fixed by the build from the record's pseudonym and a
  secret derived from the pseudonymisation key (``pipelines/cellkeys.py``), so rebuilds
  give the same key and nobody without the key can compute it.
- A **cell key** is the sum of the record keys of the records a figure counts, modulo
  256. The SQL computes it next to every count as ``<count>_ckey``.
- The **p-table** maps (count, cell key) to a small perturbation; the shown figure is
  count + perturbation. Counts above 750 reuse the rows 501–750, as in ONS's package.

ContextMap's p-table keeps the product's conventions: 0 stays 0 (a cell with no records
has nothing to protect, and a zero is never perturbed by ONS either); counts 1 to
``suppress_max`` are not perturbed, because disclosure control then shows them as "c";
every larger count moves by at most ``MAX_PERTURBATION`` and never into the "c" range.
For counts of ``suppress_max + 3`` and more the perturbation is -2, -1, 0, +1 or +2 with
probabilities 38, 51, 78, 51 and 38 in 256 (mean 0, variance 1.58); just above the "c"
range it cannot go down as far, so it leans upwards (see :data:`NEAR_FLOOR`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

KEY_RANGE = 256
MAX_PCV = 750
# Counts above MAX_PCV use the p-table rows 501..750 again (ONS's convention).
WRAP_FROM = 501
MAX_PERTURBATION = 2
# How many of the 256 cell keys give each perturbation, away from the "c" range.
SPREAD = {-2: 38, -1: 51, 0: 78, 1: 51, 2: 38}
# Just above the "c" range (offset 0 is the smallest count shown, suppress_max + 1): no
# perturbation may land in the range, so these rows cannot be symmetric.
NEAR_FLOOR = {0: {0: 128, 1: 90, 2: 38}, 1: {-1: 90, 0: 90, 1: 51, 2: 25}}
# The built-in p-table is public (as ABS publishes its parameters); what protects a
# figure is that its cell key is secret. The seed only fixes which keys get which value.
SEED = 20261204
SUFFIX = "_ckey"


def _row(spread: dict[int, int], rng: np.random.Generator) -> np.ndarray:
    values = np.repeat(np.array(list(spread), dtype=np.int16), list(spread.values()))
    assert len(values) == KEY_RANGE
    return rng.permutation(values)


@lru_cache(maxsize=4)
def builtin_ptable(suppress_max: int) -> np.ndarray:
    """ContextMap's p-table: an array [count 0..750, cell key 0..255] of perturbations."""
    rng = np.random.default_rng(SEED)
    table = np.zeros((MAX_PCV + 1, KEY_RANGE), dtype=np.int16)
    for pcv in range(suppress_max + 1, MAX_PCV + 1):
        table[pcv] = _row(NEAR_FLOOR.get(pcv - suppress_max - 1, SPREAD), rng)
    table.setflags(write=False)
    return table


def read_ptable(path: Path, suppress_max: int) -> np.ndarray:
    """A p-table in ONS's CSV layout (columns ``pcv``, ``ckey``, ``pvalue``), checked.

    A data controller may keep its own p-table secret, as ONS does. It must cover every
    count 1..750 and cell key 0..255, leave 0 and counts 1..``suppress_max`` alone, and
    never move a shown count into the "c" range.
    """
    frame = pd.read_csv(path)
    missing = {"pcv", "ckey", "pvalue"} - set(frame.columns)
    if missing:
        raise ValueError(f"The p-table {path} needs the columns pcv, ckey and pvalue; {sorted(missing)} are missing.")
    table = np.zeros((MAX_PCV + 1, KEY_RANGE), dtype=np.int16)
    seen = np.zeros_like(table, dtype=bool)
    frame = frame[frame["pcv"].between(1, MAX_PCV) & frame["ckey"].between(0, KEY_RANGE - 1)]
    table[frame["pcv"], frame["ckey"]] = frame["pvalue"]
    seen[frame["pcv"], frame["ckey"]] = True
    if not seen[1:].all():
        raise ValueError(f"The p-table {path} must have a row for every pcv 1..{MAX_PCV} and ckey 0..{KEY_RANGE - 1}.")
    counts = np.arange(MAX_PCV + 1)[:, None]
    if (table[: suppress_max + 1] != 0).any():
        raise ValueError(f"The p-table {path} must not perturb counts 0..{suppress_max} (they are shown as 0 or c).")
    if ((counts + table)[suppress_max + 1:] <= suppress_max).any():
        raise ValueError(f"The p-table {path} moves a shown count into the suppressed range 1..{suppress_max}.")
    table.setflags(write=False)
    return table


def pcv(counts: np.ndarray) -> np.ndarray:
    """The p-table row of each count: the count itself up to 750, then 501..750 again."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.where(counts <= MAX_PCV, counts, (counts - 1) % (MAX_PCV - WRAP_FROM + 1) + WRAP_FROM)


def perturb(counts, ckey_sums, table: np.ndarray) -> np.ndarray:
    """Perturbed counts (floats; NaN stays NaN) from true counts and sums of record keys."""
    n = np.asarray(counts, dtype=float)
    k = np.asarray(ckey_sums, dtype=float)
    known = np.isfinite(n) & np.isfinite(k)
    out = n.copy()
    whole = n[known].astype(np.int64)
    keys = k[known].astype(np.int64) % KEY_RANGE
    out[known] = whole + table[pcv(whole), keys]
    return out


def perturb_frame(frame: pd.DataFrame, table: np.ndarray) -> pd.DataFrame:
    """Replace every count column that has a ``<count>_ckey`` companion by its perturbed
    value, and drop the companions (so no cell key leaves this function).

    Count columns keep an integer type where they had one (pandas' nullable Int64 when
    there are gaps).
    """
    keys = [c for c in frame.columns if c.endswith(SUFFIX)]
    if not keys:
        return frame
    counts = [k[: -len(SUFFIX)] for k in keys]
    absent = [k for k, c in zip(keys, counts) if c not in frame.columns]
    if absent:
        raise KeyError(f"cell key columns {absent} have no count column")
    # All columns in one array: pages run this on every query, so per-column pandas calls
    # would cost more than the query.
    values = perturb(frame[counts].to_numpy(dtype=float, na_value=np.nan),
                     frame[keys].to_numpy(dtype=float, na_value=np.nan), table)
    shown = {c: _like(frame[c].dtype, values[:, i]) for i, c in enumerate(counts)}
    return pd.DataFrame({c: shown.get(c, frame[c]) for c in frame.columns if c not in keys}, index=frame.index)


def _like(dtype, values: np.ndarray):
    """``values`` in the integer type ``dtype`` had, where it was one."""
    if not pd.api.types.is_integer_dtype(dtype):
        return values
    if np.isnan(values).any():
        return pd.array(values, dtype="Float64").astype("Int64")
    return values.astype(np.int64)
