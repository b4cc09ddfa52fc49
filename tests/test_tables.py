"""Display tables sort numerically and show exactly their text (contextmap.fmt.sortable)."""

import pandas as pd

from contextmap.fmt import HIDDEN_SORT_KEY, sortable


def _shown(styler) -> list[list[str]]:
    """What the grid shows: each cell's display text, as Streamlit reads it from the Styler."""
    translated = styler._translate(False, False)
    return [[cell["display_value"] for cell in row[1:]] for row in translated["body"]]


def test_counts_sort_as_numbers_with_c_between_0_and_6_and_show_the_same_text():
    table = pd.DataFrame({"Place": list("abcdefg"), "Events": ["10", "23", "c", "9", "0", "1,234", "—"],
                          "Change": ["+26%", "-3%", "—", "+0%", "c", "+100%", "-50%"]})
    styler = sortable(table)
    assert _shown(styler) == table.to_numpy().tolist()
    order = styler.data.sort_values("Events", na_position="last")["Events"].tolist()
    assert order[:6] == [0, HIDDEN_SORT_KEY, 9, 10, 23, 1234] and 0 < HIDDEN_SORT_KEY < 6
    assert styler.data["Change"].tolist()[:2] == [26, -3]


def test_every_c_sorts_the_same_so_sorting_reveals_nothing():
    styler = sortable(pd.DataFrame({"Events": ["c", "c", "7"]}))
    assert styler.data["Events"].tolist() == [HIDDEN_SORT_KEY, HIDDEN_SORT_KEY, 7]


def test_columns_that_are_not_numbers_stay_text():
    table = pd.DataFrame({"Where": ["Lindley ward", "c"], "Ratio": [">100×", "3.2×"], "Mixed": ["12", "new"]})
    out = sortable(table)
    assert isinstance(out, pd.DataFrame) and out.equals(table)


def test_floats_show_at_most_two_decimals_not_six():
    styler = sortable(pd.DataFrame({"Rate": [1.25, 3.5, None], "Ratio": [2.0, 3.0, 4.0]}))
    assert _shown(styler) == [["1.25", "2"], ["3.50", "3"], ["—", "4"]]


def grid_order(values, descending: bool = False) -> list[int]:
    """Row positions in the order Streamlit 1.67's grid sorts a number column ("smart" mode,
    DataFrame.js): a missing number becomes "", which compares equal to 0 and below every
    positive number; the sort is stable."""
    import functools

    def cell(v):
        return "" if v is None or pd.isna(v) else float(v)

    def compare(a, b):
        a, b = cell(a), cell(b)
        if isinstance(a, str) and isinstance(b, str):
            return 0
        x, y = (0.0 if isinstance(a, str) else a), (0.0 if isinstance(b, str) else b)
        c = 0 if x == y else 1 if x > y else -1
        return -c if descending else c

    values = list(values)
    return sorted(range(len(values)), key=functools.cmp_to_key(lambda i, j: compare(values[i], values[j])))


def test_sort_keys_sort_a_text_column_and_every_cell_shows_its_own_text():
    table = pd.DataFrame({"Score": ["9.0", "≥ 9.0", "c", "12.5", "—"], "Rank": pd.array([2, None, None, 1, None], "Int64")})
    styler = sortable(table, {"Score": [9.0, 9.0, None, 12.5, None], "Rank": [2, 6, 6, 1, 6]})
    assert _shown(styler) == [["9.0", "2"], ["≥ 9.0", "—"], ["c", "—"], ["12.5", "1"], ["—", "—"]]
    assert grid_order(styler.data["Score"], descending=True)[:3] == [3, 0, 1]
    assert grid_order(styler.data["Rank"]) == [3, 0, 1, 2, 4]


def test_an_empty_change_sorts_last_from_the_highest_not_among_rises_and_falls():
    table = pd.DataFrame({"Change": ["+26%", "—", "-3%", "+0%", "-50%", "—", "c"]})
    styler = sortable(table)
    assert _shown(styler) == [[t] for t in table["Change"]]
    order = [table["Change"][i] for i in grid_order(styler.data["Change"], descending=True)]
    assert order == ["+26%", "c", "+0%", "-3%", "-50%", "—", "—"]
