"""Background volume: children, their missing episodes, RHIs and offences, all vectorised.

Tables are dicts of equally long numpy arrays ("frames"). People are referred to by
their row index in the people frame, postcodes by their index in ``geo.Postcodes``.
Times are int64 seconds since 1970 (``messy.NO_TIME`` = none).
"""

from __future__ import annotations

import numpy as np

from pipelines.sample import calendar as cal
from pipelines.sample import codes
from pipelines.sample.geo import Postcodes
from pipelines.sample.messy import NO_TIME

Frame = dict[str, np.ndarray]

# Scale 1 volumes (Kirklees, 36 months).
MISSING_CHILDREN = 2_500
OFFENCE_ONLY_PEOPLE = 1_500
OFFENCES = 4_000
LOOKED_AFTER_SHARE = 0.17
AGES = np.arange(8, 18)
AGE_SHARE = np.array([1, 2, 3, 4, 7, 11, 16, 20, 22, 14], float)


def concat(*frames: Frame) -> Frame:
    """Stack frames with the same columns."""
    return {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}


def take(frame: Frame, rows: np.ndarray) -> Frame:
    """Rows of a frame (by index or boolean mask)."""
    return {k: v[rows] for k, v in frame.items()}


def share(rng: np.random.Generator, n: int, shares) -> np.ndarray:
    """Category index per row with the given shares."""
    cum = np.cumsum(np.asarray(shares, float))
    return np.minimum(np.searchsorted(cum / cum[-1], rng.random(n), side="right"), len(cum) - 1)


class PostcodePicker:
    """Random postcodes from a pool, optionally within a given sector or district."""

    def __init__(self, pc: Postcodes, pool: np.ndarray):
        self.pool = pool
        self._groups = {}
        for level in ("sector", "district"):
            keys = getattr(pc, level)[pool]
            order = np.argsort(keys, kind="stable")
            names, starts, counts = np.unique(keys[order], return_index=True, return_counts=True)
            self._groups[level] = (pool[order], {n: i for i, n in enumerate(names)}, starts, counts)
        self.pc = pc

    def anywhere(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` postcodes drawn uniformly from the pool."""
        return self.pool[rng.integers(0, len(self.pool), size=n)]

    def within(self, rng: np.random.Generator, level: str, of_postcode: np.ndarray) -> np.ndarray:
        """A pool postcode in the same sector/district as each given postcode (else anywhere)."""
        ordered, lookup, starts, counts = self._groups[level]
        keys = getattr(self.pc, level)[of_postcode]
        uniq, inv = np.unique(keys, return_inverse=True)
        g = np.array([lookup.get(u, -1) for u in uniq])[inv]
        ok = g >= 0
        out = self.anywhere(rng, len(of_postcode))
        gi = g[ok]
        out[ok] = ordered[starts[gi] + (rng.random(ok.sum()) * counts[gi]).astype(np.int64)]
        return out


def people(
    rng: np.random.Generator, n: int, home: PostcodePicker | None, lac_share: float, ref_day: np.ndarray
) -> Frame:
    """People aged 8-17 at ``ref_day`` (days since 1970) with sex, ethnicity and home."""
    age = AGES[share(rng, n, AGE_SHARE)]
    dob = ref_day - age * 365 - rng.integers(0, 365, size=n)
    return {
        "dob": dob.astype(np.int64),
        "sex": share(rng, n, codes.SEX_SHARE),
        "eth": share(rng, n, codes.ETHNICITY_SHARE),
        "lac": rng.random(n) < lac_share,
        "home_pc": home.anywhere(rng, n) if home is not None else np.full(n, -1),
    }


def missing_children(
    rng: np.random.Generator, n: int, pc_all: PostcodePicker, care_homes: np.ndarray
) -> tuple[Frame, Frame]:
    """About ``n`` children who go missing, and their episodes (children in care repeat far more).

    Each child is active over a window; windows start uniformly from before the period to
    its end, and episodes outside the period are left out, so volume is flat over time.
    """
    n_gen = round(n / 0.9)
    lac = rng.random(n_gen) < LOOKED_AFTER_SHARE * 0.92
    # Heavy-tailed repeat counts: most children go missing once, a few dozens of times.
    extra = np.where(
        lac,
        rng.negative_binomial(0.55, 0.55 / (0.55 + 10.5), n_gen),
        rng.negative_binomial(0.45, 0.45 / (0.45 + 0.62), n_gen),
    )
    n_eps = 1 + np.minimum(extra, 90)
    span = np.minimum(cal.DAY * (45 + 22 * n_eps + rng.exponential(120, n_gen)).astype(np.int64), 560 * cal.DAY)
    w0 = cal.T0 - span + (rng.random(n_gen) * (cal.T_END - cal.T0 + span)).astype(np.int64)
    who = np.repeat(np.arange(n_gen), n_eps)
    start = cal.seasonal_days(rng, w0[who], w0[who] + span[who]) + cal.times_of_day(rng, len(who), cal.MISSING_HOURS)
    inside = (start >= cal.T0) & (start < cal.T_END)
    kept = np.unique(who[inside])
    renumber = np.full(n_gen, -1)
    renumber[kept] = np.arange(len(kept))
    who, start = renumber[who[inside]], start[inside]
    m = len(kept)
    ppl = people(rng, m, pc_all, 0.0, w0[kept] // cal.DAY)
    ppl["lac"] = lac[kept]
    # Most children in care live with foster carers (their own postcode); a quarter live in
    # a children's home shared with others.
    in_home = ppl["lac"] & (rng.random(m) < 0.25)
    ppl["home_pc"] = np.where(in_home, care_homes[rng.integers(0, len(care_homes), m)], ppl["home_pc"])
    ppl["home_pc"] = np.where(rng.random(m) < 0.04, -1, ppl["home_pc"])
    return ppl, episodes_for(rng, who, start, ppl, pc_all)


def episodes_for(
    rng: np.random.Generator, who: np.ndarray, start: np.ndarray, ppl: Frame, pc_all: PostcodePicker
) -> Frame:
    """Episodes of the given people starting at the given times (found elsewhere later)."""
    n = len(who)
    lac = ppl["lac"][who]
    home = ppl["home_pc"][who]
    away = rng.random(n) < np.where(lac, 0.3, 0.05)
    hours = np.where(away, rng.lognormal(np.log(10), 0.9, n), rng.lognormal(np.log(7), 1.1, n))
    ret = start + (np.clip(hours, 0.25, 24 * 21) * cal.HOUR).astype(np.int64)
    never = rng.random(n) < 0.003
    ret = np.where(never | (ret >= cal.T_END), NO_TIME, ret)
    from_pc = np.where(rng.random(n) < 0.9, home, pc_all.within(rng, "sector", np.maximum(home, 0)))
    from_pc = np.where((home < 0) & (rng.random(n) < 0.5), pc_all.anywhere(rng, n), from_pc)
    return {
        "person": who.astype(np.int64),
        "start": start.astype(np.int64),
        "ret": ret.astype(np.int64),
        # An ended episode whose end time was never recorded (its RHI can still exist).
        "end_blank": (ret != NO_TIME) & (rng.random(n) < 0.025),
        "away": away,
        "risk": share(rng, n, codes.RISK_SHARE),
        "lac": lac,
        "from_pc": from_pc.astype(np.int64),
        "found_kind": np.zeros(n, np.int8),  # 0 none, 1 postcode, 2 point, 3 place
        "found_pc": np.full(n, -1, np.int64),
        "found_lat": np.zeros(n),
        "found_lon": np.zeros(n),
        "found_place": np.full(n, -1, np.int64),
        "planted": np.zeros(n, bool),
    }


def place_found(rng: np.random.Generator, eps: Frame, pc: Postcodes, clear: PostcodePicker) -> None:
    """Give background episodes a found location away from every place of concern."""
    n = len(eps["start"])
    kind = share(rng, n, (0.3, 0.56, 0.14))
    kind[eps["ret"] == NO_TIME] = 0
    near_home = rng.random(n) < 0.55
    loc = np.where(near_home, clear.within(rng, "sector", np.maximum(eps["from_pc"], 0)), clear.anywhere(rng, n))
    eps["found_kind"] = kind.astype(np.int8)
    eps["found_pc"] = np.where(kind > 0, loc, -1)
    eps["found_lat"] = np.where(kind == 2, pc.lat[loc], 0.0)
    eps["found_lon"] = np.where(kind == 2, pc.lon[loc], 0.0)


def combos(rng: np.random.Generator, labels, shares, n_combos: int, max_k: int) -> list[str]:
    """A fixed menu of ``;``-joined code lists, drawn once so rows can pick by index."""
    p = np.asarray(shares, float) / np.sum(shares)
    out = []
    for _ in range(n_combos):
        k = int(rng.integers(1, max_k + 1))
        picked = rng.choice(len(labels), size=min(k, len(labels)), replace=False, p=p)
        out.append(";".join(labels[i] for i in sorted(picked)))
    return out


def rhis(rng: np.random.Generator, eps: Frame) -> Frame:
    """One RHI row for most returned episodes, with realistic offer delays and outcomes."""
    returned = np.flatnonzero(eps["ret"] != NO_TIME)
    has = returned[rng.random(len(returned)) < 0.9]
    n = len(has)
    start, ret = eps["start"][has], eps["ret"][has]
    outcome = share(rng, n, codes.OUTCOME_SHARE)
    timing = share(rng, n, (0.82, 0.14, 0.04))  # within 72 h, late, offered before return
    in_time = np.clip(rng.lognormal(np.log(26), 0.7, n), 1, 71.5)
    late = rng.uniform(73, 24 * 14, n)
    delay = (np.where(timing == 0, in_time, late) * cal.HOUR).astype(np.int64)
    before = start + ((ret - start) * rng.uniform(0.3, 0.95, n)).astype(np.int64)
    offered = np.where(timing == 2, before, ret + delay)
    completed = offered + (np.clip(rng.lognormal(np.log(20), 0.8, n), 0.5, 24 * 10) * cal.HOUR).astype(np.int64)
    offered = np.where(outcome == 3, NO_TIME, offered)
    completed = np.where(outcome == 0, completed, NO_TIME)
    done = outcome == 0
    return {
        "ep": has.astype(np.int64),
        "offered": offered,
        "completed": completed,
        "outcome": outcome,
        "themes": np.where(done & (rng.random(n) < 0.92), rng.integers(0, 400, n), -1),
        "push": np.where(done & (rng.random(n) < 0.8), rng.integers(0, 200, n), -1),
        "pull": np.where(done & (rng.random(n) < 0.75), rng.integers(0, 200, n), -1),
        # A postcode named in the interview (an area, not a place of concern).
        "named_pc": np.full(n, -1, np.int64),
        # Another child named as an associate (rare in the background).
        "assoc": np.full(n, -1, np.int64),
    }


def offences(
    rng: np.random.Generator,
    n: int,
    ppl: Frame,
    pools: tuple[np.ndarray, np.ndarray],
    pc: Postcodes,
    clear: PostcodePicker,
) -> Frame:
    """Offences involving young people (one row per person; no person = one empty row)."""
    missing_pool, offence_pool = pools
    k = share(rng, n, (0.15, 0.73, 0.1, 0.02))
    rows = np.maximum(k, 1)
    off = np.repeat(np.arange(n), rows)
    slot = np.arange(len(off)) - np.repeat(np.cumsum(rows) - rows, rows)
    has_person = slot < k[off]
    # A few prolific young people account for many offences.
    mw = rng.gamma(0.6, 1.0, len(missing_pool))
    ow = rng.gamma(0.6, 1.0, len(offence_pool))
    # Co-offenders are drawn evenly (not from the prolific few), so chance pairings rarely
    # repeat and the background does not form tight groups or stars.
    group = k[off] >= 2
    from_missing = rng.random(len(off)) < 0.45
    person = np.where(
        from_missing,
        missing_pool[rng.choice(len(missing_pool), len(off), p=mw / mw.sum())],
        offence_pool[rng.choice(len(offence_pool), len(off), p=ow / ow.sum())],
    )
    person[group] = offence_pool[rng.integers(0, len(offence_pool), group.sum())]
    person = np.where(has_person, person, -1)
    day = cal.seasonal_days(rng, np.full(n, cal.T0), np.full(n, cal.T_END))
    at = day + cal.times_of_day(rng, n, cal.OFFENCE_HOURS)
    otype = share(rng, n, codes.OFFENCE_SHARE)
    # Where: mostly near the first person's home (if known), else anywhere; never near a place.
    first = person[np.cumsum(rows) - rows]
    home = np.where(first >= 0, ppl["home_pc"][np.maximum(first, 0)], -1)
    near = (home >= 0) & (rng.random(n) < 0.75)
    loc = np.where(near, clear.within(rng, "district", np.maximum(home, 0)), clear.anywhere(rng, n))
    kind = np.where(rng.random(n) < 0.68, 1, 2)
    return offence_rows(rng, off, person, at, otype, kind, loc, pc)


def drop_repeat_people(offs: Frame) -> Frame:
    """Keep one row per (offence, person): a person is involved in an offence once."""
    has = np.flatnonzero(offs["person"] >= 0)
    pairs = offs["off"][has] * (int(offs["person"].max()) + 1) + offs["person"][has]
    _, first = np.unique(pairs, return_index=True)
    keep = np.ones(len(offs["off"]), bool)
    keep[has] = False
    keep[has[first]] = True
    return take(offs, keep)


def offence_rows(rng, off, person, at, otype, kind, loc, pc: Postcodes, lat=None, lon=None, place=None) -> Frame:
    """Expand per-offence attributes (indexed by ``off``) to rows, adding roles and flags."""
    n_rows = len(off)
    violent = np.isin(otype, (codes.VIOLENCE, 6, codes.WEAPONS_TYPE))
    sv = violent & (rng.random(len(otype)) < 0.35)
    weapon = np.where(otype == codes.WEAPONS_TYPE, share(rng, len(otype), (0.75, 0.05, 0.2, 0)), -1)
    weapon = np.where(sv & (weapon < 0), share(rng, len(otype), (0.45, 0.03, 0.2, 0.32)), weapon)
    exploit = np.where(rng.random(len(otype)) < 0.25, share(rng, len(otype), (0.2, 0.5, 3)), -1)
    role = share(rng, n_rows, (0.62, 0.34, 0.04))
    lat = pc.lat[loc] if lat is None else lat
    lon = pc.lon[loc] if lon is None else lon
    place = np.full(len(otype), -1) if place is None else place
    return {
        "off": off.astype(np.int64),
        "person": person.astype(np.int64),
        "role": np.where(person >= 0, role, -1),
        "at": at[off].astype(np.int64),
        "month_only": (rng.random(len(otype)) < 0.08)[off],
        "type": otype[off],
        "kind": kind[off].astype(np.int8),
        "pc": loc[off].astype(np.int64),
        "lat": lat[off],
        "lon": lon[off],
        "place": place[off].astype(np.int64),
        "sv": sv[off],
        "weapon": weapon[off],
        "exploit": exploit[off],
    }
