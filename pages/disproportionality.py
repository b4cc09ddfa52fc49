"""Disproportionality: Relative Rate Index by ethnic group, sex and looked-after status."""

import streamlit as st

from contextmap import rri, settings
from contextmap.fmt import md_escape
from contextmap.ui import gates, page

s = page.start("disproportionality", "Disproportionality",
               "How often children of each group go missing or are involved in offences, relative to the reference "
               "group, per child aged 10–17 living in the area (the Relative Rate Index).")
f = s.filters
council = s.user.council
page.council_note(s, "missing episodes of {council}'s children aged 10–17, wherever they went missing, and "
                     "offences in {council} involving young people aged 10–17.")
cfg = settings.current().disproportionality
st.caption(f"{f.label} · whole area (the population figures are for the whole area, "
           "so the locality and people filters do not apply) · children aged 10–17")
try:
    denominators = rri.denominators(council)
except rri.PopulationError as exc:
    st.error(f"The population figures are not usable, so the page cannot be drawn: {md_escape(exc)} "
             "Ask your administrator to correct them.")
    st.stop()

left, right = st.columns(2)
dimension = left.selectbox("Group by", list(rri.DIMENSIONS), format_func=rri.DIMENSIONS.get, key="d_dim")
measure = right.selectbox("Measure", ["missing:events", "missing:children", "offences:events", "offences:children"],
                          format_func={"missing:events": "Missing episodes", "missing:children": "Children who went missing",
                                       "offences:events": "Young people's involvements in offences",
                                       "offences:children": "Young people involved in offences"}.get, key="d_measure")
source, kind = measure.split(":")
counts = rri.counts(s.query, f, s.policy, dimension)
counts = counts[counts["measure"] == source]
if counts.empty:
    st.info("No episodes or offences of children aged 10–17 in this period. Choose a longer period in the sidebar.")
    st.stop()

shown, table = rri.protected_table(counts, dimension, kind, s.policy, council)
if problem := rri.no_rates_reason(denominators, dimension):
    st.warning(md_escape(problem), icon=":material/warning:")
else:
    if cfg.population_is_illustrative:
        st.warning(f"The population figures behind these rates, for {md_escape(denominators.whose)}, are "
                   "**illustrative**, made up for the synthetic sample. They are not official statistics. A council "
                   "should use Census 2021 figures (ONS table TS021, ethnic group by age and sex) for its own area.",
                   icon=":material/warning:")
    st.plotly_chart(rri.forest_figure(table), width="stretch")
page.table(shown)
gates.export_button(s, shown, f"RRI {rri.DIMENSIONS[dimension]} {measure}", "disproportionality", count_cols=["Count"])

st.markdown(f"""
**Reading the table.** The RRI divides a group's rate by the rate of the reference group
({rri.reference_for(dimension)}): 2.00 means twice as often per child. The interval is 95%
(delta method on the log scale); where it includes 1 the data do not show a clear difference.
Groups with fewer than {max(cfg.min_events, s.policy.suppress_max + 1)} are too few to read; children whose
group is not recorded have no population to compare with and are only counted. A quarter or a year gives steadier figures than a month.

**Where the denominators come from.** {md_escape(rri.denominators_note(denominators))}
For offences, looked-after means the child was recorded as looked after on any missing episode.
""")
