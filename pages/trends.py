"""Trends: any measure by month, split by one dimension, with its 3-month average, last year and seasonality."""

import pandas as pd
import streamlit as st
from dateutil.relativedelta import relativedelta

from contextmap import settings, trends
from contextmap.coverage import Coverage
from contextmap.filters import TWO_AT_A_TIME
from contextmap.fmt import first_of_month, period_label
from contextmap.ui import gates, page

s = page.start("trends", "Trends", "Monthly figures for the locality and people chosen in the sidebar, "
               "up to the month chosen there.")
f = s.filters
page.council_note(s, "missing episodes and return home interviews of {council}'s children, wherever they went "
                     "missing, and offences involving young people in {council}.")
history = settings.current().trends.months
first = s.query("month_range").iloc[0, 0]
if pd.isna(first):
    st.info("This build has no dated events to chart (the Data quality page says what it holds).")
    st.stop()
first = first_of_month(first)
start = max(f.month_to - relativedelta(months=history - 1), first)
months = [d.date() for d in pd.date_range(start, f.month_to, freq="MS")]

left, right = st.columns(2)
key = left.selectbox("Measure", list(trends.MEASURES), format_func=lambda k: trends.MEASURES[k].label, key="t_measure")
measure = trends.MEASURES[key]
if measure.needs_rhis and Coverage.from_frame(s.query("coverage")).span("rhis").records == 0:
    st.info("There are no return home interview records in this build, so no RHI figure can be shown "
            "(the Data quality page lists the files loaded).")
    st.stop()
offered = trends.splits(measure, f)
split = right.selectbox("Split by", offered, format_func=trends.SPLITS.get, key="t_split",
                        help=None if offered == measure.splits else TWO_AT_A_TIME)

raw = s.query(measure.query, f, month_from=start, split=split)
data = trends.series(raw, measure, split, months, s.policy)
if data.empty or data["value"].fillna(0).eq(0).all() and not data["hidden"].any():
    st.info("Nothing to show for these filters. Choose All localities, another measure, or clear the sidebar filters.")
    st.stop()

st.subheader(f"{measure.label}, {period_label(months[0], months[-1])}")
smooth = split != "none" and st.toggle("Show 3-month averages", key="t_smooth",
                                       help="Each point is the average of that month and the two before it.")
st.plotly_chart(trends.trend_figure(data, measure, smooth=smooth), width="stretch")
notes = ["Gaps are months whose figures are hidden because they are small (1 to "
         f"{s.policy.suppress_max}); averages and last year's figure are left out where they would rest on one."]
if split == "theme":
    notes.append("An episode has every theme its return home interviews recorded, so the lines can add up to "
                 "more than the total.")
if measure.is_share:
    notes.append("The 3-month figure is the share over the three months together.")
if measure.query == "trend_offences":
    notes.append("Offences follow the locality, age band and sex chosen; the looked-after filter does not apply to them.")
st.caption(" ".join(notes))

gates.export_button(s, trends.download_frame(data, measure), f"Trend {measure.label}", "trends",
                    count_cols=[measure.label])

st.subheader("Seasonality")
st.caption("The same figure for every part of the area chosen, one line per year: lines that rise and fall together "
           "show a seasonal pattern.")
whole = s.query(measure.query, f, month_from=start, split="none") if split != "none" else raw
profile = trends.season_profile(trends.series(whole, measure, "none", months, s.policy))
st.plotly_chart(trends.season_figure(profile, measure), width="stretch")
