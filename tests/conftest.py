"""Shared fixtures: the shipped sample built once per test run (shared by xdist workers)."""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from contextmap import export
from contextmap.settings import ROOT

# CONTEXTMAP_TEST_BUILD_DIR keeps the cached builds of one checkout apart from another's.
BUILD_DIR = Path(os.environ.get("CONTEXTMAP_TEST_BUILD_DIR", ROOT / "build" / "test"))
# Everything a build reads: if any of it changes, the cached sample build is rebuilt.
BUILD_INPUTS = ("pipelines", "sql", "data/sample", "data/geography", "contextmap.toml", "mappings")
# The same for the force-wide sample (data/sample_force with the West Yorkshire settings).
FORCE_INPUTS = ("pipelines", "sql", "data/sample_force", "data/geography", "contextmap-west-yorkshire.toml", "mappings")
FORCE_SETTINGS = ROOT / "contextmap-west-yorkshire.toml"


def _inputs_hash(inputs: tuple[str, ...] = BUILD_INPUTS) -> str:
    digest = hashlib.sha256()
    for top in inputs:
        root = ROOT / top
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cached_build(name: str, inputs: tuple[str, ...], folder: Path, settings_file: Path) -> Path:
    """A build of ``folder`` with ``settings_file`` and the demo keys, whatever the
    environment says, named by ``name`` and the hash of ``inputs`` (which include the
    settings file): made once per code version, under a lock, so xdist workers share it."""
    from pipelines.build import build_file

    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    path = BUILD_DIR / f"{name}-{_inputs_hash(inputs)}.duckdb"
    with open(BUILD_DIR / "lock", "w") as lock, pytest.MonkeyPatch.context() as mp:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            mp.setenv("CONTEXTMAP_SETTINGS", str(settings_file))
            for key in ("CONTEXTMAP_PSEUDONYM_KEY", "CONTEXTMAP_PSEUDONYM_KEY_FILE", "CONTEXTMAP_PSEUDONYM_KEY_DIR"):
                mp.delenv(key, raising=False)
            for old in BUILD_DIR.glob(f"{name}-*.duckdb"):
                old.unlink()
            build_file(path, [folder], progress=lambda *_: None)
    return path


@pytest.fixture(scope="session")
def sample_db() -> Path:
    """Path to a database built from data/sample with the shipped settings (built at most
    once per code version)."""
    return _cached_build("sample", BUILD_INPUTS, ROOT / "data" / "sample", ROOT / "contextmap.toml")


@pytest.fixture(scope="session")
def force_db() -> Path:
    """Path to a database built from data/sample_force with the West Yorkshire settings
    (five councils and the force; built at most once per code version)."""
    return _cached_build("force", FORCE_INPUTS, ROOT / "data" / "sample_force", FORCE_SETTINGS)


@pytest.fixture(scope="module")
def force_con(force_db):
    """A read-only connection to the force build, shared by a module's tests."""
    con = duckdb.connect(str(force_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def force_month(force_con) -> date:
    """The force build's last month of data."""
    return force_con.execute("select max(month) from mart_episode_cells").fetchone()[0]


@pytest.fixture()
def force_settings(monkeypatch):
    """The West Yorkshire settings in force for one test."""
    monkeypatch.setenv("CONTEXTMAP_SETTINGS", str(FORCE_SETTINGS))


@pytest.fixture()
def sample_con(sample_db):
    """A read-only connection to the sample build."""
    con = duckdb.connect(str(sample_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def served_db(sample_db) -> Path:
    """The served file published from the sample build: what the dashboard really opens."""
    from pipelines import served

    path = sample_db.with_name(sample_db.stem.replace("sample-", "served-") + ".duckdb")
    with open(BUILD_DIR / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            for old in BUILD_DIR.glob("served-*.duckdb"):
                old.unlink()
            partial = path.with_name(path.name + ".partial")
            partial.unlink(missing_ok=True)
            served.write(sample_db, partial, progress=lambda *_: None)
            partial.rename(path)
    return path


@pytest.fixture()
def prepared(monkeypatch):
    """Every CSV a page prepares for download (what the download button would hand over)."""
    made = []
    real = export.safe_csv

    def keep(df):
        data = real(df)
        made.append(pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False))
        return data

    monkeypatch.setattr(export, "safe_csv", keep)
    return made
