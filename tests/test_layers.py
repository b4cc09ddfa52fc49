"""Imports only go down the layers: the dashboard (pages, dashboard.py) and the shared
library (contextmap) never import the builder (pipelines), which may use the library; and
only the dashboard's Streamlit layer (``contextmap/ui/``, ``dashboard.py``, ``pages/``)
imports Streamlit, so the rest of the library runs and is tested without it."""

from __future__ import annotations

import ast

import pytest

from contextmap.settings import ROOT

UPPER = [*(ROOT / "contextmap").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py"]
STREAMLIT = {"streamlit", "streamlit_folium"}
# The modules allowed to import Streamlit.
STREAMLIT_LAYER = [*(ROOT / "contextmap" / "ui").glob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py"]


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


@pytest.mark.parametrize("path", [p for p in UPPER if p not in STREAMLIT_LAYER], ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_ui_modules_dashboard_and_pages_import_streamlit(path):
    assert not _imports(path) & STREAMLIT


def test_the_check_sees_imports():
    assert "pipelines" in _imports(ROOT / "pipelines" / "build.py") and len(UPPER) > 20
    assert all(_imports(path) & STREAMLIT for path in [ROOT / "dashboard.py", ROOT / "contextmap" / "ui" / "reader.py"])
