"""The known structure planted in the sample (recorded in ``ground_truth.json``).

Everything here is a fixed size whatever the scale: three place hotspots, an emerging
place, three disruption actions to review (effective, ineffective, too few events),
small places, three peer groups and one pair of districts in postcode tension. Every
place's events are placed deliberately; background events keep clear of places.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.sample import calendar as cal
from pipelines.sample import codes
from pipelines.sample.background import Frame, PostcodePicker, concat, episodes_for, offence_rows, people, share
from pipelines.sample.geo import Postcodes, offset_point
from pipelines.sample.messy import NO_TIME

TENSION = ("HD2", "WF13")
GROUP_SIZES = (6, 5, 7)
GROUP_PLACE = ("HOTEL", "PARK", "TAKEAWAY")
GROUP_THEMES = ("CSE;PEERS", "DRUGS;GANG;PEERS", "CCE;COUNTY_LINES;PEERS")
GROUP_OFFENCES = ((codes.VIOLENCE, 6), (4, 0, codes.WEAPONS_TYPE), (4, 6, 8))
EFFECTIVE_START, INEFFECTIVE_START, TOO_FEW_START = "2025-06-09", "2025-03-12", "2025-01-20"

OFFENCE_MIX = {
    "HOTEL": {1: 50, 13: 15, 4: 15, 5: 20},
    "TAKEAWAY": {0: 30, 5: 25, 1: 30, 4: 15},
    "PARK": {0: 35, 4: 25, 1: 25, 11: 10, 3: 5},
    "SHOP": {2: 50, 0: 20, 6: 15, 1: 15},
    "LICENSED_PREMISES": {1: 45, 5: 30, 0: 20, 4: 5},
    "TRANSPORT_HUB": {0: 30, 1: 30, 7: 20, 6: 20},
}
DEFAULT_MIX = {0: 35, 1: 25, 3: 20, 4: 10, 5: 10}


@dataclass
class Mentions:
    """Per-RHI additions that do not vectorise: place tokens and associates named."""

    places: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    associates: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    themes: dict[int, str] = field(default_factory=dict)


def assign_roles(rng: np.random.Generator, places: pd.DataFrame) -> dict:
    """Choose which places carry which planted pattern (indices into ``places``)."""
    cat = places["category"].to_numpy()

    def of(category: str, k: int, taken: set) -> list[int]:
        free = [i for i in np.flatnonzero(cat == category) if i not in taken]
        return [int(i) for i in rng.choice(free, size=k, replace=False)]

    taken: set[int] = set()
    roles = {}
    for name, category, k in (
        ("hotel", "HOTEL", 1),
        ("takeaway", "TAKEAWAY", 1),
        ("park", "PARK", 1),
        ("emerging", "SHOP", 1),
        ("effective", "LICENSED_PREMISES", 1),
        ("ineffective", "LICENSED_PREMISES", 1),
        ("controls", "LICENSED_PREMISES", 6),
        ("too_few", "SCHOOL", 1),
    ):
        roles[name] = of(category, k, taken)
        taken.update(roles[name])
    rest = [i for i in range(len(places)) if i not in taken and cat[i] != "LICENSED_PREMISES"]
    roles["small"] = roles["too_few"] + [int(i) for i in rng.choice(rest, size=14, replace=False)]
    taken.update(roles["small"])
    roles["other"] = [i for i in range(len(places)) if i not in taken]
    return roles


def _split(rng: np.random.Generator, per_month: np.ndarray, mix) -> np.ndarray:
    """Exact monthly totals split into (found, rhi, offence) counts."""
    p = np.asarray(mix, float) / np.sum(mix)
    return np.stack([rng.multinomial(int(t), p) for t in per_month], axis=1)


def monthly_plan(rng: np.random.Generator, roles: dict, n_places: int) -> np.ndarray:
    """Events per place × source (found, rhi, offence) × month, as counts.

    Hotspots and background places vary at random; the emerging place and the places
    whose disruption is reviewed get exact monthly totals, so their pattern is certain.
    """
    season = cal.month_weights()
    m = np.arange(cal.N_MONTHS)
    counts = np.zeros((n_places, 3, cal.N_MONTHS), np.int64)
    for key in ("hotel", "takeaway", "park"):
        counts[roles[key][0]] = rng.poisson(np.outer((1.0, 0.9, 0.7), season))
    # 4, 5, ..., 8 from the sixth month before the end, then 12 in the last month: the
    # emerging test's window is the quarter so far, at the data's end that month alone, and
    # needs at least [hotspots] min_events (10) events in it.
    emerging = np.where(m >= 30, m - 26, 0)
    emerging[-1] = 12
    emerging[int(rng.integers(0, 30))] = 1  # essentially nothing before
    counts[roles["emerging"][0]] = _split(rng, emerging, (0.4, 0.3, 0.3))
    lic_mix = (0.3, 0.15, 0.55)
    effective = np.select([(m >= 7) & (m <= 18), m == 19, m > 19], [5, 2, np.minimum(rng.poisson(0.6, 36), 2)], 0)
    counts[roles["effective"][0]] = _split(rng, effective, lic_mix)
    ineffective = np.where((m >= 8) & (m <= 25), rng.integers(4, 6, 36), rng.poisson(0.2, 36))
    counts[roles["ineffective"][0]] = _split(rng, ineffective, lic_mix)
    for i in roles["controls"]:
        counts[i] = _split(rng, np.where((m >= 6) & (m <= 26), rng.integers(2, 4, 36), rng.poisson(0.35, 36)), lic_mix)
    for i, total in zip(roles["small"], [3] + list(rng.integers(1, 9, len(roles["small"]) - 1))):
        np.add.at(counts[i], (rng.choice(3, total), rng.choice(cal.N_MONTHS, total)), 1)
    for i in roles["other"]:
        total = int(rng.integers(5, 31))
        src = rng.choice(3, total, p=(0.4, 0.3, 0.3))
        np.add.at(counts[i], (src, rng.choice(cal.N_MONTHS, total, p=season / season.sum())), 1)
    return counts


class PlaceEvents:
    """Turns the monthly plan into found locations, RHI mentions and offences at places."""

    def __init__(self, rng, pc: Postcodes, places: pd.DataFrame, eps: Frame, rhi: Frame, mentions: Mentions):
        self.rng, self.pc, self.places, self.eps, self.rhi, self.mentions = rng, pc, places, eps, rhi, mentions
        self.lat, self.lon = places["lat"].to_numpy(), places["lon"].to_numpy()
        self.pcode, self.ids = places["pc"].to_numpy(), places["place_id"].to_numpy()
        found_at = np.where(eps["ret"] != NO_TIME, eps["ret"], eps["start"])
        ok = (eps["ret"] != NO_TIME) & ~eps["end_blank"] & ~eps["planted"]
        self.found_pool = self._by_month(np.flatnonzero(ok), cal.month_index(found_at[ok]))
        done = (rhi["outcome"] == 0) & ~eps["planted"][rhi["ep"]]
        self.rhi_pool = self._by_month(np.flatnonzero(done), cal.month_index(rhi["completed"][done]))
        self.used_ep: set[int] = set()
        self.used_rhi: set[int] = set()
        self.found_here: dict[tuple[int, int], list[int]] = defaultdict(list)

    @staticmethod
    def _by_month(idx: np.ndarray, month: np.ndarray) -> dict[int, np.ndarray]:
        return {k: idx[month == k] for k in range(cal.N_MONTHS)}

    def _draw(self, pool: np.ndarray, used: set, k: int, prefer=()) -> list[int]:
        out = [i for i in prefer if i not in used][:k]
        tries = 0
        while len(out) < k and tries < 50 * k + 50:
            i = int(pool[self.rng.integers(len(pool))]) if len(pool) else -1
            tries += 1
            if i >= 0 and i not in used and i not in out:
                out.append(i)
        used.update(out)
        return out

    def found(self, place: int, month: int, k: int) -> None:
        """Mark ``k`` episodes returning in ``month`` as found at the place."""
        e = self.eps
        lat, lon, pcode = self.lat[place], self.lon[place], self.pcode[place]
        for i in self._draw(self.found_pool[month], self.used_ep, k):
            kind = share(self.rng, 1, (0.3, 0.5, 0.2))[0]
            e["found_kind"][i], e["found_place"][i], e["found_pc"][i] = (3, place, -1) if kind == 1 else (1, -1, pcode)
            if kind == 2:
                e["found_kind"][i], e["found_pc"][i] = 2, -1
                e["found_lat"][i], e["found_lon"][i] = offset_point(self.rng, lat, lon, 80.0)
            self.found_here[(place, month)].append(i)

    def mention(self, place: int, month: int, k: int) -> None:
        """Name the place in ``k`` completed RHIs of ``month`` (preferring children found there)."""
        by_ep = self.rhi_ep_index()
        prefer = [by_ep[i] for i in self.found_here.get((place, month), []) if i in by_ep]
        prefer = [r for r in prefer if cal.month_index(self.rhi["completed"][r : r + 1])[0] == month]
        for r in self._draw(self.rhi_pool[month], self.used_rhi, k, prefer):
            self.mentions.places[r].append(str(self.ids[place]))

    def rhi_ep_index(self) -> dict[int, int]:
        if not hasattr(self, "_rhi_ep"):
            done = np.flatnonzero(self.rhi["outcome"] == 0)
            self._rhi_ep = dict(zip(self.rhi["ep"][done].tolist(), done.tolist()))
        return self._rhi_ep

    def offences(self, plan: np.ndarray, person_pool: np.ndarray) -> Frame:
        """New offences at places, from the offence slice of the plan."""
        rng = self.rng
        place_idx, month = np.nonzero(plan[:, 2, :])
        reps = plan[:, 2, :][place_idx, month]
        place_idx, month = np.repeat(place_idx, reps), np.repeat(month, reps)
        n = len(place_idx)
        cats = self.places["category"].to_numpy()[place_idx]
        otype = np.array([_draw_mix(rng, OFFENCE_MIX.get(c, DEFAULT_MIX)) for c in cats])
        at = cal.times_in_month(rng, month, cal.OFFENCE_HOURS)
        kind = share(rng, n, (0.15, 0.4, 0.45)) + 1  # postcode, point, place id
        points = [offset_point(rng, self.lat[p], self.lon[p], 80.0) for p in place_idx]
        lat = np.array([p[0] for p in points]).reshape(-1)
        lon = np.array([p[1] for p in points]).reshape(-1)
        k = share(rng, n, (0.3, 0.55, 0.15))
        rows = np.maximum(k, 1)
        off = np.repeat(np.arange(n), rows)
        slot = np.arange(len(off)) - np.repeat(np.cumsum(rows) - rows, rows)
        person = np.where(slot < k[off], person_pool[rng.integers(0, len(person_pool), len(off))], -1)
        place = np.where(kind == 3, place_idx, -1)
        return offence_rows(rng, off, person, at, otype, kind, self.pcode[place_idx], self.pc, lat, lon, place)


def _draw_mix(rng: np.random.Generator, mix: dict[int, float]) -> int:
    keys = list(mix)
    p = np.array([mix[k] for k in keys], float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def realise_places(rng, pc, places, eps, rhi, mentions, plan, person_pool) -> Frame:
    """Apply the plan: found locations and RHI mentions in place, offences returned."""
    pe = PlaceEvents(rng, pc, places, eps, rhi, mentions)
    for p, m in zip(*np.nonzero(plan[:, 0, :])):
        pe.found(int(p), int(m), int(plan[p, 0, m]))
    for p, m in zip(*np.nonzero(plan[:, 1, :])):
        pe.mention(int(p), int(m), int(plan[p, 1, m]))
    return pe.offences(plan, person_pool)


def _sectors(pc: Postcodes, min_postcodes: int) -> np.ndarray:
    names, counts = np.unique(pc.sector, return_counts=True)
    return names[counts >= min_postcodes]


def peer_groups(
    rng, pc: Postcodes, pc_all: PostcodePicker, places: pd.DataFrame, roles: dict, n_people: int
) -> tuple[Frame, Frame, list[dict]]:
    """Three unconnected groups who go missing together, offend together and name each other.

    Returns the new people, their episodes, and per group the member indices, each
    episode's occasion, and the planned joint offences.
    """
    sectors = [s for s in _sectors(pc, 120) if s.split(" ")[0] not in TENSION]
    districts_used: set[str] = set()
    chosen = []
    for s in rng.permutation(sectors):
        if s.split(" ")[0] not in districts_used:
            chosen.append(str(s))
            districts_used.add(s.split(" ")[0])
        if len(chosen) == len(GROUP_SIZES):
            break
    ppl_parts, ep_parts, groups = [], [], []
    offset = n_people
    for g, (size, sector) in enumerate(zip(GROUP_SIZES, chosen)):
        in_sector = np.flatnonzero(pc.sector == sector)
        place = roles[{"HOTEL": "hotel", "PARK": "park", "TAKEAWAY": "takeaway"}[GROUP_PLACE[g]]][0]
        members, eps, group = planted_group(rng, g, [(in_sector, size)], pc_all, place, offset)
        offset += size
        ppl_parts.append(members)
        ep_parts.append(eps)
        groups.append(group)
    return concat(*ppl_parts), concat(*ep_parts), groups


def planted_group(
    rng, profile: int, homes: list[tuple[np.ndarray, int]], pc_all: PostcodePicker, place: int, first_person: int
) -> tuple[Frame, Frame, dict]:
    """One group who go missing together (often found at ``place``), offend together and name each other.

    ``profile`` (0-2) picks the group's sex mix, offences and RHI themes; ``homes`` gives
    postcode pools and how many members live in each (two pools: a group across a border).
    Members are numbered from ``first_person``. Returns the members, their episodes and the
    group (member indices, each episode's occasion, the place, the planned joint offences).
    """
    size = sum(k for _, k in homes)
    members = people(rng, size, None, 0.3, np.full(size, cal.T0 // cal.DAY + 365))
    members["home_pc"] = np.concatenate([rng.choice(pool, size=k, replace=False) for pool, k in homes])
    members["sex"] = share(rng, size, ((0.8, 0.2, 0, 0), (0.1, 0.9, 0, 0), (0.4, 0.6, 0, 0))[profile])
    members["dob"] = cal.T0 // cal.DAY - rng.integers(13 * 365, 16 * 365, size)
    idx = np.arange(first_person, first_person + size)
    # Joint occasions spread over the period, always including the final month.
    n_occ = 9
    occ_month = np.sort(np.concatenate([rng.choice(np.arange(2, 35), n_occ - 1, replace=False), [35]]))
    who, start, occasion = [], [], []
    for o, m in enumerate(occ_month):
        k = int(rng.integers(3, size + 1))
        part = rng.choice(size, size=k, replace=False)
        # An evening early enough in the month for everyone to be back before it ends.
        base = int(cal.MONTH_STARTS[m]) + int(rng.integers(0, 24)) * cal.DAY + int(rng.integers(15, 22)) * cal.HOUR
        for j in part:
            who.append(j)
            start.append(base + int(rng.integers(0, 50)) * 60)
            occasion.append(o)
    # A few episodes alone, at unrelated times.
    solo = rng.integers(0, 3, size)
    for j in range(size):
        for _ in range(solo[j]):
            who.append(j)
            start.append(cal.times_in_month(rng, np.array([rng.integers(0, 36)]), cal.MISSING_HOURS)[0])
            occasion.append(-1)
    who = np.array(who)
    eps = episodes_for(rng, who, np.array(start, np.int64), members, pc_all)
    eps["person"] = eps["person"] + idx[0]
    eps["from_pc"] = members["home_pc"][who]
    joint = np.array(occasion) >= 0
    # Found together: same return time (give or take), often at the group's place.
    hours = rng.uniform(5, 30, n_occ)
    occ = np.array(occasion)
    ret = np.array(start) + (hours[np.maximum(occ, 0)] * cal.HOUR).astype(np.int64) + rng.integers(0, 40, len(who)) * 60
    eps["ret"] = np.where(joint, np.minimum(ret, cal.T_END - cal.HOUR), eps["ret"])
    eps["end_blank"][:] = False
    eps["away"][:] = False
    at_place = joint & (rng.random(n_occ) < 0.6)[np.maximum(occ, 0)]
    eps["found_kind"] = np.where(at_place, 3, 1).astype(np.int8)
    eps["found_place"] = np.where(at_place, place, -1)
    eps["found_pc"] = np.where(at_place, -1, pc_all.within(rng, "sector", eps["from_pc"]))
    eps["planted"][:] = True
    offences = []
    for _ in range(5):
        k = int(rng.integers(2, min(4, size) + 1))
        offences.append(
            (
                idx[rng.choice(size, size=k, replace=False)],
                int(rng.choice(GROUP_OFFENCES[profile])),
                int(rng.integers(1, 36)),
            )
        )
    offences[-1] = (offences[-1][0], offences[-1][1], 35)
    group = {"members": idx, "occasion": occ, "place": place, "offences": offences, "profile": profile}
    return members, eps, group


def group_offences(
    rng, pc: Postcodes, pc_all: PostcodePicker, clear: PostcodePicker, groups: list[dict], all_people: Frame
) -> Frame:
    """Offences committed together by each group (same offence id, several rows)."""
    parts = []
    for g in groups:
        for members, otype, month in g["offences"]:
            loc = clear.within(rng, "sector", all_people["home_pc"][members[:1]])
            at = cal.times_in_month(rng, np.array([month]), cal.OFFENCE_HOURS)
            rows = offence_rows(
                rng, np.zeros(len(members), np.int64), members, at, np.array([otype]), np.array([1]), loc, pc
            )
            rows["role"][:] = 0
            rows["off"][:] = len(parts)
            parts.append(rows)
    return concat(*parts)


def tension(
    rng, pc: Postcodes, pc_all: PostcodePicker, clear: PostcodePicker, n_people: int
) -> tuple[Frame, Frame, Frame]:
    """Young people from each district of the pair involved in violence in the other."""
    ppl_parts, ep_parts, off_parts = [], [], []
    offset = n_people
    for a, b in (TENSION, TENSION[::-1]):
        n = 14
        home_pool = np.flatnonzero(pc.district == a)
        youth = people(rng, n, None, 0.1, np.full(n, cal.T0 // cal.DAY + 400))
        youth["home_pc"] = rng.choice(home_pool, n, replace=False)
        youth["sex"] = share(rng, n, (0.15, 0.85, 0, 0))
        youth["dob"] = cal.T0 // cal.DAY - rng.integers(13 * 365, 16 * 365, n)
        idx = np.arange(offset, offset + n)
        offset += n
        n_eps = rng.integers(1, 4, n)
        who = np.repeat(np.arange(n), n_eps)
        start = cal.seasonal_days(rng, np.full(len(who), cal.T0), np.full(len(who), cal.T_END - 2 * cal.DAY))
        eps = episodes_for(rng, who, start + cal.times_of_day(rng, len(who), cal.MISSING_HOURS), youth, pc_all)
        eps["person"] += idx[0]
        eps["from_pc"] = youth["home_pc"][who]
        eps["found_kind"][:] = 1
        eps["found_pc"] = clear.within(rng, "district", eps["from_pc"])
        eps["planted"][:] = True
        n_off = 34
        k = share(rng, n_off, (0, 0.8, 0.2, 0))
        off = np.repeat(np.arange(n_off), k)
        person = np.concatenate([idx[rng.choice(n, size=j, replace=False)] for j in k])
        in_b = np.flatnonzero(pc.district == b)
        loc = clear.within(rng, "district", rng.choice(in_b, n_off))
        otype = np.where(rng.random(n_off) < 0.7, codes.VIOLENCE, codes.WEAPONS_TYPE)
        day = cal.seasonal_days(rng, np.full(n_off, cal.T0), np.full(n_off, cal.T_END))
        at = day + cal.times_of_day(rng, n_off, cal.OFFENCE_HOURS)
        rows = offence_rows(rng, off, person, at, otype, np.where(rng.random(n_off) < 0.6, 1, 2), loc, pc)
        rows["off"] += n_off * len(off_parts)
        rows["role"] = np.where(rng.random(len(off)) < 0.7, 0, 1)
        rows["sv"] = rows["sv"] | (rng.random(n_off) < 0.4)[off]
        ppl_parts.append(youth)
        ep_parts.append(eps)
        off_parts.append(rows)
    return concat(*ppl_parts), concat(*ep_parts), concat(*off_parts)


def group_rhis(
    rng, eps: Frame, rhi: Frame, groups: list[dict], first_episode: int, places: pd.DataFrame, mentions: Mentions
) -> None:
    """Group members' interviews: mostly completed, naming each other and the group's place."""
    rhi_of = {int(e): r for r, e in enumerate(rhi["ep"])}
    e0 = first_episode
    for group in groups:
        occ = group["occasion"]
        for j, o in enumerate(occ):
            e = e0 + j
            r = rhi_of.get(e)
            if r is None or rng.random() > 0.85:
                continue
            if rhi["offered"][r] == NO_TIME:
                rhi["offered"][r] = eps["ret"][e] + 18 * cal.HOUR
            rhi["outcome"][r] = 0
            rhi["completed"][r] = max(rhi["completed"][r], rhi["offered"][r] + 20 * cal.HOUR)
            mentions.themes[r] = GROUP_THEMES[group["profile"]]
            same = np.flatnonzero(occ == o) if o >= 0 else np.arange(len(occ))
            others = [int(eps["person"][e0 + i]) for i in same if eps["person"][e0 + i] != eps["person"][e]]
            others = sorted(set(others))
            if others:
                k = int(rng.integers(1, min(3, len(others)) + 1))
                mentions.associates[r] = [int(p) for p in rng.choice(others, size=k, replace=False)]
            if eps["found_place"][e] >= 0 and rng.random() < 0.7:
                mentions.places[r].append(places.at[group["place"], "place_id"])
        e0 += len(occ)


def _day(iso: str) -> int:
    return int(np.datetime64(iso, "D").astype(np.int64))


def actions(
    rng: np.random.Generator, places: pd.DataFrame, roles: dict, pc: Postcodes, prefix: str = "DA-"
) -> tuple[pd.DataFrame, dict]:
    """About 60 disruption actions (ids ``<prefix>001``…): three to review, the rest at other places and areas."""
    ids = places["place_id"].to_numpy()
    rows = [
        (ids[roles["effective"][0]], "", "CLOSURE_ORDER", _day(EFFECTIVE_START), _day(EFFECTIVE_START) + 91, "POLICE"),
        (ids[roles["ineffective"][0]], "", "LICENSING_VISIT", _day(INEFFECTIVE_START), -1, "LICENSING"),
        (ids[roles["too_few"][0]], "", "TRAINING", _day(TOO_FEW_START), _day(TOO_FEW_START) + 30, "EDUCATION"),
    ]
    key_places = {
        i for k in ("hotel", "takeaway", "park", "emerging", "effective", "ineffective", "controls") for i in roles[k]
    }
    free_places = [i for i in roles["other"] if i not in key_places]
    key_pc = places["pc"].to_numpy()[sorted(key_places)]
    # Areas holding a key place would block it as a comparison place, so actions avoid them.
    blocked = {"ward": set(pc.ward[key_pc]), "sector": set(pc.sector[key_pc])}
    wards = sorted(set(pc.ward) - blocked["ward"])
    sectors = sorted(s for s in set(pc.sector) - blocked["sector"] if (pc.sector == s).sum() > 60)
    types_for = {
        "HOTEL": ("TRAINING", "LICENSING_VISIT"),
        "TAXI": ("TRAINING", "LICENSING_VISIT"),
        "TAKEAWAY": ("TRAINING", "COMMUNITY_PROTECTION_NOTICE", "LICENSING_VISIT"),
        "SHOP": ("TRAINING", "CCTV", "COMMUNITY_PROTECTION_NOTICE"),
        "PARK": ("PATROLS", "DISPERSAL_ORDER", "OUTREACH", "CCTV"),
    }
    agency = {
        "TRAINING": "COUNCIL",
        "LICENSING_VISIT": "LICENSING",
        "COMMUNITY_PROTECTION_NOTICE": "COUNCIL",
        "CCTV": "COUNCIL",
        "PATROLS": "POLICE",
        "DISPERSAL_ORDER": "POLICE",
        "OUTREACH": "YOUTH_SERVICE",
        "CLOSURE_ORDER": "POLICE",
    }
    day0 = cal.T0 // cal.DAY
    for i in rng.choice(free_places, size=32, replace=False):
        options = types_for.get(places.at[i, "category"], ("PATROLS", "OUTREACH", "TRAINING"))
        t = str(rng.choice(options))
        start = day0 + int(rng.integers(60, 1030))
        end = start + int(rng.integers(14, 180)) if rng.random() < 0.6 else -1
        rows.append((ids[i], "", t, start, end, agency[t] if rng.random() < 0.9 else ""))
    for _level, pool, k in (("ward", wards, 12), ("sector", sectors, 13)):
        for code in rng.choice(pool, size=min(k, len(pool)), replace=False):
            t = str(rng.choice(("PATROLS", "DISPERSAL_ORDER", "OUTREACH", "CCTV")))
            start = day0 + int(rng.integers(60, 1030))
            end = start + int(rng.integers(7, 120)) if rng.random() < 0.7 else -1
            rows.append(("", str(code), t, start, end, agency[t]))
    df = pd.DataFrame(rows, columns=["place_id", "area_code", "action_type", "start_day", "end_day", "agency"])
    df = df.sort_values(["start_day", "place_id", "area_code"], kind="stable").reset_index(drop=True)
    df.insert(0, "action_id", [f"{prefix}{k + 1:03d}" for k in range(len(df))])
    truth = {
        name: str(df.loc[df["place_id"] == ids[roles[name][0]], "action_id"].iloc[0])
        for name in ("effective", "ineffective", "too_few")
    }
    return df, truth


PLACE_THEMES = {
    "HOTEL": "CSE",
    "TAXI": "CSE",
    "TAKEAWAY": "CSE",
    "PARK": "DRUGS",
    "SHOP": "CCE",
    "LICENSED_PREMISES": "ALCOHOL",
    "TRANSPORT_HUB": "COUNTY_LINES",
}


def place_themes(
    rng: np.random.Generator, rhi: Frame, theme_menu: list[str], places: pd.DataFrame, mentions: Mentions
) -> None:
    """Interviews naming a place often raise the harm that place is known for (hotel → CSE)."""
    category = dict(zip(places["place_id"], places["category"]))
    order = {t: k for k, t in enumerate(codes.THEMES)}
    for r, tokens in mentions.places.items():
        if r in mentions.themes:
            continue
        added = {PLACE_THEMES[category[t]] for t in tokens if category.get(t) in PLACE_THEMES and rng.random() < 0.6}
        if added:
            menu = theme_menu[rhi["themes"][r]].split(";") if rhi["themes"][r] >= 0 else []
            mentions.themes[r] = ";".join(sorted(set(menu) | added, key=order.__getitem__))
