"""Several data owners in one build: each council's children pseudonymised with the council's own key.

A small force-wide input (two councils' folders and the force's ``police/``) is built once
with a key per owner from ``CONTEXTMAP_PSEUDONYM_KEY_DIR``, and every pseudonym is checked
against what that owner's key gives by hand: the same raw id in two councils is two people,
an interview naming another council's child does not link them (nor invent a child), going
missing together and offending together still link across the border, no raw id survives,
and changing one council's key changes only that council's pseudonyms.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path

import duckdb
import pytest

from contextmap.settings import ROOT
from pipelines import build, coverage
from pipelines.__main__ import main as pipelines_main
from pipelines.pseudonym import DEMO_KEY, KeyMissingError, demo_key, key_for, load_keys, pseudonym

SETTINGS = ROOT / "contextmap-west-yorkshire.toml"
KIRKLEES, CALDERDALE, FORCE = "E08000034", "E08000033", "E23000010"
FILES = {
    f"{KIRKLEES}/missing_episodes.csv": """episode_id,person_id,start_datetime,end_datetime,age,sex,missing_from_postcode,found_postcode
ME-K-01,ZQ-SAME-0001,2024-03-01 20:00,2024-03-02 10:00,14,F,HD1 1AA,HD1 1AA
ME-K-02,ZQ-KIRK-0002,2024-04-10 21:00,2024-04-11 09:00,15,M,HD1 1AA,HD1 1AA
ME-K-03,ZQ-KIRK-0004,2024-07-01 20:00,2024-07-02 08:00,15,M,HD1 1AA,HX1 1AA
""",
    # Kirklees's interview names a Calderdale child by that child's Calderdale id.
    f"{KIRKLEES}/return_home_interviews.csv": """rhi_id,episode_id,offered_datetime,completed_datetime,outcome,associates_mentioned
RHI-K-01,ME-K-02,2024-04-11 12:00,2024-04-12 12:00,COMPLETED,ZQ-CALD-0003
""",
    f"{CALDERDALE}/missing_episodes.csv": """episode_id,person_id,start_datetime,end_datetime,age,sex,missing_from_postcode,found_postcode
ME-C-01,ZQ-SAME-0001,2024-05-01 20:00,2024-05-02 10:00,13,M,HX1 1AA,HX1 1AA
ME-C-02,ZQ-CALD-0003,2024-06-01 20:00,2024-06-02 10:00,15,F,HX1 1AA,HX1 1AA
ME-C-03,ZQ-CALD-0005,2024-07-01 21:00,2024-07-02 08:30,15,F,HX1 1AA,HX1 1AA
""",
    # Two children of different councils offend together: the force's record holds both.
    "police/offences.csv": """offence_id,offence_datetime,offence_type,person_id,role,age,postcode
OF-Q-01,2024-08-01 22:00,Drugs,ZQ-KIRK-0002,SUSPECT,15,HD1 1AA
OF-Q-01,2024-08-01 22:00,Drugs,ZQ-CALD-0003,SUSPECT,15,HD1 1AA
""",
}
RAW_IDS = sorted({v for text in FILES.values() for v in re.findall(r"\b(?:ZQ|ME|RHI|OF)-[A-Z]+-\d+\b", text)})


def _key(owner: str, version: str = "") -> str:
    """A random-looking test key of one owner (64 hex digits), different for each ``version``."""
    return hashlib.sha256(f"contextmap-test-key:{owner}:{version}".encode()).hexdigest()


def _write_inputs(folder: Path) -> Path:
    for name, text in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _write_keys(folder: Path, keys: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for owner, key in keys.items():
        (folder / f"{owner}.key").write_text(key + "\n")
    return folder


@pytest.fixture(scope="module")
def env():
    """West Yorkshire settings, no key but the key folder each test gives."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONTEXTMAP_SETTINGS", str(SETTINGS))
        for name in ("CONTEXTMAP_PSEUDONYM_KEY", "CONTEXTMAP_PSEUDONYM_KEY_FILE", "CONTEXTMAP_PSEUDONYM_KEY_DIR"):
            mp.delenv(name, raising=False)
        yield mp


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return _write_inputs(tmp_path_factory.mktemp("owners") / "in")


KEYS = {owner: _key(owner) for owner in (KIRKLEES, CALDERDALE, FORCE)}


def _build(env, inputs: Path, keys: dict[str, str], path: Path) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    env.setenv("CONTEXTMAP_PSEUDONYM_KEY_DIR", str(_write_keys(path.parent / "keys", keys)))
    lines: list[str] = []
    build.build_file(path, [inputs], progress=lines.append)
    return duckdb.connect(str(path), read_only=True), lines


@pytest.fixture(scope="module")
def con(env, inputs, tmp_path_factory):
    connection, _ = _build(env, inputs, KEYS, tmp_path_factory.mktemp("first") / "build.duckdb")
    yield connection
    connection.close()


def _person(owner: str, person_id: str) -> str:
    return pseudonym(KEYS[owner].encode(), person_id)


def _episode_person(con, owner: str, episode_id: str) -> str:
    return con.execute("select person_key from stg_missing_episodes where episode_key = ? and owner_code = ?",
                       [key_for(KEYS[owner].encode(), "missing_episodes", episode_id), owner]).fetchone()[0]


def _pairs(con, evidence: str) -> set[frozenset[str]]:
    return {frozenset(p) for p in con.execute(
        f"select person_a, person_b from int_associations where {evidence} > 0").fetchall()}


def test_each_file_is_staged_with_its_owner(con):
    owners = con.execute("""
        select 'episodes', owner_code, split_part(source_file, '/', 1) from stg_missing_episodes
        union select 'rhis', owner_code, split_part(source_file, '/', 1) from stg_return_home_interviews
        union select 'offences', owner_code, split_part(source_file, '/', 1) from stg_offences order by all
    """).fetchall()
    assert owners == [("episodes", CALDERDALE, CALDERDALE), ("episodes", KIRKLEES, KIRKLEES),
                      ("offences", FORCE, "police"), ("rhis", KIRKLEES, KIRKLEES)]


def test_the_same_raw_id_in_two_councils_is_two_unrelated_people(con):
    kirklees, calderdale = _episode_person(con, KIRKLEES, "ME-K-01"), _episode_person(con, CALDERDALE, "ME-C-01")
    assert kirklees == _person(KIRKLEES, "ZQ-SAME-0001") and calderdale == _person(CALDERDALE, "ZQ-SAME-0001")
    assert kirklees != calderdale
    people = con.execute("select person_key from int_people where list_contains(?, person_key)",
                         [[kirklees, calderdale]]).fetchall()
    assert len(people) == 2


def test_an_interview_naming_another_councils_child_does_not_link_them(con):
    named = con.execute("select associate_keys from stg_return_home_interviews").fetchone()[0]
    # Pseudonymised with the naming council's key: not the Calderdale child's pseudonym.
    assert named == [_person(KIRKLEES, "ZQ-CALD-0003")]
    child, namer = _person(CALDERDALE, "ZQ-CALD-0003"), _person(KIRKLEES, "ZQ-KIRK-0002")
    assert named[0] != child
    assert frozenset((namer, child)) not in _pairs(con, "rhi_named")
    assert frozenset((namer, named[0])) in _pairs(con, "rhi_named")  # an unmatched associate, as ever
    # Nor a phantom child: the people counted are the children of the episodes and the offence's two.
    people = {p for (p,) in con.execute("select person_key from int_people").fetchall()}
    episodes = {p for (p,) in con.execute("select person_key from stg_missing_episodes").fetchall()}
    offences = {p for (p,) in con.execute("select person_key from stg_offences").fetchall()}
    assert people == episodes | offences and named[0] not in people and len(people) == 6 + 2


def test_going_missing_and_offending_together_still_link_across_the_border(con):
    together = frozenset((_person(KIRKLEES, "ZQ-KIRK-0004"), _person(CALDERDALE, "ZQ-CALD-0005")))
    assert together in _pairs(con, "missing_together")
    # The offence record is the force's: both offenders under the force's key, linked to each other
    # and never to their council pseudonyms.
    offenders = frozenset(_person(FORCE, p) for p in ("ZQ-KIRK-0002", "ZQ-CALD-0003"))
    assert offenders in _pairs(con, "co_offending")
    assert {p for (p,) in con.execute("select person_key from stg_offences").fetchall()} == offenders
    councils = {p for (p,) in con.execute("select person_key from stg_missing_episodes").fetchall()}
    assert not offenders & councils


def test_an_offenders_care_status_is_unknown_rather_than_guessed(con):
    # Care status is recorded on episodes, which are under the councils' keys, not the force's.
    rows = con.execute("select distinct is_looked_after from mart_rri_items where measure = 'offences'").fetchall()
    assert rows == [(None,)]


def test_the_build_says_what_the_owners_keys_leave_unlinked(con, env):
    notes = coverage.owner_notes(con)
    assert len(notes) == 2
    assert "Calderdale (E08000033), Kirklees (E08000034)" in notes[0] and "going missing together" in notes[0]
    assert "West Yorkshire (E23000010)" in notes[1] and "postcode tension matrix is empty" in notes[1]
    stored = [n for (n,) in con.execute("select note from build_notes order by note_order").fetchall()]
    assert all(n in stored for n in notes)


def _text_columns(con) -> list[tuple[str, str, str]]:
    return con.execute("""
        select table_name, column_name, data_type from duckdb_columns()
        where database_name = current_database() and schema_name = 'main'
          and (data_type = 'VARCHAR' or data_type like 'VARCHAR[]%')
    """).fetchall()


def raw_ids_found(con, pattern: str) -> list[str]:
    """``table.column: value`` of every text value (list elements included) of every table matching ``pattern``."""
    hits = []
    for table, column, dtype in _text_columns(con):
        text = f'array_to_string("{column}", \' \')' if dtype.endswith("[]") else f'"{column}"'
        hits += [f"{table}.{column}: {v}" for (v,) in con.execute(
            f'select distinct {text} from "{table}" where regexp_matches({text}, ?) limit 3', [pattern]).fetchall()]
    return hits


def test_no_raw_id_from_any_file_is_anywhere_in_the_database(con):
    assert len(RAW_IDS) == 13
    assert raw_ids_found(con, "(?i)" + "|".join(map(re.escape, RAW_IDS))) == []
    # The scan sees what it looks for: the pseudonyms are there.
    assert raw_ids_found(con, _person(KIRKLEES, "ZQ-SAME-0001"))


def _keyed_rows(con) -> dict[str, set[tuple]]:
    """Each owner's pseudonymised ids, every staged table."""
    rows: dict[str, set[tuple]] = {}
    for owner, *ids in con.execute("""
        select owner_code, 'episode', episode_key, person_key from stg_missing_episodes
        union all select owner_code, 'rhi', rhi_key, episode_key || ':' || array_to_string(associate_keys, ';')
        from stg_return_home_interviews
        union all select owner_code, 'offence', offence_key, person_key from stg_offences
    """).fetchall():
        rows.setdefault(owner, set()).add(tuple(ids))
    return rows


def test_changing_one_councils_key_changes_only_that_councils_pseudonyms(con, env, inputs, tmp_path):
    # A key never used before, so no earlier run left its files in the parse cache.
    rotated = _key(CALDERDALE, secrets.token_hex(8))
    other, lines = _build(env, inputs, {**KEYS, CALDERDALE: rotated}, tmp_path / "b.duckdb")
    try:
        before, after = _keyed_rows(con), _keyed_rows(other)
        assert before[KIRKLEES] == after[KIRKLEES] and before[FORCE] == after[FORCE]
        assert not before[CALDERDALE] & after[CALDERDALE]
        assert _episode_person(other, KIRKLEES, "ME-K-01") == _person(KIRKLEES, "ZQ-SAME-0001")
    finally:
        other.close()
    # The parse cache is keyed on each file's owner's key: only Calderdale's file was parsed again.
    reused = {line.split(":")[0].strip() for line in lines if "reused from the cache" in line}
    assert reused == {f"{KIRKLEES}/missing_episodes.csv", f"{KIRKLEES}/return_home_interviews.csv",
                      "police/offences.csv"}


def test_a_missing_weak_shared_or_single_key_for_several_owners_is_refused_by_name(env, inputs, tmp_path, monkeypatch):
    cases = [
        ({KIRKLEES: KEYS[KIRKLEES], FORCE: KEYS[FORCE]},
         rf"No pseudonymisation key for Calderdale \({CALDERDALE}\).*{CALDERDALE}\.key does not exist"),
        ({**KEYS, CALDERDALE: "0123456789abcdef" * 4}, rf"the key of Calderdale \({CALDERDALE}\) in .*does not look random"),
        ({**KEYS, CALDERDALE: KEYS[KIRKLEES]}, r"Calderdale \(E08000033\) and Kirklees \(E08000034\) have the same key"),
        ({**KEYS, FORCE: DEMO_KEY.decode()}, "public demo key cannot be set"),
        ({**KEYS, KIRKLEES: demo_key(KIRKLEES, FORCE).decode()}, "Kirklees .*public demo key cannot be set"),
    ]
    for i, (keys, message) in enumerate(cases):
        monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY_DIR", str(_write_keys(tmp_path / f"keys{i}", keys)))
        with pytest.raises(KeyMissingError, match=message):
            load_keys([inputs])
    monkeypatch.delenv("CONTEXTMAP_PSEUDONYM_KEY_DIR")
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY", KEYS[KIRKLEES])
    with pytest.raises(KeyMissingError, match="3 data owners .*CONTEXTMAP_PSEUDONYM_KEY_DIR"):
        load_keys([inputs])
    # One owner's files alone take the one key, as a single council's always have.
    assert load_keys([inputs / KIRKLEES]).by_owner == {KIRKLEES: KEYS[KIRKLEES].encode()}


def test_a_folder_named_by_a_code_outside_the_area_is_a_plain_error(env, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY_DIR", str(_write_keys(tmp_path / "keys", KEYS)))
    stray = _write_inputs(tmp_path / "in")
    (stray / KIRKLEES).rename(stray / "E08000021")  # Newcastle: not a West Yorkshire council
    assert pipelines_main(["build", "--input", str(stray), "--db", str(tmp_path / "x.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "E08000021/missing_episodes.csv: the folder E08000021 is named like an ONS council code" in err
    assert "Traceback" not in err and not (tmp_path / "x.duckdb").exists()

