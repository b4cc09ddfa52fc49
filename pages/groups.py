"""Peer groups: young people who go missing, offend or are named together, and the places they use."""

import streamlit as st
from streamlit_folium import st_folium

from contextmap import auth, maps, network, settings
from contextmap.fmt import md_escape
from contextmap.ui import gates, page

s = page.start("groups", "Peer groups",
               "Groups of young people linked by going missing together, offending together or naming each other in "
               "return home interviews. Groups are shown by number, never by member.")
f = s.filters
page.require_table(s, "mart_peer_groups",
                   "Peer groups are not in this build yet. Rebuild with `python -m pipelines build` to add them.")

if s.user.council:
    st.info(f"Groups with at least one of {auth.councils().get(s.user.council, s.user.council)}'s children. Their "
            "figures are the whole group's, every council's members together; other councils' members are never "
            "listed nor drawn in the network, and where a group has any, its places do not say how many members "
            "were seen there.", icon=":material/account_balance:")
groups = s.query("group_table", f)
table, hidden = network.group_table(groups, s.policy)
note = network.small_groups_note(hidden, s.policy)
if table.empty:
    st.info("No peer group big enough to show has events in "
            + ("any locality" if f.locality == "All" else f.locality)
            + ". Choose All localities in the sidebar" + (", or ask an analyst about the smaller groups." if hidden else "."))
    if note:
        st.caption(note)
    st.stop()

st.caption(f"Ranked by events in the last three months of data. 'In period': {f.label}.")
page.table(table.drop(columns="group_id"))
if note:
    st.caption(note)

st.subheader("Network of the most active groups")
top = table["group_id"].head(len(network.PALETTE)).tolist()
nodes = network.in_group_order(s.query("group_network_nodes", group_ids=top), top)
edges = s.query("group_network_edges", group_ids=top)
st.plotly_chart(network.network_figure(nodes, edges, s.policy, hidden_groups=max(len(table) - len(top), 0) + hidden),
                width="stretch")

st.subheader("Group profile")
pick = page.linked_select("Group", table["group_id"].tolist(), key="groups_pick", param="group",
                          format_func=network.group_label)
row = groups[groups["group_id"] == pick].iloc[0]
prof = network.profile(row, s.query("group_mix", group_id=pick), s.query("group_monthly", group_id=pick),
                       s.query("group_places", group_id=pick), s.policy)
st.markdown(f"#### {md_escape(prof.title)}")
if prof.across:
    st.info(prof.across.capitalize() + ".", icon=":material/join:")
st.caption(md_escape(prof.subtitle))
for col, (label, value, help_text) in zip(st.columns(len(prof.metrics)), prof.metrics):
    col.metric(label, value, help=help_text, border=True)
left, right = st.columns(2)
left.plotly_chart(prof.evidence, width="stretch")
right.plotly_chart(prof.trend, width="stretch")
# Two tables a row: three cut their counts off at 1024 px.
for col, (_title, mix) in zip(st.columns(2) * 4, prof.mixes):
    page.table(mix, where=col)

st.markdown("**Places the group uses**")
if prof.places.empty:
    st.caption("No event of this group was linked to a place of concern.")
else:
    m = page.ward_map(s)
    maps.add_circles(m, prof.points, name="Places")
    st_folium(m, key=f"group_map_{pick}", height=420, use_container_width=True, returned_objects=[])
    st.markdown(network.PLACES_LEGEND)
    page.table(prof.places)

if auth.can(s.role, "see_pseudonyms") and gates.drilldown_gate(s, "groups", f"Members of {network.group_label(pick)}"):
    st.markdown("**Members (pseudonyms)**")
    page.table(network.members_table(s.query("group_members", group_id=pick),
                                     network.owner_names(auth.councils(), settings.current().geography)),
               column_config={"person_key": "Pseudonym", "owner": "Whose records (key)",
                              "links_in_group": "Linked to (members)", "events": "Events",
                              "recent_events": "Last 3 months"})
    if others := network.others_note(s.query("group_members_others", group_id=pick), s.policy):
        st.caption(others)
st.caption("Links: going missing within " + str(settings.current().peer_groups.window_hours) + " hours from or to the "
           "same place or postcode sector; the same offence (not as victim or witness); naming each other in a return "
           "home interview. A group is a community of the network (Leiden); its number stays the same from build to "
           "build while most of its members do.")
