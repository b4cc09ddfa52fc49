"""The settings file is read into typed settings, and a bad one is refused in words naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from settings_files import settings_text, use_settings

from contextmap import settings
from contextmap.settings import ROOT, SettingsError


def test_the_shipped_file_loads_typed():
    config = settings._load(ROOT / "contextmap.toml")
    assert config.privacy.suppress_max == 5 and config.privacy.round_small_areas is False
    assert config.hotspots.near_repeat_days == (7, 14, 30, 60)
    assert config.hotspots.place_weights.rhi_mention == 1.5
    assert config.peer_groups.edge_weights.co_offending == 2.0
    # Paths resolve against the file; "" is a setting left off.
    assert config.geography.wards == ROOT / "data/geography/kirklees/wards.geojson"
    assert config.privacy.ptable is None and config.build.temp_directory is None


def test_relative_paths_resolve_against_the_file_in_force(tmp_path, monkeypatch):
    use_settings(tmp_path, monkeypatch, text=settings_text(audit__log='"logs/audit.jsonl"'))
    assert settings.current().audit.log == tmp_path / "logs" / "audit.jsonl"
    assert settings.current() is settings.current()


def _refused(tmp_path, monkeypatch, text: str) -> str:
    path = use_settings(tmp_path, monkeypatch, text=text)
    with pytest.raises(SettingsError) as refused:
        settings.current()
    assert str(path) in str(refused.value)
    return str(refused.value)


@pytest.mark.parametrize("change, words", [
    ({"privacy__suppress_max": "-1"}, "[privacy] suppress_max must be at least 0, not -1."),
    ({"privacy__suppress_max": '"5"'}, '[privacy] suppress_max must be a whole number, not "5".'),
    ({"privacy__suppress_max": "5.5"}, "[privacy] suppress_max must be a whole number, not 5.5."),
    ({"privacy__round_small_areas": '"no"'}, '[privacy] round_small_areas must be true or false, not "no".'),
    ({"hotspots__fdr_alpha": "1.5"}, "[hotspots] fdr_alpha must be more than 0 and less than 1, not 1.5."),
    ({"hotspots__near_repeat_days": "[7, 0]"}, "[hotspots] near_repeat_days (each value) must be at least 1, not 0."),
    ({"hotspots__near_repeat_days": "7"}, "[hotspots] near_repeat_days must be a list of whole numbers, not 7."),
    ({"hotspots.place_weights__offence": '"heavy"'}, '[hotspots.place_weights] offence must be a number, not "heavy".'),
    ({"peer_groups.edge_weights__missing_together": "true"},
     "[peer_groups.edge_weights] missing_together must be a number, not true."),
    ({"geography__name": '""'}, '[geography] name must be not empty, not "".'),
    ({"audit__log": '""'}, '[audit] log must name a file or folder, not "".'),
    ({"disproportionality__looked_after_10_17": "{ E08000034 = -1 }"},
     "[disproportionality] looked_after_10_17 (E08000034) must be at least 0, not -1."),
    ({"disproportionality__looked_after_10_17": '{ E08000034 = "many" }'},
     '[disproportionality] looked_after_10_17 (E08000034) must be a whole number, not "many".'),
    ({"disproportionality__looked_after_10_17": '"many"'},
     '[disproportionality] looked_after_10_17 must be a whole number, not "many".'),
])
def test_a_bad_value_is_named_with_its_section_and_key(tmp_path, monkeypatch, change, words):
    assert words in _refused(tmp_path, monkeypatch, settings_text(**change))


def test_a_missing_key_or_section_is_named(tmp_path, monkeypatch):
    text = settings_text().replace("\nsuppress_max = 5\n", "\n").replace("[hotspots.place_weights]", "[elsewhere]")
    message = _refused(tmp_path, monkeypatch, text)
    assert "[privacy] suppress_max is missing." in message
    assert "[hotspots.place_weights] is missing." in message
    # Every problem is listed at once, not one per attempt.
    assert "there is no section called [elsewhere]" in message


def test_an_unknown_key_is_named(tmp_path, monkeypatch):
    text = settings_text().replace("\nround_base = 5\n", "\nround_base = 5\nsupress_max = 3\n")
    assert "[privacy] has no setting called supress_max (a misspelling?)." in _refused(tmp_path, monkeypatch, text)


def test_a_removed_key_says_what_replaced_it(tmp_path, monkeypatch):
    text = settings_text().replace("\nemerging_alpha = ", "\nemerging_recent_months = 6\nemerging_alpha = ")
    message = _refused(tmp_path, monkeypatch, text)
    assert "[hotspots] emerging_recent_months is no longer a setting: the recent window of emerging hot spots is " \
           "now the calendar quarter so far" in message
    assert "misspelling" not in message


def test_a_file_that_is_not_toml_or_not_there_is_refused_in_words(tmp_path, monkeypatch):
    assert "is not valid TOML" in _refused(tmp_path, monkeypatch, "[privacy\n")
    monkeypatch.setenv("CONTEXTMAP_SETTINGS", str(tmp_path / "nowhere.toml"))
    with pytest.raises(SettingsError, match="does not exist"):
        settings.current()


def test_the_build_reports_a_bad_settings_file_in_words(tmp_path):
    path = tmp_path / "contextmap.toml"
    path.write_text(settings_text(privacy__suppress_max="-1"))
    env = {**os.environ, "CONTEXTMAP_SETTINGS": str(path), "CONTEXTMAP_WAREHOUSE": str(tmp_path / "warehouse")}
    run = subprocess.run([sys.executable, "-m", "pipelines", "build", "--demo"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert f"Settings file {path}" in run.stderr and "[privacy] suppress_max must be at least 0, not -1." in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert not Path(tmp_path / "warehouse" / "CURRENT").exists()
