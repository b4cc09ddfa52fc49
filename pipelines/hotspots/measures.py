"""Per-period measures for a set of areas: counts, rates, Poisson exceedance, Gi*, funnel.

One function serves LSOAs, wards and postcode units alike, so every level is measured
the same way; Gi* is added only where a neighbour table exists.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from contextmap import hotspot_stats as hs
from pipelines.hotspots.windows import PERIODS, SOURCE_KEYS, month_from, rolling


def period_measures(
    codes: list[str],
    population: np.ndarray,
    cube: np.ndarray,
    all_months: list[date],
    cfg: dict,
    weights=None,
) -> pd.DataFrame:
    """One row per unit, period, month and source key with counts, rates and tests.

    ``cube`` is events [unit, month, source key]; ``population`` children aged 10–17
    (NaN where unknown: such units get counts only). The district rate and the FDR
    corrections use the units with a population. With ``weights`` (a libpysal W over
    ``codes``), Gi* z, p, q and classes are added; the funnel limits are always added.
    """
    population = np.asarray(population, dtype=float)
    in_area = np.isfinite(population) & (population > 0)
    n = len(codes)
    parts: dict[str, list] = {k: [] for k in ("period", "window_months", "month_from", "month_to", "event_source",
                                               "events", "district_rate_per_1000", "gi_z", "gi_p", "gi_q", "gi_class", "is_hotspot")}
    for period, k in PERIODS.items():
        window = rolling(cube, k)  # [unit, month, source]
        for t, month_to in enumerate(all_months):
            for s, key in enumerate(SOURCE_KEYS):
                events = window[:, t, s]
                total_pop = population[in_area].sum()
                district = events[in_area].sum() / total_pop * 1000 if total_pop > 0 else np.nan
                for name, value in (("period", period), ("window_months", k), ("month_from", month_from(all_months, t, k)),
                                    ("month_to", month_to), ("event_source", key), ("district_rate_per_1000", district)):
                    parts[name].append(np.full(n, value, dtype=object if isinstance(value, (str, date)) else float))
                parts["events"].append(events)
                if weights is not None:
                    with np.errstate(all="ignore"):
                        z, p = hs.gi_star(events / population * 1000, weights)
                    parts["gi_z"].append(z)
                    parts["gi_p"].append(p)
                    parts["gi_q"].append(hs.bh_qvalues(p))
                    parts["gi_class"].append(hs.gi_classes(z, p, events, cfg["min_events"]))
                    parts["is_hotspot"].append(
                        (z > 0) & hs.fdr_significant(p, cfg["fdr_alpha"]) & (events >= cfg["min_events"])
                    )
    out = pd.DataFrame({name: np.concatenate(v) for name, v in parts.items() if v})
    out.insert(0, "code", np.tile(np.asarray(codes, dtype=object), len(out) // max(n, 1)))
    out["window_months"] = out["window_months"].astype("int64")
    if "is_hotspot" in out:
        out["is_hotspot"] = out["is_hotspot"].astype(bool)
    out["events"] = out["events"].round().astype("int64")
    for col in ("month_from", "month_to"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
    return _add_rates(out, np.tile(population, len(out) // max(n, 1)), np.tile(in_area, len(out) // max(n, 1)), cfg, weights)


def _add_rates(out: pd.DataFrame, population: np.ndarray, in_area: np.ndarray, cfg: dict, weights) -> pd.DataFrame:
    """Rates, expected counts, Poisson exceedance and funnel limits, vectorised over all rows."""
    events = out["events"].to_numpy(dtype=float)
    district = out["district_rate_per_1000"].to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        out["children_10_17"] = population
        out["rate_per_1000"] = np.where(in_area, events / population * 1000, np.nan)
        out["expected"] = np.where(in_area, district / 1000 * population, np.nan)
        out["ratio"] = np.where(out["expected"] > 0, events / out["expected"], np.nan)
    out["poisson_p"] = hs.poisson_upper_p(events, out["expected"])
    group = ["period", "month_to", "event_source"]
    out["poisson_q"] = out.groupby(group, sort=False)["poisson_p"].transform(
        lambda p: pd.Series(hs.bh_qvalues(p.to_numpy()), index=p.index)
    )
    enough = events >= cfg["min_events"]
    out["is_exceedance"] = (out["poisson_q"] <= cfg["fdr_alpha"]) & enough & (out["ratio"] > 1)
    limits = hs.funnel_limits(np.where(district > 0, district, np.nan), population)
    for name, values in limits.items():
        out[name] = np.where(in_area, values, np.nan)
    out["funnel_class"] = np.where(in_area, hs.funnel_class(out["rate_per_1000"], limits), None)
    return out
