"""Per-period measures for a set of areas: counts, rates, Poisson exceedance, Gi*, funnel.

One function serves LSOAs, wards and postcode units alike, so every level is measured
the same way; Gi* is added only where a neighbour table exists.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from contextmap import hotspot_stats as hs
from contextmap.filters import period_start
from pipelines.hotspots.windows import PERIODS, SOURCE_KEYS, new_window, to_date


def period_measures(
    codes: list[str],
    population: np.ndarray,
    cube: np.ndarray,
    all_months: list[date],
    cfg: dict,
    weights=None,
    key_cube: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per unit, period, month and source key with counts, rates and tests.

    ``cube`` is events [unit, month, source key]; ``population`` children aged 10–17
    (NaN where unknown: such units get counts only). The district rate and the FDR
    corrections use the units with a population. With ``weights`` (hotspot_stats.neighbour_weights over
    ``codes``), Gi* z, p, q and classes are added; the funnel limits are always added.
    Rows come in blocks of one period, month and source key (units in ``codes`` order),
    and every block's tests are computed together as one row of a 2-D array. With
    ``key_cube`` (the cell keys, shaped like ``cube``) each row gets ``events_ckey``.
    """
    population = np.asarray(population, dtype=float)
    in_area = np.isfinite(population) & (population > 0)
    n, n_months, n_sources = len(codes), len(all_months), len(SOURCE_KEYS)
    total_pop = population[in_area].sum()
    blocks = []
    for period in PERIODS:
        starts = [period_start(m, period) for m in all_months]
        # [month, source, unit]: one block of units per month and source key.
        window = np.ascontiguousarray(to_date(cube, all_months, period).transpose(1, 2, 0)).reshape(n_months * n_sources, n)
        district = window[:, in_area].sum(axis=1) / total_pop * 1000 if total_pop > 0 else np.full(len(window), np.nan)
        block = {
            "period": np.full(len(window), list(PERIODS).index(period), dtype=np.int8),
            "window_months": np.repeat(np.array([(m.year - a.year) * 12 + m.month - a.month + 1
                                                 for a, m in zip(starts, all_months)], dtype="int64"), n_sources),
            "month_from": np.repeat(np.array(starts, dtype="datetime64[s]"), n_sources),
            "month_to": np.repeat(np.array(all_months, dtype="datetime64[s]"), n_sources),
            "event_source": np.tile(np.arange(n_sources, dtype=np.int8), n_months),
            "district_rate_per_1000": district,
        }
        block = {name: np.repeat(v, n) for name, v in block.items()}
        keep = np.repeat([new_window(m, period) for m in all_months], n_sources * n)
        block["events"] = window.ravel()
        if key_cube is not None:
            block["events_ckey"] = np.ascontiguousarray(to_date(key_cube, all_months, period).transpose(1, 2, 0)).ravel()
        if weights is not None:
            with np.errstate(all="ignore"):
                z, p = hs.gi_star_rows(window / population * 1000, weights)
            block["gi_z"], block["gi_p"] = z.ravel(), p.ravel()
            block["gi_q"] = hs.bh_qvalues(p).ravel()
            block["gi_class"] = hs.gi_classes(z, p, window, cfg["min_events"]).ravel()
            block["is_hotspot"] = (
                (z > 0) & hs.fdr_significant(p, cfg["fdr_alpha"]) & (window >= cfg["min_events"])
            ).ravel()
        blocks.append({name: v[keep] for name, v in block.items()})
    out = pd.DataFrame({name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]})
    # Labels as categories: one copy of each text, not one per row.
    out["period"] = pd.Categorical.from_codes(out["period"], list(PERIODS))
    out["event_source"] = pd.Categorical.from_codes(out["event_source"], list(SOURCE_KEYS))
    out.insert(0, "code", np.tile(np.asarray(codes, dtype=object), len(out) // max(n, 1)))
    out["events"] = out["events"].round().astype("int64")
    if key_cube is not None:
        out["events_ckey"] = out["events_ckey"].round().astype("int64")
    return _add_rates(out, np.tile(population, len(out) // max(n, 1)), np.tile(in_area, len(out) // max(n, 1)), cfg, n)


def _add_rates(out: pd.DataFrame, population: np.ndarray, in_area: np.ndarray, cfg: dict, n: int) -> pd.DataFrame:
    """Rates, expected counts, Poisson exceedance and funnel limits, vectorised over all rows.

    Rows come in blocks of ``n`` units, one block per period, month and source key.
    """
    events = out["events"].to_numpy(dtype=float)
    district = out["district_rate_per_1000"].to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        out["children_10_17"] = population
        out["rate_per_1000"] = np.where(in_area, events / population * 1000, np.nan)
        out["expected"] = np.where(in_area, district / 1000 * population, np.nan)
        out["ratio"] = np.where(out["expected"] > 0, events / out["expected"], np.nan)
    out["poisson_p"] = hs.poisson_upper_p(events, out["expected"])
    out["poisson_q"] = hs.bh_qvalues(out["poisson_p"].to_numpy().reshape(-1, max(n, 1))).ravel()
    enough = events >= cfg["min_events"]
    out["is_exceedance"] = (out["poisson_q"] <= cfg["fdr_alpha"]) & enough & (out["ratio"] > 1)
    limits = hs.funnel_limits(np.where(district > 0, district, np.nan), population)
    for name, values in limits.items():
        out[name] = np.where(in_area, values, np.nan)
    out["funnel_class"] = np.where(in_area, hs.funnel_class(out["rate_per_1000"], limits), None)
    return out
