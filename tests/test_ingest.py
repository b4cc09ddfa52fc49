"""Ingest: contract variants, formats, linking, incremental loads, police.uk, SSD, mappings."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from contextmap.settings import ROOT
from pipelines.geography import load_geography
from pipelines.ingest import IngestError, load_inputs, load_mapping, validate
from pipelines.pseudonym import Keys, key_for, pseudonym

KEY = b"test-key-for-ingest-tests-000001"
SAMPLE = ROOT / "data" / "sample"
POLICE = Path(__file__).parent / "data" / "police_uk" / "kirklees_2018-06_street_derived_from_api.csv"
SSD = Path(__file__).parent / "data" / "ssd"
TABLES = ("stg_missing_episodes", "stg_return_home_interviews", "stg_offences", "stg_places",
          "stg_disruption_actions", "rejects", "file_loads")

EP_HEADER = ("episode_id,person_id,start_datetime,end_datetime,episode_type,age,date_of_birth,sex,ethnicity,"
             "looked_after,risk_level,home_postcode,missing_from_postcode,found_postcode,found_lat,found_lon,found_place_id")


@pytest.fixture(scope="module")
def geo():
    con = duckdb.connect()
    load_geography(con, progress=lambda *_: None)
    yield con
    con.close()


def load(geo, paths, key=KEY, mapping=None):
    con = geo.cursor()
    load_inputs(con, [Path(p) for p in paths], Keys.one(key), mapping=mapping, progress=lambda *_: None)
    return con


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def table_hashes(con) -> dict[str, tuple]:
    """Content hash of each ingest table (order-sensitive, so row order must be deterministic too)."""
    out = {}
    for t in TABLES:
        cols = [c for (c,) in con.execute(f"select column_name from (describe {t})").fetchall()]
        out[t] = con.execute(f"select count(*), sum(hash(row_number_, {', '.join(cols)})) from "
                             f"(select row_number() over () as row_number_, * from {t})").fetchone()
    return out


@pytest.mark.skipif(not (SAMPLE / "missing_episodes.csv").exists(), reason="data/sample not generated yet")
def test_the_shipped_sample_loads_with_no_rejects_and_every_row_counted(geo):
    con = load(geo, [SAMPLE])
    assert con.execute("select count(*) from rejects").fetchone()[0] == 0
    for path in sorted(SAMPLE.glob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = sum(1 for _ in csv.DictReader(fh))
        read, accepted = con.execute("select rows_read, rows_accepted from file_loads where source_file = ?",
                                     [path.name]).fetchone()
        assert read == accepted == rows, path.name
    ids = con.execute("select count(*) from stg_return_home_interviews where episode_key not in "
                      "(select episode_key from stg_missing_episodes)").fetchone()[0]
    assert ids == 0


def test_every_contract_variant_is_accepted(geo, tmp_path):
    rows = [
        "E1,P1,2024-03-05,2024-03-05T23:10,M,14,,f,wbri,Y,low,hd1 1aa,HD11AB,HD1 1AD,,,",
        "E2, P1 ,05/03/2024 21:40,06/03/2024 08:00,a,,2009-04-12,M,APKN,yes,MEDIUM,HD11AA,,,53.6484,-1.7815,",
        "E3,P2,2024-03-05 21:40:00,,AWAY,15,,U,,TRUE,,,,,,,",
        "E4,P3,5/3/2024 21:40,,,16,,X,NOBT,0,HIGH, hd1  1ad ,,,,,",
        "E5,P4,2024-03-05T21:40:00.000,,MISSING,13,12/04/2010,F,MWBC,n,NONE,,,,,,",
    ]
    con = load(geo, [write(tmp_path / "missing_episodes.csv", EP_HEADER + "\n" + "\n".join(rows) + "\n")])
    assert con.execute("select count(*) from rejects").fetchone()[0] == 0
    got = {r[0]: r[1:] for r in con.execute("""
        select source_row, started_at, ended_at, episode_type, age, age_band, sex, is_looked_after, home_sector,
               missing_from_lsoa, found_lat
        from stg_missing_episodes""").fetchall()}
    assert got[1][:3] == (datetime(2024, 3, 5), datetime(2024, 3, 5, 23, 10), "MISSING")
    assert got[2][0] == datetime(2024, 3, 5, 21, 40) and got[2][2] == "AWAY"
    assert got[2][3] == 14 and got[2][4] == "14-15"  # age from date of birth, which is then dropped
    assert got[4][0] == datetime(2024, 3, 5, 21, 40)  # single-digit day-first
    assert got[5][3] == 13  # date of birth wins over a given age
    assert [got[i][6] for i in range(1, 6)] == [True, True, True, False, False]
    assert got[1][7] == "HD1 1" and got[4][7] == "HD1 1"
    assert got[1][8] is not None and got[2][9] == 53.648
    # The same child (P1, once with stray spaces) gets one pseudonym.
    keys = con.execute("select distinct person_key from stg_missing_episodes where source_row in (1, 2)").fetchall()
    assert keys == [(pseudonym(KEY, "P1"),)]


def test_dates_are_day_first_and_month_first_is_rejected_not_guessed(geo, tmp_path):
    rows = ["E1,P1,03/05/2024 10:00,,,14,,,,,,,,,,,", "E2,P1,05/13/2024 10:00,,,14,,,,,,,,,,,"]
    con = load(geo, [write(tmp_path / "missing_episodes.csv", EP_HEADER + "\n" + "\n".join(rows) + "\n")])
    assert con.execute("select started_at from stg_missing_episodes").fetchall() == [(datetime(2024, 5, 3, 10, 0),)]
    reason = con.execute("select reason from rejects where source_row = 2").fetchone()[0]
    assert "month-first" in reason


def test_the_same_person_links_across_files_and_sources(geo, tmp_path):
    write(tmp_path / "missing_episodes.csv", EP_HEADER + "\nE1,LL-1,2024-03-05,,,14,,,,,,,HD1 1AA,,,,\n")
    write(tmp_path / "offences.csv", "offence_id,offence_datetime,offence_type,person_id,postcode\n"
                                      "O1,2024-03,Drugs, LL-1,HD1 1AA\nO2,2024-03-09,Robbery,,HD1 1AB\n")
    write(tmp_path / "return_home_interviews.csv", "rhi_id,episode_id,outcome,associates_mentioned\nR1,E1,DECLINED,LL-1;LL-2\n")
    con = load(geo, [tmp_path])
    person = pseudonym(KEY, "LL-1")
    assert con.execute("select person_key from stg_missing_episodes").fetchone()[0] == person
    assert con.execute("select person_key from stg_offences where source_row = 1").fetchone()[0] == person
    assert con.execute("select person_key, offence_at from stg_offences where source_row = 2").fetchone()[0] is None
    assert con.execute("select associate_keys from stg_return_home_interviews").fetchone()[0] == sorted(
        [person, pseudonym(KEY, "LL-2")])
    assert con.execute("select episode_key from stg_missing_episodes").fetchone()[0] == key_for(KEY, "missing_episodes", "E1")


def test_loading_twice_is_identical_later_files_replace_and_new_months_add(geo, tmp_path):
    folder = tmp_path / "in"
    write(folder / "offences_2024-01.csv", "offence_id,offence_datetime,offence_type,postcode\n"
                                           "O1,2024-01-05,Drugs,HD1 1AA\nO2,2024-01-06,Robbery,HD1 1AB\n")
    first = table_hashes(load(geo, [folder]))
    assert table_hashes(load(geo, [folder])) == first
    write(folder / "offences_2024-02.csv", "offence_id,offence_datetime,offence_type,postcode\n"
                                           "O2,2024-01-06,Burglary,HD1 1AB\nO3,2024-02-01,Drugs,HD1 1AD\n")
    con = load(geo, [folder])
    rows = con.execute("select offence_key, offence_type, source_file from stg_offences order by offence_at").fetchall()
    assert [r[1] for r in rows] == ["Drugs", "Burglary", "Drugs"]  # O2 replaced by the later file
    assert rows[1][2] == "offences_2024-02.csv"
    note = con.execute("select notes from file_loads where source_file = 'offences_2024-02.csv'").fetchone()[0]
    assert "1 records replaced" in note


def test_xlsx_and_parquet_load_like_csv(geo, tmp_path):
    frame = pd.DataFrame({"place_id": ["A", "B"], "name": ["Cafe", "Park"], "category": ["takeaway", "PARK"],
                          "postcode": ["HD1 1AA", "hd11ab"]})
    write(tmp_path / "csv" / "places.csv", frame.to_csv(index=False))
    (tmp_path / "xlsx").mkdir()
    frame.to_excel(tmp_path / "xlsx" / "places.xlsx", index=False)
    (tmp_path / "pq").mkdir()
    frame.to_parquet(tmp_path / "pq" / "places.parquet")
    results = [load(geo, [tmp_path / fmt]).execute("select * from stg_places").fetchall() for fmt in ("csv", "xlsx", "pq")]
    assert results[0] == results[1] == results[2] and len(results[0]) == 2


def test_excel_dates_and_numbers_are_read_as_values(geo, tmp_path):
    frame = pd.DataFrame({"episode_id": [1001], "person_id": [42], "start_datetime": [pd.Timestamp("2024-03-05 21:40")],
                          "age": [14]})
    frame.to_excel(tmp_path / "missing_episodes.xlsx", index=False)
    con = load(geo, [tmp_path / "missing_episodes.xlsx"])
    assert con.execute("select person_key, started_at, age from stg_missing_episodes").fetchone() == (
        pseudonym(KEY, "42"), datetime(2024, 3, 5, 21, 40), 14)


def test_a_file_that_cannot_be_used_stops_the_build_with_its_name(geo, tmp_path):
    write(tmp_path / "missing_episodes.csv", "episode_id,start_datetime\nE1,2024-01-01\n")
    with pytest.raises(IngestError, match=r"missing_episodes.csv.*missing required column\(s\) person_id.*found: episode_id, start_datetime"):
        load(geo, [tmp_path])


def test_real_police_uk_month_loads_with_every_row_accounted_for(geo):
    con = load(geo, [POLICE])
    with open(POLICE, newline="") as fh:
        rows = sum(1 for _ in csv.DictReader(fh))
    read, accepted, rejected = con.execute("select rows_read, rows_accepted, rows_rejected from file_loads").fetchone()
    assert read == rows == accepted + rejected
    stats = con.execute("""select count(*), count(distinct offence_key), count(person_key), count(lsoa_code),
                                  count(sector), min(offence_month), max(offence_month) from stg_offences""").fetchone()
    assert stats[0] == stats[1] == accepted and stats[2] == 0
    assert stats[3] == accepted and stats[4] > 0.95 * accepted
    assert str(stats[5]) == str(stats[6]) == "2018-06-01"
    asb = con.execute("select count(*) from stg_offences where offence_group = 'Anti-social behaviour'").fetchone()[0]
    assert asb > 0  # ASB rows have no Crime ID but still get their own stable key


def test_police_uk_2021_lsoas_are_mapped_and_outside_rows_rejected(geo, tmp_path):
    header = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context"
    write(tmp_path / "2024-01-west-yorkshire-street.csv", header + "\n"
          "a1,2024-01,WYP,WYP,-1.78,53.65,On or near X,E01034588,Kirklees 001A,Drugs,,\n"
          "a2,2024-01,WYP,WYP,-1.55,53.80,On or near Y,E01011314,Leeds 091B,Drugs,,\n"
          ",2024-01,WYP,WYP,-1.78,53.65,On or near Z,E01011107,Kirklees 030A,Anti-social behaviour,,\n")
    con = load(geo, [tmp_path])
    assert con.execute("select lsoa_code from stg_offences order by source_row").fetchall() == [("E01011171",), ("E01011107",)]
    assert "outside Kirklees" in con.execute("select reason from rejects").fetchone()[0]
    assert "mapped to 2011 LSOAs" in con.execute("select notes from file_loads").fetchone()[0]


def test_ssd_extract_becomes_episodes_and_rhis_without_times(geo):
    con = load(geo, [SSD])
    eps = con.execute("""select episode_type, age, sex, ethnic_group, source_system from stg_missing_episodes
                         order by started_at""").fetchall()
    assert [e[0] for e in eps] == ["MISSING", "AWAY", "MISSING", "AWAY", "MISSING"]
    assert eps[0][1:4] == (14, "F", "White") and eps[2][2:4] == ("M", "Asian")
    assert eps[4][1:3] == (None, "U") and {e[4] for e in eps} == {"ssd"}
    rhis = con.execute("""select r.outcome, r.has_times, r.offered_at from stg_return_home_interviews as r
                          join stg_missing_episodes as e using (episode_key) order by e.started_at""").fetchall()
    assert [r[0] for r in rhis] == ["COMPLETED", "DECLINED", "NOT_OFFERED"]
    assert all(r[1] is False and r[2] is None for r in rhis)
    person = con.execute("select person_key from stg_missing_episodes order by started_at limit 1").fetchone()[0]
    assert person == pseudonym(KEY, "1001")
    notes = dict(con.execute("select table_name, notes from file_loads").fetchall())
    assert "no ssd_person row" in notes["ssd_missing"] and "acceptance not recorded" in notes["ssd_missing"]
    assert "pers_forename" in notes["ssd_person"]


def test_a_mapping_file_renames_a_source_systems_columns(geo, tmp_path):
    mapping = load_mapping(ROOT / "mappings" / "liquidlogic_example.toml")
    write(tmp_path / "LL_MissingEpisodes_2024.csv",
          "Missing Episode Ref,Person ID,Date Missing,Date Returned,Age At Start,Gender,Worker Notes\n"
          "ME1,P1,05/03/2024 21:40,06/03/2024 08:00,14,F,free text that must not survive\n")
    con = load(geo, [tmp_path], mapping=mapping)
    assert con.execute("select person_key, age, sex from stg_missing_episodes").fetchone() == (pseudonym(KEY, "P1"), 14, "F")
    assert "Worker Notes" in con.execute("select notes from file_loads").fetchone()[0]


def test_validate_reports_without_building(tmp_path):
    write(tmp_path / "missing_episodes.csv", EP_HEADER + "\nE1,P1,2024-03-05,,,-4,,,,,,,,,,,\nE2,P2,2024-03-05,,,14,,,,,,,,,,,\n")
    write(tmp_path / "offences.csv", "offence_id,offence_type\nO1,Drugs\n")
    summary = validate([tmp_path])
    report = summary.report()
    assert not summary.ok
    assert "missing_episodes.csv [missing_episodes, csv]: 2 rows read = 1 accepted + 1 rejected" in report
    assert "age is negative" in report and "row 1 age" in report
    assert "offences.csv" in report and "offence_datetime" in report
