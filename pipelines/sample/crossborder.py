"""Structure planted across council borders in the force-wide sample (``ground_truth.json``, ``cross_border``).

Three patterns, each on the force's postcodes (indices into the force's ``geo.Postcodes``):

- a peer group with members in two councils (Kirklees and Calderdale) who go missing
  together, are found at one place, offend together and name each other, each only the
  members of their own council (a council records the children named by its own ids,
  pseudonymised with its own key, so another council's child named there would not be
  that child: the group is found across the border by going missing together);
- a place of concern on the boundary between two councils (Bradford and Leeds), where
  children of both are found and which their interviews name;
- a county line: the same young people from Leeds commit drug offences in Leeds, then in
  Huddersfield (Kirklees), over consecutive months.

People here are new people (each belongs to one council); their episodes and offences are
added to the force's frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from pipelines.sample import calendar as cal
from pipelines.sample import codes, planted
from pipelines.sample.background import Frame, PostcodePicker, concat, episodes_for, offence_rows, people, rhis, share
from pipelines.sample.geo import PLACE_SPACING_M, Postcodes, metres, offset_point
from pipelines.sample.messy import NO_TIME

GROUP_COUNCILS = (("E08000034", 4), ("E08000033", 3))  # council, members living there
BOUNDARY_COUNCILS = ("E08000032", "E08000035")  # Bradford, Leeds
BOUNDARY_CHILDREN = 10  # per council
BOUNDARY_PLACE = ("PL-WY-001", "Ring Road Fried Chicken", "TAKEAWAY")
COUNTY_LINE = {"from": "E08000035", "to": "E08000034", "to_district": "HD1", "members": 5}
# Months (index from November 2023) of the county line's offences: three in Leeds, then three in Huddersfield.
COUNTY_LINE_MONTHS = {"from": (26, 27, 28), "to": (29, 30, 31)}
COUNTY_LINE_PER_MONTH = 3
# Postcodes within this distance of the other council count as on the boundary; homes within HOME_M of the place.
BOUNDARY_M = 150.0
HOME_M = 3_000.0
MIN_SECTOR_POSTCODES = 60


@dataclass
class CrossBorder:
    """What the cross-border layer adds: people (and each one's council), episodes, offences, a place, truth."""

    ppl: Frame
    first_person: int  # the number of the first new person
    council: np.ndarray  # council code of each new person
    eps: Frame
    group: dict
    offs: Frame
    place: pd.DataFrame  # the boundary place, one row in the register's columns
    at_boundary: np.ndarray  # per episode: found at the boundary place
    truth: dict  # person indices and months; the caller spells ids


def _sectors(pc: Postcodes, council_of: np.ndarray, code: str) -> tuple[np.ndarray, np.ndarray]:
    """The council's postcode sectors with enough postcodes in it, and their centroids in metres."""
    mine = council_of == code
    names, counts = np.unique(pc.sector[mine], return_counts=True)
    names = names[counts >= MIN_SECTOR_POSTCODES]
    xy = metres(pc.lat, pc.lon)
    return names, np.array([xy[mine & (pc.sector == s)].mean(axis=0) for s in names])


def border_sectors(pc: Postcodes, council_of: np.ndarray, a: str, b: str) -> tuple[str, str]:
    """The sector of council ``a`` and the sector of council ``b`` whose centroids are closest."""
    names_a, xy_a = _sectors(pc, council_of, a)
    names_b, xy_b = _sectors(pc, council_of, b)
    dist, j = cKDTree(xy_b).query(xy_a)
    i = int(np.argmin(dist))
    return str(names_a[i]), str(names_b[j[i]])


def boundary_postcode(pc: Postcodes, council_of: np.ndarray, places: pd.DataFrame) -> int:
    """The busiest postcode of the first boundary council lying on its border with the second, clear of places."""
    xy = metres(pc.lat, pc.lon)
    a, b = (np.flatnonzero(council_of == c) for c in BOUNDARY_COUNCILS)
    near_b, _ = cKDTree(xy[b]).query(xy[a])
    to_place, _ = cKDTree(metres(places["lat"].to_numpy(), places["lon"].to_numpy())).query(xy[a])
    candidates = a[(near_b < BOUNDARY_M) & (to_place > PLACE_SPACING_M)]
    busy = np.array([len(n) for n in cKDTree(xy).query_ball_point(xy[candidates], 400.0)])
    return int(candidates[np.argmax(busy)])


def _group(rng, pc, council_of, pc_all, places, place_pool, first_person) -> tuple[Frame, Frame, dict]:
    """The peer group across the Kirklees–Calderdale border, found at the nearest free place to its homes."""
    (a, k_a), (b, k_b) = GROUP_COUNCILS
    sector_a, sector_b = border_sectors(pc, council_of, a, b)
    homes = [
        (np.flatnonzero((pc.sector == s) & (council_of == c)), k)
        for s, c, k in ((sector_a, a, k_a), (sector_b, b, k_b))
    ]
    middle = metres(pc.lat[[h[0][0] for h in homes]], pc.lon[[h[0][0] for h in homes]]).mean(axis=0)
    xy = metres(places["lat"].to_numpy()[place_pool], places["lon"].to_numpy()[place_pool])
    place = int(place_pool[np.argmin(np.hypot(*(xy - middle).T))])
    members, eps, group = planted.planted_group(rng, 1, homes, pc_all, place, first_person)
    group["sectors"] = [sector_a, sector_b]
    return members, eps, group


def _boundary_children(
    rng, pc, council_of, place: int, place_pc: int, first_person: int
) -> tuple[Frame, Frame, np.ndarray]:
    """Children of both boundary councils living near the place, most of whose episodes end there."""
    xy = metres(pc.lat, pc.lon)
    near = np.hypot(*(xy - xy[place_pc]).T) < HOME_M
    parts = []
    for code in BOUNDARY_COUNCILS:
        picker = PostcodePicker(pc, np.flatnonzero(near & (council_of == code)))
        kids = people(rng, BOUNDARY_CHILDREN, picker, 0.2, np.full(BOUNDARY_CHILDREN, cal.T0 // cal.DAY + 365))
        kids["dob"] = cal.T0 // cal.DAY - rng.integers(13 * 365, 16 * 365, BOUNDARY_CHILDREN)
        parts.append(kids)
    kids = concat(*parts)
    n = len(kids["dob"])
    who = np.repeat(np.arange(n), rng.integers(1, 4, n))
    start = cal.seasonal_days(rng, np.full(len(who), cal.T0), np.full(len(who), cal.T_END - 3 * cal.DAY))
    start = start + cal.times_of_day(rng, len(who), cal.MISSING_HOURS)
    eps = episodes_for(rng, who, start, kids, PostcodePicker(pc, np.flatnonzero(near)))
    eps["person"] += first_person
    eps["from_pc"] = kids["home_pc"][who]
    eps["end_blank"][:] = False
    eps["planted"][:] = True
    # Found at the place (by its id, a point beside it or its postcode), or else near home.
    here = (eps["ret"] != NO_TIME) & (rng.random(len(who)) < 0.85)
    kind = share(rng, len(who), (0.3, 0.5, 0.2))  # postcode, place id, point
    eps["found_kind"] = np.where(here, np.array([1, 3, 2])[kind], np.where(eps["ret"] != NO_TIME, 1, 0))
    eps["found_kind"] = eps["found_kind"].astype(np.int8)
    eps["found_place"] = np.where(here & (kind == 1), place, -1)
    eps["found_pc"] = np.where(here & (kind == 0), place_pc, np.where(here, -1, eps["from_pc"]))
    eps["found_pc"] = np.where(eps["found_kind"] == 0, -1, eps["found_pc"])
    points = [offset_point(rng, pc.lat[place_pc], pc.lon[place_pc], 60.0) for _ in range(len(who))]
    eps["found_lat"] = np.where(here & (kind == 2), [p[0] for p in points], 0.0)
    eps["found_lon"] = np.where(here & (kind == 2), [p[1] for p in points], 0.0)
    return kids, eps, here


def _county_line(rng, pc, council_of, clear: PostcodePicker, first_person: int) -> tuple[Frame, Frame]:
    """Young people from one Leeds sector selling drugs in Leeds, then in Huddersfield, month after month."""
    names, _ = _sectors(pc, council_of, COUNTY_LINE["from"])
    sector = str(rng.choice(names))
    k = COUNTY_LINE["members"]
    youth = people(rng, k, None, 0.1, np.full(k, cal.T0 // cal.DAY + 400))
    youth["home_pc"] = rng.choice(
        np.flatnonzero((pc.sector == sector) & (council_of == COUNTY_LINE["from"])), k, replace=False
    )
    youth["sex"] = share(rng, k, (0.1, 0.9, 0, 0))
    youth["dob"] = cal.T0 // cal.DAY - rng.integers(14 * 365, 16 * 365, k)
    to_district = np.flatnonzero((pc.district == COUNTY_LINE["to_district"]) & (council_of == COUNTY_LINE["to"]))
    months = np.repeat(COUNTY_LINE_MONTHS["from"] + COUNTY_LINE_MONTHS["to"], COUNTY_LINE_PER_MONTH)
    n_off = len(months)
    away = np.isin(months, COUNTY_LINE_MONTHS["to"])
    near = np.where(away, rng.choice(to_district, n_off), youth["home_pc"][rng.integers(0, k, n_off)])
    # Postcode districts cross council borders: each offence stays inside its planted council.
    loc = np.zeros(n_off, np.int64)
    for code, rows in ((COUNTY_LINE["to"], away), (COUNTY_LINE["from"], ~away)):
        inside = PostcodePicker(pc, clear.pool[council_of[clear.pool] == code])
        loc[rows] = inside.within(rng, "district", near[rows])
    size = rng.integers(2, 4, n_off)
    off = np.repeat(np.arange(n_off), size)
    person = np.concatenate([rng.choice(k, size=j, replace=False) for j in size]) + first_person
    at = cal.times_in_month(rng, months, cal.OFFENCE_HOURS)
    rows = offence_rows(rng, off, person, at, np.full(n_off, 4), np.ones(n_off, int), loc, pc)  # 4: Drugs
    rows["role"][:] = 0  # suspects
    rows["exploit"][:] = 1  # CCE
    return youth, rows


def plant(
    rng: np.random.Generator,
    pc: Postcodes,
    council_of: np.ndarray,
    places: pd.DataFrame,
    place_pool: np.ndarray,
    clear: PostcodePicker,
    first_person: int,
) -> CrossBorder:
    """Plant the three cross-border patterns.

    ``council_of`` is each postcode's council code; ``places`` the force's register (the
    boundary place is returned, not added); ``place_pool`` the places the group may use;
    ``clear`` picks postcodes away from every place; new people are numbered from ``first_person``.
    """
    pc_all = PostcodePicker(pc, np.arange(len(pc)))
    members, eps_g, group = _group(rng, pc, council_of, pc_all, places, place_pool, first_person)
    n_g = len(members["dob"])

    place_pc = boundary_postcode(pc, council_of, places)
    place_id, name, category = BOUNDARY_PLACE
    place = len(places)
    row = pd.DataFrame(
        {
            "place_id": [place_id],
            "name": [name],
            "category": [category],
            "pc": [place_pc],
            "lat": [pc.lat[place_pc]],
            "lon": [pc.lon[place_pc]],
        }
    )
    kids, eps_b, here = _boundary_children(rng, pc, council_of, place, place_pc, first_person + n_g)
    n_b = len(kids["dob"])

    youth, offs_c = _county_line(rng, pc, council_of, clear, first_person + n_g + n_b)
    ppl = concat(members, kids, youth)
    council = np.concatenate(
        [
            np.repeat([c for c, _ in GROUP_COUNCILS], [k for _, k in GROUP_COUNCILS]),
            np.repeat(BOUNDARY_COUNCILS, BOUNDARY_CHILDREN),
            np.full(len(youth["dob"]), COUNTY_LINE["from"]),
        ]
    )
    truth = {
        "peer_group": {
            "members": group["members"].tolist(),
            "councils": [c for c, _ in GROUP_COUNCILS],
            "sectors": group["sectors"],
            "place": group["place"],
        },
        "boundary_place": {
            "place": place,
            "councils": list(BOUNDARY_COUNCILS),
            "children": list(range(first_person + n_g, first_person + n_g + n_b)),
        },
        "county_line": {
            "members": list(range(first_person + n_g + n_b, first_person + len(ppl["dob"]))),
            "offence_type": codes.OFFENCE_TYPES[4],
            "from_council": COUNTY_LINE["from"],
            "to_council": COUNTY_LINE["to"],
            "to_district": COUNTY_LINE["to_district"],
            "from_months": [cal.month_label(m) for m in COUNTY_LINE_MONTHS["from"]],
            "to_months": [cal.month_label(m) for m in COUNTY_LINE_MONTHS["to"]],
        },
    }
    at_boundary = np.concatenate([np.zeros(len(eps_g["start"]), bool), here])
    return CrossBorder(ppl, first_person, council, concat(eps_g, eps_b), group, offs_c, row, at_boundary, truth)


def interviews(rng: np.random.Generator, cross: CrossBorder, places: pd.DataFrame, theme_menu: list[str]):
    """RHIs after the layer's episodes: the group's name each other (of their own council) and its place; the
    boundary children's mostly name the boundary place (``places`` is the register including it). Returns the
    RHIs and mentions."""
    rhi = rhis(rng, cross.eps)
    mentions = planted.Mentions()
    planted.group_rhis(rng, cross.eps, rhi, [cross.group], 0, places, mentions)
    council = cross.council[np.asarray(cross.eps["person"]) - cross.first_person]
    for r, named in mentions.associates.items():
        own = council[rhi["ep"][r]]
        mentions.associates[r] = [p for p in named if cross.council[p - cross.first_person] == own]
    done = (rhi["outcome"] == 0) & (rng.random(len(rhi["ep"])) < 0.8)
    place_id = places.at[cross.truth["boundary_place"]["place"], "place_id"]
    for r in np.flatnonzero(done & cross.at_boundary[rhi["ep"]]):
        mentions.places[int(r)].append(place_id)
    planted.place_themes(rng, rhi, theme_menu, places, mentions)
    return rhi, mentions
