"""Imports only go down the layers: the dashboard (pages, dashboard.py) and the shared
library (contextmap) never import the builder (pipelines), which may use the library."""

from __future__ import annotations

import ast

import pytest

from contextmap.settings import ROOT

UPPER = [*(ROOT / "contextmap").glob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py"]


def _imports(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", UPPER, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_dashboard_and_the_library_never_import_the_builder(path):
    assert "pipelines" not in _imports(path)


def test_the_check_sees_imports():
    assert "pipelines" in _imports(ROOT / "pipelines" / "build.py") and len(UPPER) > 20
