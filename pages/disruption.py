"""Disruption review: what partners did at places and areas, and whether events fell afterwards."""

from datetime import date

import pandas as pd
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
st.plotly_chart(dv.effect_figure(shown.assign(verdict_text=[dv.verdict_words(r, s.policy) for r in shown.itertuples()])),
                use_container_width=True)

st.subheader("One action in detail")
labels = {r.action_id: f"{dv.action_label(r.action_type)} at {r.target_name}, {fmt.month_label(r.action_month)}"
          for r in shown.itertuples()}
chosen = st.selectbox("Action", list(labels), format_func=labels.get, key="dr_action")
row = shown[shown["action_id"] == chosen].iloc[0]
st.markdown(f"**Verdict:** {dv.verdict_words(row, s.policy)}.")
st.markdown(f"**Nearby:** {dv.displacement_words(row, s.policy)}."
            + (f" Weighted Displacement Quotient {row.wdq:.2f}." if pd.notna(row.wdq) else ""))
timeline = dv.protected_timeline(ui.query(s, "disruption_timeline", action_id=chosen), row.target_level, s.policy)
st.plotly_chart(dv.timeline_figure(timeline, shown[shown["action_id"] == chosen]), use_container_width=True)
st.caption("Bars: events at the target each month by source; gaps are hidden small counts or months outside the data. "
           "Dashed line: the average at the similar places. The shaded band is the time the action ran.")
st.dataframe(dv.sources_table(ui.query(s, "disruption_sources", action_id=chosen), row.target_level, s.policy),
             hide_index=True, use_container_width=True)

st.subheader("By action type (all actions in the data)")
by_type = ui.query(s, "disruption_by_type")
st.dataframe(by_type.assign(action_type=by_type["action_type"].map(dv.action_label)), hide_index=True,
             use_container_width=True,
             column_config={"action_type": "Action", "actions": "Actions", "actions_judged": "Judged",
                            "actions_with_enough_events": "Enough events",
                            "median_target_pct_change": st.column_config.NumberColumn("Median change here (%)", format="%+.0f"),
                            "median_effect_pct": st.column_config.NumberColumn("Median change relative to similar places (%)",
                                                                               format="%+.0f"),
                            "likely_effect": "Likely effect", "no_clear_change": "No clear change",
                            "likely_increase": "Likely increase", "too_few": "Too few to tell", "not_comparable": "Not comparable"})
