"""Write docs/data-model.md from the YAML beside each model (``sql/<layer>/<table>.yml``).

``python -m pipelines.docs`` regenerates it; ``tests/test_data_model.py`` fails when a
built table or column is missing from it, or a declared grain does not hold.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from contextmap.sqlfiles import SQL_DIR
from contextmap.settings import ROOT

LAYERS = {
    "staging": "Geography and ingest (validated, pseudonymised contract data)",
    "intermediate": "Intermediate (joined and derived, one row per business entity)",
    "marts": "Marts (what the dashboard and analysts read)",
}
OUT = ROOT / "docs" / "data-model.md"


def table_specs() -> dict[str, dict]:
    """Every documented table: name → ``{layer, grain, unique_key, columns}``."""
    specs = {}
    for layer in LAYERS:
        for path in sorted((SQL_DIR / layer).glob("*.yml")):
            spec = yaml.safe_load(path.read_text())
            specs[spec["table"]] = {**spec, "layer": layer}
    return specs


def render(specs: dict[str, dict]) -> str:
    """The Markdown text of docs/data-model.md."""
    lines = [
        "# Data model",
        "",
        "Every table of the built database (`data/warehouse/builds/<id>.duckdb`, named by",
        "`data/warehouse/CURRENT`), with its grain and columns. Open it read-only from your own",
        "tools, e.g. `duckdb -readonly data/warehouse/builds/$(cat data/warehouse/CURRENT)`.",
        "Counts here are raw: apply the same disclosure control as the dashboard",
        "(docs/privacy.md) before sharing any figure.",
        "",
        "Generated from `sql/*/*.yml` by `python -m pipelines.docs`; do not edit by hand.",
        "",
    ]
    for layer, title in LAYERS.items():
        lines += [f"## {title}", ""]
        for name, spec in specs.items():
            if spec["layer"] != layer:
                continue
            key = ", ".join(spec.get("unique_key") or [])
            lines += [f"### `{name}`", "", f"Grain: {spec['grain']}. Unique key: `{key}`.", ""]
            lines += ["| column | meaning |", "|---|---|"]
            lines += [f"| `{col}` | {desc} |" for col, desc in (spec.get("columns") or {}).items()]
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    OUT.write_text(render(table_specs()))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
