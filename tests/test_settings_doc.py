"""Every setting is explained, and docs/settings.md is generated from contextmap.toml."""

import dataclasses
import tomllib
import typing

from contextmap.settings import ROOT, Settings
from pipelines import docs

TOML = (ROOT / "contextmap.toml").read_text()


def _flatten(table: dict, prefix: str = "") -> set[str]:
    """Every key of ``table``, as ``section.key``; a setting whose value is a table (one
    number per council) is one key."""
    names = set()
    for key, value in table.items():
        name = f"{prefix}{key}"
        names |= _flatten(value, f"{name}.") if isinstance(value, dict) and name not in _fields(Settings) else {name}
    return names


def _fields(cls: type, prefix: str = "") -> set[str]:
    """Every key the typed settings have, as ``section.key`` (``section.table.key`` for a sub-table)."""
    names = set()
    for name, kind in typing.get_type_hints(cls).items():
        names |= _fields(kind, f"{prefix}{name}.") if dataclasses.is_dataclass(kind) else {f"{prefix}{name}"}
    return names


def test_every_setting_has_help_text():
    entries = docs.settings_entries(TOML)
    assert {e["name"] for e in entries} == _flatten(tomllib.loads(TOML)) == _fields(Settings)
    undocumented = [e["name"] for e in entries if not e["help"]]
    assert not undocumented, f"add a comment above these settings in contextmap.toml: {undocumented}"


def test_settings_doc_is_up_to_date():
    expected = docs.render_settings(docs.settings_entries(TOML))
    assert docs.SETTINGS_OUT.read_text() == expected, "run `python -m pipelines.docs`"


def test_parser_takes_comment_above_key_or_section():
    entries = docs.settings_entries("# Section help\n[a]\nx = 1\n# Own help\ny = \"q\"\n")
    assert entries == [
        {"name": "a.x", "default": "1", "help": "Section help"},
        {"name": "a.y", "default": '"q"', "help": "Own help"},
    ]
