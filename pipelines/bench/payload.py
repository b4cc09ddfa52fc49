"""Size of the map the browser downloads: the ward and LSOA choropleths as rendered HTML."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import duckdb

from contextmap import disclosure, queries
from contextmap.filters import Filters


def measure(db: Path) -> dict:
    """Bytes of HTML for the 12-month ward and LSOA event maps, and the time to render each."""
    from contextmap import map_view, maps

    policy = disclosure.Policy.from_settings()
    out = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        last = con.execute("select max(event_month) from mart_monthly_area_counts").fetchall()[0][0]
        filters = Filters(date(last.year, last.month, 1), period="year")
        for level in ("ward", "lsoa"):
            started = time.perf_counter()
            boundaries = queries.run(con, "boundaries", level=level)
            areas = queries.bind(con)("area_events", filters, level=level)
            values = map_view.area_values(areas, "count", policy, level)
            m, _legend = maps.choropleth(boundaries, values, title="Events")
            html = maps.render_html(m)
            out[level] = {
                "areas": len(boundaries),
                "bytes": len(html.encode()),
                "render_ms": (time.perf_counter() - started) * 1000,
            }
    finally:
        con.close()
    return out
