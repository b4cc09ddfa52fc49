"""On the shipped sample, the hot spot analytics find what data/sample/ground_truth.json planted."""

import json
from datetime import date

import pytest

from contextmap import queries, settings
from contextmap.filters import Filters
from contextmap.places_view import PLACE_PARTS, ranking_params
from contextmap.settings import ROOT

WEIGHTS = ranking_params(settings.current().hotspots.place_weights)


@pytest.fixture()
def planted(sample_con):
    """The ground truth of the sample and a connection to its build."""
    return json.loads((ROOT / "data" / "sample" / "ground_truth.json").read_text()), sample_con


def _month(text: str) -> date:
    return date.fromisoformat(text + "-01")


def _ranking(con, month_from: date, month_to: date):
    """The places with their true score's rank (the query returns them by id: pages rank
    them by the scores they show)."""
    params = Filters(month_to).params() | {"month_from": month_from, **WEIGHTS}
    places = queries.run(con, "place_ranking", exact=True, **params)
    score = sum(WEIGHTS[f"w_{part}"] * places[part] for part in PLACE_PARTS)
    return places.assign(score=score, score_rank=score.rank(ascending=False, method="min"))


def test_every_planted_place_hotspot_is_in_the_top_five(planted):
    truth, con = planted
    first, last = _month(truth["period"]["first_month"]), _month(truth["period"]["last_month"])
    full = _ranking(con, first, last)
    year = Filters(last, period="year", data_end=last)
    twelve = _ranking(con, year.month_from, year.month_to)
    for ranking in (full, twelve):
        top = set(ranking.loc[ranking["score_rank"] <= 5, "place_id"])
        assert set(truth["place_hotspots"]) <= top, ranking.head(8)[["place_id", "score", "score_rank"]]
    assert full.set_index("place_id").loc[truth["place_hotspots"], "is_hotspot"].all()


def test_the_planted_emerging_place_is_flagged(planted):
    truth, con = planted
    last = _month(truth["period"]["last_month"])
    emerging = queries.run(con, "emerging_hotspots", exact=True, level="place", month_to=last, locality="All")
    row = emerging.set_index("unit_code").loc[truth["emerging_hotspot"]]
    assert row["is_emerging"], row


def test_no_place_with_fewer_than_min_events_is_flagged(planted):
    truth, con = planted
    min_events = settings.current().hotspots.min_events
    assert con.execute("select count(*) from mart_place_hotspots where is_hotspot and events < ?", [min_events]).fetchone()[0] == 0
    assert con.execute(
        "select count(*) from mart_emerging_hotspots where is_emerging and recent_events < ?", [min_events]
    ).fetchone()[0] == 0
    small = truth.get("small_places", [])
    flagged = con.execute(
        "select count(*) from mart_place_hotspots where is_hotspot and list_contains(?, place_id)", [small]
    ).fetchone()[0]
    assert flagged == 0


def test_the_planted_postcode_pair_is_the_strongest_cross_district_pair(planted):
    truth, con = planted
    first, last = _month(truth["period"]["first_month"]), _month(truth["period"]["last_month"])
    params = Filters(last).params() | {"month_from": first}
    pairs = queries.run(con, "postcode_tension_pairs", exact=True, **params).sort_values(
        ["violent_offences", "people_both_ways"], ascending=False, ignore_index=True)
    top = pairs.iloc[0]
    assert {top["district_a"], top["district_b"]} == set(truth["postcode_tension"]), pairs.head()
    assert top["violent_offences"] > pairs.iloc[1]["violent_offences"]


def test_area_hotspots_are_never_called_on_a_handful_of_events(planted):
    _, con = planted
    min_events = settings.current().hotspots.min_events
    assert con.execute("select count(*) from mart_area_hotspots where is_hotspot and events < ?", [min_events]).fetchone()[0] == 0
    assert con.execute(
        "select count(*) from mart_area_hotspots where gi_class like 'Hot spot%' and events < ?", [min_events]
    ).fetchone()[0] == 0


@pytest.mark.parametrize(("level", "period", "source"), [("lsoa", "year", "all"), ("lsoa", "month", "offence"),
                                                         ("ward", "quarter", "missing_found")])
def test_area_gi_star_equals_esda_on_the_real_neighbours(sample_con, level, period, source):
    """The build's one-product Gi* gives esda.G_Local's z-scores on Kirklees' own LSOA and ward neighbours."""
    import esda
    import libpysal
    import numpy as np

    con = sample_con
    table = {"lsoa": "geo_lsoa_neighbours", "ward": "geo_ward_neighbours"}[level]
    # The months whose window is this period's own (each window is kept once, as its shortest period).
    months = [m for (m,) in con.execute(
        "select distinct month_to from mart_area_hotspots where level = ? and period = ? order by 1", [level, period]
    ).fetchall()]
    w = None
    for month in (months[len(months) // 2], months[-1]):
        rows = con.execute("""
            select area_code, events, children_10_17, gi_z, gi_p from mart_area_hotspots
            where level = ? and period = ? and event_source = ? and month_to = ? order by area_code
        """, [level, period, source, month]).df()
        if w is None:  # PySAL's own weights from the neighbour table, not the build's matrix
            nb, codes = con.sql(f"select * from {table}").df(), rows["area_code"].tolist()
            neighbours = {c: sorted(set(nb.loc[nb.iloc[:, 0] == c].iloc[:, 1]) & set(codes) - {c}) for c in codes}
            w = libpysal.weights.fill_diagonal(libpysal.weights.W(neighbours, id_order=codes, silence_warnings=True), 1.0)
        rate = rows["events"] / rows["children_10_17"] * 1000
        reference = esda.G_Local(rate.to_numpy(float), w, transform="B", star=True, permutations=0)
        np.testing.assert_allclose(rows["gi_z"], reference.Zs, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(rows["gi_p"], 2 * reference.p_norm, rtol=1e-9, atol=1e-12)
        assert rows["gi_z"].abs().max() > 1  # a real pattern, not an all-zero column
