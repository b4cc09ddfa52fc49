"""Return home interviews: offered in time, completed, declined and time to offer."""

import streamlit as st
from dateutil.relativedelta import relativedelta

from contextmap import rhi_view
from contextmap.coverage import Coverage
from contextmap.fmt import md_escape
from contextmap.ui import gates, page

s = page.start("rhi", "Return home interviews",
               f"Statutory guidance: a return home interview should be offered within {rhi_view.HOURS} hours of a "
               "child's return.")
f = s.filters
page.council_note(s, "the missing episodes of {council}'s children and their return home interviews, wherever "
                     "the child went missing.")
target, national = rhi_view.targets()
st.caption(f"{f.label} · {md_escape(f.locality) if f.locality != 'All' else 'All localities'}")

if Coverage.from_frame(s.query("coverage")).span("rhis").records == 0:
    st.info("There are no return home interview records in this build, so no RHI figure can be shown "
            "(not 0%: the Data quality page lists the files the build read).")
    st.stop()
breakdown = s.query("rhi_breakdown", f)
total = breakdown[breakdown["dimension"] == "total"]
if total.empty or total["episodes"].iloc[0] == 0:
    st.info("No missing episodes match these filters. Widen the period or clear the sidebar filters.")
    st.stop()

summary = rhi_view.summary(total.iloc[0], s.policy)
cols = st.columns(5)
for col, label in zip(cols, [*(label for _, _, label in rhi_view.RATES.values()),
                             "Median hours to offer"]):
    col.metric(label, summary[label], border=True)
st.caption(f"Local target: {target:.0f}% offered within {rhi_view.HOURS} hours. " + rhi_view.NATIONAL_SOURCE.format(pct=f"{national:.0f}"))

st.subheader("By month")
start = f.month_to - relativedelta(months=23)
monthly = s.query("rhi_monthly", month_from=start, month_to=f.month_to, locality=f.locality,
                  looked_after=f.looked_after)
if monthly.empty:
    st.info("No monthly figures for this locality.")
else:
    st.plotly_chart(rhi_view.monthly_figure(monthly, s.policy), width="stretch")
    st.caption("The last two years up to the chosen month. Gaps are months whose figures are hidden because they are small. "
               "The age and sex filters do not apply to this chart.")

for dimension, title in (("locality", "By locality"), ("looked_after", "By looked-after status")):
    st.subheader(title)
    table = rhi_view.breakdown_table(breakdown[breakdown["dimension"] == dimension], s.policy)
    page.table(table)
    gates.export_button(s, table, f"RHI {title.lower()}", "rhi", count_cols=["Episodes ended", f"Eligible for the {rhi_view.HOURS}-hour measure"])

st.subheader(f"Episodes without an offer within {rhi_view.HOURS} hours, by reason")
reasons = rhi_view.reasons_table(s.query("rhi_reasons", f), s.policy)
page.table(reasons)
gates.export_button(s, reasons, "RHI reasons", "rhi", count_cols=["Episodes"])

with st.expander("How these figures are worked out", expanded=False):
    st.markdown(rhi_view.method_text(s.policy))
