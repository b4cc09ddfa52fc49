"""Every dependency is pinned exactly, so what was audited is what is installed."""

from __future__ import annotations

import re
from importlib import metadata

from contextmap.settings import ROOT

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9][A-Za-z0-9.+!_-]*)$")


def _requirements() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_line_is_name_equals_equals_version():
    bad = [line for line in _requirements() if not PIN.match(line)]
    assert not bad, f"pin these exactly as name==version (no ranges, URLs, extras or -r/-e): {bad}"


def test_no_package_is_listed_twice():
    names = [_normal(PIN.match(line)["name"]) for line in _requirements() if PIN.match(line)]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_installed_versions_match_the_pins():
    wrong = []
    for line in _requirements():
        m = PIN.match(line)
        try:
            installed = metadata.version(m["name"])
        except metadata.PackageNotFoundError:
            wrong.append(f"{m['name']} not installed")
            continue
        if installed != m["version"]:
            wrong.append(f"{m['name']}: pinned {m['version']}, installed {installed}")
    assert not wrong, wrong
