"""Write the generated reference docs: docs/data-model.md and docs/settings.md.

docs/data-model.md comes from the YAML beside each model (``sql/<layer>/<table>.yml``);
docs/settings.md from ``contextmap.toml`` itself, whose comments are the help text.
``python -m pipelines.docs`` regenerates both; ``tests/test_data_model.py`` fails when a
built table or column is missing, and ``tests/test_settings_doc.py`` when a setting has
no help or the docs are stale.
"""

from __future__ import annotations

import re

import yaml

from contextmap.settings import ROOT
from contextmap.sqlfiles import SQL_DIR

LAYERS = {
    "staging": "Geography and ingest (validated, pseudonymised contract data)",
    "intermediate": "Intermediate (joined and derived, one row per business entity)",
    "marts": "Marts (what the dashboard and analysts read)",
}
OUT = ROOT / "docs" / "data-model.md"
SETTINGS_OUT = ROOT / "docs" / "settings.md"
_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]\s*$")
_KEY = re.compile(r"^(?P<key>[A-Za-z0-9_]+)\s*=\s*(?P<value>.+?)\s*$")


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
    from pipelines.registry import built_by

    builders = built_by()
    lines = [
        "# Data model",
        "",
        "Every table of the built database (`data/warehouse/builds/<id>.duckdb`, named by",
        "`data/warehouse/CURRENT`), with its grain and columns. Open it read-only from your own",
        "tools, e.g. `duckdb -readonly data/warehouse/builds/$(cat data/warehouse/CURRENT)`.",
        "Counts here are raw: apply the same disclosure control as the dashboard",
        "(SECURITY.md) before sharing any figure.",
        "",
        "Each table says what builds it: an SQL file of `sql/`, or one Python function",
        "(`pipelines/registry.py`). Generated from `sql/*/*.yml` by `python -m pipelines.docs`;",
        "do not edit by hand.",
        "",
    ]
    for layer, title in LAYERS.items():
        lines += [f"## {title}", ""]
        for name, spec in specs.items():
            if spec["layer"] != layer:
                continue
            key = ", ".join(spec.get("unique_key") or [])
            lines += [f"### `{name}`", "", f"Built by `{builders.get(name, 'nothing: see pipelines/registry.py')}`. "
                      f"Grain: {spec['grain']}. Unique key: `{key}`.", ""]
            lines += ["| column | meaning |", "|---|---|"]
            lines += [f"| `{col}` | {desc} |" for col, desc in (spec.get("columns") or {}).items()]
            lines.append("")
    return "\n".join(lines)


def settings_entries(text: str) -> list[dict]:
    """Each setting of a contextmap.toml text: ``{name, default, help}``.

    The help of a key is the block of ``#`` comments right above it; a key with none
    shares the help of the last commented key of its section (one comment may explain
    a group of keys). A blank line ends a comment block.
    """
    entries, section, group_help, comments = [], "", "", []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            comments.append(line.lstrip("#").strip())
        elif match := _SECTION.match(line):
            section, group_help, comments = match["name"], " ".join(comments), []
        elif match := _KEY.match(line):
            group_help = " ".join(comments) or group_help
            entries.append({"name": f"{section}.{match['key']}", "default": match["value"], "help": group_help})
            comments = []
        else:
            comments = []
    return entries


def render_settings(entries: list[dict]) -> str:
    """The Markdown text of docs/settings.md."""
    lines = [
        "# Settings",
        "",
        "Every tunable setting lives in `contextmap.toml`. A deployment copies that file and",
        "points the `CONTEXTMAP_SETTINGS` environment variable at its copy.",
        "",
        "Generated from the comments in `contextmap.toml` by `python -m pipelines.docs`; do not edit by hand.",
        "",
        "| setting | default | what it does |",
        "|---|---|---|",
    ]
    for e in entries:
        default = e["default"].replace("|", r"\|")
        lines.append(f"| `{e['name']}` | `{default}` | {e['help']} |")
    lines += [
        "",
        "Environment variables: `CONTEXTMAP_SETTINGS` (settings file), `CONTEXTMAP_WAREHOUSE` (build folder),",
        "`CONTEXTMAP_PSEUDONYM_KEY` / `CONTEXTMAP_PSEUDONYM_KEY_FILE` (pseudonymisation key of a single data owner),",
        "`CONTEXTMAP_PSEUDONYM_KEY_DIR` (a folder holding `<ONS code>.key` for each data owner of a force-wide build:",
        "each council whose folder is in the inputs and, for `police/`, `[geography] la_code`), `CONTEXTMAP_AUDIT_LOG`",
        "(audit log file), `CONTEXTMAP_AUDIT_ANCHOR` (its checkpoint file), `CONTEXTMAP_AUDIT_KEY_FILE` (the",
        "administrator's checkpoint signing key, never given to the dashboard), `CONTEXTMAP_USERS_FILE` (local",
        "accounts), `CONTEXTMAP_ROLE_MAP` (OIDC role map).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    OUT.write_text(render(table_specs()))
    print(f"wrote {OUT.relative_to(ROOT)}")
    SETTINGS_OUT.write_text(render_settings(settings_entries((ROOT / "contextmap.toml").read_text())))
    print(f"wrote {SETTINGS_OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
