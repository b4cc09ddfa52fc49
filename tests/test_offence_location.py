"""Where an offence counts, recounted in plain Python from the input files.

The contract locates an offence by its postcode, its point (lat, lon) or a place of
concern. The offences views (Overview, Trends, a council's own figures) must count it
where every other view does: an offence located only by its place once counted in no
council and in the "Unknown" locality (8% of the Kirklees sample's offences, 15% of the
force's). Here each offence is placed from the CSV files and the open postcode lookup
alone: the postcode's LSOA, the nearest postcode's for a point (the build's distance:
latitude and 0.6 × longitude degrees, coordinates rounded to 4 places), or its place's.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from scipy.spatial import cKDTree

from contextmap import queries
from contextmap.filters import Filters
from contextmap.settings import ROOT
from tests.recompute import parse_when

GEOGRAPHY = ROOT / "data" / "geography"


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


class Locator:
    """LSOA of a postcode, a point or a place, from the postcode lookup and places file."""

    def __init__(self, geography: Path, places: Path):
        lookup = _read(geography / "postcodes.csv")
        self.by_postcode = {self._key(r["postcode"]): r["lsoa_code"] for r in lookup}
        located = sorted((r for r in lookup if r["lat"] and r["lon"]), key=lambda r: r["postcode"])
        self.lsoas = [r["lsoa_code"] for r in located]
        self.tree = cKDTree([(float(r["lat"]), 0.6 * float(r["lon"])) for r in located])
        self.places = {}
        for r in _read(places):
            self.places[r["place_id"]] = self.lsoa(r.get("postcode", ""), r.get("lat", ""), r.get("lon", ""))

    @staticmethod
    def _key(postcode: str) -> str:
        return re.sub(r"[^A-Z0-9]", "", postcode.upper())

    def lsoa(self, postcode: str, lat: str, lon: str, place: str = "") -> str | None:
        """The LSOA of the first location given: postcode, then point, then place."""
        if postcode:
            return self.by_postcode.get(self._key(postcode))
        if lat and lon:
            _, i = self.tree.query((round(float(lat), 4), 0.6 * round(float(lon), 4)))
            return self.lsoas[int(i)]
        return self.places.get(place)


def offences_by(folder: Path, locator: Locator, area_of: dict[str, str], month_from, month_to) -> Counter:
    """Offences involving a young person in the months, counted once each (their first
    line's location, by file order) in the area ``area_of`` gives their LSOA."""
    first: dict[str, dict] = {}
    people: set[str] = set()
    for row in _read(folder / "offences.csv"):
        first.setdefault(row["offence_id"], row)
        if row["person_id"]:
            people.add(row["offence_id"])
    counts: Counter = Counter()
    for offence_id in people:
        row = first[offence_id]
        when, _ = parse_when(row["offence_datetime"])
        if month_from <= when.date().replace(day=1) <= month_to:
            lsoa = locator.lsoa(row["postcode"], row["lat"], row["lon"], row["place_id"])
            counts[area_of.get(lsoa, "Unknown")] += 1
    return counts


def _whole_span(con, scope: str = "All") -> dict:
    """Query parameters for every month of the build, in ``scope``."""
    first, last = con.execute("select min(month), max(month) from mart_offence_cells").fetchone()
    return {**Filters(last, scope=scope).params(), "month_from": first}


def test_each_councils_offences_match_a_recount_from_the_files(force_con):
    geography = GEOGRAPHY / "west_yorkshire"
    council_of = {r["lsoa_code"]: r["council_code"] for r in _read(geography / "councils.csv")}
    police = ROOT / "data" / "sample_force" / "police"
    span = _whole_span(force_con)
    want = offences_by(police, Locator(geography, police / "places.csv"), council_of, span["month_from"],
                       span["month_to"])
    got = {c: int(queries.run(force_con, "overview_offences", exact=True, **_whole_span(force_con, c))
                  .iloc[0]["offences"]) for c in set(council_of.values())}
    assert "Unknown" not in want
    assert got == dict(want)


def test_each_localitys_offences_match_a_recount_from_the_files(sample_con):
    geography = GEOGRAPHY / "kirklees"
    locality_of_ward = {r["ward_code"]: r["locality"] for r in _read(geography / "localities.csv")}
    # An LSOA's locality is that of the ward most of its postcodes are in.
    wards: dict[str, Counter] = {}
    for r in _read(geography / "postcodes.csv"):
        wards.setdefault(r["lsoa_code"], Counter())[r["ward_code"]] += 1
    locality_of = {lsoa: locality_of_ward[c.most_common(1)[0][0]] for lsoa, c in wards.items()}
    sample = ROOT / "data" / "sample"
    span = _whole_span(sample_con)
    want = offences_by(sample, Locator(geography, sample / "places.csv"), locality_of, span["month_from"],
                       span["month_to"])
    got = queries.run(sample_con, "overview_groups", exact=True, **span)
    got = got[(got["measure"] == "offences") & (got["dimension"] == "locality")]
    assert dict(zip(got["grp"], got["n"].astype(int))) == dict(want)


def test_an_offence_is_perturbed_alike_in_every_view(force_con):
    """One record key per offence: the offences views' cell keys are the events views' for
    the same offences, so the two never show one count with two different perturbations."""
    cells = force_con.execute("select sum(offences_ckey) from mart_offence_cells").fetchone()[0]
    events = force_con.execute("""
        select sum(event_rkey) from int_events
        where event_id in (select distinct 'offence:' || offence_key from stg_offences where person_key is not null)
    """).fetchone()[0]
    assert cells == events
