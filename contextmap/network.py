"""Peer groups for the screen: the ranked table, the network figure and a group's profile.

Pure functions of query results (no Streamlit), so pages, the meeting pack and tests
share them. Every count passes through :mod:`contextmap.disclosure`. A group with no
more members than ``suppress_max`` is never shown on its own: it only adds to a count of
small groups. Nodes of the network are anonymous: their hover names the group and the
activity, never the pseudonym, unless the caller passes ``show_pseudonyms=True`` (which
the page does only for roles allowed to see pseudonyms, after a logged justification).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import igraph as ig
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, fmt
from contextmap.labels import EVIDENCE, label, labels
from contextmap.maps import PLACE_FILL, SUPPRESSED_FILL, LegendEntry, legend_markdown

# Okabe-Ito: distinct for the common kinds of colour blindness (black left for text).
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")
EVIDENCE_COLOURS = {"missing_together": "#56B4E9", "co_offending": "#D55E00", "rhi_named": "#009E73"}
MIX_TITLES = {"age_band": "Age band", "sex": "Sex", "looked_after": "Looked after", "offence_group": "Offences by type",
              "rhi_theme": "Return interview themes", "locality": "Events by locality", "district": "Events by postcode district"}


def group_label(group_id) -> str:
    """``7`` → ``"Group 7"``."""
    return f"Group {int(group_id)}"


def cross_border(group) -> str:
    """``"cross-border: children from 2 councils"`` for a group whose members are children of
    two or more councils (``mart_peer_groups.is_cross_border``), else ``""``."""
    councils = group.get("councils")
    if not group.get("is_cross_border") or councils is None or pd.isna(councils):
        return ""
    return f"cross-border: children from {int(councils)} councils"


def split_small(groups: pd.DataFrame, policy: disclosure.Policy) -> tuple[pd.DataFrame, int]:
    """The groups big enough to show on their own, and how many smaller ones there are."""
    # As bool: an empty object Series would select columns, not rows.
    small = groups["size"].map(lambda n: disclosure.is_suppressed(n, policy)).astype(bool)
    return groups[~small].reset_index(drop=True), int(small.sum())


def small_groups_note(hidden: int, policy: disclosure.Policy) -> str | None:
    """The sentence that stands in for groups too small to show, or None."""
    if not hidden:
        return None
    noun = "group has" if hidden == 1 else "groups have"
    return (f"{fmt.number(hidden)} further {noun} {policy.suppress_max} or fewer members: "
            "too few to show on their own.")


def small_groups_row(hidden: int, policy: disclosure.Policy, columns) -> dict[str, str]:
    """A last table row standing in for the groups too small to show on their own: only how many."""
    noun = "group" if hidden == 1 else "groups"
    row = dict.fromkeys(columns, "")
    row[columns[0]] = f"{fmt.number(hidden)} further {noun} of {policy.suppress_max} or fewer members (not shown)"
    return row


def _list_text(values, limit: int = 3, kind: str | None = None, names: bool = False) -> str:
    """Up to ``limit`` values as "A, B and 2 more", in alphabetical order; ``names`` (places,
    postcode districts) are shown as stored, never read as codes ("HD1" would become "Hd1").

    Alphabetical, not as given: the marts list a group's localities, districts and themes
    most frequent first by true count, an order its shown counts would not always give.
    """
    items = sorted(str(v) if names else label(v, kind) for v in (values if values is not None else []) if v is not None)
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "") or "—"


def group_table(groups: pd.DataFrame, policy: disclosure.Policy) -> tuple[pd.DataFrame, int]:
    """The ranked group table to show, and the number of small groups left out of it.

    ``groups`` has the columns of ``mart_peer_groups`` (and optionally ``period_events``,
    events in the chosen period). Rows are ranked by their events in the last three months
    as shown ("c" below every shown count), ties by group number: the mart's own rank is
    of the true counts, which the order would give away.
    """
    shown, hidden = split_small(groups.sort_values("group_id"), policy)
    counts = [c for c in ("size", "recent_events", "period_events", "events", "episodes", "offences", "places")
              if c in shown]
    protected = disclosure.protect_frame(shown, counts, policy)
    table = pd.DataFrame({
        "Group": shown["group_id"].map(group_label),
        "Members": protected["size"],
        "Last 3 months": protected["recent_events"],
    })
    if "period_events" in protected:
        table["In period"] = protected["period_events"]
    table["All events"] = protected["events"]
    table["Episodes"] = protected["episodes"]
    table["Offences"] = protected["offences"]
    table["Places"] = protected["places"]
    table["Mainly linked by"] = [label(e, "evidence") for e in shown["main_evidence"]]
    table["Localities"] = shown["localities"].map(_list_text)
    if "is_cross_border" in shown and shown["is_cross_border"].any():
        table["Across borders"] = [cross_border(row) for _, row in shown.iterrows()]
    table["Last activity"] = shown["last_activity_at"].map(lambda d: fmt.month_label(d) if pd.notna(d) else "—")
    table["group_id"] = shown["group_id"].astype(int)
    table = fmt.by_shown(table, ["Last 3 months"], ["group_id"])
    # Rank among the groups shown, so hidden small groups leave no gaps to count.
    table.insert(0, "Rank", range(1, len(table) + 1))
    return table, hidden


# --- network --------------------------------------------------------------------------


def _group_layout(members: list[str], edges: pd.DataFrame) -> np.ndarray:
    """Kamada-Kawai positions of one group, centred, within a radius of about 1.

    Kamada-Kawai is deterministic from its starting positions (a circle in member order),
    so the same members and links always give the same picture.
    """
    n = len(members)
    if n == 1:
        return np.zeros((1, 2))
    index = {p: i for i, p in enumerate(members)}
    inside = edges[edges["person_a"].isin(index) & edges["person_b"].isin(index)].sort_values(["person_a", "person_b"])
    g = ig.Graph(n=n, edges=list(zip(inside["person_a"].map(index), inside["person_b"].map(index))))
    angles = 2 * math.pi * np.arange(n) / n
    start = np.column_stack([np.cos(angles), np.sin(angles)]).tolist()
    coords = np.array(g.layout_kamada_kawai(seed=start, maxiter=50 * n).coords)
    coords -= coords.mean(axis=0)
    radius = np.abs(coords).max() or 1.0
    return coords / radius


def layout(nodes: pd.DataFrame, edges: pd.DataFrame, group_order: list[int]) -> pd.DataFrame:
    """``nodes`` with ``x`` and ``y``: each group laid out alone, groups on a grid in rank order."""
    cols = max(1, math.ceil(math.sqrt(len(group_order))))
    parts = []
    for k, gid in enumerate(group_order):
        members = nodes[nodes["group_id"] == gid].sort_values("person_key")
        xy = _group_layout(members["person_key"].tolist(), edges) * min(1.2, 0.5 + 0.05 * len(members))
        row, col = divmod(k, cols)
        parts.append(members.assign(x=xy[:, 0] + 3 * col, y=xy[:, 1] - 3 * row))
    return pd.concat(parts, ignore_index=True) if parts else nodes.assign(x=[], y=[])


def _node_size(events: pd.Series, policy: disclosure.Policy) -> pd.Series:
    # Area in proportion to activity as shown, from 8 px (no events) to 28 px (the busiest):
    # every hidden count ("c") gets the size of suppress_max, so a dot never tells 1 from 5.
    shown = events.astype(float).where(~events.map(lambda n: disclosure.is_suppressed(n, policy)),
                                       float(policy.suppress_max))
    top = max(float(shown.max()), 1.0)
    return 8 + 20 * np.sqrt(shown.clip(lower=0) / top)


def in_group_order(nodes: pd.DataFrame, group_ids: list) -> pd.DataFrame:
    """``nodes`` with their groups in the order of ``group_ids`` (the groups table's, by
    shown activity), members by pseudonym: the order the network draws them in."""
    position = {g: i for i, g in enumerate(group_ids)}
    return nodes.assign(_at=nodes["group_id"].map(position)).sort_values(["_at", "person_key"]).drop(columns="_at")


def drawn_members(nodes: pd.DataFrame, policy: disclosure.Policy) -> pd.DataFrame:
    """The members the network draws: each group's ``suppress_max + 1`` most active (by
    events as shown, ties by pseudonym), in the order given, so every group drawn has the
    same number of dots and the drawing never tells how many members it has (the groups
    table perturbs that). A group with no more than ``suppress_max`` members to draw (a
    council user's own, in a group with other councils' children) is left out: its dots
    would count the council's own members, and the group size less them the others."""
    shown = nodes["events"].astype(float).where(
        ~nodes["events"].map(lambda n: disclosure.is_suppressed(n, policy)), float(policy.suppress_max))
    big = nodes.groupby("group_id")["person_key"].transform("size") > policy.suppress_max
    ranked = nodes[big].assign(_shown=shown[big]).sort_values(["_shown", "person_key"], ascending=[False, True])
    kept = ranked.groupby("group_id", sort=False).head(policy.suppress_max + 1).index
    return nodes.loc[nodes.index.isin(kept)]


def _few_note(few: int, policy: disclosure.Policy) -> str:
    one = few == 1
    return (f"{fmt.number(few)} {'group has' if one else 'groups have'} {policy.suppress_max} or fewer members in "
            f"your scope and {'is' if one else 'are'} not drawn.")


def network_figure(nodes: pd.DataFrame, edges: pd.DataFrame, policy: disclosure.Policy,
                   show_pseudonyms: bool = False, hidden_groups: int = 0) -> go.Figure:
    """The peer-group network: one colour per group, nodes sized by activity, no names.

    Parameters
    ----------
    nodes : DataFrame
        ``group_id``, ``person_key``, ``events``, ``recent_events``, one row per member of
        the groups to draw (the page passes the top groups by recent activity, each
        bigger than ``suppress_max``), in the order the groups should appear; only
        :func:`drawn_members` of them are drawn.
    edges : DataFrame
        ``person_a``, ``person_b``, ``weight`` and the counts ``missing_together``,
        ``co_offending``, ``rhi_named``; links between members of different groups are
        drawn faintly.
    policy : disclosure.Policy
    show_pseudonyms : bool
        Add each member's pseudonym to its hover text (analysts only).
    hidden_groups : int
        Small groups left out, named in the caption.
    """
    fig = go.Figure()
    given = nodes["group_id"].nunique()
    nodes = drawn_members(nodes, policy)
    few = given - nodes["group_id"].nunique()
    if nodes.empty:
        fig.add_annotation(text=_few_note(few, policy) if few else "No peer group is big enough to show.",
                           showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_layout(xaxis_visible=False, yaxis_visible=False, template="simple_white")
        return fig
    order = list(dict.fromkeys(nodes["group_id"].astype(int)))
    placed = layout(nodes, edges, order)
    where = {p: (x, y, g) for p, x, y, g in zip(placed["person_key"], placed["x"], placed["y"], placed["group_id"])}
    drawn = edges[edges["person_a"].isin(where) & edges["person_b"].isin(where)]
    for same, style in ((True, {"color": "rgba(90,90,90,0.45)", "width": 1.2}),
                        (False, {"color": "rgba(90,90,90,0.25)", "width": 0.8, "dash": "dot"})):
        xs, ys = [], []
        for a, b in zip(drawn["person_a"], drawn["person_b"]):
            if (where[a][2] == where[b][2]) == same:
                xs += [where[a][0], where[b][0], None]
                ys += [where[a][1], where[b][1], None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=style, hoverinfo="skip",
                                     name="Link within a group" if same else "Link between groups", showlegend=True))
    sizes = _node_size(placed["events"], policy)
    for k, gid in enumerate(order):
        mine = placed["group_id"] == gid
        members = placed[mine]
        hover = [
            f"{group_label(gid)}<br>Events: {disclosure.fmt_count(e, policy)}"
            f"<br>In the last 3 months: {disclosure.fmt_count(r, policy)}"
            + (f"<br>Pseudonym: {p}" if show_pseudonyms else "")
            for e, r, p in zip(members["events"], members["recent_events"], members["person_key"])
        ]
        fig.add_trace(go.Scatter(
            x=members["x"], y=members["y"], mode="markers", name=group_label(gid),
            marker={"size": sizes[mine], "color": PALETTE[k % len(PALETTE)], "line": {"color": "#333333", "width": 1},
                    "symbol": ("circle", "square", "diamond")[(k // len(PALETTE)) % 3]},
            text=hover, hovertemplate="%{text}<extra></extra>",
        ))
    # One sentence a line: on one line the title runs past a 1024-px screen's chart.
    caption = ("Each dot is a young person (never named); size shows their events."
               f"<br>Up to {policy.suppress_max + 1} of each group's most active are drawn.")
    if hidden_groups:
        caption += (f"<br>{fmt.number(hidden_groups)} smaller "
                    + ("group is" if hidden_groups == 1 else "groups are") + " not drawn.")
    if few:
        caption += "<br>" + _few_note(few, policy)
    fig.update_layout(
        template="simple_white", height=560, margin={"l": 10, "r": 10, "t": 80, "b": 40},
        xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x"},
        legend={"orientation": "h", "y": -0.02}, hovermode="closest",
        title={"text": caption, "font": {"size": 13}},
    )
    return fig


# --- a group's profile ----------------------------------------------------------------


@dataclass
class Profile:
    """What the page shows for one group: headline figures, charts, tables and map points."""

    title: str
    subtitle: str
    across: str = ""
    metrics: list[tuple[str, str, str]] = field(default_factory=list)
    evidence: go.Figure | None = None
    trend: go.Figure | None = None
    mixes: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    places: pd.DataFrame = field(default_factory=pd.DataFrame)
    points: pd.DataFrame = field(default_factory=pd.DataFrame)


def _bar(labels, values, colours, title: str, policy: disclosure.Policy) -> go.Figure:
    frame = pd.DataFrame({"label": labels, "n": values})
    shown = disclosure.protect_counts(frame, ["n"], policy)
    text = [disclosure.SUPPRESSED if pd.isna(v) else fmt.number(v) for v in shown["n"]]
    fig = go.Figure(go.Bar(
        x=shown["n"].fillna(0), y=frame["label"], orientation="h", marker_color=colours, text=text,
        textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    fig.update_layout(template="simple_white", height=70 + 40 * len(frame), title=title,
                      margin={"l": 10, "r": 40, "t": 40, "b": 30}, xaxis_title=None, yaxis={"autorange": "reversed"})
    return fig


def evidence_figure(group: pd.Series, policy: disclosure.Policy) -> go.Figure:
    """Links within the group by the evidence behind them (a link can have several kinds)."""
    kinds = list(EVIDENCE)
    return _bar([EVIDENCE[k] for k in kinds], [int(group[f"links_{k}"]) for k in kinds],
                [EVIDENCE_COLOURS[k] for k in kinds], "Links by evidence", policy)


TREND_TITLE = "Events by quarter<br><sup>Gaps: too few to show</sup>"


def trend_figure(monthly: pd.DataFrame, policy: disclosure.Policy) -> go.Figure:
    """Events by quarter (months are mostly too small to show), hidden quarters as gaps."""
    if monthly.empty:
        return go.Figure()
    q = monthly.assign(quarter=pd.PeriodIndex(pd.to_datetime(monthly["month"]), freq="Q"))
    by_q = q.groupby("quarter", as_index=False)["events"].sum()
    shown = disclosure.protect_counts(by_q, ["events"], policy)
    labels = [f"{p.start_time:%b}–{p.end_time:%b %Y}" for p in by_q["quarter"]]
    fig = go.Figure(go.Bar(x=labels, y=shown["events"], marker_color="#0072B2",
                           hovertemplate="%{x}: %{y:,}<extra></extra>"))
    # The chart sits in half the page: the note goes under the title, not after it, so neither is cut.
    fig.update_layout(template="simple_white", height=300, title=TREND_TITLE,
                      margin={"l": 10, "r": 10, "t": 60, "b": 30}, yaxis_title="Events")
    return fig


def _mix_tables(group: pd.Series, mix: pd.DataFrame, policy: disclosure.Policy) -> list[tuple[str, pd.DataFrame]]:
    """Member breakdowns protected together (each adds up to the group size), then the others."""
    out = []
    members = {d: mix[mix["dimension"] == d].set_index("category")["n"] for d in ("age_band", "sex", "looked_after")}
    members = {d: s for d, s in members.items() if not s.empty}
    if members:
        _, shown = disclosure.protect_breakdowns(int(group["size"]), members, policy)
        for d, series in shown.items():
            names = labels(series.index, "sex") if d == "sex" else series.index
            out.append((MIX_TITLES[d], pd.DataFrame({MIX_TITLES[d]: names, "Members": series.to_numpy()})))
    for d in ("offence_group", "rhi_theme", "locality", "district"):
        rows = mix[mix["dimension"] == d].sort_values("category").reset_index(drop=True)
        if rows.empty:
            continue
        shown = disclosure.protect_frame(rows, ["n"], policy)
        unit = {"offence_group": "Offences", "rhi_theme": "Interviews"}.get(d, "Events")
        # Localities and postcode districts are names, shown as stored; the others are codes.
        names = (rows["category"] if d in ("locality", "district")
                 else labels(rows["category"], "theme" if d == "rhi_theme" else None))
        table = pd.DataFrame({MIX_TITLES[d]: list(names), unit: shown["n"]})
        out.append((MIX_TITLES[d], fmt.by_shown(table, [unit], [MIX_TITLES[d]])))
    return out


# What the group map's circles mean (maps.legend_markdown; built once, no data in it).
PLACES_LEGEND = legend_markdown("Places the group uses", [
    LegendEntry(PLACE_FILL, "A place of concern: the bigger the circle, the more of the group's events there", "dot"),
    LegendEntry(SUPPRESSED_FILL, "Small hatched circle: 0 to 5 events, hidden", "dot"),
    LegendEntry("#9e9e9e", "Ward boundary", "line")])


def places_table(places: pd.DataFrame, policy: disclosure.Policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The places the group uses as a table, and as map points (``ref``, ``lat``, ``lon``, ``size``, ``lines``)."""
    if places.empty:
        return pd.DataFrame(), pd.DataFrame(columns=["ref", "lat", "lon", "size", "lines"])
    rows = places.sort_values("place_id").reset_index(drop=True)
    cols = ["events", "found_here", "rhi_mentions", "offences", "people"]
    text = disclosure.protect_frame(rows, cols, policy, level="place", total_col="events",
                                    parts=["found_here", "rhi_mentions", "offences"])
    # Marker sizes follow the table exactly, so a total hidden there (secondary suppression) stays hidden.
    shown_events = pd.to_numeric(text["events"].astype(str).str.replace(",", ""), errors="coerce")
    table = pd.DataFrame({
        "Place": rows["name"], "Category": labels(rows["category"], "category"),
        "Locality": rows["locality"], "Events": text["events"], "Found here": text["found_here"],
        "Named in RHIs": text["rhi_mentions"], "Offences": text["offences"], "Members seen": text["people"],
        "Last seen": rows["last_event_at"].map(lambda d: fmt.month_label(d) if pd.notna(d) else "—"),
    })
    # Busiest (as shown) first, ties by name: never by the true counts.
    table = fmt.by_shown(table.assign(_id=rows["place_id"]), ["Events"], ["Place", "_id"]).drop(columns="_id")
    points = pd.DataFrame({
        "ref": rows["place_id"].astype(str), "lat": rows["lat"], "lon": rows["lon"], "size": shown_events,
        "lines": [[str(n), f"Events by the group: {e}"] for n, e in zip(rows["name"], text["events"])],
    })
    return table, points


def profile(group: pd.Series, mix: pd.DataFrame, monthly: pd.DataFrame, places: pd.DataFrame,
            policy: disclosure.Policy) -> Profile:
    """Everything shown for one group (``group`` is its ``mart_peer_groups`` row)."""
    first, last = group.get("first_activity_at"), group.get("last_activity_at")
    span = fmt.period_label(first, last) if pd.notna(first) and pd.notna(last) else "no dated activity"
    main = label(group.get("main_evidence"), "evidence")
    prof = Profile(
        title=f"{group_label(group['group_id'])}",
        across=cross_border(group),
        subtitle=f"Active {span}. Mostly linked by: {main.lower()}. Localities: {_list_text(group['localities'], 4, names=True)}. "
                 f"Postcode districts: {_list_text(group['districts'], 6, names=True)}.",
    )
    share = disclosure.protect_share(group["looked_after"], group["size"], policy)
    prof.metrics = [
        ("Members", disclosure.fmt_count(group["size"], policy), "Young people in the group (never named)."),
        ("Events, last 3 months", disclosure.fmt_count(group["recent_events"], policy),
         "Events involving a member in the last three months with data; the groups are ranked by this."),
        ("Missing episodes", disclosure.fmt_count(group["episodes"], policy), "Episodes of any member."),
        ("Offences", disclosure.fmt_count(group["offences"], policy), "Offences involving a member."),
        ("Looked after", fmt.percent(share) if share is not None else disclosure.SUPPRESSED,
         "Share of members ever looked after."),
    ]
    themes = _list_text(group.get("top_themes"), 5, "theme")
    if themes != "—":
        prof.subtitle += f" Most recorded interview themes: {themes}."
    prof.evidence = evidence_figure(group, policy)
    prof.trend = trend_figure(monthly, policy)
    prof.mixes = _mix_tables(group, mix, policy)
    prof.places, prof.points = places_table(places, policy)
    return prof


# --- a group's members (analysts' drill-down) ------------------------------------------


def owner_names(councils: dict[str, str], geography) -> dict[str, str] | None:
    """Data owners by name (code → name) in a build of several councils (``councils``, from
    :func:`contextmap.auth.councils`; none in a single-council build): each council, and the
    deployment (``geography``), the force, for young people known only from its offences."""
    if not councils:
        return None
    return {**councils, geography.la_code: f"{geography.name} (police records)"}


def members_table(members: pd.DataFrame, owners: dict[str, str] | None) -> pd.DataFrame:
    """A group's members as the drill-down lists them (``group_members``: those in the
    user's scope), with each one's data owner by name when ``owners`` (code → name) is given,
    as in a build of several councils; pseudonyms are keyed by their owner. Most active (as
    shown) first, ties by pseudonym."""
    out = members.drop(columns="owner_code")
    if owners:
        out.insert(1, "owner", members["owner_code"].map(lambda c: owners.get(c, c)))
    return fmt.by_shown(out, [c for c in ("recent_events", "events") if c in out], ["person_key"])


def others_note(others: pd.DataFrame, policy: disclosure.Policy) -> str | None:
    """The line standing in for a group's members outside a council user's scope
    (``group_members_others``, perturbed): only how many, suppressed like any small count."""
    if others.empty or not others["members"].iloc[0]:
        return None
    return (f"Other members: {disclosure.fmt_count(others['members'].iloc[0], policy)} (other councils' children, "
            "or young people known only from police records). Only their own council or the force can list them.")
