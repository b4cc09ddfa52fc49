"""The Postcodes page's logic without Streamlit: postcode districts and sectors (circles,
legend, table) and the postcode tension between districts (matrix and strongest pairs).

Every figure is protected here with :mod:`contextmap.disclosure`; the page only lays
things out.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, event_counts, fmt, maps, period_guard
from contextmap.filters import Filters
from contextmap.queries import Query

POSTCODE_LEVELS = {"district": "Districts (HD1)", "sector": "Sectors (HD1 2)"}
EXCEEDANCE_FILL = "#D55E00"
ORDINARY_FILL = "#0072B2"


def units(query: Query, f: Filters, policy: disclosure.Policy, level: str) -> pd.DataFrame:
    """Events per postcode district or sector (``postcode_hotspots``) of filters ``f``,
    guarded across periods and against each source's events (:mod:`contextmap.period_guard`):
    the page follows the sidebar's Sources, so each source is shown alone too, and a total
    over "c" sources could tell one was not empty."""
    return period_guard.guarded(query, "postcode_hotspots", f, policy, keys=["code"], level=level,
                                **event_counts.AREA)


def postcode_legend(level: str, scoped: bool = False) -> str:
    """The postcode map's legend (Markdown): what the circles' colour, size and hatch mean.
    ``scoped`` (a council user): no exceedance, so one colour."""
    colours = [maps.LegendEntry(ORDINARY_FILL, "Events", "dot")] if scoped else [
        maps.LegendEntry(EXCEEDANCE_FILL, "More events than expected (beyond chance)", "dot"),
        maps.LegendEntry(ORDINARY_FILL, "Not above expected", "dot")]
    return maps.legend_markdown(f"Postcode {POSTCODE_LEVELS[level].split(' ')[0].lower()}", [
        *colours,
        maps.LegendEntry(maps.SUPPRESSED_FILL, "Small hatched circle: 0 to 5 events, hidden", "dot"),
        maps.LegendEntry("", "The bigger the circle, the more events in the period.", "text")])


def postcode_points(units: pd.DataFrame, policy: disclosure.Policy, level: str, scoped: bool = False) -> pd.DataFrame:
    """Circles for postcode districts or sectors: size = shown events, vermilion when more
    than expected beyond chance; suppressed units get the smallest, hatched circle.
    ``scoped`` (a council user): no rate or exceedance, which are of every council's children."""
    events = disclosure.map_values(units["events"], policy, level).reset_index(drop=True)
    df = units.reset_index(drop=True)
    out = pd.DataFrame({"ref": df["code"], "lat": df["lat"], "lon": df["lon"], "size": events["value"]})
    out["fill"] = np.where(df["is_exceedance"].fillna(False).astype(bool), EXCEEDANCE_FILL, ORDINARY_FILL)
    out["lines"] = [
        [r.code, f"Events: {disclosure.fmt_count(r.events, policy, level)}"] + ([] if scoped else [
         f"Rate: {fmt.rate_text(None if lab == 'suppressed' or not r.children_10_17 else 1000 * v / r.children_10_17)}",
         "More events than expected (beyond chance)" if r.is_exceedance else "Not above expectation beyond chance"])
        for r, v, lab in zip(df.itertuples(), events["value"], events["status"])
    ]
    return out


def postcode_table(units: pd.DataFrame, policy: disclosure.Policy, level: str, scoped: bool = False) -> pd.DataFrame:
    """The district/sector table: protected events, rate, ratio to expected, exceedance,
    most events (as shown) first, ties by code. ``scoped`` (a council user): events only,
    as the rest is of every council's children."""
    df = units.reset_index(drop=True)
    shown = disclosure.protect_frame(df, ["events"], policy, level=level)
    hidden = shown["events"] == disclosure.SUPPRESSED
    children = df["children_10_17"].fillna(0)
    rate = [None if h or not c else round(1000 * e / c, 1) for h, e, c in zip(hidden, df["events"], children)]
    # Against the rate of the units shown, from their shown counts: the query's expected
    # counts are at the true district-wide rate, which the populations would give back.
    counted = ~hidden & (children > 0)
    whole = df.loc[counted, "events"].sum() / children[counted].sum() if counted.any() else np.nan
    unit = POSTCODE_LEVELS[level].split(" ")[0][:-1]
    table = pd.DataFrame({
        unit: df["code"],
        "Locality": df["locality"].fillna("Outside the area"),
        "Events": shown["events"],
        "Rate per 1,000 children": rate,
        "Ratio to expected": (df["events"] / (children * whole)).where(counted).round(2),
        "Above expected": df["is_exceedance"].fillna(False).astype(bool),
    })
    table = fmt.by_shown(table, ["Events"], [unit])
    return table[table.columns[:3]] if scoped else table


def tension_figure(matrix: pd.DataFrame, policy: disclosure.Policy) -> go.Figure:
    """District × district heat map of young people from one district in offences in another.

    ``matrix`` rows: ``home_district``, ``offence_district``, ``people``. Hidden cells, and
    pairs with no one, are blank with "c" in the hover; the diagonal (own district) is shown too.
    """
    if matrix.empty:
        fig = go.Figure()
        fig.add_annotation(text="No offences with a young person's home district in this period", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_layout(template="simple_white", xaxis_visible=False, yaxis_visible=False)
        return fig
    df = disclosure.protect_counts(matrix.reset_index(drop=True), ["people"], policy, level="district", with_status=True)
    homes = sorted(df["home_district"].unique(), key=_district_key)
    places = sorted(df["offence_district"].unique(), key=_district_key)
    z = df.pivot_table(index="home_district", columns="offence_district", values="people", aggfunc="first", dropna=False)
    z = z.reindex(index=homes, columns=places)
    status = df.pivot_table(index="home_district", columns="offence_district", values="people_status",
                            aggfunc="first").reindex(index=homes, columns=places)
    # A pair with no one (absent from the query) is "c" as any 1 to 5 is: zero is "c" too, so
    # the grid never tells an empty pair from a small one.
    shown = (status.to_numpy() != "suppressed") & pd.notna(z.to_numpy())
    numbers = np.vectorize(lambda v: f"{v:,.0f}", otypes=[object])(np.nan_to_num(z.to_numpy(dtype=float)))
    text = np.where(shown, numbers, "")
    hover = np.where(shown, numbers, disclosure.SUPPRESSED)
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=places, y=homes, colorscale="YlOrRd", text=text, texttemplate="%{text}",
        customdata=hover, hovertemplate="From %{y} to %{x}: %{customdata} young people<extra></extra>",
        colorbar={"title": "Young people"}, xgap=1, ygap=1,
    ))
    fig.update_layout(template="simple_white", height=max(360, 28 * len(homes) + 140),
                      xaxis_title="District where the offence happened", yaxis_title="Home district",
                      yaxis={"autorange": "reversed"}, margin={"t": 30})
    return fig


def _district_key(d: str):
    m = re.match(r"([A-Z]+)(\d+)", str(d))
    return (m.group(1), int(m.group(2))) if m else (str(d), 0)


def strongest_pairs(pairs: pd.DataFrame, policy: disclosure.Policy, n: int = 10) -> pd.DataFrame:
    """The ``n`` strongest cross-district pairs (``postcode_tension_pairs.sql``), protected.

    Pairs are ranked by violent offences as shown, then young people (both ways) as shown,
    then by name; young people from A in offences in B, those from B in A and the two
    together are protected jointly so a hidden one cannot be worked out. Every pair is
    protected before the cut, so which pairs make the list depends on shown counts only.
    """
    pairs = pairs.reset_index(drop=True)
    shown = disclosure.protect_frame(pairs, ["people_a_in_b", "people_b_in_a", "people_both_ways"], policy,
                                     level="district", total_col="people_both_ways")
    other = disclosure.protect_frame(pairs, ["offences", "violent_offences", "weapon_offences"], policy, level="district")
    table = pd.DataFrame({
        "Districts": pairs["district_a"] + " and " + pairs["district_b"],
        "Young people (both ways)": shown["people_both_ways"],
        "From first in second": shown["people_a_in_b"],
        "From second in first": shown["people_b_in_a"],
        "Offences": other["offences"],
        "Violent": other["violent_offences"],
        "With a weapon": other["weapon_offences"],
    })
    return fmt.by_shown(table, ["Violent", "Young people (both ways)"], ["Districts"], n)
