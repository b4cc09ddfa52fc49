"""An attacker with the dashboard: every difference between two views that should give
away a small group, computed through the functions the pages and the meeting pack use.

A **route** is a set of shown figures whose combination (a difference of a total and
parts, of a view and its complement, of a quarter and its months, of two measures
bound by an identity) equals, in truth, the size of a small group: 1 to
``suppress_max`` children or events. Before cell-key perturbation every such route
gave the group's size exactly. ``attack(con, policy)`` finds the routes on a build and
returns each one's error (shown combination minus the truth) and the pages it needs.

The views, as the pages show them:
- Overview (and the meeting pack): the headline figures (``headline.figures``) for any
  month or quarter, locality, sex, age band, looked-after status and source selection;
- Return home interviews: "Episodes that ended" (``rhi_view.summary``);
- Map: events per ward and per LSOA (``map_view.area_values``);
- Postcodes: events per district and per sector (``postcodes_view.postcode_table``);
- Disproportionality: the count of each group (``rri.protected_table``).

In a force-wide build the same views exist at every scope (``Filters.scope``): the whole
force, and each council's own records. :func:`scope_routes` subtracts one level from the
other, as users of two scopes comparing notes would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
from dateutil.relativedelta import relativedelta

from contextmap import cellkey, disclosure, headline, map_view, postcodes_view, queries, rhi_view, rri, trends
from contextmap.filters import AGE_BANDS, SEXES, SOURCES, Filters

COUNT_MEASURES = [m.key for m in headline.MEASURES if m.kind == "count"]


@dataclass(frozen=True)
class Route:
    """One differencing attack: ``error`` = the attacker's estimate minus the truth."""

    kind: str
    target: str
    truth: int
    estimate: float
    pages: frozenset

    @property
    def error(self) -> float:
        return self.estimate - self.truth


def _number(text) -> float | None:
    """A shown figure as a number; None when hidden ("c") or not a whole count."""
    found = disclosure.visible_counts([text])
    return found[0] if found else None


class Views:
    """Shown and true figures of one build, cached per view (each view is a page's call)."""

    def __init__(self, con, policy: disclosure.Policy):
        self.con, self.policy, self._cache = con, policy, {}
        self.has_postcodes = queries.has_table(queries.bind(con), "mart_postcode_hotspots")

    def _run(self, name: str, exact: bool, **params) -> pd.DataFrame:
        # What queries.run does, once for both: the true rows, and the rows a page is given.
        key = ("rows", name, json.dumps(params, default=str, sort_keys=True))
        raw = self._memo(key, lambda: queries._execute(self.con, name, params))
        if exact:
            return raw.drop(columns=[c for c in raw.columns if c.endswith(cellkey.SUFFIX)])
        return cellkey.perturb_frame(raw, self.policy.ptable())

    def _memo(self, key, make: Callable):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def overview(self, f: Filters) -> dict[str, tuple[float | None, int]]:
        """Headline counts: measure → (shown, truth), as the Overview and the pack show them."""
        def make():
            shown_row = headline.headline_row(self._run("overview_episodes", False, **f.params()),
                                              self._run("overview_offences", False, **f.params()))
            true_row = headline.headline_row(self._run("overview_episodes", True, **f.params()),
                                             self._run("overview_offences", True, **f.params()))
            figs = {fig.measure.key: fig for fig in headline.figures(shown_row, shown_row, shown_row, self.policy)}
            return {k: (_number(figs[k].value), int(true_row[k])) for k in COUNT_MEASURES}
        return self._memo(("overview", f), make)

    def rhi_ended(self, f: Filters) -> tuple[float | None, int]:
        """The RHI page's "Episodes that ended" for the filters."""
        def make():
            shown = self._run("rhi_breakdown", False, **f.params())
            truth = self._run("rhi_breakdown", True, **f.params())
            total = shown[shown["dimension"] == "total"]
            text = rhi_view.summary(total.iloc[0], self.policy)["Episodes that ended"] if len(total) else "0"
            true_total = truth[truth["dimension"] == "total"]
            return _number(text), int(true_total["returned"].iloc[0]) if len(true_total) else 0
        return self._memo(("rhi", f), make)

    def trend(self, f: Filters, key: str, split: str) -> dict:
        """Trends: a count measure by month and line over the filters' months, as the page
        charts it (``trends.series``): (month, line) → (shown, truth)."""
        def make():
            m = trends.MEASURES[key]
            months = [d.date() for d in pd.date_range(f.month_from, f.month_to, freq="MS")]
            params = {**f.params(), "split": split}
            shown = trends.series(self._run(m.query, False, **params), m, split, months, self.policy)
            true = {(pd.Timestamp(r["month"]), trends.split_label(split, r["split_value"])): int(r[m.column])
                    for _, r in self._run(m.query, True, **params).iterrows()}
            return {(r.month, r.group): (None if r.hidden else float(r.value), true.get((r.month, r.group), 0))
                    for r in shown.itertuples()}
        return self._memo(("trend", f, key, split), make)

    def rhi_rows(self, f: Filters, dimension: str) -> dict:
        """Return home interviews: "Episodes ended" by locality or looked-after status
        (``rhi_view.breakdown_table``): group → (shown, truth)."""
        def make():
            shown = self._run("rhi_breakdown", False, **f.params())
            true = self._run("rhi_breakdown", True, **f.params())
            table = rhi_view.breakdown_table(shown[shown["dimension"] == dimension], self.policy)
            truth = true[true["dimension"] == dimension].set_index("grp")["returned"]
            return {g: (_number(v), int(truth.get(g, 0))) for g, v in zip(table["Group"], table["Episodes ended"])}
        return self._memo(("rhi_rows", f, dimension), make)

    def rri(self, f: Filters, dimension: str, measure: str, kind: str) -> dict:
        """Disproportionality: the count of each group of ``dimension`` (``rri.protected_table``)
        for ``measure`` (missing or offences) and ``kind`` (events or children): group → (shown, truth)."""
        def make():
            council = None if f.scope == queries.WHOLE else f.scope
            shown = self._run("rri_counts", False, **f.params())
            true = self._run("rri_counts", True, **f.params())
            table, _ = rri.protected_table(shown[(shown["measure"] == measure) & (shown["dimension"] == dimension)],
                                           dimension, kind, self.policy, council)
            truth = true[(true["measure"] == measure) & (true["dimension"] == dimension)].set_index("grp")[kind]
            labels = {rri._label(dimension, g): int(n) for g, n in truth.items()}
            return {g: (_number(str(v)), labels.get(g, 0)) for g, v in zip(table["Group"], table["Count"])}
        return self._memo(("rri", f, dimension, measure, kind), make)

    def areas(self, f: Filters, level: str) -> pd.DataFrame:
        """Map: events per ward or LSOA (``code``, ``locality``, ``shown``, ``truth``)."""
        def make():
            shown = self._run("area_events", False, **f.params(), level=level)
            truth = self._run("area_events", True, **f.params(), level=level)
            values = map_view.area_values(shown, "count", self.policy, level)
            return pd.DataFrame({"code": shown["code"], "locality": shown["locality"],
                                 "shown": values["value"].where(values["status"] == "shown"),
                                 "truth": truth["events"].to_numpy()})
        return self._memo(("areas", f, level), make)

    def postcodes(self, f: Filters, level: str) -> pd.DataFrame:
        """Postcodes: events per district or sector (``code``, ``district``, ``shown``, ``truth``)."""
        def make():
            shown = self._run("postcode_hotspots", False, **f.params(), level=level)
            truth = self._run("postcode_hotspots", True, **f.params(), level=level)
            table = postcodes_view.postcode_table(shown, self.policy, level)
            events = table.set_index(table.columns[0])["Events"]  # the table runs by shown events
            return pd.DataFrame({"code": shown["code"], "district": shown["district"],
                                 "shown": [_number(events[c]) for c in shown["code"]],
                                 "truth": truth["events"].to_numpy()})
        return self._memo(("postcodes", f, level), make)


def _small(truth: int, policy: disclosure.Policy) -> bool:
    return 1 <= truth <= policy.suppress_max


def _route(kind, target, truth, terms, pages) -> Route | None:
    """A route from ``(coefficient, shown)`` terms, or None when a term is hidden."""
    if any(shown is None or pd.isna(shown) for _, shown in terms):
        return None
    return Route(kind, target, int(truth), float(sum(c * s for c, s in terms)), frozenset(pages))


def filter_routes(views: Views, base: Filters) -> list[Route]:
    """A view minus the same view without one value of one filter (the complement attack)."""
    out = []
    options = {"sexes": tuple(SEXES), "age_bands": AGE_BANDS, "sources": tuple(SOURCES)}
    whole = views.overview(base)
    for dim, values in options.items():
        for v in values:
            rest = tuple(x for x in values if x != v)
            part = views.overview(replace(base, **{dim: rest}))
            for m in COUNT_MEASURES:
                truth = whole[m][1] - part[m][1]
                if _small(truth, views.policy):
                    r = _route("filter", f"{m} {dim}={v}", truth, [(1, whole[m][0]), (-1, part[m][0])], {"overview"})
                    out.append(r)
    for la in ("Looked after", "Not looked after"):
        part = views.overview(replace(base, looked_after=la))
        for m in COUNT_MEASURES:
            truth = whole[m][1] - part[m][1]
            if _small(truth, views.policy):
                out.append(_route("filter", f"{m} not {la}", truth, [(1, whole[m][0]), (-1, part[m][0])], {"overview"}))
    return [r for r in out if r]


def locality_routes(views: Views, base: Filters, localities: list[str]) -> list[Route]:
    """All localities minus each locality (what is left is the unlocated, or a hidden one)."""
    whole = views.overview(base)
    parts = {loc: views.overview(replace(base, locality=loc)) for loc in localities}
    out = []
    for m in COUNT_MEASURES:
        for hidden in [None, *localities]:
            others = [loc for loc in localities if loc != hidden]
            truth = whole[m][1] - sum(parts[loc][m][1] for loc in others)
            if _small(truth, views.policy):
                terms = [(1, whole[m][0])] + [(-1, parts[loc][m][0]) for loc in others]
                out.append(_route("hierarchy", f"{m} locality {hidden or 'unlocated'}", truth, terms, {"overview"}))
    return [r for r in out if r]


def period_routes(views: Views, month: date, base: Filters) -> list[Route]:
    """The quarter holding ``month`` minus two of its months (the third month, or what the
    months leave out)."""
    whole = replace(base, month=month, period="quarter")
    quarter = views.overview(whole)
    months = [replace(base, month=whole.month_from + relativedelta(months=k), period="month") for k in range(3)]
    shown = [views.overview(m) for m in months]
    out = []
    for m in COUNT_MEASURES:
        for hidden in range(3):
            others = [i for i in range(3) if i != hidden]
            truth = quarter[m][1] - sum(shown[i][m][1] for i in others)
            if _small(truth, views.policy):
                terms = [(1, quarter[m][0])] + [(-1, shown[i][m][0]) for i in others]
                out.append(_route("period", f"{m} month {hidden}", truth, terms, {"overview"}))
    return [r for r in out if r]


def identity_routes(views: Views, base: Filters) -> list[Route]:
    """Missing episodes (Overview) minus episodes that ended (RHI page) = still missing."""
    episodes = views.overview(base)["episodes"]
    ended = views.rhi_ended(base)
    truth = episodes[1] - ended[1]
    if not _small(truth, views.policy):
        return []
    r = _route("identity", "still missing", truth, [(1, episodes[0]), (-1, ended[0])], {"overview", "rhi"})
    return [r] if r else []


def scope_routes(views: Views, base: Filters, councils: list[str]) -> list[Route]:
    """The force's view minus councils' views of the same filters: minus one council's own
    (the other councils' children and the offences no council's view holds), and minus
    every council's but one (that council's own, as the others could work it out)."""
    whole = views.overview(base)
    parts = {c: views.overview(replace(base, scope=c)) for c in councils}
    out = []
    for m in COUNT_MEASURES:
        for c in councils:
            truth = whole[m][1] - parts[c][m][1]
            if _small(truth, views.policy):
                out.append(_route("scope", f"{m} force minus {c}", truth, [(1, whole[m][0]), (-1, parts[c][m][0])],
                                  {"overview"}))
        for hidden in [None, *councils]:
            others = [c for c in councils if c != hidden]
            truth = whole[m][1] - sum(parts[c][m][1] for c in others)
            if _small(truth, views.policy):
                terms = [(1, whole[m][0])] + [(-1, parts[c][m][0]) for c in others]
                out.append(_route("scope", f"{m} force minus councils but {hidden or 'none'}", truth, terms, {"overview"}))
    return [r for r in out if r]


def level_routes(whole: dict, parts: dict[str, dict], page: str, policy: disclosure.Policy) -> list[Route]:
    """:func:`scope_routes` for any page's cells (key → (shown, truth)): the force's cell
    minus one council's, and minus every council's but one. A cell a council's page does
    not show is 0 there, as an attacker would read it."""
    out = []
    for key, (shown, truth) in whole.items():
        own = {c: cells.get(key, (0.0, 0)) for c, cells in parts.items()}
        for c in own:
            if _small(truth - own[c][1], policy):
                out.append(_route("scope", f"{page} {key} force minus {c}", truth - own[c][1],
                                  [(1, shown), (-1, own[c][0])], {page}))
        for hidden in [None, *own]:
            others = [c for c in own if c != hidden]
            left = truth - sum(own[c][1] for c in others)
            if _small(left, policy):
                terms = [(1, shown)] + [(-1, own[c][0]) for c in others]
                out.append(_route("scope", f"{page} {key} force minus councils but {hidden or 'none'}", left, terms,
                                  {page}))
    return [r for r in out if r]


def parts_routes(whole: dict, parts: dict, page: str, policy: disclosure.Policy) -> list[Route]:
    """One scope's own complement on a page: each total (keyed by month, or a single total)
    minus all of its lines but one (what is left is that line, or what no line holds)."""
    out = []
    for month, (shown, truth) in whole.items():
        lines = {line: v for (m, line), v in parts.items() if m == month} if isinstance(month, pd.Timestamp) else parts
        for hidden in [None, *lines]:
            others = [line for line in lines if line != hidden]
            left = truth - sum(lines[line][1] for line in others)
            if _small(left, policy):
                terms = [(1, shown)] + [(-1, lines[line][0]) for line in others]
                out.append(_route("split", f"{page} {month} but {hidden}", left, terms, {page}))
    return [r for r in out if r]


def _nested(whole: pd.DataFrame, parts: pd.DataFrame, key: str, kind: str, page: str,
            policy: disclosure.Policy) -> list[Route]:
    """Each whole unit minus its shown parts, when what is left is a small group."""
    out = []
    for _, unit in whole.iterrows():
        inside = parts[parts[key] == unit["code"]]
        visible = inside[inside["shown"].notna()]
        truth = unit["truth"] - visible["truth"].sum()
        if len(inside) and _small(truth, policy):
            terms = [(1, unit["shown"])] + [(-1, s) for s in visible["shown"]]
            r = _route(kind, f"{page} {unit['code']}", truth, terms, {page})
            if r:
                out.append(r)
    return out


def hierarchy_routes(views: Views, base: Filters, lsoa_ward: pd.DataFrame) -> list[Route]:
    """Ward minus its LSOAs (Map), district minus its sectors (Postcodes)."""
    wards = views.areas(base, "ward")
    lsoas = views.areas(base, "lsoa").merge(lsoa_ward, on="code")
    routes = _nested(wards, lsoas, "ward", "hierarchy", "map", views.policy)
    if views.has_postcodes:
        districts = views.postcodes(base, "district")
        sectors = views.postcodes(base, "sector")
        routes += _nested(districts, sectors, "district", "hierarchy", "postcodes", views.policy)
    return routes


def attack(con, policy: disclosure.Policy, months: int = 3) -> list[Route]:
    """Every route the attacker finds in the last ``months`` months of a build."""
    views = Views(con, policy)
    last = con.execute("select max(month) from mart_episode_cells").fetchone()[0]
    localities = [r[0] for r in con.execute("select locality from geo_locality order by 1").fetchall()]
    lsoa_ward = con.execute("select lsoa_code as code, ward_code as ward from geo_lsoa").df()
    routes = []
    for k in range(months):
        month = last - relativedelta(months=k)
        for loc in ["All", *localities]:
            base = Filters(month, locality=loc, data_end=last)
            routes += filter_routes(views, base) + identity_routes(views, base)
            if loc == "All":
                routes += locality_routes(views, base, localities)
                for period in ("month", "year"):
                    routes += hierarchy_routes(views, replace(base, period=period), lsoa_ward)
    # Each quarter once (the last ``months`` months lie in one or two): the last eight quarters.
    ends = sorted({Filters(last - relativedelta(months=3 * q), period="quarter", data_end=last).month_to
                   for q in range(8)})
    for end in ends:
        for loc in ["All", *localities]:
            routes += period_routes(views, end, Filters(end, locality=loc, data_end=last))
    return routes


def combined(views: Views, base: Filters, dim: str, values: tuple, value: str,
             measure: str = "episodes") -> tuple[float, int, int] | None:
    """The best an attacker does for one small group (``value`` of ``dim``) by combining
    every route the filters offer, each weighted by the inverse of its noise.

    With one value or all to choose (``contextmap.filters.ALL``), a group is reached as
    all values minus each of the others, for all children and again within each
    looked-after status. Returns (estimate, truth, routes), or None when the group is
    not small or no route is fully shown.
    """
    others = [v for v in values if v != value]

    def route(looked_after: list[str]):
        wholes = [views.overview(replace(base, looked_after=la))[measure] for la in looked_after]
        parts = [views.overview(replace(base, looked_after=la, **{dim: (v,)}))[measure]
                 for la in looked_after for v in others]
        truth = sum(w[1] for w in wholes) - sum(p[1] for p in parts)
        if any(t[0] is None for t in [*wholes, *parts]):
            return truth, None, 0
        return truth, sum(w[0] for w in wholes) - sum(p[0] for p in parts), len(wholes) + len(parts)

    found = [route(["All"]), route(["Looked after", "Not looked after"])]
    truth = found[0][0]
    shown = [(est, terms) for _, est, terms in found if est is not None]
    if not _small(truth, views.policy) or not shown:
        return None
    weights = [1 / terms for _, terms in shown]
    return sum(w * est for w, (est, _) in zip(weights, shown)) / sum(weights), truth, len(shown)
