"""Certainty across every view a reader can open: no hidden figure can be worked out exactly.

``tests/certainty.py`` turns each figure a reader sees into bounds on a sum of true cells
and solves, for each hidden figure ("c"), its least and greatest possible value. On the
force sample, the readers attacked are:

1. one user (the force, or Calderdale) with the Overview's count cards for every month,
   quarter and year of the data, for each single sex and age band and for all of them
   (cells: value and month);
2. the force user and all five council users comparing notes: the force's card is the sum
   of the councils' (cells: council and month);
3. the Map's events per ward and per LSOA for the last month, quarter and year (a ward is
   the sum of its LSOAs; cells: sex and LSOA);
4. the Disproportionality page's counts of a council user as the page shows them, for every
   period and every dimension, with the Overview's episodes card for age bands 10-17 (the
   same episodes: every group's total), and a "c" known to be at least 1 counted too
   (cells: ethnic group, sex, looked-after status and month, which each dimension's groups
   add up; children per period by ethnic group and sex, with the children card);
5. the Places table of one user (the force, or Calderdale) for every month, quarter and year
   of the last eight quarters: each place's events and the three sources they add up from
   (cells: place, source and month);
6. the Postcodes table of one user at sector level for the same periods, with all sources
   and each alone (cells: sector, source and month);
7. every place profile of one user, for the same periods and each choice of sources (all, or
   one): the timeline's bar per source and month, the Events figure (guarded, and hidden at
   the ceiling of the timeline's months), with the Places table of each quarter and year
   (cells: place, source and month);
8. every ward or LSOA profile of one user the same way, with the Map's count of the area
   for the same period and sources (cells: area, source and month);
9. the emerging hot spots of every ward and LSOA as at every month of the last eight
   quarters (each window is the quarter so far) and the quarters its "× its baseline" is
   worked out from, with the Map's events of the same areas for every month and quarter from
   the first baseline's first month (cells: area and month); this reader also asserts that
   they tell no "c" is at least 1 that the Map alone does not. Rolling 6-month windows gave sums that
   are no period (April less October); the quarter so far is a month or a quarter the Map
   shows, or two months of a quarter, whose count is not shown (hiding it only at the
   ceiling of its months pinned it: "c" over more than 5, and the quarter less its third
   month at most 6).

A quarter hidden by the guard has months the timeline shows: readers 7 and 8 put the year
beside those months.

Before periods nested and zeros were hidden, rolling quarters and 12 months ending at any
month, with a shown 0 and a "c" known to be 1 to 5, pinned hidden months exactly (a "c"
year over five "c" months: each is 1). The same file run on that code reports those pins.
Nesting left one way, closed by ``contextmap.period_guard``: a shown total whose least true
value (shown - 2) is all its hidden parts can hold (5 each) pinned every part to 5 (Leeds,
boys: weapon offences "c" in April, May and June 2024 under a quarter shown 17; Kirklees,
18+: episodes "c" in both quarters of data of the year to March 2024, the year shown 12).
The cards hide such a total, and the readers here read the cards as they are shown.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from contextmap import (
    disclosure,
    emerging_view,
    event_counts,
    fmt,
    headline,
    map_view,
    period_guard,
    places_view,
    postcodes_view,
    profile_view,
    queries,
    rri,
    settings,
)
from contextmap.filters import AGE_BANDS, PERIODS, SEXES, WHOLE, Filters, period_start
from contextmap.labels import SOURCES
from tests import certainty

POLICY = disclosure.Policy()
CALDERDALE = "E08000033"
USERS = {"force": WHOLE, "Calderdale": CALDERDALE}
DIMENSIONS = {"sexes": tuple(SEXES), "age_bands": AGE_BANDS}
# The Overview's count cards that add up over months, councils and single values. Children
# do not (one child can be in two months); offences add up over months and councils but not
# over sexes or age bands (an offence counts under each young person's sex and age band).
CARDS = {"overview_episodes": ("episodes",), "overview_offences": ("offences", "serious_violence", "weapon_offences")}
ADD_OVER_VALUES = ("episodes",)
# The filters under which the force's and the councils' cards are put together: every single
# sex and the age band 18+ (small groups; every age band would take minutes on two cores).
SHARED_FILTERS = [*(("sexes", s) for s in SEXES), ("age_bands", "18+")]
# The Places table's count columns: a place's events are the sum of the three sources'.
PLACE_COLUMNS = {"Events": "events", "Found here": "missing_found", "Named in RHIs": "rhi_mention",
                 "Offences": "offence"}
# The pages read per place and per sector over the last eight quarters (and the years that hold
# them): every period of the data would take minutes.
RECENT_QUARTERS = 8


@pytest.fixture(scope="module")
def runs(force_con):
    """Perturbed query results, each run once for the module (several tests read the same views)."""
    cache = {}

    def run(name: str, f: Filters, **extra) -> pd.DataFrame:
        key = (name, repr(sorted({**f.params(), **extra}.items())))
        if key not in cache:
            cache[key] = queries.run(force_con, name, policy=POLICY, **f.params(), **extra)
        return cache[key]

    return run


def _filters(month, period: str, data_end, **narrow) -> Filters:
    try:
        return Filters(month, period=period, data_end=data_end, **narrow)
    except TypeError:  # rolling periods (before they nested) had no end of data
        return Filters(month, period=period, **narrow)


def _months(con) -> list:
    first, last = con.execute("select min(month), max(month) from mart_episode_cells").fetchone()
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


def _windows(months: list, **narrow) -> list[Filters]:
    """One view per distinct window the sidebar offers: each month of the data in each period."""
    found = {}
    for month in months:
        for period in PERIODS:
            f = _filters(month, period, months[-1], **narrow)
            found.setdefault((f.month_from, f.month_to), f)
    return list(found.values())


def _recent(months: list, quarters: int = RECENT_QUARTERS) -> list:
    """The months of the last ``quarters`` calendar quarters of the data."""
    start = period_start(months[-1] - relativedelta(months=3 * (quarters - 1)), "quarter")
    return [m for m in months if m >= start]


def _cached_query(con, scope: str) -> queries.Query:
    """The pages' query for ``scope``, perturbed with ``POLICY``, each view run once (the
    period guard runs a period's parts, which are views the reader opens too)."""
    cache = {}

    def run(con, name: str, **params) -> pd.DataFrame:
        key = (name, repr(sorted(params.items())))
        if key not in cache:
            cache[key] = queries.run(con, name, policy=POLICY, **params)
        return cache[key]

    return queries.bind(con, run=run, scope=scope)


def _shown_text(text: str, perturbed) -> str:
    """A table cell's text, told apart as ``certainty.SECONDARY`` when its "c" hides a larger
    count (the period guard's or secondary suppression's)."""
    return certainty.SECONDARY if text == disclosure.SUPPRESSED and not disclosure.is_suppressed(perturbed, POLICY) \
        else text


def _held(f: Filters, months: list) -> list:
    """The months of data a view counts (a window reaching before the data holds fewer)."""
    return [m for m in months if f.month_from <= m <= f.month_to]


def _label(f: Filters) -> str:
    return f"{f.month_from:%Y-%m}" + ("" if f.month_from == f.month_to else f" to {f.month_to:%Y-%m}")


def _card_text(shown, perturbed) -> str:
    """A card's text, told apart as ``certainty.SECONDARY`` when the card hides a larger count."""
    text = _text(shown)
    return certainty.SECONDARY if text == disclosure.SUPPRESSED and _text(perturbed) != text else text


def _text(n, level: str | None = None) -> str:
    return disclosure.fmt_count(n, POLICY, level)


def _council_cells(con) -> dict[str, tuple[list, bool]]:
    """Per card query: the councils whose records it counts, and whether some records have
    no council (the force's figure then holds a cell no council's figure does)."""
    out = {}
    for name, (table, column) in {"overview_episodes": ("mart_episode_cells", "owner_code"),
                                  "overview_offences": ("mart_offence_cells", "council_code")}.items():
        councils = [c for (c,) in con.execute(f"select distinct {column} from {table} where {column} is not null "
                                              "order by 1").fetchall()]
        none = con.execute(f"select count(*) from {table} where {column} is null").fetchone()[0] > 0
        out[name] = (councils, none)
    return out


@pytest.mark.parametrize("dim", DIMENSIONS)
@pytest.mark.parametrize("user", USERS)
def test_overview_cards_pin_no_hidden_month(force_con, runs, user, dim):
    months = _months(force_con)
    values = DIMENSIONS[dim]
    readers = {col: certainty.Reader(POLICY) for cols in CARDS.values() for col in cols}
    for value in ("All", *values):
        narrow = {} if value == "All" else {dim: (value,)}
        for f in _windows(months, scope=USERS[user], **narrow):
            held = _held(f, months)
            row = headline.card_row(runs, f, POLICY)  # as the cards show it
            for name, cols in CARDS.items():
                wanted = [c for c in cols if value != "All" or c in ADD_OVER_VALUES]
                if not wanted:
                    continue
                for col in wanted:
                    cells = [(v, m) for v in (values if value == "All" else [value]) for m in held]
                    readers[col].read((col, value, _label(f)), cells, _card_text(row[col], runs(name, f).iloc[0][col]))
    pinned = {col: r.pinned() for col, r in readers.items()}
    assert not any(pinned.values()), pinned


@pytest.mark.parametrize("dim, value", SHARED_FILTERS)
def test_force_and_councils_together_pin_no_hidden_month(force_con, runs, dim, value):
    months = _months(force_con)
    scopes = _council_cells(force_con)
    readers = {col: certainty.Reader(POLICY) for cols in CARDS.values() for col in cols}
    for name, cols in CARDS.items():
        councils, none = scopes[name]
        for scope in (WHOLE, *councils):
            owners = [*councils, *(["no council"] if none else [])] if scope == WHOLE else [scope]
            for f in _windows(months, scope=scope, **{dim: (value,)}):
                row = headline.card_row(runs, f, POLICY)  # as the cards show it
                cells = [(c, m) for c in owners for m in _held(f, months)]
                for col in cols:
                    readers[col].read((col, scope, _label(f)), cells, _card_text(row[col], runs(name, f).iloc[0][col]))
    pinned = {col: r.pinned() for col, r in readers.items()}
    assert not any(pinned.values()), pinned


@pytest.mark.parametrize("user", USERS)
def test_map_areas_pin_no_hidden_area(force_con, runs, user):
    months = _months(force_con)
    # The last month that ends a calendar quarter, so the quarter is whole and not the month again.
    month = next(m for m in reversed(months) if m.month % 3 == 0)
    lsoa_ward = dict(force_con.execute("select lsoa_code, ward_code from geo_lsoa").fetchall())
    # A ward's count is the sum of its LSOAs' only if every event's LSOA lies in its ward.
    assert not force_con.execute("select count(*) from mart_monthly_area_counts as m join geo_lsoa as g "
                                 "using (lsoa_code) where g.ward_code <> m.ward_code").fetchone()[0]
    in_ward = {}
    for lsoa, ward in lsoa_ward.items():
        in_ward.setdefault(ward, []).append(lsoa)
    pinned = {}
    for period in PERIODS:
        reader = certainty.Reader(POLICY)
        for value in ("All", *SEXES):
            narrow = {} if value == "All" else {"sexes": (value,)}
            f = _filters(month, period, months[-1], scope=USERS[user], **narrow)
            sexes = tuple(SEXES) if value == "All" else (value,)
            lsoas = runs("area_events", f, level="lsoa")
            for code, n in zip(lsoas["code"], lsoas["events"]):
                reader.read((value, code), [(s, code) for s in sexes], _text(n, "lsoa"))
            wards = runs("area_events", f, level="ward")
            seen = set(lsoas["code"])
            for code, n in zip(wards["code"], wards["events"]):
                reader.read((value, code), [(s, lsoa) for s in sexes for lsoa in in_ward[code]], _text(n, "ward"))
                # An LSOA of a ward the user sees but not itself: its count is only inside the ward's.
                for lsoa in (x for x in in_ward[code] if x not in seen):
                    for s in sexes:
                        reader.unseen((s, lsoa), (s, lsoa))
        pinned.update({(period, *k): v for k, v in reader.pinned().items()})
    assert not pinned, pinned


def test_disproportionality_counts_pin_no_hidden_group(force_con, runs):
    months = _months(force_con)
    groups = {dim: [g for (g,) in force_con.execute(f"""
        select distinct coalesce(case '{dim}' when 'ethnic_group' then ethnic_group when 'sex' then sex
            else (case when is_looked_after then 'Looked after' when not is_looked_after then 'Not looked after' end)
        end, 'Unknown') from mart_rri_items order by 1""").fetchall()] for dim in rri.DIMENSIONS}
    query = _cached_query(force_con, CALDERDALE)
    # Each event is in one group of each dimension: the cells are their combinations by month.
    # A child is in one ethnic group and one sex but can be in both looked-after groups, and in
    # two months: children are read per period, by ethnic group and sex.
    dims = {"events": list(rri.DIMENSIONS), "children": ["ethnic_group", "sex"]}
    card = {"events": "episodes", "children": "children"}
    pinned = {}
    for measure in ("missing", "offences"):
        for kind in ("events", "children"):
            combos = pd.MultiIndex.from_product([groups[d] for d in dims[kind]], names=dims[kind]).to_frame(index=False)
            reader = certainty.Reader(POLICY)
            for f in _windows(months, scope=CALDERDALE):
                held = _held(f, months) if kind == "events" else [_label(f)] if _held(f, months) else []
                perturbed = runs("rri_counts", f).set_index(["measure", "dimension", "grp"])[kind]
                for dim in dims[kind]:
                    counts = rri.counts(query, f, POLICY, dim)  # as the page shows them
                    shown, table = rri.protected_table(counts[counts["measure"] == measure], dim, kind, POLICY,
                                                       CALDERDALE)
                    texts = dict(zip(table["group"], shown["Count"]))
                    for g in groups[dim]:
                        cells = [(*c, m) for c in combos[combos[dim] == g].itertuples(index=False) for m in held]
                        # A group the scope never has is left out of the table: it is 0.
                        text = _shown_text(texts[g], perturbed.get((measure, dim, g), 0)) if g in texts else "0"
                        reader.read((measure, kind, dim, g, _label(f)), cells, text)
                if measure == "missing":
                    # The Overview's cards for age bands 10-17 count the same episodes and children: the total.
                    young = replace(f, age_bands=("10-13", "14-15", "16-17"))
                    row = headline.card_row(runs, young, POLICY)
                    reader.read((measure, kind, "total", _label(f)),
                                [(*c, m) for c in combos.itertuples(index=False) for m in held],
                                _card_text(row[card[kind]], runs("overview_episodes", young).iloc[0][card[kind]]))
            pinned.update(reader.pinned(positive=True))
    assert not pinned, pinned


@pytest.mark.parametrize("user", USERS)
def test_places_pin_no_hidden_month(force_con, user):
    months = _months(force_con)
    query = _cached_query(force_con, USERS[user])
    weights = settings.current().hotspots.place_weights
    params = places_view.ranking_params(weights)
    reader = certainty.Reader(POLICY)
    windows = _windows(_recent(months), scope=USERS[user])
    for f in windows:
        held = _held(f, months)
        places = places_view.ranking(query, f, weights, POLICY).reset_index(drop=True)
        # The table's counts as places_table protects them (the whole table, with its scores
        # and ranks, protects them four times over: it is checked to agree once, below).
        shown = disclosure.protect_frame(places, [*PLACE_COLUMNS.values(), "children"], POLICY, level="place",
                                         total_col="events", parts=list(places_view.PLACE_PARTS))
        if f == windows[-1]:
            table = places_view.places_table(places, weights, POLICY, scoped=USERS[user] != WHOLE)
            pd.testing.assert_frame_equal(
                table.set_index("place_id")[list(PLACE_COLUMNS)].sort_index(),
                shown.set_index("place_id")[list(PLACE_COLUMNS.values())].set_axis(list(PLACE_COLUMNS), axis=1)
                .sort_index())
        perturbed = query("place_ranking", f, **params).set_index("place_id")
        for count in PLACE_COLUMNS.values():
            sources = places_view.PLACE_PARTS if count == "events" else (count,)
            for place, text in zip(shown["place_id"], shown[count]):
                reader.read((place, count, _label(f)), [(place, s, m) for s in sources for m in held],
                            _shown_text(text, perturbed.at[place, count]))
    pinned = reader.pinned()
    assert not pinned, pinned


@pytest.mark.parametrize("user", USERS)
def test_postcodes_pin_no_hidden_month(force_con, user):
    months = _months(force_con)
    query = _cached_query(force_con, USERS[user])
    level = "sector"
    reader = certainty.Reader(POLICY)
    for f in _windows(_recent(months), scope=USERS[user]):
        held = _held(f, months)
        # All four sources, and each alone (the page follows the sidebar's Sources).
        for sources in (tuple(SOURCES), *((s,) for s in SOURCES)):
            g = replace(f, sources=sources)
            table = postcodes_view.postcode_table(postcodes_view.units(query, g, POLICY, level), POLICY, level,
                                                  scoped=USERS[user] != WHOLE)  # as the page shows it
            perturbed = query("postcode_hotspots", g, level=level).set_index("code")["events"]
            for code, text in zip(table["Sector"], table["Events"]):
                reader.read((code, sources, _label(f)), [(code, s, m) for s in sources for m in held],
                            _shown_text(text, perturbed.at[code]))
    # Before the guard set a sector's events against each source's, the sources' views pinned
    # some of Calderdale's hidden sector counts exactly (HX5 0's sources in the year to March 2025).
    pinned = reader.pinned()
    assert not pinned, pinned


# Profiles. A place or area profile shows a monthly timeline, one bar per source and month,
# and an Events figure for the period (``profile_view._period_events``): that of the
# Places table or the Map, hidden as well at the ceiling of the timeline's months. The
# readers below put the timelines together with the Events figure for every period of the
# data and every choice of sources (all, or one), and with the Places table or the Map for
# the same periods (cells: place or area, source and month).
PROFILE_SOURCES = {"place": places_view.PLACE_PARTS, "area": tuple(SOURCES)}


def _ceiling_hits(total: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """``period_guard.at_ceiling`` of each row's ``total`` over its own ``parts`` (a column
    each), as the profile calls it for one place or area, for many rows at once: the guard's
    own rule (``period_guard._hits``, additive), a part of 0 skipped as ``at_ceiling`` skips it.

    ``_hits`` skips a part only when it is 0 in every row, and adds up the rest in any order:
    so each row's parts above 0 are moved to its front, and rows with as many of them are read
    together, the j-th of each row's one frame."""
    total = np.asarray(total, dtype=float)
    parts = np.nan_to_num(np.asarray(parts, dtype=float).reshape(len(total), -1))
    counted = parts > 0
    packed = np.take_along_axis(parts, np.argsort(~counted, axis=1, kind="stable"), axis=1)
    sizes = counted.sum(axis=1)
    hits = np.zeros(len(total), dtype=bool)
    for size in np.unique(sizes):
        rows = sizes == size
        frames = [pd.DataFrame({"n": packed[rows, j]}) for j in range(size)]
        hits[rows] = period_guard._hits(pd.DataFrame({"n": total[rows]}), frames, [], "n", POLICY, additive=True)
    return hits


def _place_totals(query: queries.Query):
    """Each place's perturbed events (``place_counts.sql``, every place at once) and the same
    guarded as the place profile and the Places table show them. Filters → both, by place id."""
    def totals(f: Filters) -> tuple[pd.Series, pd.Series]:
        return (query("place_counts", f).set_index("place_id")["events"],
                event_counts.place_events(query, f, POLICY).set_index("place_id")["events"])

    return totals


def _profile_events(guarded: pd.Series, cells: pd.DataFrame) -> pd.Series:
    """The profile's Events figure of each place or area as ``profile_view._period_events``
    gives it, for many at once: ``guarded`` (by id, as the Places table or the Map guards it)
    hidden at the ceiling of the timeline's ``cells`` in the period (a column per source and month)."""
    now = guarded.astype(float)
    hidden = period_guard.hidden_value(POLICY)
    return now.where(~_ceiling_hits(now.to_numpy(), cells.reindex(now.index).fillna(0).to_numpy(float)), hidden)


def _read_places_page(reader: certainty.Reader, query: queries.Query, f: Filters, months: list) -> None:
    """The Places table of filters ``f`` as the page protects it: each place's events and
    the sources they add up from (cells: place, source and month)."""
    weights = settings.current().hotspots.place_weights
    held = _held(f, months)
    places = places_view.ranking(query, f, weights, POLICY).reset_index(drop=True)
    shown = disclosure.protect_frame(places, [*PLACE_COLUMNS.values(), "children"], POLICY, level="place",
                                     total_col="events", parts=list(places_view.PLACE_PARTS))
    perturbed = query("place_ranking", f, **places_view.ranking_params(weights)).set_index("place_id")
    for count in PLACE_COLUMNS.values():
        sources = places_view.PLACE_PARTS if count == "events" else (count,)
        for place, text in zip(shown["place_id"], shown[count]):
            reader.read((place, count, _label(f)), [(place, s, m) for s in sources for m in held],
                        _shown_text(text, perturbed.at[place, count]))


def _read_timeline(reader: certainty.Reader, timeline: pd.DataFrame, level: str) -> None:
    """Each profile's timeline (``timeline``: a row per place or area, a column per source
    and month) as the chart shows it, every month of the data (a reader moves its end)."""
    for unit, row in timeline.iterrows():
        for (source, month), n in row.items():
            reader.read((unit, source, f"{month:%Y-%m}"), [(unit, source, month)], _text(n, level))


def _choices(f: Filters, sources: tuple) -> list[tuple[tuple, Filters]]:
    """Filters ``f`` with every choice of the sidebar's Sources (all, or one), by sources counted."""
    return [(sources, f), *(((s,), replace(f, sources=(s,))) for s in sources)]


def _read_profiles(reader: certainty.Reader, kind: str, unit_totals, windows: list[Filters], months: list,
                   level: str, page: str | None = None) -> None:
    """Every profile of ``kind`` (place or area) read by ``reader``: the timeline, and the
    Events figure of each window and choice of sources, with the page's figure beside it
    (``page``: the Map's; the Places table is read apart). ``unit_totals(filters)`` gives
    each unit's perturbed total and the same guarded as the page shows it."""
    sources = PROFILE_SOURCES[kind]
    first = min(f.month_from for f in windows)
    timeline = pd.DataFrame({(s, m): unit_totals(_filters(m, "month", months[-1], scope=windows[0].scope,
                                                          sources=(s,)))[0]
                             for s in sources for m in months if m >= first}).fillna(0)
    _read_timeline(reader, timeline, level)
    units = timeline.index
    for f in windows:
        held, label = _held(f, months), _label(f)
        for counted, g in _choices(f, sources):
            total, guarded = (x.reindex(units).fillna(0) for x in unit_totals(g))
            now = _profile_events(guarded, timeline[[(s, m) for s in counted for m in held]])
            cells = [[(u, s, m) for s in counted for m in held] for u in units]
            for unit, unit_cells, n, p in zip(units, cells, now, total):
                reader.read((unit, "profile", counted, label), unit_cells, _shown_text(_text(n, level), p))
            if page is not None:
                for unit, unit_cells, n, p in zip(units, cells, guarded, total):
                    reader.read((unit, page, counted, label), unit_cells, _shown_text(_text(n, level), p))


@pytest.mark.parametrize("user", USERS)
def test_place_profiles_pin_no_hidden_month(force_con, user):
    months = _months(force_con)
    scope = USERS[user]
    query = _cached_query(force_con, scope)
    reader = certainty.Reader(POLICY)
    windows = _windows(_recent(months), scope=scope)
    _read_profiles(reader, "place", _place_totals(query), windows, months, "place")
    # The Places table of each quarter and year: the months' are read above as well
    # (test_places_pin_no_hidden_month), and they would double the time.
    for f in windows:
        if f.period != "month":
            _read_places_page(reader, query, f, months)

def _emerging_months(con) -> list:
    """The months the emerging mart has windows for, within the last eight quarters."""
    months = [m for (m,) in con.execute("select distinct month_to from mart_emerging_hotspots order by 1").fetchall()]
    return _recent(months)


def _emerging_texts(query, level: str, month) -> dict:
    """Area code → (the window's months, its recent count's text as the Map's tooltip shows it)."""
    rows = emerging_view.level_rows(query, level, month, "All", POLICY)
    perturbed = query("emerging_hotspots", level=level, month_to=month, locality="All").set_index("unit_code")
    months = pd.date_range(period_start(month, "quarter"), month, freq="MS").date
    assert set(rows["recent_months"]) == {len(months)}
    if len(months) == 2:  # no period anyone opens: never shown, so it tells nothing
        assert rows["recent_events"].isna().all()
        return {}
    return {code: (list(months), _shown_text(_text(n, level), perturbed.at[code, "recent_events"]))
            for code, n in zip(rows["unit_code"], rows["recent_events"])}


def _emerging_baselines(query, level: str, month) -> dict:
    """Area code → what its "× its baseline" tells: (months, text) of each quarter of its
    baseline as the Map shows it (told apart when its "c" hides a larger count, as the Map's
    are below). Nothing where no ratio is shown.

    The ratio is checked to be the one those texts and the window's give (a "c" quarter is
    0 to 5, so it may be a range): worked out from figures the Map shows, it tells no more
    than they do. It used to be of the baseline's own shown count, which the reader was
    granted: two baselines a quarter apart then told a "c" quarter was not empty."""
    rows = emerging_view.level_rows(query, level, month, "All", POLICY)
    start = period_start(month, "quarter")
    quarter_events = {}  # each quarter's events as the Map shows them, by its first month
    out = {}
    for _, row in rows.iterrows():
        ratio = emerging_view.ratio_text(row, POLICY, level)
        if ratio is None:
            continue
        held = pd.date_range(end=start - relativedelta(months=1), periods=int(row["baseline_months"]), freq="MS").date
        quarters = []
        for first in sorted({period_start(m, "quarter") for m in held}):
            if first not in quarter_events:
                f = Filters(first, period="quarter")
                quarter_events[first] = (map_view.area_events(query, f, POLICY, level).set_index("code")["events"],
                                         query("area_events", f, level=level).set_index("code")["events"])
            shown, perturbed = (events.at[row["unit_code"]] for events in quarter_events[first])
            quarters.append(([m for m in held if period_start(m, "quarter") == first],
                             _shown_text(_text(shown, level), perturbed)))
        # As the page reads them: a "c" the guard hid is a "c" like any other.
        texts = [disclosure.SUPPRESSED if text == certainty.SECONDARY else text for _, text in quarters]
        counts = [0 if text == disclosure.SUPPRESSED else float(text.replace(",", "")) for text in texts]
        hidden = texts.count(disclosure.SUPPRESSED)
        recent = float(_text(row["recent_events"], level).replace(",", "")) / row["recent_months"]
        usual_least, usual_most = sum(counts) / len(held), (sum(counts) + POLICY.suppress_max * hidden) / len(held)
        expected = fmt.ratio_range(recent / usual_most, recent / usual_least if usual_least else np.inf)
        assert ratio == f"{expected} its baseline", (row["unit_code"], month, ratio, quarters)
        out[row["unit_code"]] = quarters
    return out


@pytest.mark.parametrize("level", ["ward", "lsoa"])
def test_emerging_windows_with_the_map_pin_no_hidden_month(force_con, level):
    months = _emerging_months(force_con)
    data = _months(force_con)
    last = data[-1]
    query = _cached_query(force_con, WHOLE)
    reader, map_reader = certainty.Reader(POLICY), certainty.Reader(POLICY)  # the second reads the Map alone
    baselines = {month: _emerging_baselines(query, level, month) for month in months}
    # The Map's months and quarters over the windows and every baseline's months (up to 24
    # before each window's quarter).
    first = min([m for b in baselines.values() for quarters in b.values() for held, _ in quarters for m in held]
                + months)
    seen = [m for m in data if m >= first]
    for f in _windows(seen):
        f = _filters(f.month, f.period, last)
        if f.period == "year":
            continue
        areas = map_view.area_events(query, f, POLICY, level)  # as the Map shows them
        perturbed = query("area_events", f, level=level).set_index("code")["events"]
        for code, n in zip(areas["code"], areas["events"]):
            for r in (reader, map_reader):
                r.read((code, "map", _label(f)), [(code, m) for m in _held(f, seen)],
                       _shown_text(_text(n, level), perturbed.at[code]))
    read = 0
    for month in months:
        for code, (held, text) in _emerging_texts(query, level, month).items():
            reader.read((code, "emerging", f"{month:%Y-%m}"), [(code, m) for m in held], text)
        for code, quarters in baselines[month].items():
            for held, text in quarters:
                reader.read((code, "baseline", f"{held[0]:%Y-%m}"), [(code, m) for m in held], text)
            read += 1
    assert read, "some ratios are shown"
    told = reader.pinned(positive=True)
    assert not {k: v for k, v in told.items() if isinstance(v, int)}, told
    # Nor that a hidden one is not empty, beyond what the Map alone tells (its first quarter
    # holds two months of data: hidden as more than 5 over two "c" months, each is at least
    # 1; 6 wards and 36 LSOAs). Consecutive baselines, as their ratios gave them away, told
    # more: 34 ward and 103 LSOA months in all.
    known = map_reader.pinned(positive=True)
    assert told.keys() <= known.keys(), {k: v for k, v in told.items() if k not in known}


@pytest.mark.parametrize("level", ("ward", "lsoa"))
@pytest.mark.parametrize("user", USERS)
def test_area_profiles_pin_no_hidden_month(force_con, user, level):
    months = _months(force_con)
    scope = USERS[user]
    query = _cached_query(force_con, scope)

    def totals(f: Filters) -> tuple[pd.Series, pd.Series]:
        return (query("area_events", f, level=level).set_index("code")["events"],
                map_view.area_events(query, f, POLICY, level).set_index("code")["events"])

    reader = certainty.Reader(POLICY)
    _read_profiles(reader, "area", totals, _windows(_recent(months), scope=scope), months, level, page="map")
    pinned = reader.pinned()
    assert not pinned, pinned


@pytest.mark.parametrize("kind", ("place", "ward"))
def test_profile_events_read_as_the_profile_shows_them(force_con, kind):
    """The profiles' Events figures the attacks above work out for every place or area at
    once are those ``profile_view`` shows, one place or area at a time (Calderdale's, in
    the last year, quarter and month: some hidden at the ceiling of the timeline, some not)."""
    months = _months(force_con)
    query = _cached_query(force_con, CALDERDALE)
    weights = settings.current().hotspots.place_weights
    if kind == "place":
        sources, totals = PROFILE_SOURCES["place"], _place_totals(query)
    else:
        sources = PROFILE_SOURCES["area"]

        def totals(f):
            return (query("area_events", f, level=kind).set_index("code")["events"],
                    map_view.area_events(query, f, POLICY, kind).set_index("code")["events"])
    checked = hidden = 0
    # The latest periods first, back until some profile is hidden at its timeline's ceiling.
    windows = [(end, period) for end in months[::-1][:12] for period in PERIODS]
    for end, period in windows:
        if checked >= 15 and hidden >= 2:
            break
        f = _filters(end, period, months[-1], scope=CALDERDALE)
        held = _held(f, months)
        cells = pd.DataFrame({(s, m): totals(replace(f, month=m, period="month", sources=(s,)))[0]
                              for s in sources for m in held}).fillna(0)
        total, guarded = (x.reindex(cells.index).fillna(0) for x in totals(f))
        now = _profile_events(guarded, cells)
        at_ceiling = (now != guarded) & (total > POLICY.suppress_max)
        for unit in [*now.index[at_ceiling][:5], *now.index[~at_ceiling & (total > 0)][:5]]:
            # The profile itself, as the page draws it: its Events metric.
            prof = (profile_view.place_profile(query, unit, f, POLICY, weights, groups=False, scoped=True) if kind == "place"
                    else profile_view.area_profile(query, kind, unit, unit, f, POLICY, groups=False, scoped=True))
            shown = dict((name, value) for name, value, _ in prof.metrics)["Events"]
            assert shown == disclosure.fmt_count(now[unit], POLICY, "place" if kind == "place" else kind), \
                (unit, _label(f))
            checked, hidden = checked + 1, hidden + bool(at_ceiling[unit])
    assert checked and hidden, (checked, hidden)


def test_an_emerging_window_shows_the_figure_of_the_period_it_is(force_con):
    """At a quarter's first month the window is that month and at its last the quarter: the
    same records, so the same cell key and the same shown figure (or "c") as the Map's and
    the Places page's."""
    months = _emerging_months(force_con)
    last = _months(force_con)[-1]
    query = _cached_query(force_con, WHOLE)
    weights = settings.current().hotspots.place_weights
    checked = {"ward": 0, "place": 0}
    for month in months:
        period = {1: "month", 3: "quarter"}.get((month.month - 1) % 3 + 1)
        if period is None:
            continue
        f = _filters(month, period, last)
        pages = {"ward": map_view.area_events(query, f, POLICY, "ward").set_index("code")["events"],
                 "place": places_view.ranking(query, f, weights, POLICY).set_index("place_id")["events"]}
        for level, shown in pages.items():
            rows = emerging_view.level_rows(query, level, month, "All", POLICY)
            for code, n in zip(rows["unit_code"], rows["recent_events"]):
                assert _text(n, level) == _text(shown.get(code, 0), level), (level, code, month)
                checked[level] += not disclosure.is_suppressed(n, POLICY)
    assert all(checked.values()), checked
