"""Every dependency is pinned exactly, so what was audited is what is installed; test-only
packages stay out of what a deployment installs."""

from __future__ import annotations

import re
from importlib import metadata

from contextmap.settings import ROOT

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9][A-Za-z0-9.+!_-]*)$")


FILES = ("requirements.txt", "requirements-dev.txt")
# Packages only the tests use: never installed by `make run` or a deployment.
TEST_ONLY = {"pytest", "pytest-xdist", "hypothesis", "playwright", "execnet", "iniconfig", "pluggy"}


def _requirements(*files: str) -> list[str]:
    lines = [line for name in files or FILES for line in (ROOT / name).read_text().splitlines()]
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _pinned(name: str) -> set[str]:
    return {_normal(PIN.match(line)["name"]) for line in _requirements(name) if PIN.match(line)}


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


def test_test_only_packages_are_kept_out_of_the_runtime_requirements():
    runtime, dev = _pinned("requirements.txt"), _pinned("requirements-dev.txt")
    assert not runtime & TEST_ONLY, f"move to requirements-dev.txt: {sorted(runtime & TEST_ONLY)}"
    assert TEST_ONLY <= dev
    assert not runtime & dev, f"listed in both files: {sorted(runtime & dev)}"


def test_the_runtime_requirements_are_complete_on_their_own():
    """Everything a runtime package needs is pinned in requirements.txt, so `make run` needs nothing else."""
    from packaging.requirements import Requirement

    runtime = _pinned("requirements.txt")
    missing = set()
    for name in runtime:
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                if _normal(req.name) not in runtime:
                    missing.add(f"{name} needs {req.name}")
    assert not missing, sorted(missing)


def test_make_run_installs_only_the_runtime_requirements_and_make_test_both():
    makefile = (ROOT / "Makefile").read_text()
    runtime_rule = makefile.split(".venv/.installed:", 1)[1].split("\n\n", 1)[0]
    assert "requirements.txt" in runtime_rule and "requirements-dev.txt" not in runtime_rule
    assert "requirements-dev.txt" in makefile.split(".venv/.installed-dev:", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^run: build$", makefile, re.M) and re.search(r"^build: setup$", makefile, re.M)
    assert re.search(r"^test: setup-dev ", makefile, re.M)
