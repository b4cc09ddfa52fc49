"""Disruption review: did what partners did at a place change what happens there?

``review`` builds the per-action marts (comparison places, effects, displacement,
timeline) with the statistics in ``stats``; a SQL model summarises by action type.
"""

from pipelines.step_types import Py, Sql

STEPS: list[Sql | Py] = [
    Py(
        "pipelines.disruption.review:build",
        (
            "mart_disruption_controls",
            "mart_disruption_effects",
            "mart_disruption_displacement",
            "mart_disruption_timeline",
        ),
    ),
    Sql("marts/mart_disruption_by_type.sql"),
]
