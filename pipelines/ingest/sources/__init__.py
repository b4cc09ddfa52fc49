"""The input sources ingest accepts, one adapter module each (see ``source.Source``)."""

from __future__ import annotations

from pipelines.ingest.source import Source
from pipelines.ingest.sources import (
    disruption_actions,
    missing_episodes,
    offences,
    places,
    police_uk,
    return_home_interviews,
    ssd_missing,
    ssd_person,
)

# In load order: places before anything naming a place, SSD persons before SSD episodes,
# episodes before the return home interviews that follow them.
SOURCES: tuple[Source, ...] = (places.SOURCE, ssd_person.SOURCE, missing_episodes.SOURCE, ssd_missing.SOURCE,
                               disruption_actions.SOURCE, offences.SOURCE, police_uk.SOURCE,
                               return_home_interviews.SOURCE)
BY_NAME: dict[str, Source] = {s.name: s for s in SOURCES}
# Recognition by header, the first whose columns are all present: a file may carry columns
# of another table (an RHI file names episode_id, as missing episodes do).
BY_HEADER: tuple[Source, ...] = (police_uk.SOURCE, ssd_missing.SOURCE, ssd_person.SOURCE,
                                 return_home_interviews.SOURCE, missing_episodes.SOURCE, offences.SOURCE,
                                 disruption_actions.SOURCE, places.SOURCE)


def from_name(stem: str) -> Source | None:
    """The source a file's name (its lower-case stem) announces, or None."""
    return next((s for s in SOURCES if s.named(stem)), None)


def from_header(columns: list[str]) -> Source | None:
    """The source a header (contract column names) identifies, or None."""
    present = set(columns)
    return next((s for s in BY_HEADER if s.signature <= present), None)
