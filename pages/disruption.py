"""Disruption review: for one action, what happened at the place, at similar places and nearby."""

from datetime import date

import streamlit as st

from contextmap import disruption_view as dv
from contextmap import fmt
from contextmap.labels import label
from contextmap.ui import gates, page

s = page.start("disruption", "Disruption review",
               "Did what partners did at a place change what happens there? Each action is judged against similar "
               "places with no action. The locality in the sidebar applies.")
f = s.filters
page.require_table(s, "mart_disruption_effects",
                   "The disruption review is not in this build. Add a disruption_actions file and rebuild.")

# The chosen action fills the first screen; the filters for the list wait in an expander.
a, b, c = st.expander("Which actions: agency, type, when started", expanded=False).columns(3)
when = c.selectbox("Started", ["any", "year", "sidebar"], key="dr_when", format_func={
    "any": "At any time", "year": f"In {f.year_window_text()}", "sidebar": f"In {f.label}"}.get)
since, until = {"any": (date(1900, 1, 1), date(9999, 12, 1)), "sidebar": (f.month_from, f.month_to),
                "year": (f.year_window().month_from, f.year_window().month_to)}[when]
scoped = bool(s.user.council)
# A council user gets the list only: the effect figures count every council's children.
actions = s.query("disruption_actions_listed" if scoped else "disruption_actions", f, month_from=since, month_to=until)
agencies = a.multiselect("Agency", sorted(actions["agency"].unique()), key="dr_agency",
                         format_func=lambda v: label(v, "agency"), placeholder="All agencies")
types = b.multiselect("Action type", sorted(actions["action_type"].unique()), key="dr_type",
                      format_func=lambda v: label(v, "action"), placeholder="All action types")
shown = actions[actions["agency"].isin(agencies or actions["agency"]) & actions["action_type"].isin(types or actions["action_type"])]
if shown.empty:
    st.info("No disruption action started in this period with these filters.")
    st.stop()
shown = shown.reset_index(drop=True)
if scoped:
    page.council_note(s, "the disruption actions at places and areas in {council} or next to it. Whether an action "
                      "changed what happens there is judged on every council's children and the force's offences, "
                      "so the verdicts, counts and comparisons are not shown here; ask the force's analysts.")
    listed = dv.listed_actions_table(shown)
    page.table(listed, column_config={"Where": st.column_config.TextColumn(pinned=True)})
    gates.export_button(s, listed, "Disruption actions", "disruption", count_cols=[])
    st.stop()
# Every ratio, interval and percentage is recomputed from the counts as shown (perturbed).
shown = dv.with_figures(shown, s.policy)
ids = shown["action_id"].astype(str).tolist()
titles = {r.action_id: dv.action_title(r) for r in shown.itertuples()}

# The action in view is in the URL (?action=), so a link opens the same review.
chosen = page.linked_select("Action", ids, key="dr_action", param="action", default=dv.default_action(shown),
                            format_func=titles.get, help="Opens on the newest action the review could judge. Pick a "
                            "row in the table below to review another.")
row = next(shown[shown["action_id"] == chosen].itertuples())
st.subheader(titles[chosen])
st.caption(fmt.md_escape(dv.action_facts(row)))
{"likely_effect": st.success, "likely_increase": st.warning}.get(row.verdict, st.info)(
    dv.verdict_markdown(row, s.policy), icon=":material/gavel:")
if s.has_table("mart_implausible") and chosen in set(s.query("disruption_implausible")["action_id"]):
    st.warning(dv.implausible_warning(), icon=":material/report:")

comparisons = s.query("disruption_comparisons", action_id=chosen)
left, right = st.columns([3, 2])
left.plotly_chart(dv.detail_figure(row, s.query("disruption_timeline", action_id=chosen),
                                   s.query("disruption_comparison_monthly", action_id=chosen), len(comparisons),
                                   s.policy), width="stretch")
left.caption(dv.TIMELINE_NOTE.format(smax=s.policy.suppress_max))
right.markdown(dv.comparison_heading(row, len(comparisons)))
if len(comparisons):
    page.table(dv.comparisons_table(comparisons, s.policy), where=right, height=min(38 + 35 * len(comparisons), 320))
right.markdown(f"**Nearby:** {fmt.md_escape(dv.displacement_words(row) + '.' + dv.wdq_words(row, s.policy))}")
with st.expander("Before and after by source"):
    by_source = dv.with_figures(s.query("disruption_sources", action_id=chosen), s.policy)
    page.table(dv.sources_table(by_source, row.target_level, s.policy))

st.subheader("All actions")
with st.expander("How the review works, and its caveats", expanded=False):
    st.markdown(dv.method_text(s.policy))
st.caption("Small numbers and actions that follow a spike can mislead: read a verdict as a lead to discuss, not proof. "
           "Pick a row to review that action above.")
table = dv.actions_table(shown, s.policy)


def _pick() -> None:
    rows = st.session_state.dr_table.selection.rows
    if rows:
        st.session_state.dr_action = ids[rows[0]]


page.table(table, key="dr_table", on_select=_pick, selection_mode="single-row",
           column_config={"Where": st.column_config.TextColumn(pinned=True)})
gates.export_button(s, table, "Disruption actions", "disruption", count_cols=["Events before", "Events after"])
st.plotly_chart(dv.effect_figure(shown, s.policy), width="stretch")
if note := dv.not_judged_note(shown):
    st.caption(f"{note} They are in the table above, not on the plot.")

st.subheader("By action type (all actions in the data)")
every_action = s.query("disruption_actions", month_from=date(1900, 1, 1), month_to=date(9999, 12, 1),
                       locality="All")
page.table(dv.by_type_table(dv.with_figures(every_action, s.policy), s.policy))
st.caption("Medians leave out actions whose counts are too small to show, so they never reveal a hidden count.")
