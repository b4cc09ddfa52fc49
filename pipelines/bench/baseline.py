"""The benchmark's baseline: the main marts computed the way an analyst would in pandas/geopandas.

Read the contract CSVs, parse dates and postcodes, merge with the postcode lookup,
spatially join points to LSOA polygons and places (within the link radius), then
group by month and area. It computes the same marts as the build's
``mart_monthly_area_counts``, ``mart_place_monthly`` and ``mart_rhi_timeliness``
(simplified: no rejects, pseudonyms or analytics), so its time and memory are a fair
floor for "doing it by hand".

``python -m pipelines.bench.baseline INPUT_FOLDER [--json OUT]`` prints stage timings.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from contextmap import settings

DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y",
                "%Y-%m")
AGE_BINS = [-1, 9, 13, 15, 17, 200]
AGE_LABELS = ["Under 10", "10-13", "14-15", "16-17", "18+"]
BNG = "EPSG:27700"


def parse_dates(s: pd.Series) -> pd.Series:
    """Mixed ISO and UK day-first date-times, trying each known format in turn."""
    s = s.str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        todo = out.isna() & s.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
    return out


def parse_flag(s: pd.Series) -> pd.Series:
    return s.str.strip().str.upper().isin(["Y", "YES", "TRUE", "1"])


def age_band(age: pd.Series) -> pd.Series:
    return pd.cut(age, AGE_BINS, labels=AGE_LABELS).astype(object).fillna("Unknown")


def norm_postcode(s: pd.Series) -> pd.Series:
    return s.str.upper().str.replace(" ", "", regex=False).str.strip()


def load_geography():
    """LSOA polygons and the postcode lookup, as an analyst would load them."""
    geo = settings.current().geography
    lsoas = gpd.read_file(geo.lsoas)[["code", "geometry"]].rename(columns={"code": "lsoa_code"})
    localities = pd.read_csv(geo.localities, dtype=str)[["ward_code", "locality"]]
    postcodes = pd.read_csv(geo.postcodes, dtype=str)
    postcodes["pc"] = norm_postcode(postcodes["postcode"])
    lsoa_ward = postcodes.groupby("lsoa_code")["ward_code"].agg(lambda s: s.mode().iat[0]).reset_index()
    return lsoas, postcodes[["pc", "lsoa_code"]], lsoa_ward.merge(localities, on="ward_code", how="left")


def _points(df: pd.DataFrame, lat: str, lon: str) -> gpd.GeoDataFrame:
    has = df[lat].notna() & df[lon].notna()
    geometry = gpd.points_from_xy(df.loc[has, lon], df.loc[has, lat])
    return gpd.GeoDataFrame(index=df.index[has], geometry=geometry, crs="EPSG:4326")


def points_to_lsoa(df: pd.DataFrame, lat: str, lon: str, lsoas: gpd.GeoDataFrame) -> pd.Series:
    """The LSOA each row's point lies in (sjoin of points to polygons)."""
    pts = _points(df, lat, lon)
    joined = gpd.sjoin(pts, lsoas, how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    return joined["lsoa_code"].reindex(df.index)


def nearest_place(df: pd.DataFrame, lat: str, lon: str, places: gpd.GeoDataFrame, radius: float) -> pd.Series:
    """The nearest place of concern within ``radius`` metres of each row's point."""
    pts = _points(df, lat, lon).to_crs(BNG)
    joined = gpd.sjoin_nearest(pts, places, how="left", max_distance=radius)
    joined = joined[~joined.index.duplicated()]
    return joined["place_id"].reindex(df.index)


def run(folder: Path) -> dict:
    """Compute the marts from ``folder``; return stage timings and mart sizes."""
    stages: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        stages[name] = now - clock[0]
        clock[0] = now

    radius = float(settings.current().hotspots.place_radius_m)
    lsoas, postcodes, lsoa_area = load_geography()
    read = lambda name: pd.read_csv(folder / f"{name}.csv", dtype=str)  # noqa: E731
    eps, rhi, off, places = read("missing_episodes"), read("return_home_interviews"), read("offences"), read("places")
    lap("read CSVs")

    eps["episode_id"] = eps["episode_id"].str.strip()
    eps["start"] = parse_dates(eps["start_datetime"])
    eps["end"] = parse_dates(eps["end_datetime"])
    dob = parse_dates(eps["date_of_birth"])
    eps["age"] = pd.to_numeric(eps["age"], errors="coerce").fillna((eps["start"] - dob).dt.days // 365.25)
    eps["lac"] = parse_flag(eps["looked_after"].fillna(""))
    rhi["episode_id"] = rhi["episode_id"].str.strip()
    rhi["offered"] = parse_dates(rhi["offered_datetime"])
    off["at"] = parse_dates(off["offence_datetime"])
    for frame, cols in ((eps, ("found_lat", "found_lon")), (off, ("lat", "lon")), (places, ("lat", "lon"))):
        for c in cols:
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
    lap("parse dates and numbers")

    pc_lsoa = postcodes.set_index("pc")["lsoa_code"]
    places["pc"] = norm_postcode(places["postcode"].fillna(""))
    places["lsoa_code"] = places["pc"].map(pc_lsoa).fillna(points_to_lsoa(places, "lat", "lon", lsoas))
    gplaces = gpd.GeoDataFrame(
        places[["place_id"]], geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs="EPSG:4326"
    ).dropna(subset=["geometry"]).to_crs(BNG)
    eps["from_lsoa"] = norm_postcode(eps["missing_from_postcode"].fillna("")).map(pc_lsoa)
    eps["found_lsoa"] = norm_postcode(eps["found_postcode"].fillna("")).map(pc_lsoa).fillna(
        points_to_lsoa(eps, "found_lat", "found_lon", lsoas))
    eps["found_place"] = eps["found_place_id"].str.strip().fillna(
        nearest_place(eps, "found_lat", "found_lon", gplaces, radius))
    off["lsoa_code"] = norm_postcode(off["postcode"].fillna("")).map(pc_lsoa).fillna(
        points_to_lsoa(off, "lat", "lon", lsoas))
    off["place"] = off["place_id"].str.strip().fillna(nearest_place(off, "lat", "lon", gplaces, radius))
    lap("postcodes, spatial joins and place links")

    ep_cols = eps[["episode_id", "start", "age", "sex", "lac"]]
    mentions = rhi[["episode_id"]].assign(place=rhi["places_mentioned"].str.split(";")).explode("place")
    mentions["place"] = mentions["place"].str.strip()
    mentions = mentions[mentions["place"].fillna("") != ""].merge(ep_cols, on="episode_id", how="inner")
    mentions["lsoa_code"] = mentions["place"].map(places.set_index("place_id")["lsoa_code"]).fillna(
        norm_postcode(mentions["place"]).map(pc_lsoa))
    events = pd.concat([
        pd.DataFrame({"source": "missing_from", "at": eps["start"], "lsoa_code": eps["from_lsoa"], "age": eps["age"],
                      "sex": eps["sex"], "lac": eps["lac"], "place_id": None}),
        pd.DataFrame({"source": "missing_found", "at": eps["end"].fillna(eps["start"]), "lsoa_code": eps["found_lsoa"],
                      "age": eps["age"], "sex": eps["sex"], "lac": eps["lac"], "place_id": eps["found_place"]}),
        pd.DataFrame({"source": "rhi_mention", "at": mentions["start"], "lsoa_code": mentions["lsoa_code"],
                      "age": mentions["age"], "sex": mentions["sex"], "lac": mentions["lac"],
                      "place_id": mentions["place"]}),
        pd.DataFrame({"source": "offence", "at": off["at"], "lsoa_code": off["lsoa_code"],
                      "age": pd.to_numeric(off["age"], errors="coerce"), "sex": off["sex"], "lac": False,
                      "place_id": off["place"]}),
    ], ignore_index=True)
    events = events[events["lsoa_code"].notna()].merge(lsoa_area, on="lsoa_code", how="left")
    events["month"] = events["at"].dt.to_period("M").dt.to_timestamp()
    events["age_band"] = age_band(events["age"])
    events["sex"] = events["sex"].str.strip().fillna("U")
    lap("events")

    area = events.groupby(["month", "lsoa_code", "ward_code", "locality", "source", "age_band", "sex", "lac"],
                          dropna=False, observed=True).size().rename("events").reset_index()
    linked = events[events["place_id"].notna()]
    place = linked.groupby(["place_id", "month", "source"]).size().rename("events").reset_index()
    first_rhi = rhi.sort_values("offered").drop_duplicates("episode_id")[["episode_id", "offered"]]
    rhi_eps = eps.merge(first_rhi, on="episode_id", how="left").merge(
        lsoa_area[["lsoa_code", "locality"]], left_on="from_lsoa", right_on="lsoa_code", how="left")
    rhi_eps["month"] = rhi_eps["start"].dt.to_period("M").dt.to_timestamp()
    rhi_eps["hours"] = (rhi_eps["offered"] - rhi_eps["end"]).dt.total_seconds().clip(lower=0) / 3600
    rhi_eps["in_72h"] = rhi_eps["hours"] <= 72
    timeliness = rhi_eps.groupby(["month", "locality", "lac"], dropna=False).agg(
        episodes=("episode_id", "size"), returned=("end", "count"), offered_72h=("in_72h", "sum"),
        median_hours=("hours", "median")).reset_index()
    lap("marts (groupby)")
    return {
        "stages": stages,
        "marts": {"monthly_area_counts": len(area), "place_monthly": len(place), "rhi_timeliness": len(timeliness)},
        "events": int(len(events)),
        "note": "pandas read_csv, per-format to_datetime, postcode merge, geopandas sjoin (points in LSOA "
                "polygons) and sjoin_nearest (places within the link radius), then groupby; one process.",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.bench.baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json", type=Path, help="write the timings here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = run(args.folder)
    result["seconds_in_process"] = time.perf_counter() - started
    text = json.dumps(result, indent=1, default=float)
    if args.json:
        args.json.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
