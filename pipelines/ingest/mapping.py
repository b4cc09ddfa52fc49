"""Column mappings for exports whose headers differ from the contract.

A mapping file (TOML or YAML, one per source system, see ``mappings/``) says which
files hold which table and what each source column is called in the contract::

    name = "Liquidlogic (example)"
    [files]                      # file-name pattern → contract table (optional)
    "LL_Missing*" = "missing_episodes"
    [columns.missing_episodes]   # source header → contract column
    "Missing Episode Ref" = "episode_id"

Headers are compared after folding case, spaces and punctuation, so "Start Date/Time"
matches "start_date_time".
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.ingest.files import normalise_header
from pipelines.ingest.sources import BY_NAME


def load_mapping(path: Path) -> dict:
    """Read a mapping file (``.toml``, ``.yml`` or ``.yaml``) and check its shape."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix.lower() == ".toml" else (yaml.safe_load(text) or {})
    Mapping.from_dict(data, source=str(path))
    return data


@dataclass
class Mapping:
    """A parsed mapping: file patterns and per-table column renames (normalised)."""

    files: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    name: str = "contract"

    @classmethod
    def from_dict(cls, data: dict | None, source: str = "mapping") -> Mapping:
        if not data:
            return cls()
        if not isinstance(data, dict):
            raise ValueError(f"{source}: a mapping must be a table of settings")
        files = {str(k): str(v) for k, v in (data.get("files") or {}).items()}
        columns = {}
        for table, renames in (data.get("columns") or {}).items():
            if table not in BY_NAME:
                raise ValueError(f"{source}: unknown table '{table}' in [columns] (expected one of {', '.join(BY_NAME)})")
            columns[table] = {normalise_header(k): normalise_header(v) for k, v in (renames or {}).items()}
        for pattern, table in files.items():
            if table not in BY_NAME:
                raise ValueError(f"{source}: [files] '{pattern}' names unknown table '{table}'")
        return cls(files, columns, str(data.get("name", source)))

    def columns_for(self, table: str | None) -> dict[str, str]:
        """Source header (normalised) → contract column, for ``table``."""
        return self.columns.get(table, {}) if table else {}

    def table_for_file(self, name: str) -> str | None:
        """The table a file-name pattern assigns, or None."""
        for pattern, table in self.files.items():
            if fnmatch.fnmatch(name.lower(), pattern.lower()):
                return table
        return None
