"""Pseudonyms: the SQL and Python versions agree, and the key rules protect real data."""

import base64
import csv
import hashlib
import hmac
import random
import shutil

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contextmap import auth
from pipelines import coverage
from pipelines import pseudonym as ps
from pipelines.__main__ import main as pipelines_main

SAMPLE = ps.ROOT / "data" / "sample"
KIRKLEES = "E08000034"  # contextmap.toml's la_code: the one owner of a single-council build


def _key(inputs, demo=False) -> bytes:
    """The key of a single-council build's one owner (as before several owners)."""
    keys = ps.load_keys(inputs, demo=demo)
    assert list(keys.by_owner) == [KIRKLEES] and keys.is_demo == (keys.key(KIRKLEES) == ps.DEMO_KEY)
    return keys.key(KIRKLEES)


def test_pseudonym_is_hmac_sha256_of_the_trimmed_id():
    key = b"k" * 32
    assert ps.pseudonym(key, "  LL-0012345 ") == hmac.new(key, b"LL-0012345", hashlib.sha256).hexdigest()[:16]
    assert ps.key_for(key, "missing_episodes", "ME-1 ") == ps.pseudonym(key, "missing_episodes:ME-1")


IDS = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(key=st.binary(min_size=16, max_size=100), core=IDS, pad=st.sampled_from(["", " ", "\t ", "  \r\n"]))
def test_sql_pseudonym_matches_python(key, core, pad):
    from pipelines.ingest import sqlparts

    con = duckdb.connect()
    sqlparts.install(con)
    value = pad + core + pad
    sql = f"select {ps.sql_expr('cm_s($v)')}, {ps.sql_expr('cm_s($v)', 'offences')}"
    # Bound parameters: the key never appears in SQL text.
    got = con.execute(sql, {"v": value, **ps.sql_params(key)}).fetchone()
    assert got == (ps.pseudonym(key, value), ps.key_for(key, "offences", value))


GOOD_KEY = "5b0f3c9e21d84a7f96c0e1b2d3a4f5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c"


@pytest.fixture()
def no_key(monkeypatch):
    for name in ("CONTEXTMAP_PSEUDONYM_KEY", "CONTEXTMAP_PSEUDONYM_KEY_FILE", "CONTEXTMAP_PSEUDONYM_KEY_DIR",
                 "CONTEXTMAP_USERS_FILE", "CONTEXTMAP_ROLE_MAP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(auth, "oidc_configured", lambda: False)


def test_the_shipped_sample_alone_gets_the_demo_key(tmp_path, no_key):
    copy = tmp_path / "sample"
    shutil.copytree(SAMPLE, copy)
    assert _key([SAMPLE]) == ps.DEMO_KEY
    assert _key([copy]) == ps.DEMO_KEY  # the same synthetic files wherever they are


def test_a_sample_folder_with_one_real_file_needs_a_real_key(tmp_path, no_key, capsys):
    # The marker file and the rest of the sample are still there: only the content counts.
    copy = tmp_path / "exports"
    shutil.copytree(SAMPLE, copy)
    (copy / "places.csv").write_text("place_id,name,category,postcode\nP1,Real Café,TAKEAWAY,HD1 2TG\n")
    assert (copy / "ground_truth.json").exists()
    with pytest.raises(PermissionError, match="not the shipped synthetic sample"):
        _key([copy])
    # The command line says so in words and builds nothing.
    assert pipelines_main(["build", "--input", str(copy), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "pseudonymisation key is needed" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


def test_an_explicit_demo_build_never_combines_with_a_real_key_or_sign_in(tmp_path, no_key, monkeypatch):
    other = tmp_path / "synthetic"
    other.mkdir()
    assert _key([other], demo=True) == ps.DEMO_KEY
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY", GOOD_KEY)
    with pytest.raises(PermissionError, match="cannot be combined with a real key"):
        _key([other], demo=True)
    monkeypatch.delenv("CONTEXTMAP_PSEUDONYM_KEY")
    monkeypatch.setenv("CONTEXTMAP_USERS_FILE", str(tmp_path / "users.toml"))
    with pytest.raises(PermissionError, match="sign-in is configured"):
        _key([other], demo=True)


def test_the_demo_key_is_never_accepted_as_a_real_key(tmp_path, no_key, monkeypatch):
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY", ps.DEMO_KEY.decode())
    with pytest.raises(PermissionError, match="demo key"):
        _key([tmp_path])


def test_the_sample_manifest_matches_the_shipped_files():
    from pipelines.sample import DATA_FILES

    listed = dict(reversed(line.split()) for line in ps.SAMPLE_MANIFEST.read_text().splitlines())
    assert set(listed) == set(DATA_FILES)
    for name, digest in listed.items():
        assert hashlib.sha256((SAMPLE / name).read_bytes()).hexdigest() == digest, \
            f"data/sample/{name} changed: regenerate with python -m pipelines sample --seed 7 --out data/sample"


def test_key_from_environment_or_secrets_file(tmp_path, no_key, monkeypatch):
    secret = tmp_path / "key.txt"
    secret.write_text(GOOD_KEY + "\n")
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY_FILE", str(secret))
    assert _key([tmp_path]) == GOOD_KEY.encode()
    b64 = base64.b64encode(bytes.fromhex(GOOD_KEY)).decode()
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY", b64)
    assert _key([tmp_path]) == b64.encode()


@pytest.mark.parametrize("key, reason", [
    ("a-long-organisation-secret-0123456789", "too short"),
    ("our organisation's secret key, kept safe!", "hex or base64"),
    ("0123456789abcdef0123456789abcdef", "too short"),
    ("a" * 64, "does not look random"),
    ("deadbeef" * 8, "does not look random"),
    ("0123456789abcdef" * 4, "does not look random"),
    ("passwordpasswordpasswordpasswordpassword1234", "does not look random"),
    ("correcthorsebatterystapleCorrectHorseBatteryStaple", "does not look random"),
    ("kirklees2024secretkeyforcontextmapdashboard1", "does not look random"),
])
def test_weak_keys_are_refused_in_plain_words(tmp_path, no_key, monkeypatch, key, reason):
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY", key)
    with pytest.raises(PermissionError, match=reason) as info:
        _key([tmp_path])
    assert "secrets.token_hex(32)" in str(info.value)


def test_random_keys_pass():
    rng = random.Random(7)  # seeded: about one random base64 key in 10,000 reads as words and is refused
    for _ in range(500):
        raw = rng.randbytes(32)
        ps.check_key(raw.hex().encode())
        ps.check_key(base64.b64encode(raw))


def test_fingerprint_does_not_reveal_the_key():
    key = b"organisation-secret-key-123456"
    assert key.hex()[:12] not in ps.fingerprint(key) and len(ps.fingerprint(key)) == 12


def test_the_single_council_sample_keeps_one_owner_and_the_demo_key(sample_con):
    """The shipped Kirklees sample: every pseudonym is the demo key's, as before owners had keys."""
    ids = set()
    for name in ("missing_episodes.csv", "offences.csv"):
        with open(SAMPLE / name, newline="", encoding="utf-8-sig") as fh:
            ids |= {row["person_id"].strip() for row in csv.DictReader(fh) if row["person_id"].strip()}
    built = {p for (p,) in sample_con.execute(
        "select person_key from stg_missing_episodes union select person_key from stg_offences "
        "where person_key is not null").fetchall()}
    assert built == {ps.pseudonym(ps.DEMO_KEY, p) for p in ids}
    owners = sample_con.execute("""select distinct owner_code from stg_missing_episodes
        union select owner_code from stg_return_home_interviews union select owner_code from stg_offences""").fetchall()
    assert owners == [(KIRKLEES,)]
    assert coverage.owner_notes(sample_con) == []
    # One key links offences to episodes, so every offender's care status is known.
    assert sample_con.execute("select count(*) from mart_rri_items where is_looked_after is null").fetchone() == (0,)
