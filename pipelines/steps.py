"""The build order: every SQL model and Python analytics step, in one readable place.

A ``Sql`` step names a file under ``sql/`` holding one SELECT; the runner creates a
table named after the file. A ``Py`` step names a function ``fn(con)`` that creates
the tables it lists. ``tests/test_steps.py`` checks this list matches the files on disk.
"""

from __future__ import annotations

from pipelines import disruption, hotspots, peer_groups
from pipelines.step_types import Py, Sql

STEPS: list[Sql | Py] = [
    Sql("intermediate/int_episodes.sql"),
    Sql("intermediate/int_people.sql"),
    Sql("intermediate/int_places.sql"),
    Sql("intermediate/int_place_links.sql"),
    # Peer groups are found in the background from here on (see pipelines/peer_groups).
    *peer_groups.DETECT,
    Sql("intermediate/int_events.sql"),
    Sql("intermediate/int_event_people.sql"),
    Sql("marts/mart_monthly_area_counts.sql"),
    Sql("marts/mart_place_monthly.sql"),
    Sql("marts/mart_rhi_timeliness.sql"),
    Sql("marts/mart_rhi_status.sql"),
    Sql("marts/mart_episode_cells.sql"),
    Sql("marts/mart_episode_theme_cells.sql"),
    Sql("marts/mart_episode_children.sql"),
    Sql("marts/mart_episode_offer_hours.sql"),
    Sql("marts/mart_offence_cells.sql"),
    # The event-grain figures of the pages, pre-aggregated so no page reads int_events.
    Sql("marts/mart_event_cells.sql"),
    Sql("marts/mart_map_cells.sql"),
    Sql("marts/mart_place_event_cells.sql"),
    Sql("marts/mart_place_children.sql"),
    Sql("marts/mart_place_scopes.sql"),
    Sql("marts/mart_place_cross_border.sql"),
    Sql("marts/mart_area_scopes.sql"),
    Sql("marts/mart_area_cross_border.sql"),
    Sql("marts/mart_area_episode_themes.sql"),
    Sql("marts/mart_rri_items.sql"),
    *hotspots.STEPS,
    *disruption.STEPS,
    *peer_groups.MARTS,
    # Last: its notes say which of the tables above are empty and why.
    Py("pipelines.coverage:build", ("mart_coverage", "build_notes")),
    Py("pipelines.quality:build", ("mart_implausible",)),
]
