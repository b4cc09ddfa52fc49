"""Format the generated frames as contract-v1 CSV files (messy variants, all valid)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.sample import codes, messy
from pipelines.sample.background import Frame
from pipelines.sample.geo import Postcodes
from pipelines.sample.messy import NO_TIME

MISSING_COLUMNS = (
    "episode_id",
    "person_id",
    "start_datetime",
    "end_datetime",
    "episode_type",
    "age",
    "date_of_birth",
    "sex",
    "ethnicity",
    "looked_after",
    "risk_level",
    "home_postcode",
    "missing_from_postcode",
    "found_postcode",
    "found_lat",
    "found_lon",
    "found_place_id",
)
RHI_COLUMNS = (
    "rhi_id",
    "episode_id",
    "offered_datetime",
    "completed_datetime",
    "outcome",
    "themes",
    "push_factors",
    "pull_factors",
    "places_mentioned",
    "associates_mentioned",
)
OFFENCE_COLUMNS = (
    "offence_id",
    "offence_datetime",
    "offence_type",
    "person_id",
    "role",
    "age",
    "sex",
    "ethnicity",
    "postcode",
    "lat",
    "lon",
    "place_id",
    "serious_violence",
    "weapon",
    "exploitation",
)
PLACE_COLUMNS = ("place_id", "name", "category", "postcode", "lat", "lon")
ACTION_COLUMNS = ("action_id", "place_id", "area_code", "action_type", "start_date", "end_date", "agency")


def write_csv(path: Path, columns: dict[str, pa.Array]) -> None:
    """Write string columns as UTF-8 CSV (quoting only where needed)."""
    table = pa.table({k: v.cast(pa.string()) for k, v in columns.items()})
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def csv_writer(path: Path, columns: tuple[str, ...]) -> pacsv.CSVWriter:
    """A streaming CSV writer for tables written in chunks."""
    schema = pa.schema([(c, pa.string()) for c in columns])
    return pacsv.CSVWriter(str(path), schema, write_options=pacsv.WriteOptions(quoting_style="needed"))


def override(arr: pa.Array, rows: list[int], values: list[str]) -> pa.Array:
    """Replace the values at ``rows`` (a few) without converting the whole column."""
    if not rows:
        return arr
    idx = np.arange(len(arr))
    idx[np.asarray(rows)] = len(arr) + np.arange(len(rows))
    return pa.concat_arrays([arr.cast(pa.string()), pa.array(values, pa.string())]).take(pa.array(idx))


def ages(at: np.ndarray, dob_days: np.ndarray) -> np.ndarray:
    """Whole years from date of birth to each time (by birthday, so leap years do not shift it)."""
    y1, m1, d1 = messy.civil_lookup(at // 86_400)
    y0, m0, d0 = messy.civil_lookup(dob_days)
    return y1 - y0 - ((m1 * 100 + d1) < (m0 * 100 + d0))


@dataclass(frozen=True)
class Ids:
    """How identifiers are spelled: the Kirklees sample's by default; a force gives each council its own."""

    person: str | np.ndarray = "LL-"  # one prefix, or one per person (all as long)
    episode: str = "ME-"
    rhi: str = "RHI-"

    def person_prefix(self, person: np.ndarray):
        """The prefix of each given person."""
        return self.person if isinstance(self.person, str) else self.person[person]

    def person_id(self, numbers: np.ndarray, person: int) -> str:
        """One person's id."""
        prefix = self.person if isinstance(self.person, str) else self.person[person]
        return f"{prefix}{numbers[person]:07d}"


def person_ids(numbers: np.ndarray, person: np.ndarray, ids: Ids = Ids()) -> pa.Array:
    """``LL-0012345`` for each row's person (empty when the row has none)."""
    safe = np.maximum(person, 0)
    return messy.prefixed_ids(ids.person_prefix(safe), numbers[safe], 7, person < 0)


def missing_episodes(
    rng, path: Path, eps: Frame, ppl: Frame, numbers: np.ndarray, pc: Postcodes, place_ids: np.ndarray, ids: Ids = Ids()
) -> None:
    """Write missing_episodes.csv (rows already in output order)."""
    n = len(eps["start"])
    person = eps["person"]
    end = np.where(eps["end_blank"], NO_TIME, eps["ret"])
    etype = np.where(eps["away"], rng.choice([2, 3], n, p=(0.85, 0.15)), rng.choice([0, 1, -1], n, p=(0.85, 0.05, 0.1)))
    age_form = messy.pick(rng, n, (0.82, 0.13, 0.05))  # age, date of birth, both
    dob = ppl["dob"][person]
    kind = eps["found_kind"]
    blank = lambda share: rng.random(n) < share
    write_csv(
        path,
        {
            "episode_id": messy.stray_space(rng, messy.prefixed_ids(ids.episode, np.arange(1, n + 1), 7), 0.01),
            "person_id": messy.stray_space(rng, person_ids(numbers, person, ids)),
            "start_datetime": messy.datetimes(rng, eps["start"]),
            "end_datetime": messy.datetimes(rng, end),
            "episode_type": messy.codes(("MISSING", "M", "AWAY", "A"), etype),
            "age": messy.integers(ages(eps["start"], dob), age_form == 1),
            "date_of_birth": messy.dates(rng, dob, age_form == 0),
            "sex": messy.codes(codes.SEX, np.where(blank(0.03), -1, ppl["sex"][person])),
            "ethnicity": messy.codes(codes.ETHNICITY, np.where(blank(0.02), -1, ppl["eth"][person])),
            "looked_after": messy.flags(rng, eps["lac"], blank(0.02)),
            "risk_level": messy.codes(codes.RISK, np.where(blank(0.05), -1, eps["risk"])),
            "home_postcode": messy.postcodes(rng, pc.display, ppl["home_pc"][person]),
            "missing_from_postcode": messy.postcodes(rng, pc.display, eps["from_pc"]),
            "found_postcode": messy.postcodes(rng, pc.display, np.where(kind == 1, eps["found_pc"], -1)),
            "found_lat": messy.numbers(eps["found_lat"], 5, kind != 2),
            "found_lon": messy.numbers(eps["found_lon"], 5, kind != 2),
            "found_place_id": messy.codes(place_ids, np.where(kind == 3, eps["found_place"], -1)),
        },
    )


def return_home_interviews(
    rng, path: Path, rhi: Frame, menus: dict, mentions, numbers: np.ndarray, pc: Postcodes, ids: Ids = Ids()
) -> None:
    """Write return_home_interviews.csv; ``rhi["ep"]`` is the output episode number (0-based)."""
    n = len(rhi["ep"])
    places = messy.postcodes(rng, pc.display, rhi["named_pc"], (0.6, 0.2, 0.15, 0.05, 0.0))
    rows = sorted(mentions.places)
    named = places.to_pylist() if rows else []
    place_values = [";".join(mentions.places[r] + ([named[r]] if named[r] else [])) for r in rows]
    assoc = person_ids(numbers, rhi["assoc"], ids)
    arows = sorted(mentions.associates)
    assoc_values = [";".join(ids.person_id(numbers, p) for p in mentions.associates[r]) for r in arows]
    trows = sorted(mentions.themes)
    write_csv(
        path,
        {
            "rhi_id": messy.stray_space(rng, messy.prefixed_ids(ids.rhi, np.arange(1, n + 1), 7), 0.01),
            "episode_id": messy.stray_space(rng, messy.prefixed_ids(ids.episode, rhi["ep"] + 1, 7), 0.01),
            "offered_datetime": messy.datetimes(rng, rhi["offered"]),
            "completed_datetime": messy.datetimes(rng, rhi["completed"]),
            "outcome": messy.codes(codes.OUTCOMES, rhi["outcome"]),
            "themes": override(messy.codes(menus["themes"], rhi["themes"]), trows, [mentions.themes[r] for r in trows]),
            "push_factors": messy.codes(menus["push"], rhi["push"]),
            "pull_factors": messy.codes(menus["pull"], rhi["pull"]),
            "places_mentioned": override(places, rows, place_values),
            "associates_mentioned": override(assoc, arows, assoc_values),
        },
    )


def offence_columns(
    rng,
    off: Frame,
    off_number: np.ndarray,
    ppl: Frame,
    numbers: np.ndarray,
    pc: Postcodes,
    place_ids: np.ndarray,
    ids: Ids = Ids(),
) -> dict[str, pa.Array]:
    """Format offence rows (``off_number`` is each row's output offence number).

    The rows of one offence are adjacent. An offence happens once, so its columns
    (id, date-time, type, location, flags) are formatted once per offence and repeated on
    each of its rows, spelling included; only the person columns differ between rows.
    """
    n = len(off["at"])
    starts = np.r_[True, off_number[1:] != off_number[:-1]] if n else np.zeros(0, bool)
    first = np.flatnonzero(starts)
    of_row = pa.array(np.cumsum(starts) - 1)
    o = {k: v[first] for k, v in off.items()}
    n_off = len(first)
    kind = o["kind"]
    when = messy.datetimes(rng, o["at"])
    if o["month_only"].any():
        when = pc_if(o["month_only"], messy.months(o["at"]), when)
    per_offence = {
        "offence_id": messy.stray_space(rng, messy.prefixed_ids("OF-", off_number[first], 8), 0.01),
        "offence_datetime": when,
        "offence_type": messy.codes(codes.OFFENCE_TYPES, o["type"]),
        "postcode": messy.postcodes(rng, pc.display, np.where(kind == 1, o["pc"], -1)),
        "lat": messy.numbers(o["lat"], 5, kind != 2),
        "lon": messy.numbers(o["lon"], 5, kind != 2),
        "place_id": messy.codes(place_ids, np.where(kind == 3, o["place"], -1)),
        "serious_violence": messy.flags(rng, o["sv"], rng.random(n_off) < 0.1),
        "weapon": messy.codes(codes.WEAPONS, o["weapon"]),
        "exploitation": messy.codes(codes.EXPLOITATION, o["exploit"]),
    }
    person = off["person"]
    has = person >= 0
    age = ages(off["at"], ppl["dob"][np.maximum(person, 0)]) if len(ppl["dob"]) else np.zeros(n, int)
    per_person = {
        "person_id": person_ids(numbers, person, ids) if len(numbers) else messy.codes(("",), np.full(n, -1)),
        "role": messy.codes(codes.ROLES, off["role"]),
        "age": messy.integers(age, ~has | (rng.random(n) < 0.05)),
        "sex": messy.codes(
            codes.SEX, np.where(has, ppl["sex"][np.maximum(person, 0)], -1) if len(numbers) else np.full(n, -1)
        ),
        "ethnicity": messy.codes(
            codes.ETHNICITY,
            np.where(has & (rng.random(n) > 0.08), ppl["eth"][np.maximum(person, 0)], -1)
            if len(numbers)
            else np.full(n, -1),
        ),
    }
    return {c: per_person[c] if c in per_person else per_offence[c].take(of_row) for c in OFFENCE_COLUMNS}


def pc_if(mask: np.ndarray, a: pa.Array, b: pa.Array) -> pa.Array:
    """Row-wise ``a`` where ``mask`` else ``b``."""
    return pc.if_else(pa.array(mask), a, b)


def places_file(rng, path: Path, places: pd.DataFrame, pc: Postcodes) -> None:
    """Write places.csv: parks and residential areas sometimes by point only."""
    n = len(places)
    area_like = places["category"].isin(["PARK", "RESIDENTIAL_AREA"]).to_numpy()
    form = np.where(area_like & (rng.random(n) < 0.5), 1, np.where(rng.random(n) < 0.3, 2, 0))  # pc, point, both
    write_csv(
        path,
        {
            "place_id": pa.array(places["place_id"]),
            "name": pa.array(places["name"]),
            "category": pa.array(places["category"]),
            "postcode": messy.postcodes(rng, pc.display, np.where(form == 1, -1, places["pc"].to_numpy())),
            "lat": messy.numbers(places["lat"].to_numpy(), 5, form == 0),
            "lon": messy.numbers(places["lon"].to_numpy(), 5, form == 0),
        },
    )


def actions_file(rng, path: Path, actions: pd.DataFrame) -> None:
    """Write disruption_actions.csv."""
    start = actions["start_day"].to_numpy()
    end = actions["end_day"].to_numpy()
    write_csv(
        path,
        {
            "action_id": pa.array(actions["action_id"]),
            "place_id": pa.array(actions["place_id"].replace("", None)),
            "area_code": pa.array(actions["area_code"].replace("", None)),
            "action_type": pa.array(actions["action_type"]),
            "start_date": messy.dates(rng, start),
            "end_date": messy.dates(rng, np.maximum(end, 0), end < 0),
            "agency": pa.array(actions["agency"].replace("", None)),
        },
    )


def table(columns: dict[str, pa.Array]) -> pa.Table:
    """String columns as a table (for the streaming writer)."""
    return pa.table({k: v.cast(pa.string()) for k, v in columns.items()})
