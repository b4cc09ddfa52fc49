"""The Map's place markers say what the Places table says: the same Events and Score texts,
for every place and period, so the map never shows a count the table hides (it once printed
events the table's secondary suppression had hidden: "Events: 6" under a table's "c")."""

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta

from contextmap import disclosure, map_view, places_view, queries, settings
from contextmap.filters import Filters
from tests.query_params import latest_month

POLICY = disclosure.Policy()


@pytest.mark.parametrize("back", [0, 3, 12])
def test_a_place_marker_shows_the_tables_events_and_score(sample_con, back):
    query = queries.bind(sample_con)
    weights = settings.current().hotspots.place_weights
    last = latest_month(sample_con)
    f = Filters(last - relativedelta(months=back), period="year", data_end=last)
    places = places_view.ranking(query, f, weights, POLICY)
    table = places_view.places_table(places, weights, POLICY).set_index("place_id")
    markers = map_view.place_markers(places, weights, POLICY).set_index("place_id")
    hidden = 0
    for place_id, lines in markers["lines"].items():
        row = table.loc[place_id]
        assert lines[2] == f"Events: {row['Events']}", place_id
        assert lines[3].split(" (rank")[0] == f"Score: {row['Score']}", place_id
        hidden += row["Events"] == disclosure.SUPPRESSED
    assert hidden and hidden < len(markers)
