"""The tables ingest produces (docs/architecture.md), created empty before any file loads."""

from __future__ import annotations

import duckdb

TABLES: dict[str, str] = {
    "stg_missing_episodes": """
        episode_key varchar, person_key varchar, started_at timestamp, ended_at timestamp, episode_type varchar,
        age integer, age_band varchar, sex varchar, ethnicity varchar, ethnic_group varchar,
        is_looked_after boolean, risk_level varchar, home_sector varchar, missing_from_sector varchar,
        missing_from_lsoa varchar, found_sector varchar, found_lsoa varchar, found_lat double, found_lon double,
        found_place_id varchar, source_system varchar, source_file varchar, source_row bigint, owner_code varchar""",
    "stg_return_home_interviews": """
        rhi_key varchar, episode_key varchar, offered_at timestamp, completed_at timestamp, outcome varchar,
        themes varchar[], push_factors varchar[], pull_factors varchar[], places_mentioned varchar[],
        sectors_mentioned varchar[], lsoas_mentioned varchar[], associate_keys varchar[], has_times boolean,
        source_system varchar, source_file varchar, source_row bigint, owner_code varchar""",
    "stg_offences": """
        offence_key varchar, person_key varchar, offence_at timestamp, offence_month date, offence_type varchar,
        offence_group varchar, role varchar, age integer, age_band varchar, sex varchar, ethnicity varchar,
        ethnic_group varchar, lsoa_code varchar, sector varchar, district varchar, lat double, lon double,
        place_id varchar, is_serious_violence boolean, weapon varchar, exploitation varchar,
        source_system varchar, source_file varchar, source_row bigint, owner_code varchar""",
    "stg_places": """
        place_id varchar, name varchar, category varchar, sector varchar, district varchar, lsoa_code varchar,
        lat double, lon double""",
    "stg_disruption_actions": """
        action_id varchar, place_id varchar, area_code varchar, area_level varchar, action_type varchar,
        start_date date, end_date date, agency varchar""",
    "rejects": """
        source_file varchar, table_name varchar, source_row bigint, column_name varchar, value varchar,
        reason varchar""",
    "file_loads": """
        source_file varchar, table_name varchar, file_format varchar, rows_read bigint, rows_accepted bigint,
        rows_rejected bigint, first_date date, last_date date, unresolved_postcodes bigint, notes varchar""",
}
# Built during ingest and never kept: SSD persons, which SSD missing episodes look up.
TEMP_TABLES: dict[str, str] = {"stg_ssd_people": "person_key varchar, sex varchar, ethnicity varchar, dob date"}
# Deterministic final order of the small tables. The large staging tables are not sorted
# (a sort of national-scale tables costs more than staging them): their rows carry
# source_file and source_row, and every model that needs an order says so.
ORDER = {
    "stg_places": "place_id",
    "stg_disruption_actions": "action_id",
    "rejects": "source_file, source_row, column_name, reason",
    "file_loads": "source_file",
}


def columns(table: str) -> list[str]:
    """Column names of an ingest table, in order."""
    cols = TABLES.get(table) or TEMP_TABLES[table]
    return [part.split()[0] for part in cols.replace("\n", " ").split(",") if part.strip()]


def create_empty(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every ingest table, empty."""
    for name, cols in TABLES.items():
        con.execute(f"create or replace table {name} ({cols})")
    for name, cols in TEMP_TABLES.items():
        con.execute(f"create or replace temp table {name} ({cols})")


def sort_all(con: duckdb.DuckDBPyConnection) -> None:
    """Rewrite each small table in a fixed order so two builds of the same input are identical."""
    for name, order in ORDER.items():
        con.execute(f"create or replace table {name} as select * from {name} order by {order}")
