"""docs/data-model.md lists every built table and column, and each declared grain holds."""

import pytest

from pipelines import docs


def test_data_model_doc_is_generated_from_the_yaml():
    assert docs.OUT.read_text() == docs.render(docs.table_specs()), "run `python -m pipelines.docs`"


def test_every_table_and_column_of_the_build_is_documented(sample_con):
    specs = docs.table_specs()
    tables = sample_con.sql("select table_name from information_schema.tables where table_schema = 'main'").fetchall()
    for (table,) in tables:
        assert table in specs, f"{table} is missing from docs/data-model.md"
        cols = [c for (c,) in sample_con.execute(
            "select column_name from information_schema.columns where table_name = ? order by ordinal_position", [table]
        ).fetchall()]
        missing = set(cols) - set(specs[table]["columns"])
        assert not missing, f"{table}: columns {sorted(missing)} are not documented"


def test_every_documented_table_is_built(sample_con):
    built = {t for (t,) in sample_con.sql("select table_name from information_schema.tables").fetchall()}
    assert set(docs.table_specs()) <= built


@pytest.mark.parametrize("table", sorted(docs.table_specs()))
def test_grain_unique_and_not_null(sample_con, table):
    key = docs.table_specs()[table]["unique_key"]
    cols = ", ".join(key)
    dupes = sample_con.sql(f"select {cols}, count(*) from {table} group by all having count(*) > 1 limit 3").fetchall()
    assert not dupes, f"{table} grain ({cols}) is not unique: {dupes}"
    nulls = " or ".join(f"{c} is null" for c in key)
    assert sample_con.sql(f"select count(*) from {table} where {nulls}").fetchall()[0][0] == 0, f"{table}: null key"
