"""The force-wide sample: the five West Yorkshire councils, each simulated as the Kirklees sample is.

``python -m pipelines.sample --force [--seed 7] [--scale 0.4] [--out data/sample_force]``
writes one folder per council, named by its ONS code, with that council's
``missing_episodes.csv`` and ``return_home_interviews.csv``, and ``police/`` with the
force's ``offences.csv``, ``places.csv`` and ``disruption_actions.csv``, so each data owner's
files sit apart (issue 22: each council will supply its own files and the force the offences).

Each council gets the Kirklees sample's background and planted structure (``simulate``) on
its own postcodes, at ``scale`` × its children aged 10–17 ÷ Kirklees's; Kirklees alone
keeps its postcode tension pair. Ids never collide: a council's people are ``<tag>-0012345``,
its episodes ``ME-<tag>-…``, interviews ``RHI-<tag>-…``, places ``PL-<tag>-…`` and actions
``DA-<tag>-…``. On top, ``crossborder`` plants structure across council borders.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from contextmap.settings import ROOT
from pipelines.sample import (
    Area,
    area_truth,
    check_arguments,
    crossborder,
    cut_episodes,
    cut_offences,
    geo,
    period,
    planted,
    rng_for,
    simulate,
    stack_offences,
    write,
)
from pipelines.sample import background as bg
from pipelines.sample import calendar as cal

GEOGRAPHY = ROOT / "data" / "geography" / "west_yorkshire"
DEFAULT_FORCE_OUT = ROOT / "data" / "sample_force"
POLICE = "police"
KIRKLEES = "E08000034"
KIRKLEES_CHILDREN = 44_773  # the Kirklees sample's denominator: scale 1 is the Kirklees sample's volume
DEFAULT_FORCE_SCALE = 0.4
COUNCIL_FILES = ("missing_episodes.csv", "return_home_interviews.csv")
POLICE_FILES = ("disruption_actions.csv", "offences.csv", "places.csv")


@dataclass(frozen=True)
class Council:
    """One council of the force: ONS code, name, id tag and children aged 10–17."""

    code: str
    name: str
    tag: str
    children: int


TAGS = {"E08000032": "BD", "E08000033": "CA", "E08000034": "KL", "E08000035": "LD", "E08000036": "WF"}


def councils() -> list[Council]:
    """The force's councils in code order, with children aged 10–17 summed from the population file."""
    lsoas = pd.read_csv(GEOGRAPHY / "councils.csv", dtype=str)
    children = pd.read_csv(GEOGRAPHY / "children_10_17_lsoa.csv", dtype={"lsoa_code": str})
    total = (
        lsoas.merge(children[["lsoa_code", "children_10_17"]], on="lsoa_code")
        .groupby(["council_code", "council_name"])["children_10_17"]
        .sum()
    )
    return [Council(code, name, TAGS[code], int(n)) for (code, name), n in total.sort_index().items()]


def council_of_postcodes(pc: geo.Postcodes) -> np.ndarray:
    """Council code of each postcode (through its LSOA)."""
    lookup = pd.read_csv(GEOGRAPHY / "councils.csv", dtype=str).set_index("lsoa_code")["council_code"]
    return lookup.reindex(pc.lsoa).to_numpy(dtype=str)


class Force:
    """The councils' simulated areas joined into one set of frames on the force's postcodes and places.

    Indices become force-wide: postcodes (through each council's postcode list), places,
    people, episodes, RHIs and the RHI menus (concatenated council by council).
    """

    def __init__(self):
        self.ppl: list[bg.Frame] = []
        self.council: list[np.ndarray] = []
        self.eps: list[bg.Frame] = []
        self.rhi: list[bg.Frame] = []
        self.offs: list[bg.Frame] = []
        self.places: list[pd.DataFrame] = []
        self.mentions = planted.Mentions()
        self.menus: dict[str, list[str]] = {"themes": [], "push": [], "pull": []}
        self.sizes = {"people": 0, "eps": 0, "rhi": 0, "places": 0}

    def add(self, council, ppl, eps, rhi, offs, mentions, pc_index=None, menus=None, places=None) -> dict:
        """Append frames of one council's people (``council``: its code) or of several (one code per person).

        With ``pc_index`` (local postcode → the force's) the frames' postcodes, places, people and
        menus are local and are renumbered; without it they are already the force's. RHIs always
        point to episodes of the same call. Returns the offsets used.
        """
        n = dict(self.sizes)
        local = pc_index is not None
        to_pc = (lambda x: np.where(x >= 0, pc_index[np.maximum(x, 0)], -1)) if local else (lambda x: x)
        shift = (lambda x, by: np.where(x >= 0, x + by, -1)) if local else (lambda x, by: x)
        menu_at = {k: len(v) if menus else 0 for k, v in self.menus.items()}
        if menus:
            for k in self.menus:
                self.menus[k] += menus[k]
        self.ppl.append({**ppl, "home_pc": to_pc(ppl["home_pc"])})
        self.council.append(np.full(len(ppl["dob"]), council) if isinstance(council, str) else council)
        self.eps.append(
            {
                **eps,
                "person": shift(eps["person"], n["people"]),
                "from_pc": to_pc(eps["from_pc"]),
                "found_pc": to_pc(eps["found_pc"]),
                "found_place": shift(eps["found_place"], n["places"]),
            }
        )
        self.rhi.append(
            {
                **rhi,
                "ep": rhi["ep"] + n["eps"],
                "named_pc": to_pc(rhi["named_pc"]),
                "assoc": shift(rhi["assoc"], n["people"]),
                **{k: np.where(rhi[k] >= 0, rhi[k] + menu_at[k], -1) for k in menu_at},
            }
        )
        self.offs.append(
            {
                **offs,
                "pc": to_pc(offs["pc"]),
                "person": shift(offs["person"], n["people"]),
                "place": shift(offs["place"], n["places"]),
            }
        )
        for r, v in mentions.places.items():
            self.mentions.places[r + n["rhi"]] += v
        for r, v in mentions.associates.items():
            self.mentions.associates[r + n["rhi"]] += [p + (n["people"] if local else 0) for p in v]
        for r, v in mentions.themes.items():
            self.mentions.themes[r + n["rhi"]] = v
        if places is not None:
            self.places.append(places.assign(pc=to_pc(places["pc"].to_numpy())))
            self.sizes["places"] += len(places)
        self.sizes["people"] += len(ppl["dob"])
        self.sizes["eps"] += len(eps["start"])
        self.sizes["rhi"] += len(rhi["ep"])
        return n

    def add_area(self, code: str, area: Area, pc_index: np.ndarray) -> dict:
        """Append one council's simulated area."""
        return self.add(code, area.ppl, area.eps, area.rhi, area.offs, area.mentions, pc_index, area.menus, area.places)

    def register(self) -> pd.DataFrame:
        """The force's places so far, in order."""
        return pd.concat(self.places, ignore_index=True)


def _distinct_names(places: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Names repeated in two councils' registers get the council's name added ("Station Road Hotel, Leeds")."""
    repeated = places["name"].duplicated(keep=False)
    council = places["place_id"].str.split("-").str[1].map(names)
    return places.assign(name=places["name"].where(~repeated, places["name"] + ", " + council))


def generate_force(
    out: Path = DEFAULT_FORCE_OUT, seed: int = 7, scale: float = DEFAULT_FORCE_SCALE, months_out: int = 0
) -> dict:
    """Write the force-wide sample to ``out`` and return its ground truth (also ``ground_truth.json``).

    ``scale`` 1 gives each council the Kirklees sample's volume times its children ÷ Kirklees's
    (about 5.2 Kirklees samples in all); the default 0.4 keeps the files to a few MB.
    """
    cutoff = check_arguments(scale, months_out)
    out = Path(out)
    pc = geo.load_postcodes(GEOGRAPHY / "postcodes.csv", GEOGRAPHY / "localities.csv")
    council_of = council_of_postcodes(pc)
    force = Force()
    areas: dict[str, tuple[Area, dict]] = {}
    for c in councils():
        index = np.flatnonzero(council_of == c.code)
        area = simulate(
            seed,
            pc.subset(index),
            scale * c.children / KIRKLEES_CHILDREN,
            stream=f"{c.code}:",
            tension=c.code == KIRKLEES,
            tag=f"{c.tag}-",
        )
        areas[c.code] = (area, force.add_area(c.code, area, index))

    places = force.register()
    # The cross-border group may use any council's ordinary place (not one carrying planted structure).
    pool = np.concatenate([np.array(a.roles["other"]) + n["places"] for a, n in areas.values()])
    clear = bg.PostcodePicker(pc, geo.clear_of_places(pc, places))
    cross = crossborder.plant(rng_for(seed, "cross-border"), pc, council_of, places, pool, clear, force.sizes["people"])
    places = pd.concat([places, cross.place], ignore_index=True)
    rng = rng_for(seed, "cross-border-events")
    rhi, mentions = crossborder.interviews(rng, cross, places, force.menus["themes"])
    ppl_so_far = bg.concat(*force.ppl, cross.ppl)
    offs = stack_offences(
        cross.offs,
        planted.group_offences(rng, pc, bg.PostcodePicker(pc, np.arange(len(pc))), clear, [cross.group], ppl_so_far),
    )
    force.add(cross.council, cross.ppl, cross.eps, rhi, offs, mentions)

    ppl, person_council = bg.concat(*force.ppl), np.concatenate(force.council)
    eps, rhi, mentions = cut_episodes(bg.concat(*force.eps), bg.concat(*force.rhi), force.mentions, cutoff)
    offs, off_number = cut_offences(bg.drop_repeat_people(stack_offences(*force.offs)), cutoff)

    the_councils = councils()
    numbers = np.zeros(len(ppl["dob"]), np.int64)
    for c in the_councils:
        mine = person_council == c.code
        numbers[mine] = rng_for(seed, f"{c.code}:ids").choice(9_999_999, size=int(mine.sum()), replace=False) + 1
    prefix = np.array([f"{TAGS[c]}-" for c in person_council])
    place_ids = places["place_id"].to_numpy()
    ep_council = person_council[eps["person"]]
    rhi_council = ep_council[rhi["ep"]]
    for c in the_councils:
        folder = out / c.code
        folder.mkdir(parents=True, exist_ok=True)
        ids = write.Ids(person=prefix, episode=f"ME-{c.tag}-", rhi=f"RHI-{c.tag}-")
        mine = ep_council == c.code
        local = np.cumsum(mine) - 1
        rows = np.flatnonzero(rhi_council == c.code)
        own = planted.Mentions()
        renumber = {int(r): k for k, r in enumerate(rows)}
        for name in ("places", "associates", "themes"):
            setattr(own, name, {renumber[r]: v for r, v in getattr(mentions, name).items() if r in renumber})
        r = rng_for(seed, f"{c.code}:format")
        write.missing_episodes(r, folder / "missing_episodes.csv", bg.take(eps, mine), ppl, numbers, pc, place_ids, ids)
        write.return_home_interviews(
            r,
            folder / "return_home_interviews.csv",
            {**bg.take(rhi, rows), "ep": local[rhi["ep"][rows]]},
            force.menus,
            own,
            numbers,
            pc,
            ids,
        )

    police = out / POLICE
    police.mkdir(parents=True, exist_ok=True)
    ids = write.Ids(person=prefix)
    write.write_csv(
        police / "offences.csv",
        write.offence_columns(rng_for(seed, "police:format"), offs, off_number, ppl, numbers, pc, place_ids, ids),
    )
    names = {c.tag: c.name for c in the_councils}
    write.places_file(rng_for(seed, "police:places-format"), police / "places.csv", _distinct_names(places, names), pc)
    actions = pd.concat([a.actions for a, _ in areas.values()], ignore_index=True)
    actions = actions[actions["start_day"] * cal.DAY < cutoff]
    write.actions_file(rng_for(seed, "police:actions-format"), police / "disruption_actions.csv", actions)

    person_id = lambda i: f"{prefix[i]}{numbers[i]:07d}"  # noqa: E731
    truth = {
        "seed": seed,
        "scale": scale,
        "period": period(months_out),
        "councils": {
            c.code: {
                "name": c.name,
                "person_prefix": f"{c.tag}-",
                **area_truth(_shifted(areas[c.code][0], areas[c.code][1]["people"]), person_id, c.code == KIRKLEES),
            }
            for c in the_councils
        },
        "cross_border": _cross_truth(cross.truth, person_id, place_ids),
    }
    truth = json.loads(json.dumps(truth, default=str))
    (out / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    (out / "README.md").write_text(readme(seed, scale, months_out))
    write_manifest(out)
    return truth


def _shifted(area: Area, first_person: int) -> Area:
    """The area with its groups' members numbered as force-wide people."""
    groups = [{**g, "members": g["members"] + first_person} for g in area.groups]
    return Area(**{**area.__dict__, "groups": groups})


def _cross_truth(truth: dict, person_id, place_ids: np.ndarray) -> dict:
    """The cross-border truth with people and places spelled as in the files."""
    group, place, line = truth["peer_group"], truth["boundary_place"], truth["county_line"]
    return {
        "peer_group": {
            **group,
            "members": [person_id(i) for i in group["members"]],
            "place": place_ids[group["place"]],
        },
        "boundary_place": {
            **place,
            "place": place_ids[place["place"]],
            "children": [person_id(i) for i in place["children"]],
        },
        "county_line": {**line, "members": [person_id(i) for i in line["members"]]},
    }


def data_files(out: Path) -> list[str]:
    """The force sample's data files, relative to ``out``, in the order a build loads them."""
    names = [f"{code}/{name}" for code in sorted(TAGS) for name in COUNCIL_FILES]
    return names + [f"{POLICE}/{name}" for name in POLICE_FILES]


def write_manifest(out: Path) -> None:
    """Write ``SHA256SUMS`` (``sha256sum -c`` format) for the data files under ``out``."""
    lines = [f"{hashlib.sha256((out / name).read_bytes()).hexdigest()}  {name}\n" for name in data_files(out)]
    (out / "SHA256SUMS").write_text("".join(lines))


def readme(seed: int, scale: float, months_out: int) -> str:
    """The README written beside the force sample's files."""
    args = f"--force --seed {seed} --scale {scale:g}" + (f" --months-out {months_out}" if months_out else "")
    rows = "\n".join(
        f"| `{c.code}/` | {c.name}: `missing_episodes.csv`, `return_home_interviews.csv` (people `{c.tag}-…`) |"
        for c in councils()
    )
    return f"""# Synthetic force-wide sample (West Yorkshire)

**Everything in this folder is synthetic.** No real child, episode, interview, offence
or action is described here; person ids are random numbers.

Generated by `python -m pipelines.sample {args} --out <this folder>` (code in
`pipelines/sample/force.py`); the same arguments always give byte-identical files.
Build and open it with `make run-force`.

| folder | data owner and files |
|---|---|
{rows}
| `{POLICE}/` | West Yorkshire Police: `offences.csv`, `places.csv`, `disruption_actions.csv` |

- Files follow the input data contract v1, with the same messy-but-valid variants as
  `data/sample/`. Every row is valid. Period: November 2023 to October 2026.
- Each council is simulated like the Kirklees sample (`data/sample/`), scaled by its
  children aged 10–17, with its own place hot spots, emerging place, peer groups and
  disruption actions; Kirklees also keeps its postcode tension pair, which a force-wide
  build cannot show (an offender's home district comes from the council's records).
- Each folder is one data owner: a build pseudonymises each council's children with that
  council's key and `{POLICE}/`'s people with the force's (the demo keys are public), so
  children link across council borders only through events, by going missing together,
  and offence records link to each other, not to episodes.
- `ground_truth.json` lists that structure per council and, under `cross_border`, what was
  planted across borders: a peer group with members in Kirklees and Calderdale (who go
  missing together; each interview names only members of the child's own council), a
  place on the Bradford–Leeds boundary used by children of both, and a county line of drug
  offences by the same young people from Leeds, first in Leeds and then in Huddersfield.
- Postcodes and coordinates are real West Yorkshire postcodes (Contains OS data © Crown
  copyright and database right 2025; Contains Royal Mail data © Royal Mail copyright and
  database right 2025; ONS, OGL v3.0). See `data/geography/SOURCES.md`.
"""
