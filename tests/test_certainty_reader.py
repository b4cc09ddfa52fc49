"""The certainty attack's reader (``tests/certainty.py``) finds what a reader can work out."""

from __future__ import annotations

from contextmap import disclosure
from tests import certainty

POLICY = disclosure.Policy()


def test_reader_pins_hidden_months_in_every_block_and_sees_a_c_above_zero():
    reader = certainty.Reader(POLICY)
    # Place A: a quarter shown 17 over three "c" months: each is 5 exactly.
    for m in (1, 2, 3):
        reader.read(("A", m), [("A", m)], "c")
    reader.read(("A", "q"), [("A", m) for m in (1, 2, 3)], "17")
    # Place B: a quarter shown 13 over three "c" months: each is at least 1 (13 - 2 - 10).
    for m in (1, 2, 3):
        reader.read(("B", m), [("B", m)], "c")
    reader.read(("B", "q"), [("B", m) for m in (1, 2, 3)], "13")
    # Place C: a quarter shown 8 over three "c" months: any of them can be 0.
    for m in (1, 2, 3):
        reader.read(("C", m), [("C", m)], "c")
    reader.read(("C", "q"), [("C", m) for m in (1, 2, 3)], "8")
    assert reader.pinned() == {("A", m): 5 for m in (1, 2, 3)}
    assert reader.pinned(positive=True) == {**{("A", m): 5 for m in (1, 2, 3)}, **{("B", m): ">= 1" for m in (1, 2, 3)}}
