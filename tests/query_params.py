"""Parameters for every dashboard query (``sql/queries``) on a build, for tests that run them all.

``variants(con, name)`` gives each way a page calls a query: every level and split it
takes, for the build's latest month and a year, with real ids (a place, an area, a group,
an action) taken from the build, so the rows are not empty.
"""

from __future__ import annotations

from datetime import date

from contextmap.filters import Filters
from contextmap.settings import ROOT

QUERIES = sorted(p.stem for p in (ROOT / "sql" / "queries").glob("*.sql"))
LEVELS = {
    "area_events": ["ward", "lsoa"], "area_hotspots": ["ward", "lsoa"], "funnel": ["ward", "lsoa"],
    "boundaries": ["ward", "lsoa", "locality"], "emerging_hotspots": ["place", "lsoa", "ward"],
    "postcode_hotspots": ["district", "sector"], "map_postcode_centres": ["district", "sector"],
    "area_profile_actions": ["ward", "lsoa"], "area_profile_groups": ["ward", "lsoa"],
    "area_profile_monthly": ["ward", "lsoa"], "area_profile_places": ["ward", "lsoa"],
    "area_profile_themes": ["ward", "lsoa"],
}
SPLITS = {
    "trend_events": ["none", "locality", "source", "age_band", "sex", "looked_after", "theme"],
    "trend_episodes": ["none", "locality", "age_band", "sex", "looked_after", "theme"],
    "trend_offences": ["none", "locality", "age_band", "sex", "offence_group"],
}


def _one(con, sql: str):
    row = con.execute(sql).fetchone()
    return row[0] if row else None


def latest_month(con) -> date:
    """The build's last month with events."""
    value = _one(con, "select max(event_month) from mart_monthly_area_counts")
    return value.date() if hasattr(value, "date") else value


def variants(con, name: str, filters: Filters | None = None) -> list[dict]:
    """Parameter sets for ``sql/queries/<name>.sql`` as the pages use it."""
    f = filters or Filters(latest_month(con), period="year", data_end=latest_month(con))
    base = {**f.params(), "trend_from": date(f.month_to.year - 1, f.month_to.month, 1), "quarter_to": f.month_to, "limit": 10,
            "w_missing_found": 1.0, "w_rhi_mention": 1.5, "w_offence": 0.5, "table": "mart_place_hotspots",
            "group_id": _one(con, "select group_id from mart_peer_groups order by activity_rank limit 1") or 1,
            "group_ids": [g for (g,) in con.execute(
                "select group_id from mart_peer_groups order by activity_rank limit 3").fetchall()] or [1],
            "place_id": _one(con, "select place_id from mart_place_monthly group by 1 order by sum(events) desc limit 1"),
            "action_id": _one(con, "select action_id from mart_disruption_effects order by action_id limit 1") or "",
            "split": "none"}
    out = []
    for level in LEVELS.get(name, [None]):
        params = dict(base)
        if level:
            params["level"] = level
            code_sql = {"ward": "select ward_code from geo_ward order by 1 limit 1",
                        "lsoa": "select lsoa_code from int_events group by 1 order by count(*) desc limit 1"}
            if level in code_sql:
                params["code"] = _one(con, code_sql[level])
        else:
            params["level"] = "ward"
            params["code"] = _one(con, "select ward_code from geo_ward order by 1 limit 1")
        for split in SPLITS.get(name, [None]):
            out.append({**params, **({"split": split} if split else {})})
    return out
