"""The audit log records each kind of event, holds no child-level data and cannot be rewritten by the app."""

from __future__ import annotations

import builtins
import hashlib
import inspect
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from contextmap import audit
from contextmap.settings import ROOT

FILTERS = {"month": "2025-03-01", "period": "quarter", "locality": "Dewsbury"}


@pytest.fixture()
def log(tmp_path, monkeypatch):
    path = tmp_path / "audit" / "audit.jsonl"
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(path))
    monkeypatch.setenv("CONTEXTMAP_AUDIT_ANCHOR", str(tmp_path / "anchor" / "checkpoints.jsonl"))
    key = tmp_path / "admin" / "audit.key"
    key.parent.mkdir()
    key.write_text("9f4c2e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e\n")
    monkeypatch.setenv("CONTEXTMAP_AUDIT_KEY_FILE", str(key))
    return path


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_event_is_one_json_line_with_who_when_what(log):
    audit.record_sign_in("jo", "analyst", "local")
    audit.record_page_view("jo", "analyst", "map", FILTERS)
    audit.record_drilldown("jo", "analyst", "groups", "Group members", "Strategy meeting 12 March", FILTERS)
    audit.record_export("jo", "analyst", "places", "Top places", 10, "Licensing review", "Kirklees licensing", FILTERS)
    recs = _lines(log)
    assert [r["event"] for r in recs] == ["sign_in", "page_view", "drilldown", "export"]
    assert all(r["user"] == "jo" and r["role"] == "analyst" for r in recs)
    assert recs[1]["page"] == "map" and recs[1]["filters"]["locality"] == "Dewsbury"
    assert recs[2]["justification"] == "Strategy meeting 12 March"
    assert recs[3]["recipient"] == "Kirklees licensing" and recs[3]["rows"] == 10 and recs[3]["what"] == "Top places"
    stamp = datetime.fromisoformat(recs[0]["time"].replace("Z", "+00:00"))
    assert stamp.tzinfo is not None and abs(datetime.now(UTC) - stamp) < timedelta(minutes=5)


def test_exports_and_drilldowns_without_a_reason_are_refused_and_not_written(log):
    with pytest.raises(audit.ExportRefused):
        audit.record_export("jo", "analyst", "places", "Top places", 10, "   ", "Licensing", FILTERS)
    with pytest.raises(audit.ExportRefused):
        audit.record_export("jo", "analyst", "places", "Top places", 10, "Review", "", FILTERS)
    with pytest.raises(audit.JustificationRequired):
        audit.record_drilldown("jo", "analyst", "groups", "Members", "", FILTERS)
    assert not log.exists()


def test_no_pseudonyms_or_control_characters_are_stored(log):
    audit.record_drilldown("jo", "analyst", "groups", "Members", "follow up 3fa85f6457174562\nnew line", FILTERS)
    text = log.read_text()
    assert "3fa85f6457174562" not in text
    assert len(text.splitlines()) == 1


def test_the_log_is_only_ever_opened_for_appending(log, monkeypatch):
    modes = []
    real_open = builtins.open

    def spy(file, mode="r", *args, **kwargs):
        if str(file) == str(log):
            modes.append(mode)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    audit.record_sign_in("jo", "admin", "local")
    audit.record_page_view("jo", "admin", "audit", {})
    audit.read_log()
    audit.verify()
    writes = [m for m in modes if set(m) & set("wax+")]
    assert writes and set(writes) == {"a"}, modes


def test_the_dashboard_cannot_rewrite_the_log():
    # The module's public API appends or reads; only the admin command prunes.
    public = {n for n, f in inspect.getmembers(audit, inspect.isfunction) if f.__module__ == audit.__name__
              and not n.startswith("_")}
    assert public == {"log_path", "anchor_path", "load_key", "retention_days", "record_sign_in", "record_page_view",
                      "record_drilldown", "record_export", "read_log", "verify", "checkpoint", "prune", "main"}
    for path in [ROOT / "dashboard.py", *ROOT.glob("pages/*.py"), *ROOT.glob("contextmap/**/*.py")]:
        if path.name == "audit.py":
            continue
        text = path.read_text()
        assert not re.search(r"audit\.(prune|main|_append|checkpoint|load_key)\b", text), \
            f"{path.name} may rewrite the audit log or read its key"
        assert "audit.jsonl" not in text, f"{path.name} opens the audit log directly"


def test_read_log_filters_and_chain_detects_tampering(log):
    audit.record_sign_in("jo", "analyst", "local")
    audit.record_page_view("sam", "partner", "map", FILTERS)
    audit.record_page_view("jo", "analyst", "overview", FILTERS)
    assert audit.read_log(user="jo")["event"].tolist() == ["page_view", "sign_in"]
    assert audit.read_log(event="page_view")["user"].tolist() == ["jo", "sam"]
    assert audit.read_log(since=date.today() + timedelta(days=1)).empty
    assert audit.verify().ok
    lines = log.read_text().splitlines()
    lines[1] = lines[1].replace('"sam"', '"someone-else"')
    log.write_text("\n".join(lines) + "\n")
    assert "Line 3 does not follow line 2" in audit.verify().report()


def test_prune_keeps_recent_records_and_notes_what_it_removed(log):
    old = {"time": "2015-01-01T00:00:00Z", "user": "x", "role": "admin", "event": "sign_in", "page": None,
           "filters": {}, "method": "local", "prev": audit.GENESIS}
    log.parent.mkdir(parents=True)
    log.write_text(json.dumps(old) + "\n")
    audit.record_sign_in("jo", "analyst", "local")
    audit.record_page_view("jo", "analyst", "map", FILTERS)
    assert audit.prune(days=365) == 1
    recs = _lines(log)
    assert [r["event"] for r in recs] == ["sign_in", "page_view", "prune"]
    assert recs[-1]["rows"] == 1
    assert audit.verify(key=audit.load_key()).ok
    assert audit.main(["verify"]) == 0


def test_log_lives_outside_the_served_database_and_is_gitignored(monkeypatch):
    monkeypatch.delenv("CONTEXTMAP_AUDIT_LOG", raising=False)
    path = audit.log_path()
    assert path.suffix == ".jsonl" and "warehouse" not in path.parts
    rel = path.resolve().relative_to(ROOT)
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert any(str(rel).startswith(line.strip("/")) for line in ignored if line.strip())
    assert audit.retention_days() > 0


def _widgets_app():
    from datetime import date

    import pandas as pd
    import streamlit as st

    from contextmap import auth, disclosure
    from contextmap.filters import Filters
    from contextmap.ui import gates, reader

    s = reader.Session(auth.User("jo", st.session_state.get("role", "analyst")), Filters(date(2025, 3, 1)),
                       disclosure.Policy())
    gates.export_button(s, pd.DataFrame({"place": ["A", "B"], "events": [3, 40]}), "Top places", "places", ["events"])
    if gates.drilldown_gate(s, "groups", "Group members"):
        st.write("PSEUDONYMISED ROWS")


def test_export_and_drilldown_widgets_refuse_blank_reasons_and_log_the_rest(log):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_widgets_app, default_timeout=30)
    at.run()
    prepare, show = at.button
    prepare.click().run()
    assert "An export needs a justification" in at.error[0].value
    assert not at.get("download_button") and not log.exists()
    at.text_area[0].input("Licensing review")
    at.text_input[0].input("Kirklees licensing")
    at.button[0].click().run()
    assert at.get("download_button"), "no download offered after a justified export"
    assert "PSEUDONYMISED ROWS" not in [m.value for m in at.markdown]
    at.button[1].click().run()
    assert "PSEUDONYMISED ROWS" not in [m.value for m in at.markdown]
    at.text_input[1].input("Strategy meeting, 12 March")
    at.button[1].click().run()
    assert "PSEUDONYMISED ROWS" in [m.value for m in at.markdown]
    recs = _lines(log)
    assert [(r["event"], r.get("justification")) for r in recs] == [
        ("export", "Licensing review"), ("drilldown", "Strategy meeting, 12 March")]
    assert recs[0]["recipient"] == "Kirklees licensing" and recs[0]["rows"] == 2


@pytest.mark.parametrize("role", ["strategic", "partner", "admin"])
def test_only_analysts_get_the_drilldown_form(log, role):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_widgets_app, default_timeout=30)
    at.session_state["role"] = role
    at.run()
    labels = [b.label for b in at.button]
    assert "Show records" not in labels
    assert ("Prepare download" in labels) == (role != "admin")


def _tamper_cases():
    """The nine ways an insider with write access to the file might hide a record."""
    def edit(lines, i):
        rec = json.loads(lines[i])
        rec["user"] = "someone-else"
        lines[i] = json.dumps(rec)
        return lines

    def rehash(lines, start):
        for i in range(max(start, 1), len(lines)):
            rec = json.loads(lines[i])
            rec["prev"] = hashlib.sha256(lines[i - 1].encode()).hexdigest()
            lines[i] = json.dumps(rec, ensure_ascii=False)
        return lines

    return {
        "edit a middle record": lambda ls: edit(ls, 3),
        "delete a middle record": lambda ls: ls[:3] + ls[4:],
        "edit the last record": lambda ls: edit(ls, len(ls) - 1),
        "delete the last records": lambda ls: ls[:-2],
        "delete the first records": lambda ls: rehash(ls[2:], 0),
        "edit a middle record and re-hash the rest": lambda ls: rehash(edit(ls, 3), 4),
        "delete a middle record and re-hash the rest": lambda ls: rehash(ls[:3] + ls[4:], 3),
        "a line that is not JSON": lambda ls: ls[:2] + ["{not json"] + ls[2:],
        "a blank line": lambda ls: ls[:2] + [""] + ls[2:],
    }


@pytest.mark.parametrize("case", list(_tamper_cases()))
def test_every_kind_of_tampering_is_found_and_named_by_line_without_a_traceback(log, case, capsys):
    for i in range(6):
        audit.record_page_view(f"user{i}", "analyst", "map", FILTERS)
    audit.checkpoint(audit.load_key())
    assert audit.main(["verify"]) == 0
    capsys.readouterr()
    lines = log.read_text().splitlines()
    log.write_text("\n".join(_tamper_cases()[case](lines)) + "\n")
    assert audit.main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "altered" in out and re.search(r"line \d+", out, re.IGNORECASE), out
    assert "Traceback" not in out
    audit.read_log()  # the Audit page still reads what it can


def test_a_forged_checkpoint_file_is_found_with_the_key(log, tmp_path):
    for i in range(3):
        audit.record_page_view(f"user{i}", "analyst", "map", FILTERS)
    key = audit.load_key()
    audit.checkpoint(key)
    lines = log.read_text().splitlines()[:-1]
    log.write_text("\n".join(lines) + "\n")
    # Someone without the key rewrites the checkpoint to match the shortened log.
    audit.anchor_path().unlink()
    audit.checkpoint(b"x" * 64)
    assert audit.verify().ok  # without the key a matching checkpoint looks fine...
    assert not audit.verify(key=key).ok  # ...the administrator's check is not fooled


def test_a_checkpoint_never_blesses_a_tampered_log(log):
    for i in range(3):
        audit.record_page_view(f"user{i}", "analyst", "map", FILTERS)
    log.write_text(log.read_text().replace("user1", "userX"))
    with pytest.raises(ValueError, match="altered"):
        audit.checkpoint(audit.load_key())
