"""No input identifier, full postcode or date of birth survives into the built database."""

from __future__ import annotations

import csv
import re

import pytest

from contextmap.settings import ROOT

SAMPLE = ROOT / "data" / "sample"
ID_COLUMNS = ("person_id", "episode_id", "rhi_id", "offence_id", "associates_mentioned")
POSTCODE_COLUMNS = ("home_postcode", "missing_from_postcode", "found_postcode")
TOKEN = r"[A-Za-z0-9_\-]+"
POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}"

pytestmark = pytest.mark.skipif(not (SAMPLE / "missing_episodes.csv").exists(), reason="data/sample not generated yet")


def _values(columns: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for path in sorted(SAMPLE.glob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                for col in columns:
                    for part in (row.get(col) or "").split(";"):
                        if part.strip():
                            out.add(part.strip())
    return out


def _dates_of_birth() -> set[str]:
    """Each date of birth in every written form (ISO and day-first)."""
    out = set()
    for value in _values(("date_of_birth",)):
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})|(\d{2})/(\d{2})/(\d{4})", value)
        if m and m.group(1):
            y, mo, d = m.group(1, 2, 3)
        elif m:
            d, mo, y = m.group(4, 5, 6)
        else:
            continue
        out |= {f"{y}-{mo}-{d}", f"{d}/{mo}/{y}"}
    return out


def _text_columns(con) -> list[tuple[str, str, str]]:
    return con.execute("""
        select table_name, column_name, data_type from duckdb_columns()
        where database_name = current_database() and schema_name = 'main' and not starts_with(table_name, 'geo_')
          and (data_type = 'VARCHAR' or data_type like 'VARCHAR[]%')
        order by table_name, column_name
    """).fetchall()


def _scan(con, forbidden: set[str], pattern: str, normalise: str) -> list[str]:
    """Every (table: value) whose tokens matching ``pattern`` include a forbidden value."""
    con.execute("create or replace temp table forbidden (v varchar)")
    con.executemany("insert into forbidden values (?)", [(v,) for v in sorted(forbidden)])
    by_table: dict[str, list[str]] = {}
    for table, column, dtype in _text_columns(con):
        text = f'array_to_string("{column}", \' \')' if dtype.endswith("[]") else f'"{column}"'
        by_table.setdefault(table, []).append(text)
    hits = []
    for table, texts in by_table.items():
        found = con.execute(f"""
            with rows as (select distinct concat_ws(' ', {", ".join(texts)}) as s from "{table}"),
            tokens as (select distinct unnest(regexp_extract_all(s, ?)) as t from rows)
            select t from tokens join forbidden on forbidden.v = {normalise} limit 3
        """, [pattern]).fetchall()
        hits += [f"{table}: {t}" for (t,) in found]
    return hits


def test_no_input_identifier_survives(sample_con):
    ids = _values(ID_COLUMNS)
    assert len(ids) > 1000, "the scan needs the sample's identifiers"
    assert _scan(sample_con, ids, TOKEN, "t") == []


def test_no_full_postcode_survives(sample_con):
    postcodes = {re.sub(r"\s", "", p).upper() for p in _values(POSTCODE_COLUMNS + ("postcode",))}
    assert len(postcodes) > 100
    assert _scan(sample_con, postcodes, POSTCODE, "replace(upper(t), ' ', '')") == []


def test_no_date_of_birth_survives(sample_con):
    dobs = _dates_of_birth()
    assert dobs, "the sample should carry some dates of birth"
    assert _scan(sample_con, dobs, r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}", "t") == []
    # Nor as a date: no date column of any table holds a date of birth.
    iso = sorted(d for d in dobs if "-" in d)
    for table, column in sample_con.execute("""
        select table_name, column_name from duckdb_columns()
        where database_name = current_database() and schema_name = 'main' and not starts_with(table_name, 'geo_')
          and data_type in ('DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE')
    """).fetchall():
        n = sample_con.execute(f'select count(*) from "{table}" where "{column}"::date::varchar in (select unnest(?::varchar[]))', [iso]).fetchone()[0]
        assert n == 0, f"{table}.{column} holds dates of birth"


def test_no_column_is_named_like_personal_data(sample_con):
    names = {c for _, c, _ in _text_columns(sample_con)}
    assert not names & {"person_id", "episode_id", "date_of_birth", "home_postcode", "name_of_child", "forename", "surname"}
