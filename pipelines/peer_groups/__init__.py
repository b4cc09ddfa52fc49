"""Peer groups: the association graph, Leiden groups with stable ids, and their profiles.

``sql/intermediate/int_associations.sql`` links people who went missing together,
offended together or named each other in a return home interview; ``groups`` finds the groups and keeps their ids from build to
build; SQL marts describe each group and the places it uses (``themes`` picks each
group's top themes by the counts a reader sees).
"""

from pipelines.step_types import Py, Sql

# Leiden runs in one thread for a quarter of a national build, so the groups are found in
# the background while the other marts build (see pipelines/steps.py); the marts
# describing them come last.
DETECT: list[Sql | Py] = [
    Sql("intermediate/int_associations.sql"),
    Py("pipelines.peer_groups.groups:build", ("mart_peer_group_ids", "int_peer_group_members"), background=True),
]
MARTS: list[Sql | Py] = [
    Sql("marts/mart_peer_group_members.sql"),
    # A group's top themes by shown counts (cell-key perturbed), which SQL cannot compute.
    Py("pipelines.peer_groups.themes:build", ("int_peer_group_themes",)),
    Sql("marts/mart_peer_groups.sql"),
    Sql("marts/mart_peer_group_mix.sql"),
    Sql("marts/mart_peer_group_monthly.sql"),
    Sql("marts/mart_place_groups.sql"),
]
STEPS = DETECT + MARTS
