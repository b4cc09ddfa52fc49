"""Located events are linked to the nearest place of concern within the radius, exactly as a
brute-force search over every place finds them, whatever grid cell either falls in."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pytest

from pipelines.runner import build_model
from pipelines.step_types import Sql

STEP = Sql("intermediate/int_place_links.sql")
R = 6_371_008.8


def _links(places, offences, found, radius=100.0) -> dict:
    con = duckdb.connect()
    con.execute("create table stg_places (place_id varchar, lat double, lon double)")
    con.execute("create table stg_offences (lat double, lon double, place_id varchar)")
    con.execute("create table stg_missing_episodes (found_lat double, found_lon double, found_place_id varchar)")
    for table, rows in (("stg_places", places), ("stg_offences", offences), ("stg_missing_episodes", found)):
        if rows:
            con.executemany(f"insert into {table} values (?, ?, ?)", rows)
    build_model(con, STEP, {"place_radius_m": radius})
    return {(lat, lon): (place, d) for lat, lon, place, d in con.execute("from int_place_links").fetchall()}


def _brute_force(places, points, radius) -> dict:
    scale = math.cos(math.radians(sum(p[1] for p in places) / len(places)))
    xy = lambda lat, lon: (R * math.radians(lon) * scale, R * math.radians(lat))  # noqa: E731
    out = {}
    for lat, lon in points:
        px, py = xy(lat, lon)
        near = sorted((math.dist((px, py), xy(plat, plon)), pid) for pid, plat, plon in places)
        if near and near[0][0] < radius:
            out[(lat, lon)] = (near[0][1], round(near[0][0], 1))
    return out


def test_each_point_goes_to_its_nearest_place_within_the_radius_as_brute_force_finds_it():
    rng = np.random.default_rng(7)
    places = [(f"P{i:03d}", 53.6 + rng.random() * 0.05, -1.8 + rng.random() * 0.08) for i in range(60)]
    points = {(round(53.6 + rng.random() * 0.05, 6), round(-1.8 + rng.random() * 0.08, 6)) for _ in range(3000)}
    offences = [(lat, lon, None) for lat, lon in sorted(points)[:1500]]
    found = [(lat, lon, None) for lat, lon in sorted(points)[1500:]]
    links = _links(places, offences, found, radius=150.0)
    expected = _brute_force(places, points, 150.0)
    assert len(expected) > 300  # the check covers many links, near cell edges too
    assert {k: (p, pytest.approx(d, abs=0.051)) for k, (p, d) in expected.items()} == links


def test_the_radius_ties_and_points_already_at_a_place():
    place = (53.65, -1.78)
    north_50m = place[0] + 50 / R * 180 / math.pi
    north_101m = place[0] + 101 / R * 180 / math.pi
    links = _links(
        [("B", *place), ("A", *place)],  # two places at one spot: the lower id wins
        [(north_50m, place[1], None), (north_101m, place[1], None), (north_50m + 0.001, place[1], "A")],
        [],
    )
    assert links == {(north_50m, place[1]): ("A", 50.0)}


def test_no_places_or_no_points_link_nothing():
    assert _links([], [(53.65, -1.78, None)], []) == {}
    assert _links([("A", 53.65, -1.78)], [], []) == {}
