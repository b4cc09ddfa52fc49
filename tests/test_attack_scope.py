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

import pandas as pd
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
# The Map has a cell per ward and LSOA and three periods: three months give hundreds of routes.
MAP_MONTHS = 3
# Postcodes: every unit, source and level of three months already gives hundreds of routes.
POSTCODE_MONTHS = 3


def _build(con) -> tuple:
    """The force build's last month, its councils (data owners of episodes) and localities."""
    last = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    councils = [c for (c,) in con.execute("select distinct owner_code from mart_episode_cells order by 1").fetchall()]
    localities = [r[0] for r in con.execute("select locality from geo_locality order by 1").fetchall()]
    return last, councils, localities


def _bases(month, localities: list[str]):
    """The force-level views compared: all children, each locality, and each single value
    of each filter (a narrow view is where the difference between levels is small)."""
    yield from (Filters(month, locality=loc) for loc in ["All", *localities])
    for dim, values in {"sexes": tuple(SEXES), "age_bands": AGE_BANDS, "sources": tuple(SOURCES)}.items():
        yield from (Filters(month, **{dim: (v,)}) for v in values)
    yield from (Filters(month, looked_after=la) for la in ("Looked after", "Not looked after"))


def _routes(con, policy: disclosure.Policy, months: int) -> list[attack.Route]:
    views = attack.Views(con, policy)
    last, councils, localities = _build(con)
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
    last, councils, _ = _build(con)
    routes = []
    for base in (replace(b, period="year", data_end=last) for b in _bases(last, [])):
        for key in TREND_MEASURES:
            for split in ("none", "locality"):
                parts = {c: views.trend(replace(base, scope=c), key, split) for c in councils}
                routes += attack.level_routes(views.trend(base, key, split), parts, "trends", policy)
    for c in councils:
        own = Filters(last, period="year", data_end=last, scope=c)
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
    last, councils, localities = _build(con)
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
    last, councils, _ = _build(con)
    bases = [Filters(last - relativedelta(months=k)) for k in range(months)] + [Filters(last, period="year", data_end=last)]
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


def _map_routes(con, policy: disclosure.Policy, months: int) -> list[attack.Route]:
    """Map (events per ward and per LSOA, each month): the force's areas minus councils'
    ("scope": an area a council does not see is 0 to it, as an attacker would read it), and
    each council's own complements: an area's count minus its counts for every value of a
    filter but one ("split"), and a ward minus its LSOAs ("hierarchy")."""
    views = attack.Views(con, policy)
    last, councils, _ = _build(con)
    lsoa_ward = con.execute("select lsoa_code as code, ward_code as ward from geo_lsoa").df()

    def cells(f: Filters, level: str) -> dict:
        areas = views.areas(f, level)
        return {code: (None if pd.isna(s) else float(s), int(t))
                for code, s, t in zip(areas["code"], areas["shown"], areas["truth"])}

    routes = []
    for k in range(months):
        month = last - relativedelta(months=k)
        # Every period the sidebar offers: a month alone holds too few small differences to judge.
        for base in (replace(b, period=p) for b in _bases(month, []) for p in ("month", "quarter", "year")):
            for level in ("ward", "lsoa"):
                parts = {c: cells(replace(base, scope=c), level) for c in councils}
                routes += attack.level_routes(cells(base, level), parts, "map", policy)
        for c in councils:
            own = Filters(month, scope=c)
            lsoas = views.areas(own, "lsoa").merge(lsoa_ward, on="code")
            routes += attack._nested(views.areas(own, "ward"), lsoas, "ward", "hierarchy", "map", policy)
            for level in ("ward", "lsoa"):
                total = cells(own, level)
                for dim, values in {"sexes": tuple(SEXES), "age_bands": AGE_BANDS, "sources": tuple(SOURCES)}.items():
                    lines = {v: cells(replace(own, **{dim: (v,)}), level) for v in values}
                    for code, whole in total.items():
                        routes += attack.parts_routes({code: whole}, {v: lines[v][code] for v in values}, "map", policy)
    return routes


def _postcode_routes(con, policy: disclosure.Policy, months: int) -> list[attack.Route]:
    """Postcodes (each of the last three months and the year holding them, all sources and each one, districts and
    sectors): the force's unit counts minus councils' ("scope"), and each council's
    district minus its own sectors ("split")."""
    views = attack.Views(con, policy)
    last, councils, _ = _build(con)
    routes = []
    for k in range(min(months, POSTCODE_MONTHS)):
        for period in ("month", "year") if k == 0 else ("month",):  # one year holds the three months
            for sources in [(), *((s,) for s in SOURCES)]:
                base = Filters(last - relativedelta(months=k), period=period, data_end=last,
                               **({"sources": sources} if sources else {}))
                for level in ("district", "sector"):
                    cells = {scope: views.postcodes(replace(base, scope=scope), level).set_index("code")
                             for scope in [base.scope, *councils]}
                    as_dict = {scope: {code: (r.shown, r.truth) for code, r in df.iterrows()}
                               for scope, df in cells.items()}
                    routes += attack.level_routes(as_dict[base.scope], {c: as_dict[c] for c in councils},
                                                  "postcodes", policy)
                for c in councils:
                    own = replace(base, scope=c)
                    routes += [replace(r, kind="split") for r in attack._nested(
                        views.postcodes(own, "district"), views.postcodes(own, "sector"), "district", "hierarchy",
                        "postcodes", policy)]
    return routes


# Each view's routes, how many months to attack, and which routes are a council user's own
# (the rest subtract a council's view from the force's: kind "scope").
VIEWS = {
    "overview": (_routes, MONTHS, lambda kind: kind != "scope"),
    "trends_rhi": (_page_routes, MONTHS, lambda kind: kind == "split"),
    "disproportionality": (_rri_routes, MONTHS, lambda kind: kind == "split"),
    "map": (_map_routes, MAP_MONTHS, lambda kind: kind != "scope"),
    "postcodes": (_postcode_routes, POSTCODE_MONTHS, lambda kind: kind == "split"),
    "pack": (_pack_routes, PACK_MONTHS, None),
}


@pytest.fixture(scope="module")
def view_routes(request, force_con):
    make, months, own = VIEWS[request.param]
    return make(force_con, POLICY, months=months), own


@pytest.mark.parametrize("view_routes", list(VIEWS), indirect=True)
def test_council_views_against_the_force_view_do_not_give_back_small_groups(view_routes):
    routes, _ = view_routes
    _judge([r for r in routes if r.kind == "scope"], at_least=10)


@pytest.mark.parametrize("view_routes", [v for v, (_, _, own) in VIEWS.items() if own], indirect=True)
def test_a_council_users_own_complements_are_protected(view_routes):
    routes, own = view_routes
    _judge([r for r in routes if own(r.kind)], at_least=10)


@pytest.fixture(scope="module")
def unprotected(tmp_path_factory) -> disclosure.Policy:
    """The policy with a p-table of zeros: nothing is perturbed, so every route gives its small group back."""
    zeros = tmp_path_factory.mktemp("ptable") / "ptable.csv"
    zeros.write_text("pcv,ckey,pvalue\n" + "".join(f"{p},{k},0\n" for p in range(1, 751) for k in range(256)))
    return disclosure.Policy(suppress_max=POLICY.suppress_max, ptable_path=str(zeros))


@pytest.mark.parametrize("view", list(VIEWS))
def test_the_attack_catches_a_build_without_perturbation(force_con, unprotected, view):
    make, months, _ = VIEWS[view]
    # One month of the Map gives hundreds of routes; the Overview is judged on its scope routes.
    found = [r for r in make(force_con, unprotected, months=1 if view == "map" else months)
             if view != "overview" or r.kind == "scope"]
    assert len(found) >= 10 and all(r.error == 0 for r in found)
    with pytest.raises(AssertionError, match="give the hidden count exactly"):
        _judge(found, at_least=10)


def _rates_not_from_shown(con, months: int) -> tuple[int, list]:
    """Every rate and ratio on the Disproportionality page (force and each council, each month
    and 12 months, every dimension, measure and kind), checked against the one made from the
    count shown beside it: how many were checked, and those that differ."""
    last, councils, _ = _build(con)
    checked, wrong = 0, []
    for base in [Filters(last - relativedelta(months=k)) for k in range(months)] + [Filters(last, period="year", data_end=last)]:
        for scope in (queries.WHOLE, *councils):
            f = replace(base, scope=scope)
            every = queries.run(con, "rri_counts", **f.params())
            for dim in rri.DIMENSIONS:
                counts = every[every["dimension"] == dim]
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


def test_rates_and_ratios_tell_no_more_than_the_counts_shown(force_con, force_settings):
    """Each scope's counts are divided by its own children aged 10–17 (a council's own, the
    five councils' for the force), public figures: so the rates and ratios, made from the
    counts as shown (perturbed, and none where a count is hidden), give no route to a small
    group beyond the counts' own, which the tests above hold to the bounds."""
    checked, wrong = _rates_not_from_shown(force_con, months=MONTHS)
    assert checked >= 500 and not wrong, (checked, wrong[:3])
