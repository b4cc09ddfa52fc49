"""The Overview's headline figures agree with a recomputation in plain Python over the input
files (``tests/recompute.py``), for the month the dashboard opens on and for the April-March
year holding it, on the shipped sample and on a second data set generated with another seed.

The second data set is made more like real exports: the lines of one offence (one per
person) sometimes carry different offence types, and an offence must still count once.

The figures are taken from ``pack_collect.collect``, the function the Overview page and the meeting
pack both use: once with exact counts (they must equal the recomputation), and once as a
user sees them (each shown count within the cell-key perturbation's ±2 of the truth).
"""

from __future__ import annotations

import csv
import os
import secrets
import subprocess
import sys

import duckdb
import pytest

from contextmap import cellkey, disclosure, pack_collect, queries
from contextmap.coverage import Coverage
from contextmap.filters import Filters
from contextmap.settings import ROOT
from tests.recompute import Inputs, period_window

POLICY = disclosure.Policy.from_settings()
COUNTS = ("episodes", "children", "repeat_children", "offences", "serious_violence", "weapon_offences")
SHARES = ("looked_after_share", "rhi_72h_share", "rhi_completed_share")


def _exact(con, name, **params):
    return queries.run(con, name, exact=True, **params)


def _vary_offence_types(folder) -> int:
    """Give the later lines of every third offence with several people another offence type; return how many."""
    path = folder / "offences.csv"
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    types = sorted({r["offence_type"] for r in rows})
    lines: dict[str, list[dict]] = {}
    for row in rows:
        if row["person_id"].strip():
            lines.setdefault(row["offence_id"], []).append(row)
    shared = [group for group in lines.values() if len(group) > 1][::3]
    for group in shared:
        for row in group[1:]:
            row["offence_type"] = types[(types.index(row["offence_type"]) + 1) % len(types)]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, reader.fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return len(shared)


@pytest.fixture(scope="module", params=["sample", "seed-11"])
def dataset(request, tmp_path_factory):
    """(input folder, a read-only connection to its real build)."""
    if request.param == "sample":
        folder, db = ROOT / "data" / "sample", request.getfixturevalue("sample_db")
    else:
        folder = tmp_path_factory.mktemp("seed-11")
        subprocess.run([sys.executable, "-m", "pipelines", "sample", "--seed", "11", "--out", str(folder)],
                       cwd=ROOT, check=True, capture_output=True)
        assert _vary_offence_types(folder) > 50
        db = folder.parent / "seed-11.duckdb"
        from pipelines.build import build_file

        saved = os.environ.get("CONTEXTMAP_PSEUDONYM_KEY")
        os.environ["CONTEXTMAP_PSEUDONYM_KEY"] = secrets.token_hex(32)
        try:
            build_file(db, [folder], progress=lambda *_: None)
        finally:
            if saved is None:
                os.environ.pop("CONTEXTMAP_PSEUDONYM_KEY", None)
            else:
                os.environ["CONTEXTMAP_PSEUDONYM_KEY"] = saved
    con = duckdb.connect(str(db), read_only=True)
    yield Inputs.read(folder), con
    con.close()


def _overview(con, f: Filters, exact: bool) -> dict:
    query = queries.bind(con, _exact) if exact else queries.bind(con)
    ov = pack_collect.collect(query, f, POLICY, "Kirklees")
    return {fig.measure.key: fig for fig in ov.figures}


def test_the_dashboard_opens_on_the_month_the_rule_gives(dataset):
    inputs, con = dataset
    assert Coverage.from_frame(queries.run(con, "coverage")).opening_month() == inputs.opening_month()


@pytest.mark.parametrize("period", ["month", "year"])
def test_headline_figures_equal_the_recomputation(dataset, period):
    inputs, con = dataset
    f = Filters(inputs.opening_month(), period=period)
    want = inputs.headline(*period_window(inputs.opening_month(), period))
    assert want["episodes"] > 100 and want["offences"] > 50, "a real check needs real numbers"
    got = _overview(con, f, exact=True)
    differ = {k: (got[k].raw, want[k]) for k in COUNTS if got[k].raw != want[k]}
    differ |= {k: (got[k].raw, round(want[k], 6)) for k in SHARES if abs(got[k].raw - want[k]) > 1e-9}
    assert not differ, f"{f.month_from:%Y-%m} to {f.month_to:%Y-%m}: (overview, recomputed) {differ}"


@pytest.mark.parametrize("period", ["month", "year"])
def test_shown_counts_are_within_the_perturbation_of_the_truth(dataset, period):
    inputs, con = dataset
    f = Filters(inputs.opening_month(), period=period)
    want = inputs.headline(*period_window(inputs.opening_month(), period))
    shown = _overview(con, f, exact=False)
    for key in COUNTS:
        value = int(shown[key].value.replace(",", ""))
        assert abs(value - want[key]) <= cellkey.MAX_PERTURBATION, (key, value, want[key])
