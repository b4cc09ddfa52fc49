"""Disclosure control: no count from 1 to the threshold is ever shown, and none can be worked out."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from settings_files import use_settings

from contextmap import disclosure as d

POLICY = d.Policy()
ROUNDING = d.Policy(round_small_areas=True)


def test_primary_suppression_hides_zero_to_five():
    # Zero too: a "c" known to be at least 1 lets a "c" total pin its "c" parts.
    assert [d.is_suppressed(n, POLICY) for n in (0, 1, 5, 6)] == [True, True, True, False]
    assert [d.fmt_count(n, POLICY) for n in (0, 1, 5, 6, 1234)] == ["c", "c", "c", "6", "1,234"]
    assert d.fmt_count(None, POLICY) == "—" and d.fmt_count(float("nan"), POLICY) == "—"
    assert not d.is_suppressed(None, POLICY) and not d.is_suppressed(np.nan, POLICY)


def test_threshold_comes_from_settings(tmp_path, monkeypatch):
    use_settings(tmp_path, monkeypatch, privacy__suppress_max=7, privacy__round_small_areas="true")
    policy = d.Policy.from_settings()
    assert policy == d.Policy(7, True, 5)
    assert d.fmt_count(7, policy) == "c" and d.fmt_count(8, policy) == "8"
    assert "0 to 7" in d.legend(policy) and "nearest 5" in d.legend(policy)
    # Part of every st.cache_data key, so it must hash.
    assert hash(policy) == hash(d.Policy(7, True, 5))


def test_rounding_applies_only_at_small_levels_and_never_into_the_suppressed_range():
    assert [d.fmt_count(n, ROUNDING, level="lsoa") for n in (0, 3, 6, 7, 12, 13, 1234)] == [
        "c", "c", "10", "10", "10", "15", "1,235",
    ]
    assert d.fmt_count(13, ROUNDING, level="ward") == "13"
    assert d.fmt_count(13, POLICY, level="lsoa") == "13"


def test_rates_hidden_when_a_part_is():
    assert d.protect_rate(3, 40, POLICY) is None
    assert d.protect_rate(30, 4, POLICY) is None
    assert d.protect_rate(0, 0, POLICY) is None
    assert d.protect_rate(None, 10, POLICY) is None
    assert d.protect_rate(0, 40, POLICY) is None
    assert d.protect_rate(30, 40, POLICY) == pytest.approx(0.75)


def test_frame_masks_rates_of_hidden_parts():
    df = pd.DataFrame({"area": ["A", "B"], "offered": [3, 30], "eligible": [10, 40], "share": [0.3, 0.75]})
    shown = d.protect_frame(df, ["offered", "eligible"], POLICY, rates={"share": ("offered", "eligible")})
    assert shown["offered"].tolist() == ["c", "30"]
    assert shown["share"].tolist() == ["c", "75%"]
    assert shown["area"].tolist() == ["A", "B"]


def test_secondary_suppression_within_a_row_picks_the_next_smallest():
    df = pd.DataFrame({"a": [3], "b": [40], "c": [9], "total": [52]})
    shown = d.protect_frame(df, ["a", "b", "c", "total"], POLICY, total_col="total")
    assert shown.iloc[0].tolist() == ["c", "40", "c", "52"]


def test_secondary_suppression_down_a_column_against_a_total_row():
    df = pd.DataFrame({"area": ["A", "B", "C", "All"], "events": [4, 12, 30, 46]}).set_index("area")
    shown = d.protect_frame(df, ["events"], POLICY, total_row="All")
    assert shown["events"].tolist() == ["c", "c", "30", "46"]


def test_two_tiny_hidden_parts_are_not_enough():
    # 1 + 1 with a shown total of 12 would pin both to 1: a third cell must go.
    df = pd.DataFrame({"a": [1], "b": [1], "c": [10], "total": [12]})
    shown = d.protect_frame(df, ["a", "b", "c", "total"], POLICY, total_col="total")
    assert shown.iloc[0].tolist() == ["c", "c", "c", "12"]


def test_hidden_total_with_all_parts_shown_is_not_left_recoverable():
    df = pd.DataFrame({"a": [2, 6], "b": [0, 9], "total": [2, 15]})
    shown = d.protect_frame(df, ["a", "b", "total"], POLICY, total_col="total")
    assert shown["total"].tolist() == ["c", "15"]
    assert shown["a"].tolist() == ["c", "6"]


def test_counts_for_charts_are_nan_not_zero_and_maps_say_suppressed():
    df = pd.DataFrame({"month": ["Jan", "Feb", "Mar"], "events": [0, 3, 20]})
    out = d.protect_counts(df, ["events"], POLICY, with_status=True)
    assert math.isnan(out["events"].iloc[0]) and math.isnan(out["events"].iloc[1]) and out["events"].iloc[2] == 20
    assert out["events_status"].tolist() == ["suppressed", "suppressed", "shown"]
    areas = d.map_values(pd.Series({"E01": 2, "E02": 0, "E03": 14, "E04": None}), POLICY)
    assert areas.loc["E01", "status"] == "suppressed" and areas.loc["E01", "label"] == "suppressed"
    assert math.isnan(areas.loc["E01", "value"])
    assert areas.loc["E02", "status"] == "suppressed" and areas.loc["E03", "label"] == "14"
    assert areas.loc["E04", "status"] == "no data"


def test_breakdowns_of_one_total_are_protected_together():
    total, shown = d.protect_breakdowns(
        40, {"sex": pd.Series({"F": 37, "M": 3}), "age": pd.Series({"10-13": 12, "14-15": 28})}, POLICY
    )
    assert total == "40"
    # 37 and 40 shown would give M = 3; so F goes too.
    assert shown["sex"].tolist() == ["c", "c"]
    assert shown["age"].tolist() == ["12", "28"]


def test_legend_explains_c():
    assert d.legend(POLICY).startswith("c = 0 to 5 (fewer than 6), suppressed to protect children's identities")


# --- property tests ----------------------------------------------------------------------

counts = st.one_of(st.integers(0, 0), st.integers(1, 5), st.integers(6, 15), st.integers(16, 400))


@st.composite
def tables(draw):
    rows = draw(st.integers(1, 6))
    cols = draw(st.integers(1, 5))
    data = np.array(draw(st.lists(st.lists(counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows)))
    df = pd.DataFrame(data, columns=[f"p{j}" for j in range(cols)], index=[f"r{i}" for i in range(rows)])
    with_col, with_row = draw(st.booleans()), draw(st.booleans())
    if with_col:
        df["total"] = df.sum(axis=1)
    if with_row:
        df.loc["all"] = df.sum(axis=0)
    return df, with_col, with_row


def _lines(df, with_col, with_row):
    rows = [r for r in df.index if r != "all"]
    parts = [c for c in df.columns if c != "total"]
    lines = []
    if with_col:
        lines += [([(r, c) for c in parts], (r, "total")) for r in df.index]
    if with_row:
        lines += [([(r, c) for r in rows], ("all", c)) for c in df.columns]
    return lines


@given(tables(), st.integers(3, 10))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_visible_count_is_in_the_suppressed_range(table, threshold):
    df, with_col, with_row = table
    policy = d.Policy(suppress_max=threshold)
    shown = d.protect_frame(df, list(df.columns), policy, total_col="total" if with_col else None,
                            total_row="all" if with_row else None)
    for col in df.columns:
        for raw, text in zip(df[col], shown[col]):
            if raw == 0:
                assert text == d.SUPPRESSED, "a zero was shown"
            elif text != d.SUPPRESSED:
                assert not 0 <= int(text.replace(",", "")) <= threshold
                assert int(text.replace(",", "")) == raw


@given(tables())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_hidden_cell_is_recovered_by_subtraction(table):
    df, with_col, with_row = table
    shown = d.protect_frame(df, list(df.columns), POLICY, total_col="total" if with_col else None,
                            total_row="all" if with_row else None)
    # Zeros shown as "c" identify nobody: the reader is granted them (the rule errs on the safe side).
    hidden = {(r, c) for r in df.index for c in df.columns if shown.at[r, c] == d.SUPPRESSED and df.at[r, c] > 0}
    for parts, total in _lines(df, with_col, with_row):
        in_line = [cell for cell in (*parts, total) if cell in hidden]
        assert len(in_line) != 1, f"{in_line[0]} = total minus the shown parts"
        hidden_parts = [cell for cell in parts if cell in hidden]
        if hidden_parts and total not in hidden:
            # The hidden parts' sum is known; each must still have room to move.
            slack = sum(df.at[cell] for cell in hidden_parts)
            assert slack - len(hidden_parts) >= POLICY.suppress_max


def test_counts_variant_hides_exactly_what_the_frame_hides():
    df = pd.DataFrame({"a": [3, 10, 0, 20], "b": [7, 2, 0, 9], "c": [12, 12, 4, 30]})
    df["total"] = df.sum(axis=1)
    df.loc["all"] = df.sum(axis=0)
    cols = list(df.columns)
    text = d.protect_frame(df, cols, POLICY, total_col="total", total_row="all")
    nums = d.protect_counts(df, cols, POLICY, total_col="total", total_row="all")
    assert ((text == d.SUPPRESSED) == nums[cols].isna()).all().all()


def test_nullable_integer_columns_from_duckdb_are_handled():
    df = pd.DataFrame({"events": pd.array([2, None, 7], dtype="Int64")})
    out = d.protect_counts(df, ["events"], POLICY, with_status=True)
    assert out["events"].dtype == float and out["events"].iloc[2] == 7
    assert out["events_status"].tolist() == ["suppressed", "no data", "shown"]
    assert d.protect_frame(df, ["events"], POLICY)["events"].tolist() == ["c", "—", "7"]
