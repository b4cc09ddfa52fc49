"""Write the bad-file corpus: each file one real-world mistake, and expected.yml saying what
the loader must do with it (rows rejected with a reason and column, or a file-level error).

Run ``.venv/bin/python tests/data/bad/make_corpus.py`` to regenerate. Each bad file is
loaded together with the valid files in ``_base/`` (places PL-1..PL-3, episodes
ME-1..ME-3), so cross-file checks (unknown episode, unknown place) have something to
check against. Expectations are written by hand here, never derived from the loader.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

HERE = Path(__file__).resolve().parent
BASE = HERE / "_base"

EP_COLS = ["episode_id", "person_id", "start_datetime", "end_datetime", "episode_type", "age", "sex", "ethnicity",
           "looked_after", "risk_level", "home_postcode", "missing_from_postcode", "found_postcode", "found_lat",
           "found_lon", "found_place_id"]
RHI_COLS = ["rhi_id", "episode_id", "offered_datetime", "completed_datetime", "outcome", "themes", "push_factors",
            "pull_factors", "places_mentioned", "associates_mentioned"]
OFF_COLS = ["offence_id", "offence_datetime", "offence_type", "person_id", "role", "age", "sex", "ethnicity",
            "postcode", "lat", "lon", "place_id", "serious_violence", "weapon", "exploitation"]
PLACE_COLS = ["place_id", "name", "category", "postcode", "lat", "lon"]
ACTION_COLS = ["action_id", "place_id", "area_code", "action_type", "start_date", "end_date", "agency"]
POLICE_COLS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
               "LSOA name", "Crime type", "Last outcome category", "Context"]
SSD_COLS = ["miss_table_id", "miss_la_person_id", "miss_mis_epi_start", "miss_mis_epi_type", "miss_mis_epi_end",
            "miss_mis_epi_rhi_offered", "miss_mis_epi_rhi_accepted"]


def ep(n: int, **kw) -> dict:
    row = {"episode_id": f"BE-{n}", "person_id": f"P-{n}", "start_datetime": "2024-03-05 21:40",
           "end_datetime": "2024-03-06 08:00", "episode_type": "MISSING", "age": "14", "sex": "F", "ethnicity": "WBRI",
           "looked_after": "Y", "risk_level": "MEDIUM", "home_postcode": "HD1 1AA", "missing_from_postcode": "HD1 1AB",
           "found_postcode": "HD1 1AD", "found_lat": "", "found_lon": "", "found_place_id": ""}
    row.update(kw)
    return row


def rhi(n: int, **kw) -> dict:
    row = {"rhi_id": f"BR-{n}", "episode_id": "ME-1", "offered_datetime": "2024-03-07 10:00",
           "completed_datetime": "2024-03-08 10:00", "outcome": "COMPLETED", "themes": "CSE;PEERS",
           "push_factors": "FAMILY_CONFLICT", "pull_factors": "FRIENDS", "places_mentioned": "PL-1",
           "associates_mentioned": "P-2"}
    row.update(kw)
    return row


def off(n: int, **kw) -> dict:
    row = {"offence_id": f"BO-{n}", "offence_datetime": "2024-03-05 21:40", "offence_type": "Drugs",
           "person_id": f"P-{n}", "role": "SUSPECT", "age": "16", "sex": "M", "ethnicity": "APKN", "postcode": "HD1 1AA",
           "lat": "", "lon": "", "place_id": "", "serious_violence": "N", "weapon": "NONE", "exploitation": "CCE"}
    row.update(kw)
    return row


def place(n: int, **kw) -> dict:
    row = {"place_id": f"BP-{n}", "name": f"Test place {n}", "category": "TAKEAWAY", "postcode": "HD1 1BA",
           "lat": "", "lon": ""}
    row.update(kw)
    return row


def action(n: int, **kw) -> dict:
    row = {"action_id": f"BA-{n}", "place_id": "PL-1", "area_code": "", "action_type": "LICENSING_VISIT",
           "start_date": "01/03/2024", "end_date": "31/03/2024", "agency": "LICENSING"}
    row.update(kw)
    return row


def police(n: int, **kw) -> dict:
    row = {"Crime ID": f"abc{n:04d}", "Month": "2024-01", "Reported by": "West Yorkshire Police",
           "Falls within": "West Yorkshire Police", "Longitude": "-1.781544", "Latitude": "53.648423",
           "Location": "On or near High Street", "LSOA code": "E01011107", "LSOA name": "Kirklees 030A",
           "Crime type": "Drugs", "Last outcome category": "Under investigation", "Context": ""}
    row.update(kw)
    return row


def text(cols: list[str], rows: list[dict], delim: str = ",") -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, delimiter=delim, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def rejected(row: int, column: str, reason: str) -> dict:
    return {"row": row, "column": column, "reason": reason}


CASES: dict[str, tuple[object, dict]] = {}


def case(name: str, content, expect: dict) -> None:
    CASES[name] = (content, expect)


def build_cases() -> None:
    three = [ep(1), ep(2), ep(3)]
    # --- file shape and encoding -----------------------------------------------------
    case("missing_episodes_semicolon.csv", text(EP_COLS, three, ";"),
         {"rows_read": 3, "rejected": 0, "note": "separated by ';'"})
    case("missing_episodes_tab.csv", text(EP_COLS, three, "\t"), {"rows_read": 3, "rejected": 0, "note": "tab"})
    case("places_windows1252.csv", text(PLACE_COLS, [place(1, name="Café Nero’s – Station Rd")]).encode("cp1252"),
         {"rows_read": 1, "rejected": 0, "note": "Windows-1252"})
    case("missing_episodes_utf8_bom.csv", b"\xef\xbb\xbf" + text(EP_COLS, three).encode(), {"rows_read": 3, "rejected": 0})
    case("missing_episodes_utf16.csv", text(EP_COLS, three, "\t").encode("utf-16"),
         {"rows_read": 3, "rejected": 0, "note": "tab"})
    case("missing_episodes_crlf.csv", text(EP_COLS, three).replace("\n", "\r\n"), {"rows_read": 3, "rejected": 0})
    case("missing_episodes_header_case.csv",
         text(EP_COLS, three).replace("episode_id,person_id,start_datetime", " Episode ID ,PERSON-ID,Start Datetime", 1),
         {"rows_read": 3, "rejected": 0})
    case("missing_episodes_missing_column.csv", text([c for c in EP_COLS if c != "start_datetime"], three),
         {"error": "missing required column(s) start_datetime"})
    case("missing_episodes_no_age_column.csv", text([c for c in EP_COLS if c != "age"], three),
         {"error": "needs an age or date_of_birth column"})
    case("missing_episodes_empty.csv", "", {"error": "empty"})
    case("missing_episodes_header_only.csv", text(EP_COLS, []), {"rows_read": 0, "rejected": 0})
    body = text(EP_COLS, three).splitlines()
    # Empty lines are skipped and counted, and row numbers still match the file's lines.
    bad_age = text(EP_COLS, [ep(3, age="-1")]).splitlines()[1]
    case("missing_episodes_blank_lines.csv",
         "\n".join([body[0], body[1], "", body[2], "", "", body[3], bad_age, ""]) + "\n",
         {"rows_read": 4, "rejected": 1, "note": "4 empty rows skipped",
          "rejects": [rejected(7, "age", "age is negative")]})
    case("missing_episodes_repeated_header.csv", "\n".join([body[0], body[1], body[0], body[2]]) + "\n",
         {"rows_read": 3, "rejected": 1, "rejects": [rejected(2, "episode_id", "repeats the header")]})
    case("missing_episodes_truncated.csv", "\n".join(body[:3] + [body[3][:25]]) + "\n",
         {"rows_read": 3, "rejected": 1, "rejects": [rejected(3, "(whole line)", "fewer fields")]})
    case("missing_episodes_too_many_fields.csv", "\n".join(body[:2] + [body[2] + ",extra,fields"] + body[3:]) + "\n",
         {"rows_read": 3, "rejected": 1, "rejects": [rejected(2, "(whole line)", "more fields")]})
    case("missing_episodes_unbalanced_quote.csv",
         "\n".join(body[:2] + [body[2].replace("P-2", '"P-2')] + body[3:]) + "\n",
         {"rejected_at_least": 1, "rejects": [rejected(2, "(whole line)", "Unbalanced quote")]})
    case("offences_excel_renamed.csv", "XLSX", {"error": "Excel workbook saved with a .csv name"})
    case("places_junk_first_sheet.xlsx", "XLSX_JUNK_FIRST", {"rows_read": 2, "rejected": 0, "note": "data read from sheet"})
    case("places_junk_only.xlsx", "XLSX_JUNK_ONLY", {"error": "missing required column(s)"})
    case("offences_wrong_types.parquet", "PARQUET_INT_DATES",
         {"rows_read": 2, "rejected": 2, "rejects": [rejected(1, "offence_datetime", "not a date")]})
    case("unknown_table.csv", "colour,size\nred,2\n", {"error": "not recognised as any contract table"})
    # --- dates ---------------------------------------------------------------------------
    case("missing_episodes_month_first.csv", text(EP_COLS, [ep(1), ep(2, start_datetime="12/25/2024 10:00",
                                                                     end_datetime="12/26/2024 10:00"), ep(3)]),
         {"rows_read": 3, "rejected": 1, "rejects": [rejected(2, "start_datetime", "month-first"),
                                                     rejected(2, "end_datetime", "month-first")]})
    case("missing_episodes_not_a_date.csv", text(EP_COLS, [ep(1, start_datetime="yesterday evening"), ep(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "start_datetime", "not a date")]})
    case("missing_episodes_future.csv", text(EP_COLS, [ep(1, start_datetime="2099-01-01 10:00", end_datetime=""), ep(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "start_datetime", "in the future")]})
    case("missing_episodes_end_before_start.csv", text(EP_COLS, [ep(1, end_datetime="04/03/2024 09:00"), ep(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "end_datetime", "before start_datetime")]})
    case("missing_episodes_ancient.csv", text(EP_COLS, [ep(1, start_datetime="05/03/1924", end_datetime=""), ep(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "start_datetime", "implausibly early")]})
    dob_cols = EP_COLS + ["date_of_birth"]
    case("missing_episodes_dob_after_start.csv", text(dob_cols, [ep(1, age="", date_of_birth="2025-01-01"), ep(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "date_of_birth", "after the episode started")]})
    # --- values --------------------------------------------------------------------------
    case("missing_episodes_missing_value.csv", text(EP_COLS, [ep(1, person_id="  "), ep(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "person_id", "missing (required)")]})
    case("missing_episodes_negative_age.csv", text(EP_COLS, [ep(1, age="-3"), ep(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "age", "negative")]})
    case("missing_episodes_implausible_age.csv", text(EP_COLS, [ep(1, age="140"), ep(2, age="14.5")]),
         {"rows_read": 2, "rejected": 2, "rejects": [rejected(1, "age", "implausible"), rejected(2, "age", "whole number")]})
    case("missing_episodes_no_age.csv", text(EP_COLS, [ep(1, age=""), ep(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "age", "neither age nor date_of_birth")]})
    case("missing_episodes_unknown_code.csv", text(EP_COLS, [ep(1, sex="Q"), ep(2, risk_level="EXTREME"),
                                                            ep(3, ethnicity="XXXX"), ep(4, episode_type="LOST")]),
         {"rows_read": 4, "rejected": 4, "rejects": [rejected(1, "sex", "unknown sex code"),
                                                     rejected(2, "risk_level", "unknown risk_level code"),
                                                     rejected(3, "ethnicity", "unknown ethnicity code"),
                                                     rejected(4, "episode_type", "unknown episode_type code")]})
    case("missing_episodes_bad_flag.csv", text(EP_COLS, [ep(1, looked_after="maybe"), ep(2, looked_after="yes ")]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "looked_after", "not a yes/no flag")]})
    case("missing_episodes_duplicate_id.csv", text(EP_COLS, [ep(1), ep(2), ep(1, person_id="P-9")]),
         {"rows_read": 3, "rejected": 1, "rejects": [rejected(3, "episode_id", "duplicate episode_id")]})
    case("missing_episodes_bad_latlon.csv", text(EP_COLS, [ep(1, found_postcode="", found_lat="153.6", found_lon="-1.78"),
                                                          ep(2, found_postcode="", found_lat="-1.78", found_lon="53.6"),
                                                          ep(3, found_postcode="", found_lat="53.6", found_lon="")]),
         {"rows_read": 3, "rejected": 3, "rejects": [rejected(1, "found_lat", "not a latitude"),
                                                     rejected(2, "found_lat", "not a latitude"),
                                                     rejected(3, "found_lat", "must be given together")]})
    case("missing_episodes_outside_postcode.csv", text(EP_COLS, [ep(1, found_postcode="ls1 4ap"), ep(2)]),
         {"rows_read": 2, "rejected": 0, "unresolved_postcodes": 1, "note": "LS1 (1)"})
    case("missing_episodes_unknown_place.csv", text(EP_COLS, [ep(1, found_place_id="PL-999"), ep(2, found_place_id="PL-2")]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "found_place_id", "not in the places file")]})
    case("missing_episodes_hyperlink.csv",
         text(EP_COLS, [ep(1, person_id='=HYPERLINK("http://crm/person/1","P-1")'), ep(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "person_id", "spreadsheet formula")]})
    case("missing_episodes_long_cell.csv", text(EP_COLS + ["notes"], [ep(1, notes="x" * 10_000), ep(2, notes="ok")]),
         {"rows_read": 2, "rejected": 0, "note": "ignored columns not in the contract: notes"})
    # Kept text is cut and neutralised, never a reason to lose the place (and all that names it).
    case("places_long_name.csv", text(PLACE_COLS, [place(1, name="y" * 10_000), place(2)]),
         {"rows_read": 2, "rejected": 0})
    case("places_html.csv", text(PLACE_COLS, [place(1, name="<b>Station Road</b> <script>alert(1)</script>"), place(2)]),
         {"rows_read": 2, "rejected": 0})
    case("places_formula.csv", text(PLACE_COLS, [place(1, name='=HYPERLINK("http://evil.example","Click")'), place(2)]),
         {"rows_read": 2, "rejected": 0})
    case("places_no_location.csv", text(PLACE_COLS, [place(1, postcode=""), place(2, category="CASINO")]),
         {"rows_read": 2, "rejected": 2, "rejects": [rejected(1, "postcode", "no location"),
                                                     rejected(2, "category", "unknown category code")]})
    case("places_duplicate_id.csv", text(PLACE_COLS, [place(1), place(1, name="Again")]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(2, "place_id", "duplicate place_id")]})
    # --- return home interviews --------------------------------------------------------------
    case("return_home_interviews_unknown_episode.csv", text(RHI_COLS, [rhi(1, episode_id="ME-404"), rhi(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "episode_id", "unknown episode")]})
    case("return_home_interviews_unknown_theme.csv", text(RHI_COLS, [rhi(1, themes="CSE;HAUNTED"), rhi(2, outcome="MAYBE")]),
         {"rows_read": 2, "rejected": 2, "rejects": [rejected(1, "themes", "unknown themes code"),
                                                     rejected(2, "outcome", "unknown outcome code")]})
    case("return_home_interviews_free_text.csv",
         text(RHI_COLS, [rhi(1, push_factors="ran off after an argument with mum"), rhi(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "push_factors", "must be codes")]})
    case("return_home_interviews_unknown_place.csv",
         text(RHI_COLS, [rhi(1, places_mentioned="PL-1;the park near school"), rhi(2, places_mentioned="PL-2;hd1 1ab")]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "places_mentioned", "neither a place_id")]})
    case("return_home_interviews_completed_before_offered.csv",
         text(RHI_COLS, [rhi(1, completed_datetime="2024-03-06 10:00"), rhi(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "completed_datetime", "before offered_datetime")]})
    # A system that stores minutes only: completed at 09:43 is not before offered at 09:43:23.
    case("return_home_interviews_minute_precision.csv",
         text(RHI_COLS, [rhi(1, offered_datetime="2024-03-07 09:43:23", completed_datetime="07/03/2024 09:43"),
                         rhi(2, offered_datetime="2024-03-07 09:43:23", completed_datetime="07/03/2024 09:42")]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(2, "completed_datetime", "before offered_datetime")]})
    case("return_home_interviews_duplicate_id.csv", text(RHI_COLS, [rhi(1), rhi(1, outcome="DECLINED")]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(2, "rhi_id", "duplicate rhi_id")]})
    # --- offences, actions ------------------------------------------------------------------
    case("offences_no_location.csv", text(OFF_COLS, [off(1, postcode=""), off(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "postcode", "no location")]})
    case("offences_outside_area.csv", text(OFF_COLS, [off(1, postcode="LS1 4AP"), off(2)]),
         {"rows_read": 2, "rejected": 1, "unresolved_postcodes": 1,
          "rejects": [rejected(1, "postcode", "not in the area's postcode list")]})
    case("offences_unknown_place.csv", text(OFF_COLS, [off(1, postcode="", place_id="PL-999"), off(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "place_id", "not in the places file")]})
    case("offences_duplicate_person.csv", text(OFF_COLS, [off(1), off(1), off(1, person_id="P-7")]),
         {"rows_read": 3, "rejected": 1, "rejects": [rejected(2, "person_id", "appears twice")]})
    case("offences_unknown_codes.csv", text(OFF_COLS, [off(1, role="BYSTANDER"), off(2, weapon="SPOON"),
                                                       off(3, serious_violence="perhaps")]),
         {"rows_read": 3, "rejected": 3, "rejects": [rejected(1, "role", "unknown role code"),
                                                     rejected(2, "weapon", "unknown weapon code"),
                                                     rejected(3, "serious_violence", "not a yes/no flag")]})
    case("disruption_actions_bad_area.csv", text(ACTION_COLS, [action(1, place_id="", area_code="ZZ99 9"), action(2),
                                                               action(3, place_id="", area_code="")]),
         {"rows_read": 3, "rejected": 2, "rejects": [rejected(1, "area_code", "not a ward, LSOA or postcode sector"),
                                                     rejected(3, "area_code", "neither place_id nor area_code")]})
    case("disruption_actions_end_before_start.csv", text(ACTION_COLS, [action(1, end_date="01/02/2024"), action(2)]),
         {"rows_read": 2, "rejected": 1, "rejects": [rejected(1, "end_date", "before start_date")]})
    # --- police.uk and SSD ----------------------------------------------------------------------
    case("2024-01-west-yorkshire-street.csv",
         text(POLICE_COLS, [police(1), police(2, **{"LSOA code": "E01011314", "LSOA name": "Leeds 091B"}),
                            police(3, **{"Crime ID": "", "Crime type": "Anti-social behaviour"}),
                            police(4, **{"LSOA code": "", "LSOA name": "", "Longitude": "", "Latitude": "",
                                         "Location": "No Location"}),
                            police(5, **{"LSOA code": "E01034588"})]),
         {"rows_read": 5, "rejected": 2, "note": "mapped to 2011 LSOAs",
          "rejects": [rejected(2, "lsoa_code", "outside Kirklees"), rejected(4, "lsoa_code", "no location")]})
    case("ssd_missing_bad_values.csv",
         text(SSD_COLS, [{"miss_table_id": "S1", "miss_la_person_id": "P-1", "miss_mis_epi_start": "2024-03-05 21:40:00",
                          "miss_mis_epi_type": "X", "miss_mis_epi_end": "", "miss_mis_epi_rhi_offered": "",
                          "miss_mis_epi_rhi_accepted": ""},
                         {"miss_table_id": "S2", "miss_la_person_id": "P-2", "miss_mis_epi_start": "2024-03-05 21:40:00",
                          "miss_mis_epi_type": "A", "miss_mis_epi_end": "2024-03-04 10:00:00",
                          "miss_mis_epi_rhi_offered": "Y", "miss_mis_epi_rhi_accepted": "N"}]),
         {"rows_read": 2, "rejected": 2, "rejects": [rejected(1, "miss_mis_epi_type", "unknown miss_mis_epi_type code"),
                                                     rejected(2, "miss_mis_epi_end", "before miss_mis_epi_start")]})


def _xlsx(path: Path, kind: str) -> None:
    places = pd.DataFrame([place(1), place(2)])
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"Read me": ["Exported from the case system", "Do not edit"]}).to_excel(xl, sheet_name="Notes", index=False)
        if kind == "XLSX_JUNK_FIRST":
            places.to_excel(xl, sheet_name="Places", index=False)


def write() -> None:
    build_cases()
    BASE.mkdir(exist_ok=True)
    (BASE / "places.csv").write_text(text(PLACE_COLS, [place(1, place_id="PL-1"), place(2, place_id="PL-2"),
                                                        place(3, place_id="PL-3")]))
    (BASE / "missing_episodes.csv").write_text(text(EP_COLS, [ep(1, episode_id="ME-1"), ep(2, episode_id="ME-2"),
                                                              ep(3, episode_id="ME-3")]))
    manifest = {}
    for name, (content, expect) in CASES.items():
        path = HERE / name
        if content == "XLSX":
            _xlsx(path.with_suffix(".tmp.xlsx"), "XLSX_JUNK_FIRST")
            path.write_bytes(path.with_suffix(".tmp.xlsx").read_bytes())
            path.with_suffix(".tmp.xlsx").unlink()
        elif isinstance(content, str) and content.startswith("XLSX_"):
            _xlsx(path, content)
        elif content == "PARQUET_INT_DATES":
            pq.write_table(pa.table({"offence_id": ["PQ-1", "PQ-2"], "offence_datetime": pa.array([1709674800, 1709761200]),
                                     "offence_type": ["Drugs", "Robbery"], "postcode": ["HD1 1AA", "HD1 1AB"]}), path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        manifest[name] = expect
    header = "# Generated by make_corpus.py: each bad file and what the loader must do with it.\n"
    (HERE / "expected.yml").write_text(header + yaml.safe_dump(manifest, sort_keys=True, allow_unicode=True))


if __name__ == "__main__":
    write()
    print(f"{len(CASES)} files written to {HERE}")
