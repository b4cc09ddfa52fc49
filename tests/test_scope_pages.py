"""What each role and scope sees on the dashboard of a force-wide build (Streamlit AppTest,
the force sample served in demo mode; a demo user's council stands for the council an
account gets at sign-in).

A council user lands on their council's Overview (its own figures, said to be so), with
no force-wide table, no meeting pack and no page not built for a council (auth.COUNCIL_PAGES);
a link naming another scope (``?scope=All``, ``?council=...``) changes nothing; a force user sees the force's figures
and every page of the role, exactly as before scopes.
"""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from contextmap import auth, disclosure, headline, queries
from contextmap.filters import Filters
from contextmap.settings import ROOT
from contextmap.ui.navigation import PAGES
from pipelines import served as served_file
from pipelines import warehouse
from tests.test_pages_privacy import PSEUDONYM, _visible_text, visible_small_counts

KIRKLEES, CALDERDALE = "E08000034", "E08000033"
POLICY = disclosure.Policy()
SETTINGS = ROOT / "contextmap-west-yorkshire.toml"


@pytest.fixture(scope="module")
def served(force_db, tmp_path_factory):
    """A warehouse serving the force build's served file, with the force's settings."""
    wh = tmp_path_factory.mktemp("warehouse-force")
    (wh / "builds").mkdir()
    saved = {k: os.environ.get(k) for k in ("CONTEXTMAP_WAREHOUSE", "CONTEXTMAP_AUDIT_LOG", "CONTEXTMAP_SETTINGS")}
    os.environ.update(CONTEXTMAP_WAREHOUSE=str(wh), CONTEXTMAP_AUDIT_LOG=str(wh / "audit.jsonl"),
                      CONTEXTMAP_SETTINGS=str(SETTINGS))
    copy = wh / "full.duckdb"
    shutil.copy(force_db, copy)
    served_file.write(copy, wh / "builds" / "force.duckdb", progress=lambda *_: None)
    warehouse.publish(wh, wh / "builds" / "force.duckdb")
    yield wh / "builds" / "force.duckdb"
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _start(role: str, council: str | None, url: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["demo_role"] = role
    at.session_state["demo_council"] = council
    for key, value in (url or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _episodes_shown(at) -> str:
    label = next(m.label for m in headline.MEASURES if m.key == "episodes")
    return next(m.value for m in at.metric if m.label == label)


def _episodes_for(db, f: Filters, scope: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    query = queries.bind(con, scope=scope)
    row = headline.headline_row(query("overview_episodes", f), query("overview_offences", f))
    con.close()
    fig = next(fig for fig in headline.figures(row, row, row, POLICY) if fig.measure.key == "episodes")
    return fig.value


@pytest.mark.parametrize("role", ["strategic", "analyst"])
def test_a_council_user_sees_their_own_councils_overview_and_council_pages_only(served, role):
    at = _start(role, KIRKLEES)
    f = at.session_state["filters"]
    assert f.scope == KIRKLEES
    assert _episodes_shown(at) == _episodes_for(served, f, KIRKLEES) != _episodes_for(served, f, auth.WHOLE)
    assert any(i.value.startswith("Kirklees only") for i in at.info)
    assert [s.value for s in at.subheader if s.value in ("Emerging hotspots", "Active peer groups",
                                                         "Places with the most activity")] == []
    assert "Kirklees's own figures only" in " ".join(c.value for c in at.caption)  # the pack's, as on the page
    assert not visible_small_counts(at) and not PSEUDONYM.search(_visible_text(at))
    for page_id, spec in PAGES.items():
        if page_id not in auth.COUNCIL_PAGES and (ROOT / spec[0]).exists():
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(spec[0])


def test_a_link_cannot_widen_a_council_users_scope(served):
    at = _start("analyst", KIRKLEES, url={"scope": "All", "council": CALDERDALE, "role": "analyst",
                                          "locality": "Calderdale"})
    f = at.session_state["filters"]
    assert f.scope == KIRKLEES and f.locality == "All"  # another council's locality is not among the choices
    assert _episodes_shown(at) == _episodes_for(served, f, KIRKLEES)
    assert "scope" not in f.to_query() and "council" not in f.to_query()


def test_a_council_user_opening_another_page_directly_is_refused(served):
    from contextmap.ui.reader import Session

    con = duckdb.connect(str(served), read_only=True)
    month = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    con.close()
    at = AppTest.from_file(str(ROOT / PAGES["data_quality"][0]), default_timeout=60)
    user = auth.User("demo-admin", "admin", KIRKLEES)
    at.session_state["session"] = Session(user, Filters(month, scope=KIRKLEES), POLICY)
    at.run()
    assert [e.value for e in at.error] == ["Your role does not give access to this page."]
    assert not at.metric and not at.dataframe


def test_a_council_partner_lands_on_their_councils_map(served):
    at = _start("partner", KIRKLEES)
    assert at.title[0].value == "Map"
    assert any(i.value.startswith("Kirklees only") for i in at.info)


@pytest.mark.parametrize("role", ["strategic", "analyst"])
def test_a_force_user_sees_the_force_wide_figures_and_every_page_of_the_role(served, role):
    at = _start(role, None)
    f = at.session_state["filters"]
    assert f.scope == auth.WHOLE
    assert _episodes_shown(at) == _episodes_for(served, f, auth.WHOLE)
    assert any(s.value == "Places with the most activity" for s in at.subheader)
    assert not any(i.value.startswith("Kirklees only") for i in at.info)
    at.switch_page(PAGES["map"][0])
    at.run()
    assert not at.exception and at.title[0].value == "Map"
