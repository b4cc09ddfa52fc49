"""An area profile counts its area as the Map does (``contextmap.event_counts.area_count``),
and an area a council does not see counts nothing for it."""

from __future__ import annotations

from contextmap import disclosure, event_counts, queries
from contextmap.filters import Filters
from tests.query_params import latest_month

POLICY = disclosure.Policy()
CALDERDALE = "E08000033"


def test_an_area_outside_the_scope_counts_nothing(force_con):
    query = queries.bind(force_con, scope=CALDERDALE)
    last = latest_month(force_con)
    leeds_ward = force_con.execute("select ward_code from geo_ward where locality = 'Leeds' order by 1 limit 1").fetchone()[0]
    assert leeds_ward not in set(event_counts.area_events(query, Filters(last), POLICY, "ward")["code"])
    assert event_counts.area_count(query, Filters(last), POLICY, "ward", leeds_ward) == 0
