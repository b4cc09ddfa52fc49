"""Cell-key perturbation (contextmap/cellkey.py): the p-table, agreement with ONS's own
implementation, and that every count a dashboard query returns carries a cell key."""

from __future__ import annotations

import ast
import re

import numpy as np
import pandas as pd
import pytest

from contextmap import cellkey, disclosure, queries, sqlfiles
from contextmap.settings import ROOT
from tests.query_params import QUERIES, variants

POLICY = disclosure.Policy.from_settings()
TABLE = POLICY.ptable()
# Whole-number columns that are not counts of children's records: ids, ranks, window
# lengths, month offsets and the ONS population estimates the rates divide by.
NOT_COUNTS = re.compile(r"(_id|_rank|^rank|months|^quarters_ago|^month_offset|^children_10_17|^t|^days_from|^days_to"
                       r"|^permutations)$")
DECLARED = re.compile(r"^-- not perturbed: (.+)$", re.MULTILINE)


def declared(name: str) -> set[str]:
    """Columns a query file declares as deliberately not perturbed (with its reason)."""
    text = sqlfiles.read(f"queries/{name}.sql")
    cols = set()
    for line in DECLARED.findall(text):
        cols |= {c.strip() for c in line.split("(")[0].split(",") if c.strip()}
    return cols


def test_zero_and_the_suppressed_range_are_never_perturbed():
    assert (TABLE[: POLICY.suppress_max + 1] == 0).all()


def test_a_shown_count_never_moves_into_the_suppressed_range_nor_by_more_than_two():
    counts = np.arange(cellkey.MAX_PCV + 1)[:, None]
    shown = (counts + TABLE)[POLICY.suppress_max + 1:]
    assert (shown > POLICY.suppress_max).all()
    assert np.abs(TABLE).max() == cellkey.MAX_PERTURBATION


def test_away_from_the_floor_the_noise_has_mean_zero_and_the_documented_spread():
    rows = TABLE[POLICY.suppress_max + 3:]
    assert rows.mean(axis=1) == pytest.approx(0)
    assert rows.var(axis=1) == pytest.approx(sum(k * k * v for k, v in cellkey.SPREAD.items()) / 256)
    # Each row is its own shuffle: knowing one count's noise says nothing of another's.
    assert len({r.tobytes() for r in rows}) > 0.99 * len(rows)


def test_large_counts_reuse_rows_501_to_750_as_onss_package_does():
    assert cellkey.pcv(np.array([750, 751, 1000, 1001])).tolist() == [750, 501, 750, 501]


def test_same_records_same_value_whatever_their_order_or_route():
    keys = np.random.default_rng(1).integers(0, 256, size=40)
    assert cellkey.perturb([40], [keys.sum()], TABLE) == cellkey.perturb([40], [keys[::-1].sum() + 256 * 7], TABLE)


def test_agrees_with_onss_cell_key_perturbation_package_on_the_same_microdata():
    from cell_key_perturbation import create_perturbed_table as ons
    rng = np.random.default_rng(7)
    n = 20_000
    micro = pd.DataFrame({
        "area": rng.choice([f"A{i}" for i in range(40)], n),
        "sex": rng.choice(["F", "M", "X"], n, p=[0.48, 0.48, 0.04]),
        "band": rng.choice(["10-13", "14-15", "16-17"], n),
        "record_key": rng.integers(0, 256, n),
    })
    ptable = pd.DataFrame([(pcv, k, int(TABLE[pcv, k])) for pcv in range(1, cellkey.MAX_PCV + 1) for k in range(256)],
                          columns=["pcv", "ckey", "pvalue"])
    theirs = ons.create_perturbed_table(micro, ptable, ["area"], ["sex", "band"], "record_key", threshold=0)
    grouped = micro.groupby(["area", "sex", "band"]).agg(n=("record_key", "size"), n_ckey=("record_key", "sum"))
    ours = cellkey.perturb_frame(grouped.reset_index(), TABLE)
    merged = theirs.merge(ours, on=["area", "sex", "band"])
    assert len(merged) == len(ours) > 300
    assert (merged["count"].astype(int) == merged["n"]).all()
    assert (merged["pre_sdc_count"] != merged["n"]).mean() > 0.5


def test_perturb_frame_drops_every_cell_key_and_keeps_integer_types():
    frame = pd.DataFrame({"events": [0, 3, 40], "events_ckey": [0, 17, 5000], "name": ["a", "b", "c"]})
    out = cellkey.perturb_frame(frame, TABLE)
    assert list(out.columns) == ["events", "name"]
    assert out["events"].tolist()[:2] == [0, 3] and abs(out["events"].iloc[2] - 40) <= 2
    assert pd.api.types.is_integer_dtype(out["events"])


def test_a_count_column_without_its_cell_key_partner_is_an_error():
    with pytest.raises(KeyError, match="no count column"):
        cellkey.perturb_frame(pd.DataFrame({"x_ckey": [1]}), TABLE)


@pytest.mark.parametrize("name", QUERIES)
def test_every_count_a_query_returns_has_a_cell_key_or_a_stated_reason(sample_con, name):
    """A count of children's records without a cell key would be shown exactly, and its
    difference with another view would give away a hidden count."""
    allowed = declared(name)
    checked, keyed = 0, set()
    for params in variants(sample_con, name):
        frame = queries.run(sample_con, name, exact=True, **params)
        keys = {c[: -len(cellkey.SUFFIX)] for c in queries._execute(sample_con, name, params).columns
                if c.endswith(cellkey.SUFFIX)}
        keyed |= keys
        for col in frame.columns:
            values = frame[col].dropna()
            is_count = pd.api.types.is_integer_dtype(frame[col]) or (
                len(values) and values.map(lambda v: isinstance(v, list | np.ndarray) and len(v) > 0
                                           and np.issubdtype(np.asarray(v).dtype, np.integer)).all())
            if not is_count or NOT_COUNTS.search(col) or col in allowed:
                continue
            assert col in keys, f"sql/queries/{name}.sql returns the count {col} without {col}_ckey"
            checked += 1
    # A query with cell keys must have had its counts checked here (the loop is not empty).
    assert bool(checked) == bool(keyed)


def test_declared_columns_exist():
    for name in QUERIES:
        text = sqlfiles.read(f"queries/{name}.sql")
        for col in declared(name):
            assert re.search(rf"\b{col}\b", text.split("\n", 1)[1] if text.startswith("--") else text), (name, col)


def test_no_page_or_library_module_asks_for_exact_counts():
    asked = [path.relative_to(ROOT) for path in
             [*(ROOT / "contextmap").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py"]
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.keyword) and node.arg == "exact"
             and not (isinstance(node.value, ast.Constant) and node.value.value is False)]
    assert not asked, f"these modules ask queries.run for exact counts: {asked}"


def _ptable_csv(path, value=lambda pcv, k: 0, skip=()):
    rows = [f"{p},{k},{value(p, k)}" for p in range(1, cellkey.MAX_PCV + 1) for k in range(256) if (p, k) not in skip]
    path.write_text("pcv,ckey,pvalue\n" + "\n".join(rows) + "\n")
    return path


def test_a_data_controllers_own_ptable_is_used_when_it_is_safe(tmp_path):
    path = _ptable_csv(tmp_path / "own.csv", lambda p, k: 1 if p > 5 else 0)
    policy = disclosure.Policy(ptable_path=str(path))
    assert cellkey.perturb([0, 3, 40], [0, 9, 99], policy.ptable()).tolist() == [0, 3, 41]


@pytest.mark.parametrize("bad, message", [
    (dict(value=lambda p, k: -2 if p == 6 else 0), "moves a shown count into the suppressed range"),
    (dict(value=lambda p, k: 1 if p == 3 else 0), "must not perturb counts"),
    (dict(skip={(9, 17)}), "must have a row for every pcv"),
])
def test_an_unsafe_or_incomplete_ptable_is_refused_in_words(tmp_path, bad, message):
    with pytest.raises(ValueError, match=message):
        cellkey.read_ptable(_ptable_csv(tmp_path / "bad.csv", **bad), 5)


def test_a_part_shown_above_its_whole_reads_as_the_whole():
    """Perturbation moves a part and its whole independently (10 looked-after episodes of 10
    may show as 11 of 9): shares stop at 100% and the rise/fall test still runs."""
    from contextmap import narrative

    assert disclosure.protect_share(11, 9, POLICY) == 1.0
    assert narrative.compare_shares(11, 9, 20, 40, POLICY).kind in ("rise", "same")


@pytest.mark.parametrize("name", QUERIES)
def test_no_record_key_or_cell_key_reaches_a_page(sample_con, name):
    """Record keys are secret and cell keys would undo the perturbation: what a page gets
    from queries.run holds neither."""
    for params in variants(sample_con, name):
        shown = queries.run(sample_con, name, **params)
        assert not [c for c in shown.columns if c.endswith(("_rkey", cellkey.SUFFIX))]
