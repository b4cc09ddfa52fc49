"""Every table has exactly one builder, and no SQL model reads a table built after it."""

from __future__ import annotations

import json
from collections import Counter

import duckdb
import pytest

from contextmap import sqlfiles
from contextmap.settings import ROOT
from pipelines import docs, geography, registry
from pipelines.ingest import staging
from pipelines.ingest.sources import SOURCES


def tables_read(sql: str) -> set[str]:
    """The tables an SQL text reads, from DuckDB's own parse tree (CTE names excluded)."""
    tree = json.loads(duckdb.execute("select json_serialize_sql(?)", [sql]).fetchone()[0])
    assert not tree["error"], tree.get("error_message")
    refs, ctes = set(), set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE":
                refs.add(node["table_name"])
            ctes.update(entry["key"] for entry in node.get("cte_map", {}).get("map", []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return refs - ctes


def test_the_parse_finds_tables_not_ctes():
    assert tables_read("with a as (select * from t1) select * from a join t2 using (x)") == {"t1", "t2"}


def test_every_table_has_exactly_one_builder():
    counts = Counter(table for table, _ in registry.builders())
    assert not [t for t, n in counts.items() if n > 1]


def test_every_table_of_the_build_has_a_builder_and_every_builder_a_table(sample_con):
    built = {t for (t,) in sample_con.sql("select table_name from information_schema.tables").fetchall()}
    assert built == set(registry.built_by())


@pytest.mark.parametrize("table, builder", [(t, b) for t, b in registry.builders() if b.startswith("sql/")])
def test_no_sql_model_reads_a_table_before_it_is_built(table, builder):
    order = [t for t, _ in registry.builders()]
    earlier = set(order[: order.index(table)]) | set(registry.TRANSIENT)
    read = tables_read(sqlfiles.read(builder.removeprefix("sql/")))
    assert read <= earlier, f"{builder} reads {sorted(read - earlier)} before they are built"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_each_sources_staging_sql_reads_only_what_is_loaded_before_it(source):
    """Every format of a table, not only the one the registry names (police.uk, SSD), and
    the cache key covers the places file exactly when the staging SQL reads it."""
    before = SOURCES[: SOURCES.index(source)]
    loaded = {*geography.PY_TABLES, *geography.SQL_TABLES, *(s.target for s in before), *registry.TRANSIENT}
    read = tables_read(sqlfiles.read(staging.path(source.staging)))
    assert read <= loaded, f"{source.staging}.sql reads {sorted(read - loaded)} before they are loaded"
    assert source.reads_places == ("stg_places" in read)
    for derived in source.derived:
        assert tables_read(sqlfiles.read(staging.path(derived.staging))) <= loaded | {source.target}


@pytest.mark.parametrize("path", sorted((ROOT / "sql" / "queries").glob("*.sql")), ids=lambda p: p.stem)
def test_the_dashboard_reads_only_built_tables(path):
    known = set(registry.built_by()) | {"information_schema.tables", "tables"}
    assert tables_read(path.read_text()) <= known


def test_the_data_model_names_every_tables_builder():
    text = docs.OUT.read_text()
    for table, builder in registry.builders():
        if table in docs.table_specs():
            assert f"### `{table}`\n\nBuilt by `{builder}`." in text, table


def test_the_filter_on_who_is_counted_is_written_once():
    """The sidebar's locality, looked-after, age and sex filter is the macro cm_counted
    (sql/dashboard_macros.sql), not written out again in each query."""
    for path in (ROOT / "sql" / "queries").glob("*.sql"):
        text = path.read_text()
        assert "list_contains($sexes, " not in text and "($looked_after = 'All' or" not in text, path.name
