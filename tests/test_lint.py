"""The code passes its linters: ruff (pyflakes, isort, bugbear, pyupgrade; pyproject.toml)
over the Python and sqlfluff (DuckDB dialect, core rules; .sqlfluff) over sql/."""

from __future__ import annotations

import subprocess
import sys

from contextmap.settings import ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_python_passes_ruff():
    done = _run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_sql_passes_sqlfluff():
    done = _run("sqlfluff", "lint", "sql", "--processes", "2", "--disable-progress-bar")
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
