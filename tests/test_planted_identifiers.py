"""Identifiers typed into any text, code or list column never reach a database, the parse cache or a page.

A name, an NHS number, a date of birth, a full address and a phone number are planted,
one row per column, in every column of every contract file that could hold free text
(ids are pseudonymised, and tested elsewhere). The rows are then built like real data
(a real key, the parse cache on), and every column of every table of the full build and
of the served file, every cache file and the Data quality page are searched for them.
"""

from __future__ import annotations

import shutil
import stat

import duckdb
import pandas as pd
import pytest

from contextmap.settings import ROOT

SAMPLE = ROOT / "data" / "sample"
KEY = "7e3d9c1a5b2f48e6a0c4d8b1f3e5a7c9d2b4f6a8c0e1d3f5b7a9c2e4d6f8a0b1"
PLANTED = "Jane Doe 9434765919 14/02/2010 12 Acacia Avenue, Huddersfield HD1 2TG 07700 900123"
# The same, shaped like codes, so it passes the "codes, not free text" checks.
CODED = "JANE_DOE_9434765919_HD1_2TG"
# Place names are business names by contract, so a person's name there cannot be told from a
# café's ("Jane's"); everything else that identifies is cut out of them.
PLACE_NAME = "Jane Doe Cafe 9434765919 14/02/2010 HD1 2TG 07700 900123"
SEARCH = ("jane doe", "jane_doe", "hd1_2tg", "9434765919", "14/02/2010", "2010-02-14", "acacia", "hd1 2tg", "hd12tg", "07700 900123",
          "07700900123")
NOT_IN_PLACE_NAMES = tuple(s for s in SEARCH if s not in ("jane doe", "jane_doe"))
ID_COLUMNS = {"episode_id", "person_id", "rhi_id", "offence_id", "place_id", "action_id"}


def _plant(src, dst, name: str, id_col: str) -> list[str]:
    """Append two rows per free-text-capable column of ``name``: the planted text, and it shaped as codes."""
    df = pd.read_csv(src / name, dtype=str, keep_default_na=False)
    template = df.iloc[1].to_dict()
    rows, planted = [], []
    for col in df.columns:
        if col in ID_COLUMNS:
            continue
        text = PLACE_NAME if (name, col) == ("places.csv", "name") else PLANTED
        for i, value in enumerate((text, CODED)):
            rows.append({**template, id_col: f"PLANT-{col}-{i}", col: value})
        planted.append(col)
    pd.concat([df, pd.DataFrame(rows)]).to_csv(dst / name, index=False)
    return planted


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from pipelines import build

    root = tmp_path_factory.mktemp("planted")
    inputs = root / "exports"
    shutil.copytree(SAMPLE, inputs)
    planted = {}
    for name, id_col in (("missing_episodes.csv", "episode_id"), ("return_home_interviews.csv", "rhi_id"),
                         ("offences.csv", "offence_id"), ("places.csv", "place_id"),
                         ("disruption_actions.csv", "action_id")):
        planted[name] = _plant(SAMPLE, inputs, name, id_col)
    warehouse = root / "warehouse"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONTEXTMAP_PSEUDONYM_KEY", KEY)
        mp.setenv("CONTEXTMAP_WAREHOUSE", str(warehouse))
        full = build.build_file(root / "full.duckdb", [inputs], progress=lambda *_: None)
        served = build.build([inputs], warehouse, progress=lambda *_: None)
    return {"full": full, "served": served, "warehouse": warehouse, "planted": planted}


def _found(text: str, allow_names: bool = False) -> list[str]:
    text = text.lower()
    return [s for s in (NOT_IN_PLACE_NAMES if allow_names else SEARCH) if s in text]


def _scan_database(path) -> list[str]:
    hits = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute("select table_name, column_name from information_schema.columns "
                              "where table_schema = 'main' order by all").fetchall()
        for table, column in columns:
            if table.startswith("geo_"):
                continue  # the open geography reference data (HD1 2TG is a real postcode in it)
            values = con.execute(f'select distinct "{column}"::varchar from "{table}" where "{column}" is not null').fetchall()
            text = "\n".join(v for (v,) in values)
            for found in _found(text, allow_names=column.endswith("name")):
                hits.append(f"{table}.{column}: {found}")
    return hits


def test_every_free_text_capable_column_was_planted(built):
    assert len(built["planted"]["missing_episodes.csv"]) >= 14
    assert {"push_factors", "pull_factors", "themes", "places_mentioned"} <= set(built["planted"]["return_home_interviews.csv"])
    assert {"offence_type", "role", "weapon"} <= set(built["planted"]["offences.csv"])
    assert {"name", "category", "postcode"} <= set(built["planted"]["places.csv"])
    assert {"action_type", "agency", "area_code"} <= set(built["planted"]["disruption_actions.csv"])


@pytest.mark.parametrize("which", ["full", "served"])
def test_no_planted_identifier_is_in_any_table(built, which):
    assert _scan_database(built[which]) == []


def test_rejects_keep_the_column_and_rule_and_only_the_shape_of_the_value(built):
    with duckdb.connect(str(built["full"]), read_only=True) as con:
        rows = con.execute("select column_name, reason, value from rejects where source_row > 0 "
                           "and value like 'Aaaa Aaa 9999999999%'").fetchall()
    assert rows, "planted rows should be rejected with the value's shape"
    assert all(reason for _, reason, _ in rows)


def test_unknown_open_codes_are_kept_as_other_and_noted(built):
    with duckdb.connect(str(built["full"]), read_only=True) as con:
        push = con.execute("select count(*) from stg_return_home_interviews where list_contains(push_factors, 'OTHER') "
                           "and list_contains(pull_factors, 'FRIENDS')").fetchone()[0]
        actions = con.execute("select count(*) from stg_disruption_actions where action_type = 'OTHER'").fetchone()[0]
        types = con.execute("select count(*) from stg_offences where offence_type = 'Other crime'").fetchone()[0]
        notes = " ".join(n for (n,) in con.execute("select coalesce(notes, '') from file_loads").fetchall())
    assert push >= 1 and actions >= 1 and types >= 2
    assert "recorded as OTHER" in notes


def test_the_parse_cache_holds_no_identifier_and_only_its_owner_can_read_it(built):
    folder = built["warehouse"] / "cache" / "ingest"
    files = [p for p in folder.iterdir() if p.is_file()]
    assert files
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    hits = []
    for path in files:
        if path.suffix == ".parquet":
            with duckdb.connect() as con:
                cols = [c for (c,) in con.execute("select column_name from (describe select * from read_parquet(?))",
                                                  [str(path)]).fetchall()]
                for col in cols:
                    text = "\n".join(v for (v,) in con.execute(
                        f'select distinct "{col}"::varchar from read_parquet(?) where "{col}" is not null',
                        [str(path)]).fetchall())
                    hits += [f"{path.name}.{col}: {f}" for f in _found(text, allow_names=col.endswith("name"))]
        else:
            hits += [f"{path.name}: {f}" for f in _found(path.read_text())]
    assert hits == []


def test_the_data_quality_page_shows_shapes_not_values(built, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from contextmap import auth, disclosure
    from contextmap.filters import Filters
    from contextmap.ui import reader

    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(built["warehouse"]))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = AppTest.from_file(str(ROOT / "pages" / "data_quality.py"), default_timeout=90)
    at.session_state["session"] = reader.Session(auth.User("admin", "admin"), Filters(pd.Timestamp("2026-10-01").date()),
                                                 disclosure.Policy.from_settings())
    at.run()
    assert not at.exception, at.exception
    shown = "\n".join(str(e.value) for e in (*at.markdown, *at.caption, *at.subheader, *at.info))
    for frame in at.dataframe:
        shown += "\n" + frame.value.astype(str).to_csv()
    assert "Aaaa Aaa 9999999999" in shown, "rejected values are shown by their shape"
    assert _found(shown) == []
