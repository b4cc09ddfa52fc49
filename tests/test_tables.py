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
