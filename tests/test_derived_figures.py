"""Figures worked out from counts (rates, ratios, expected values, test statistics) give
back no true count: a query computes them from true counts, so a page shows them only when
it has recomputed them from the shown (perturbed) counts, or as a coarse class.

Found by reading every page as an attacker: Postcodes' ratio to expected, the Map's funnel
line (the district's true total), its Gi* z (ward counts back from public neighbours), a
place's near-repeat expectation (its all-time number of incidents) and the emerging ratio.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from contextmap import disclosure, emerging_view, map_view, profile_view, queries, settings
from contextmap.filters import Filters
from tests.query_params import QUERIES, variants

POLICY = disclosure.Policy()

# Every non-count number a query returns, and what a page does with it. A new one fails
# here until someone has read it as an attacker would and said why it is safe.
REVIEWED = {
    "area_hotspots": {"expected", "gi_p", "gi_q", "gi_z", "poisson_p", "poisson_q", "rate_per_1000", "ratio"},  # class only
    "area_profile_groups": {"events"},  # a sum with its cell key
    "disruption_actions": {"buffer_ci_high", "buffer_ci_low", "buffer_rate_ratio", "ci_high", "ci_low",
                           "control_pct_change", "effect_pct", "p_value", "rate_ratio", "target_pct_change", "wdq"},
    "disruption_sources": {"ci_high", "ci_low", "rate_ratio"},
    "emerging_hotspots": {"q_value"},  # the mart's rates and ratio are of true counts: not returned
    "funnel": {"district_rate_per_1000", "expected", "lower_95", "lower_998", "rate_per_1000", "upper_95", "upper_998"},
    "group_network_edges": {"weight"},  # not drawn as a number
    "group_places": {"lat", "lon"},
    "group_profile": {"link_weight", "looked_after_share"},  # not shown
    "group_table": {"link_weight", "looked_after_share"},  # not shown
    "map_heat": {"lat", "lon"},
    "map_postcode_centres": {"lat", "lon"},
    "near_repeat": {"expected", "p_value", "ratio"},  # a place's own expected and ratio are not shown
    "overview_emerging": {"q_value"},  # q orders the flagged units; the ratio is of the shown counts
    "overview_episodes": {"median_hours_to_offer"},  # a time, shown only over enough episodes
    "place_profile": {"lat", "lon"},
    "place_ranking": {"lat", "lon", "poisson_q"},  # the hotspot flag only
    "postcode_hotspots": {"children_10_17", "expected", "poisson_p", "poisson_q", "rate_per_1000", "ratio"},
    "rhi_breakdown": {"median_hours_to_offer"},
    "rhi_monthly": {"median_hours_to_offer"},
    "top_places": {"lat", "lon"},
}


@pytest.mark.parametrize("name", QUERIES)
def test_every_derived_number_a_query_returns_has_been_reviewed(sample_con, name):
    found = set()
    for params in variants(sample_con, name):
        frame = queries.run(sample_con, name, exact=True, **params)
        found |= {c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])}
    assert found <= REVIEWED.get(name, set()), f"sql/queries/{name}.sql: review {sorted(found - REVIEWED.get(name, set()))}"


@pytest.fixture
def last(sample_con) -> date:
    return pd.Timestamp(queries.run(sample_con, "month_range")["last_month"].iloc[0]).date()


@pytest.mark.parametrize("level", ["ward", "lsoa"])
def test_the_funnels_whole_area_line_is_the_shown_areas_rate(sample_con, last, level):
    quarter = Filters(month=last, period="quarter", data_end=last)
    funnel = queries.run(sample_con, "funnel", **quarter.params(), level=level)
    fig = map_view.funnel_figure(funnel, POLICY, level)
    dots = [t for t in fig.data if t.mode == "markers"]
    x = np.concatenate([np.asarray(t.x, dtype=float) for t in dots])
    y = np.concatenate([np.asarray(t.y, dtype=float) for t in dots])
    line = [s.y0 for s in fig.layout.shapes if s.type == "line"][0]
    # The dots are the shown counts over public populations; the line is their total rate.
    assert line == pytest.approx((x * y).sum() / x.sum())
    true = queries.run(sample_con, "funnel", exact=True, **quarter.params(), level=level)
    assert line != pytest.approx(float(true["district_rate_per_1000"].iloc[0]), abs=1e-9)


def test_the_gi_class_is_shown_without_its_statistics(sample_con, last):
    quarter = Filters(month=last, period="quarter", data_end=last)
    data = map_view.map_data(queries.bind(sample_con), quarter, POLICY, "ward", "gi", settings.current().hotspots.place_weights)
    lines = [line for area in data.values["lines"] for line in area]
    assert set(data.classes["gi_class"]) & set(lines), "each area's class is named in its tooltip"
    assert not any("z =" in line or "q =" in line for line in lines)


def test_the_emerging_ratio_is_of_the_shown_counts(sample_con, last):
    query = queries.bind(sample_con)
    raw = queries.run(sample_con, "overview_emerging", month_to=last, locality="All")
    rows = emerging_view.add_baselines(query, emerging_view.guard_windows(query, raw, last, "All", POLICY), last,
                                       "All", POLICY)
    shown = ~rows["recent_events"].map(lambda n: disclosure.is_suppressed(n, POLICY)).astype(bool)
    assert shown.any() and len(rows)
    ours = [emerging_view.shown_ratio(row, POLICY, row["level"]) for _, row in rows.iterrows()]
    assert [r is None for r in ours] == (~shown).tolist()
    # The window's shown count per month against the baseline's quarters as shown, "c" as 0 to 5.
    rows = rows[shown]
    recent = rows["recent_events"] / rows["recent_months"]
    most = (rows["baseline_shown"] + POLICY.suppress_max * rows["baseline_hidden"]) / rows["baseline_months"]
    assert [r[0] for r in ours if r is not None] == pytest.approx((recent / most).tolist())
    # The mart's ratio, of true counts, differs somewhere: else this test could not tell them apart.
    true = sample_con.execute("select unit_code, level, rate_ratio from mart_emerging_hotspots where month_to = ? "
                              "and is_emerging", [last]).df().set_index(["level", "unit_code"])["rate_ratio"]
    assert not np.allclose(recent / most, true.loc[list(zip(rows["level"], rows["unit_code"]))].to_numpy())


def test_flagged_emerging_units_are_ordered_by_what_is_shown(sample_con):
    query = queries.bind(sample_con)
    rows = emerging_view.flagged(query, date(2026, 9, 1), "All", POLICY, top=1000)  # a whole quarter
    assert len(rows) > 1
    keys = list(zip(rows["q_value"], -rows["recent_events"], rows["unit_code"]))
    assert keys == sorted(keys)


def test_a_places_near_repeat_table_does_not_give_back_its_number_of_incidents(sample_con):
    place = sample_con.execute("select place_id from mart_near_repeat where place_id <> 'All places' "
                               "order by observed desc limit 1").fetchone()[0]
    rows = pd.concat([queries.run(sample_con, "near_repeat", place_id=p) for p in (place, "All places")])
    table = profile_view.near_repeat_table(rows, place, POLICY)
    assert len(table) and list(table.columns) == ["Days apart", "Pairs", "p value", "Ratio, all places"]
