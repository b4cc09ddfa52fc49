"""Load `contextmap.toml`, the one settings file.

The path comes from the ``CONTEXTMAP_SETTINGS`` environment variable, falling back to
the file at the repository root. Relative paths inside it resolve against the file.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_path() -> Path:
    """Return the settings file in force."""
    return Path(os.environ.get("CONTEXTMAP_SETTINGS", ROOT / "contextmap.toml")).resolve()


@lru_cache(maxsize=4)
def _load(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load() -> dict:
    """Return the settings as a nested dict (cached per file)."""
    return _load(settings_path())


def get(section: str, key: str | None = None):
    """Return one section, or one key of it, e.g. ``get("privacy", "suppress_max")``."""
    data = load()[section]
    return data if key is None else data[key]


def resolve(path: str) -> Path:
    """Resolve a path written in the settings file relative to that file."""
    p = Path(path)
    return p if p.is_absolute() else settings_path().parent / p
