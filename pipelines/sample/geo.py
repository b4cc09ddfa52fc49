"""Real Kirklees postcodes and the register of places of concern the sample uses."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from contextmap import settings

EARTH_RADIUS_M = 6_371_008.8
# Places are at least this far apart, so no event can be near two of them.
PLACE_SPACING_M = 700.0
# Background found points and offences stay this far from every place: more than the
# link radius (250 m) plus the 3-decimal rounding done at ingest (up to about 65 m).
PLACE_CLEARANCE_M = 360.0

# Category → how many places (150 in all) and the nouns their names use.
CATEGORIES: dict[str, tuple[int, tuple[str, ...]]] = {
    "HOTEL": (12, ("Hotel", "Lodge", "Guest House", "Inn")),
    "TAXI": (8, ("Taxis", "Private Hire", "Cars")),
    "TAKEAWAY": (25, ("Pizza", "Kebab House", "Fried Chicken", "Grill", "Chippy")),
    "SHOP": (25, ("Convenience Store", "Vape Shop", "Off Licence", "Mini Market", "Phone Shop")),
    "PARK": (20, ("Park", "Recreation Ground", "Playing Fields", "Woods")),
    "TRANSPORT_HUB": (10, ("Bus Station", "Railway Station", "Bus Interchange")),
    "SCHOOL": (12, ("Academy", "High School", "College")),
    "YOUTH_VENUE": (8, ("Youth Club", "Skate Park", "Community Centre")),
    "LICENSED_PREMISES": (18, ("Arms", "Tavern", "Bar", "Social Club")),
    "RESIDENTIAL_AREA": (7, ("flats", "estate", "maisonettes")),
    "OTHER": (5, ("car park", "garages", "underpass")),
}
STREETS = (
    "Station Road",
    "High Street",
    "Market Street",
    "Church Lane",
    "New Street",
    "Bradford Road",
    "Leeds Road",
    "Halifax Road",
    "Wakefield Road",
    "Manchester Road",
    "King Street",
    "Queen Street",
    "Westgate",
    "Northgate",
    "Bridge Street",
    "Mill Lane",
    "Park Road",
    "Victoria Road",
    "Albion Street",
    "Huddersfield Road",
    "Commercial Street",
    "Union Street",
    "Oxford Road",
    "Moor Lane",
)


@dataclass(frozen=True)
class Postcodes:
    """The area's postcodes as parallel arrays (index = postcode number)."""

    display: np.ndarray  # 'HD1 2TG'
    sector: np.ndarray  # 'HD1 2'
    district: np.ndarray  # 'HD1'
    ward: np.ndarray
    locality: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    lsoa: np.ndarray

    def __len__(self) -> int:
        return len(self.display)

    def subset(self, index: np.ndarray) -> Postcodes:
        """The postcodes at ``index`` (e.g. one council's), renumbered from 0 in that order."""
        return Postcodes(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


def metres(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Equirectangular x, y in metres (sub-metre error across one council area)."""
    lat0 = np.radians(53.65)
    return np.column_stack((EARTH_RADIUS_M * np.radians(lon) * np.cos(lat0), EARTH_RADIUS_M * np.radians(lat)))


def load_postcodes(postcodes: Path | None = None, localities: Path | None = None) -> Postcodes:
    """Read the postcode and locality files (default: the configured ones), sorted by postcode."""
    pcs = pd.read_csv(postcodes or settings.current().geography.postcodes, dtype=str)
    loc = pd.read_csv(localities or settings.current().geography.localities, dtype=str)
    pcs = pcs.merge(loc[["ward_code", "locality"]], on="ward_code", how="left").sort_values("postcode")
    display = pcs["postcode"].str.strip().str.upper().to_numpy(dtype=str)
    sector = np.array([p[:-2] for p in display])
    return Postcodes(
        display=display,
        sector=sector,
        district=np.array([s.split(" ")[0] for s in sector]),
        ward=pcs["ward_code"].to_numpy(dtype=str),
        locality=pcs["locality"].fillna("Kirklees").to_numpy(dtype=str),
        lat=pcs["lat"].astype(float).to_numpy(),
        lon=pcs["lon"].astype(float).to_numpy(),
        lsoa=pcs["lsoa_code"].to_numpy(dtype=str),
    )


def urban_weight(pc: Postcodes) -> np.ndarray:
    """Weight of each postcode by how many postcodes lie within 400 m (busier streets)."""
    xy = metres(pc.lat, pc.lon)
    counts = np.array([len(n) for n in cKDTree(xy).query_ball_point(xy, 400.0)], dtype=float)
    return counts / counts.sum()


def choose_places(rng: np.random.Generator, pc: Postcodes, prefix: str = "PL-") -> pd.DataFrame:
    """Pick 150 places of concern on real postcodes, at least ``PLACE_SPACING_M`` apart, with ids ``<prefix>001``….

    Returns one row per place: ``place_id, name, category, pc`` (postcode index), ``lat, lon``.
    """
    weight = urban_weight(pc) ** 1.5
    order = rng.choice(len(pc), size=len(pc), replace=False, p=weight / weight.sum())
    xy = metres(pc.lat, pc.lon)
    # Keep to the main districts so every place has a normal-looking postcode.
    main = np.isin(pc.district, [d for d, n in zip(*np.unique(pc.district, return_counts=True)) if n > 100])
    chosen: list[int] = []
    for i in order:
        if not main[i]:
            continue
        if chosen and np.min(np.hypot(*(xy[chosen] - xy[i]).T)) < PLACE_SPACING_M:
            continue
        chosen.append(int(i))
        if len(chosen) == sum(n for n, _ in CATEGORIES.values()):
            break
    cats = np.repeat(list(CATEGORIES), [n for n, _ in CATEGORIES.values()])
    cats = cats[rng.permutation(len(cats))]
    names, seen = [], set()
    for k, (i, cat) in enumerate(zip(chosen, cats)):
        noun = CATEGORIES[cat][1][k % len(CATEGORIES[cat][1])]
        name = f"{STREETS[rng.integers(len(STREETS))]} {noun}"
        if name in seen:
            name = f"{name}, {pc.locality[i]}"
        if name in seen:
            name = f"{name} ({pc.sector[i]})"
        seen.add(name)
        names.append(name)
    return pd.DataFrame(
        {
            "place_id": [f"{prefix}{k + 1:03d}" for k in range(len(chosen))],
            "name": names,
            "category": cats,
            "pc": chosen,
            "lat": pc.lat[chosen],
            "lon": pc.lon[chosen],
        }
    )


def clear_of_places(pc: Postcodes, places: pd.DataFrame) -> np.ndarray:
    """Indices of postcodes more than ``PLACE_CLEARANCE_M`` from every place."""
    tree = cKDTree(metres(places["lat"].to_numpy(), places["lon"].to_numpy()))
    dist, _ = tree.query(metres(pc.lat, pc.lon))
    return np.flatnonzero(dist > PLACE_CLEARANCE_M)


def offset_point(rng: np.random.Generator, lat: float, lon: float, max_m: float) -> tuple[float, float]:
    """A point up to ``max_m`` metres from (lat, lon), uniformly on the disc."""
    r = max_m * np.sqrt(rng.random())
    a = rng.random() * 2 * np.pi
    dlat = np.degrees(r * np.sin(a) / EARTH_RADIUS_M)
    dlon = np.degrees(r * np.cos(a) / (EARTH_RADIUS_M * np.cos(np.radians(lat))))
    return round(lat + dlat, 5), round(lon + dlon, 5)
