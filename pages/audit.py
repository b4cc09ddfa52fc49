"""Audit log (admin only): who signed in, viewed, drilled down into or exported what."""

from datetime import timedelta

import streamlit as st

from contextmap import audit
from contextmap.fmt import md_escape
from contextmap.labels import filters_text, label, labels
from contextmap.ui import page

s = page.start("audit", "Audit log",
               "Every sign-in, page view, drill-down and export, newest first. The dashboard can only add to this log; "
               "old records are removed only by the administrator's `python -m contextmap.audit prune`.")

everything = audit.read_log()
st.caption(f"Log file: `{audit.log_path()}` · records are kept for {audit.retention_days():,} days · "
           f"{len(everything):,} records")
# Checked without the signing key (the dashboard never has it); the administrator's
# `python -m contextmap.audit verify` also checks the checkpoints' signatures.
found = audit.verify()
if found.ok:
    st.success(f"The log is intact: every record follows the one before it and matches the last of its "
               f"{found.checkpoints:,} checkpoints. Checkpoint signatures are checked by the administrator's "
               "`python -m contextmap.audit verify`.", icon=":material/verified:")
else:
    st.error("The log has been altered: tell your data protection officer.\n\n"
             + "\n".join(f"- {md_escape(problem)}" for problem in found.problems[:20]))
if everything.empty:
    st.info("Nothing has been logged yet.")
    st.stop()

a, b, c = st.columns(3)
user = a.selectbox("User", ["Everyone", *sorted(everything["user"].dropna().unique())])
event = b.selectbox("Event", ["All", *audit.EVENTS], format_func=lambda e: label(e, "audit_event"))
last = everything["time"].max().date()
days = c.date_input("Dates", (last - timedelta(days=30), last), max_value=last, format="DD/MM/YYYY")
since, until = (days[0], days[-1]) if days else (None, None)

log = audit.read_log(user=None if user == "Everyone" else user, event=None if event == "All" else event,
                     since=since, until=until)
log = log.assign(event=labels(log["event"], "audit_event"), page=labels(log["page"], "page"),
                 role=labels(log["role"], "role"), filters=[filters_text(f) for f in log["filters"]])
page.table(
    log,
    column_config={
        "time": st.column_config.DatetimeColumn("When (UTC)", format="D MMM YYYY, HH:mm:ss"),
        "user": "User", "role": "Role", "event": "Event", "page": "Page", "filters": "Filters",
        "what": "What", "rows": st.column_config.NumberColumn("Rows", format="%d"),
        "justification": "Justification", "recipient": "Recipient", "method": "Sign-in method",
        "content": st.column_config.TextColumn("Export fingerprint", help="Which exact file an export's reason covers: "
                                               "its content, filters and format, hashed."),
    },
)
