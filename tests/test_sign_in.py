"""Sign-in as a real deployment meets it: local accounts with no secrets.toml, nothing shown
before sign-in, failed attempts slowed and locked out without logging what was typed, and a
demo build refused where sign-in is configured."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from contextmap import auth
from contextmap.settings import ROOT
from pipelines import warehouse

PASSWORD = "correct horse battery staple"


def _warehouse(served_db, root, demo: bool):
    wh = root / "wh"
    (wh / "builds").mkdir(parents=True)
    db = wh / "builds" / "build.duckdb"
    shutil.copy(served_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("update build_info set is_demo = ?", [demo])
    warehouse.publish(wh, db)
    return wh


@pytest.fixture()
def deployment(served_db, tmp_path, monkeypatch):
    """A real (non-demo) build, one local account, and no secrets.toml anywhere."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("CONTEXTMAP_ROLE_MAP",):
        monkeypatch.delenv(name, raising=False)
    users = tmp_path / "etc" / "users.toml"
    auth.add_user(users, "jo", "analyst", PASSWORD)
    monkeypatch.setenv("CONTEXTMAP_USERS_FILE", str(users))
    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(_warehouse(served_db, tmp_path, demo=False)))
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(log))
    monkeypatch.setattr(auth, "THROTTLE", auth.SignInThrottle())
    monkeypatch.setattr(auth, "MAX_DELAY_SECONDS", 0.0)
    return log


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_before_sign_in_only_the_form_is_drawn(deployment):
    at = _app()
    assert [t.value for t in at.title] == ["ContextMap"]
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert len(at.sidebar.children) == 0, "the sidebar (filters, page list) must stay empty before sign-in"
    assert not at.dataframe and not at.metric and not at.markdown


def test_local_accounts_sign_in_without_any_secrets_file(deployment):
    at = _sign_in(_app(), "jo", PASSWORD)
    assert "Overview" in [t.value for t in at.title]
    records = [json.loads(line) for line in deployment.read_text().splitlines()]
    assert {"event": "sign_in", "user": "jo", "method": "local"}.items() <= records[0].items()


def test_failed_sign_ins_lock_the_name_and_never_log_what_was_typed(deployment):
    at = _app()
    for attempt in range(auth.MAX_FAILURES):
        _sign_in(at, "jo", f"guess-{attempt}-hunter2")
        assert "not recognised" in at.error[0].value
    _sign_in(at, "jo", PASSWORD)  # even the right password waits out the lockout
    assert "Too many failed sign-ins" in at.error[0].value
    assert "Overview" not in [t.value for t in at.title]
    _sign_in(at, "Jane Doe 9434765919", "my-password-typed-in-the-wrong-box")
    text = deployment.read_text()
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["method"] for r in records] == ["local-failed"] * auth.MAX_FAILURES + ["local-locked", "local-failed"]
    assert "hunter2" not in text and "wrong-box" not in text and "Jane Doe" not in text and "9434765919" not in text
    assert records[-1]["user"].startswith("(unknown user, ref ")


def test_the_delay_grows_and_the_lockout_ends():
    now = [1000.0]
    throttle = auth.SignInThrottle(clock=lambda: now[0])
    delays = [throttle.failed("jo") for _ in range(auth.MAX_FAILURES)]
    assert delays == sorted(delays) and delays[0] >= 1 and delays[-1] <= auth.MAX_DELAY_SECONDS
    assert throttle.locked_for("JO ") > 0  # names are matched as people type them
    assert throttle.locked_for("sam") == 0
    now[0] += auth.LOCKOUT_SECONDS + 1
    assert throttle.locked_for("jo") == 0
    throttle.failed("jo")
    assert throttle.locked_for("jo") == 0  # counting starts again


def test_a_demo_build_is_refused_where_sign_in_is_configured(served_db, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    users = tmp_path / "etc" / "users.toml"
    auth.add_user(users, "jo", "analyst", PASSWORD)
    monkeypatch.setenv("CONTEXTMAP_USERS_FILE", str(users))
    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(_warehouse(served_db, tmp_path, demo=True)))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = _app()
    assert "demo build" in at.error[0].value and "will not be served" in at.error[0].value
    assert not at.selectbox, "no role picker"
    assert not at.text_input, "no way in"


def test_a_demo_build_is_refused_where_openid_connect_is_configured(served_db, tmp_path, monkeypatch):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "https://x/oauth2callback"\n')
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CONTEXTMAP_USERS_FILE", raising=False)
    monkeypatch.delenv("CONTEXTMAP_ROLE_MAP", raising=False)
    monkeypatch.setenv("CONTEXTMAP_WAREHOUSE", str(_warehouse(served_db, tmp_path, demo=True)))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    at = _app()
    assert "will not be served" in at.error[0].value
    assert not at.selectbox
