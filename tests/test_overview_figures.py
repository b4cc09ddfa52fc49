"""The overview's headline figures equal those worked out independently from the raw sample files.

Everything here reads data/sample and data/geography with pandas and parses the contract's
variants itself (ISO and UK dates, flags, postcodes in any case), so a mistake in ingest
or in the SQL would show up as a difference.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

from contextmap import queries
from contextmap.filters import Filters
from contextmap.settings import ROOT

SAMPLE = ROOT / "data" / "sample"
GEO = ROOT / "data" / "geography" / "kirklees"
CASES = [
    Filters(date(2025, 6, 1), locality="Dewsbury and Mirfield"),
    Filters(date(2026, 1, 1), locality="Huddersfield"),
    Filters(date(2024, 12, 1), period="quarter", locality="All"),
    Filters(date(2026, 8, 1), period="quarter", locality="Kirklees Rural"),
    Filters(date(2024, 3, 1), locality="Batley and Spen"),
]


@pytest.fixture(scope="module")
def con(sample_db):
    connection = duckdb.connect(str(sample_db), read_only=True)
    yield connection
    connection.close()


def parse_dt(value) -> datetime | None:
    """A contract date-time: ISO 8601 (``T`` or space, with or without seconds) or UK day-first."""
    if value is None or pd.isna(value) or not str(value).strip():
        return None
    text = str(value).strip().replace("T", " ")
    formats = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y") if "/" in text else (
        "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"unreadable date {value!r}")


def _postcode(value) -> str | None:
    if value is None or pd.isna(value) or not str(value).strip():
        return None
    return str(value).upper().replace(" ", "").strip()


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """Episodes from the raw CSV with locality, start, end, earliest RHI offer and repeat count."""
    wards = pd.read_csv(GEO / "localities.csv", dtype=str)
    pcs = pd.read_csv(GEO / "postcodes.csv", dtype={"postcode": str})
    pcs["key"] = pcs["postcode"].str.replace(" ", "").str.upper()
    pcs = pcs.merge(wards[["ward_code", "locality"]], on="ward_code", how="left")
    # A postcode's area is its LSOA's, and an LSOA lies in the ward most of its postcodes are in.
    lsoa_ward = pcs.groupby("lsoa_code")["ward_code"].agg(lambda s: s.value_counts().index[0])
    lsoa_locality = lsoa_ward.map(dict(zip(wards["ward_code"], wards["locality"])))
    by_pc = dict(zip(pcs["key"], pcs["lsoa_code"].map(lsoa_locality)))
    pcs["sector"] = pcs["postcode"].str.split(" ").str[0] + " " + pcs["postcode"].str.split(" ").str[1].str[0]
    # A sector's locality is the one most of its postcodes lie in.
    by_sector = pcs.groupby("sector")["locality"].agg(lambda s: s.value_counts().index[0]).to_dict()
    lat0 = pcs["lat"].mean()
    tree = cKDTree(np.column_stack([pcs["lon"] * np.cos(np.radians(lat0)), pcs["lat"]]))

    eps = pd.read_csv(SAMPLE / "missing_episodes.csv", dtype=str)

    def sector(pc):
        pc = _postcode(pc)
        return f"{pc[:-3]} {pc[-3]}" if pc else None

    def locality(row):
        for candidate in (by_pc.get(_postcode(row.missing_from_postcode)), by_sector.get(sector(row.home_postcode)),
                          by_pc.get(_postcode(row.found_postcode))):
            if isinstance(candidate, str):
                return candidate
        if _postcode(row.found_postcode) is None and pd.notna(row.found_lat) and str(row.found_lat).strip():
            lat, lon = float(row.found_lat), float(row.found_lon)
            _, i = tree.query([lon * np.cos(np.radians(lat0)), lat])
            return lsoa_locality.get(pcs["lsoa_code"].iloc[i], "Unknown")
        return "Unknown"

    eps["locality"] = [locality(r) for r in eps.itertuples()]
    eps["person"] = eps["person_id"].str.strip()
    eps["start"] = eps["start_datetime"].map(parse_dt)
    eps["end"] = eps["end_datetime"].map(parse_dt)
    eps["episode_id"] = eps["episode_id"].str.strip()
    rhis = pd.read_csv(SAMPLE / "return_home_interviews.csv", dtype=str)
    rhis["episode_id"] = rhis["episode_id"].str.strip()
    rhis["offered"] = rhis["offered_datetime"].map(parse_dt)
    offered = rhis.dropna(subset=["offered"]).groupby("episode_id")["offered"].min()
    eps["offered"] = eps["episode_id"].map(offered)
    # Episodes of the same child in the 90 days up to and including this one's start.
    eps = eps.sort_values(["person", "start"]).reset_index(drop=True)
    eps["in_90d"] = [
        int(((g["start"] >= s - pd.Timedelta(days=90)) & (g["start"] <= s)).sum())
        for _, g in eps.groupby("person", sort=False) for s in g["start"]
    ]
    return eps


def expected(eps: pd.DataFrame, f: Filters) -> dict:
    month = eps["start"].map(lambda d: date(d.year, d.month, 1))
    sel = eps[(month >= f.month_from) & (month <= f.month_to)]
    if f.locality != "All":
        sel = sel[sel["locality"] == f.locality]
    ended = sel[sel["end"].notna()]
    # An offer before the return counts from the return (0 hours).
    wait = (ended["offered"] - ended["end"]).clip(lower=pd.Timedelta(0))
    return {
        "episodes": len(sel),
        "children": sel["person"].nunique(),
        "repeat_children": sel.loc[sel["in_90d"] >= 3, "person"].nunique(),
        "rhi_eligible": len(ended),
        "rhi_offered_72h": int((ended["offered"].notna() & (wait <= pd.Timedelta(hours=72))).sum()),
    }


@pytest.mark.parametrize("f", CASES, ids=lambda f: f"{f.month:%Y-%m}-{f.period}-{f.locality}")
def test_overview_figures_equal_independent_counts(con, raw, f):
    got = queries.run(con, "overview_episodes", exact=True, **f.params()).iloc[0]
    want = expected(raw, f)
    assert want["episodes"] > 20, "choose a month and locality with enough episodes to be a real check"
    assert {k: int(got[k]) for k in want} == want


def test_parser_reads_every_contract_variant():
    assert parse_dt("05/03/2024 21:40") == datetime(2024, 3, 5, 21, 40)
    assert parse_dt(" 2024-03-05T21:40 ") == datetime(2024, 3, 5, 21, 40)
    assert parse_dt("2024-03-05 21:40:07") == datetime(2024, 3, 5, 21, 40, 7)
    assert parse_dt("05/03/2024") == datetime(2024, 3, 5)
    assert parse_dt("") is None
