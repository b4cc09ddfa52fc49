"""Overview: the month (or quarter) at a glance for the working group."""

import streamlit as st

from contextmap import disclosure, headline, ui
from contextmap.fmt import period_label

s = ui.page("overview", "Overview")
f = s.filters
st.caption(f"{period_label(f.month_from, f.month_to)} · {f.locality if f.locality != 'All' else 'All localities'}")

with st.spinner("Counting episodes, interviews and offences…"):
    rows = {
        name: headline.headline_row(ui.query(s, "overview_episodes", p), ui.query(s, "overview_offences", p))
        for name, p in (("now", f), ("before", f.previous()), ("last_year", f.last_year()))
    }

if rows["now"]["episodes"] == 0 and rows["now"]["offences"] == 0:
    st.info("No missing episodes or offences match these filters. Widen the period, choose All localities, "
            "or clear the age, sex and looked-after filters in the sidebar.")
    st.stop()

cols = st.columns(3)
for i, fig in enumerate(headline.figures(rows["now"], rows["before"], rows["last_year"], s.policy)):
    cols[i % 3].metric(fig.measure.label, fig.value, delta=fig.delta, delta_color="off", help=fig.measure.help,
                       border=True)
    if fig.last_year:
        cols[i % 3].caption(fig.last_year)

st.subheader("Places with the most activity")
places = ui.query(s, "top_places", f, limit=10)
shown = disclosure.protect_frame(places, ["found_here", "rhi_mentions", "offences", "events"], s.policy, level="place")
shown = shown[shown["events"] != "0"]
if shown.empty:
    st.info("No events were linked to a place of concern in this period.")
else:
    st.dataframe(
        shown[["name", "category", "locality", "found_here", "rhi_mentions", "offences", "events"]],
        hide_index=True, use_container_width=True,
        column_config={"name": "Place", "category": "Category", "locality": "Locality", "found_here": "Found here",
                       "rhi_mentions": "Named in RHIs", "offences": "Offences", "events": "All events"},
    )
st.caption(disclosure.legend(s.policy))
