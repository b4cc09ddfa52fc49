"""Load `contextmap.toml`, the one settings file, into typed and checked settings.

``current()`` returns the settings in force: the file the ``CONTEXTMAP_SETTINGS``
environment variable names, else the one at the repository root, read once per file.
Each section of the file is a frozen dataclass below, with one field per key; paths in
the file resolve against the file. A missing key, a value of the wrong type or out of
range, or a key no section knows raises :class:`SettingsError`, whose message names the
file, the section and the key. docs/settings.md explains every key.
"""

from __future__ import annotations

import json
import math
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """The settings file is missing, is not TOML, or holds a bad value; the message says what and where."""


def _check(test, words: str):
    """A field whose value (each value, for a list) must pass ``test``; ``words`` say how in the message."""
    return field(metadata={"test": test, "words": words})


def at_least(low: float):
    """A number no smaller than ``low``."""
    return _check(lambda v: v >= low, f"at least {low}")


def above(low: float):
    """A number larger than ``low``."""
    return _check(lambda v: v > low, f"more than {low}")


def between(low: float, high: float):
    """A number from ``low`` to ``high``, both included."""
    return _check(lambda v: low <= v <= high, f"from {low} to {high}")


def probability():
    """A significance level or rate: more than 0 and less than 1."""
    return _check(lambda v: 0 < v < 1, "more than 0 and less than 1")


def nonempty():
    """Text that is not empty."""
    return _check(lambda v: v.strip() != "", "not empty")


# `float` fields take whole numbers too, kept as written: "500 m" stays "500 m" in the text shown.
# `Path | None` fields are None when the file gives "" (the setting is off).


@dataclass(frozen=True)
class Geography:
    """[geography]: the area and the open-data files describing it (data/geography/SOURCES.md)."""

    name: str = nonempty()  # the area's name on every page and in the pack
    la_code: str  # ONS code of the area: the local authority, or the police force area
    wards: Path  # ward boundaries (GeoJSON)
    lsoas: Path  # LSOA boundaries (GeoJSON)
    localities: Path  # ward-to-locality file
    postcodes: Path  # postcode lookup
    postcode_districts: Path  # postcode district centroids
    population: Path  # children aged 10-17 by LSOA
    imd: Path  # IMD 2019 by LSOA
    lsoa21_to_lsoa11: Path  # LSOA 2021-to-2011 overlap, for police.uk files
    councils: Path  # the council (local authority) of each LSOA
    attribution: str  # open-data attribution on maps, the footer and the pack


@dataclass(frozen=True)
class Warehouse:
    """[warehouse]: where builds are published."""

    dir: Path  # builds/ and the CURRENT pointer (CONTEXTMAP_WAREHOUSE overrides)
    keep_builds: int = at_least(1)  # completed builds kept, the current one included


@dataclass(frozen=True)
class Privacy:
    """[privacy]: disclosure control of every count shown."""

    suppress_max: int = at_least(0)  # counts 1..suppress_max are shown as "c"
    round_small_areas: bool  # round other counts at LSOA, postcode sector and place level
    round_base: int = at_least(1)  # to the nearest round_base
    ptable: Path | None  # a data controller's cell-key p-table; None for the built-in one


@dataclass(frozen=True)
class PlaceWeights:
    """[hotspots.place_weights]: a place's score is the sum of weight x events of each source."""

    missing_found: float = at_least(0)  # children found at the place
    rhi_mention: float = at_least(0)  # places named in return home interviews
    offence: float = at_least(0)  # offences linked to the place


@dataclass(frozen=True)
class Hotspots:
    """[hotspots]: hot spot, emerging hot spot and near-repeat tests."""

    min_events: int = at_least(0)  # fewer events and nothing is called a hot spot
    fdr_alpha: float = probability()  # false discovery rate of hot spot calls
    place_radius_m: float = above(0)  # offences and found points this near a place are linked to it
    emerging_alpha: float = probability()  # significance level of the emerging test
    emerging_baseline_months: int = at_least(1)  # at most this many months before the quarter so far
    near_repeat_days: tuple[int, ...] = at_least(1)  # upper ends of the Knox test's day bands
    near_repeat_permutations: int = at_least(1)  # seeded shuffles of incident dates
    seed: int = at_least(0)  # seed of those shuffles
    place_weights: PlaceWeights


@dataclass(frozen=True)
class EdgeWeights:
    """[peer_groups.edge_weights]: the weight of one link of each kind in the association graph."""

    missing_together: float = at_least(0)
    co_offending: float = at_least(0)
    rhi_named: float = at_least(0)


@dataclass(frozen=True)
class PeerGroups:
    """[peer_groups]: the association graph and the Leiden group detection."""

    window_hours: float = above(0)  # episodes starting this close together are "missing together"
    min_group_size: int = at_least(1)  # smaller communities are not peer groups
    seed: int = at_least(0)  # Leiden's random seed
    resolution: float = at_least(0)  # Leiden (CPM) resolution: higher gives smaller, denser groups
    min_link_weight: float = at_least(0)  # weaker links do not form groups
    match_jaccard: float = between(0, 1)  # overlap with a previous group that keeps its id
    warm_start: bool  # start from the previous build's groups
    co_offending_excluded_roles: tuple[str, ...]  # roles on an offence that are not co-offending
    edge_weights: EdgeWeights


@dataclass(frozen=True)
class Disruption:
    """[disruption]: before-and-after reviews of disruption actions."""

    window_months: int = at_least(1)  # months compared either side of the action's month
    buffer_radius_m: float = above(0)  # outer radius of the displacement ring
    min_events: int = at_least(0)  # fewer events at the target is "too few to tell"
    control_places: int = at_least(1)  # comparison places or areas, at most
    control_baseline_factor: float = at_least(1)  # a comparison's before-window events are within this factor
    alpha: float = probability()  # significance level of the intervals
    wdq_near_zero: float = at_least(0)  # a displacement quotient this near zero is "neither"
    spike_factor: float = above(0)  # a before window this many times the prior months "follows a spike"
    timeline_months: int = at_least(1)  # months either side on the timeline


@dataclass(frozen=True)
class Rhi:
    """[rhi]: return home interviews."""

    offer_within_hours: int = above(0)  # the statutory window for offering an interview
    target_pct: float = between(0, 100)  # the local target, drawn on the RHI page
    national_pct: float = between(0, 100)  # the national figure quoted beside it


@dataclass(frozen=True)
class RepeatMissing:
    """[repeat_missing]: who is "repeat missing"."""

    episodes: int = at_least(1)  # at least this many episodes
    days: int = at_least(1)  # starting within this many days


@dataclass(frozen=True)
class Narrative:
    """[narrative]: when a sentence calls a change a rise or a fall."""

    alpha: float = probability()  # significance level of the exact Poisson test
    min_base: int = at_least(0)  # no percentage change is quoted from a smaller count
    driver_share: float = between(0, 1)  # the share of a change a subgroup must account for to "drive" it


@dataclass(frozen=True)
class Trends:
    """[trends]: the Trends page."""

    months: int = at_least(1)  # months of history shown


@dataclass(frozen=True)
class Disproportionality:
    """[disproportionality]: the Relative Rate Index page."""

    population: Path  # children aged 10-17 by ethnic group and sex (and council)
    population_source: str  # where those figures came from, shown under every table
    population_is_illustrative: bool  # the page warns while the figures are made up
    # Looked-after children aged 10-17: one number for a one-council build, or per council code.
    looked_after_10_17: int | dict[str, int] = at_least(0)
    reference_ethnic_group: str = nonempty()  # the group every other group's rate is divided by
    reference_sex: str = nonempty()  # the reference for the RRI by sex
    min_events: int = at_least(0)  # a group with fewer events gets no ratio


@dataclass(frozen=True)
class Quality:
    """[quality]: thresholds of the implausible-records checks, in days."""

    long_episode_days: int = at_least(1)  # episodes this long are listed to check
    implausible_episode_days: int = at_least(1)  # episodes this long are implausible
    still_missing_days: int = at_least(1)  # no return this long before the data end is listed
    late_rhi_days: int = at_least(1)  # RHIs first offered this late are listed


@dataclass(frozen=True)
class Pack:
    """[pack]: the meeting pack."""

    top_n: int = at_least(1)  # rows of emerging hot spots and peer groups listed


@dataclass(frozen=True)
class Auth:
    """[auth]: sign-in."""

    role_map: Path | None  # the OpenID Connect role map (CONTEXTMAP_ROLE_MAP overrides); None: no OIDC roles


@dataclass(frozen=True)
class Audit:
    """[audit]: the audit log."""

    log: Path  # the append-only log (CONTEXTMAP_AUDIT_LOG overrides)
    anchor: Path  # its signed checkpoints (CONTEXTMAP_AUDIT_ANCHOR overrides)
    retention_days: int = at_least(1)  # days records are kept by `python -m contextmap.audit prune`


@dataclass(frozen=True)
class Map:
    """[map]: background tiles (none by default, so maps work offline)."""

    tile_url: str  # a tile URL template; "" for none
    tile_attribution: str  # the attribution the tile server requires


@dataclass(frozen=True)
class Build:
    """[build]: DuckDB while building."""

    memory_limit: str  # e.g. "3GB" or "60%"; "" for DuckDB's default
    threads: int = at_least(0)  # 0: one per core
    temp_directory: Path | None  # spill files; None: beside the database being built


@dataclass(frozen=True)
class Settings:
    """The whole settings file: one attribute per section."""

    geography: Geography
    warehouse: Warehouse
    privacy: Privacy
    hotspots: Hotspots
    peer_groups: PeerGroups
    disruption: Disruption
    rhi: Rhi
    repeat_missing: RepeatMissing
    narrative: Narrative
    trends: Trends
    disproportionality: Disproportionality
    quality: Quality
    pack: Pack
    auth: Auth
    audit: Audit
    map: Map
    build: Build


def settings_path() -> Path:
    """Return the settings file in force."""
    return Path(os.environ.get("CONTEXTMAP_SETTINGS", ROOT / "contextmap.toml")).resolve()


def current() -> Settings:
    """The settings in force (read and checked once per file)."""
    return _load(settings_path())


@lru_cache(maxsize=4)
def _load(path: Path) -> Settings:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(f"Settings file {path} does not exist (CONTEXTMAP_SETTINGS names the file).") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"Settings file {path} is not valid TOML: {exc}.") from None
    problems: list[str] = []
    loaded = _table(Settings, data, "", path.parent, problems)
    if problems:
        raise SettingsError(f"Settings file {path}:\n" + "\n".join(f"  {p}" for p in problems)
                            + "\ndocs/settings.md explains every setting.")
    return loaded


# Settings taken out, with why in words: a deployed file that still has one is told what
# changed rather than that the key may be misspelt.
REMOVED = {
    ("hotspots", "emerging_recent_months"): (
        "the recent window of emerging hot spots is now the calendar quarter so far (from the quarter's first "
        "month to the chosen month), so that its counts nest with the months and quarters every page shows. "
        "Delete this line."),
}


def _table(cls: type, data: dict, section: str, base: Path, problems: list[str]):
    """An instance of the dataclass ``cls`` from the TOML table ``data``, or None with ``problems`` noted."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in fields(cls):
        kind = hints[f.name]
        name = f"{section}.{f.name}" if section else f.name
        if f.name not in data:
            problems.append(f"[{name}] is missing." if is_dataclass(kind) else f"[{section}] {f.name} is missing.")
        elif is_dataclass(kind):
            if isinstance(data[f.name], dict):
                values[f.name] = _table(kind, data[f.name], name, base, problems)
            else:
                problems.append(f"[{name}] must be a section, not {_shown(data[f.name])}.")
        else:
            values[f.name] = _value(kind, data[f.name], f.metadata, f"[{section}] {f.name}", base, problems)
    unknown = sorted(data.keys() - {f.name for f in fields(cls)})
    for name in [u for u in unknown if (section, u) in REMOVED]:
        problems.append(f"[{section}] {name} is no longer a setting: {REMOVED[section, name]}")
        unknown.remove(name)
    if unknown and section:
        problems.append(f"[{section}] has no setting called {', '.join(unknown)} (a misspelling?).")
    elif unknown:
        problems.append(f"there is no section called {', '.join(f'[{u}]' for u in unknown)} (a misspelling?).")
    return cls(**values) if len(values) == len(fields(cls)) else None


# What each type of value must be, in words, alone and in a list.
_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false", Path: "a file path (text)"}
_LIST_WORDS = {str: "text values", int: "whole numbers"}


def _value(kind, value, check: dict, where: str, base: Path, problems: list[str]):
    """``value`` checked against its type ``kind`` and the field's ``check``, or None with a problem noted."""
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        if not isinstance(value, list):
            problems.append(f"{where} must be a list of {_LIST_WORDS[item]}, not {_shown(value)}.")
            return None
        items = [_value(item, v, check, f"{where} (each value)", base, problems) for v in value]
        return tuple(items) if None not in items else None
    if isinstance(kind, types.UnionType) and type(None) not in typing.get_args(kind):
        # One of several shapes (a number or a table of numbers): checked as the shape given.
        shapes = typing.get_args(kind)
        kind = next((k for k in shapes if typing.get_origin(k) is dict), shapes[0]) if isinstance(value, dict) \
            else next(k for k in shapes if typing.get_origin(k) is not dict)
    if typing.get_origin(kind) is dict:
        item = typing.get_args(kind)[1]
        if not isinstance(value, dict):
            problems.append(f"{where} must be a table of {_LIST_WORDS[item]}, not {_shown(value)}.")
            return None
        items = {k: _value(item, v, check, f"{where} ({k})", base, problems) for k, v in value.items()}
        return items if None not in items.values() else None
    optional = isinstance(kind, types.UnionType)
    kind = typing.get_args(kind)[0] if optional else kind
    if not _is(kind, value):
        problems.append(f"{where} must be {_WORDS[kind]}, not {_shown(value)}.")
        return None
    if check and not check["test"](value):
        problems.append(f"{where} must be {check['words']}, not {_shown(value)}.")
        return None
    if kind is Path:
        if optional and value == "":
            return None
        if value == "":
            problems.append(f"{where} must name a file or folder, not \"\".")
            return None
        return Path(value) if Path(value).is_absolute() else base / value
    return value


def _is(kind: type, value) -> bool:
    """Whether ``value`` as read from TOML is of ``kind`` (true and false are not numbers here)."""
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str if kind is Path else kind)


def _shown(value) -> str:
    """A value as the file would write it."""
    return json.dumps(value, ensure_ascii=False, default=str)
