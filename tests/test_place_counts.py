"""The Places page reads a period's parts with ``place_counts``, a third of the cost of
``place_ranking``: the period guard is only right if the two count every place alike."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from contextmap import places_view, queries, settings
from contextmap.filters import Filters

CALDERDALE = "E08000033"
COUNTS = ["events", *places_view.PLACE_PARTS, "children"]
PARAMS = places_view.ranking_params(settings.current().hotspots.place_weights)


@pytest.mark.parametrize("scope", ["All", CALDERDALE])
def test_place_counts_counts_every_part_as_the_ranking_does(force_con, force_month, scope):
    query = queries.bind(force_con, scope=scope)
    year = Filters(force_month, period="year", data_end=force_month, scope=scope)
    variants = [year, replace(year, sources=("offence",)), replace(year, looked_after="Looked after"),
                replace(year, age_bands=("16-17",))]
    checked = 0
    periods = [*[(f, p) for f in variants for p in (f, *f.parts())], *[(year, m) for m in year.parts()[-1].parts()]]
    for _, part in periods:
            ranked = query("place_ranking", part, **PARAMS).set_index("place_id")[COUNTS].sort_index()
            counted = query("place_counts", part).set_index("place_id")[COUNTS].sort_index()
            pd.testing.assert_frame_equal(ranked, counted, check_dtype=False, obj=f"{scope} {part.label}")
            checked += int(ranked["events"].gt(0).sum())
    assert checked > 100, "the periods compared hold events"
