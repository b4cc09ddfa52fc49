"""One event per offence in int_events, whether the offence has one row or several."""

from __future__ import annotations

from datetime import date

from minidb import mini_db

from contextmap import queries
from contextmap.filters import Filters


def test_an_offence_keeps_its_young_person_only_when_exactly_one_is_recorded():
    con = mini_db(offences=[
        {"offence_key": "shared", "person_key": "p1", "age": 15, "age_band": "14-15", "sex": "F"},
        {"offence_key": "shared", "person_key": "p2", "age": 12, "age_band": "12-13", "sex": "M"},
        {"offence_key": "alone", "person_key": "p3", "age": 16, "age_band": "16-17", "sex": "F"},
        {"offence_key": "nobody", "person_key": None, "age": 16, "age_band": "16-17", "sex": "F",
         "ethnic_group": "Asian"},
        {"offence_key": "one_named", "person_key": None, "age": 10, "age_band": "10-11", "sex": "M"},
        {"offence_key": "one_named", "person_key": "p4", "age": 13, "age_band": "12-13", "sex": "F"},
    ])
    rows = {r[0]: r[1:] for r in con.execute(
        "select event_id, person_key, age_band, sex, ethnic_group from int_events where event_source = 'offence'"
    ).fetchall()}
    assert rows == {
        "offence:shared": (None, "14-15", "F", "White"),
        "offence:alone": ("p3", "16-17", "F", "White"),
        "offence:nobody": (None, "Unknown", "U", "Unknown"),
        "offence:one_named": ("p4", "12-13", "F", "White"),
    }


def test_an_offence_whose_lines_carry_different_types_counts_once_under_its_first_lines_type():
    con = mini_db(offences=[
        {"offence_key": "mixed", "person_key": "p1", "offence_type": "Robbery", "offence_group": "Robbery"},
        {"offence_key": "mixed", "person_key": "p2", "offence_type": "Assault",
         "offence_group": "Violence and sexual offences"},
        {"offence_key": "mixed", "person_key": "p3", "offence_type": "Theft", "offence_group": "Other theft"},
        {"offence_key": "plain", "person_key": "p4", "offence_type": "Assault",
         "offence_group": "Violence and sexual offences"},
    ])
    params = Filters(date(2025, 3, 1)).params()
    assert queries.run(con, "overview_offences", exact=True, **params)["offences"].iloc[0] == 2
    by_type = queries.run(con, "trend_offences", exact=True, **params, split="offence_group")
    assert dict(zip(by_type["split_value"], by_type["offences"])) == {"Robbery": 1, "Violence and sexual offences": 1}
    assert by_type["offences"].sum() == 2
