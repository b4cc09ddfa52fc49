"""Disruption review: what partners did at places and areas, and whether events fell afterwards."""

from datetime import date

import streamlit as st
from dateutil.relativedelta import relativedelta

from contextmap import disruption_view as dv
from contextmap import fmt, ui

s = ui.page("disruption", "Disruption review",
            "Did what partners did at a place change what happens there? Each action is judged against similar "
            "places with no action. The locality in the sidebar applies.")
f = s.filters
if not ui.has_table(s, "mart_disruption_effects"):
    st.info("The disruption review is not in this build. Add a disruption_actions file and rebuild.")
    st.stop()

with st.expander("How the review works, and its caveats", expanded=False):
    st.markdown(dv.method_text(s.policy))
st.caption("Small numbers and actions that follow a spike can mislead: read a verdict as a lead to discuss, not proof.")

a, b, c = st.columns(3)
when = c.selectbox("Started", ["any", "12m", "sidebar"], key="dr_when", format_func={
    "any": "At any time", "12m": f"In the 12 months to {fmt.month_label(f.month_to)}",
    "sidebar": f"In {fmt.period_label(f.month_from, f.month_to)}"}.get)
since = {"any": date(1900, 1, 1), "12m": f.month_to - relativedelta(months=11), "sidebar": f.month_from}[when]
actions = ui.query(s, "disruption_actions", f, month_from=since)
agencies = a.multiselect("Agency", sorted(actions["agency"].unique()), key="dr_agency")
types = b.multiselect("Action type", sorted(actions["action_type"].unique()), key="dr_type",
                      format_func=dv.action_label)
shown = actions[actions["agency"].isin(agencies or actions["agency"]) & actions["action_type"].isin(types or actions["action_type"])]
if shown.empty:
    st.info("No disruption action started in this period with these filters.")
    st.stop()

table = dv.actions_table(shown, s.policy)
st.dataframe(table, hide_index=True, use_container_width=True)
ui.export_button(s, table, "Disruption actions", "disruption", count_cols=["Events before", "Events after"])
st.plotly_chart(dv.effect_figure(shown.assign(verdict_text=[dv.verdict_words(r, s.policy) for r in shown.itertuples()]),
                                 s.policy), use_container_width=True)

st.subheader("One action in detail")
labels = {r.action_id: f"{dv.action_label(r.action_type)} at {r.target_name}, {fmt.month_label(r.action_month)}"
          for r in shown.itertuples()}
chosen = st.selectbox("Action", list(labels), format_func=labels.get, key="dr_action")
row = shown[shown["action_id"] == chosen].iloc[0]
st.markdown(f"**Verdict:** {ui.md_escape(dv.verdict_words(row, s.policy))}.")
st.markdown(f"**Nearby:** {ui.md_escape(dv.displacement_words(row, s.policy) + '.' + dv.wdq_words(row, s.policy))}")
if ui.has_table(s, "mart_implausible") and chosen in set(ui.query(s, "disruption_implausible")["action_id"]):
    st.warning(dv.implausible_warning(), icon=":material/report:")
timeline = dv.protected_timeline(ui.query(s, "disruption_timeline", action_id=chosen), row.target_level, s.policy)
st.plotly_chart(dv.timeline_figure(timeline, shown[shown["action_id"] == chosen]), use_container_width=True)
st.caption("Bars: events at the target each month by source; gaps are hidden small counts or months outside the data. "
           "Dashed line: the average at the similar places. The shaded band is the time the action ran.")
st.dataframe(dv.sources_table(ui.query(s, "disruption_sources", action_id=chosen), row.target_level, s.policy),
             hide_index=True, use_container_width=True)

st.subheader("By action type (all actions in the data)")
every_action = ui.query(s, "disruption_actions", month_from=date(1900, 1, 1), month_to=date(9999, 12, 1),
                        locality="All")
st.dataframe(dv.by_type_table(every_action, s.policy), hide_index=True, use_container_width=True)
st.caption("Medians leave out actions whose counts are too small to show, so they never reveal a hidden count.")
