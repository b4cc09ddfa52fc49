"""Link located events to the nearest place of concern within the configured radius.

Runs once per distinct point, not per event: police.uk snaps crimes to a limited set
of anonymous map points, and found locations repeat, so this stays small at any scale.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from contextmap import settings

EARTH_RADIUS_M = 6_371_008.8


def _to_metres(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Equirectangular projection: within a council area its error is far below a metre."""
    rad = np.radians
    return np.column_stack((EARTH_RADIUS_M * rad(lon) * np.cos(rad(lat0)), EARTH_RADIUS_M * rad(lat)))


def nearest_places(points: pd.DataFrame, places: pd.DataFrame, radius_m: float) -> pd.DataFrame:
    """Return ``lat, lon, place_id, distance_m`` for each point with a place within ``radius_m``."""
    empty = pd.DataFrame({"lat": [], "lon": [], "place_id": [], "distance_m": []})
    if points.empty or places.empty:
        return empty
    lat0 = float(places["lat"].mean())
    tree = cKDTree(_to_metres(places["lat"].to_numpy(), places["lon"].to_numpy(), lat0))
    dist, idx = tree.query(_to_metres(points["lat"].to_numpy(), points["lon"].to_numpy(), lat0), distance_upper_bound=radius_m)
    hit = np.isfinite(dist)
    return pd.DataFrame(
        {
            "lat": points["lat"].to_numpy()[hit],
            "lon": points["lon"].to_numpy()[hit],
            "place_id": places["place_id"].to_numpy()[idx[hit]],
            "distance_m": dist[hit].round(1),
        }
    )


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``int_place_links`` (one row per distinct located point near a place)."""
    points = con.sql("""
        select distinct lat, lon from stg_offences where lat is not null and place_id is null
        union
        select distinct found_lat, found_lon from stg_missing_episodes
        where found_lat is not null and found_place_id is null
    """).df()
    places = con.sql("select place_id, lat, lon from stg_places where lat is not null order by place_id").df()
    links = nearest_places(points, places, float(settings.get("hotspots", "place_radius_m")))
    con.register("place_links_df", links)
    con.execute("""
        create or replace table int_place_links as
        select cast(lat as double) as lat, cast(lon as double) as lon,
               cast(place_id as varchar) as place_id, cast(distance_m as double) as distance_m
        from place_links_df order by lat, lon
    """)
    con.unregister("place_links_df")
