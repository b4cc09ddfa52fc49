"""A total over all sources never tells that a source shown "c" is not empty.

The sidebar's Sources shows all sources or one, so a reader can put a place's or an area's
events beside each source's alone. A shown total s is at least max(6, s - 2); each other
source is at most its shown value + 2, or 5 for a "c"; if the total's least is more than the
others can hold, the "c" source is at least 1 (helper-39's reader found 75 such ward counts
on the Map of the force sample). Checked here, page by page, on the force sample, for the
force user and Calderdale's, with the views each page draws.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from contextmap import cellkey, disclosure, event_counts, places_view, queries, settings
from contextmap.filters import Filters
from tests.query_params import latest_month

POLICY = disclosure.Policy()
SCOPES = {"force": queries.WHOLE, "Calderdale": "E08000033"}


def _periods(last) -> list[Filters]:
    out = []
    for back in range(0, 12, 2):
        month = last - relativedelta(months=back)
        out += [Filters(month, period=p, data_end=last) for p in ("month", "quarter", "year")]
    return out


def _told(total: pd.Series, alone: dict[str, pd.Series], raw: dict[str, pd.Series]) -> list:
    """Rows where the shown ``total`` makes a source shown "c" (``alone``: each source's
    figure on its own view) at least 1. The reader is granted which "c" the guard hid (its
    ``raw`` figure, before the guard, is shown): it holds more than 5, with no most."""
    most = POLICY.suppress_max
    frame = pd.DataFrame(alone).reindex(total.index).fillna(0)
    secondary = (frame <= most) & (pd.DataFrame(raw).reindex(total.index).fillna(0) > most)
    ceiling = np.where(secondary, np.inf, np.where(frame <= most, most, frame + cellkey.MAX_PERTURBATION))
    least = np.maximum(most + 1, total - cellkey.MAX_PERTURBATION)
    out = []
    for i, source in enumerate(frame.columns):
        others = np.delete(ceiling, i, axis=1).sum(axis=1)
        hit = (total > most) & (frame[source] <= most) & ~secondary[source] & (least - others > 0)
        out += [(code, source) for code in total.index[hit.to_numpy()]]
    return out


def _check(view, sources, last) -> tuple[int, list]:
    """``view(f)``: the page's events of filters ``f`` and the same before the guard."""
    shown, told = 0, []
    for f in _periods(last):
        total, _ = view(f)
        alone = {s: view(replace(f, sources=(s,))) for s in sources}
        told += [(f.label, *t) for t in _told(total, {s: v[0] for s, v in alone.items()},
                                               {s: v[1] for s, v in alone.items()})]
        shown += int((total > POLICY.suppress_max).sum())
    return shown, told


@pytest.mark.parametrize("user", SCOPES)
def test_the_maps_wards_never_tell_a_hidden_source_is_not_empty(force_con, user):
    query = queries.bind(force_con, scope=SCOPES[user])

    def view(f):
        return (event_counts.area_events(query, f, POLICY, "ward").set_index("code")["events"],
                query("area_events", f, level="ward").set_index("code")["events"])

    shown, told = _check(view, event_counts.AREA_SOURCES, latest_month(force_con))
    assert shown and not told, told[:10]


@pytest.mark.parametrize("user", SCOPES)
def test_the_places_table_never_tells_a_hidden_source_is_not_empty(force_con, user):
    query = queries.bind(force_con, scope=SCOPES[user])
    weights = settings.current().hotspots.place_weights

    def view(f):
        return (places_view.ranking(query, f, weights, POLICY).set_index("place_id")["events"],
                query("place_counts", f).set_index("place_id")["events"])

    shown, told = _check(view, event_counts.PLACE_SOURCES, latest_month(force_con))
    assert shown and not told, told[:10]


def test_the_places_table_never_tells_it_in_its_own_columns(force_con):
    """The table shows each source's column beside the events: the same check within a row."""
    query = queries.bind(force_con)
    weights = settings.current().hotspots.place_weights
    told = []
    for f in _periods(latest_month(force_con)):
        rows = places_view.ranking(query, f, weights, POLICY).set_index("place_id")
        raw = query("place_counts", f).set_index("place_id")
        told += _told(rows["events"], {s: rows[s] for s in event_counts.PLACE_SOURCES},
                      {s: raw[s] for s in event_counts.PLACE_SOURCES})
    assert not told, told[:10]
