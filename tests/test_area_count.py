"""An area profile counts its area with one query (``area_code_events``), and shows exactly
the figure the Map shows for that area and period: the same perturbed count, hidden by the
period guard exactly when the Map hides it (``contextmap.period_guard``).

Two figures for one area and period that differ would give a reader two perturbations of
one count, or a count the guard hid on one page and not on the other.
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta

from contextmap import disclosure, map_view, period_guard, queries
from contextmap.filters import Filters
from tests.query_params import latest_month

POLICY = disclosure.Policy()
CALDERDALE = "E08000033"


def _periods(last) -> list[Filters]:
    """The month, quarter and year ending at three months of the last year of the data."""
    out = []
    for back in (0, 4, 8):
        month = last - relativedelta(months=back)
        out += [Filters(month, period=p, data_end=last) for p in ("month", "quarter", "year")]
    return out


def _compare(con, scope: str, level: str, step: int = 1) -> int:
    """Check every area (every ``step``-th at LSOA level) in every period; return how many
    areas the guard hid, so a test can tell the guard was at work."""
    query = queries.bind(con, scope=scope)
    hidden = 0
    for f in _periods(latest_month(con)):
        areas = map_view.area_events(query, f, POLICY, level).set_index("code")["events"]
        for code in areas.index[::step]:
            assert map_view.area_count(query, f, POLICY, level, code) == areas[code], (scope, level, code, f.label)
        hidden += int((areas == period_guard.hidden_value(POLICY)).sum())
    return hidden


def test_an_areas_count_is_the_maps_on_the_sample(sample_con):
    # Every ward, every 9th LSOA (all of them would take minutes on two cores).
    assert _compare(sample_con, queries.WHOLE, "ward") + _compare(sample_con, queries.WHOLE, "lsoa", step=9) > 0


def test_an_areas_count_is_the_maps_for_a_council(force_con):
    _compare(force_con, CALDERDALE, "ward")


def test_an_area_outside_the_scope_counts_nothing(force_con):
    query = queries.bind(force_con, scope=CALDERDALE)
    last = latest_month(force_con)
    leeds_ward = force_con.execute("select ward_code from geo_ward where locality = 'Leeds' order by 1 limit 1").fetchone()[0]
    assert leeds_ward not in set(map_view.area_events(query, Filters(last), POLICY, "ward")["code"])
    assert map_view.area_count(query, Filters(last), POLICY, "ward", leeds_ward) == 0
