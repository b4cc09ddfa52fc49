"""A real deployment's first screen in the browser: the sign-in form and nothing else."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import streamlit_server
from driver import wait_idle
from playwright.sync_api import expect

from contextmap import auth
from pipelines import warehouse

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def signin_server(served_db, tmp_path_factory):
    """The sample's served file as a real (non-demo) build, with local accounts and no secrets.toml."""
    root = tmp_path_factory.mktemp("signin")
    (root / "wh" / "builds").mkdir(parents=True)
    db = root / "wh" / "builds" / "build.duckdb"
    shutil.copy(served_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("update build_info set is_demo = false")
    warehouse.publish(root / "wh", db)
    auth.add_user(root / "etc" / "users.toml", "jo", "strategic", "correct horse battery staple")
    (root / "home").mkdir()
    env = {"CONTEXTMAP_USERS_FILE": str(root / "etc" / "users.toml"), "HOME": str(root / "home")}
    with streamlit_server(root / "wh", root / "audit.jsonl", "server-signin.log", env) as url:
        yield url


def test_before_sign_in_no_page_is_listed_or_reachable(browser, signin_server):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    try:
        for path in ("", "audit", "places"):
            page.goto(f"{signin_server}/{path}")
            wait_idle(page)
            # A loaded CI machine can end one run and start the next more than the settle apart.
            expect(page.get_by_label("User name"), f"/{path}: no sign-in form").to_have_count(1, timeout=30_000)
            assert page.locator("[data-testid='stSidebarNav']").count() == 0, f"/{path}: the page list shows"
            assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
            assert page.locator("h1").all_inner_texts() == ["ContextMap"], f"/{path} drew a page before sign-in"
        page.get_by_label("User name").fill("jo")
        page.get_by_role("textbox", name="Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Sign in").click()
        wait_idle(page)
        expect(page.locator("h1", has_text="Places of concern"), "the deep link opens after sign-in").to_have_count(
            1, timeout=30_000)
        assert page.locator("[data-testid='stSidebarNavLink']").count() > 1
    finally:
        context.close()
