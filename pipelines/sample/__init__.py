"""Deterministic synthetic sample data in contract-v1 format, with planted structure.

``python -m pipelines.sample [--seed 7] [--out data/sample] [--scale 1.0] [--months-out N]
[--offence-factor F]`` writes ``missing_episodes.csv``, ``return_home_interviews.csv``,
``offences.csv``, ``places.csv``, ``disruption_actions.csv``, ``ground_truth.json``, a
README and ``SHA256SUMS`` (the data files' hashes). The same arguments always give
byte-identical files.

Scale
-----
Scale 1 is one local authority (Kirklees) over the fixed 36 months November 2023 –
October 2026: about 2,500 children with 6,900 missing episodes, 6,200 RHIs, 6,000
offence rows and 150 places of concern. ``scale`` multiplies the children, episodes,
RHIs and offences (still on Kirklees postcodes); the planted structure appears once.
``offence_factor`` adds offences with no young person recorded (general recorded
crime, as a force-wide extract holds) until offence rows are that multiple.

- Police force area: ``--scale 10``.
- National benchmark: ``--national`` (= ``--scale 170 --offence-factor 13.5``, also
  ``NATIONAL`` here) gives about 10.5 million offence rows, 1.13 million missing
  episodes, 1.0 million RHIs and 0.6 million people (ids in any file), about 1.2 GB of
  CSV. It needs about 20 s of CPU and 1.4 GB of memory (2-core machine).

Force: ``--force`` writes the West Yorkshire force-wide sample instead (``force.py``): the
five councils, each simulated as above on its own postcodes, in a folder per council plus
``police/``, with structure planted across council borders (``crossborder.py``).

To hold back the last N months (e.g. to load a month incrementally), pass
``--months-out N``: everything after the cut is left out as if the extract had been taken
then (episodes not yet returned have no end, interviews not yet offered are absent).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.sample import background as bg
from pipelines.sample import calendar as cal
from pipelines.sample import geo, planted, write
from pipelines.sample.messy import NO_TIME

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data" / "sample"
NATIONAL = {"scale": 170.0, "offence_factor": 13.5}
EXTRA_CHUNK = 1_000_000


def rng_for(seed: int, name: str) -> np.random.Generator:
    """An independent stream per component, so changing one part does not reshuffle the rest."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def stack_offences(*parts: bg.Frame) -> bg.Frame:
    """Concatenate offence frames, renumbering offences so each part's numbers stay distinct."""
    shifted, offset = [], 0
    for part in parts:
        if len(part["off"]):
            shifted.append({**part, "off": part["off"] + offset})
            offset += int(part["off"].max()) + 1
    return bg.concat(*shifted)


def _background_mentions(rng: np.random.Generator, rhi: bg.Frame, eps: bg.Frame, n_pcs: int, children: int) -> None:
    """Postcodes named in some interviews, and (rarely) another child named as an associate."""
    done = rhi["outcome"] == 0
    bgr = done & ~eps["planted"][rhi["ep"]]
    n = len(done)
    rhi["named_pc"] = np.where(done & (rng.random(n) < 0.08), rng.integers(0, n_pcs, n), -1)
    other = rng.integers(0, children, n)
    self_ = eps["person"][rhi["ep"]]
    rhi["assoc"] = np.where(bgr & (rng.random(n) < 0.025) & (other != self_), other, -1)


def cut_episodes(eps: bg.Frame, rhi: bg.Frame, mentions: planted.Mentions, cutoff: int):
    """Apply the extract cut-off to episodes and RHIs and put them in output order (episodes by start time).

    Returns the episodes, the RHIs (``ep`` renumbered to the output episode) and the mentions
    re-keyed to the output RHI rows.
    """
    keep = eps["start"] < cutoff
    ret = np.where(eps["ret"] >= cutoff, NO_TIME, eps["ret"])
    eps = {**eps, "ret": ret}
    eps["found_kind"] = np.where(ret == NO_TIME, 0, eps["found_kind"]).astype(np.int8)
    eps["end_blank"] = eps["end_blank"] & (ret != NO_TIME)
    order = np.flatnonzero(keep)[np.lexsort((eps["person"][keep], eps["start"][keep]))]
    new_ep = np.full(len(keep), -1)
    new_ep[order] = np.arange(len(order))
    eps = bg.take(eps, order)

    limit = min(cutoff, cal.T_END)
    ep_new = new_ep[rhi["ep"]]
    ok = (ep_new >= 0) & (rhi["offered"] < limit) & (rhi["completed"] < limit)
    ok &= ret[rhi["ep"]] != NO_TIME
    rorder = np.flatnonzero(ok)[np.lexsort((rhi["offered"][ok], ep_new[ok]))]
    new_r = {int(o): k for k, o in enumerate(rorder)}
    rhi = bg.take({**rhi, "ep": ep_new}, rorder)
    for name in ("places", "associates", "themes"):
        old = getattr(mentions, name)
        setattr(mentions, name, {new_r[r]: v for r, v in old.items() if r in new_r and v})
    return eps, rhi, mentions


def cut_offences(offs: bg.Frame, cutoff: int) -> tuple[bg.Frame, np.ndarray]:
    """Offences before the cut-off in output order (by first time), and each row's offence number (from 1)."""
    offs = bg.take(offs, offs["at"] < cutoff)
    first_at = np.full(int(offs["off"].max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_at, offs["off"], offs["at"])
    rank_of = np.empty(len(first_at), np.int64)
    rank_of[np.lexsort((np.arange(len(first_at)), first_at))] = np.arange(len(first_at))
    offs = bg.take(offs, np.lexsort((np.arange(len(offs["off"])), rank_of[offs["off"]])))
    _, number = np.unique(rank_of[offs["off"]], return_inverse=True)
    return offs, number + 1


def _extra_offences(seed: int, n_rows: int, first_number: int, pc: geo.Postcodes, clear: bg.PostcodePicker):
    """Yield chunks of offences with no young person (general recorded crime)."""
    done, chunk = 0, 0
    while done < n_rows:
        rng = rng_for(seed, f"extra-offences-{chunk}")
        n = min(EXTRA_CHUNK, n_rows - done)
        day = cal.seasonal_days(rng, np.full(n, cal.T0), np.full(n, cal.T_END))
        at = day + cal.times_of_day(rng, n, cal.OFFENCE_HOURS)
        loc = clear.anywhere(rng, n)
        otype = bg.share(rng, n, bg.codes.OFFENCE_SHARE)
        kind = np.where(rng.random(n) < 0.5, 1, 2)
        frame = bg.offence_rows(rng, np.arange(n), np.full(n, -1), at, otype, kind, loc, pc)
        yield rng, frame, np.arange(first_number + done, first_number + done + n)
        done += n
        chunk += 1


@dataclass
class Area:
    """One area's simulated frames before the extract cut (indices local to its postcodes and places)."""

    ppl: bg.Frame
    eps: bg.Frame
    rhi: bg.Frame
    offs: bg.Frame
    menus: dict[str, list[str]]
    mentions: planted.Mentions
    places: pd.DataFrame
    roles: dict
    groups: list[dict]
    actions: pd.DataFrame
    action_truth: dict
    clear: bg.PostcodePicker


def simulate(seed: int, pc: geo.Postcodes, scale: float, stream: str = "", tension: bool = True, tag: str = "") -> Area:
    """Background volume and the per-area planted structure of one area (a council).

    Parameters
    ----------
    seed : int
        Random seed.
    pc : geo.Postcodes
        The area's postcodes: everything happens on them.
    scale : float
        Volume multiplier (1 = Kirklees).
    stream : str
        Prefix of the random streams' names, so each council of a force draws its own.
    tension : bool
        Plant the postcode tension pair (``planted.TENSION``: Kirklees districts).
    tag : str
        Inserted into place and action ids (``PL-<tag>001``), so a force's ids stay distinct.
    """
    rng = lambda name: rng_for(seed, stream + name)  # noqa: E731
    places = geo.choose_places(rng("places"), pc, prefix=f"PL-{tag}")
    pc_all = bg.PostcodePicker(pc, np.arange(len(pc)))
    clear = bg.PostcodePicker(pc, geo.clear_of_places(pc, places))

    r = rng("children")
    care_homes = pc_all.anywhere(r, max(20, round(40 * scale)))
    ppl_m, eps_m = bg.missing_children(r, max(200, round(bg.MISSING_CHILDREN * scale)), pc_all, care_homes)
    n_miss = len(ppl_m["dob"])
    bg.place_found(r, eps_m, pc, clear)
    n_only = max(100, round(bg.OFFENCE_ONLY_PEOPLE * scale))
    ppl_o = bg.people(r, n_only, pc_all, 0.05, np.full(n_only, cal.T0 // cal.DAY + 365))

    r = rng("planted")
    roles = planted.assign_roles(r, places)
    ppl_g, eps_g, groups = planted.peer_groups(r, pc, pc_all, places, roles, n_miss + n_only)
    ppl_parts, eps_parts, off_parts = [ppl_m, ppl_o, ppl_g], [eps_m, eps_g], []
    if tension:
        ppl_t, eps_t, off_t = planted.tension(r, pc, pc_all, clear, n_miss + n_only + len(ppl_g["dob"]))
        ppl_parts.append(ppl_t)
        eps_parts.append(eps_t)
        off_parts.append(off_t)
    ppl = bg.concat(*ppl_parts)
    eps = bg.concat(*eps_parts)

    r = rng("rhis")
    rhi = bg.rhis(r, eps)
    menus = {
        "themes": bg.combos(r, bg.codes.THEMES, bg.codes.THEME_SHARE, 400, 3),
        "push": bg.combos(r, bg.codes.PUSH, bg.codes.PUSH_SHARE, 200, 2),
        "pull": bg.combos(r, bg.codes.PULL, bg.codes.PULL_SHARE, 200, 2),
    }
    mentions = planted.Mentions()
    planted.group_rhis(r, eps, rhi, groups, len(eps_m["start"]), places, mentions)
    _background_mentions(r, rhi, eps, len(pc), n_miss)

    r = rng("offences")
    offs_bg = bg.offences(
        r, max(300, round(bg.OFFENCES * scale)), ppl, (np.arange(n_miss), np.arange(n_miss, n_miss + n_only)), pc, clear
    )
    off_g = planted.group_offences(r, pc, pc_all, clear, groups, ppl)

    r = rng("places-events")
    plan = planted.monthly_plan(r, roles, len(places))
    off_p = planted.realise_places(r, pc, places, eps, rhi, mentions, plan, np.arange(n_miss + n_only))
    planted.place_themes(r, rhi, menus["themes"], places, mentions)
    offs = bg.drop_repeat_people(stack_offences(offs_bg, *off_parts, off_g, off_p))

    actions, action_truth = planted.actions(rng("actions"), places, roles, pc, prefix=f"DA-{tag}")
    return Area(ppl, eps, rhi, offs, menus, mentions, places, roles, groups, actions, action_truth, clear)


def area_truth(area: Area, person_id, tension: bool) -> dict:
    """The per-area planted structure, as ``ground_truth.json`` records it (``person_id`` spells a person)."""
    place_ids, roles = area.places["place_id"].to_numpy(), area.roles
    truth = {
        "place_hotspots": [place_ids[roles[k][0]] for k in ("hotel", "takeaway", "park")],
        "emerging_hotspot": place_ids[roles["emerging"][0]],
        "peer_groups": [[person_id(i) for i in g["members"]] for g in area.groups],
    }
    if tension:
        truth["postcode_tension"] = list(planted.TENSION)
    truth["disruption"] = area.action_truth
    truth["small_places"] = sorted(place_ids[roles["small"]].tolist())
    return truth


def generate(
    out: Path = DEFAULT_OUT, seed: int = 7, scale: float = 1.0, months_out: int = 0, offence_factor: float = 1.0
) -> dict:
    """Write the sample files to ``out`` and return the planted ground truth.

    Parameters
    ----------
    out : Path
        Folder to write (created if needed; the six files in it are replaced).
    seed : int
        Random seed; the same seed and arguments give byte-identical files.
    scale : float
        Volume multiplier (1 = one local authority; see the module docstring).
    months_out : int
        Leave out the last ``months_out`` months, as an earlier extract would.
    offence_factor : float
        Multiply offence rows by this, adding offences with no person recorded.

    Returns
    -------
    dict
        The ground truth also written to ``ground_truth.json``.
    """
    cutoff = check_arguments(scale, months_out, offence_factor)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pc = geo.load_postcodes()
    area = simulate(seed, pc, scale)
    actions = area.actions[area.actions["start_day"] * cal.DAY < cutoff]
    eps, rhi, mentions = cut_episodes(area.eps, area.rhi, area.mentions, cutoff)
    offs, off_number = cut_offences(area.offs, cutoff)

    ppl = area.ppl
    numbers = rng_for(seed, "ids").choice(9_999_999, size=len(ppl["dob"]), replace=False) + 1
    place_ids = area.places["place_id"].to_numpy()
    r = rng_for(seed, "format")
    write.missing_episodes(r, out / "missing_episodes.csv", eps, ppl, numbers, pc, place_ids)
    write.return_home_interviews(r, out / "return_home_interviews.csv", rhi, area.menus, mentions, numbers, pc)
    writer = write.csv_writer(out / "offences.csv", write.OFFENCE_COLUMNS)
    with writer:
        writer.write_table(write.table(write.offence_columns(r, offs, off_number, ppl, numbers, pc, place_ids)))
        extra = round((offence_factor - 1) * len(off_number))
        for rr, frame, nums in _extra_offences(seed, extra, int(off_number.max()) + 1, pc, area.clear):
            frame = bg.take(frame, frame["at"] < cutoff)
            nums = nums[: len(frame["at"])]
            writer.write_table(write.table(write.offence_columns(rr, frame, nums, ppl, numbers, pc, place_ids)))
    write.places_file(rng_for(seed, "places-format"), out / "places.csv", area.places, pc)
    write.actions_file(rng_for(seed, "actions-format"), out / "disruption_actions.csv", actions)

    truth = {"seed": seed, "period": period(months_out), **area_truth(area, lambda i: f"LL-{numbers[i]:07d}", True)}
    truth = json.loads(json.dumps(truth, default=str))
    (out / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    (out / "README.md").write_text(readme(seed, scale, months_out, offence_factor))
    write_manifest(out)
    return truth


def check_arguments(scale: float, months_out: int, offence_factor: float = 1.0) -> int:
    """Refuse impossible arguments; return the extract's cut-off (seconds)."""
    if not 0 <= months_out < cal.N_MONTHS:
        raise ValueError(f"months_out must be between 0 and {cal.N_MONTHS - 1}")
    if scale <= 0 or offence_factor < 1:
        raise ValueError("scale must be positive and offence_factor at least 1")
    return int(cal.MONTH_STARTS[cal.N_MONTHS - months_out])


def period(months_out: int) -> dict:
    """The first and last month the sample covers."""
    return {"first_month": cal.month_label(0), "last_month": cal.month_label(cal.N_MONTHS - 1 - months_out)}


# The files a build loads. Their hashes in data/sample/SHA256SUMS are how a build recognises
# the shipped sample, the only input built with the public demo key unasked (pipelines/pseudonym.py).
DATA_FILES = ("disruption_actions.csv", "missing_episodes.csv", "offences.csv", "places.csv",
              "return_home_interviews.csv")


def write_manifest(out: Path) -> None:
    """Write ``SHA256SUMS`` (``sha256sum -c`` format) for the data files in ``out``."""
    lines = [f"{hashlib.sha256((out / name).read_bytes()).hexdigest()}  {name}\n" for name in DATA_FILES]
    (out / "SHA256SUMS").write_text("".join(lines))


def readme(seed: int, scale: float, months_out: int, offence_factor: float) -> str:
    """The README written beside the sample files."""
    args = f"--seed {seed} --scale {scale:g}"
    if months_out:
        args += f" --months-out {months_out}"
    if offence_factor != 1:
        args += f" --offence-factor {offence_factor:g}"
    return f"""# Synthetic sample data

**Everything in this folder is synthetic.** No real child, episode, interview, offence
or action is described here; person ids (`LL-…`) are random numbers.

Generated by `python -m pipelines.sample {args} --out <this folder>` (code in
`pipelines/sample/`); the same arguments always give byte-identical files.

- Files follow the input data contract v1 (`missing_episodes.csv`,
  `return_home_interviews.csv`, `offences.csv`, `places.csv`, `disruption_actions.csv`),
  using the messy-but-valid variants it allows (UK and ISO dates, mixed flag spellings,
  postcodes in any case, stray white space). Every row is valid.
- Period: November 2023 to October 2026, one local authority (Kirklees).
- Places of concern are fictional businesses and sites, placed on real postcodes.
- Postcodes and coordinates are real Kirklees postcodes (Contains OS data © Crown
  copyright and database right 2025; Contains Royal Mail data © Royal Mail copyright and
  database right 2025; ONS, OGL v3.0). See `data/geography/SOURCES.md` for attribution.
- `ground_truth.json` lists the structure planted on purpose (place hotspots, an
  emerging place, peer groups, a postcode tension pair, disruption actions with known
  effect, small places) so tests can check the analytics find it.
"""
