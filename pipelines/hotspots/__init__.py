"""Hot spots: where missing episodes, return home interviews and offences come together.

``areas`` (LSOA and ward Gi*, Poisson exceedance, funnel limits), ``places`` (place
ranking measures and the near-repeat test), ``emerging`` (recent months against each
unit's baseline), ``postcodes`` (districts and sectors), and two SQL models for the
postcode tension matrix. The statistics live in ``contextmap.hotspot_stats``.
"""

from pipelines.step_types import Py, Sql

STEPS: list[Sql | Py] = [
    Py("pipelines.hotspots.areas:build", ("mart_area_hotspots", "mart_area_funnel")),
    Py("pipelines.hotspots.places:build", ("mart_place_hotspots", "mart_near_repeat")),
    Py("pipelines.hotspots.emerging:build", ("mart_emerging_hotspots",)),
    Py("pipelines.hotspots.postcodes:build", ("mart_postcode_hotspots",)),
    # What a council scope's Postcodes page counts (its own children's events, nearby offences).
    Sql("marts/mart_postcode_event_cells.sql"),
    Sql("marts/mart_postcode_scopes.sql"),
    Sql("marts/mart_hotspot_tension_people.sql"),
    Sql("marts/mart_postcode_tension.sql"),
]
