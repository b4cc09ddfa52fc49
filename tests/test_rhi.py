"""The RHI 72-hour measure on hand-made episodes: no end time, offers before return, declines, SSD rows."""

from datetime import date, datetime

import pytest
from minidb import mini_db

from contextmap import queries, rhi_view
from contextmap.disclosure import Policy
from contextmap.filters import Filters

RET = datetime(2025, 3, 10, 12)  # when the children came back
EPISODES = {
    "ok": {"ended_at": RET},                                   # offered after 24 h, completed
    "still_missing": {},                                        # no end time
    "before_return": {"ended_at": RET},                         # offer logged before the return
    "declined": {"ended_at": RET},                              # offered in 10 h, declined
    "late": {"ended_at": RET},                                  # offered after 100 h
    "no_record": {"ended_at": RET},                             # no RHI row at all
    "ssd": {"ended_at": RET, "source_system": "ssd"},          # flags only, no times
    "not_offered": {"ended_at": RET},
    "no_contact": {"ended_at": RET},
}
RHIS = {
    "ok": {"offered_at": datetime(2025, 3, 11, 12), "completed_at": datetime(2025, 3, 12, 12), "outcome": "COMPLETED"},
    "before_return": {"offered_at": datetime(2025, 3, 9, 12), "completed_at": datetime(2025, 3, 10, 18), "outcome": "COMPLETED"},
    "declined": {"offered_at": datetime(2025, 3, 10, 22), "outcome": "DECLINED"},
    "late": {"offered_at": datetime(2025, 3, 14, 16), "outcome": "COMPLETED", "completed_at": datetime(2025, 3, 15, 9)},
    "ssd": {"outcome": "COMPLETED", "has_times": False, "source_system": "ssd"},
    "not_offered": {"outcome": "NOT_OFFERED"},
    "no_contact": {"outcome": "NO_CONTACT"},
}
NAMES = list(EPISODES)


@pytest.fixture(scope="module")
def con():
    eps = [{"person_key": f"p{i}", **EPISODES[n]} for i, n in enumerate(NAMES)]
    rhis = [{"episode_key": f"e{NAMES.index(n) + 1}", **r} for n, r in RHIS.items()]
    c = mini_db(episodes=eps, rhis=rhis)
    yield c
    c.close()


def _params():
    return Filters(date(2025, 3, 1)).params()


def test_status_of_each_edge_case(con):
    rows = dict(con.sql("select episode_key, rhi_status from int_episodes").fetchall())
    status = {n: rows[f"e{i + 1}"] for i, n in enumerate(NAMES)}
    assert status == {
        "ok": "Offered in time", "still_missing": "Still missing", "before_return": "Offered in time",
        "declined": "Offered in time", "late": "Offered late", "no_record": "No RHI recorded",
        "ssd": "No times recorded", "not_offered": "Recorded as not offered", "no_contact": "No contact made",
    }


def test_72_hour_measure_counts_and_denominators(con):
    total = queries.run(con, "rhi_breakdown", exact=True, **_params()).set_index("dimension").loc["total"]
    # Denominator: ended episodes with times; still missing and the SSD row are out.
    assert total["eligible"] == 7
    # Within 72 h: ok, the offer before return (counted as 0 h), the declined offer.
    assert total["offered_72h"] == 3
    assert total["completed_72h"] == 2
    assert total["returned"] == 8
    assert total["completed"] == 4  # ok, before_return, late and the SSD row (completion needs no times)
    assert total["declined"] == 1
    # Median over the four timed offers: 0 (before return), 10, 24, 100 hours.
    assert total["median_hours_to_offer"] == pytest.approx(17.0)
    assert total["offered_before_return"] == 1


def test_mart_agrees_with_breakdown(con):
    m = con.sql("select * from mart_rhi_timeliness where locality = 'All' and looked_after = 'All'").df().iloc[0]
    assert (m["eligible"], m["offered_72h"], m["completed_72h"], m["declined"]) == (7, 3, 2, 1)
    assert m["median_hours_to_offer"] == pytest.approx(17.0)


def test_reasons_table_lists_every_reason_and_suppresses_small_counts(con):
    reasons = queries.run(con, "rhi_reasons", exact=True, **_params())
    raw = rhi_view.reasons_table(reasons, Policy(suppress_max=0))
    got = dict(zip(raw["Reason"], raw["Episodes"]))
    assert got["Offered late (after 72 hours)"] == "1"
    assert got["Still missing (no return yet)"] == "1"
    assert got["Source without times (SSD flags only)"] == "1"
    assert got["All without a timely offer"] == "6"
    shown = rhi_view.reasons_table(reasons, Policy(suppress_max=5))
    assert set(shown["Episodes"]) <= {"c", "0"}


def test_rates_are_hidden_when_their_parts_are_small(con):
    total = queries.run(con, "rhi_breakdown", exact=True, **_params()).set_index("dimension").loc["total"]
    assert rhi_view.summary(total, Policy(suppress_max=0))["Offered within 72 hours"] == "43%"
    hidden = rhi_view.summary(total, Policy(suppress_max=5))
    assert hidden["Offered within 72 hours"] == "c"
    assert hidden["Median hours to offer"] == "—"
