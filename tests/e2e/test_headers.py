"""The deployment example's headers: the dashboard works under its Content-Security-Policy, and
the proxy configs never expose Streamlit's metrics."""

from __future__ import annotations

import re
import urllib.request

import pytest
from driver import assert_healthy, open_page
from playwright.sync_api import Error as PlaywrightError
from test_pages import TITLES

from contextmap import auth
from contextmap.settings import ROOT
from contextmap.ui.navigation import PAGES

pytestmark = pytest.mark.e2e
DEPLOY = ROOT / "docs" / "deploy"


def _csp(path) -> str:
    return re.search(r'Content-Security-Policy "([^"]+)"', (DEPLOY / path).read_text())[1]


def test_caddy_and_nginx_send_the_same_policy_and_hide_the_metrics():
    assert _csp("Caddyfile") == _csp("nginx.conf")
    for directive in ("default-src 'self'", "frame-ancestors 'self'", "img-src 'self' data: blob:",
                      "connect-src 'self'", "object-src 'none'", "script-src 'self' 'unsafe-inline';"):
        assert directive in _csp("Caddyfile")
    assert "respond /_stcore/metrics 404" in (DEPLOY / "Caddyfile").read_text()
    assert "location = /_stcore/metrics { return 404; }" in (DEPLOY / "nginx.conf").read_text()


def test_streamlit_itself_serves_metrics_so_the_proxy_must_block_them(server):
    with urllib.request.urlopen(server + "/_stcore/metrics", timeout=10) as response:
        assert response.status == 200


# A response the test fulfils has no network address, so Chromium's local-network checks would stop
# the page it carries from opening its WebSocket to 127.0.0.1; a real proxy's responses do not.
LOCAL_CHECKS_OFF = ("--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets,"
                    "PrivateNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessForWorkers,"
                    "PrivateNetworkAccessForNavigations")


def test_every_page_kind_works_under_the_policy(browser, server):
    from conftest import CHROMIUM

    csp = _csp("Caddyfile")
    outside: list[str] = []
    violations: list[str] = []

    def with_headers(route):
        if not route.request.url.startswith(server):
            outside.append(route.request.url)
            return route.abort()
        # A loaded server can drop a request (a prefetch the test no longer needs, or a page's
        # script chunk, whose loss shows as an error on the page): try again before giving up.
        for attempt in range(3):
            try:
                response = route.fetch()
                break
            except PlaywrightError:
                if attempt == 2:
                    return route.abort()
        # The body comes back decoded: drop the encoding headers that described it on the wire.
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length")}
        route.fulfill(response=response, headers={**headers, "content-security-policy": csp})

    # A second Chromium from the session's Playwright (one Playwright per process).
    checked = browser.browser_type.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", LOCAL_CHECKS_OFF])
    context = checked.new_context(viewport={"width": 1440, "height": 1000})
    context.route("**/*", with_headers)
    page = context.new_page()
    page.base_url = server
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        for page_id in PAGES:
            role = next(r for r in auth.ROLES if page_id in auth.pages_for(r))
            open_page(page, page_id, role=role)
            assert_healthy(page)
            assert TITLES[page_id] in page.locator("h1").all_inner_texts(), f"{page_id} did not draw"
    finally:
        # Requests still in flight when the last page is done (prefetches) would fail the close.
        context.unroute_all(behavior="ignoreErrors")
        checked.close()
    assert not violations, violations[:5]
    assert not outside, outside[:5]
