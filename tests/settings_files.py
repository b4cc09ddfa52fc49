"""Copies of the shipped settings file with some values changed, for tests."""

from __future__ import annotations

import re
from pathlib import Path

from contextmap.settings import ROOT


def settings_text(base: str = "contextmap.toml", **changes) -> str:
    """The shipped settings file ``base`` with ``section__key=value`` lines changed (``value`` as TOML text).

    Paths in the settings are relative to the file: they are made absolute, into the repository.
    """
    text = (ROOT / base).read_text().replace('= "data/', f'= "{ROOT}/data/')
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        head = text.index(f"[{section}]")
        line = re.compile(rf"^{key} = .*$", re.MULTILINE).search(text, head)
        text = text[: line.start()] + f"{key} = {value}" + text[line.end():]
    return text


def use_settings(tmp_path: Path, monkeypatch, text: str | None = None, **changes) -> Path:
    """Point CONTEXTMAP_SETTINGS at a copy of the settings: ``text``, or the shipped file with ``changes``."""
    path = tmp_path / "contextmap.toml"
    path.write_text(settings_text(**changes) if text is None else text)
    monkeypatch.setenv("CONTEXTMAP_SETTINGS", str(path))
    return path
