"""The benchmark's pandas baseline makes the build's three marts: same rows, same counts.

Its times are compared with the build's in docs/benchmarks.md, which is fair only if it
does the same work, so each mart is compared on the columns ``baseline.COMPARED`` names
(all but the cell keys), for the shipped sample and for a generated input with the
contract's messy variants and rows the build rejects added.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from contextmap.settings import ROOT
from pipelines.bench import baseline, harness
from pipelines.build import build_file

# Rows added to a generated input: valid variants (date and flag spellings, codes in any case,
# postcodes without spaces, points instead of postcodes, offences with several people) and
# rows the build rejects (marked "rejected"). PL-001 is a place of the generated register.
PLACES = [
    {"place_id": "PL-X01", "name": "Point only", "category": " takeaway", "lat": "53.6452", "lon": "-1.7798"},
    {"place_id": "PL-X02", "name": "Outside, with a point", "category": "Licensed premises", "postcode": "SW1A 1AA",
     "lat": "53.6501", "lon": "-1.7851"},
    {"place_id": "PL-X03", "name": "No location (rejected)", "category": "SHOP"},
    {"place_id": "PL-X04", "name": "Unknown category (rejected)", "category": "CASINO", "postcode": "HD4 6JH"},
    {"place_id": "PL-001", "name": "Repeated id (rejected)", "category": "SHOP", "postcode": "HD4 6JH"},
    {"place_id": "PL-X05", "name": "Outside, no point (rejected)", "category": "SHOP", "postcode": "SW1A 1AA"},
]
EPISODE = {"person_id": "LL-X000001", "start_datetime": "2024-03-05 21:40:00", "end_datetime": "06/03/2024 10:15",
           "age": "14", "missing_from_postcode": "hd46jh"}
EPISODES = [
    {"episode_id": "ME-X01", "start_datetime": "2024-03-05T21:40Z", "end_datetime": "06-03-2024 10:15",
     "sex": "female", "ethnicity": "wbri", "looked_after": "yes", "risk_level": "high", "episode_type": "a"},
    {"episode_id": "ME-X02", "start_datetime": "05.03.2024", "end_datetime": "5/3/2024 9:05:07", "age": "",
     "date_of_birth": "2008-02-29", "sex": "Boy", "looked_after": "T", "episode_type": "ABSENT",
     "found_lat": "53.6293", "found_lon": "-1.7839"},
    {"episode_id": "ME-X03", "start_datetime": "2024-03-05 09:43:23", "end_datetime": "05/03/2024 09:43",
     "age": "12.0", "missing_from_postcode": "SW1A 1AA", "found_postcode": " HD4 6JH ", "looked_after": "0"},
    {"episode_id": "ME-X04", "missing_from_postcode": "", "home_postcode": "hd4 6jh", "found_place_id": "PL-X01",
     "end_datetime": ""},
    {"episode_id": "ME-X05", "missing_from_postcode": "NOTAPC", "found_lat": "51.5007", "found_lon": "-0.1246",
     "sex": "x"},
    {"episode_id": "ME-X06", "start_datetime": "2024-03-05 10:00", "end_datetime": "2024-03-04"},  # rejected
    {"episode_id": "ME-X07", "start_datetime": "03/25/2024"},  # month-first: rejected
    {"episode_id": "ME-X08", "age": "12.5"},  # rejected
    {"episode_id": "ME-X09", "age": "30"},  # rejected
    {"episode_id": "ME-X10", "age": ""},  # no age or date of birth: rejected
    {"episode_id": "ME-X11", "sex": "Q"},  # rejected
    {"episode_id": "ME-X12", "looked_after": "maybe"},  # rejected
    {"episode_id": "ME-X13", "found_lat": "53.63"},  # half a point: rejected
    {"episode_id": "ME-X14", "found_place_id": "PL-X03"},  # a rejected place: rejected
    {"episode_id": "ME-X01", "sex": "M"},  # repeated id: rejected
    {"episode_id": "ME-X15", "person_id": '=HYPERLINK("x")'},  # rejected
    {"episode_id": "ME-X16", "start_datetime": "1985-01-01"},  # rejected
    {"episode_id": "ME-X17", "start_datetime": "2099-01-01", "end_datetime": ""},  # rejected
    {"episode_id": "ME-X18", "ethnicity": "ZZZZ"},  # rejected
    {"episode_id": "ME-X19", "date_of_birth": "2024-04-01"},  # born after the start: rejected
]
RHI = {"offered_datetime": "2024-03-07 09:00", "outcome": "COMPLETED"}
RHIS = [
    {"rhi_id": "RHI-X01", "episode_id": "ME-X01", "outcome": "completed", "completed_datetime": "08/03/2024 10:00",
     "themes": "cse; drugs", "push_factors": "family conflict", "places_mentioned": "PL-001; hd4 6jh ;PL-001;SW1A1AA"},
    {"rhi_id": "RHI-X02", "episode_id": "ME-X01", "offered_datetime": "2024-03-05 12:00", "outcome": "Declined"},
    {"rhi_id": "RHI-X03", "episode_id": "ME-X02", "offered_datetime": "", "outcome": "not offered"},
    {"rhi_id": "RHI-X04", "episode_id": "ME-X03", "offered_datetime": "2024-03-12", "outcome": "NO_CONTACT"},
    {"rhi_id": "RHI-X05", "episode_id": "ME-X04", "places_mentioned": "PL-X01"},
    {"rhi_id": "RHI-X06", "episode_id": "ME-X06"},  # its episode was rejected: rejected
    {"rhi_id": "RHI-X07", "episode_id": "ME-NONE"},  # rejected
    {"rhi_id": "RHI-X01", "episode_id": "ME-X03"},  # repeated id: rejected
    {"rhi_id": "RHI-X08", "episode_id": "ME-X03", "outcome": "MAYBE"},  # rejected
    {"rhi_id": "RHI-X09", "episode_id": "ME-X03", "themes": "FOO"},  # rejected
    {"rhi_id": "RHI-X10", "episode_id": "ME-X03", "places_mentioned": "the park"},  # rejected
    {"rhi_id": "RHI-X11", "episode_id": "ME-X03", "push_factors": "he said he was fed up with it all"},  # rejected
    {"rhi_id": "RHI-X12", "episode_id": "ME-X03", "completed_datetime": "2024-03-06 09:00"},  # rejected
]
OFFENCE = {"offence_datetime": "2024-03-09 22:10", "offence_type": "Robbery"}
OFFENCES = [
    {"offence_id": "OF-X01", "person_id": "", "postcode": "hd46jh"},
    {"offence_id": "OF-X01", "person_id": "LL-X000002", "age": "15", "sex": "F", "postcode": "BD11 2AA"},
    {"offence_id": "OF-X01", "person_id": "LL-X000003", "age": "11", "sex": "M", "offence_datetime": "2024-03",
     "lat": "53.7510", "lon": "-1.6950"},
    {"offence_id": "OF-X02", "person_id": "LL-X000004", "age": "17", "sex": "unknown", "lat": "53.6292",
     "lon": "-1.7841"},
    {"offence_id": "OF-X03", "place_id": "PL-X01", "offence_datetime": "2024-03"},
    {"offence_id": "OF-X04", "postcode": "SW1A 1AA", "lat": "53.6450", "lon": "-1.7800", "serious_violence": "Yes"},
    # The postcode nearest this point (WF12 0QF) is outside the search box; the nearest in it is WF4 4BD.
    {"offence_id": "OF-X05", "lat": "53.6529", "lon": "-1.6192"},
    {"offence_id": "OF-X01", "person_id": "LL-X000002"},  # the same person again: rejected
    {"offence_id": "OF-X06", "postcode": "SW1A 1AA"},  # outside the area: rejected
    {"offence_id": "OF-X07", "lat": "51.5007", "lon": "-0.1246"},  # outside the area: rejected
    {"offence_id": "OF-X08", "postcode": "HD4 6JH", "serious_violence": "maybe"},  # rejected
    {"offence_id": "OF-X09", "postcode": "HD4 6JH", "age": "15.5"},  # rejected
    {"offence_id": "OF-X10"},  # no location: rejected
    {"offence_id": "OF-X11", "place_id": "PL-X04"},  # a rejected place: rejected
    {"offence_id": "offence_id"},  # the header repeated: rejected
]


def _append(path: Path, rows: list[dict], defaults: dict | None = None) -> None:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    with open(path, "a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header, restval="", quoting=csv.QUOTE_ALL, lineterminator="\n")
        for row in rows:
            writer.writerow({**(defaults or {}), **row})
        fh.write(",".join("" for _ in header) + "\n")  # an empty line: skipped, not a row


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, Path]:
    """A small generated input with the rows above added, and its build."""
    root = tmp_path_factory.mktemp("baseline")
    folder = harness.generate(root / "input", seed=404, scale=harness.SMALL_SCALE)
    _append(folder / "places.csv", PLACES)
    _append(folder / "missing_episodes.csv", EPISODES, EPISODE)
    _append(folder / "return_home_interviews.csv", RHIS, RHI)
    _append(folder / "offences.csv", OFFENCES, OFFENCE)
    # A byte-order mark, as Excel writes it.
    path = folder / "places.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    db = build_file(root / "build.duckdb", [folder], progress=lambda *_: None, demo=True)
    return folder, db


def _table(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """``df``'s ``cols`` in one canonical form: months as timestamps, sorted by every column."""
    df = df[cols].copy()
    for c in cols:
        if "month" in c:
            df[c] = pd.to_datetime(df[c])
        elif pd.api.types.is_bool_dtype(df[c]):
            df[c] = df[c].astype(bool)
        elif pd.api.types.is_integer_dtype(df[c]):
            df[c] = df[c].astype("int64")  # compared exactly (only the median is a float)
        elif pd.api.types.is_float_dtype(df[c]):
            df[c] = df[c].astype(float)
        else:
            df[c] = df[c].astype(object)
    return df.sort_values(cols).reset_index(drop=True)


def assert_same_marts(folder: Path, db: Path) -> None:
    """Each of the baseline's marts equals the build's on the compared columns."""
    made = baseline.compute(folder)
    with duckdb.connect(str(db), read_only=True) as con:
        for name, cols in baseline.COMPARED.items():
            rows = baseline.WHOLE_BUILD.get(name, "true")
            built = con.sql(f"select {', '.join(cols)} from {name} where {rows}").df()
            assert len(built) > 0, name
            pd.testing.assert_frame_equal(_table(made[name], cols), _table(built, cols), obj=name)


def test_the_baseline_makes_the_samples_marts(sample_db):
    assert_same_marts(ROOT / "data" / "sample", sample_db)


def test_the_baseline_makes_the_marts_of_messy_input_and_drops_what_the_build_rejects(messy):
    folder, db = messy
    with duckdb.connect(str(db), read_only=True) as con:
        rejected = dict(con.sql("select table_name, count(distinct source_row) from rejects group by all").fetchall())
    assert rejected == {"places": 4, "missing_episodes": 15, "return_home_interviews": 8, "offences": 8}
    assert_same_marts(folder, db)


def test_rounding_is_the_builds():
    # Each is stored a hair above or below the half, and rounds by what is stored.
    values = [35.6035, 49.0225, 42.9075, -0.8365, 0.0625, 53.58764, -1.85042]
    built = duckdb.execute("select list(round(x, 3) order by i) from (select unnest(?::double[]) as x, "
                           "unnest(range(?)) as i)", [values, len(values)]).fetchall()[0][0]
    assert baseline.round_half_up(pd.Series(values), 3).tolist() == built
