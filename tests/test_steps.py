"""The declared build order matches the SQL model files on disk."""

from contextmap.sqlfiles import SQL_DIR
from pipelines.step_types import Py, Sql
from pipelines.steps import STEPS


def test_every_model_file_is_a_step_and_every_step_a_file():
    declared = {s.path for s in STEPS if isinstance(s, Sql)}
    on_disk = {str(p.relative_to(SQL_DIR)) for layer in ("intermediate", "marts") for p in (SQL_DIR / layer).glob("*.sql")}
    assert declared == on_disk


def test_each_table_is_built_once_and_python_steps_resolve():
    tables = [t for s in STEPS for t in s.tables]
    assert len(tables) == len(set(tables))
    import importlib

    for step in (s for s in STEPS if isinstance(s, Py)):
        module, func = step.target.split(":")
        assert callable(getattr(importlib.import_module(module), func)), step.target


def test_a_model_only_reads_tables_built_before_it():
    built = {"stg_missing_episodes", "stg_return_home_interviews", "stg_offences", "stg_places", "stg_disruption_actions"}
    geo = {p.stem for p in (SQL_DIR / "staging").glob("geo_*.yml")}
    built |= geo
    later = {t for s in STEPS for t in s.tables}
    for step in STEPS:
        if isinstance(step, Sql):
            text = (SQL_DIR / step.path).read_text()
            for table in later - built:
                assert f" {table}" not in text and f"\n{table}" not in text, f"{step.path} reads {table} before it is built"
        built |= set(step.tables)
