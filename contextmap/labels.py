"""One vocabulary of display labels for every coded value ContextMap shows.

Codes arrive from the data contract (``TAKEAWAY``, ``COUNTY_LINES``, ``YOUTH_SERVICE``),
from the build (``missing_found``, ``co_offending``) and from the audit log
(``page_view``). Pages, charts, tables, CSV exports and the meeting pack all call
:func:`label` (or one of the dictionaries below), so a code reads the same everywhere
and never reaches a screen as it is stored.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pandas as pd

# Kept in capitals wherever they appear in a code ("CSE", "CCTV").
ACRONYMS = {"ASB", "CCE", "CCTV", "CSE", "LSOA", "RHI", "SSD", "SYV", "VCS"}

# Where events come from (the sidebar's Sources, chart legends, table columns).
SOURCES = {
    "missing_from": "Missing from",
    "missing_found": "Found at",
    "rhi_mention": "Named in RHIs",
    "offence": "Offences",
}

CATEGORIES = {
    "HOTEL": "Hotel",
    "TAXI": "Taxi",
    "TAKEAWAY": "Takeaway",
    "SHOP": "Shop",
    "PARK": "Park",
    "TRANSPORT_HUB": "Transport hub",
    "SCHOOL": "School",
    "YOUTH_VENUE": "Youth venue",
    "LICENSED_PREMISES": "Licensed premises",
    "RESIDENTIAL_AREA": "Residential area",
    "OTHER": "Other",
}

ACTION_TYPES = {
    "LICENSING_VISIT": "Licensing visit",
    "CLOSURE_ORDER": "Closure order",
    "DISPERSAL_ORDER": "Dispersal order",
    "PATROLS": "Patrols",
    "CCTV": "CCTV",
    "TRAINING": "Training",
    "COMMUNITY_PROTECTION_NOTICE": "Community protection notice",
    "OUTREACH": "Outreach",
}

AGENCIES = {
    "POLICE": "Police",
    "COUNCIL": "Council",
    "LICENSING": "Licensing",
    "YOUTH_SERVICE": "Youth service",
    "EDUCATION": "Education",
    "HEALTH": "Health",
    "VCS": "Voluntary and community sector",
}

THEMES = {
    "CSE": "CSE (sexual exploitation)",
    "CCE": "CCE (criminal exploitation)",
    "COUNTY_LINES": "County lines",
    "DRUGS": "Drugs",
    "ALCOHOL": "Alcohol",
    "PEERS": "Peers",
    "FAMILY": "Family",
    "SCHOOL": "School",
    "ONLINE": "Online",
    "ASSAULT": "Assault",
    "WEAPON": "Weapon",
    "GANG": "Gang",
    "TRAFFICKING": "Trafficking",
    "HOUSING": "Housing",
    "MENTAL_HEALTH": "Mental health",
}

# How the members of a peer group are linked.
EVIDENCE = {
    "missing_together": "Going missing together",
    "co_offending": "Offending together",
    "rhi_named": "Naming each other in RHIs",
}

AUDIT_EVENTS = {
    "sign_in": "Sign-in",
    "page_view": "Page viewed",
    "drilldown": "Records viewed (drill-down)",
    "export": "Export",
    "prune": "Old records removed",
}

SEXES = {"F": "Female", "M": "Male", "X": "Other", "U": "Unknown"}

LEVELS = {"place": "Place", "ward": "Ward", "lsoa": "LSOA", "sector": "Postcode sector", "district": "Postcode district",
          "locality": "Locality"}

# The input tables of the data contract (Data quality page).
TABLES = {
    "missing_episodes": "Missing episodes",
    "return_home_interviews": "Return home interviews",
    "offences": "Offences",
    "places": "Places",
    "disruption_actions": "Disruption actions",
    "police_uk": "police.uk street crime",
    "ssd_missing": "Standard Safeguarding Dataset: missing",
    "ssd_rhi": "Standard Safeguarding Dataset: RHIs",
}

ROLES = {"strategic": "Strategic lead", "analyst": "Analyst", "partner": "Partner", "admin": "Administrator"}

# Pages by id, as the navigation names them (audit log "Page" column).
PAGES = {
    "overview": "Overview", "trends": "Trends", "rhi": "Return home interviews", "map": "Map", "places": "Places",
    "postcodes": "Postcodes", "groups": "Peer groups", "disproportionality": "Disproportionality",
    "disruption": "Disruption review", "data_quality": "Data quality", "audit": "Audit log",
}

# Every dictionary above, searched in this order when a code's kind is not given.
VOCABULARY = (SOURCES, CATEGORIES, ACTION_TYPES, AGENCIES, THEMES, EVIDENCE, AUDIT_EVENTS, TABLES, LEVELS, PAGES, ROLES)
KINDS = {"source": SOURCES, "category": CATEGORIES, "action": ACTION_TYPES, "agency": AGENCIES, "theme": THEMES,
         "evidence": EVIDENCE, "audit_event": AUDIT_EVENTS, "sex": SEXES, "level": LEVELS, "table": TABLES,
         "page": PAGES, "role": ROLES}
MISSING = "—"
_CODE = re.compile(r"^[A-Za-z0-9]+(_[A-Za-z0-9]+)*$")


def words(code: str) -> str:
    """A code no dictionary knows, in words: ``"FAMILY_CONFLICT"`` → ``"Family conflict"``,
    acronyms kept (``"CSE_RISK"`` → ``"CSE risk"``)."""
    parts = str(code).split("_")
    out = [p.upper() if p.upper() in ACRONYMS else p.lower() for p in parts]
    if out and out[0] not in ACRONYMS:
        out[0] = out[0].capitalize()
    return " ".join(out)


def label(code, kind: str | None = None) -> str:
    """The display label of a coded value.

    Parameters
    ----------
    code : str or None
        A stored code (``"LICENSED_PREMISES"``, ``"page_view"``). Missing values give "—".
    kind : str, optional
        One of :data:`KINDS` (``"category"``, ``"theme"``…) when the same code could mean
        two things (``SCHOOL`` is a place category and an RHI theme).

    Returns
    -------
    str
        The dictionary's label; for an unknown code that looks like one, its words
        (:func:`words`); any other text unchanged (names, free labels).
    """
    if code is None or (not isinstance(code, (list, tuple, dict)) and pd.isna(code)):
        return MISSING
    text = str(code)
    if kind is not None:
        if kind not in KINDS:
            raise ValueError(f"unknown label kind {kind!r}; choose from {', '.join(sorted(KINDS))}")
        found = KINDS[kind].get(text)
        return found if found is not None else (words(text) if _CODE.match(text) else text)
    for vocabulary in VOCABULARY:
        if text in vocabulary:
            return vocabulary[text]
    return words(text) if _CODE.match(text) and ("_" in text or text.isupper()) else text


def labels(values, kind: str | None = None) -> list[str]:
    """:func:`label` of each value."""
    return [label(v, kind) for v in values]


def joined(values, kind: str | None = None) -> str:
    """A list of codes (a list or an array from DuckDB) as "County lines, Drugs"; "—" when empty."""
    if values is None or (not hasattr(values, "__len__") and pd.isna(values)) or len(values) == 0:
        return MISSING
    return ", ".join(label(v, kind) for v in values)


def day(value) -> str:
    """A date or timestamp as a date people read: ``2024-01-12 00:00:00`` → "12 January 2024"."""
    if value is None or pd.isna(value):
        return MISSING
    ts = pd.Timestamp(value)
    return f"{ts.day} {ts:%B %Y}"


def filters_text(value) -> str:
    """The filters an audit record stored (JSON or a dict), in words.

    ``{"month": "2026-10-01", "period": "month", "locality": "All", …}`` →
    "Month ending October 2026 · All localities · All sources"; values at their defaults
    (every source, age band and sex) are summarised as "All …".
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return MISSING
    data = value
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError:
            return value
    if not isinstance(data, dict):
        return str(value)
    from contextmap.filters import AGE_BANDS, PERIODS

    parts = []
    month = data.get("month")
    if month:
        when = month if isinstance(month, (date, datetime)) else pd.Timestamp(str(month))
        parts.append(f"{PERIODS.get(data.get('period'), 'Period')} ending {pd.Timestamp(when):%B %Y}")
    locality = data.get("locality")
    parts.append("All localities" if locality in (None, "All") else str(locality))
    for key, everything, noun, kind in (("sources", SOURCES, "sources", "source"),
                                        ("age_bands", AGE_BANDS, "age bands", None),
                                        ("sexes", SEXES, "sexes", "sex")):
        chosen = data.get(key)
        if chosen and set(chosen) != set(everything):
            parts.append(", ".join(label(v, kind) for v in chosen))
        elif key == "sources":
            parts.append(f"All {noun}")
    if data.get("looked_after") not in (None, "All"):
        parts.append(str(data["looked_after"]))
    return " · ".join(parts)
