"""One event per offence in int_events, whether the offence has one row or several."""

from __future__ import annotations

from minidb import mini_db


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
