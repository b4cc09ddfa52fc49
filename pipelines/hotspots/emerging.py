"""Emerging hot spots (``mart_emerging_hotspots``): the quarter so far against each unit's own baseline.

Test: as at each month, the calendar quarter holding it from its first month to that month
(1 to 3 months) against up to ``emerging_baseline_months`` months before the quarter, an
exact conditional binomial test of the recent count given both counts and the months of
each (a Poisson rate comparison: the baseline's rate scaled to the window's months), with a
Benjamini–Hochberg correction across the units of a level. The ArcGIS pattern label comes
from each month's hot/not status and a Mann-Kendall trend of monthly events.

The window is the quarter so far, never a rolling run of months: windows then nest with the
months and quarters the pages show, so one window's count set against another's is a month
a reader can open anyway (a rolling window's difference is a sum of months no view shows).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from contextmap import hotspot_stats as hs
from pipelines.hotspots import windows

# The fewest months of baseline a window is tested against (two quarters).
MIN_BASELINE = 6
# A month counts as "hot" at 90% confidence, as in ArcGIS' emerging hot spot analysis.
HOT_P = 0.10
# The mart's columns with their types (an empty mart is created with these).
COLUMNS = {
    "level": "varchar", "unit_code": "varchar", "unit_name": "varchar", "locality": "varchar", "month_to": "date",
    "recent_months": "bigint", "baseline_months": "bigint", "recent_events": "bigint", "baseline_events": "bigint",
    "recent_events_ckey": "bigint", "baseline_events_ckey": "bigint",
    "recent_monthly": "double", "baseline_monthly": "double", "rate_ratio": "double", "p_value": "double",
    "q_value": "double", "mk_tau": "double", "mk_p": "double", "hot_months": "bigint", "series_months": "bigint",
    "is_hot_now": "boolean", "label": "varchar", "is_emerging": "boolean", "method": "varchar",
}


def method_text(level: str, cfg: dict) -> str:
    """The test in the words shown on screen."""
    hot = (
        "hot when events exceed the average place's that month (Poisson, 90%)"
        if level == "place"
        else "hot when its monthly Gi* z-score is positive at 90% (two-sided)"
    )
    return (
        f"The quarter so far (its first month to the chosen month) against up to {cfg['baseline']} months before "
        f"the quarter: exact conditional binomial test of the recent count given both counts and the months in "
        f"each (equal monthly rates under the null), Benjamini-Hochberg corrected across units; emerging at q <= {cfg['emerging_alpha']} with at "
        f"least {cfg['min_events']} recent events. Pattern: ArcGIS emerging hot spot labels from each month's "
        f"status ({hot}) and a Mann-Kendall trend of monthly events."
    )


def emerging_table(codes, monthly: np.ndarray, hot: np.ndarray, cold: np.ndarray, cfg: dict,
                   starts: np.ndarray, keys: np.ndarray | None = None) -> pd.DataFrame:
    """Emerging-hot-spot rows for units × months from monthly events and monthly hot/cold status.

    ``starts`` gives, for each month, the index of its quarter's first month
    (``windows.period_starts``): the recent window runs from there to the month. A month
    gets rows only when its quarter starts inside the data with at least ``MIN_BASELINE``
    months before it. ``keys`` (monthly cell keys, shaped like ``monthly``) add the windows'
    cell keys, which are those of the same months' cells on every other page.
    """
    keys = np.zeros_like(monthly) if keys is None else keys
    b = cfg["baseline"]
    codes = np.asarray(codes, dtype=object)
    blocks = []
    for t, start in enumerate(starts[: monthly.shape[1]]):
        if start < MIN_BASELINE:
            continue
        r, lo = t - start + 1, max(0, start - b)
        recent = monthly[:, start : t + 1].sum(axis=1)
        baseline = monthly[:, lo:start].sum(axis=1)
        base_months = start - lo
        p = hs.rate_test_p(recent, baseline, r, base_months)
        taus, mk_ps = hs.mann_kendall_rows(monthly[:, lo : t + 1])
        status = hot[:, lo : t + 1]
        blocks.append(pd.DataFrame({
            "unit_code": codes, "t": t, "recent_months": r, "baseline_months": base_months,
            "recent_events": recent.astype("int64"), "baseline_events": baseline.astype("int64"),
            "recent_events_ckey": keys[:, start : t + 1].sum(axis=1).astype("int64"),
            "baseline_events_ckey": keys[:, lo:start].sum(axis=1).astype("int64"),
            "p_value": p, "q_value": hs.bh_qvalues(p), "mk_tau": taus, "mk_p": mk_ps,
            "hot_months": status.sum(axis=1), "series_months": status.shape[1], "is_hot_now": status[:, -1],
            "label": hs.emerging_labels(status, cold[:, lo : t + 1], taus, mk_ps, cfg["emerging_alpha"]),
        }))
    out = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=[
        "unit_code", "t", "recent_months", "baseline_months", "recent_events", "baseline_events",
        "recent_events_ckey", "baseline_events_ckey", "p_value",
        "q_value", "mk_tau", "mk_p", "hot_months", "series_months", "is_hot_now", "label",
    ])
    out["recent_monthly"] = out["recent_events"] / out["recent_months"]
    out["baseline_monthly"] = out["baseline_events"] / out["baseline_months"]
    out["rate_ratio"] = (out["recent_monthly"] / out["baseline_monthly"]).where(out["baseline_events"] > 0)
    out["is_emerging"] = (
        (out["q_value"] <= cfg["emerging_alpha"])
        & (out["recent_monthly"] > out["baseline_monthly"])
        & (out["recent_events"] >= cfg["min_events"])
    )
    return out


def _place_inputs(con, all_months):
    """Places: monthly events and hot status against the average place of the month."""
    units = con.sql("select place_id as code, name, locality from int_places order by 1").df()
    counts = con.sql("""
        select place_id as code, event_month, event_source, count(*) as events, sum(event_rkey) as events_ckey
        from int_events where place_id is not null group by all
    """).df()
    monthly = windows.count_cube(counts, units["code"].tolist(), all_months)[:, :, -1]
    keys = windows.count_cube(counts, units["code"].tolist(), all_months, "events_ckey")[:, :, -1]
    if units.empty:
        # No places, so no average place to compare with (the caller skips the level).
        none = np.zeros(monthly.shape, dtype=bool)
        return units, monthly, keys, none, none
    expected = np.broadcast_to(monthly.mean(axis=0, keepdims=True), monthly.shape)
    hot = np.nan_to_num(hs.poisson_upper_p(monthly, expected), nan=1.0) < HOT_P
    return units, monthly, keys, hot, np.zeros_like(hot)


def _area_inputs(con, level: str, all_months):
    """LSOAs or wards: monthly events and hot/cold status from the monthly Gi* of the area mart."""
    table, code, name = {"lsoa": ("geo_lsoa", "lsoa_code", "lsoa_name"), "ward": ("geo_ward", "ward_code", "ward_name")}[level]
    units = con.sql(f"select {code} as code, {name} as name, locality from {table} order by 1").df()
    codes = units["code"].tolist()
    gi = con.execute("""
        select area_code as code, month_to as event_month, events, events_ckey, gi_z, gi_p
        from mart_area_hotspots where level = ? and period = 'month' and event_source = 'all'
    """, [level]).df()
    lookup = {c: i for i, c in enumerate(codes)}
    gi = gi[gi["code"].isin(lookup)]
    u = gi["code"].map(lookup).to_numpy(dtype=int)
    m = windows.month_index(gi["event_month"], all_months)
    monthly = np.zeros((len(codes), len(all_months)))
    keys = np.zeros_like(monthly)
    z = np.zeros_like(monthly)
    p = np.ones_like(monthly)
    monthly[u, m], keys[u, m], z[u, m], p[u, m] = gi["events"], gi["events_ckey"], gi["gi_z"], gi["gi_p"]
    return units, monthly, keys, (z > 0) & (p < HOT_P), (z < 0) & (p < HOT_P)


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``mart_emerging_hotspots`` for places, LSOAs and wards."""
    cfg = windows.config()
    all_months = windows.months(con)
    frames = []
    for level in ("place", "lsoa", "ward"):
        units, monthly, keys, hot, cold = (_place_inputs(con, all_months) if level == "place"
                                           else _area_inputs(con, level, all_months))
        if units.empty:
            continue
        out = emerging_table(units["code"].tolist(), monthly, hot, cold, cfg,
                             windows.period_starts(all_months, "quarter"), keys)
        if out.empty:
            continue
        out = out.merge(units.rename(columns={"code": "unit_code", "name": "unit_name"}), on="unit_code")
        out["level"] = level
        out["month_to"] = [all_months[t] for t in out["t"]]
        out["method"] = method_text(level, cfg)
        frames.append(out[list(COLUMNS)])
    if not frames:
        windows.write_empty(con, "mart_emerging_hotspots", COLUMNS)
        return
    windows.write_table(con, "mart_emerging_hotspots", frames, ["level", "unit_code", "month_to"])
