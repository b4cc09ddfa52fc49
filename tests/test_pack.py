"""The meeting pack: a PDF and HTML made on the sample, with its sections, images and no small counts."""

from __future__ import annotations

import re
import subprocess

import duckdb
import pytest

from contextmap import pack, queries
from contextmap.disclosure import Policy
from contextmap.filters import Filters
from contextmap.fmt import first_of_month

HEADINGS = ["What changed", "Overview figures", "How much did we do?", "How well did we do it?", "Is anyone better off?",
            "Map", "Trends", "Emerging hotspots", "Active peer groups", "Places with the most activity",
            "Return home interviews", "Disruption reviews", "Data quality", "Caveats", "Disclosure control"]
POLICY = Policy(suppress_max=5)


@pytest.fixture(scope="module")
def made(sample_db, tmp_path_factory):
    con = duckdb.connect(str(sample_db), read_only=True)
    last = first_of_month(queries.run(con, "month_range").iloc[0, 1])
    pdf, html = pack.build_pack(con, Filters(last, locality="Huddersfield"), POLICY)
    con.close()
    folder = tmp_path_factory.mktemp("pack")
    out = folder / "pack.pdf"
    out.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(out), str(folder / "page")], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    return {"pdf": pdf, "html": html, "text": text, "images": images, "info": info, "pages": text.split("\f"),
            "renders": sorted(folder.glob("page-*.pgm"))}


def _figures_part(text: str) -> str:
    """The text from "What changed" to "Data quality", without running footers and non-count numbers."""
    body = text[text.index("What changed"):text.rindex("Data quality")]
    body = "\n".join(line for line in body.splitlines() if "ContextMap meeting pack ·" not in line)
    # Not counts of children: group numbers, how many groups are too small to list (a cell that wraps),
    # the score's weights, how many disruption actions (agency work) were not judged, ...
    small_groups = r"[\d,]+\s+further\s+groups?\s+of\s+\d+\s+or"
    for pattern in (r"Group \d+", small_groups, r"[\d,]+ hours", r"\d+ days", r"[+\-−][\d,]+", r"[\d.,]+[%×]",
                    r"[\d.]+ ×", r"\d+\s+actions?"):
        body = re.sub(pattern, " ", body)
    return body


def test_pdf_has_a_few_pages_with_every_section(made):
    pages = int(re.search(r"Pages:\s+(\d+)", made["info"]).group(1))
    assert 3 <= pages <= 8
    for heading in HEADINGS:
        assert heading in made["text"], heading
    assert "Huddersfield" in made["text"]


def test_pdf_has_the_map_and_chart_images(made):
    rows = [line for line in made["images"].splitlines()[2:] if line.strip()]
    assert len(rows) >= 4  # the ward map and three trend charts
    assert all(" image " in line for line in rows)


def test_no_count_from_one_to_five_is_printed(made):
    numbers = [int(n.replace(",", "")) for n in re.findall(r"(?<![\w.,])\d[\d,]*(?![\w.,])", _figures_part(made["text"]))]
    assert numbers, "the pack should show some counts"
    assert not [n for n in numbers if 1 <= n <= 5]
    assert " c " in made["text"] or "\nc " in made["text"] or " c\n" in made["text"]
    assert "suppressed to protect children's identities" in made["text"]


def test_html_version_is_self_contained_and_has_the_same_sections(made):
    html = made["html"]
    for heading in HEADINGS:
        assert heading.replace("'", "&#x27;") in html, heading
    assert html.count("data:image/png;base64,") >= 4
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html


def _used_height(path) -> float:
    """How far down a rendered page (PGM, greyscale) its content reaches, above the footer, as a share."""
    data = path.read_bytes()
    header = data.split(b"\n", 3)
    width, height = map(int, header[1].split())
    pixels = header[3]
    rows = [pixels[y * width:(y + 1) * width] for y in range(height)]
    body = rows[: int(height * 0.93)]  # the running footer sits below this
    inked = [y for y, row in enumerate(body) if min(row) < 200]
    return (max(inked) + 1) / height if inked else 0.0


def test_no_page_but_the_last_is_mostly_blank(made):
    used = [_used_height(p) for p in made["renders"]]
    assert len(used) >= 3
    assert all(u > 0.6 for u in used[:-1]), [round(u, 2) for u in used]


def test_the_cover_gives_the_period_and_what_changed(made):
    cover = made["pages"][0]
    assert "ContextMap meeting pack: Kirklees" in cover and "Huddersfield" in cover and "What changed" in cover
    assert re.search(r"(January|February|March|April|May|June|July|August|September|October|November|December) 20\d\d",
                     cover)


def test_labels_not_codes_and_no_page_the_reader_cannot_open(made):
    text = made["text"]
    for code in ("TAKEAWAY", "LICENSED_PREMIS", "TRANSPORT_HUB", "COUNTY_LINES", "MENTAL_HEALTH", "YOUTH_SERVICE",
                 "missing_together", "co_offending", "None", "00:00:00", "contextmap.toml", "Data quality page"):
        assert code not in text, code
    assert not re.search(r"\b[A-Z]{3,}_[A-Z_]+\b", text)


def test_rhi_timeliness_is_set_against_the_national_figure_for_completed_interviews(made):
    text = " ".join(made["text"].split())
    assert re.search(r"Completed within 72 hours: (\d+%|c|—), against 63% completed within 72 hours nationally", text)


def test_places_use_a_year_and_disruption_outcomes_are_reported(made):
    text = " ".join(made["text"].split())
    assert "Events linked to each place in the year April" in text
    section = text[text.index("Disruption reviews"):text.index("Data quality")]
    assert "judged against similar places" in section


@pytest.mark.parametrize("build", ["sample", "force"])
def test_the_map_numbers_the_highest_rates_with_a_key_not_every_ward_name(build, request, monkeypatch):
    from contextmap import pack_collect, settings
    from tests.conftest import FORCE_SETTINGS

    if build == "force":  # 120 wards: every name printed piled up
        monkeypatch.setenv("CONTEXTMAP_SETTINGS", str(FORCE_SETTINGS))
    con = duckdb.connect(str(request.getfixturevalue(f"{build}_db")), read_only=True)
    query = queries.bind(con)
    last = first_of_month(queries.run(con, "month_range").iloc[0, 1])
    fig = pack_collect.ward_map_figure(query, Filters(last), POLICY, settings.current().hotspots.place_weights)
    localities = set(query("boundaries", level="locality")["name"])
    con.close()
    notes = [a.text for a in fig.layout.annotations if re.sub("</?b>", "", a.text) not in localities]
    key = next(t for t in notes if t.startswith("<b>Highest rates</b>"))
    numbers = sorted(int(re.fullmatch(r"<b>(\d+)</b>", t)[1]) for t in notes if t != key)
    assert numbers == list(range(1, pack_collect.MAP_NUMBERED + 1))
    assert [int(n) for n in re.findall(r"<b>(\d+)</b>", key)] == numbers
    assert all(a.font.size >= 13 for a in fig.layout.annotations), "legible on a printed page"
    # The caption's grey has its swatch, whether or not this map has a grey ward.
    assert any(t.name and t.name.startswith("Grey: too few events to show (c") for t in fig.data)
