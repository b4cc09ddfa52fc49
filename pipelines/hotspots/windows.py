"""Months of the data and the periods the pages choose (month, quarter, year: nested, see contextmap.filters)."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from contextmap import settings
from contextmap.filters import PERIOD_MONTHS, period_start

SOURCES = ("missing_from", "missing_found", "rhi_mention", "offence")
# Event source keys of the marts: each source alone, then the four together.
SOURCE_KEYS = (*SOURCES, "all")
PERIODS = PERIOD_MONTHS


def config() -> dict:
    """The [hotspots] settings used by the build."""
    cfg = settings.current().hotspots
    return {
        "min_events": cfg.min_events,
        "fdr_alpha": float(cfg.fdr_alpha),
        "emerging_alpha": float(cfg.emerging_alpha),
        "baseline": cfg.emerging_baseline_months,
        "near_repeat_days": list(cfg.near_repeat_days),
        "permutations": cfg.near_repeat_permutations,
        "seed": cfg.seed,
        "weights": {k: float(v) for k, v in dataclasses.asdict(cfg.place_weights).items()},
    }


def months(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Every month from the first to the last month with an event (gaps included)."""
    first, last = con.sql("select min(event_month), max(event_month) from int_events").fetchall()[0]
    if first is None:
        return []
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


def month_index(values, all_months: list[date]) -> np.ndarray:
    """Position of each month in ``all_months``."""
    stamps = pd.DatetimeIndex(pd.to_datetime(np.asarray(values)))
    first = all_months[0] if all_months else date(1970, 1, 1)
    index = np.asarray(stamps.year * 12 + stamps.month - (first.year * 12 + first.month), dtype=int)
    if ((index < 0) | (index >= len(all_months)) | (np.asarray(stamps.day) != 1)).any():
        raise KeyError("a month outside the months of the data")
    return index


def period_starts(all_months: list[date], period: str) -> np.ndarray:
    """Index in ``all_months`` of the first month of the period holding each month (0 when
    the period starts before the data)."""
    first = all_months[0].year * 12 + all_months[0].month if all_months else 0
    return np.array([max(0, s.year * 12 + s.month - first) for s in (period_start(m, period) for m in all_months)],
                    dtype=int)


def new_window(month: date, period: str) -> bool:
    """Whether the ``period`` holding ``month``, from its start to ``month``, is a window no
    shorter period gives: a quarter's first month alone is that month, and a year's first
    quarter is that quarter. The marts keep each window once, as its shortest period, so a
    query that looks a window up by its months finds one row."""
    shorter = list(PERIODS)[:list(PERIODS).index(period)]
    return all(period_start(month, period) != period_start(month, other) for other in shorter)


def to_date(counts: np.ndarray, all_months: list[date], period: str) -> np.ndarray:
    """Sums along axis 1 over the period holding each month, from its start to that month.

    At a period's last month (or the data's) this is the sum the pages show for the period.
    """
    padded = np.concatenate([np.zeros_like(counts[:, :1]), counts], axis=1).cumsum(axis=1)
    return padded[:, np.arange(1, counts.shape[1] + 1)] - padded[:, period_starts(all_months, period)]


def count_cube(frame: pd.DataFrame, codes: list[str], all_months: list[date], value: str = "events") -> np.ndarray:
    """Events as an array [unit, month, source key] from rows (code, event_month, event_source, events).

    ``value="events_ckey"`` gives the cell keys (sums of record keys) the same way: they
    add up over months and sources exactly as the counts do.
    """
    cube = np.zeros((len(codes), len(all_months), len(SOURCE_KEYS)))
    if frame.empty:
        return cube
    lookup = {c: i for i, c in enumerate(codes)}
    known = frame[frame["code"].isin(lookup)]
    u = known["code"].map(lookup).to_numpy(dtype=int)
    m = month_index(known["event_month"], all_months)
    s = known["event_source"].map({s: i for i, s in enumerate(SOURCES)}).to_numpy(dtype=int)
    np.add.at(cube, (u, m, s), known[value].to_numpy(dtype=float))
    cube[:, :, -1] = cube[:, :, :-1].sum(axis=2)
    return cube


def write_table(con: duckdb.DuckDBPyConnection, table: str, frames: pd.DataFrame | list[pd.DataFrame],
                key: list[str]) -> None:
    """Store a frame, or the rows of several frames with the same columns, as a table
    ordered by its ``key``; month columns become DATE and categories VARCHAR.

    The frames go to DuckDB as Arrow tables, unioned there: concatenating them in pandas
    first turned every category column back into text, row by row.
    """
    parts = [frames] if isinstance(frames, pd.DataFrame) else frames
    columns = list(parts[0].columns)
    casts = [f"{c}::date as {c}" for c in columns if c.startswith("month") and c != "months"]
    casts += [f"{c}::varchar as {c}" for c in columns
              if isinstance(parts[0][c].dtype, pd.CategoricalDtype) and not c.startswith("month")]
    select = f"select * replace ({', '.join(casts)})" if casts else "select *"
    names = [f"hotspot_frame_{i}" for i in range(len(parts))]
    for name, part in zip(names, parts):
        con.register(name, pa.Table.from_pandas(part[columns], preserve_index=False))
    try:
        union = " union all ".join(f"{select} from {name}" for name in names)
        con.execute(f"create or replace table {table} as select * from ({union}) order by {', '.join(key)}")
    finally:
        for name in names:
            con.unregister(name)


def write_empty(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    """Create ``table`` with no rows and the column types a full build gives it.

    When the inputs have no months, places or events, the pages still query the mart,
    so it must exist with the same types (an empty frame would make every column text).
    """
    con.execute(f"create or replace table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
