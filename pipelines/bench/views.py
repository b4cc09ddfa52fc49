"""What a page's figures cost on first render, now that the period guard checks each
period's count against its parts (:mod:`contextmap.period_guard`).

Each view is timed as a page runs it on a cold cache (every query once: the dashboard
caches results per build, role and policy, so a rerun costs nothing), against the one
query the view would run without the guard — the obvious alternative, in the same run.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb

from contextmap import disclosure, headline, map_view, places_view, postcodes_view, queries, rri, settings
from contextmap.filters import Filters


class _Counted:
    """A :class:`~contextmap.queries.Query` that counts the queries it runs."""

    def __init__(self, query):
        self.query, self.runs = query, 0

    def __call__(self, name, filters=None, **params):
        self.runs += 1
        return self.query(name, filters, **params)


def _views(last: date) -> list[tuple[str, Filters, object, tuple]]:
    """(label, filters, guarded view, the single query without the guard) per view."""
    weights = settings.current().hotspots.place_weights
    params = places_view.ranking_params(weights)
    policy = disclosure.Policy.from_settings()
    # The last whole year (April to March) and the last whole quarter: the most parts.
    year = Filters(date(last.year if last.month > 3 else last.year - 1, 3, 1), period="year", data_end=last)
    quarter = Filters(last, period="quarter", data_end=last)
    quarter = replace(quarter, month=quarter.previous().month_to) if quarter.to_date else quarter
    out = []
    for label, f in (("year", year), ("quarter", quarter)):
        out += [
            (f"Places ranking ({label})", f, lambda q, f=f: places_view.ranking(q, f, weights, policy),
             ("place_ranking", params)),
            (f"Map, LSOAs ({label})", f, lambda q, f=f: map_view.area_events(q, f, policy, "lsoa"),
             ("area_events", {"level": "lsoa"})),
            (f"Postcode sectors ({label})", f, lambda q, f=f: postcodes_view.units(q, f, policy, "sector"),
             ("postcode_hotspots", {"level": "sector"})),
            (f"Disproportionality ({label})", f, lambda q, f=f: rri.counts(q, f, policy, "ethnic_group"),
             ("rri_counts", {})),
            (f"Overview cards ({label})", f, lambda q, f=f: headline.card_row(q, f, policy),
             ("overview_episodes", {})),
        ]
    return out


def measure(db: Path, repeats: int = 3) -> list[dict]:
    """Median milliseconds of each guarded view on a cold cache and of its single query."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        query = queries.bind(con)
        last = query("month_range")["last_month"].iloc[0]
        results = []
        for label, f, view, (name, params) in _views(date(last.year, last.month, 1)):
            guarded, single, runs = [], [], 0
            try:
                for _ in range(repeats):
                    counted = _Counted(query)
                    t = time.perf_counter()
                    view(counted)
                    guarded.append(time.perf_counter() - t)
                    runs = counted.runs
                    t = time.perf_counter()
                    query(name, f, **params)
                    single.append(time.perf_counter() - t)
            except queries.QueryError as exc:
                results.append({"view": label, "skipped": f"failed: {str(exc)[:200]}"})
                continue
            results.append({"view": label, "queries": runs, "guarded_ms": statistics.median(guarded) * 1000,
                            "single_ms": statistics.median(single) * 1000})
        return results
    finally:
        con.close()
