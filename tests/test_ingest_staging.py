"""Staging SQL: one committed file per source, current with its adapter, run as committed
with per-file values bound as parameters; and one descriptor per source that load.py
treats alike."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from contextmap.sqlfiles import SQL_DIR
from pipelines.geography import load_geography
from pipelines.ingest import cache, generate, load, staging
from pipelines.ingest.load import run
from pipelines.ingest.mapping import Mapping
from pipelines.ingest.sources import BY_NAME, SOURCES
from pipelines.pseudonym import Keys, key_for

KEY = b"test-key-for-the-staging-sql-001"
POLICE_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
                 "Last outcome category,Context")


def test_the_committed_staging_sql_is_what_the_adapters_generate():
    for relpath, text in generate.files().items():
        assert (SQL_DIR / relpath).read_text(encoding="utf-8") == text, (
            f"sql/{relpath} is stale: run python -m pipelines.ingest.generate")


def test_every_staging_sql_file_belongs_to_a_source():
    committed = {p.name for p in (SQL_DIR / "staging").glob("stg_*.sql")}
    assert committed == {Path(relpath).name for relpath in generate.files()}


def test_every_contract_table_has_its_staging_file_named_after_its_table():
    for name in ("places", "missing_episodes", "return_home_interviews", "offences", "disruption_actions"):
        assert BY_NAME[name].staging == BY_NAME[name].target == f"stg_{name}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_a_descriptor_names_only_its_own_columns(source):
    columns = set(source.columns)
    assert set(source.required) | set(source.one_of) | source.private | source.postcodes <= columns
    assert source.signature <= columns
    assert source.named(source.name) or source.name == "police_uk"


def test_load_treats_every_source_alike():
    """No branch of load.py is about one source: what differs is in the descriptors."""
    text = Path(load.__file__).read_text()
    assert not [s.name for s in SOURCES if f'"{s.name}"' in text]


def test_the_cache_key_covers_the_staging_sql():
    code = set(cache.code_files())
    assert {SQL_DIR / relpath for relpath in generate.files()} <= code


def test_staging_sql_names_only_declared_parameters():
    for text in generate.files().values():
        staging.parameters(text)  # raises on an undeclared one


def test_per_file_values_are_bound_not_written_into_the_sql(tmp_path):
    """The key of a police.uk row without a Crime ID comes from its file name, which is
    bound as $file_key: a quote in the name is just text."""
    name = "2024-01-o'brien-street"
    (tmp_path / f"{name}.csv").write_text(
        POLICE_HEADER + "\n,2024-01,WYP,WYP,-1.78,53.65,On or near Z,E01011107,Kirklees 030A,Anti-social behaviour,,\n")
    con = duckdb.connect()
    load_geography(con, progress=lambda *_: None)
    run(con, [tmp_path], Keys.one(KEY), Mapping(), progress=lambda *_: None)
    assert con.execute("select offence_key from stg_offences").fetchall() == [(key_for(KEY, "police_uk", f"{name}:1"),)]
