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


def _boundaries(src: Path, name: str, code: str, label: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(src)[[code, label, "geometry"]]
    gdf.columns = ["code", "name", "geometry"]
    gdf["geometry"] = gdf.geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    return gdf.sort_values("code").reset_index(drop=True)


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
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


def _postcodes(real: Path, lsoas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Live Kirklees postcodes with LSOA 2011, ward and WGS84 coordinates."""
    pc = real / "geography" / "postcodes"
    cpo = pd.read_csv(pc / "kirklees_codepoint_open_2025.csv", dtype=str)
    cpo = cpo[cpo["Admin_district_code"] == LA_CODE]
    to_wgs84 = Transformer.from_crs(27700, 4326, always_xy=True)
    lon, lat = to_wgs84.transform(cpo["Eastings"].astype(float), cpo["Northings"].astype(float))
    out = pd.DataFrame(
        {
            "postcode": cpo["Postcode"].str.upper().str.replace(r"\s+", " ", regex=True).str.strip(),
            "ward_code": cpo["Admin_ward_code"],
            "lat": pd.Series(lat, index=cpo.index).round(6),
            "lon": pd.Series(lon, index=cpo.index).round(6),
        }
    )
    ons = pd.read_csv(pc / "kirklees_pcd_oa11_lsoa11_msoa11_lad_may2022.csv", dtype=str)
    ons = ons[ons["doterm"].isna()][["pcds", "lsoa11cd"]].rename(
        columns={"pcds": "postcode", "lsoa11cd": "lsoa_code"}
    )
    out = out.merge(ons, on="postcode", how="left")
    # Postcodes introduced after May 2022 have no ONS LSOA 2011 row: place them by point.
    todo = out["lsoa_code"].isna()
    if todo.any():
        pts = gpd.GeoDataFrame(
            out[todo], geometry=gpd.points_from_xy(out.loc[todo, "lon"], out.loc[todo, "lat"]), crs=4326
        )
        hit = gpd.sjoin(pts, lsoas[["code", "geometry"]], predicate="within", how="left")
        hit = hit[~hit.index.duplicated()]
        out.loc[todo, "lsoa_code"] = hit["code"]
    out = out.dropna(subset=["lsoa_code"])
    return out.sort_values("postcode")[["postcode", "lsoa_code", "ward_code", "lat", "lon"]]


def prepare(real: Path, out: Path = OUT) -> None:
    """Write every shipped geography file from the open data folder ``real``."""
    geo = real / "geography"
    dest = out / "kirklees"
    dest.mkdir(parents=True, exist_ok=True)
    wards = _boundaries(geo / "kirklees_wards_bgc.geojson", "ward", "WD13CD", "WD13NM")
    lsoas = _boundaries(geo / "kirklees_lsoa2011_bgc.geojson", "lsoa", "LSOA11CD", "LSOA11NM")
    _write_geojson(wards, dest / "wards.geojson")
    _write_geojson(lsoas, dest / "lsoas.geojson")

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

    with gzip.open(real / "population" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz", "rt", encoding="utf-8-sig") as fh:
        imd = pd.read_csv(fh, dtype=str, thousands=",")
    imd = imd[imd["Local Authority District code (2019)"] == LA_CODE]
    imd = pd.DataFrame(
        {
            "lsoa_code": imd["LSOA code (2011)"],
            "imd_rank": imd["Index of Multiple Deprivation (IMD) Rank"].str.replace(",", ""),
            "imd_decile": imd["Index of Multiple Deprivation (IMD) Decile"],
        }
    )
    imd.sort_values("lsoa_code").to_csv(dest / "imd2019_lsoa.csv", index=False)

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
