"""The benchmark's baseline: the build's three main marts, computed as an analyst would in pandas/geopandas.

Given the same contract CSVs, :func:`compute` makes the same ``mart_monthly_area_counts``,
``mart_place_monthly`` and ``mart_rhi_timeliness`` as the build (the columns in
:data:`COMPARED`; ``tests/test_bench_baseline.py`` checks they are equal), following the
rules docs/contract.md and docs/methods.md state: every date format the contract allows
(``read_csv``, then ``to_datetime`` once per format), flags in any spelling, postcodes in
any case and spacing, white space trimmed; the rows the build rejects dropped (missing or
unreadable values, unknown codes, end before start, duplicate ids, unknown places and
episodes, points outside the area); locations from the postcode lookup, or the nearest
postcode within about 500 m of a point (``sjoin_nearest``); places within the link radius
(``sjoin_nearest``); one event per offence however many people it involves; ages from the
date of birth; the 72-hour RHI rules with their roll-ups. It skips what only the product
needs: pseudonyms, record keys, the rejects table, analytics and the other 54 tables.

``python -m pipelines.bench.baseline INPUT_FOLDER [--json OUT]`` prints stage timings.
"""

from __future__ import annotations

import argparse
import json
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from contextmap import settings
from pipelines.ingest import sqlparts as sp
from pipelines.ingest.checks import FORMULA_CHECKED
from pipelines.ingest.files import normalise_header
from pipelines.ingest.locations import NEAR_LAT, NEAR_LON
from pipelines.ingest.sources import BY_NAME

# The build's columns each mart is compared on: all but the cell keys (sums of pseudonymous
# record keys, which only a build with the pseudonymisation key can make).
COMPARED = {
    "mart_monthly_area_counts": ["event_month", "lsoa_code", "ward_code", "locality", "event_source", "age_band",
                                 "sex", "is_looked_after", "events"],
    "mart_place_monthly": ["place_id", "event_month", "event_source", "events"],
    "mart_rhi_timeliness": ["month", "locality", "looked_after", "episodes", "returned", "eligible", "offered_72h",
                            "completed_72h", "offered", "completed", "declined", "offered_before_return",
                            "timed_offers", "median_hours_to_offer"],
}
# The build's rows each mart is compared on: the whole build's (the baseline has no data owners).
WHOLE_BUILD = {"mart_rhi_timeliness": "owner_code = 'All'"}
# The contract files the three marts read, in the order they depend on each other.
FILES = ("places", "missing_episodes", "return_home_interviews", "offences")
WHITE_SPACE = " \t\r\n\u00a0"
AGE_BINS = [-1, 9, 13, 15, 17, 200]
AGE_LABELS = ["Under 10", "10-13", "14-15", "16-17", "18+"]
EARTH_RADIUS_M = 6371008.8
FORMULA = r"^[=+@]\s*[A-Za-z_.]+\s*\("
CODE = r"[A-Za-z0-9_\-]+( [A-Za-z0-9_\-]+){0,2}"


# --- values --------------------------------------------------------------------------

def read_contract(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A contract CSV as trimmed text (empty = missing), with every contract column; empty lines dropped.

    Read with pyarrow's parallel reader, as anyone reading a large file with pandas would
    (three to five times faster than the default on the benchmark's files)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", engine="pyarrow")
    df.columns = [normalise_header(c) for c in df.columns]
    df = df[(df != "").any(axis=1)].reset_index(drop=True)
    out = pd.DataFrame(index=df.index)
    for c in columns:
        s = df.pop(c).str.strip(WHITE_SPACE) if c in df else pd.Series(None, index=df.index, dtype="str")
        out[c] = s.where(s != "")
    return out


def parse_datetimes(s: pd.Series) -> pd.Series:
    """ISO 8601 (``T`` or space, optional seconds and ``Z``) or UK day-first (``/``, ``-`` or ``.``)."""
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    iso = s.str[4] == "-"
    # pandas reads a bare YYYY-MM as its first day; the contract accepts a month only for offences.
    full = iso & (s.str.len() >= 10)
    text = s[full].str.rstrip("Zz").str.replace("T", " ", regex=False)
    out[full] = pd.to_datetime(text, format="ISO8601", errors="coerce")
    text = s[s.notna() & ~iso].str.replace("-", "/", regex=False).str.replace(".", "/", regex=False)
    colons = text.str.count(":").clip(upper=2)
    for n, fmt in enumerate(("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")):
        part = colons.index[colons == n]
        out[part] = pd.to_datetime(text[part], format=fmt, errors="coerce")
    return out


def parse_months(s: pd.Series) -> pd.Series:
    """Date-times as :func:`parse_datetimes`, and ``YYYY-MM`` months."""
    out = parse_datetimes(s)
    month = (s.str.len() == 7) & (s.str[4] == "-")
    out[month] = pd.to_datetime(s[month], format="%Y-%m", errors="coerce")
    return out


def precision(s: pd.Series) -> pd.Series:
    """How finely a date-time was written: 2 with seconds, 1 with minutes, 0 a date only."""
    return np.where(s.str.contains(r"\d:\d\d:\d", na=False), 2, np.where(s.str.contains(":", na=False), 1, 0))


def before(a: pd.Series, a_text: pd.Series, b: pd.Series, b_text: pd.Series) -> pd.Series:
    """``a`` before ``b`` at the coarser precision of the two texts (09:43 is not before 09:43:23)."""
    p = np.minimum(precision(a_text), precision(b_text))
    out = pd.Series(False, index=a.index)
    for level, unit in ((0, "D"), (1, "min"), (2, "s")):
        at = p == level
        out[at] = a[at].dt.floor(unit) < b[at].dt.floor(unit)
    return out


def parse_flag(s: pd.Series) -> pd.Series:
    """True, False or missing: Y/N, Yes/No, TRUE/FALSE, 1/0 in any case."""
    up = s.str.upper()
    return pd.Series(np.where(up.isin(sp.TRUE_WORDS), True, np.where(up.isin(sp.FALSE_WORDS), False, None)),
                     index=s.index, dtype="boolean")


def number(s: pd.Series) -> pd.Series:
    """Numbers as written (thousands separators allowed); missing when not a number."""
    return pd.to_numeric(s.str.replace(",", "", regex=False), errors="coerce")


def round_half_up(x: pd.Series, digits: int) -> pd.Series:
    """``x`` rounded to ``digits`` places, halves away from zero, as the build rounds (from the
    exact binary value: 35.6035 is stored just below the half, so it becomes 35.603)."""
    scale = 10.0 ** digits
    y = x.to_numpy(dtype=float) * scale
    out = np.trunc(y + np.copysign(0.5, y)) / scale
    near = np.abs(np.abs(y) % 1 - 0.5) < 1e-6
    step = Decimal(1).scaleb(-digits)
    out[near] = [float(Decimal(v).quantize(step, ROUND_HALF_UP)) for v in x.to_numpy(dtype=float)[near]]
    return pd.Series(out, index=x.index)


def postcode(s: pd.Series) -> pd.Series:
    """Postcodes upper case without spaces or punctuation (missing when nothing is left)."""
    p = s.str.replace(r"[^A-Za-z0-9]", "", regex=True).str.upper()
    return p.where(p != "")


def postcode_sector(p: pd.Series) -> pd.Series:
    """The sector (``HD1 2``) of well-formed normalised postcodes."""
    ok = p.str.fullmatch(sp.POSTCODE_RE).fillna(False).astype(bool)
    return (p.str[:-3] + " " + p.str[-3:-2]).where(ok)


def code(s: pd.Series) -> pd.Series:
    """Codes as the contract compares them: upper case, runs of spaces and dashes as ``_``."""
    return s.str.replace(r"[\s\-]+", "_", regex=True).str.upper()


def codes(s: pd.Series) -> pd.Series:
    """Each row's ``;``-separated list, trimmed, without empties or repeats: one item a row (index kept)."""
    items = s.str.split(";").explode().str.strip(WHITE_SPACE)
    items = items[items.notna() & (items != "")].rename("item").rename_axis("row")
    return items.reset_index().drop_duplicates().set_index("row")["item"]


def age_band(age: pd.Series) -> pd.Series:
    """The build's age bands; no age is Unknown."""
    return pd.cut(age, AGE_BINS, labels=AGE_LABELS).astype(object).fillna("Unknown")


def sex(s: pd.Series) -> pd.Series:
    """F, M, X or U from any accepted spelling; missing when unknown."""
    return s.str.upper().map(sp.SEX_CODES)


def formula(s: pd.Series) -> pd.Series:
    """An id that holds a spreadsheet formula rather than a value (the pattern only where one could start)."""
    out = pd.Series(False, index=s.index)
    maybe = s.str[0].isin(["=", "+", "@"])
    out[maybe] = s[maybe].str.contains(FORMULA)
    return out


def flag_bad(s: pd.Series) -> pd.Series:
    return s.notna() & parse_flag(s).isna()


def date_bad(s: pd.Series, parsed: pd.Series) -> pd.Series:
    return s.notna() & parsed.isna()


def future(parsed: pd.Series) -> pd.Series:
    return (parsed > pd.Timestamp.now() + pd.Timedelta(days=1)).fillna(False)


def too_old(parsed: pd.Series) -> pd.Series:
    return (parsed < pd.Timestamp("1990-01-01")).fillna(False)


def parse_age(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ages that are whole numbers (else missing), and the rows whose age is rejected: not a
    whole number, negative or over ``MAX_AGE``."""
    n = number(s)
    whole = n.notna() & (n == np.floor(n))
    return n.where(whole), (s.notna() & ~whole) | (whole & ((n < 0) | (n > sp.MAX_AGE)))


def code_bad(s: pd.Series, allowed, upper=True) -> pd.Series:
    return s.notna() & ~(s.str.upper() if upper else code(s)).isin(allowed)


def demography_bad(df: pd.DataFrame, sex_code: pd.Series) -> pd.Series:
    return (df["sex"].notna() & sex_code.isna()) | code_bad(df["ethnicity"], sp.ETHNICITY)


def parse_point(lat: pd.Series, lon: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Latitude and longitude as numbers, and the rows whose point is outside Great Britain or half of one."""
    la, lo = number(lat), number(lon)
    bad = ((lat.notna() & ~la.between(*sp.LAT_RANGE)) | (lon.notna() & ~lo.between(*sp.LON_RANGE))
           | (lat.isna() != lon.isna()))
    return la, lo, bad


def repeated(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    """Every row after the first with the same values of ``cols`` (missing counts as a value)."""
    return df.duplicated(cols, keep="first")


def generic_bad(df: pd.DataFrame, source: str) -> pd.Series:
    """A repeated header row, or a spreadsheet formula in an id, in a file of ``source``."""
    columns = BY_NAME[source].columns
    bad = (df[columns[0]].str.lower() == columns[0]).fillna(False)
    for c in (c for c in FORMULA_CHECKED if c in columns):
        bad |= formula(df[c])
    return bad


def required_bad(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    return df[cols].isna().any(axis=1)


# --- geography -----------------------------------------------------------------------

def _top(df: pd.DataFrame, key: str, value: str) -> pd.Series:
    """The most frequent ``value`` of each ``key`` (ties: the smallest), as the build's ``cm_top``."""
    n = df.dropna(subset=[value]).groupby([key, value]).size().rename("n").reset_index()
    n = n.sort_values([key, "n", value], ascending=[True, False, True]).drop_duplicates(key)
    return n.set_index(key)[value]


def load_geography() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The postcode lookup, and the ward and locality of each LSOA and of each postcode sector."""
    geo = settings.current().geography
    wards = gpd.read_file(geo.wards, ignore_geometry=True)[["code"]].rename(columns={"code": "ward_code"})
    lsoas = gpd.read_file(geo.lsoas, ignore_geometry=True)[["code"]].rename(columns={"code": "lsoa_code"})
    localities = pd.read_csv(geo.localities, dtype=str)[["ward_code", "locality"]].apply(lambda s: s.str.strip())
    wards = wards.merge(localities, on="ward_code", how="left").fillna({"locality": "Unassigned"})
    raw = pd.read_csv(geo.postcodes, dtype=str)
    display = raw["postcode"].str.strip().str.upper()
    pcs = pd.DataFrame({
        "pc": raw["postcode"].str.replace(" ", "", regex=False).str.upper(),
        "sector": display.str[:-2], "lsoa_code": raw["lsoa_code"], "ward_code": raw["ward_code"],
        "lat": raw["lat"].astype(float), "lon": raw["lon"].astype(float),
    })
    lsoa_area = lsoas.merge(_top(pcs, "lsoa_code", "ward_code").reset_index(), on="lsoa_code", how="left").merge(
        wards, on="ward_code", how="left")
    with_locality = pcs.merge(wards, on="ward_code", how="left")
    sector_area = pd.concat([_top(pcs, "sector", "lsoa_code"), _top(pcs, "sector", "ward_code"),
                             _top(with_locality, "sector", "locality")], axis=1).reset_index()
    return pcs, lsoa_area, sector_area


def nearest_postcode(la: pd.Series, lo: pd.Series, pcs: pd.DataFrame) -> pd.DataFrame:
    """Sector and LSOA of the postcode nearest each valid point, within the build's search box
    (about 500 m: ±0.0045° of latitude, ±0.0075° of longitude, longitude weighted 0.6; ties go
    to the first postcode), searched once per distinct point rounded to 4 places."""
    ok = la.between(*sp.LAT_RANGE) & lo.between(*sp.LON_RANGE)
    pts = pd.DataFrame({"lat4": round_half_up(la[ok], 4), "lon4": round_half_up(lo[ok], 4)})
    distinct = pts.drop_duplicates().reset_index(drop=True)
    if distinct.empty:
        return pd.DataFrame({"sector": None, "lsoa_code": None, "has_point": ok}, index=la.index)
    grid = pcs.dropna(subset=["lat", "lon"])
    where = gpd.GeoDataFrame(grid[["pc", "sector", "lsoa_code", "lat", "lon"]].rename(
        columns={"lat": "g_lat", "lon": "g_lon"}), geometry=gpd.points_from_xy(grid["lon"] * 0.6, grid["lat"]))
    probe = gpd.GeoDataFrame(distinct, geometry=gpd.points_from_xy(distinct["lon4"] * 0.6, distinct["lat4"]))
    # The nearest within the circle round the box; one outside the box (rare) is searched again in it.
    found = gpd.sjoin_nearest(probe, where, max_distance=NEAR_LAT * 2 ** 0.5)
    in_box = ((found["g_lat"] - found["lat4"]).abs() <= NEAR_LAT) & ((found["g_lon"] - found["lon4"]).abs() <= NEAR_LON)
    again = probe.loc[found.index[~in_box].unique()]
    if len(again):
        boxes = again.set_geometry(again.buffer(NEAR_LAT, cap_style="square"))
        candidates = gpd.sjoin(boxes, where, predicate="intersects")
        found = pd.concat([found[~found.index.isin(again.index)], candidates])
    found = found[(found["g_lat"].between(found["lat4"] - NEAR_LAT, found["lat4"] + NEAR_LAT))
                  & (found["g_lon"].between(found["lon4"] - NEAR_LON, found["lon4"] + NEAR_LON))]
    found = found.assign(d=(found["g_lat"] - found["lat4"]) ** 2 + ((found["g_lon"] - found["lon4"]) * 0.6) ** 2)
    best = found.sort_values(["lat4", "lon4", "d", "pc"]).drop_duplicates(["lat4", "lon4"])
    out = pts.merge(best[["lat4", "lon4", "sector", "lsoa_code"]], on=["lat4", "lon4"], how="left")
    out.index = pts.index
    return out[["sector", "lsoa_code"]].reindex(la.index).assign(has_point=ok)


def locate(pc_text: pd.Series, pcs: pd.DataFrame) -> pd.DataFrame:
    """Postcode lookup of each row: sector, LSOA and point (missing when not in the area's list),
    and the sector of a well-formed postcode. Each distinct text is looked up once."""
    rows, texts = pd.factorize(pc_text)
    p = postcode(pd.Series(texts, dtype="str"))
    found = pd.DataFrame({"pc": p}).merge(pcs, on="pc", how="left").assign(fmt_sector=postcode_sector(p))
    return found.reindex(rows).set_axis(pc_text.index)


def place_links(points: pd.DataFrame, places: pd.DataFrame, radius: float) -> pd.Series:
    """The nearest place (ties: the lower id) strictly within ``radius`` metres of each (lat, lon)
    of ``points``, on the equirectangular projection about the places' mean latitude; indexed
    by (lat, lon), points with no place within the radius left out."""
    placed = places.dropna(subset=["lat"]).reset_index(drop=True)
    distinct = points.drop_duplicates().reset_index(drop=True)
    x_scale = np.cos(np.radians(placed["lat"].mean()))

    def project(df):
        x = EARTH_RADIUS_M * np.radians(df["lon"]) * x_scale
        return gpd.GeoSeries(gpd.points_from_xy(x, EARTH_RADIUS_M * np.radians(df["lat"])), index=df.index)

    near = gpd.sjoin_nearest(gpd.GeoDataFrame(distinct, geometry=project(distinct)),
                             gpd.GeoDataFrame(placed[["place_id"]], geometry=project(placed)),
                             max_distance=radius, distance_col="distance_m")
    near = near[near["distance_m"] < radius].sort_values(["lat", "lon", "distance_m", "place_id"])
    return near.drop_duplicates(["lat", "lon"]).set_index(["lat", "lon"])["place_id"]


def linked(links: pd.Series, lat: pd.Series, lon: pd.Series) -> pd.Series:
    """The place ``links`` gives each row's (lat, lon), if any."""
    return pd.Series(links.reindex(pd.MultiIndex.from_arrays([lat, lon])).to_numpy(), index=lat.index)


# --- the contract files, as the build accepts them -----------------------------------

def clean_places(df: pd.DataFrame, pcs: pd.DataFrame) -> pd.DataFrame:
    """Accepted places, with sector, LSOA and point."""
    pc = locate(df["postcode"], pcs)
    lat, lon, point_bad = parse_point(df["lat"], df["lon"])
    nr = nearest_postcode(lat, lon, pcs)
    bad = (generic_bad(df, "places") | required_bad(df, ["place_id", "name", "category"])
           | code_bad(df["category"], sp.PLACE_CATEGORIES, upper=False) | point_bad
           | (df["postcode"].isna() & df["lat"].isna())
           | (df["postcode"].notna() & pc["lsoa_code"].isna() & df["lat"].isna())
           | repeated(df, ["place_id"]))
    out = pd.DataFrame({
        "place_id": df["place_id"],
        "sector": pc["sector"].fillna(pc["fmt_sector"]).fillna(nr["sector"]),
        "lsoa_code": pc["lsoa_code"].fillna(nr["lsoa_code"].where(df["postcode"].isna())),
        "lat": round_half_up(lat.fillna(pc["lat"]), 6),
        "lon": round_half_up(lon.fillna(pc["lon"]), 6),
    })
    return out[~bad]


def clean_episodes(df: pd.DataFrame, pcs: pd.DataFrame, place_ids: pd.Series) -> pd.DataFrame:
    """Accepted missing episodes, with age, flags and locations."""
    start, end = parse_datetimes(df["start_datetime"]), parse_datetimes(df["end_datetime"])
    dob = parse_datetimes(df["date_of_birth"]).dt.floor("D")
    dob_age = (start.dt.year - dob.dt.year
               - ((start.dt.month * 100 + start.dt.day) < (dob.dt.month * 100 + dob.dt.day)).astype(int))
    ep_type = df["episode_type"].fillna("MISSING").str.upper().map(sp.EPISODE_TYPES)
    mf, fo = locate(df["missing_from_postcode"], pcs), locate(df["found_postcode"], pcs)
    lat, lon, point_bad = parse_point(df["found_lat"], df["found_lon"])
    nr = nearest_postcode(lat, lon, pcs)
    age, age_bad = parse_age(df["age"])
    sex_code = sex(df["sex"])
    bad = (generic_bad(df, "missing_episodes")
           | required_bad(df, ["episode_id", "person_id", "start_datetime"])
           | date_bad(df["start_datetime"], start) | date_bad(df["end_datetime"], end)
           | date_bad(df["date_of_birth"], dob) | future(start) | future(end) | too_old(start)
           | before(end, df["end_datetime"], start, df["start_datetime"])
           | (dob > start).fillna(False) | (dob_age > sp.MAX_AGE).fillna(False)
           | age_bad | (df["age"].isna() & df["date_of_birth"].isna())
           | (df["episode_type"].notna() & ep_type.isna()) | demography_bad(df, sex_code)
           | flag_bad(df["looked_after"]) | code_bad(df["risk_level"], sp.RISK_LEVELS)
           | point_bad | repeated(df, ["episode_id"])
           | (df["found_place_id"].notna() & ~df["found_place_id"].isin(place_ids)))
    age = dob_age.where(dob <= start).fillna(age)
    out = pd.DataFrame({
        "episode_id": df["episode_id"], "started_at": start, "ended_at": end,
        "age_band": age_band(age), "sex": sex_code.fillna("U"), "is_looked_after": parse_flag(df["looked_after"]),
        "home_sector": postcode_sector(postcode(df["home_postcode"])),
        "missing_from_sector": mf["sector"].fillna(mf["fmt_sector"]), "missing_from_lsoa": mf["lsoa_code"],
        "found_sector": fo["sector"].fillna(fo["fmt_sector"]).fillna(nr["sector"]),
        "found_lsoa": fo["lsoa_code"].fillna(nr["lsoa_code"].where(df["found_postcode"].isna())),
        "found_lat": round_half_up(lat.fillna(fo["lat"]), 3),
        "found_lon": round_half_up(lon.fillna(fo["lon"]), 3),
        "found_place_id": df["found_place_id"],
    })
    return out[~bad]


def clean_rhis(df: pd.DataFrame, place_ids: pd.Series, episode_ids: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accepted return home interviews, and the places and postcodes each names (one row each)."""
    offered, completed = parse_datetimes(df["offered_datetime"]), parse_datetimes(df["completed_datetime"])
    themes, push, pull = codes(df["themes"]), codes(df["push_factors"]), codes(df["pull_factors"])
    mentions = codes(df["places_mentioned"]).rename("token").to_frame()
    mentions["is_place"] = mentions["token"].isin(place_ids)
    mentions["pc"] = postcode(mentions["token"])
    mentions["is_postcode"] = ~mentions["is_place"] & mentions["pc"].str.fullmatch(sp.POSTCODE_RE).fillna(False)

    def any_row(flags: pd.Series) -> pd.Series:
        return flags.groupby(level=0).any().reindex(df.index, fill_value=False)

    def not_code(items: pd.Series) -> pd.Series:
        return ~items.str.fullmatch(CODE).fillna(False) | (items.str.len() > 40)

    bad = (generic_bad(df, "return_home_interviews") | required_bad(df, ["rhi_id", "episode_id", "outcome"])
           | code_bad(df["outcome"], sp.RHI_OUTCOMES, upper=False)
           | date_bad(df["offered_datetime"], offered) | date_bad(df["completed_datetime"], completed)
           | future(offered) | future(completed) | too_old(offered)
           | before(completed, df["completed_datetime"], offered, df["offered_datetime"])
           | any_row(~code(themes).isin(sp.THEMES)) | any_row(not_code(push)) | any_row(not_code(pull))
           | repeated(df, ["rhi_id"]) | any_row(~mentions["is_place"] & ~mentions["is_postcode"])
           | (df["episode_id"].notna() & ~df["episode_id"].isin(episode_ids)))
    out = pd.DataFrame({"episode_id": df["episode_id"], "offered_at": offered, "completed_at": completed,
                        "outcome": code(df["outcome"])})[~bad]
    return out, mentions[mentions.index.isin(out.index)]


def clean_offences(df: pd.DataFrame, pcs: pd.DataFrame, place_ids: pd.Series) -> pd.DataFrame:
    """Accepted offence rows (one per person involved), with time, demography and location."""
    at = parse_months(df["offence_datetime"])
    pc = locate(df["postcode"], pcs)
    lat, lon, point_bad = parse_point(df["lat"], df["lon"])
    nr = nearest_postcode(lat, lon, pcs)
    age, age_bad = parse_age(df["age"])
    sex_code = sex(df["sex"])
    no_place = df["postcode"].isna() & df["place_id"].isna()
    bad = (generic_bad(df, "offences")
           | required_bad(df, ["offence_id", "offence_datetime", "offence_type"])
           | date_bad(df["offence_datetime"], at) | future(at) | too_old(at) | code_bad(df["role"], sp.ROLES)
           | age_bad | demography_bad(df, sex_code) | flag_bad(df["serious_violence"])
           | code_bad(df["weapon"], sp.WEAPONS) | code_bad(df["exploitation"], sp.EXPLOITATION)
           | point_bad | (no_place & df["lat"].isna())
           | (df["postcode"].notna() & pc["lsoa_code"].isna() & df["lat"].isna() & df["place_id"].isna())
           | (no_place & nr["has_point"] & nr["lsoa_code"].isna())
           | repeated(df, ["offence_id", "person_id"])
           | (df["place_id"].notna() & ~df["place_id"].isin(place_ids)))
    out = pd.DataFrame({
        "offence_id": df["offence_id"], "person_id": df["person_id"], "offence_at": at,
        "lsoa_code": pc["lsoa_code"].fillna(nr["lsoa_code"]), "sector": pc["sector"].fillna(nr["sector"]),
        "lat": round_half_up(lat.fillna(pc["lat"]), 3),
        "lon": round_half_up(lon.fillna(pc["lon"]), 3),
        "place_id": df["place_id"], "age_band": age_band(age), "sex": sex_code.fillna("U"),
    })
    return out[~bad]


def offence_events(off: pd.DataFrame) -> pd.DataFrame:
    """One event per offence: the earliest time, the first row's location, and the young person's
    age band and sex (those of the first row naming one; none when no one is named)."""
    person = off["person_id"].notna()
    off = off.assign(age_band=off["age_band"].where(person), sex=off["sex"].where(person)).drop(columns="person_id")
    # Most offences have one row: only those with several are grouped.
    several = off["offence_id"].duplicated(keep=False)
    grouped = off[several].groupby("offence_id", sort=False).agg(
        offence_at=("offence_at", "min"), **{c: (c, "first") for c in off.columns if c not in ("offence_id",
                                                                                             "offence_at")})
    return pd.concat([off[~several], grouped.reset_index()], ignore_index=True)


# --- events and marts ----------------------------------------------------------------

def _month(at: pd.Series) -> pd.Series:
    return at.dt.to_period("M").dt.to_timestamp()


def located_events(eps: pd.DataFrame, rhi: pd.DataFrame, mentions: pd.DataFrame, off: pd.DataFrame,
                   places: pd.DataFrame, pcs: pd.DataFrame, lsoa_area: pd.DataFrame, sector_area: pd.DataFrame,
                   radius: float) -> pd.DataFrame:
    """One row per event (missing from, found, RHI mention, offence) with its month, area,
    place and the child's demography, as the build's ``int_events``."""
    # Found points and offences not at a place are linked to the nearest place within the radius.
    points = pd.concat([
        eps.loc[eps["found_lat"].notna() & eps["found_place_id"].isna(), ["found_lat", "found_lon"]].set_axis(
            ["lat", "lon"], axis=1),
        off.loc[off["lat"].notna() & off["place_id"].isna(), ["lat", "lon"]]])
    links = place_links(points, places, radius)
    place_at = places.set_index("place_id")
    demo = ["is_looked_after", "age_band", "sex"]
    missing_from = eps.loc[eps["missing_from_lsoa"].notna() | eps["missing_from_sector"].notna()]
    missing_from = pd.DataFrame({"event_source": "missing_from", "event_at": missing_from["started_at"],
                                 "lsoa_code": missing_from["missing_from_lsoa"],
                                 "sector": missing_from["missing_from_sector"], "place_id": None,
                                 **{c: missing_from[c] for c in demo}})
    found = eps.loc[eps["found_lsoa"].notna() | eps["found_sector"].notna() | eps["found_place_id"].notna()]
    at_place = place_at.reindex(found["found_place_id"]).set_index(found.index)
    found = pd.DataFrame({
        "event_source": "missing_found", "event_at": found["ended_at"].fillna(found["started_at"]),
        "lsoa_code": found["found_lsoa"].fillna(at_place["lsoa_code"]),
        "sector": found["found_sector"].fillna(at_place["sector"]),
        "place_id": found["found_place_id"].fillna(linked(links, found["found_lat"], found["found_lon"])),
        **{c: found[c] for c in demo}})
    # An RHI mention is dated by the interview, else by the episode's end or start.
    rhi_eps = rhi.join(mentions, how="inner").merge(eps, on="episode_id", how="inner")
    rhi_eps["event_at"] = (rhi_eps["completed_at"].fillna(rhi_eps["offered_at"]).fillna(rhi_eps["ended_at"])
                           .fillna(rhi_eps["started_at"]))
    named = rhi_eps[rhi_eps["is_place"]]
    named_place = place_at.reindex(named["token"]).set_index(named.index)
    area = rhi_eps[rhi_eps["is_postcode"]].merge(pcs[["pc", "sector", "lsoa_code"]], on="pc", how="left")
    rhi_mentions = pd.concat([
        pd.DataFrame({"event_source": "rhi_mention", "event_at": named["event_at"],
                      "lsoa_code": named_place["lsoa_code"], "sector": named_place["sector"],
                      "place_id": named["token"], **{c: named[c] for c in demo}}),
        pd.DataFrame({"event_source": "rhi_mention", "event_at": area["event_at"], "lsoa_code": area["lsoa_code"],
                      "sector": area["sector"].fillna(postcode_sector(area["pc"])), "place_id": None,
                      **{c: area[c] for c in demo}}),
    ])
    off_place = place_at.reindex(off["place_id"]).set_index(off.index)
    offences = pd.DataFrame({"event_source": "offence", "event_at": off["offence_at"],
                             "lsoa_code": off["lsoa_code"].fillna(off_place["lsoa_code"]),
                             "sector": off["sector"].fillna(off_place["sector"]),
                             "place_id": off["place_id"].fillna(linked(links, off["lat"], off["lon"])),
                             "is_looked_after": pd.NA, "age_band": off["age_band"], "sex": off["sex"]})
    events = pd.concat([missing_from, found, rhi_mentions, offences], ignore_index=True)

    # Unplaced LSOAs come from the sector; wards and localities from the LSOA, else the sector.
    by_sector = sector_area.set_index("sector").reindex(events["sector"]).set_index(events.index)
    by_lsoa = lsoa_area.set_index("lsoa_code").reindex(events["lsoa_code"]).set_index(events.index)
    events["lsoa_code"] = events["lsoa_code"].fillna(by_sector["lsoa_code"])
    events["ward_code"] = by_lsoa["ward_code"].fillna(by_sector["ward_code"])
    events["locality"] = by_lsoa["locality"].fillna(by_sector["locality"]).fillna("Unknown")
    events["event_month"] = _month(events["event_at"])
    events = events.fillna({"lsoa_code": "Unknown", "ward_code": "Unknown", "age_band": "Unknown", "sex": "U"})
    events["is_looked_after"] = events["is_looked_after"].astype("boolean").fillna(False).astype(bool)
    return events


def compute(folder: Path, lap=lambda name: None) -> dict[str, pd.DataFrame]:
    """The three marts from the contract CSVs in ``folder``, named as the build's tables, with
    the columns of :data:`COMPARED`. ``lap(stage)`` is called as each stage ends."""
    cfg = settings.current()
    radius = float(cfg.hotspots.place_radius_m)
    offer_hours = cfg.rhi.offer_within_hours
    pcs, lsoa_area, sector_area = load_geography()
    raw = {name: read_contract(folder / f"{name}.csv", BY_NAME[name].columns) for name in FILES}
    lap("read CSVs")

    # Each file's text is let go once it is checked (at national scale it is gigabytes).
    places = clean_places(raw.pop("places"), pcs)
    eps = clean_episodes(raw.pop("missing_episodes"), pcs, places["place_id"])
    rhi, mentions = clean_rhis(raw.pop("return_home_interviews"), places["place_id"], eps["episode_id"])
    off = offence_events(clean_offences(raw.pop("offences"), pcs, places["place_id"]))
    lap("parse, check and locate")

    events = located_events(eps, rhi, mentions, off, places, pcs, lsoa_area, sector_area, radius)
    lap("events")

    area_counts = events.groupby(COMPARED["mart_monthly_area_counts"][:-1]).size().rename("events").reset_index()
    place_monthly = events.dropna(subset=["place_id"]).groupby(["place_id", "event_month", "event_source"]).size()
    timeliness = rhi_timeliness(eps, rhi, lsoa_area, sector_area, offer_hours)
    lap("marts (groupby)")
    return {"mart_monthly_area_counts": area_counts,
            "mart_place_monthly": place_monthly.rename("events").reset_index(),
            "mart_rhi_timeliness": timeliness}


def rhi_timeliness(eps: pd.DataFrame, rhi: pd.DataFrame, lsoa_area: pd.DataFrame, sector_area: pd.DataFrame,
                   offer_hours: int) -> pd.DataFrame:
    """RHI measures by month, locality and looked-after status, with All roll-ups.

    The earliest offer counts; an offer before the return counts from the return; episodes
    still missing are outside the 72-hour denominator.
    """
    per_ep = rhi.assign(completed=rhi["outcome"] == "COMPLETED", declined=rhi["outcome"] == "DECLINED",
                        offered=rhi["outcome"].isin(["COMPLETED", "DECLINED"]) | rhi["offered_at"].notna()
                        ).groupby("episode_id").agg(
        offered_at=("offered_at", "min"), completed_at=("completed_at", "min"), rhi_offered=("offered", "any"),
        rhi_completed=("completed", "any"), rhi_declined=("declined", "any"))
    ep = eps.join(per_ep, on="episode_id")
    for c in ("rhi_offered", "rhi_completed", "rhi_declined"):
        ep[c] = ep[c].astype("boolean").fillna(False).astype(bool)
    locality = lsoa_area.set_index("lsoa_code")["locality"]
    home = sector_area.set_index("sector")["locality"]
    ep["locality"] = (ep["missing_from_lsoa"].map(locality).fillna(ep["home_sector"].map(home))
                      .fillna(ep["found_lsoa"].map(locality)).fillna("Unknown"))
    ep["month"] = _month(ep["started_at"])
    ep["looked_after"] = ep["is_looked_after"].map({True: "Looked after", False: "Not looked after"}).fillna(
        "Not recorded")
    returned = ep["ended_at"].notna()
    minutes = (ep["offered_at"].dt.floor("min") - ep["ended_at"].dt.floor("min")).dt.total_seconds() / 60
    hours = round_half_up(minutes / 60.0, 2).clip(lower=0)
    done_minutes = (ep["completed_at"].dt.floor("min") - ep["ended_at"].dt.floor("min")).dt.total_seconds() / 60
    ep = ep.assign(
        hours=hours.where(returned & ep["offered_at"].notna()),
        episodes=True, returned=returned, eligible=returned,
        offered_72h=returned & ep["offered_at"].notna() & (hours <= offer_hours),
        completed_72h=returned & ep["completed_at"].notna() & (done_minutes.clip(lower=0) <= offer_hours * 60),
        offered=returned & ep["rhi_offered"], completed=returned & ep["rhi_completed"],
        declined=returned & ep["rhi_declined"], offered_before_return=(ep["offered_at"] < ep["ended_at"]),
        timed_offers=returned & ep["offered_at"].notna(),
    )
    counts = COMPARED["mart_rhi_timeliness"][3:-1]
    parts = []
    for keys in (["month", "locality", "looked_after"], ["month", "locality"], ["month", "looked_after"], ["month"]):
        g = ep.groupby(keys)
        part = g[counts].sum().join(g["hours"].median().rename("median_hours_to_offer")).reset_index()
        parts.append(part.assign(**{k: "All" for k in ("locality", "looked_after") if k not in keys}))
    return pd.concat(parts, ignore_index=True)[COMPARED["mart_rhi_timeliness"]]


def run(folder: Path) -> dict:
    """Compute the marts from ``folder``; return stage timings and mart sizes."""
    stages: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        stages[name] = now - clock[0]
        clock[0] = now

    marts = compute(folder, lap)
    return {
        "stages": stages,
        "marts": {name: len(df) for name, df in marts.items()},
        "note": "the build's three marts, equal to them on every column but the cell keys "
                "(tests/test_bench_baseline.py), from the same CSVs: pandas read_csv (pyarrow reader), to_datetime "
                "per format, the build's reject rules, postcode merges, geopandas sjoin_nearest (the nearest postcode "
                "to a point, places within the link radius), then groupby; one process, no pseudonyms.",
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
