"""What every page does and what pages repeat: start a page (role check, logged view,
title), display tables, profiles and the footer.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from contextmap import audit, auth, disclosure, settings
from contextmap.fmt import md_escape, sortable
from contextmap.ui.gates import record_or_stop
from contextmap.ui.navigation import GOTO
from contextmap.ui.reader import Session, policy, session


def start(page_id: str, title: str, caption: str | None = None) -> Session:
    """Start a page: check the role on the server, record the view, draw the title."""
    if "session" not in st.session_state:
        # A deep link to a freshly started server runs the page file on its own (Streamlit
        # treats ``pages/`` as an old-style app until ``st.navigation`` has run once):
        # go through dashboard.py, which signs in, checks the role and comes back here.
        st.switch_page("dashboard.py", query_params={**st.query_params.to_dict(), GOTO: page_id})
    sess = session()
    try:
        auth.require(sess.role, page_id)
    except auth.AccessDenied:
        st.error("Your role does not give access to this page.")
        st.stop()
    record_or_stop(audit.record_page_view, sess.user.name, sess.role, page_id, sess.filters.as_dict())
    st.title(title)
    if caption:
        st.caption(caption)
    return sess


def table(df: pd.DataFrame, where=st, **kwargs):
    """Show a display table in ``where`` (the page or a column): numbers sort as numbers
    ("c" between 0 and 6, :func:`contextmap.fmt.sortable`), missing values read "—"."""
    return where.dataframe(sortable(df), hide_index=True, use_container_width=True, placeholder="—", **kwargs)


def show_profile(prof, level: int = 3) -> None:
    """Lay out a place or area profile: heading, figures, monthly chart, tables two by two.

    Names and subtitles come from the data, so they are escaped, never read as Markdown.
    """
    st.markdown(f"{'#' * level} {md_escape(prof.title)}")
    st.caption(md_escape(prof.subtitle))
    for col, (label, value, help_text) in zip(st.columns(len(prof.metrics)), prof.metrics):
        col.metric(label, value, help=help_text, border=True)
    st.plotly_chart(prof.timeline, use_container_width=True)
    for i in range(0, len(prof.tables), 2):
        for col, (heading, rows, empty) in zip(st.columns(2), prof.tables[i:i + 2]):
            col.markdown(f"**{md_escape(heading)}**")
            if rows.empty:
                col.caption(md_escape(empty))
            else:
                table(rows, where=col)


def footer() -> None:
    """Disclosure legend, data attribution and, in demo mode, the demo label."""
    st.divider()
    st.caption(disclosure.legend(policy()))
    st.caption(settings.get("geography", "attribution"))
