"""Postcodes: events by postcode district and sector, and postcode tension between districts."""

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from contextmap import fmt, map_view, maps, postcodes_view
from contextmap.ui import page

s = page.start("postcodes", "Postcodes", "How practitioners speak of places: postcode districts (HD1) and sectors (HD1 2).")
f = s.filters
scoped = bool(s.user.council)
page.council_note(s, "the missing episodes and return home interviews of {council}'s children, wherever they are, "
                  "and the force's offences in {council} and the LSOAs bordering it; only the districts and sectors "
                  "in or next to {council}, or where its children's events are, are listed. The rate, ratio to "
                  "expected and the 'above expected' flag count every council's children, so they are left out.")
level = st.segmented_control("Level", list(postcodes_view.POSTCODE_LEVELS), format_func=postcodes_view.POSTCODE_LEVELS.get,
                             default="district", key="pc_level") or "district"
_, note = map_view.hotspot_source(f.sources)
page.require_table(s, "mart_postcode_hotspots",
                   "Postcode hotspots are not in this build yet. Rebuild with the hotspot step (`python -m pipelines build`).")

with st.spinner("Counting events by postcode…"):
    units = postcodes_view.units(s.query, f, s.policy, level).merge(
        s.query("map_postcode_centres", level=level), on="code", how="left")
if units.empty:
    st.info("No events were located by postcode with these filters. Widen the period or choose All localities.")
else:
    st.caption(("The" if scoped else "Every child counted; the") + " age, sex and looked-after filters do not apply "
               "here. " + (note or ""))
    with st.spinner("Drawing the map…"):
        m = page.ward_map(s)
        maps.add_localities(m, s.query("boundaries", level="locality"))
        maps.add_circles(m, postcodes_view.postcode_points(units[units["is_in_area"]], s.policy, level, scoped), name="Postcodes")
    st_folium(m, key=f"pc_map_{level}", height=480, use_container_width=True, returned_objects=[])
    st.markdown(postcodes_view.postcode_legend(level, scoped))
    page.table(postcodes_view.postcode_table(units, s.policy, level, scoped),
               column_config={"Above expected": st.column_config.CheckboxColumn(
                   help="More events than the district-wide rate predicts, beyond chance (Poisson, "
                   "false-discovery-rate corrected), with at least the minimum number of events.")})

st.subheader("Postcode tension")
st.caption("Young people living in one postcode district who were involved in offences in another. Rivalries tied "
           "to postcode areas show up as strong pairs off the diagonal.")
# One month of cross-district offences is nearly all "c": the pairs open on a year.
spans = {"year": f.year_window_text(start=True), "sidebar": "The sidebar's period", "all": "All months in the data"}
span = st.radio("Months", list(spans), format_func=spans.get, horizontal=True, key="pc_span")
page.require_table(s, "mart_hotspot_tension_people", "Postcode tension is not in this build yet.")
start, end = {"year": (f.year_window().month_from, f.year_window().month_to), "sidebar": (f.month_from, f.month_to),
              "all": (date(1900, 1, 1), date(9999, 12, 1))}[span]
params = {"month_from": start, "month_to": end, "age_bands": list(f.age_bands), "sexes": list(f.sexes)}
with st.spinner("Matching home districts to offence districts…"):
    matrix = s.query("postcode_tension", **params)
    pairs = s.query("postcode_tension_pairs", **params)
if matrix.empty and scoped:
    st.info("None of your council's children is counted here: offences are the force's records, and the young people "
            "in them are known only by the force's pseudonyms, which never link to a council's children.")
    st.stop()
if matrix.empty:
    st.info("No offence involved a young person with a known home district in these months. Choose 'All months in the data'.")
    st.stop()
st.plotly_chart(postcodes_view.tension_figure(matrix, s.policy), width="stretch")
st.markdown("**Strongest cross-district pairs**")
if pairs.empty:
    st.caption("No young person was involved in an offence outside their home district in these months.")
else:
    listed, left_out = fmt.drop_all_hidden(postcodes_view.strongest_pairs(pairs, s.policy), ["Districts"], "pair")
    if not listed.empty:
        page.table(listed)
    if left_out:
        st.caption(left_out)
