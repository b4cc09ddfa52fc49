"""Area hot spots for LSOAs and wards: ``mart_area_hotspots`` and ``mart_area_funnel``."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from contextmap import hotspot_stats as hs
from pipelines.hotspots import windows
from pipelines.hotspots.measures import period_measures

LEVELS = {
    "lsoa": ("geo_lsoa", "lsoa_code", "lsoa_name", "geo_lsoa_neighbours"),
    "ward": ("geo_ward", "ward_code", "ward_name", "geo_ward_neighbours"),
}
KEY = ["level", "area_code", "period", "month_to", "event_source"]
# Columns of each mart with their types (an empty mart is created with these).
HOTSPOT_COLUMNS = {
    "level": "varchar", "area_code": "varchar", "area_name": "varchar", "locality": "varchar", "period": "varchar",
    "window_months": "bigint", "month_from": "date", "month_to": "date", "event_source": "varchar",
    "events": "bigint", "events_ckey": "bigint", "children_10_17": "bigint", "rate_per_1000": "double",
    "expected": "double", "ratio": "double", "poisson_p": "double", "poisson_q": "double", "gi_z": "double", "gi_p": "double",
    "gi_q": "double", "gi_class": "varchar", "is_hotspot": "boolean", "is_exceedance": "boolean",
    "method": "varchar",
}
FUNNEL_COLUMNS = {
    "level": "varchar", "area_code": "varchar", "area_name": "varchar", "locality": "varchar", "period": "varchar",
    "month_from": "date", "month_to": "date", "event_source": "varchar", "events": "bigint", "events_ckey": "bigint",
    "children_10_17": "bigint", "rate_per_1000": "double", "district_rate_per_1000": "double", "expected": "double",
    **{limit: "double" for limit in hs.FUNNEL_LIMITS}, "funnel_class": "varchar",
}


def method_text(level: str, areas: int, cfg: dict) -> str:
    """How the area figures were computed, in the words shown on screen."""
    name = "LSOAs" if level == "lsoa" else "wards"
    return (
        f"Getis-Ord Gi* (PySAL esda G_Local, star=True) on the rate per 1,000 children aged 10-17 of the "
        f"{areas} {name}, with binary queen-contiguity weights that include the area itself and analytic "
        f"(normal) z-scores; hot and cold spots at 90/95/99% after a Benjamini-Hochberg false discovery rate "
        f"correction across the {name}. An area needs at least {cfg['min_events']} events of its own to be "
        f"called a hot spot. Observed against expected: expected = whole-area rate x children aged 10-17, "
        f"p = Poisson upper tail, with the same correction."
    )


def _constant(text: str, rows: int) -> pd.Categorical:
    """A column holding one label on every row (a category: no copy of the text per row)."""
    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), [text])


def level_measures(con: duckdb.DuckDBPyConnection, level: str, all_months, cfg: dict) -> pd.DataFrame:
    """Every period's measures for the areas of one level."""
    table, code, name, neighbours = LEVELS[level]
    areas = con.sql(f"select {code} as code, {name} as area_name, locality, children_10_17 from {table} order by 1").df()
    codes = areas["code"].tolist()
    counts = con.sql(f"""
        select {code} as code, event_month, event_source, count(*) as events, sum(event_rkey) as events_ckey
        from int_events where {code} is not null group by all
    """).df()
    cube = windows.count_cube(counts, codes, all_months)
    keys = windows.count_cube(counts, codes, all_months, "events_ckey")
    w = hs.neighbour_weights(codes, con.sql(f"select * from {neighbours}").df())
    population = areas["children_10_17"].astype(float).to_numpy()
    out = period_measures(codes, population, cube, all_months, cfg, weights=w, key_cube=keys)
    out = out.merge(areas[["code", "area_name", "locality"]], on="code").rename(columns={"code": "area_code"})
    out["level"] = _constant(level, len(out))
    out["children_10_17"] = out["children_10_17"].round().astype("int64")
    out["method"] = _constant(method_text(level, len(codes), cfg), len(out))
    return out


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``mart_area_hotspots`` and ``mart_area_funnel``."""
    cfg = windows.config()
    all_months = windows.months(con)
    if not all_months:
        windows.write_empty(con, "mart_area_hotspots", HOTSPOT_COLUMNS)
        windows.write_empty(con, "mart_area_funnel", FUNNEL_COLUMNS)
        return
    parts = [level_measures(con, level, all_months, cfg) for level in LEVELS]
    windows.write_table(con, "mart_area_hotspots", [p[list(HOTSPOT_COLUMNS)] for p in parts], KEY)
    windows.write_table(con, "mart_area_funnel", [p[list(FUNNEL_COLUMNS)] for p in parts], KEY)

