"""The West Yorkshire force-wide sample (data/sample_force): laid out by data owner, as the
generator writes it, and built with the force's settings it shows what ground_truth.json claims.

The build recovers the structure planted across council borders (``cross_border``) and each
council's planted peer groups and place hot spots. Counts are checked against plain Python
over the CSV files and the shipped geography, never against the build's own SQL."""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from contextmap.settings import ROOT
from pipelines import build, pseudonym
from pipelines.pseudonym import DEMO_KEY
from pipelines.sample.force import generate_force
from tests.test_council_keys import raw_ids_found

FORCE = ROOT / "data" / "sample_force"
WY = ROOT / "data" / "geography" / "west_yorkshire"
SETTINGS = ROOT / "contextmap-west-yorkshire.toml"
TAGS = {"E08000032": "BD", "E08000033": "CA", "E08000034": "KL", "E08000035": "LD", "E08000036": "WF"}
FORCE_CODE = "E23000010"  # West Yorkshire Police: the deployment, owner of police/
COUNCIL_FILES = {"missing_episodes.csv", "return_home_interviews.csv"}
POLICE_FILES = {"offences.csv", "places.csv", "disruption_actions.csv"}
# The shapes of every id in the files: person, episode, interview and offence ids.
ID_SHAPES = r"(?i)\b(BD|CA|KL|LD|WF)-\d{7}\b|\b(ME|RHI)-(BD|CA|KL|LD|WF)-\d{7}\b|\bOF-\d{8}\b"
LINK_RADIUS_M = 250.0  # [hotspots] place_radius_m
EARTH_RADIUS_M = 6_371_008.8


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [{k: v.strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _norm(postcode: str) -> str:
    return postcode.upper().replace(" ", "")


def _day(text: str) -> str:
    """'YYYY-MM-DD' (or 'YYYY-MM' for a bare month) of an ISO, ISO-with-T or UK day-first value."""
    if m := re.match(r"(\d{4})-(\d{2})(-\d{2})?", text):
        return m[0]
    day, month, year = re.match(r"(\d{2})/(\d{2})/(\d{4})", text).groups()
    return f"{year}-{month}-{day}"


def _month(text: str) -> str:
    return _day(text)[:7]


def _key(person_id: str) -> str:
    """A child's pseudonym in their council's records (the council's demo key)."""
    council = next(code for code, tag in TAGS.items() if person_id.startswith(f"{tag}-"))
    return pseudonym.pseudonym(pseudonym.demo_key(council, FORCE_CODE), person_id)


def _offence_key(person_id: str) -> str:
    """A young person's pseudonym in the force's offence records (the force's demo key)."""
    return pseudonym.pseudonym(DEMO_KEY, person_id)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((FORCE / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def files() -> dict:
    """Every data file as rows, keyed ``<folder>/<name>``, and the geography lookups."""
    out = {f"{p.parent.name}/{p.name}": _rows(p) for p in sorted(FORCE.glob("*/*.csv"))}
    council_of_lsoa = {r["lsoa_code"]: r["council_code"] for r in _rows(WY / "councils.csv")}
    postcodes = {_norm(r["postcode"]): r for r in _rows(WY / "postcodes.csv")}
    return {"data": out, "council_of_lsoa": council_of_lsoa, "postcodes": postcodes}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    """The full build of data/sample_force with the force's settings (no key: it is a shipped sample)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONTEXTMAP_SETTINGS", str(SETTINGS))
        for name in ("CONTEXTMAP_PSEUDONYM_KEY", "CONTEXTMAP_PSEUDONYM_KEY_FILE"):
            mp.delenv(name, raising=False)
        path = build.build_file(tmp_path_factory.mktemp("force") / "force.duckdb", [FORCE], progress=lambda *_: None)
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def _groups(con) -> dict[int, set[str]]:
    groups: dict[int, set[str]] = defaultdict(set)
    for gid, person in con.sql("select group_id, person_key from mart_peer_group_members").fetchall():
        groups[gid].add(person)
    return groups


def _best(planted: list[str], groups: dict[int, set[str]], key=_key) -> tuple[int, float]:
    keys = {key(p) for p in planted}
    scores = {gid: len(keys & m) / len(keys | m) for gid, m in groups.items()}
    gid = max(scores, key=scores.get)
    return gid, scores[gid]


def test_the_shipped_force_sample_is_what_the_generator_writes(tmp_path):
    generate_force(tmp_path, seed=7)
    shipped = sorted(p.relative_to(FORCE) for p in FORCE.rglob("*") if p.is_file())
    assert shipped == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for name in shipped:
        assert (tmp_path / name).read_bytes() == (FORCE / name).read_bytes(), f"regenerate data/sample_force ({name})"


def test_each_data_owner_has_its_own_folder_and_its_own_ids(files):
    data = files["data"]
    assert {p.name for p in FORCE.iterdir() if p.is_dir()} == set(TAGS) | {"police"}
    for code in TAGS:
        assert {p.name for p in (FORCE / code).iterdir()} == COUNCIL_FILES
    assert {p.name for p in (FORCE / "police").iterdir()} == POLICE_FILES
    people, episodes = {}, set()
    for code, tag in TAGS.items():
        eps = data[f"{code}/missing_episodes.csv"]
        mine = {r["person_id"] for r in eps}
        assert all(p.startswith(f"{tag}-") for p in mine) and all(r["episode_id"].startswith(f"ME-{tag}-") for r in eps)
        assert all(not (mine & other) for other in people.values())  # a child belongs to one council
        people[code] = mine
        ids = {r["episode_id"] for r in eps}
        assert len(ids) == len(eps) and not ids & episodes
        episodes |= ids
        # Every interview follows an episode of the same council.
        assert {r["episode_id"] for r in data[f"{code}/return_home_interviews.csv"]} <= ids
    offenders = {r["person_id"] for r in data["police/offences.csv"] if r["person_id"]}
    assert all(p[:3] in {f"{t}-" for t in TAGS.values()} for p in offenders)


def test_the_force_sample_is_a_shipped_sample_for_the_demo_key():
    listed = dict(reversed(line.split()) for line in pseudonym.FORCE_SAMPLE_MANIFEST.read_text().splitlines())
    assert set(listed) == {f"{c}/{n}" for c in TAGS for n in COUNCIL_FILES} | {f"police/{n}" for n in POLICE_FILES}
    assert pseudonym.is_shipped_sample([FORCE]) and pseudonym.is_shipped_sample([ROOT / "data" / "sample"])


def test_each_owners_people_carry_its_own_demo_key_and_no_raw_id_survives(con, files):
    data = files["data"]
    for code in TAGS:
        people = {r["person_id"] for r in data[f"{code}/missing_episodes.csv"]}
        built = {p for (p,) in con.execute(
            "select distinct person_key from stg_missing_episodes where owner_code = ?", [code]).fetchall()}
        assert built == {_key(p) for p in people}
        assert not built & {_offence_key(p) for p in people}  # not the force's key
    offenders = {r["person_id"] for r in data["police/offences.csv"] if r["person_id"]}
    built = {p for (p,) in con.execute(
        "select distinct person_key from stg_offences where person_key is not null and owner_code = ?",
        [FORCE_CODE]).fetchall()}
    assert built == {_offence_key(p) for p in offenders}
    # Every id in the files has one of the shapes scanned for, so the scan would see any that survived.
    ids = {r[c] for rows in data.values() for r in rows for c in ("person_id", "episode_id", "rhi_id", "offence_id")
           if r.get(c)}
    assert len(ids) > 10_000 and all(re.fullmatch(ID_SHAPES, i) for i in ids)
    assert raw_ids_found(con, ID_SHAPES) == []


def test_volumes_follow_each_councils_children(files, truth):
    children = Counter()
    for r in _rows(WY / "children_10_17_lsoa.csv"):
        children[files["council_of_lsoa"][r["lsoa_code"]]] += int(r["children_10_17"])
    episodes = {c: len(files["data"][f"{c}/missing_episodes.csv"]) for c in TAGS}
    for code in TAGS:
        # Episodes per child aged 10-17 within a fifth of Kirklees's (small councils carry more planted rows).
        ratio = (episodes[code] / children[code]) / (episodes["E08000034"] / children["E08000034"])
        assert 0.8 <= ratio <= 1.25, (code, ratio)
    assert truth["scale"] == 0.4


def _council_of_postcode(files, postcode: str) -> str | None:
    row = files["postcodes"].get(_norm(postcode))
    return files["council_of_lsoa"][row["lsoa_code"]] if row else None


def test_ground_truth_matches_the_files(files, truth):
    data, cross = files["data"], truth["cross_border"]
    folder_of = {r["person_id"]: code for code in TAGS for r in data[f"{code}/missing_episodes.csv"]}
    group = cross["peer_group"]
    assert Counter(folder_of[p] for p in group["members"]) == {"E08000034": 4, "E08000033": 3}
    homes = {r["person_id"]: r["home_postcode"] for code in TAGS for r in data[f"{code}/missing_episodes.csv"]}
    sectors = {files["postcodes"][_norm(homes[p])]["postcode"][:-2] for p in group["members"]}
    assert sectors == set(group["sectors"])
    # Members of both councils go missing on the same day, again and again.
    days = defaultdict(set)
    for code in group["councils"]:
        for r in data[f"{code}/missing_episodes.csv"]:
            if r["person_id"] in group["members"]:
                days[_day(r["start_datetime"])].add(code)
    assert sum(len(c) == 2 for c in days.values()) >= 5
    places = {r["place_id"]: r for r in data["police/places.csv"]}
    assert group["place"] in places

    place = cross["boundary_place"]
    row = places[place["place"]]
    assert _council_of_postcode(files, row["postcode"]) == place["councils"][0]
    assert Counter(folder_of[p] for p in place["children"]) == {c: 10 for c in place["councils"]}

    line = cross["county_line"]
    offences = [r for r in data["police/offences.csv"] if r["person_id"] in line["members"]]
    assert {r["offence_type"] for r in offences} == {"Drugs"}
    assert {_month(r["offence_datetime"]) for r in offences} == set(line["from_months"] + line["to_months"])
    assert all(p.startswith(TAGS[line["from_council"]]) for p in line["members"])

    for code, council in truth["councils"].items():
        assert all(folder_of[p] == code for g in council["peer_groups"] for p in g)
        assert all(pid in places for pid in council["place_hotspots"] + [council["emerging_hotspot"]])
        assert ("postcode_tension" in council) == (code == "E08000034")


def test_the_cross_border_group_is_one_peer_group_with_members_in_both_councils(con, truth):
    group = truth["cross_border"]["peer_group"]
    gid, score = _best(group["members"], _groups(con))
    assert score >= 0.8
    councils = con.execute(
        """select distinct e.owner_code from mart_peer_group_members as m
           join stg_missing_episodes as e using (person_key) where m.group_id = ?""",
        [gid],
    ).fetchall()
    assert {c for (c,) in councils} == set(group["councils"])
    # Across the border only going missing together links them: each council's pseudonyms are its own.
    evidence = con.execute(
        """select distinct unnest(a.evidence_types) from int_associations as a
           join stg_missing_episodes as ea on ea.person_key = a.person_a
           join stg_missing_episodes as eb on eb.person_key = a.person_b
           where ea.owner_code <> eb.owner_code and list_contains(?, a.person_a) and list_contains(?, a.person_b)""",
        [[_key(p) for p in group["members"]]] * 2,
    ).fetchall()
    assert evidence == [("missing_together",)]


def test_every_councils_planted_groups_and_the_county_line_are_peer_groups(con, truth):
    groups = _groups(con)
    planted = [g for council in truth["councils"].values() for g in council["peer_groups"]]
    found = [_best(g, groups) for g in planted + [truth["cross_border"]["peer_group"]["members"]]]
    # The county line offends together: found in the force's offence records, under the force's key.
    found.append(_best(truth["cross_border"]["county_line"]["members"], groups, key=_offence_key))
    assert all(score >= 0.8 for _, score in found), found
    assert len({gid for gid, _ in found}) == len(found)  # no two planted groups merged


def test_each_councils_planted_place_hotspots_are_hot_spots(con, truth):
    planted = [p for council in truth["councils"].values() for p in council["place_hotspots"]]
    flagged = con.execute(
        "select place_id from mart_place_hotspots where period = 'all' and is_hotspot and list_contains(?, place_id)",
        [planted],
    ).fetchall()
    assert {p for (p,) in flagged} == set(planted)


def _metres(lat: float, lon: float, x_scale: float) -> tuple[float, float]:
    return EARTH_RADIUS_M * math.radians(lon) * x_scale, EARTH_RADIUS_M * math.radians(lat)


def _boundary_events_from_files(files, place_id: str) -> Counter:
    """(council, source) → events at the place, recomputed from the CSV files as the build links them:
    found there by id, or by a point (given, or the found postcode's centroid, to 3 decimals) within the
    link radius (the place is over 700 m from any other), and interviews naming it."""
    data, postcodes = files["data"], files["postcodes"]

    def point(row, lat="lat", lon="lon", postcode="postcode", decimals=6):
        if row[lat]:
            return round(float(row[lat]), decimals), round(float(row[lon]), decimals)
        pc = postcodes.get(_norm(row[postcode])) if row[postcode] else None
        return (round(float(pc["lat"]), decimals), round(float(pc["lon"]), decimals)) if pc else None

    points = {r["place_id"]: point(r) for r in data["police/places.csv"]}
    x_scale = math.cos(math.radians(sum(lat for lat, _ in points.values()) / len(points)))
    px, py = _metres(*points[place_id], x_scale)
    events = Counter()
    for code in TAGS:
        episodes = data[f"{code}/missing_episodes.csv"]
        for r in episodes:
            found = point(r, "found_lat", "found_lon", "found_postcode", 3)
            near = found and math.dist(_metres(*found, x_scale), (px, py)) < LINK_RADIUS_M
            if r["found_place_id"] == place_id or (not r["found_place_id"] and near):
                events[code, "missing_found"] += 1
        for r in data[f"{code}/return_home_interviews.csv"]:
            events[code, "rhi_mention"] += place_id in r["places_mentioned"].split(";")
    return +events


def test_the_boundary_place_is_a_hot_spot_used_by_children_of_both_councils(con, files, truth):
    place = truth["cross_border"]["boundary_place"]
    row = con.execute(
        "select is_hotspot, events from mart_place_hotspots where period = 'all' and place_id = ?", [place["place"]]
    ).fetchone()
    assert row[0], row
    built = con.execute(
        """select split_part(e.source_file, '/', 1), v.event_source, count(*), count(distinct v.person_key)
           from int_events as v join stg_missing_episodes as e using (episode_key)
           where v.place_id = ? and v.event_source in ('missing_found', 'rhi_mention') group by all""",
        [place["place"]],
    ).fetchall()
    assert {(c, s): n for c, s, n, _ in built} == _boundary_events_from_files(files, place["place"])
    children = defaultdict(int)
    for council, source, _, people in built:
        if source == "missing_found":
            children[council] += people
    assert set(children) == set(place["councils"]) and min(children.values()) >= 5
    # They live (went missing from) in their own council, on either side of the boundary.
    homes = con.execute(
        """select distinct split_part(e.source_file, '/', 1), l.council_code from int_events as v
           join stg_missing_episodes as e using (episode_key) join geo_lsoa as l on l.lsoa_code = e.missing_from_lsoa
           where v.place_id = ? and v.event_source = 'missing_found'""",
        [place["place"]],
    ).fetchall()
    assert all(folder == council for folder, council in homes) and len(homes) == 2


def _county_line_from_files(files, members: set[str]) -> Counter:
    """(month, council, district) → the line's offences, from offences.csv and the postcode lookup."""
    seen, out = set(), Counter()
    for r in files["data"]["police/offences.csv"]:
        if r["person_id"] in members and r["offence_id"] not in seen:
            seen.add(r["offence_id"])
            pc = files["postcodes"][_norm(r["postcode"])]
            district = pc["postcode"].split(" ")[0]
            out[_month(r["offence_datetime"]), files["council_of_lsoa"][pc["lsoa_code"]], district] += 1
    return out


def test_the_county_line_moves_from_leeds_to_huddersfield_month_after_month(con, files, truth):
    line = truth["cross_border"]["county_line"]
    keys = [_offence_key(p) for p in line["members"]]
    built = con.execute(
        """select strftime(o.offence_month, '%Y-%m'), l.council_code, o.district, count(distinct o.offence_key)
           from stg_offences as o join geo_lsoa as l using (lsoa_code)
           where list_contains(?, o.person_key) group by all""",
        [keys],
    ).fetchall()
    counts = Counter({(m, c, d): n for m, c, d, n in built})
    assert counts == _county_line_from_files(files, set(line["members"]))
    months = defaultdict(set)
    for month, council, district in counts:
        months[council].add(month)
        if council == line["to_council"]:
            assert district == line["to_district"]
    assert months == {line["from_council"]: set(line["from_months"]), line["to_council"]: set(line["to_months"])}
    assert max(line["from_months"]) < min(line["to_months"])
