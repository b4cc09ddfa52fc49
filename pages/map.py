"""Map: where events come together, by ward or LSOA, with places of concern and a profile on click."""

import streamlit as st
from streamlit_folium import st_folium

from contextmap import auth, map_view, profile_view, settings
from contextmap.ui import page

s = page.start("map", "Map", "Click an area or a place to open its profile below the map.")
f = s.filters
scoped = s.user.council is not None
if scoped:
    page.council_note(s, map_view.scope_note("{council}"))
# Two controls a row: at 1024 pixels four in a row cut their labels to "LSOA…" and "Pla…".
a, b = st.columns([2, 3], vertical_alignment="bottom")
level = a.segmented_control("Areas", list(map_view.LEVELS), format_func=map_view.LEVELS.get, default="ward", key="map_level") or "ward"
measures = map_view.measures_for(scoped)
measure = b.selectbox("Colour areas by", list(measures), format_func=measures.get, key="map_measure",
                      help=" ".join(f"**{measures[k]}**: {map_view.MEASURE_HELP[k]}" for k in measures))
c, d = st.columns(2)
show_places = c.toggle("Places of concern", value=True, key="map_places",
                       help=f"Circles sized by the place's combined score over {f.year_window_text()}.")
show_heat = d.toggle("Density heat map", value=False, key="map_heat",
                     help="Density of located events, counted on a grid of about 200 m; cells with too few events are left out.")
groups = "groups" in auth.pages_for(s.role, s.user.council)
weights = settings.current().hotspots.place_weights

with st.spinner("Counting events in each area…"):
    data = map_view.map_data(s.query, f, s.policy, level, measure, weights, scoped)
if data.boundaries.empty:
    st.info("No areas match the chosen locality. Choose All localities in the sidebar.")
    st.stop()
for note in data.notes:
    st.caption(note)
if data.missing:
    st.info(data.missing + " The map shows the number of events instead.")


@st.fragment
def map_and_profile() -> None:
    """The map and the profile of what was clicked: a click reruns only this part of the page."""
    with st.spinner("Drawing the map…"):
        drawn = map_view.build_map(s.query, data, f, s.policy, measure, show_places, show_heat, weights,
                                   settings.current().map, settings.current().geography.attribution, level)
    for notice in drawn.notices:
        st.info(notice, icon=":material/info:")
    st.caption(map_view.colour_caption("count" if data.missing else measure, f,
                                       places=show_places and data.places is not None))
    out = st_folium(drawn.map, key=f"map_{level}_{measure}", height=560, use_container_width=True,
                    returned_objects=["last_active_drawing"])
    st.markdown(drawn.legend)
    hit = map_view.resolve_click(map_view.clicked_ref(out), data)
    if hit and hit != st.session_state.get("map_last_hit"):
        st.session_state.map_last_hit = hit
        st.session_state.map_selected = hit
        if hit[0] == "area":
            st.session_state[f"map_pick_{level}"] = hit[1]
    names = dict(zip(data.areas["code"], data.areas["name"]))
    pick = st.selectbox("Area profile", [None, *sorted(names, key=names.get)], key=f"map_pick_{level}",
                        format_func=lambda code: "Choose an area, or click one on the map…" if code is None else names[code],
                        on_change=lambda: st.session_state.update(map_selected=None))
    kind, ref = st.session_state.get("map_selected") or (("area", pick) if pick else (None, None))
    if kind == "place":
        st.page_link("pages/places.py", label="Open the full place profile", icon=":material/storefront:",
                     query_params={"place": ref, **f.to_query()})
        with st.spinner("Gathering the place's figures…"):
            prof = profile_view.place_profile(s.query, ref, f, s.policy, weights, groups=groups, scoped=scoped)
        if prof:
            page.show_profile(prof)
    elif kind == "area" and ref in names:
        with st.spinner("Gathering the area's figures…"):
            row = data.areas.set_index("code").loc[ref]
            hot = data.classes.set_index("code").loc[ref] if measure == "gi" and data.classes is not None \
                and ref in set(data.classes["code"]) else None
            page.show_profile(profile_view.area_profile(s.query, level, ref, names[ref], f, s.policy, row["children_10_17"], hot,
                                                        groups, scoped, row["cross_border_councils"]))


map_and_profile()
for caveat in map_view.CAVEATS:
    st.caption(f"Caveat: {caveat}")
if s.has_table("mart_area_funnel") and not scoped:
    st.subheader("Fair comparison of areas (funnel plot)")
    funnel = s.query("funnel", f, level=level)
    if funnel.empty:
        st.info("No funnel plot for this month and period: choose a later month or a longer period.")
    else:
        st.plotly_chart(map_view.funnel_figure(funnel, s.policy, level, st.session_state.get(f"map_pick_{level}")),
                        width="stretch")
        st.caption("Each dot is an area; small areas sit at the wide end of the funnel, where chance alone moves rates a "
                   "lot. Only dots outside the limits differ from the whole area by more than chance (Public Health "
                   "England Fingertips method, exact Poisson limits). The funnel counts every child.")
