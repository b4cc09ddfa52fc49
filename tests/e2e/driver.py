"""Helpers for driving the Streamlit app in the browser: wait for a run to finish, read what
is on screen, and record how long a user waited."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from contextmap.settings import ROOT
from contextmap.ui.navigation import default_page

ARTIFACTS = ROOT / "test-artifacts"
TIMINGS = ARTIFACTS / "render-times.json"
SHOTS = ARTIFACTS / "screenshots"
PSEUDONYM = re.compile(r"\b[0-9a-f]{16}\b")


def wait_idle(page, timeout: float = 60.0, settle: float = 0.5, grace: float = 3.0) -> float:
    """Wait until the script run the last action started has finished; return seconds waited.

    Streamlit marks its root element with ``data-test-script-state``; a run is over when
    it has been ``notRunning`` for ``settle`` seconds (a page may rerun or switch pages)
    after a run was seen or ``grace`` seconds passed without one starting.
    """
    started = time.perf_counter()
    app = page.locator("[data-testid='stApp']")
    app.wait_for(timeout=timeout * 1000)
    seen_run, quiet_since = False, None
    while time.perf_counter() - started < timeout:
        state = app.get_attribute("data-test-script-state")
        now = time.perf_counter()
        if state != "notRunning":
            seen_run, quiet_since = seen_run or state != "initial", None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= settle and (seen_run or now - started > grace):
            return quiet_since - started
        time.sleep(0.05)
    raise AssertionError(f"the app was still running after {timeout} s")


def open_page(page, path: str = "", timeout: float = 60.0, **query) -> float:
    """Load ``/<path>?<query>`` in a new session and wait up to ``timeout`` seconds for it to
    finish; return the render time."""
    params = "&".join(f"{k}={v}" for k, v in query.items())
    # A role's default page lives at the root; its own path would be "page not found".
    if query.get("role") and path == default_page(query["role"]):
        path = ""
    page.goto(f"{page.base_url}/{path}" + (f"?{params}" if params else ""))
    return wait_idle(page, timeout)


def assert_healthy(page, allow_not_found: bool = False) -> None:
    """No exception box, no error alert, and no "Page not found" unless allowed."""
    if not allow_not_found:
        assert page.get_by_role("dialog").filter(has_text="Page not found").count() == 0, "Page not found"
    assert page.locator("[data-testid='stException']").count() == 0, page.locator("[data-testid='stException']").first.inner_text()
    errors = page.locator("[data-testid='stAlertContentError']")
    assert errors.count() == 0, errors.first.inner_text()


def main_text(page) -> str:
    """All text of the main area (not the sidebar), without icon names ("expand_more": an icon
    font draws them as pictures)."""
    return page.locator("[data-testid='stMain']").evaluate(
        "m => { const c = m.cloneNode(true); c.querySelectorAll('[data-testid=stIconMaterial]').forEach(i => i.remove());"
        " document.body.appendChild(c); const t = c.innerText; c.remove(); return t; }")


def metric_value(page, label: str) -> str:
    """The value shown by the ``st.metric`` with this label."""
    metric = page.locator("[data-testid='stMetric']", has_text=label).first
    return metric.locator("[data-testid='stMetricValue']").inner_text()


def record_timing(name: str, seconds: float) -> None:
    """Add a measured wait to test-artifacts/render-times.json (read by the benchmark report)."""
    ARTIFACTS.mkdir(exist_ok=True)
    data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    data[name] = round(seconds, 3)
    TIMINGS.write_text(json.dumps(data, indent=2, sort_keys=True))


def shot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot as a test artefact (``name`` may hold a folder: "1024x768/overview")."""
    path = SHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


# Sizes the pages must read well at: a common projector and a laptop.
SIZES = {"1024x768": {"width": 1024, "height": 768}, "1440x900": {"width": 1440, "height": 900}}
# Coded values as stored, which a page must show as words (contextmap/labels.py).
_SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b(?!\.\w)")  # page_view, missing_found (not file names)
_UPPER_SNAKE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")  # LICENSED_PREMISES, COUNTY_LINES
# A date drawn as a midnight datetime ("2024-01-12 00:00:00"). Times of day are real data where
# they are shown (the audit log's "When", which the grid's accessible copy writes in ISO form).
_NONE = re.compile(r"\bNone\b|\b00:00:00\b|contextmap\.toml|\[hotspots")


def raw_codes(text: str) -> list[str]:
    """Codes, "None", dates drawn as midnight datetimes and settings-file references found in ``text``."""
    from contextmap import labels

    words = {code for vocabulary in labels.VOCABULARY for code in vocabulary
             if code.isupper() and code not in labels.ACRONYMS}
    found = _SNAKE.findall(text) + _UPPER_SNAKE.findall(text) + _NONE.findall(text)
    return found + [w for w in re.findall(r"\b[A-Z]{4,}\b", text) if w in words]


def table_text(page) -> str:
    """The text of every table on the page (the grids' accessible copy of the cells they show)."""
    grids = page.locator("[data-testid='stDataFrame']")
    for grid in (grids.nth(i) for i in range(grids.count())):
        if grid.is_visible():  # a grid in a closed expander is not drawn
            grid.locator("table td").first.wait_for(state="attached", timeout=20000)
    return "\n".join(t.inner_text() for t in page.locator("[data-testid='stDataFrame'] table").all())


# For each metric card: its label, value and change as [part, text, text width, box width].
_METRIC_PARTS = """() => [...document.querySelectorAll('[data-testid=stMetric]')].flatMap(m =>
  ['stMetricLabel', 'stMetricValue', 'stMetricDelta'].map(part => {
    const md = m.querySelector(`[data-testid=${part}] [data-testid=stMarkdownContainer]`);
    if (!md) return null;
    const range = document.createRange(); range.selectNodeContents(md);
    return [part, md.innerText, range.getBoundingClientRect().width, md.getBoundingClientRect().width,
            parseFloat(getComputedStyle(md.querySelector('p') || md).fontSize)];
  }).filter(Boolean))"""


# The shown choice of each select box in the main area, when it is wider than its box (cut off).
_CUT_SELECTS = """() => [...document.querySelectorAll(
    '[data-testid=stMain] [data-testid=stSelectbox] input, [data-testid=stMain] [data-testid=stMultiSelect] input')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.value)"""


def truncated_selects(page) -> list[str]:
    """The choices shown in the main area's select boxes that do not fit their box."""
    return page.evaluate(_CUT_SELECTS)


def metric_parts(page) -> list:
    """``[part, text, text width, box width, font size]`` of each metric's label, value and change."""
    return page.evaluate(_METRIC_PARTS)


def truncated_metrics(page) -> list[str]:
    """Metric labels, values or changes whose text is wider than its box (cut off or "…")."""
    return [f"{part}: {text!r}" for part, text, inner, box, _ in metric_parts(page) if inner > box + 1]
