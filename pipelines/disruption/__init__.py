"""Disruption review: did what partners did at a place change what happens there?

SQL models prepare the actions, the events per unit and month and the units that cannot
be compared; ``review`` chooses comparison places and estimates effects and displacement
with the statistics in ``stats``; SQL models draw each action's timeline and summarise
by action type.
"""

from pipelines.step_types import Py, Sql

STEPS: list[Sql | Py] = [
    Sql("intermediate/int_disruption_actions.sql"),
    Sql("intermediate/int_disruption_unit_monthly.sql"),
    Sql("intermediate/int_area_neighbours.sql"),
    Sql("intermediate/int_disruption_blocked.sql"),
    Py("pipelines.disruption.review:build",
       ("mart_disruption_controls", "mart_disruption_effects", "mart_disruption_displacement")),
    Sql("marts/mart_disruption_timeline.sql"),
    Sql("marts/mart_disruption_by_type.sql"),
]
