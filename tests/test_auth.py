"""Roles see exactly their pages and capabilities; sign-in needs a real account or a role mapping."""

from __future__ import annotations

import json

import pytest

from contextmap import auth
from contextmap.ui.navigation import PAGES

CHILD_LEVEL = {"groups"}  # pages that a partner (place and area level only) never sees
ADMIN_ONLY = {"data_quality", "audit"}


def test_every_page_belongs_to_some_role_and_every_role_page_exists():
    reachable = set().union(*(auth.pages_for(r) for r in auth.ROLES))
    assert reachable == set(PAGES)


def test_strategic_and_analyst_see_aggregate_pages_but_not_admin_ones():
    for role in ("strategic", "analyst"):
        pages = set(auth.pages_for(role))
        assert {"overview", "map", "groups", "disruption"} <= pages
        assert not pages & ADMIN_ONLY


def test_partner_sees_place_and_area_pages_only():
    assert set(auth.pages_for("partner")) == {"map", "places", "postcodes", "disruption"}
    assert not set(auth.pages_for("partner")) & (CHILD_LEVEL | ADMIN_ONLY)


def test_admin_sees_data_quality_and_audit():
    assert set(auth.pages_for("admin")) == {"overview", "data_quality", "audit"}


def test_only_analysts_drill_down_or_see_pseudonyms():
    for cap in ("drilldown", "see_pseudonyms"):
        assert [r for r in auth.ROLES if auth.can(r, cap)] == ["analyst"]
    assert not auth.can("admin", "export")
    with pytest.raises(ValueError, match="unknown capability"):
        auth.can("analyst", "everything")


@pytest.mark.parametrize("role", auth.ROLES)
def test_require_refuses_pages_outside_the_role(role):
    for page_id in PAGES:
        if page_id in auth.pages_for(role):
            auth.require(role, page_id)
        else:
            with pytest.raises(auth.AccessDenied):
                auth.require(role, page_id)


def test_unknown_role_gets_nothing():
    assert auth.pages_for("superuser") == []
    with pytest.raises(auth.AccessDenied):
        auth.require("superuser", "overview")


def test_role_map_by_email_then_first_matching_group(tmp_path, monkeypatch):
    path = tmp_path / "roles.toml"
    path.write_text('[emails]\n"Jo@Council.gov.uk" = "admin"\n[groups]\n"cm-analysts" = "analyst"\n"cm-all" = "strategic"\n')
    monkeypatch.setenv("CONTEXTMAP_ROLE_MAP", str(path))
    role_map = auth.load_role_map()
    assert auth.role_from_claims({"email": "jo@council.gov.uk", "groups": ["cm-all"]}, role_map) == "admin"
    assert auth.role_from_claims({"email": "x@police.uk", "groups": ["cm-all", "cm-analysts"]}, role_map) == "analyst"
    assert auth.role_from_claims({"email": "x@police.uk", "groups": "cm-all"}, role_map) == "strategic"
    assert auth.role_from_claims({"email": "x@police.uk"}, role_map) is None
    # An email the provider says is unverified does not count.
    assert auth.role_from_claims({"email": "jo@council.gov.uk", "email_verified": False}, role_map) is None


def test_role_map_rejects_unknown_roles_and_missing_file_maps_nobody(tmp_path):
    bad = tmp_path / "roles.json"
    bad.write_text(json.dumps({"groups": {"g": "root"}}))
    with pytest.raises(ValueError, match="unknown role"):
        auth.load_role_map(bad)
    empty = auth.load_role_map(tmp_path / "absent.toml")
    assert auth.role_from_claims({"email": "a@b.c", "groups": ["g"]}, empty) is None


def test_local_accounts_store_only_argon2_hashes(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    monkeypatch.setenv("CONTEXTMAP_USERS_FILE", str(path))
    assert not auth.local_users_configured()
    auth.add_user(path, "jo.analyst", "analyst", "correct horse battery")
    text = path.read_text()
    assert "correct horse battery" not in text and "$argon2id$" in text
    assert (path.stat().st_mode & 0o777) == 0o600
    assert auth.local_users_configured()
    assert auth.verify_local("jo.analyst", "correct horse battery") == auth.User("jo.analyst", "analyst")
    assert auth.verify_local("jo.analyst", "wrong password!!") is None
    assert auth.verify_local("nobody", "correct horse battery") is None
    assert auth.verify_local("jo.analyst", "") is None


def test_no_default_or_weak_password_and_file_outside_the_repo(tmp_path):
    with pytest.raises(ValueError, match="at least"):
        auth.add_user(tmp_path / "u.toml", "jo", "analyst", "short")
    with pytest.raises(ValueError, match="unknown role"):
        auth.add_user(tmp_path / "u.toml", "jo", "root", "long enough password")
    with pytest.raises(ValueError, match="outside the repository"):
        auth.add_user(auth.settings.ROOT / "data" / "users.toml", "jo", "analyst", "long enough password")
    # With no accounts file configured, nothing verifies.
    assert auth.verify_local("admin", "admin") is None


def test_cli_add_user_prompts_twice(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users.json"
    answers = iter(["a long enough pass", "a long enough pass"])
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt="": next(answers))
    assert auth.main(["--file", str(path), "add-user", "sam", "--role", "partner"]) == 0
    assert auth.verify_local("sam", "a long enough pass", path) == auth.User("sam", "partner")
    mismatched = iter(["one long password", "another password"])
    monkeypatch.setattr(auth.getpass, "getpass", lambda prompt="": next(mismatched))
    assert auth.main(["--file", str(path), "add-user", "kim", "--role", "admin"]) == 1
    assert auth.verify_local("kim", "one long password", path) is None


def test_oidc_secrets_are_never_committed():
    ignored = [line.strip() for line in (auth.settings.ROOT / ".gitignore").read_text().splitlines()]
    assert ".streamlit/secrets.toml" in ignored or "secrets.toml" in ignored
