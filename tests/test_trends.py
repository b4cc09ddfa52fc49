"""Trend series: every month present, hidden months are gaps that never leak through averages."""

import math
from datetime import date, datetime

import pandas as pd
import pytest
from minidb import mini_db

from contextmap import queries, trends
from contextmap.disclosure import Policy
from contextmap.filters import Filters

P = Policy(suppress_max=5)
MONTHS = [d.date() for d in pd.date_range("2024-01-01", "2025-03-01", freq="MS")]


def _raw(values: dict, column="episodes", group="All", extra=None):
    rows = [{"month": pd.Timestamp(m), "split_value": group, column: v, **(extra or {})} for m, v in values.items()]
    return pd.DataFrame(rows)


def test_missing_months_are_zero_hidden_as_c_and_rolling_average_uses_three_shown_months():
    raw = _raw({date(2025, 1, 1): 30, date(2025, 3, 1): 60, date(2025, 4, 1): 90})
    s = trends.series(raw, trends.MEASURES["episodes"], "none", MONTHS, P).set_index("month")
    # A month with no records counts 0, and 0 is "c" like 1 to 5: a gap, never drawn as 0.
    assert math.isnan(s.loc["2025-02-01", "value"]) and s.loc["2025-02-01", "hidden"]
    assert math.isnan(s.loc["2025-03-01", "rolling_3m"])  # February is in its window
    raw = _raw({date(2025, 1, 1): 30, date(2025, 2, 1): 30, date(2025, 3, 1): 60})
    s = trends.series(raw, trends.MEASURES["episodes"], "none", MONTHS, P).set_index("month")
    assert s.loc["2025-03-01", "rolling_3m"] == pytest.approx(40.0)
    assert len(s) == len(MONTHS)


def test_hidden_month_is_a_gap_and_blanks_every_figure_resting_on_it():
    raw = _raw({date(2024, 1, 1): 3, date(2024, 2, 1): 40, date(2024, 3, 1): 50, date(2024, 4, 1): 30,
                date(2025, 1, 1): 20})
    s = trends.series(raw, trends.MEASURES["episodes"], "none", MONTHS, P).set_index("month")
    assert math.isnan(s.loc["2024-01-01", "value"]) and s.loc["2024-01-01", "hidden"]
    assert math.isnan(s.loc["2024-03-01", "rolling_3m"])  # Jan is in its window
    assert s.loc["2024-04-01", "rolling_3m"] == pytest.approx(40.0)  # Feb, Mar, Apr
    assert math.isnan(s.loc["2025-01-01", "last_year"])  # January 2024 was hidden
    assert s.loc["2025-02-01", "last_year"] == 40
    out = trends.download_frame(s.reset_index(), trends.MEASURES["episodes"])
    assert out.loc[0, "Month"] == "January 2024" and out.loc[0, "Missing episodes"] == "c"
    assert "3" not in set(out["Missing episodes"])


def test_share_rolling_is_pooled_and_hidden_when_a_part_is():
    m = trends.MEASURES["rhi_72h"]
    raw = pd.DataFrame({
        "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]), "split_value": "All",
        "rhi_offered_72h": [10, 20, 30], "rhi_eligible": [20, 20, 40],
    })
    s = trends.series(raw, m, "none", MONTHS[-3:], P).set_index("month")
    assert s.loc["2025-03-01", "value"] == pytest.approx(0.75)
    assert s.loc["2025-03-01", "rolling_3m"] == pytest.approx(60 / 80)
    raw.loc[1, "rhi_offered_72h"] = 4
    s = trends.series(raw, m, "none", MONTHS[-3:], P).set_index("month")
    assert math.isnan(s.loc["2025-02-01", "value"]) and math.isnan(s.loc["2025-03-01", "rolling_3m"])


def test_split_queries_return_labelled_groups():
    eps = [{"person_key": f"p{i}", "is_looked_after": i % 2 == 0, "started_at": datetime(2025, 3, 1 + i)} for i in range(8)]
    rhis = [{"episode_key": "e1", "themes": ["CSE", "DRUGS"]}]
    con = mini_db(episodes=eps, rhis=rhis)
    params = Filters(date(2025, 3, 1)).params()
    la = queries.run(con, "trend_episodes", exact=True, **params, split="looked_after").set_index("split_value")["episodes"]
    assert la.to_dict() == {"Looked after": 4, "Not looked after": 4}
    theme = queries.run(con, "trend_episodes", exact=True, **params, split="theme").set_index("split_value")["episodes"]
    assert theme.to_dict() == {"CSE": 1, "DRUGS": 1, "No theme recorded": 7}
    src = queries.run(con, "trend_events", exact=True, **params, split="source")
    assert src.set_index("split_value")["events"].to_dict() == {"missing_from": 8}
    s = trends.series(theme.reset_index().assign(month=pd.Timestamp("2025-03-01")),
                      trends.MEASURES["episodes"], "theme", MONTHS[-1:], P)
    assert set(s["group"]) == {"CSE (sexual exploitation)", "Drugs", "No theme recorded"}
    con.close()


def test_season_profile_has_a_line_per_year():
    raw = _raw({m: 10 + m.month for m in MONTHS})
    s = trends.series(raw, trends.MEASURES["episodes"], "none", MONTHS, P)
    profile = trends.season_profile(s)
    assert set(profile["year"]) == {2024, 2025}
    assert profile.query("year == 2024 and month_of_year == 6")["value"].iloc[0] == 16
    fig = trends.season_figure(profile, trends.MEASURES["episodes"])
    assert [t.name for t in fig.data] == ["2024", "2025"]
