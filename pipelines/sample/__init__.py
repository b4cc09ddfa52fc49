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

To hold back the last N months (e.g. to load a month incrementally), pass
``--months-out N``: everything after the cut is left out as if the extract had been taken
then (episodes not yet returned have no end, interviews not yet offered are absent).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

import numpy as np

from pipelines.sample import background as bg
from pipelines.sample import calendar as cal
from pipelines.sample import geo, planted, write
from pipelines.sample.messy import NO_TIME

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data" / "sample"
NATIONAL = {"scale": 170.0, "offence_factor": 13.5}
EXTRA_CHUNK = 1_000_000


def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent stream per component, so changing one part does not reshuffle the rest."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _stack_offences(*parts: bg.Frame) -> bg.Frame:
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


def _cut_and_order(eps, rhi, offs, mentions, cutoff: int):
    """Apply the extract cut-off and put rows in output order (episodes by start time)."""
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

    offs = bg.take(offs, offs["at"] < cutoff)
    first_at = np.full(int(offs["off"].max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_at, offs["off"], offs["at"])
    rank_of = np.empty(len(first_at), np.int64)
    rank_of[np.lexsort((np.arange(len(first_at)), first_at))] = np.arange(len(first_at))
    offs = bg.take(offs, np.lexsort((np.arange(len(offs["off"])), rank_of[offs["off"]])))
    _, number = np.unique(rank_of[offs["off"]], return_inverse=True)
    return eps, rhi, offs, number + 1


def _extra_offences(seed: int, n_rows: int, first_number: int, pc: geo.Postcodes, clear: bg.PostcodePicker):
    """Yield chunks of offences with no young person (general recorded crime)."""
    done, chunk = 0, 0
    while done < n_rows:
        rng = _rng(seed, f"extra-offences-{chunk}")
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
    if not 0 <= months_out < cal.N_MONTHS:
        raise ValueError(f"months_out must be between 0 and {cal.N_MONTHS - 1}")
    if scale <= 0 or offence_factor < 1:
        raise ValueError("scale must be positive and offence_factor at least 1")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pc = geo.load_postcodes()
    places = geo.choose_places(_rng(seed, "places"), pc)
    pc_all = bg.PostcodePicker(pc, np.arange(len(pc)))
    clear = bg.PostcodePicker(pc, geo.clear_of_places(pc, places))

    r = _rng(seed, "children")
    care_homes = pc_all.anywhere(r, max(20, round(40 * scale)))
    ppl_m, eps_m = bg.missing_children(r, max(200, round(bg.MISSING_CHILDREN * scale)), pc_all, care_homes)
    n_miss = len(ppl_m["dob"])
    bg.place_found(r, eps_m, pc, clear)
    n_only = max(100, round(bg.OFFENCE_ONLY_PEOPLE * scale))
    ppl_o = bg.people(r, n_only, pc_all, 0.05, np.full(n_only, cal.T0 // cal.DAY + 365))

    r = _rng(seed, "planted")
    roles = planted.assign_roles(r, places)
    ppl_g, eps_g, groups = planted.peer_groups(r, pc, pc_all, places, roles, n_miss + n_only)
    ppl_t, eps_t, off_t = planted.tension(r, pc, pc_all, clear, n_miss + n_only + len(ppl_g["dob"]))
    ppl = bg.concat(ppl_m, ppl_o, ppl_g, ppl_t)
    eps = bg.concat(eps_m, eps_g, eps_t)

    r = _rng(seed, "rhis")
    rhi = bg.rhis(r, eps)
    menus = {
        "themes": bg.combos(r, bg.codes.THEMES, bg.codes.THEME_SHARE, 400, 3),
        "push": bg.combos(r, bg.codes.PUSH, bg.codes.PUSH_SHARE, 200, 2),
        "pull": bg.combos(r, bg.codes.PULL, bg.codes.PULL_SHARE, 200, 2),
    }
    mentions = planted.Mentions()
    planted.group_rhis(r, eps, rhi, groups, len(eps_m["start"]), places, mentions)
    _background_mentions(r, rhi, eps, len(pc), n_miss)

    r = _rng(seed, "offences")
    offs_bg = bg.offences(
        r, max(300, round(bg.OFFENCES * scale)), ppl, (np.arange(n_miss), np.arange(n_miss, n_miss + n_only)), pc, clear
    )
    off_g = planted.group_offences(r, pc, pc_all, clear, groups, ppl)

    r = _rng(seed, "places-events")
    plan = planted.monthly_plan(r, roles, len(places))
    off_p = planted.realise_places(r, pc, places, eps, rhi, mentions, plan, np.arange(n_miss + n_only))
    planted.place_themes(r, rhi, menus["themes"], places, mentions)
    offs = _stack_offences(offs_bg, off_t, off_g, off_p)
    offs = bg.drop_repeat_people(offs)

    actions, action_truth = planted.actions(_rng(seed, "actions"), places, roles, pc)
    cutoff = int(cal.MONTH_STARTS[cal.N_MONTHS - months_out])
    actions = actions[actions["start_day"] * cal.DAY < cutoff]
    eps, rhi, offs, off_number = _cut_and_order(eps, rhi, offs, mentions, cutoff)

    numbers = _rng(seed, "ids").choice(9_999_999, size=len(ppl["dob"]), replace=False) + 1
    place_ids = places["place_id"].to_numpy()
    r = _rng(seed, "format")
    write.missing_episodes(r, out / "missing_episodes.csv", eps, ppl, numbers, pc, place_ids)
    write.return_home_interviews(r, out / "return_home_interviews.csv", rhi, menus, mentions, numbers, pc)
    writer = write.csv_writer(out / "offences.csv", write.OFFENCE_COLUMNS)
    with writer:
        writer.write_table(write.table(write.offence_columns(r, offs, off_number, ppl, numbers, pc, place_ids)))
        extra = round((offence_factor - 1) * len(off_number))
        for rr, frame, nums in _extra_offences(seed, extra, int(off_number.max()) + 1, pc, clear):
            frame = bg.take(frame, frame["at"] < cutoff)
            nums = nums[: len(frame["at"])]
            writer.write_table(write.table(write.offence_columns(rr, frame, nums, ppl, numbers, pc, place_ids)))
    write.places_file(_rng(seed, "places-format"), out / "places.csv", places, pc)
    write.actions_file(_rng(seed, "actions-format"), out / "disruption_actions.csv", actions)

    ids = lambda idx: [f"LL-{numbers[i]:07d}" for i in idx]
    truth = {
        "seed": seed,
        "period": {"first_month": cal.month_label(0), "last_month": cal.month_label(cal.N_MONTHS - 1 - months_out)},
        "place_hotspots": [place_ids[roles[k][0]] for k in ("hotel", "takeaway", "park")],
        "emerging_hotspot": place_ids[roles["emerging"][0]],
        "peer_groups": [ids(g["members"]) for g in groups],
        "postcode_tension": list(planted.TENSION),
        "disruption": action_truth,
        "small_places": sorted(place_ids[roles["small"]].tolist()),
    }
    truth = json.loads(json.dumps(truth, default=str))
    (out / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    (out / "README.md").write_text(readme(seed, scale, months_out, offence_factor))
    write_manifest(out)
    return truth


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
