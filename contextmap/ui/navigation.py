"""The pages a role may open, and getting there: ``st.navigation`` built per role, a
stand-in for pages it may not open, and the detour through sign-in of a deep link."""

from __future__ import annotations

import logging

import streamlit as st

from contextmap import auth, labels, settings

_log_error = logging.getLogger("contextmap.pages")

# Query parameter naming the page a deep link asked for before sign-in (see ``contextmap.ui.page.start``).
GOTO = "goto"

# page id → (file, title, icon, section). The role decides which are built at all.
PAGES = {
    "overview": ("pages/overview.py", "Overview", ":material/dashboard:", "Meeting"),
    "trends": ("pages/trends.py", "Trends", ":material/show_chart:", "Meeting"),
    "rhi": ("pages/rhi.py", "Return home interviews", ":material/forum:", "Meeting"),
    "map": ("pages/map.py", "Map", ":material/map:", "Where"),
    "places": ("pages/places.py", "Places", ":material/storefront:", "Where"),
    "postcodes": ("pages/postcodes.py", "Postcodes", ":material/markunread_mailbox:", "Where"),
    "groups": ("pages/groups.py", "Peer groups", ":material/groups:", "Who"),
    "disproportionality": ("pages/disproportionality.py", "Disproportionality", ":material/balance:", "Who"),
    "disruption": ("pages/disruption.py", "Disruption review", ":material/construction:", "Action"),
    "data_quality": ("pages/data_quality.py", "Data quality", ":material/fact_check:", "Admin"),
    "audit": ("pages/audit.py", "Audit log", ":material/policy:", "Admin"),
}


def default_page(role: str, council: str | None = None) -> str | None:
    """The page a role lands on (served at the root URL): Overview, else its first page
    (None when a council scope leaves the role no page)."""
    allowed = [p for p in PAGES if p in auth.pages_for(role, council)]
    return "overview" if "overview" in allowed else next(iter(allowed), None)


NO_ACCESS = "No access"
NO_COUNCIL_PAGES = ("Your account is scoped to one council, and none of your role's pages is available at council "
                    "level yet: ask your administrator for access to the whole build if you need it.")


def _no_access(page_id: str, role: str, council: str | None):
    """A stand-in for a page ``role`` may not open: says so (not "Page not found") and
    lists the pages it can open. The page itself is never built for this role."""
    def no_access() -> None:
        st.title(NO_ACCESS)
        scoped = " at council level" if council and page_id in auth.pages_for(role) else ""
        st.warning(f"Your role ({labels.label(role, 'role')}) does not give access to the "
                   f"{labels.label(page_id, 'page')} page{scoped}. Ask your administrator if you need it.",
                   icon=":material/lock:")
        for other in (p for p in PAGES if p in auth.pages_for(role, council)):
            path, title, icon, _ = PAGES[other]
            st.page_link(path, label=title, icon=icon)

    return no_access


def _nothing() -> None:
    st.title(NO_ACCESS)
    st.warning(NO_COUNCIL_PAGES, icon=":material/lock:")


def pages_for(role: str, council: str | None = None) -> dict[str, list]:
    """The ``st.navigation`` sections for ``role`` (in ``council``'s scope): pages it may not
    see are never built; their addresses lead to a hidden "no access" notice instead."""
    allowed = set(auth.pages_for(role, council))
    default = default_page(role, council)
    sections: dict[str, list] = {}
    if default is None:
        sections["Meeting"] = [st.Page(_nothing, title=NO_ACCESS, url_path="no-access", default=True)]
    denied = []
    for page_id, (path, title, icon, section) in PAGES.items():
        if page_id in allowed and (settings.ROOT / path).exists():
            sections.setdefault(section, []).append(
                st.Page(path, title=title, icon=icon, url_path=page_id, default=page_id == default)
            )
        elif page_id not in allowed:
            denied.append(st.Page(_no_access(page_id, role, council), title=NO_ACCESS, url_path=page_id,
                                  visibility="hidden"))
    next(iter(sections.values())).extend(denied)
    return sections


def navigate(user: auth.User) -> None:
    """Run the page this user chose, after a detour through sign-in if a deep link asked for one."""
    role = user.role
    sections = pages_for(role, user.council)
    nav = st.navigation(sections)
    goto = st.query_params.get(GOTO)
    if goto is not None:
        del st.query_params[GOTO]
        target = next((p for pages in sections.values() for p in pages if p.url_path == goto), None)
        if target is not None:
            st.switch_page(target, query_params=st.query_params.to_dict())
    landing = default_page(role, user.council)
    if st.session_state.pop("role_switched", False) and nav.title == NO_ACCESS and landing:
        # A demo role switch on a page the new role may not open: go to its own first page.
        st.switch_page(PAGES[landing][0], query_params=st.query_params.to_dict())
    try:
        nav.run()
    except Exception:
        # Users never see a stack trace; the administrator finds it in the server log.
        _log_error.exception("page %s failed", nav.url_path)
        st.error("Sorry, this page could not be drawn. The problem has been recorded in the server log for your "
                 "administrator. Try another period or locality, or another page.")
