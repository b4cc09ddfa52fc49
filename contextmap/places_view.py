"""The Places page's logic without Streamlit: each place's score and rank from its shown
counts, the ranking's parameters, sparklines and the ranked places table.

Every figure is protected here with :mod:`contextmap.disclosure`; the page only lays
things out. A place's profile is in :mod:`contextmap.profile_view`, its map marker in
:mod:`contextmap.map_view`.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from contextmap import auth, disclosure, event_counts, fmt, hotspot_stats, period_guard
from contextmap.event_counts import PLACE_SOURCES as PLACE_PARTS
from contextmap.filters import Filters, period_start
from contextmap.labels import labels
from contextmap.queries import Query
from contextmap.settings import PlaceWeights


def shown_counts(places: pd.DataFrame, policy: disclosure.Policy) -> pd.DataFrame:
    """Each place's events and sources as the Places table shows them (NaN where hidden, a
    source hidden beside the others so the events less them give nothing back), by position:
    every page that shows a place's counts shows these."""
    return disclosure.protect_counts(places.reset_index(drop=True), ["events", *PLACE_PARTS], policy, level="place",
                                     total_col="events", parts=list(PLACE_PARTS))


def shown_scores(places: pd.DataFrame, weights: PlaceWeights, policy: disclosure.Policy) -> pd.Series:
    """Each place's score from its shown (protected) counts, a hidden part ("c") counting as
    0; NaN when the place's events are hidden.

    Worked out only from what the table shows, the score gives nothing away: a score from the
    true parts beside them would give back a hidden part (the weights are public), and
    hiding it whenever a part is hidden would hide it at most places, since zero is "c" too.
    """
    protected = shown_counts(places, policy)
    score = sum(float(getattr(weights, part)) * protected[part].fillna(0) for part in PLACE_PARTS)
    return score.where(protected["events"].notna()).set_axis(places.index)


NO_SCORE = "—"


def score_texts(places: pd.DataFrame, weights: PlaceWeights, policy: disclosure.Policy) -> pd.Series:
    """Each place's score as shown: "12.5", "≥ 4.0" when a part is hidden (it counts as 0,
    so the score is at least that), "—" when every part it counts is hidden (a "≥ 0.0" says
    nothing), "c" when the place's events are hidden."""
    df = places.reset_index(drop=True)
    hidden = shown_counts(df, policy)[list(PLACE_PARTS)].isna().any(axis=1)
    texts = [disclosure.SUPPRESSED if pd.isna(v) else NO_SCORE if h and v == 0 else f"≥ {v:,.1f}" if h else f"{v:,.1f}"
             for v, h in zip(shown_scores(df, weights, policy), hidden)]
    return pd.Series(texts, index=places.index, dtype=object)


def shown_ranks(places: pd.DataFrame, weights: PlaceWeights, policy: disclosure.Policy) -> pd.Series:
    """Each place's rank by its shown score (1 = highest; ties share a rank); NaN where the
    score is hidden or 0, so a rank never orders places whose scores the reader cannot see."""
    scores = shown_scores(places, weights, policy)
    return scores.where(scores > 0).rank(ascending=False, method="min")


def ranking_params(weights: PlaceWeights) -> dict:
    """The ``$w_*`` parameters of ``place_ranking.sql`` from ``[hotspots.place_weights]``."""
    return {f"w_{part}": float(getattr(weights, part)) for part in PLACE_PARTS}


def ranking(query: Query, f: Filters, weights: PlaceWeights, policy: disclosure.Policy) -> pd.DataFrame:
    """The ``place_ranking`` rows of filters ``f`` as every page shows them: each count
    guarded across periods (:mod:`contextmap.period_guard`), and the events of the period
    before as that period's own view shows them (a Change column would give them back)."""
    places = period_guard.guarded(query, "place_ranking", f, policy, keys=["place_id"],
                                  counts=[*event_counts.PLACE["counts"], "children"],
                                  additive=event_counts.PLACE["additive"], within=event_counts.PLACE["within"],
                                  parts_name="place_counts",
                                  **ranking_params(weights))
    if f.to_date:
        return places
    # place_counts counts as place_ranking does, at a third of its cost: the period before
    # needs only its events.
    before = event_counts.place_events(query, f.previous(), policy).set_index("place_id")["events"]
    return places.assign(previous_events=places["place_id"].map(before).fillna(0).astype(int))


SPARK_QUARTERS = 8
SPARK_COLUMN = "Last 2 years"


def quarter_counts(query: Query, f: Filters, policy: disclosure.Policy) -> pd.DataFrame:
    """Each place's events in the 8 calendar quarters to the one holding the end of filters
    ``f`` (``quarters_ago`` 0 is that quarter, so far while it runs), as the quarters' own
    views show them.

    Quarters, not rolling 3-month blocks: they are the periods every other view shows, so no
    block can be set against a quarter to isolate a month. A quarter at the ceiling of its
    hidden months is hidden as the quarter's own view hides it (:mod:`contextmap.period_guard`).
    """
    last = dataclasses.replace(f, month=f.month_to, period="quarter")
    rows = query("place_profile_quarters", f, quarter_to=last.month_to)
    is_month = rows["month"].notna()
    guarded = []
    for ago, quarter in rows[~is_month].groupby("quarters_ago"):
        months = rows[is_month & (rows["quarters_ago"] == ago)]
        guarded.append(period_guard.hide_at_ceiling(quarter, [m for _, m in months.groupby("month")], ["place_id"],
                                                    policy=policy, **event_counts.PLACE))
    return pd.concat(guarded) if guarded else rows[~is_month]


def _per_place(quarters: pd.DataFrame) -> dict[str, pd.Series]:
    """Place id → its events by ``quarters_ago`` (0 to 7; a quarter with none is 0)."""
    return {place: grp.set_index("quarters_ago")["events"].reindex(range(SPARK_QUARTERS), fill_value=0)
            for place, grp in quarters.groupby("place_id")}


def sparklines(quarters: pd.DataFrame, policy: disclosure.Policy) -> dict[str, list[float]]:
    """Place id → events in each quarter of :func:`quarter_counts` (oldest first), for a sparkline.

    A sparkline cannot show a gap, and a hidden quarter must never be drawn as a number: a
    place with any quarter of 0 to suppress_max events, or hidden, gets none (an empty list).
    """
    out = {}
    for place, counts in _per_place(quarters).items():
        counts = counts[::-1]
        if any(disclosure.is_suppressed(v, policy) for v in counts):
            out[place] = []
        else:
            out[place] = [float(disclosure.round_count(float(v), policy, "place")) for v in counts]
    return out


TREND_ALPHA = 0.05


def shown_trends(quarters: pd.DataFrame, f: Filters, policy: disclosure.Policy) -> dict[str, str]:
    """Place id → "Rising", "Falling" or "Steady": the quarter so far against the whole quarter
    before, from :func:`quarter_counts` as shown; "—" when either is hidden.

    An exact binomial test on the two monthly rates (each side's share of the events in
    proportion to its months), one-sided each way at 5%. Worked out from the shown counts: a
    test of the true ones beside a hidden quarter would bound it (Rising on 6 shown events
    against a hidden quarter says the hidden one held at most 1).
    """
    recent_months = f.month_to.month - period_start(f.month_to, "quarter").month + 1
    out = {}
    for place, counts in _per_place(quarters).items():
        recent, before = counts[0], counts[1]
        if disclosure.is_suppressed(recent, policy) or disclosure.is_suppressed(before, policy):
            out[place] = "—"
            continue
        recent = float(disclosure.round_count(float(recent), policy, "place"))
        before = float(disclosure.round_count(float(before), policy, "place"))
        if hotspot_stats.rate_test_p([recent], [before], recent_months, 3)[0] < TREND_ALPHA:
            out[place] = "Rising"
        elif hotspot_stats.rate_test_p([before], [recent], 3, recent_months)[0] < TREND_ALPHA:
            out[place] = "Falling"
        else:
            out[place] = "Steady"
    return out


def cross_border_text(councils, short: bool = False) -> str:
    """"Used by children from N councils" (``short``: "N councils") for a cross-border place
    (``mart_place_cross_border``: councils with more than suppress_max children there), else ""."""
    if pd.isna(councils) or councils < 2:
        return ""
    return f"{int(councils)} councils" if short else f"Used by children from {int(councils)} councils"


def scope_note(council_name: str) -> str:
    """What a council user's place figures count, and which places they see."""
    return (f"{council_name} only: the places in {council_name}, next to it, or where {council_name}'s children "
            f"went missing or were found or named in an interview. Events are {council_name}'s children's, and "
            f"offences only at places in or next to {council_name}. The hotspot flag, peer groups and near-repeats "
            "count every council's children and are not shown at council level.")


def places_table(places: pd.DataFrame, weights: PlaceWeights, policy: disclosure.Policy, scoped: bool = False,
                 quarters: pd.DataFrame | None = None, f: Filters | None = None) -> pd.DataFrame:
    """The ranked places table: protected counts, and the score from the shown ones.

    ``quarters`` are :func:`quarter_counts` of filters ``f``, for the sparklines
    (:func:`sparklines`) and trends (:func:`shown_trends`); none: no sparklines, every trend
    "—". A council scope (``scoped``) gets no hotspot flag: it counts every council's children. A
    period to date (no ``previous_events``) gets no Change column, a table where no place has
    every quarter shown no sparklines, and a one-council build no Cross-border column: a column
    of "—" or of blanks says nothing."""
    if quarters is not None and f is None:
        raise ValueError("places_table: the quarters' filters f are needed for the trends")
    sparks = {} if quarters is None else sparklines(quarters, policy)
    trends = {} if quarters is None else shown_trends(quarters, f, policy)
    counts = ["events", *PLACE_PARTS, "children"]
    df = places.reset_index(drop=True)
    shown = disclosure.protect_frame(df, counts, policy, level="place", total_col="events",
                                     parts=list(PLACE_PARTS))
    hidden = shown["events"] == disclosure.SUPPRESSED
    table = pd.DataFrame({
        "Rank": shown_ranks(df, weights, policy).astype("Int64"),
        "Place": df["name"],
        "Score": score_texts(df, weights, policy),
        SPARK_COLUMN: [sparks.get(pid, []) for pid in df["place_id"]],
        "Events": shown["events"],
        "Found here": shown["missing_found"],
        "Named in RHIs": shown["rhi_mention"],
        "Offences": shown["offence"],
        "Children": shown["children"],
        "Change": [(fmt.change(e, p) or "—") if not h and pd.notna(p) and not disclosure.is_suppressed(p, policy) else "—"
                   for e, p, h in zip(df["events"], df["previous_events"], hidden)],
        "Trend": [trends.get(pid, "—") for pid in df["place_id"]],
        "Hotspot": df["is_hotspot"].fillna(False).astype(bool),
        "Cross-border": [cross_border_text(n, short=True) or "—" for n in df["cross_border_councils"]],
        "Category": labels(df["category"], "category"),
        "Locality": df["locality"],
        "place_id": df["place_id"],
    })
    # Ranked places first, then the rest by their shown events (never the query's own order,
    # which follows exact scores): a busy place whose score is hidden still comes near the top.
    events = pd.to_numeric(table["Events"].str.replace(",", ""), errors="coerce").fillna(fmt.HIDDEN_SORT_KEY)
    if scoped:
        table = table.drop(columns="Hotspot")
    if df["previous_events"].isna().all():
        table = table.drop(columns="Change")
    if not any(sparks.values()):
        table = table.drop(columns=SPARK_COLUMN)
    if len(auth.build_councils()) < 2:  # no place can be used by children of two councils
        table = table.drop(columns="Cross-border")
    return table.assign(_events=events).sort_values(["Rank", "_events", "Place"], ascending=[True, False, True],
                                                    na_position="last", ignore_index=True).drop(columns="_events")


TREND_ORDER = {"Rising": 1, "Steady": 2, "Falling": 3}


def sort_keys(table: pd.DataFrame) -> dict[str, list[float]]:
    """The numbers the places grid sorts its text columns by (:func:`contextmap.fmt.sortable`),
    read from the table's shown text alone, so no sort orders hidden values by their true ones.

    Streamlit's grid sorts a missing number as 0, first when ascending: an unranked place
    sorts after the last rank (one key for all), so Rank ascending reads 1, 2, 3 … then the
    rest; Trend ascending reads Rising, Steady, Falling, then "—". Score sorts by the number
    shown ("≥ 9.0" as 9.0); "c" and "—" are missing, last when sorting highest first.
    Cross-border sorts by its number of councils."""
    keys: dict[str, list[float]] = {}
    if "Rank" in table:
        unranked = float(len(table) + 1)
        keys["Rank"] = [unranked if pd.isna(r) else float(r) for r in table["Rank"]]
    if "Score" in table:
        keys["Score"] = [float(t.removeprefix("≥ ").replace(",", "")) if t not in (disclosure.SUPPRESSED, NO_SCORE)
                         else float("nan") for t in table["Score"]]
    if "Trend" in table:
        keys["Trend"] = [float(TREND_ORDER.get(t, len(TREND_ORDER) + 1)) for t in table["Trend"]]
    if "Cross-border" in table:
        keys["Cross-border"] = [float(t.split()[0]) if t.endswith(" councils") else float("nan")
                                for t in table["Cross-border"]]
    return keys


def weights_text(weights: PlaceWeights) -> str:
    """The place score's formula in words, from ``[hotspots.place_weights]``."""
    names = {"missing_found": "children found there", "rhi_mention": "return home interviews naming it",
             "offence": "offences there or nearby"}
    parts = [f"{w:g} × {names[k]}" for k, w in dataclasses.asdict(weights).items()]
    return ("Score = " + " + ".join(parts) + " (weights agreed locally, set by the administrator), from the counts "
            "shown: a hidden count (c) adds nothing.")
