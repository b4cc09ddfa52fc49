"""What stands between a user and the data beyond a page view: audit records that fail
closed, the logged CSV export and the justified drill-down into pseudonymised rows."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from contextmap import audit, auth, disclosure, export
from contextmap.ui.reader import Session


def record_or_stop(record, *args, **kwargs) -> None:
    """Write an audit record; if the log cannot be written, stop (fail closed) with a plain message."""
    try:
        record(*args, **kwargs)
    except OSError:
        st.error("ContextMap cannot write its audit log, so it will not show data. "
                 "Ask your administrator to check the audit log location ([audit] log in contextmap.toml).")
        st.stop()


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_") or "table"


def export_button(session: Session, df: pd.DataFrame, what: str, page_id: str, count_cols, **protect) -> None:
    """A "Download CSV" control: justification and recipient first, logged, then the file.

    ``df`` may hold raw counts (protected here with ``disclosure.protect_frame(**protect)``,
    e.g. ``level=``, ``total_col=``) or the display table the page already protected;
    either way the file holds exactly what the screen may show, formula-safe. Roles
    without the 'export' capability see nothing.
    """
    if not auth.can(session.role, "export"):
        return
    try:
        shown = export.prepare(df, list(count_cols), session.policy, **protect)
    except ValueError:
        st.warning("This table cannot be downloaded: it would show small numbers.")
        return
    key = f"export_{page_id}_{_slug(what)}"
    data = export.safe_csv(shown)
    # Each distinct file (content, filters, format) needs its own logged justification.
    stamp = export.fingerprint(data, session.filters.as_dict(), "csv")
    with st.popover("Download CSV", icon=":material/download:"):
        st.caption("Exports are logged with your reason and the recipient. Do not name children or include "
                   "identifiers in these boxes.")
        with st.form(key, clear_on_submit=False, border=False):
            why = st.text_area("Why is this export needed?", max_chars=500, key=f"{key}_why")
            to = st.text_input("Who will receive it (person or organisation)?", max_chars=200, key=f"{key}_to")
            submitted = st.form_submit_button("Prepare download")
        if submitted:
            try:
                record_or_stop(audit.record_export, session.user.name, session.role, page_id, what, len(shown), why, to,
                     session.filters.as_dict(), content=stamp)
            except audit.ExportRefused as exc:
                st.error(str(exc))
                return
            st.session_state[f"{key}_ok"] = stamp
        if st.session_state.get(f"{key}_ok") == stamp:
            st.download_button(
                "Download", data, file_name=f"contextmap-{_slug(what)}.csv", mime="text/csv",
                on_click="ignore", key=f"{key}_file", type="primary",
            )
            st.caption(disclosure.legend(session.policy))
        elif f"{key}_ok" in st.session_state:
            st.caption("The table has changed since your last reason was logged: this is a different export, so "
                       "prepare it again (the reason is logged again with it).")


def drilldown_gate(session: Session, page_id: str, what: str) -> bool:
    """Whether to show pseudonymised rows now: analysts only, after a logged justification.

    The justification is asked once per page and table in a session; each change of
    filters is logged again as a new drill-down with the same justification.
    """
    if not auth.can(session.role, "drilldown"):
        return False
    key = f"drill_{page_id}_{_slug(what)}"
    why = st.session_state.get(f"{key}_why")
    if why is None:
        with st.form(key, border=True):
            st.markdown(f"**{what}**: pseudonymised records. Follow-up goes through the data controller, "
                        "who holds the key. Your reason is logged; do not name children here.")
            text = st.text_input("Why do you need to see these records?", max_chars=500, key=f"{key}_text")
            if not st.form_submit_button("Show records"):
                return False
        why = text
    logged = st.session_state.get(f"{key}_logged")
    if logged != session.filters:
        try:
            record_or_stop(audit.record_drilldown, session.user.name, session.role, page_id, what, why, session.filters.as_dict())
        except audit.DrilldownRefused as exc:
            st.error(str(exc))
            return False
        first_time = f"{key}_why" not in st.session_state
        st.session_state[f"{key}_why"] = why
        st.session_state[f"{key}_logged"] = session.filters
        if first_time:
            st.rerun()  # drop the form before the records are drawn
    return True
