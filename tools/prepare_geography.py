"""Derive the geography files ContextMap ships from the published open data.

Run once by a maintainer (``python -m tools.prepare_geography SRC``), where SRC
is a folder laid out like the project's ``shared/data/real``. The outputs in
``data/geography/`` are committed; the build reads only those, through the paths in
``contextmap.toml``, so another council can ship its own files in the same shape.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import Transformer

from contextmap.settings import ROOT

LA_CODE = "E08000034"
OUT = ROOT / "data" / "geography"
# About 10 m at this latitude: invisible at ward and LSOA zoom, a fraction of the bytes.
SIMPLIFY_DEGREES = 0.0001
COORD_DECIMALS = 5
# The columns of every shipped postcodes.csv.
POSTCODE_COLUMNS = ["postcode", "lsoa_code", "ward_code", "lat", "lon"]


def boundaries(src: Path, code: str, label: str, simplify: bool = True) -> gpd.GeoDataFrame:
    """Areas of ``src`` as ``code``, ``name``, ``geometry``, sorted by code, simplified unless told not."""
    gdf = gpd.read_file(src)[[code, label, "geometry"]]
    gdf.columns = ["code", "name", "geometry"]
    if simplify:
        gdf["geometry"] = gdf.geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    return gdf.sort_values("code").reset_index(drop=True)


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write ``gdf`` as compact GeoJSON with coordinates rounded to COORD_DECIMALS."""
    data = json.loads(gdf.to_json(drop_id=True))
    path.write_text(json.dumps(_round(data), separators=(",", ":")))


def _round(obj):
    if isinstance(obj, float):
        return round(obj, COORD_DECIMALS)
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def codepoint_points(cpo: pd.DataFrame) -> pd.DataFrame:
    """Code-Point Open rows as ``postcode``, ``ward_code`` and a WGS84 ``lat``/``lon`` (6 dp)."""
    to_wgs84 = Transformer.from_crs(27700, 4326, always_xy=True)
    lon, lat = to_wgs84.transform(cpo["Eastings"].astype(float), cpo["Northings"].astype(float))
    return pd.DataFrame(
        {
            "postcode": cpo["Postcode"].str.upper().str.replace(r"\s+", " ", regex=True).str.strip(),
            "ward_code": cpo["Admin_ward_code"],
            "lat": pd.Series(lat, index=cpo.index).round(6),
            "lon": pd.Series(lon, index=cpo.index).round(6),
        }
    )


def place_missing_lsoas(out: pd.DataFrame, lsoas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Fill a blank ``lsoa_code`` with the LSOA holding the postcode's point; drop points outside every LSOA."""
    # Postcodes introduced after May 2022 have no ONS LSOA 2011 row: place them by point.
    todo = out["lsoa_code"].isna()
    if todo.any():
        pts = gpd.GeoDataFrame(
            out[todo], geometry=gpd.points_from_xy(out.loc[todo, "lon"], out.loc[todo, "lat"]), crs=4326
        )
        hit = gpd.sjoin(pts, lsoas[["code", "geometry"]], predicate="within", how="left")
        hit = hit[~hit.index.duplicated()]
        out.loc[todo, "lsoa_code"] = hit["code"]
    return out.dropna(subset=["lsoa_code"])


def _postcodes(real: Path, lsoas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Live Kirklees postcodes with LSOA 2011, ward and WGS84 coordinates."""
    pc = real / "geography" / "postcodes"
    cpo = pd.read_csv(pc / "kirklees_codepoint_open_2025.csv", dtype=str)
    out = codepoint_points(cpo[cpo["Admin_district_code"] == LA_CODE])
    ons = pd.read_csv(pc / "kirklees_pcd_oa11_lsoa11_msoa11_lad_may2022.csv", dtype=str)
    ons = ons[ons["doterm"].isna()][["pcds", "lsoa11cd"]].rename(
        columns={"pcds": "postcode", "lsoa11cd": "lsoa_code"}
    )
    out = place_missing_lsoas(out.merge(ons, on="postcode", how="left"), lsoas)
    return out.sort_values("postcode")[POSTCODE_COLUMNS]


def councils(real: Path, la_codes: list[str]) -> pd.DataFrame:
    """Each LSOA 2011 of the councils ``la_codes`` with its council's ONS code and name."""
    lookup = pd.read_csv(real / "geography" / "west_yorkshire_oa11_lsoa11_msoa11_lad_lookup.csv", dtype=str)
    lookup = lookup[lookup["LAD17CD"].isin(la_codes)][["LSOA11CD", "LAD17CD", "LAD17NM"]].drop_duplicates()
    lookup.columns = ["lsoa_code", "council_code", "council_name"]
    return lookup.sort_values("lsoa_code")


def imd(real: Path, la_codes: list[str]) -> pd.DataFrame:
    """IMD 2019 rank and decile of every LSOA in the councils ``la_codes``."""
    with gzip.open(real / "population" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz", "rt", encoding="utf-8-sig") as fh:
        data = pd.read_csv(fh, dtype=str, thousands=",")
    data = data[data["Local Authority District code (2019)"].isin(la_codes)]
    return pd.DataFrame(
        {
            "lsoa_code": data["LSOA code (2011)"],
            "imd_rank": data["Index of Multiple Deprivation (IMD) Rank"].str.replace(",", ""),
            "imd_decile": data["Index of Multiple Deprivation (IMD) Decile"],
        }
    ).sort_values("lsoa_code")


def prepare(real: Path, out: Path = OUT) -> None:
    """Write every shipped geography file from the open data folder ``real``."""
    geo = real / "geography"
    dest = out / "kirklees"
    dest.mkdir(parents=True, exist_ok=True)
    wards = boundaries(geo / "kirklees_wards_bgc.geojson", "WD13CD", "WD13NM")
    lsoas = boundaries(geo / "kirklees_lsoa2011_bgc.geojson", "LSOA11CD", "LSOA11NM")
    write_geojson(wards, dest / "wards.geojson")
    write_geojson(lsoas, dest / "lsoas.geojson")
    councils(real, [LA_CODE]).to_csv(dest / "councils.csv", index=False)

    loc = pd.read_csv(geo / "kirklees_ward_locality_derived.csv", dtype=str)
    loc.columns = ["ward_code", "ward_name", "locality"]
    loc.sort_values("ward_code").to_csv(dest / "localities.csv", index=False)

    _postcodes(real, lsoas).to_csv(dest / "postcodes.csv", index=False)

    pop = pd.read_csv(real / "population" / "kirklees_children_10_17_mid2020_by_lsoa11_derived.csv", dtype=str)
    pop = pop.rename(
        columns={"lsoa11_code": "lsoa_code", "lsoa11_name": "lsoa_name", "MSOA11CD": "msoa_code", "age_10_17": "children_10_17"}
    )
    cols = ["lsoa_code", "lsoa_name", "msoa_code", "children_10_17"] + [str(a) for a in range(10, 18)]
    pop[cols].sort_values("lsoa_code").to_csv(dest / "children_10_17_lsoa.csv", index=False)

    imd(real, [LA_CODE]).to_csv(dest / "imd2019_lsoa.csv", index=False)

    overlap = pd.read_csv(geo / "kirklees_lsoa11_lsoa21_postcode_overlap_derived.csv", dtype=str)
    overlap = overlap.rename(columns={"lsoa11cd": "lsoa11_code", "lsoa21cd": "lsoa21_code", "share_of_lsoa11": "share"})
    overlap[["lsoa21_code", "lsoa11_code", "n_postcodes", "share"]].sort_values(
        ["lsoa21_code", "lsoa11_code"]
    ).to_csv(dest / "lsoa21_to_lsoa11.csv", index=False)

    districts = pd.read_csv(geo / "postcodes" / "gb_postcode_district_centroids_derived_codepoint2025.csv", dtype=str)
    districts.rename(columns={"outcode": "district"})[["district", "lat", "lon"]].to_csv(
        out / "gb_postcode_districts.csv", index=False
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder laid out like shared/data/real")
    prepare(parser.parse_args().source)


if __name__ == "__main__":
    main()
