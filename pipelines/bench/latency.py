"""Latency of every dashboard query (``sql/queries``) through ``contextmap.queries.run``.

Parameters are realistic: the global filters for the latest month, quarter and year,
all areas and one locality, narrowed breakdowns, the busiest ward, LSOA and place.
Warm = repeated on one open connection; cold = the first run on a fresh connection.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
from dateutil.relativedelta import relativedelta

from contextmap import queries, settings, sqlfiles
from contextmap.filters import Filters
from contextmap.places_view import ranking_params
from contextmap.settings import ROOT

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
FILTER_PARAMS = set(Filters(date(2024, 1, 1)).params())


def query_names() -> list[str]:
    """Every query file the pages can run."""
    return sorted(p.stem for p in (ROOT / "sql" / "queries").glob("*.sql"))


def _one(con, sql: str, params=None):
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def _has(con, table: str) -> bool:
    return bool(_one(con, "select count(*) from information_schema.tables where table_name = ?", [table]))


def _values(con) -> tuple[list[Filters], dict[str, list]]:
    """Filter variants and values for every other parameter the queries take."""
    last = _one(con, "select max(event_month) from mart_monthly_area_counts")
    last = date(last.year, last.month, 1)
    locality = _one(con, "select locality from geo_locality order by children_10_17 desc limit 1")
    base = Filters(last)
    filters = [
        base,
        replace(base, period="year"),
        replace(base, period="quarter", locality=locality),
        # The sidebar offers one source, age band or sex, or all (contextmap.filters.ALL).
        replace(base, period="year", locality=locality, age_bands=("16-17",), sexes=("F",)),
        replace(base, period="quarter", looked_after="Looked after", sources=("offence",)),
    ]
    ward = _one(con, "select ward_code from mart_monthly_area_counts group by 1 order by sum(events) desc limit 1")
    lsoa = _one(con, "select lsoa_code from mart_monthly_area_counts group by 1 order by sum(events) desc limit 1")
    place = _one(con, "select place_id from mart_place_monthly group by 1 order by sum(events) desc limit 1")
    groups = []
    if _has(con, "mart_peer_groups"):
        groups = [g for (g,) in con.execute(
            "select group_id from mart_peer_groups order by size desc, group_id limit 5").fetchall()]
    action = _one(con, "select action_id from stg_disruption_actions order by action_id limit 1")
    values = {
        "level": ["ward", "lsoa"],
        "code": [ward, lsoa],  # paired with level by position
        "place_id": [place],
        "event_source": ["missing_found", "offence", "rhi_mention"],
        "split": ["none", "locality", "theme", "age_band"],
        "trend_from": [last - relativedelta(months=23)],
        "table": ["mart_area_hotspots"],  # a table every served build has
        "limit": [20],
        "group_id": groups[:1] or [None],
        "group_ids": [groups],
        "action_id": [action],
        "dimension": ["ethnic_group", "sex", "looked_after"],
        **{name: [value] for name, value in ranking_params(settings.current().hotspots.place_weights).items()},
    }
    return filters, values


def param_sets(con, name: str, variants: int = 5) -> list[dict] | str:
    """Parameter sets for query ``name``, or the reason it cannot be benchmarked."""
    wanted = set(_PARAM.findall(sqlfiles.read(f"queries/{name}.sql")))
    filters, values = _values(con)
    unknown = wanted - FILTER_PARAMS - set(values) - {"period"}
    if unknown:
        return f"no realistic value known for {sorted(unknown)}"
    sets = []
    for i in range(variants):
        f = filters[i % len(filters)]
        params = {**f.params(), "period": f.period}
        params.update({k: v[i % len(v)] for k, v in values.items()})
        sets.append({k: params[k] for k in wanted})
    return sets


def _pct(samples: list[float], q: float) -> float:
    return float(np.percentile(np.array(samples) * 1000, q))


def measure(db: Path, repeats: int = 20, variants: int = 5) -> list[dict]:
    """p50/p95 in milliseconds of every query, warm and cold, with result row counts."""
    results = []
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name in query_names():
            sets = param_sets(con, name, variants)
            if isinstance(sets, str):
                results.append({"query": name, "skipped": sets})
                continue
            warm, cold, connects, rows = [], [], [], 0
            try:
                for params in sets:
                    rows = max(rows, len(queries.run(con, name, **params)))
                    for _ in range(repeats):
                        t = time.perf_counter()
                        queries.run(con, name, **params)
                        warm.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    fresh = duckdb.connect(str(db), read_only=True)
                    connects.append(time.perf_counter() - t)
                    try:
                        t = time.perf_counter()
                        queries.run(fresh, name, **params)
                        cold.append(time.perf_counter() - t)
                    finally:
                        fresh.close()
            except queries.QueryError as exc:
                results.append({"query": name, "skipped": f"failed: {str(exc)[:200]}"})
                continue
            results.append({
                "query": name,
                "rows": rows,
                "warm_p50_ms": _pct(warm, 50),
                "warm_p95_ms": _pct(warm, 95),
                "cold_p50_ms": _pct(cold, 50),
                "cold_p95_ms": _pct(cold, 95),
                "connect_ms": _pct(connects, 50),
            })
    finally:
        con.close()
    return results
