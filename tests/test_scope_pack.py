"""The meeting pack at each scope of a force-wide build (issue 22): a council user's pack is
made from the Overview page (Streamlit AppTest, the force sample served in demo mode, as
tests/test_scope_pages.py) and holds their council's figures only, as its Overview, Trends
and Return home interviews pages show them.

Checked on what the page hands to the download buttons (the PDF, as text, and the HTML):
the headline figures and sentences equal the council's Overview page; its missing episodes
agree with a count made here with pandas from the council's own input file, not with the
dashboard's SQL; no other council is named, and the sections that count every council's
children are left out and say so. A force user's pack keeps every section.
"""

from __future__ import annotations

import html as html_lib
import re
import subprocess

import duckdb
import pandas as pd
import pytest

from contextmap import auth, disclosure, headline, pack_collect, queries
from contextmap.filters import Filters
from contextmap.pack_collect import COUNCIL_LEFT_OUT
from tests import test_scope_pages
from tests.test_pages_privacy import PSEUDONYM
from tests.test_scope_pages import KIRKLEES, _start
from tests.test_scope_trends_rhi import COUNCILS, NOISE, episodes_from_files

# The force build served as the dashboard opens it (a module fixture of test_scope_pages).
served = test_scope_pages.served

POLICY = disclosure.Policy()
OTHER_COUNCILS = ("Bradford", "Calderdale", "Leeds", "Wakefield")
LEFT_OUT = list(COUNCIL_LEFT_OUT)


def _make_pack(role: str, council: str | None, tmp_path) -> dict:
    """Open the Overview as ``role`` at ``council``'s scope, fill the pack form and make the
    pack; return the page and what its download buttons hand over, the PDF also as text."""
    at = _start(role, council)
    at.text_area[0].input("Monthly missing-children meeting")
    at.text_input[0].input("Strategic working group")
    next(b for b in at.button if b.label == "Make the pack").click().run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    filters, pdf, page_html = at.session_state["pack"]
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return {"at": at, "filters": filters, "html": page_html, "text": text, "flat": " ".join(text.split()),
            "images": [r for r in images.splitlines()[2:] if r.strip()]}


@pytest.fixture(scope="module")
def council_pack(served, tmp_path_factory):
    return _make_pack("analyst", KIRKLEES, tmp_path_factory.mktemp("kirklees-pack"))


@pytest.fixture(scope="module")
def force_pack(served, tmp_path_factory):
    return _make_pack("analyst", None, tmp_path_factory.mktemp("force-pack"))


def _figure_rows(page_html: str) -> dict[str, str]:
    """The pack's "Overview figures" tables: measure → "This period", read from the HTML."""
    rows = {}
    for table in re.findall(r"<table.*?</table>", page_html, re.S):
        if re.findall(r"<th>(.*?)</th>", table)[:2] != ["Measure", "This period"]:
            continue
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            cells = [html_lib.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
            rows[cells[0]] = cells[1]
    return rows


def test_a_council_users_pack_says_whose_figures_and_holds_the_councils_overview(council_pack):
    at, page_html = council_pack["at"], council_pack["html"]
    assert council_pack["filters"].scope == KIRKLEES
    cover = council_pack["text"].split("\f")[0]
    assert "ContextMap meeting pack: Kirklees — children of" in cover
    assert "Kirklees only: missing episodes and return home interviews of Kirklees's children" in " ".join(cover.split())
    assert "ContextMap meeting pack · Kirklees only ·" in council_pack["text"]  # the running footer
    # Every headline figure as the council's Overview page shows it, and no other.
    shown = {m.label: m.value for m in at.metric}
    assert _figure_rows(page_html) == shown and len(shown) == len(headline.MEASURES)
    # The same sentences as the page's "What changed".
    page_sentences = [line[2:] for m in at.markdown for line in m.value.splitlines() if line.startswith("- ")]
    pack_sentences = re.findall(r"<li>(.*?)</li>", page_html)
    for sentence in page_sentences:
        assert html_lib.escape(sentence.replace("\\", "")) in pack_sentences, sentence
    assert not PSEUDONYM.search(council_pack["text"])


def test_a_council_packs_episodes_are_its_own_childrens_by_a_recount_from_its_file(served, council_pack):
    f: Filters = council_pack["filters"]
    episodes = episodes_from_files([KIRKLEES])["episodes"]
    own = int(episodes.get(pd.Timestamp(f.month_to), 0))
    force = int(episodes_from_files(COUNCILS)["episodes"].get(pd.Timestamp(f.month_to), 0))
    shown = int(_figure_rows(council_pack["html"])["Missing episodes"].replace(",", ""))
    assert abs(shown - own) <= NOISE and force - own > 4 * NOISE, (shown, own, force)
    # The dashboard's own query at Kirklees's scope counts exactly the file's episodes.
    con = duckdb.connect(str(served), read_only=True)
    exact = queries.run(con, "overview_episodes", exact=True, **{**f.params(), "scope": KIRKLEES})
    con.close()
    assert int(exact["episodes"].sum()) == own


def test_a_council_pack_names_no_other_council_and_leaves_out_what_counts_them(council_pack):
    text, flat = council_pack["text"], council_pack["flat"]
    for name in OTHER_COUNCILS:
        assert name not in text and name not in council_pack["html"], name
    names = auth.councils()
    assert set(names.values()) - {"Kirklees"} == set(OTHER_COUNCILS)
    for heading in LEFT_OUT:
        # In place of the section, only why not: its heading then one paragraph, then the next heading.
        said = re.search(rf"<h2>{heading}</h2><p>([^<]*)</p><h2>", council_pack["html"])
        assert said and said.group(1).startswith(("Not shown at council level", "The ward map is not in a council")), \
            heading
        assert html_lib.unescape(said.group(1)) in flat
    # The two trend charts and the RHI chart; no ward map.
    assert len(council_pack["images"]) == 3, council_pack["images"]
    assert "Grey wards" not in text and "Files loaded" not in text


def test_a_council_packs_charts_each_say_whose_figures_they_hold(served):
    con = duckdb.connect(str(served), read_only=True)
    month = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    charts = pack_collect.charts(queries.bind(con, scope=KIRKLEES), Filters(month, scope=KIRKLEES), POLICY)
    force = pack_collect.charts(queries.bind(con), Filters(month), POLICY)
    con.close()
    assert len(charts) == 3 and "Map" not in charts  # two trends and the RHI chart; no ward map
    assert all(", Kirklees, " in fig.layout.title.text for fig in charts.values())
    assert "Map" in force and not any("Kirklees" in fig.layout.title.text for fig in force.values())


def test_the_overview_page_offers_a_council_user_the_pack_for_their_own_figures(council_pack):
    captions = " ".join(c.value for c in council_pack["at"].caption)
    assert "Kirklees's own figures only" in captions
    assert "not available at council level" not in captions


def test_a_force_users_pack_keeps_every_section(force_pack, council_pack):
    text, flat = force_pack["text"], force_pack["flat"]
    assert force_pack["filters"].scope == auth.WHOLE
    assert "children of" not in text.split("\f")[0] and " only ·" not in text
    assert not any(why.split(":")[0] in flat for why in COUNCIL_LEFT_OUT.values())
    assert len(force_pack["images"]) == 4  # the ward map, two trend charts and the RHI chart
    assert "Grey wards" in text and "Files loaded" in text
    # The force's own figures, larger than the council's: the council pack is not the force's.
    force_episodes = int(_figure_rows(force_pack["html"])["Missing episodes"].replace(",", ""))
    council_episodes = int(_figure_rows(council_pack["html"])["Missing episodes"].replace(",", ""))
    assert force_episodes > council_episodes + 4 * NOISE
