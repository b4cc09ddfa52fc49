"""Places: places of concern ranked by a transparent score, with trends and a place profile."""

import streamlit as st

from contextmap import auth, disclosure, map_view, places_view, profile_view, settings
from contextmap.fmt import md_escape
from contextmap.labels import label
from contextmap.ui import gates, page

s = page.start("places", "Places of concern")
f = s.filters
scoped = s.user.council is not None
weights = settings.current().hotspots.place_weights
page.require_table(s, "mart_place_hotspots",
                   "The place ranking is not in this build yet. Rebuild with the hotspot step (`python -m pipelines build`).")
if scoped:
    st.caption(md_escape(places_view.scope_note(auth.councils().get(s.user.council, s.user.council))))

# A month or a quarter at one place is nearly always 0 to 5 events ("c"): the table opens
# on the year (April to March) holding the chosen month, and says so.
# Two pickers a row, the switch under them: three in a row cut the window's name short at 1024 px.
a, b = st.columns([3, 2], vertical_alignment="bottom")
c = st.container()
windows = {"year": f.year_window_text(start=True),
           "sidebar": f"The sidebar's period ({f.label})"}
window = a.selectbox("Window", list(windows) if f.period != "year" else ["year"], format_func=windows.get, key="places_window")
shown_filters = f.year_window() if window == "year" else f
with st.spinner("Ranking places of concern…"):
    places = places_view.ranking(s.query, shown_filters, weights, s.policy)
    quarters = places_view.quarter_counts(s.query, f, s.policy)
st.caption(f"{shown_filters.label} · "
           f"{md_escape(f.locality) if f.locality != 'All' else 'All localities'} · " + places_view.weights_text(weights))
categories = b.multiselect("Category", sorted(places["category"].dropna().unique()), key="places_category",
                           format_func=lambda v: label(v, "category"), placeholder="All categories")
# Listing only places with any event would tell a "c" place had at least one: the toggle
# keeps places whose events are shown, and off lists every place of concern.
active = c.toggle(f"Only places with more than {s.policy.suppress_max} events", value=True, key="places_active")
shown = places[places["category"].isin(categories)] if categories else places
if active:
    shown = shown[~shown["events"].map(lambda n: disclosure.is_suppressed(n, s.policy)).astype(bool)]
if shown.empty:
    st.info(f"No place of concern had more than {s.policy.suppress_max} events linked to it with these filters. Widen "
            "the period, choose All localities or another category, or switch off the toggle above to list every place.")
else:
    table = places_view.places_table(shown, weights, s.policy, scoped, quarters=quarters, f=f)
    listed = table.drop(columns="place_id")
    page.table(
        listed, height=420, sort_keys=places_view.sort_keys(listed),
        column_config={
            "Score": st.column_config.Column(help=places_view.weights_text(weights) + " ≥ when a part is hidden "
                                                  "(it sorts by the number shown); c when the place's events are "
                                                  "hidden, — when every part is: both sort lowest."),
            "Rank": st.column_config.Column(help="1 = the highest score shown. A place whose score is hidden (c) "
                                                  "or 0 has no rank and sorts after the last rank."),
            places_view.SPARK_COLUMN: st.column_config.BarChartColumn(
                help="Events in each quarter of the last two years, oldest first (the last is the quarter so far). "
                     "Blank when any quarter is hidden (c).", y_min=0),
            "Place": st.column_config.TextColumn(pinned=True),
            "Hotspot": st.column_config.CheckboxColumn(help="More events than an average place beyond chance (Poisson, "
                                                       "false-discovery-rate corrected), with at least the minimum number of events."),
            "Trend": st.column_config.Column(help="The quarter so far against the whole quarter before, from the "
                                                  "counts shown (exact binomial test on monthly rates, 5%); — when "
                                                  "either quarter is hidden. Sorts Rising, Steady, Falling, then —.",
                                             alignment="left"),
            "Change": st.column_config.Column(help="Events against the period of the same length just before (not for a "
                                                   "period so far); — when either is hidden, and it sorts last from "
                                                   "the highest."),
            "Cross-border": st.column_config.Column(help="Children of two or more councils found here or naming it in "
                                                    "a return home interview, each council with more than "
                                                    f"{s.policy.suppress_max} children here (over all the data).",
                                                    alignment="left"),
        },
    )
    if not scoped:
        st.caption("The hotspot flag counts every child and source; everything else follows the sidebar's filters.")
    gates.export_button(s, table.drop(columns=["place_id", places_view.SPARK_COLUMN], errors="ignore"), "Places of concern", "places",
                        ["Events", "Found here", "Named in RHIs", "Offences", "Children"])

st.subheader("Place profile")
names = dict(zip(places["place_id"].astype(str), places["name"]))
pick = page.linked_select("Place", [None, *sorted(names, key=lambda p: str(names[p]))], key="places_pick",
                          param="place", format_func=lambda p: "Choose a place…" if p is None else names[p],
                          placeholder="Choose a place…")
if pick:
    with st.spinner("Gathering the place's figures…"):
        prof = profile_view.place_profile(s.query, pick, f, s.policy, weights,
                                          groups="groups" in auth.pages_for(s.role, s.user.council), scoped=scoped)
    if prof:
        # The table may be for the year while the profile follows the sidebar: each says which.
        prof.title = f"{prof.title} — {f.label}"
        prof.notes.append(profile_view.period_note(f, shown_filters))
        page.show_profile(prof, level=4)
for caveat in map_view.CAVEATS:
    st.caption(f"Caveat: {caveat}")
