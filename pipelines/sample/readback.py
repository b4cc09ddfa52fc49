"""Read generated sample files back into tidy frames, to check the planted structure.

This is a small, independent reader for the variants the generator writes (it is not
the ingest pipeline): tests use it to check the raw files show what
``ground_truth.json`` claims, the way the analytics will count it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from pipelines.sample import geo

LINK_RADIUS_M = 250.0
TRUE_WORDS = {"Y", "YES", "TRUE", "1"}


def parse_datetimes(values: pd.Series) -> pd.Series:
    """ISO, ISO with ``T``, UK day-first and ``YYYY-MM`` values as timestamps."""
    s = values.astype("string").str.strip()
    uk = s.str.match(r"^\d{2}/\d{2}/\d{4}").fillna(False)
    month = s.str.fullmatch(r"\d{4}-\d{2}").fillna(False)
    iso = pd.to_datetime(s.where(~uk & ~month), format="ISO8601", errors="coerce")
    day_first = pd.to_datetime(s.where(uk), format="mixed", dayfirst=True, errors="coerce")
    months = pd.to_datetime(s.where(month), format="%Y-%m", errors="coerce")
    return iso.fillna(day_first).fillna(months)


def flag(values: pd.Series) -> pd.Series:
    """Flag spellings as booleans (empty → False)."""
    return values.astype("string").str.strip().str.upper().isin(TRUE_WORDS)


def norm_postcode(values: pd.Series) -> pd.Series:
    """Upper case, no spaces."""
    return values.astype("string").str.strip().str.upper().str.replace(" ", "", regex=False)


def split_list(values: pd.Series) -> pd.Series:
    """``;``-separated lists as Python lists of stripped tokens."""
    return values.fillna("").map(lambda v: [t.strip() for t in v.split(";") if t.strip()])


class Sample:
    """The sample files of one folder, parsed."""

    def __init__(self, folder: Path):
        read = lambda name: pd.read_csv(folder / name, dtype=str, keep_default_na=False, na_values=[""])
        self.episodes = read("missing_episodes.csv")
        self.rhis = read("return_home_interviews.csv")
        self.offences = read("offences.csv")
        self.places = read("places.csv")
        self.actions = read("disruption_actions.csv")
        pcs = geo.load_postcodes()
        self.postcodes = pd.DataFrame(
            {
                "pc": [p.replace(" ", "") for p in pcs.display],
                "sector": pcs.sector,
                "district": pcs.district,
                "lat": pcs.lat,
                "lon": pcs.lon,
            }
        ).set_index("pc")
        self._tidy()

    def _point(self, postcode: pd.Series, lat: pd.Series, lon: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Point of a postcode (its centroid) or the given point, rounded to 3 decimals as ingest does."""
        key = norm_postcode(postcode)
        known = key.map(self.postcodes["lat"])
        la = pd.to_numeric(lat).fillna(known).round(3)
        lo = pd.to_numeric(lon).fillna(key.map(self.postcodes["lon"])).round(3)
        return la, lo

    def _tidy(self) -> None:
        e = self.episodes
        e["episode_id"] = e["episode_id"].str.strip()
        e["person_id"] = e["person_id"].str.strip()
        e["started_at"] = parse_datetimes(e["start_datetime"])
        e["ended_at"] = parse_datetimes(e["end_datetime"])
        e["is_looked_after"] = flag(e["looked_after"])
        for col in ("home_postcode", "missing_from_postcode"):
            e[col.replace("postcode", "sector")] = norm_postcode(e[col]).map(self.postcodes["sector"])
        e["home_district"] = norm_postcode(e["home_postcode"]).map(self.postcodes["district"])
        e["found_lat_r"], e["found_lon_r"] = self._point(e["found_postcode"], e["found_lat"], e["found_lon"])
        r = self.rhis
        r["episode_id"] = r["episode_id"].str.strip()
        r["offered_at"] = parse_datetimes(r["offered_datetime"])
        r["completed_at"] = parse_datetimes(r["completed_datetime"])
        r["places"] = split_list(r["places_mentioned"])
        r["associates"] = split_list(r["associates_mentioned"])
        o = self.offences
        o["offence_id"] = o["offence_id"].str.strip()
        o["person_id"] = o["person_id"].str.strip()
        o["offence_at"] = parse_datetimes(o["offence_datetime"])
        o["lat_r"], o["lon_r"] = self._point(o["postcode"], o["lat"], o["lon"])
        p = self.places
        p["lat_r"], p["lon_r"] = self._point(p["postcode"], p["lat"], p["lon"])

    def _nearest_place(self, lat: pd.Series, lon: pd.Series) -> pd.Series:
        tree = cKDTree(geo.metres(self.places["lat_r"].to_numpy(), self.places["lon_r"].to_numpy()))
        ok = lat.notna().to_numpy()
        out = pd.Series(pd.NA, index=lat.index, dtype="string")
        if ok.any():
            dist, idx = tree.query(
                geo.metres(lat[ok].to_numpy(float), lon[ok].to_numpy(float)), distance_upper_bound=LINK_RADIUS_M
            )
            hit = np.isfinite(dist)
            ids = np.where(hit, self.places["place_id"].to_numpy()[np.minimum(idx, len(self.places) - 1)], None)
            out[ok] = ids
        return out

    def place_events(self) -> pd.DataFrame:
        """One row per event linked to a place: ``place_id, source, event_at`` (as int_events links them)."""
        e = self.episodes
        found_place = e["found_place_id"].astype("string").str.strip()
        found_place = found_place.fillna(self._nearest_place(e["found_lat_r"], e["found_lon_r"]))
        found = pd.DataFrame(
            {"place_id": found_place, "source": "missing_found", "event_at": e["ended_at"].fillna(e["started_at"])}
        )
        r = self.rhis.merge(e[["episode_id", "started_at", "ended_at"]], on="episode_id", how="left")
        r["event_at"] = r["completed_at"].fillna(r["offered_at"]).fillna(r["ended_at"]).fillna(r["started_at"])
        m = r[["places", "event_at"]].explode("places")
        m = m[m["places"].fillna("").str.startswith("PL-")]
        mentions = pd.DataFrame({"place_id": m["places"], "source": "rhi_mention", "event_at": m["event_at"]})
        first = self.offences.drop_duplicates("offence_id")
        op = first["place_id"].astype("string").str.strip().fillna(self._nearest_place(first["lat_r"], first["lon_r"]))
        offences = pd.DataFrame({"place_id": op, "source": "offence", "event_at": first["offence_at"]})
        events = pd.concat([found, mentions, offences], ignore_index=True).dropna(subset=["place_id"])
        events["month"] = events["event_at"].dt.to_period("M")
        return events.reset_index(drop=True)
