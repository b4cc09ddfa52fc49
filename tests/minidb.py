"""A small hand-made database for tests that need exact, known rows (not the sample).

``mini_db(episodes=[...], rhis=[...], offences=[...])`` loads the shipped geography,
creates the ``stg_*`` tables of docs/architecture.md from dicts (unspecified columns
take defaults) and runs the SQL models up to the marts the dashboard reads.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from pipelines.geography import load_geography
from pipelines.runner import run_steps
from pipelines.step_types import Sql
from pipelines.steps import STEPS

# The Dewsbury LSOA and its postcode sector used as defaults.
LSOA = "E01011022"
# Every row one owner's, as in a single-council build (contextmap.toml's la_code).
OWNER = "E08000034"

EPISODE = {
    "episode_key": None, "person_key": "p1", "started_at": datetime(2025, 3, 3, 20), "ended_at": None,
    "episode_type": "MISSING", "age": 14, "age_band": "14-15", "sex": "F", "ethnicity": "WBRI",
    "ethnic_group": "White", "is_looked_after": False, "risk_level": "MEDIUM", "home_sector": None,
    "missing_from_sector": None, "missing_from_lsoa": LSOA, "found_sector": None, "found_lsoa": None,
    "found_lat": None, "found_lon": None, "found_place_id": None, "source_system": "contract",
    "source_file": "missing.csv", "source_row": 1, "owner_code": OWNER,
}
RHI = {
    "rhi_key": None, "episode_key": None, "offered_at": None, "completed_at": None, "outcome": "COMPLETED",
    "themes": [], "push_factors": [], "pull_factors": [], "places_mentioned": [], "sectors_mentioned": [],
    "lsoas_mentioned": [], "associate_keys": [], "has_times": True, "source_system": "contract",
    "source_file": "rhi.csv", "source_row": 1, "owner_code": OWNER,
}
OFFENCE = {
    "offence_key": None, "person_key": "p1", "offence_at": datetime(2025, 3, 10, 18), "offence_month": None,
    "offence_type": "Robbery", "offence_group": "Robbery", "role": "SUSPECT", "age": 15, "age_band": "14-15",
    "sex": "M", "ethnicity": "WBRI", "ethnic_group": "White", "lsoa_code": LSOA, "sector": None, "district": None,
    "lat": None, "lon": None, "place_id": None, "is_serious_violence": False, "weapon": "NONE",
    "exploitation": "NONE", "source_system": "contract", "source_file": "offences.csv", "source_row": 1, "owner_code": OWNER,
}
TYPES = {
    "started_at": "timestamp", "ended_at": "timestamp", "offered_at": "timestamp", "completed_at": "timestamp",
    "offence_at": "timestamp", "offence_month": "date", "age": "integer", "is_looked_after": "boolean",
    "found_lat": "double", "found_lon": "double", "lat": "double", "lon": "double", "has_times": "boolean",
    "is_serious_violence": "boolean", "source_row": "integer", "start_date": "date", "end_date": "date",
}
# The marts these tests read (analytics marts of other steps are left out).
MARTS = {"mart_monthly_area_counts", "mart_place_monthly", "mart_rhi_timeliness", "mart_rhi_status",
         "mart_episode_cells", "mart_episode_theme_cells", "mart_episode_children", "mart_episode_offer_hours",
         "mart_offence_cells", "mart_event_cells", "mart_map_cells", "mart_place_event_cells", "mart_place_children",
         "mart_area_episode_themes", "mart_rri_items", "mart_area_scopes", "mart_area_cross_border"}
LISTS = ("themes", "push_factors", "pull_factors", "places_mentioned", "sectors_mentioned", "lsoas_mentioned",
         "associate_keys")


def _create(con, table: str, defaults: dict, rows: list[dict]) -> None:
    cols = ", ".join(f"{c} {'varchar[]' if c in LISTS else TYPES.get(c, 'varchar')}" for c in defaults)
    con.execute(f"create table {table} ({cols})")
    for row in rows:
        values = {**defaults, **row}
        con.execute(f"insert into {table} values ({', '.join('?' * len(values))})", list(values.values()))


def mini_db(episodes=(), rhis=(), offences=(), path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A connection to a database with the given rows, geography and the SQL models built."""
    con = duckdb.connect(path)
    load_geography(con, progress=lambda *_: None)
    eps = [{"episode_key": f"e{i}", "source_row": i, **r} for i, r in enumerate(episodes, 1)]
    rh = [{"rhi_key": f"r{i}", "source_row": i, **r} for i, r in enumerate(rhis, 1)]
    offs = []
    for i, r in enumerate(offences, 1):
        row = {"offence_key": f"o{i}", "source_row": i, **r}
        row.setdefault("offence_month", pd.Timestamp(row.get("offence_at", OFFENCE["offence_at"])).to_period("M").start_time.date())
        offs.append(row)
    _create(con, "stg_missing_episodes", EPISODE, eps)
    _create(con, "stg_return_home_interviews", RHI, rh)
    _create(con, "stg_offences", OFFENCE, offs)
    _create(con, "stg_places", {"place_id": None, "name": None, "category": None, "sector": None, "district": None,
                                "lsoa_code": None, "lat": None, "lon": None}, [])
    _create(con, "stg_disruption_actions", {"action_id": None, "place_id": None, "area_code": None, "area_level": None,
                                            "action_type": None, "start_date": None, "end_date": None, "agency": None}, [])
    con.execute("""
        create table file_loads as
        select 'missing.csv' as source_file, 'stg_missing_episodes' as table_name, 'csv' as file_format,
               count(*) as rows_read, count(*) as rows_accepted, 0 as rows_rejected,
               min(started_at)::date as first_date, max(started_at)::date as last_date,
               0 as unresolved_postcodes, '' as notes
        from stg_missing_episodes
    """)
    wanted = [s for s in STEPS if isinstance(s, Sql) and (s.path.startswith("intermediate/") or s.tables[0] in MARTS)]
    run_steps(con, wanted, progress=lambda *_: None)
    return con
