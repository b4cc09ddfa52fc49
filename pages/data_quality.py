"""Data quality: what was loaded, what was rejected and why, and what did not resolve."""

import streamlit as st

from contextmap.fmt import month_label
from contextmap.labels import day, joined, labels
from contextmap.ui import page

# At most this many flagged records are listed (the summary above counts them all).
QUALITY_ROWS = 500

s = page.start("data_quality", "Data quality",
               "Every file the last build read. Accepted + rejected = rows read, for every file: nothing is dropped silently.")

if s.has_table("build_notes"):
    for note in s.query("dq_build_notes")["note"]:
        st.warning(note, icon=":material/info:")

files = s.query("dq_files")
if files.empty:
    st.info("The current build loaded no files.")
    st.stop()

a, b, c = st.columns(3)
a.metric("Rows read", f"{files['rows_read'].sum():,}")
b.metric("Accepted", f"{files['rows_accepted'].sum():,}")
c.metric("Rejected", f"{files['rows_rejected'].sum():,}")
files = files.assign(table_name=labels(files["table_name"], "table"), file_format=files["file_format"].str.upper(),
                     first_date=files["first_date"].map(day), last_date=files["last_date"].map(day))
page.table(
    files,
    column_config={"source_file": "File", "table_name": "Table", "file_format": "Format", "rows_read": "Read",
                   "rows_accepted": "Accepted", "rows_rejected": "Rejected", "first_date": "From", "last_date": "To",
                   "unresolved_postcodes": "Postcodes not resolved", "notes": "Notes"},
)

st.subheader("Rejected rows by reason")
reasons = s.query("dq_reject_reasons")
if reasons.empty:
    st.success("No row was rejected.")
else:
    st.caption("Examples give the row number in the file (the header is row 0), the column and the value's shape "
               "only: A for a capital letter, a for another letter, 9 for a digit (`Aaaa Aaa 99/99/9999`), so no "
               "name, number or note is ever shown. Identifiers, dates of birth and lists show nothing; postcodes "
               "only their district.")
    page.table(reasons.assign(table_name=labels(reasons["table_name"], "table")),
               column_config={"source_file": "File", "table_name": "Table", "reason": "Reason",
                              "rows_rejected": "Rows", "examples": "Examples"})

if s.has_table("mart_implausible"):
    st.subheader("Implausible records")
    st.caption("Rows that passed the checks but look wrong, to correct in the source system. Thresholds are set in "
               "the settings ([quality]); the last column says how each analysis treats these records.")
    implausible = s.query("dq_implausible")
    if implausible.empty:
        st.success("No record looks implausible.")
    else:
        page.table(implausible.assign(first_month=implausible["first_month"].map(month_label),
                                      last_month=implausible["last_month"].map(month_label)),
                   column_config={"check_label": "Check", "records": "Records", "first_month": "From",
                                  "last_month": "To", "treatment": "How the analyses treat them"})
        with st.expander("Every record flagged (file and row)"):
            rows = s.query("dq_implausible_rows", limit=QUALITY_ROWS)
            page.table(rows.assign(month=rows["month"].map(month_label),
                                   disruption_actions=[joined(a) for a in rows["disruption_actions"]]),
                       column_config={"check_label": "Check", "source_file": "File", "source_row": "Row",
                                      "month": "Started", "detail": "Detail",
                                      "disruption_actions": "Disruption reviews affected"})
