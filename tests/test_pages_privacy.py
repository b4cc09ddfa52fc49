"""Every page, as each role meets it (Streamlit AppTest on the sample build, demo mode).

For each role: the pages it may see render without an exception and show no count from
1 to ``suppress_max``; the pages it may not see are not registered with ``st.navigation``
(so no URL reaches them) and, run directly, refuse on the server. Pages are discovered
from ``contextmap.ui.navigation.PAGES``, so pages added later are walked too.

How "a count" is recognised on screen (only counts are checked; ranks, rates, hours,
deciles and years legitimately take small values):

- metrics: a value that is a bare whole number ("3", "1,234"), unless the label names a
  non-count (hours, days, median, rate, share, score, rank…);
- tables: columns of display text where every cell is "c", "—" or a whole number (the
  output of ``disclosure.protect_frame``), and whole-number numeric columns, unless the
  column name names a non-count (same list, plus codes, ids, coordinates, months);
- text (markdown, captions, alerts): a whole number directly followed by a word for
  children or events ("3 children", "2 episodes"), unless preceded by "at least",
  "fewer than", "top" and the like (method notes, not figures);
- bar charts: traces whose values are all whole numbers.

Tables with an "actions" column count disruption actions (agency work, not children):
their raw numeric columns are not treated as counts of children.

The admin pages (data quality, audit log) count files, rows and log records, not
children, and are only checked for exceptions and access.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from datetime import date

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest  # noqa: E402

from contextmap import auth, builds, disclosure  # noqa: E402
from contextmap.disruption_view import HIDDEN_BAND
from contextmap.settings import ROOT
from contextmap.ui.navigation import PAGES
from contextmap.ui.reader import Session
from pipelines import warehouse  # noqa: E402

POLICY = disclosure.Policy.from_settings()
PRESENT = {pid: spec for pid, spec in PAGES.items() if (ROOT / spec[0]).exists()}
OPERATIONAL = {"data_quality", "audit"}
NON_COUNT = re.compile(
    r"rank|decile|quintile|year|hour|day|week|median|mean|average|rate|ratio|share|percent|pct|%|score|index|"
    r"lat|lon|code|_id$|^id$|ref|month|age|order|radius|window|z_?score|p_?value|rri|per_|per |change|trend",
    re.IGNORECASE,
)
COUNT_TEXT = re.compile(r"^(c|—|-|\d{1,3}(,\d{3})*)$")
WHOLE = re.compile(r"^\d{1,3}(,\d{3})*$")
NOUNS = (r"children|child|young (?:people|person)s?|episodes?|events?|offences?|interviews?|RHIs?|members?|"
         r"incidents?|reports?|people|persons?|victims?|suspects?|returns?")
IN_TEXT = re.compile(rf"(?P<before>\b\w+\s+)?(?<![\d,.\\])\b(?P<n>\d{{1,3}}(?:,\d{{3}})*)\s+(?P<noun>{NOUNS})\b", re.IGNORECASE)
QUALIFIERS = {"least", "than", "top", "of", "under", "over", "minimum", "min", "to", "every", "each", "within", "first",
              "last", "about", "or"}
PSEUDONYM = re.compile(r"\b[0-9a-f]{16}\b")


@pytest.fixture(scope="module")
def served(served_db, tmp_path_factory):
    """A warehouse serving a copy of the sample build's served file, and a scratch audit log."""
    db = served_db
    wh = tmp_path_factory.mktemp("warehouse")
    (wh / "builds").mkdir()
    shutil.copy(db, wh / "builds" / "sample.duckdb")
    warehouse.publish(wh, wh / "builds" / "sample.duckdb")
    saved = {k: os.environ.get(k) for k in ("CONTEXTMAP_WAREHOUSE", "CONTEXTMAP_AUDIT_LOG")}
    os.environ["CONTEXTMAP_WAREHOUSE"] = str(wh)
    os.environ["CONTEXTMAP_AUDIT_LOG"] = str(wh / "audit.jsonl")
    yield wh
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _start(role: str, **widgets) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["demo_role"] = role
    for key, value in widgets.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _bdata(values):
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return values if isinstance(values, list) else []


def _chart_counts(at) -> list[tuple[str, float]]:
    found = []
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        for trace in spec.get("data", []):
            if trace.get("type") != "bar":
                continue
            axis = "x" if trace.get("orientation") == "h" else "y"
            raw = _bdata(trace.get(axis))
            text = trace.get("text")
            labels = text if isinstance(text, list) and len(text) == len(raw) else [None] * len(raw)
            # A bar of no length labelled "c" stands for a hidden count (0 to suppress_max alike), not a 0.
            values = [v for v, label in zip(raw, labels) if isinstance(v, int | float) and not np.isnan(v)
                      and not (v == 0 and label == disclosure.SUPPRESSED)]
            if trace.get("meta") == HIDDEN_BAND:
                # A month with a hidden count is drawn as a band of one fixed height, never its count.
                found += [(f"hidden band at {v}", v) for v in values if v != POLICY.suppress_max]
                continue
            if values and all(float(v).is_integer() for v in values):
                found += [(f"bar chart '{trace.get('name', '')}'", v) for v in values]
    return found


def _table_counts(frame: pd.DataFrame) -> list[tuple[str, float]]:
    # A table with an "actions" column counts disruption actions (police and council work), not
    # children: its raw numeric columns are left out; its display-text counts are still checked.
    about_actions = any(str(c).lower() == "actions" for c in frame.columns)
    found = []
    for col in frame.columns:
        name = str(col)
        if NON_COUNT.search(name):
            continue
        series = frame[col].dropna()
        if series.empty:
            continue
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if numeric and about_actions:
            continue
        if pd.api.types.is_integer_dtype(series) or (
            pd.api.types.is_float_dtype(series) and (series == series.round()).all()
        ):
            found += [(f"column '{name}'", float(v)) for v in series]
        elif series.map(lambda v: isinstance(v, str)).all() and series.map(lambda v: bool(COUNT_TEXT.match(v))).all():
            found += [(f"column '{name}'", float(v.replace(",", ""))) for v in series if WHOLE.match(v)]
    return found


def _texts(at) -> list[str]:
    out = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "subheader", "header", "text"):
        out += [str(el.value) for el in getattr(at, kind)]
    return out


def visible_small_counts(at) -> list[str]:
    """Descriptions of every count from 0 to suppress_max that the page shows."""
    found = []
    for m in at.metric:
        value = str(m.value).strip()
        if WHOLE.match(value) and not NON_COUNT.search(str(m.label)):
            found.append((f"metric '{m.label}'", float(value.replace(",", ""))))
    for el in [*at.dataframe, *at.table]:
        found += _table_counts(el.value)
    for text in _texts(at):
        for hit in IN_TEXT.finditer(text):
            before = (hit["before"] or "").strip().lower()
            if before not in QUALIFIERS:
                found.append((f"text '{hit.group(0)}'", float(hit["n"].replace(",", ""))))
    found += _chart_counts(at)
    return [f"{where} shows {value:g}" for where, value in found if disclosure.is_suppressed(value, POLICY)]


def _visible_text(at) -> str:
    parts = _texts(at) + [str(m.value) for m in at.metric]
    # Floats to 6 significant figures, so the digits of -6.521739130434778 do not look like a pseudonym.
    parts += [el.value.to_csv(float_format="%.6g") for el in [*at.dataframe, *at.table]]
    return "\n".join(parts)


def _smallest_locality(wh) -> str:
    import duckdb

    con = duckdb.connect(str(builds.current_build(wh)), read_only=True)
    try:
        return con.execute("select locality from geo_locality order by children_10_17, locality limit 1").fetchone()[0]
    finally:
        con.close()


# Small numbers turn up in narrow views: also walk one quarter in the smallest locality.
VIEWS = {"default": lambda wh: {}, "quarter-smallest-locality": lambda wh: {
    "f_period": "quarter", "f_locality": _smallest_locality(wh)}}


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("role", auth.ROLES)
def test_each_role_sees_its_pages_without_small_counts(served, role, view):
    widgets = VIEWS[view](served)
    at = _start(role, **widgets)
    chosen = at.session_state["filters"]
    assert (chosen.period, chosen.locality) == (widgets.get("f_period", chosen.period),
                                                widgets.get("f_locality", chosen.locality))
    allowed = [pid for pid in auth.pages_for(role) if pid in PRESENT]
    problems = []
    for page_id in allowed:
        at.switch_page(PRESENT[page_id][0])
        at.run()
        if at.exception:
            problems.append(f"{page_id}: exception {at.exception[0].value}")
            continue
        if not at.title or at.error:
            problems.append(f"{page_id}: no title, or an error: {[e.value for e in at.error]}")
        if page_id not in OPERATIONAL:
            problems += [f"{page_id}: {leak}" for leak in visible_small_counts(at)]
        if not auth.can(role, "see_pseudonyms") and PSEUDONYM.search(_visible_text(at)):
            problems.append(f"{page_id}: shows a pseudonym to {role}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", auth.ROLES)
def test_pages_outside_the_role_are_not_registered(served, role):
    at = _start(role)
    for page_id, spec in PRESENT.items():
        if page_id in auth.pages_for(role):
            continue
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(spec[0])


@pytest.mark.parametrize(
    ("role", "page_id"),
    [(r, p) for r in auth.ROLES for p in PRESENT if p not in auth.pages_for(r)],
)
def test_pages_refuse_a_role_on_the_server(served, role, page_id):
    from contextmap.filters import Filters

    at = AppTest.from_file(str(ROOT / PRESENT[page_id][0]), default_timeout=60)
    at.session_state["session"] = Session(auth.User(f"demo-{role}", role), Filters(date(2025, 3, 1)), POLICY)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Your role does not give access to this page."]
    assert not at.title and not at.metric and not at.dataframe


def test_page_views_are_audited_with_filters(served):
    from contextmap import audit

    at = _start("strategic")
    at.switch_page(PRESENT["overview"][0])
    at.run()
    log = audit.read_log(user="demo-strategic")
    assert {"sign_in", "page_view"} <= set(log["event"])
    views = log[log["event"] == "page_view"]
    assert (views["page"] == "overview").any() and views["filters"].str.contains("locality").all()


def test_the_detector_finds_small_counts():
    """The checks above can fail: a leaked 3 in each kind of element is caught."""
    at = AppTest.from_string(
        """
import streamlit as st, pandas as pd, plotly.graph_objects as go
st.metric("Missing episodes", "3")
st.metric("Median hours to offer", "4")
st.dataframe(pd.DataFrame({"area": ["A"], "events": ["3"], "imd_decile": [2], "rank": [1]}))
st.dataframe(pd.DataFrame({"offences": [2, 40]}))
st.caption("Groups of at least 3 children. In March, 4 children went missing from here.")
st.plotly_chart(go.Figure(go.Bar(x=["Jan", "Feb"], y=[3, 12])))
"""
    )
    at.run()
    leaks = visible_small_counts(at)
    assert len(leaks) == 5, leaks
    assert not any("Median" in s or "decile" in s or "rank" in s or "at least" in s for s in leaks), leaks
