"""The real Streamlit server on the sample build, driven by Debian's headless Chromium.

Every request that is not to the local server is aborted and recorded, so the suite
proves the dashboard works air-gapped. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from driver import ARTIFACTS

from contextmap.settings import ROOT
from pipelines import warehouse

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served_warehouse(served_db, tmp_path_factory) -> Path:
    """A warehouse folder whose current build is a copy of the sample build's served file."""
    wh = tmp_path_factory.mktemp("warehouse")
    (wh / "builds").mkdir()
    shutil.copy(served_db, wh / "builds" / "sample.duckdb")
    warehouse.publish(wh, wh / "builds" / "sample.duckdb")
    return wh


@pytest.fixture(scope="session")
def audit_log(served_warehouse) -> Path:
    """The audit log the test server writes."""
    return served_warehouse / "audit.jsonl"


@contextmanager
def streamlit_server(wh: Path, audit_log: Path, log_name: str = "server.log", env: dict | None = None):
    """Run ``streamlit run dashboard.py`` serving the warehouse ``wh``; yield its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run `make test`, which installs it with apt-get")
    port = _free_port()
    log_path = ARTIFACTS / log_name
    ARTIFACTS.mkdir(exist_ok=True)
    env = {**os.environ, "CONTEXTMAP_WAREHOUSE": str(wh), "CONTEXTMAP_AUDIT_LOG": str(audit_log), **(env or {})}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        else:
            proc.kill()
            pytest.fail(f"Streamlit did not start: see test-artifacts/{log_name}")
        yield url
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a loaded machine can be slow to stop Streamlit; never leave it running
            proc.kill()
            proc.wait()
    text = log_path.read_text()
    assert "Traceback" not in text, f"the server logged an exception: see test-artifacts/{log_name}"


@pytest.fixture(scope="session")
def server(served_warehouse, audit_log):
    """Start ``streamlit run dashboard.py`` on a copy of the sample build; yield its base URL."""
    with streamlit_server(served_warehouse, audit_log) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    """A fresh browser tab that may talk only to the local server."""
    blocked: list[str] = []
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)

    def guard(route):
        if route.request.url.startswith(server) or route.request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.blocked = blocked
    pg.base_url = server
    yield pg
    context.close()
    assert not blocked, f"requests left the machine: {blocked[:5]}"
