"""Postcode hot spots by district and sector (``mart_postcode_hotspots``).

The same counts, rates and Poisson exceedance as the areas, without Gi* (there is no
contiguity table for postcode units). Children aged 10–17 per sector are estimated
from the LSOAs: each LSOA's children are shared among its live postcodes, and a
sector (district) gets the shares of the postcodes in it.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pipelines.hotspots import windows
from pipelines.hotspots.measures import period_measures

# The mart's columns with their types (an empty mart is created with these).
COLUMNS = {
    "level": "varchar", "code": "varchar", "district": "varchar", "locality": "varchar", "is_in_area": "boolean",
    "period": "varchar", "month_from": "date", "month_to": "date", "event_source": "varchar", "events": "bigint",
    "events_ckey": "bigint",
    "children_10_17": "double", "rate_per_1000": "double", "expected": "double", "ratio": "double",
    "poisson_p": "double", "poisson_q": "double", "is_exceedance": "boolean",
}
LEVELS = {"sector": "sector", "district": "district"}


def unit_population(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """Children aged 10–17 per postcode sector or district (LSOA children shared by postcode counts).

    Each LSOA's share is rounded to 9 decimals and summed as an exact DECIMAL, so the
    total does not depend on the order a parallel sum meets the LSOAs in, and the units
    come back in code order: two builds of the same input give the same bits.
    """
    col = LEVELS[level]
    return con.sql(f"""
        with postcodes as (
            select p.{col} as code, p.lsoa_code, l.children_10_17,
                   count(*) over (partition by p.lsoa_code) as lsoa_postcodes
            from geo_postcode as p join geo_lsoa as l using (lsoa_code)
        ),
        shares as (
            select code, round(any_value(children_10_17) * count(*) / any_value(lsoa_postcodes), 9)::decimal(38, 9)
                   as children
            from postcodes group by code, lsoa_code
        ),
        localities as (
            -- The locality most of the unit's sectors lie in (ties to the first by name, so builds agree).
            select {col} as code, locality from geo_sector group by 1, 2
            qualify row_number() over (partition by {col} order by count(*) desc, locality) = 1
        )
        select s.code, split_part(s.code, ' ', 1) as district, l.locality, sum(s.children)::double as children_10_17
        from shares as s left join localities as l using (code)
        group by all
        order by s.code
    """).df()


def level_measures(con: duckdb.DuckDBPyConnection, level: str, all_months, cfg: dict) -> pd.DataFrame:
    """Every period's measures for the sectors or districts with population or events."""
    col = LEVELS[level]
    counts = con.sql(f"""
        select {col} as code, event_month, event_source, count(*) as events, sum(event_rkey) as events_ckey
        from int_events where {col} is not null and {col} <> '' group by all
    """).df()
    units = unit_population(con, level)
    extra = sorted(set(counts["code"]) - set(units["code"]))
    units = pd.concat([units, pd.DataFrame({"code": extra, "district": [c.split(" ")[0] for c in extra]})], ignore_index=True)
    codes = units["code"].tolist()
    cube = windows.count_cube(counts, codes, all_months)
    keys = windows.count_cube(counts, codes, all_months, "events_ckey")
    population = units["children_10_17"].astype(float).to_numpy()
    out = period_measures(codes, population, cube, all_months, cfg, key_cube=keys)
    out = out.merge(units[["code", "district", "locality"]], on="code")
    out["level"] = level
    out["is_in_area"] = np.isfinite(out["children_10_17"].astype(float))
    out["children_10_17"] = out["children_10_17"].round(1)
    return out


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``mart_postcode_hotspots``."""
    cfg = windows.config()
    all_months = windows.months(con)
    if not all_months:
        windows.write_empty(con, "mart_postcode_hotspots", COLUMNS)
        return
    parts = [level_measures(con, level, all_months, cfg) for level in LEVELS]
    windows.write_table(con, "mart_postcode_hotspots", [p[list(COLUMNS)] for p in parts],
                        ["level", "code", "period", "month_to", "event_source"])
