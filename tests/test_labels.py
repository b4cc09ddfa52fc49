"""One vocabulary of display labels (contextmap/labels.py): every code in the data contract and
the sample reads as words, the same way everywhere."""

import csv

from contextmap import labels
from contextmap.audit import EVENTS
from contextmap.settings import ROOT

SAMPLE = ROOT / "data" / "sample"


def _column(name: str, column: str) -> set[str]:
    with open(SAMPLE / name, encoding="utf-8-sig") as f:
        return {v for row in csv.DictReader(f) for v in row[column].replace(";", ",").split(",") if v.strip()}


def test_every_code_in_the_sample_has_a_label_of_its_own_kind():
    for kind, codes in (("category", _column("places.csv", "category")),
                        ("action", _column("disruption_actions.csv", "action_type")),
                        ("agency", _column("disruption_actions.csv", "agency")),
                        ("theme", {t.strip() for t in _column("return_home_interviews.csv", "themes")})):
        missing = {c for c in codes if c not in labels.KINDS[kind]}
        assert not missing, (kind, missing)


def test_every_audit_event_and_page_reads_as_words():
    assert all(labels.label(e, "audit_event") != e for e in EVENTS)
    assert labels.label("page_view") == "Page viewed" and labels.label("audit", "page") == "Audit log"


def test_codes_become_words_and_acronyms_stay_capitals():
    assert labels.label("LICENSED_PREMISES") == "Licensed premises"
    assert labels.label("SCHOOL", "category") == "School" and labels.label("COUNTY_LINES") == "County lines"
    assert labels.label("FAMILY_CONFLICT") == "Family conflict" and labels.label("CSE_RISK") == "CSE risk"
    assert labels.label("Leeds Road Social Club") == "Leeds Road Social Club"  # names are left alone
    assert labels.label(None) == labels.label(float("nan")) == "—"


def test_lists_dates_and_audit_filters_read_as_words():
    assert labels.joined(["COUNTY_LINES", "CSE"], "theme") == "County lines, CSE (sexual exploitation)"
    assert labels.joined([]) == "—"
    assert labels.day("2024-01-12 00:00:00") == "12 January 2024"
    text = labels.filters_text('{"month": "2026-10-01", "period": "quarter", "locality": "Huddersfield", '
                               '"sources": ["offence"], "age_bands": ["14-15"], "sexes": ["F", "M", "X", "U"], '
                               '"looked_after": "All"}')
    assert text == "Quarter ending October 2026 · Huddersfield · Offences · 14-15"
    assert "{" not in labels.filters_text({"month": "2026-10-01", "period": "month", "locality": "All"})
