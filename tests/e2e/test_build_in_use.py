"""A rebuild and its clean-up never remove the build a live dashboard session is reading.

The server opens builds through ``contextmap.builds``, whose reader lock the builder's
clean-up (``pipelines.warehouse.clean_up``) respects. Here a real Streamlit server serves
build A to a browser session; two newer builds are published and cleaned up down to one:
A must survive while the server holds it, the session must go on working on it, and a new
session must get the newest build. Once the server stops, the same clean-up removes A.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import streamlit_server
from driver import assert_healthy, main_text, open_page, wait_idle

from contextmap import builds
from pipelines import warehouse

pytestmark = pytest.mark.e2e

# Each session here opens a build no session has read yet, so every query is cold; with a
# second worker's server and browser on the same two cores that has taken over 60 s.
COLD = 240.0


def _publish_copy(wh, served_db):
    path = warehouse.new_build_path(wh)
    shutil.copy(served_db, path)
    warehouse.publish(wh, path)
    return path


def test_a_rebuild_never_removes_the_build_a_session_is_reading(browser, served_db, tmp_path):
    wh = tmp_path / "warehouse"
    first = _publish_copy(wh, served_db)
    with streamlit_server(wh, tmp_path / "audit.jsonl", log_name="build-in-use.log") as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
        page = context.new_page()
        page.base_url = url
        open_page(page, "", COLD, role="strategic")
        assert_healthy(page)
        assert "Missing episodes" in main_text(page)

        newer = [_publish_copy(wh, served_db) for _ in range(2)]
        removed = warehouse.clean_up(wh, keep=1)
        assert first.exists() and first not in removed, "clean-up removed the build a session is reading"
        assert newer[0] in removed, "clean-up should still remove builds nobody reads"
        assert builds.current_build(wh) == newer[1]

        # The session carries on with its build; a new session opens the newest one.
        page.locator("[data-testid='stSidebar']").get_by_role("radio", name="Quarter", exact=True).click()
        wait_idle(page, COLD)
        assert_healthy(page)
        fresh = context.new_page()
        fresh.base_url = url
        open_page(fresh, "", COLD, role="strategic")
        assert_healthy(fresh)
        context.close()
    assert first in warehouse.clean_up(wh, keep=1), "once no session reads it, the old build goes"
