"""Place and area profiles without Streamlit: the figures, the monthly chart with
disruption actions, and the tables (themes, places, peer groups, near-repeats, actions)
shown when a place or an area is chosen on the Map or Places page.

Every figure is protected here with :mod:`contextmap.disclosure`; pages lay a
:class:`Profile` out with ``contextmap.ui.page.show_profile``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, event_counts, fmt, period_guard, settings
from contextmap.disruption_view import timeline_figure
from contextmap.event_counts import area_count
from contextmap.filters import Filters
from contextmap.labels import label, labels
from contextmap.map_view import LEVELS, MEASURE_HELP
from contextmap.network import small_groups_row, split_small
from contextmap.places_view import cross_border_text, ranking, score_texts, shown_ranks, weights_text
from contextmap.queries import Query, has_table
from contextmap.settings import PlaceWeights

TREND_MONTHS = 24
NEAR_REPEATS = "Repeat incidents close together in time"


def near_repeat_help() -> str:
    """What the near-repeat table says, in plain words, and the method (a Knox test)."""
    shuffles = settings.current().hotspots.near_repeat_permutations
    return ("Do incidents here follow one another sooner than chance would give? Pairs: pairs of incidents at this "
            "place that many days apart. p value: how often the pairs would be at least as many if the dates were "
            f"shuffled at random among all places' incidents ({shuffles} shuffles, a Knox test); below 0.05, repeats "
            "this close are more than chance. Ratio, all places: pairs at all places against chance; above 1, "
            "repeats come sooner than chance.")


def trend_from(month_to, months: int = TREND_MONTHS):
    """The first month of a trend chart of ``months`` months ending in ``month_to``."""
    return (pd.Timestamp(month_to) - pd.DateOffset(months=months - 1)).date()


def monthly_wide(monthly: pd.DataFrame, policy: disclosure.Policy, level: str) -> pd.DataFrame:
    """``month``, ``event_source``, ``events`` rows → one row per month, a column per source,
    and ``hidden``: the sources whose count is hidden that month.

    Hidden counts are NaN (never a zero); the chart marks their months with a band.
    """
    if monthly.empty:
        return pd.DataFrame(columns=["month", "hidden"])
    protected = disclosure.protect_counts(monthly.reset_index(drop=True), ["events"], policy, level=level,
                                          with_status=True)
    wide = protected.pivot_table(index="month", columns="event_source", values="events", aggfunc="first", dropna=False)
    hidden = protected[protected["events_status"] == "suppressed"].groupby("month")["event_source"].agg(list)
    wide = wide.reset_index().rename_axis(columns=None)
    wide["hidden"] = [hidden.get(m, []) for m in wide["month"]]
    return wide


def theme_table(themes: pd.DataFrame, policy: disclosure.Policy, level: str) -> pd.DataFrame:
    """Themes with episodes protected, most frequent (as shown) first, "c" last, ties by name."""
    if themes.empty:
        return pd.DataFrame(columns=["Theme", "Episodes"])
    shown = disclosure.protect_frame(themes.reset_index(drop=True), ["episodes"], policy, level=level)
    table = pd.DataFrame({"Theme": labels(themes["theme"], "theme"), "Episodes": shown["episodes"]})
    return fmt.by_shown(table, ["Episodes"], ["Theme"])


@dataclass
class Profile:
    """What a place or area profile shows; pages lay it out, tests read it."""

    title: str
    subtitle: str
    metrics: list[tuple[str, str, str | None]] = field(default_factory=list)  # label, value, help
    timeline: go.Figure | None = None
    tables: list[tuple[str, pd.DataFrame, str]] = field(default_factory=list)  # heading, rows, empty message
    notes: list[str] = field(default_factory=list)
    table_help: dict[str, str] = field(default_factory=dict)  # heading → what the table means and how it is worked out
    metric_note: str | None = None  # a caption under the figures


def hidden_events_note(metrics: list[tuple[str, str, str | None]]) -> str | None:
    """A caption for a place's Events shown as "c" beside its Children shown: without it "c"
    beside, say, 6–8 children looks like a mistake. Generic, so it tells nothing of the count."""
    values = {label: value for label, value, _ in metrics}
    if values.get("Events") != disclosure.SUPPRESSED or values.get("Children", "—") in (disclosure.SUPPRESSED, "—"):
        return None
    return (f"Events {disclosure.SUPPRESSED} while children are shown: an events count is hidden when it is small, "
            "and also when it could be worked out from other figures (such as other periods or places) that would "
            "then give a small count away (secondary suppression). It need not be small.")


def _period_events(count: Callable[[Filters], float], filters: Filters, policy: disclosure.Policy,
                   monthly: pd.DataFrame) -> tuple[float, float | None]:
    """Events in the period and in the whole period before (None while the period is still
    running), each one perturbed count (``count`` of the filters, guarded across periods),
    hidden at the ceiling of the timeline's months beside it (:mod:`contextmap.period_guard`).

    Not the sum of the monthly counts: a month shown "c" holds its true count, so the sum
    less the months shown would give back the hidden ones.
    """
    def events(f) -> float:
        total = count(f)
        months = pd.to_datetime(monthly["month"])
        cells = monthly.loc[(months >= pd.Timestamp(f.month_from)) & (months <= pd.Timestamp(f.month_to)), "events"]
        return float(period_guard.hidden_value(policy)) if period_guard.at_ceiling(total, list(cells), policy, additive=True) \
            else total

    return events(filters), None if filters.to_date else events(filters.previous())


def _change(now, before, policy) -> str:
    if before is None:
        return "—"
    if disclosure.is_suppressed(now, policy) or disclosure.is_suppressed(before, policy):
        return "c"
    return fmt.change(now, before) or "—"


def _actions(actions: pd.DataFrame) -> pd.DataFrame:
    if actions.empty:
        return pd.DataFrame(columns=["Action", "From", "To", "Agency"])
    return pd.DataFrame({
        "Action": labels(actions["action_type"], "action"),
        "From": [fmt.month_label(d) if pd.notna(d) else "—" for d in actions["start_date"]],
        "To": [fmt.month_label(d) if pd.notna(d) else "ongoing" for d in actions["end_date"]],
        "Agency": labels(actions["agency"], "agency"),
    })


def _groups(groups: pd.DataFrame, policy) -> pd.DataFrame:
    """Peer groups seen at a place or in an area, by number, most events (as shown) first;
    groups too small to show only as a count."""
    if groups.empty:
        return pd.DataFrame(columns=["Group", "Events"])
    # A group of unknown size cannot be shown safely: it counts as small.
    sized = groups.assign(size=groups["size"].fillna(1) if "size" in groups else 1)
    big, hidden = split_small(sized, policy)
    cols = [c for c in ("events", "people") if c in big]
    shown = disclosure.protect_frame(big, cols, policy, level="place")
    out = pd.DataFrame({"Group": [f"Group {g}" for g in big["group_id"]], "Events": shown["events"]})
    if "people" in shown:
        out["Members seen"] = shown["people"]
    out["Last seen"] = [fmt.month_label(d) if pd.notna(d) else "—" for d in big["last_event_at"]]
    out = fmt.by_shown(out.assign(_group=big["group_id"].to_numpy()), ["Events"], ["_group"]).drop(columns="_group")
    if hidden:
        out = pd.concat([out, pd.DataFrame([small_groups_row(hidden, policy, list(out.columns))])], ignore_index=True)
    return out


def area_profile(query: Query, level: str, code: str, name: str, filters, policy: disclosure.Policy,
                 children: float | None = None, hotspot: pd.Series | None = None, groups: bool = True,
                 scoped: bool = False, cross_border: float | None = None) -> Profile:
    """Profile of one ward or LSOA for the filters: numbers, monthly trend, themes, places, groups.

    ``groups=False`` leaves peer groups out (roles that may not see the peer-group page). A
    council scope (``scoped``) counts its own (the queries filter by scope) and gets no rate
    and no peer groups: they count every council's children. ``cross_border`` is the area's
    number of councils (``mart_area_cross_border``), named in the subtitle when 2 or more.
    """
    params = {**filters.params(), "level": level, "code": code}
    monthly = query("area_profile_monthly", **params, trend_from=trend_from(filters.month_to))
    actions = query("area_profile_actions", level=level, code=code) if has_table(query, "stg_disruption_actions") else pd.DataFrame()
    now, before = _period_events(lambda f: area_count(query, f, policy, level, code), replace(filters, locality="All"),
                                 policy, monthly)
    rate = disclosure.protect_rate(now, children, policy) if children else None
    crossing = cross_border_text(cross_border)
    prof = Profile(title=name, subtitle=f"{LEVELS[level][:-1] if level == 'ward' else 'LSOA'} {code} · "
                   f"{filters.label}"
                   + (f" · Cross-border: {crossing.lower()}" if crossing else ""))
    prof.metrics = [
        ("Events", disclosure.fmt_count(now, policy, level), MEASURE_HELP["count"]),
        *([] if scoped else [("Rate per 1,000 children", "—" if rate is None else f"{1000 * rate:,.1f}",
                              MEASURE_HELP["rate"])]),
        ("Change", _change(now, before, policy), "Events against the whole period of the same kind just before (none while the period is still running)."),
        ("Children aged 10–17", fmt.number(children), "Children aged 10–17 living in the area (ONS estimates)."),
    ]
    if hotspot is not None:
        prof.metrics.append(("Gi* hotspot class", str(hotspot.get("gi_class", "—")), MEASURE_HELP["gi"]))
    prof.timeline = _timeline(monthly, actions, policy, level)
    places = query("area_profile_places", **params)
    places_shown = disclosure.protect_frame(places.reset_index(drop=True), ["events"], policy, level="place")
    prof.tables = [
        ("Themes in return home interviews", theme_table(query("area_profile_themes", **params), policy, level),
         "No return home interview themes recorded for episodes here in this period."),
        ("Places of concern here", fmt.by_shown(pd.DataFrame({"Place": places["name"], "Events": places_shown["events"]}),
                                                ["Events"], ["Place"]),
         "No places of concern are registered in this area."),
    ]
    if groups and not scoped and has_table(query, "mart_place_groups"):
        prof.tables.append(("Peer groups seen at its places", _groups(query("area_profile_groups", level=level, code=code), policy),
                            "No peer group has been seen at places in this area."))
    if not actions.empty:
        prof.tables.append(("Disruption actions", _actions(actions), ""))
    return prof


def _timeline(monthly: pd.DataFrame, actions: pd.DataFrame, policy, level) -> go.Figure:
    wide = monthly_wide(monthly, policy, level)
    acts = actions[["action_type", "start_date", "end_date"]] if not actions.empty else pd.DataFrame(
        columns=["action_type", "start_date", "end_date"])
    fig = timeline_figure(wide, acts, hidden_height=policy.suppress_max)
    counts = wide.drop(columns=["month", "hidden"])
    if not counts.empty and not counts.fillna(0).to_numpy().any() and not wide["hidden"].map(len).any():
        fig.add_annotation(text="No events here in these months.", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14, "color": "#555555"})
        fig.update_yaxes(visible=False)
    fig.update_layout(height=340)
    return fig


def period_note(f: Filters, table: Filters) -> str:
    """Which period a place profile (filters ``f``, the sidebar's) and the places table above
    it (filters ``table``, often the year holding the month) each cover: a place's Events in
    a month under its row for the year must not read as a contradiction."""
    if table.label == f.label:
        return f"Figures for {f.label}, the same period as the table above."
    return (f"Figures for {f.label} (the sidebar's period); the table above is for "
            f"{f.year_window_text() if table.label == f.year_window().label else table.label}.")


def place_profile(query: Query, place_id: str, filters, policy: disclosure.Policy, weights: PlaceWeights,
                  groups: bool = True, scoped: bool = False) -> Profile | None:
    """Profile of one place of concern: figures, events by source by month, themes, groups,
    near-repeats and the disruption timeline. None when the place is unknown or not in the
    user's scope. A council scope (``scoped``) gets no hotspot flag, peer groups or
    near-repeats: they count every council's children."""
    info = query("place_profile", place_id=place_id)
    if info.empty:
        return None
    row = info.iloc[0]
    params = {**filters.params(), "place_id": place_id}
    monthly = query("place_profile_monthly", **params, trend_from=trend_from(filters.month_to))
    actions = query("place_profile_actions", place_id=place_id) if has_table(query, "stg_disruption_actions") else pd.DataFrame()
    def place_count(f: Filters) -> float:
        # Every place's count, guarded as the Places table guards it: a part with nothing in
        # it anywhere in the view counts as known to be empty there too.
        rows = event_counts.place_events(query, f, policy)
        return float(rows.loc[rows["place_id"] == place_id, "events"].sum())

    now, before = _period_events(place_count, filters, policy, monthly)
    category = label(row["category"], "category")
    prof = Profile(title=str(row["name"]),
                   subtitle=f"{category} · {row['ward_name'] or '—'}, {row['locality'] or '—'} · {row['sector'] or ''} · "
                   f"{filters.label}"
                   # Cross-border: more than suppress_max children of each council (mart_place_cross_border).
                   + (f" · Cross-border: {cross_border_text(row['cross_border_councils']).lower()}"
                      if row["is_cross_border"] else ""))
    prof.metrics = [
        ("Events", disclosure.fmt_count(now, policy, "place"), "Events linked to the place in the period: found there, "
         "named in a return home interview, or offences there or within the place radius."),
        ("Change", _change(now, before, policy), "Events against the whole period of the same kind just before (none while the period is still running)."),
    ]
    if has_table(query, "mart_place_hotspots"):
        ranked_places = ranking(query, replace(filters, locality="All"), weights, policy)
        ranked = ranked_places[ranked_places["place_id"] == place_id]
        if not ranked.empty:
            r = ranked.iloc[0]
            ranks = shown_ranks(ranked_places, weights, policy).set_axis(ranked_places["place_id"])
            prof.metrics += [
                ("Score", score_texts(ranked, weights, policy).iloc[0], weights_text(weights)),
                ("Rank", "—" if pd.isna(ranks[place_id]) else f"{int(ranks[place_id]):,} of {int(ranks.notna().sum()):,}",
                 "1 = highest score among the places whose score can be shown in the period."),
                ("Children", disclosure.fmt_count(r["children"], policy, "place"), "Distinct children linked to the place's events."),
            ]
            if not scoped:
                prof.metrics.append(("Hotspot", "Yes" if pd.notna(r["is_hotspot"]) and bool(r["is_hotspot"]) else "No",
                                     "More events than an average place, beyond chance after a false-discovery-rate "
                                     "correction, with at least the minimum number of events (every child counted)."))
    prof.metric_note = hidden_events_note(prof.metrics)
    prof.timeline = _timeline(monthly, actions, policy, "place")
    prof.tables = [
        ("Themes in return home interviews", theme_table(query("place_profile_themes", **params), policy, "place"),
         "No return home interview themes recorded for episodes linked to this place in this period."),
    ]
    if groups and not scoped and has_table(query, "mart_place_groups"):
        prof.tables.append(("Peer groups seen here", _groups(query("place_profile_groups", place_id=place_id), policy),
                            "No peer group has been seen here."))
    if not scoped and has_table(query, "mart_near_repeat"):
        rows = pd.concat([query("near_repeat", place_id=place_id), query("near_repeat", place_id="All places")])
        prof.tables.append((NEAR_REPEATS, near_repeat_table(rows, place_id, policy),
                            "Too few incidents here to tell whether repeats come sooner than chance."))
        prof.table_help[NEAR_REPEATS] = near_repeat_help()
    prof.tables.append(("Disruption actions", _actions(actions), "No disruption action recorded here."))
    return prof


def near_repeat_table(rows: pd.DataFrame, place_id: str, policy: disclosure.Policy) -> pd.DataFrame:
    """Days bands of repeat incidents at the place, with the permutation p value, beside all
    places' ratio to chance.

    Not the place's own expected pairs or ratio: the expectation grows with the square of
    the place's number of incidents, which it would give back (even where that is "c").
    """
    mine = rows[rows["place_id"] == place_id].reset_index(drop=True)
    if mine.empty:
        return pd.DataFrame(columns=["Days apart", "Pairs", "p value", "Ratio, all places"])
    shown = disclosure.protect_frame(mine, ["observed"], policy, level="place")
    every = rows[rows["place_id"] == "All places"].set_index("days_band")["ratio"]
    return pd.DataFrame({
        "Days apart": mine["days_band"],
        "Pairs": shown["observed"],
        "p value": ["—" if o == "c" else ("< 0.001" if p < 0.001 else f"{p:.3f}") for o, p in zip(shown["observed"], mine["p_value"])],
        "Ratio, all places": mine["days_band"].map(every).round(2),
    })
