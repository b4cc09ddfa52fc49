"""Pseudonyms: the SQL and Python versions agree, and the key rules protect real data."""

import hashlib
import hmac

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from pipelines import pseudonym as ps


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


def test_demo_key_only_for_the_synthetic_sample(tmp_path, monkeypatch):
    monkeypatch.delenv("CONTEXTMAP_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("CONTEXTMAP_PSEUDONYM_KEY_FILE", raising=False)
    sample = tmp_path / "sample"
    sample.mkdir()
    (sample / ps.SAMPLE_MARKER).write_text("{}")
    real = tmp_path / "real"
    real.mkdir()
    assert ps.load_key([sample]) == ps.DEMO_KEY
    with pytest.raises(PermissionError, match="pseudonymisation key"):
        ps.load_key([real])
    with pytest.raises(PermissionError):
        ps.load_key([sample, real])
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY", ps.DEMO_KEY.decode())
    with pytest.raises(PermissionError, match="demo key"):
        ps.load_key([real])


def test_key_from_environment_or_secrets_file(tmp_path, monkeypatch):
    monkeypatch.delenv("CONTEXTMAP_PSEUDONYM_KEY", raising=False)
    secret = tmp_path / "key.txt"
    secret.write_text("a-long-organisation-secret-0123456789\n")
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY_FILE", str(secret))
    assert ps.load_key([tmp_path]) == b"a-long-organisation-secret-0123456789"
    monkeypatch.setenv("CONTEXTMAP_PSEUDONYM_KEY", "short")
    with pytest.raises(PermissionError, match="too short"):
        ps.load_key([tmp_path])


def test_fingerprint_does_not_reveal_the_key():
    key = b"organisation-secret-key-123456"
    assert key.hex()[:12] not in ps.fingerprint(key) and len(ps.fingerprint(key)) == 12
