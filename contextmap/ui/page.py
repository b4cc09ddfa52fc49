"""What every page does and what pages repeat: start a page (role check, logged view,
title), stop when the build lacks a table, a picker mirrored in the URL, the ward
background map, display tables, profiles and the footer.
"""

from __future__ import annotations

import numbers

import pandas as pd
import streamlit as st

from contextmap import audit, auth, disclosure, maps, settings
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
        auth.require(sess.role, page_id, sess.user.council)
    except auth.AccessDenied:
        st.error("Your role does not give access to this page.")
        st.stop()
    record_or_stop(audit.record_page_view, sess.user.name, sess.role, page_id, sess.filters.as_dict())
    st.title(title)
    if caption:
        st.caption(caption)
    return sess


def council_note(s: Session, counts: str) -> None:
    """Tell a council user that the page counts their council's records only: ``counts``
    says which, with ``{council}`` for its name. Nothing for a user of the whole build."""
    if s.user.council:
        name = md_escape(auth.councils().get(s.user.council, s.user.council))
        st.info(f"{name} only: {counts.format(council=name)}", icon=":material/account_balance:")


def require_table(s: Session, table: str, missing: str) -> None:
    """Stop the page with ``missing`` (what is not in this build, and how to add it) when
    the build has no ``table``: optional analytics may be absent from a build."""
    if not s.has_table(table):
        st.info(missing)
        st.stop()


def url_matches(option, wanted: str | None) -> bool:
    """Whether the URL's text ``wanted`` names ``option``: the same text, or for a whole-number
    option (a group number) the same number, so ``?group=03`` opens group 3 as ``?group=3`` does."""
    if wanted is None:
        return False
    if isinstance(option, numbers.Integral) and not isinstance(option, bool):
        return wanted.strip().isdecimal() and int(wanted) == option
    return str(option) == wanted


def linked_select(label: str, options: list, *, key: str, param: str, default=None, where=st, **kwargs):
    """A select box whose choice is mirrored in the URL (``?param=``), so a link opens the same choice.

    When the box has no choice yet, or its choice is no longer among ``options`` (the
    filters changed), it takes the URL's if that is an option (see :func:`url_matches`),
    else ``default`` (the first option when None). No choice (None) leaves ``param`` out of the URL.
    """
    if key not in st.session_state or st.session_state[key] not in options:
        wanted = st.query_params.get(param)
        linked = next((o for o in options if o is not None and url_matches(o, wanted)), None)
        st.session_state[key] = linked if linked is not None else (options[0] if default is None else default)
    choice = where.selectbox(label, options, key=key, **kwargs)
    if choice is None:
        if param in st.query_params:
            del st.query_params[param]
    else:
        st.query_params[param] = str(choice)
    return choice


def ward_map(s: Session):
    """The background of the Postcodes and Peer groups maps: the configured tiles (none
    offline) framed on the area, with the wards' outlines in grey."""
    wards = s.query("boundaries", level="ward")
    config = settings.current()
    m = maps.base_map(wards, config.geography.attribution, tile_url=config.map.tile_url,
                      tile_attribution=config.map.tile_attribution)
    maps.add_outlines(m, wards, labels=False, colour="#9e9e9e", weight=0.8, name="Wards")
    return m


def table(df: pd.DataFrame, where=st, sort_keys: dict | None = None, **kwargs):
    """Show a display table in ``where`` (the page or a column): numbers sort as numbers
    ("c" between 0 and 6, :func:`contextmap.fmt.sortable`), missing values read "—";
    ``sort_keys``: the numbers a text column sorts by (:func:`contextmap.fmt.sortable`)."""
    return where.dataframe(sortable(df, sort_keys), hide_index=True, width="stretch", placeholder="—", **kwargs)


def show_profile(prof, level: int = 3) -> None:
    """Lay out a place or area profile: heading, figures, monthly chart, tables two by two.

    Names and subtitles come from the data, so they are escaped, never read as Markdown.
    """
    st.markdown(f"{'#' * level} {md_escape(prof.title)}")
    for note in prof.notes:
        st.markdown(md_escape(note))
    st.caption(md_escape(prof.subtitle))
    for col, (label, value, help_text) in zip(st.columns(len(prof.metrics)), prof.metrics):
        col.metric(label, value, help=help_text, border=True)
    if prof.metric_note:
        st.caption(md_escape(prof.metric_note))
    st.plotly_chart(prof.timeline, width="stretch")
    for i in range(0, len(prof.tables), 2):
        for col, (heading, rows, empty) in zip(st.columns(2), prof.tables[i:i + 2]):
            col.markdown(f"**{md_escape(heading)}**", help=prof.table_help.get(heading))
            if rows.empty:
                col.caption(md_escape(empty))
            else:
                table(rows, where=col)


def footer() -> None:
    """Disclosure legend, data attribution and, in demo mode, the demo label."""
    st.divider()
    st.caption(disclosure.legend(policy()))
    st.caption(settings.current().geography.attribution)
