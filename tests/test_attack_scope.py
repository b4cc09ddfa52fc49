"""The attack suite across scopes (issue 22, part 3): in a force-wide build a council user
sees their council's own figures and a force user the force's, so subtracting one level
from the other is a route to a small group (the other councils' children in a locality,
one council's children named by the others' totals, the offences no council's view holds).

On the shipped force sample (data/sample_force), for the last six months, the whole
force, every locality and every single filter value: every such route, and the council users' own filter and
locality complements, must give the hidden count exactly no more often, and spread no
less, than the bounds tests/test_attack.py holds every other route to; so must a council's
meeting pack against the force's, over every month of the sample. The same routes with a
p-table of zeros give every small group back exactly, so the check can fail.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from dateutil.relativedelta import relativedelta

from contextmap import disclosure, queries, rri, trends
from contextmap.filters import AGE_BANDS, SEXES, SOURCES, Filters
from tests import attack
from tests.test_attack import _judge

POLICY = disclosure.Policy()
# Months attacked: cross-border small groups are rare in the sample, so half a year finds enough.
MONTHS = 6
# The pack's "Episodes that ended" rarely differs by a small group between levels: every month
# of the sample (three years) finds enough routes to judge (21).
PACK_MONTHS = 36
# The Trends page's counts, and the lines a council user can split them into.
TREND_MEASURES = ("episodes", "children", "offences", "events")
TREND_SPLITS = ("locality", "sex", "age_band", "looked_after")


def _bases(month, localities: list[str]):
    """The force-level views compared: all children, each locality, and each single value
    of each filter (a narrow view is where the difference between levels is small)."""
    yield from (Filters(month, locality=loc) for loc in ["All", *localities])
    for dim, values in {"sexes": tuple(SEXES), "age_bands": AGE_BANDS, "sources": tuple(SOURCES)}.items():
        yield from (Filters(month, **{dim: (v,)}) for v in values)
    yield from (Filters(month, looked_after=la) for la in ("Looked after", "Not looked after"))


def _routes(con, policy: disclosure.Policy, months: int) -> list[attack.Route]:
    views = attack.Views(con, policy)
    last = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    councils = [c for (c,) in con.execute("select distinct owner_code from mart_episode_cells order by 1").fetchall()]
    localities = [r[0] for r in con.execute("select locality from geo_locality order by 1").fetchall()]
    routes = []
    for k in range(months):
        month = last - relativedelta(months=k)
        for base in _bases(month, localities):
            routes += attack.scope_routes(views, base, councils)
        for c in councils:
            own = Filters(month, scope=c)
            routes += attack.filter_routes(views, own) + attack.locality_routes(views, own, localities)
    return routes


def _page_routes(con, policy: disclosure.Policy, months: int) -> list[attack.Route]:
    """Trends (a year of months, each count by month and by locality), Return home
    interviews ("Episodes ended" by locality and looked-after status, each month): the
    force's cells minus councils' ("scope"), and each council's totals minus its own lines
    ("split")."""
    views = attack.Views(con, policy)
    last = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    councils = [c for (c,) in con.execute("select distinct owner_code from mart_episode_cells order by 1").fetchall()]
    routes = []
    for base in (replace(b, period="12m") for b in _bases(last, [])):
        for key in TREND_MEASURES:
            for split in ("none", "locality"):
                parts = {c: views.trend(replace(base, scope=c), key, split) for c in councils}
                routes += attack.level_routes(views.trend(base, key, split), parts, "trends", policy)
    for c in councils:
        own = Filters(last, period="12m", scope=c)
        for key in TREND_MEASURES:
            totals = {month: v for (month, _), v in views.trend(own, key, "none").items()}
            for split in (s for s in TREND_SPLITS if s in trends.MEASURES[key].splits):
                routes += attack.parts_routes(totals, views.trend(own, key, split), "trends", policy)
    for k in range(months):
        base = Filters(last - relativedelta(months=k))
        for dim in ("locality", "looked_after"):
            parts = {c: views.rhi_rows(replace(base, scope=c), dim) for c in councils}
            routes += attack.level_routes(views.rhi_rows(base, dim), parts, "rhi", policy)
        for c in councils:
            own = replace(base, scope=c)
            routes += attack.parts_routes({"total": views.rhi_ended(own)}, views.rhi_rows(own, "locality"), "rhi", policy)
    return routes


def _pack_routes(con, policy: disclosure.Policy, months: int) -> list[attack.Route]:
    """The meeting pack's one figure on no page, "Episodes that ended" (the RHI total), for
    the views a pack is made of (each month, the whole area, every locality and every single
    filter value): the force's pack minus councils' packs. Every other figure of a council's
    pack is on its Overview, Trends or Return home interviews page (tests/test_scope_pack.py)."""
    views = attack.Views(con, policy)
    last = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    councils = [c for (c,) in con.execute("select distinct owner_code from mart_episode_cells order by 1").fetchall()]
    localities = [r[0] for r in con.execute("select locality from geo_locality order by 1").fetchall()]
    routes = []
    for k in range(months):
        for view in _bases(last - relativedelta(months=k), localities):
            parts = {c: {"total": views.rhi_ended(replace(view, scope=c))} for c in councils}
            routes += attack.level_routes({"total": views.rhi_ended(view)}, parts, "pack", policy)
    return routes


def _rri_routes(con, policy: disclosure.Policy, months: int) -> list[attack.Route]:
    """Disproportionality (each month and the last 12 months; every dimension, measure and
    kind): the force's group counts minus councils' ("scope"), and each council's total of
    one table (its groups added up, when none is hidden) minus the groups of another but
    one ("split": every table of a measure and kind counts the same items)."""
    views = attack.Views(con, policy)
    last = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    councils = [c for (c,) in con.execute("select distinct owner_code from mart_episode_cells order by 1").fetchall()]
    bases = [Filters(last - relativedelta(months=k)) for k in range(months)] + [Filters(last, period="12m")]
    routes = []
    for base in bases:
        for measure in ("missing", "offences"):
            for kind in ("events", "children"):
                for dim in rri.DIMENSIONS:
                    parts = {c: views.rri(replace(base, scope=c), dim, measure, kind) for c in councils}
                    routes += attack.level_routes(views.rri(base, dim, measure, kind), parts, "disproportionality",
                                                  policy)
                # Looked-after status is of the episode: a child can be in both of its groups.
                dims = list(rri.DIMENSIONS) if kind == "events" else ["ethnic_group", "sex"]
                for c in councils:
                    own = replace(base, scope=c)
                    for whole_dim in dims:
                        rows = views.rri(own, whole_dim, measure, kind)
                        if any(v is None for v, _ in rows.values()):
                            continue
                        total = {"total": (sum(v for v, _ in rows.values()), sum(t for _, t in rows.values()))}
                        for dim in (d for d in dims if d != whole_dim):
                            routes += attack.parts_routes(total, views.rri(own, dim, measure, kind),
                                                          "disproportionality", policy)
    return routes


@pytest.fixture(scope="module")
def con(force_con):
    return force_con


@pytest.fixture(scope="module")
def routes(con):
    return _routes(con, POLICY, months=MONTHS)


def test_council_views_against_the_force_view_do_not_give_back_small_groups(routes):
    _judge([r for r in routes if r.kind == "scope"], at_least=10)


def test_a_council_users_own_complements_are_protected(routes):
    _judge([r for r in routes if r.kind != "scope"], at_least=10)


@pytest.fixture(scope="module")
def page_routes(con):
    return _page_routes(con, POLICY, months=MONTHS)


def test_trends_and_rhi_across_scopes_do_not_give_back_small_groups(page_routes):
    _judge([r for r in page_routes if r.kind == "scope"], at_least=10)


def test_a_council_users_own_trend_and_rhi_lines_are_protected(page_routes):
    _judge([r for r in page_routes if r.kind == "split"], at_least=10)


@pytest.fixture(scope="module")
def pack_routes(con):
    return _pack_routes(con, POLICY, months=PACK_MONTHS)


def test_a_council_pack_against_the_force_pack_does_not_give_back_small_groups(pack_routes):
    _judge(pack_routes, at_least=10)


@pytest.fixture(scope="module")
def rri_routes(con):
    return _rri_routes(con, POLICY, months=MONTHS)


def test_disproportionality_across_scopes_does_not_give_back_small_groups(rri_routes):
    _judge([r for r in rri_routes if r.kind == "scope"], at_least=10)


def test_a_council_users_own_disproportionality_tables_are_protected(rri_routes):
    _judge([r for r in rri_routes if r.kind == "split"], at_least=10)


@pytest.fixture(scope="module")
def unprotected(tmp_path_factory) -> disclosure.Policy:
    """The policy with a p-table of zeros: nothing is perturbed, so every route gives its small group back."""
    zeros = tmp_path_factory.mktemp("ptable") / "ptable.csv"
    zeros.write_text("pcv,ckey,pvalue\n" + "".join(f"{p},{k},0\n" for p in range(1, 751) for k in range(256)))
    return disclosure.Policy(suppress_max=POLICY.suppress_max, ptable_path=str(zeros))


@pytest.mark.parametrize("make, kinds, months", [(_routes, {"scope"}, MONTHS), (_page_routes, None, MONTHS),
                                                 (_rri_routes, None, MONTHS), (_pack_routes, None, PACK_MONTHS)],
                         ids=["overview", "trends_rhi", "disproportionality", "pack"])
def test_the_attack_catches_a_build_without_perturbation(con, unprotected, make, kinds, months):
    found = [r for r in make(con, unprotected, months=months) if kinds is None or r.kind in kinds]
    assert len(found) >= 10 and all(r.error == 0 for r in found)
    with pytest.raises(AssertionError, match="give the hidden count exactly"):
        _judge(found, at_least=10)


def _rates_not_from_shown(con, months: int) -> tuple[int, list]:
    """Every rate and ratio on the Disproportionality page (force and each council, each month
    and 12 months, every dimension, measure and kind), checked against the one made from the
    count shown beside it: how many were checked, and those that differ."""
    last = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    councils = [c for (c,) in con.execute("select distinct owner_code from mart_episode_cells order by 1").fetchall()]
    checked, wrong = 0, []
    for base in [Filters(last - relativedelta(months=k)) for k in range(months)] + [Filters(last, period="12m")]:
        for scope in (queries.WHOLE, *councils):
            f = replace(base, scope=scope)
            for dim in rri.DIMENSIONS:
                counts = queries.run(con, "rri_counts", **f.params(), dimension=dim)
                for measure in ("missing", "offences"):
                    for kind in ("events", "children"):
                        shown, _ = rri.protected_table(counts[counts["measure"] == measure], dim, kind, POLICY,
                                                       None if scope == queries.WHOLE else scope)
                        rows = [(attack._number(r["Count"]), float(r["Children aged 10–17"].replace(",", "")), r)
                                for _, r in shown.iterrows() if r["Rate per 1,000"]]
                        ref = next(((n, c) for n, c, r in rows if r["Reading"].startswith("Reference")), None)
                        for n, c, r in rows:
                            checked += 1
                            if r["Rate per 1,000"] != f"{1000 * n / c:,.1f}":
                                wrong.append((f, dim, measure, kind, r.to_dict()))
                            if r["RRI"] and ref and r["RRI"] != f"{(n / c) / (ref[0] / ref[1]):.2f}":
                                wrong.append((f, dim, measure, kind, r.to_dict()))
    return checked, wrong


def test_rates_and_ratios_tell_no_more_than_the_counts_shown(con, force_settings):
    """Each scope's counts are divided by its own children aged 10–17 (a council's own, the
    five councils' for the force), public figures: so the rates and ratios, made from the
    counts as shown (perturbed, and none where a count is hidden), give no route to a small
    group beyond the counts' own, which the tests above hold to the bounds."""
    checked, wrong = _rates_not_from_shown(con, months=MONTHS)
    assert checked >= 500 and not wrong, (checked, wrong[:3])
