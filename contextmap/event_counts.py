"""Events of places, areas and heat squares in a period, as every page shows them.

A place's or an area's events in a month, quarter or year are one cell (one count, one cell
key) on every page that shows them: the Places table and the place profile, the sparklines,
the Map, its heat squares and the area profiles, and the emerging hot spots. A page must hide
the cell wherever another hides it, or one would show what the other hides, so each is read
here and guarded (:mod:`contextmap.period_guard`) the same way: against its periods' counts
and against its sources' (the sidebar's Sources shows each source alone, and the events are
their sum), so a total never tells that a source shown "c" is not empty.
"""

from __future__ import annotations

import pandas as pd

from contextmap import disclosure, period_guard
from contextmap.filters import Filters
from contextmap.labels import SOURCES
from contextmap.queries import Query

# A place's events: children found there, named there in return home interviews, offences.
PLACE_SOURCES = ("missing_found", "rhi_mention", "offence")
AREA_SOURCES = tuple(SOURCES)


def by_sources(sources) -> dict:
    """The guard's ``counts``, ``additive`` and ``within`` for a row's events and the sources
    (its columns) they add up from."""
    return {"counts": ["events", *sources], "additive": ["events", *sources], "within": {"events": tuple(sources)}}


PLACE = by_sources(PLACE_SOURCES)
AREA = by_sources(AREA_SOURCES)


def place_events(query: Query, f: Filters, policy: disclosure.Policy) -> pd.DataFrame:
    """Every place's ``place_counts`` row of filters ``f``, guarded as the Places table guards it."""
    return period_guard.guarded(query, "place_counts", f, policy, keys=["place_id"], **PLACE)


def area_events(query: Query, f: Filters, policy: disclosure.Policy, level: str) -> pd.DataFrame:
    """Events per area (``area_events``) of filters ``f``, guarded."""
    return period_guard.guarded(query, "area_events", f, policy, keys=["code"], level=level, **AREA)


def area_count(query: Query, f: Filters, policy: disclosure.Policy, level: str, code: str) -> float:
    """The events of one area as :func:`area_events` shows them (0 for an area the scope does
    not see)."""
    rows = area_events(query, f, policy, level)
    return float(rows.loc[rows["code"] == code, "events"].sum())


def heat_events(query: Query, f: Filters, policy: disclosure.Policy) -> pd.DataFrame:
    """Events per square of the heat map (``map_heat``) of filters ``f``, guarded."""
    return period_guard.guarded(query, "map_heat", f, policy, keys=["lat", "lon"], **AREA)
