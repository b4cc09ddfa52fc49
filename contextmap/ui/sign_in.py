"""Who is using the app: demo role picker, OpenID Connect or local accounts. Until someone
has signed in, nothing but the sign-in form is drawn."""

from __future__ import annotations

import time

import streamlit as st

from contextmap import audit, auth, labels
from contextmap.filters import FILTER_KEYS
from contextmap.ui.gates import record_or_stop
from contextmap.ui.navigation import GOTO, PAGES
from contextmap.ui.reader import is_demo_build


def _forget_page_params() -> None:
    """Drop what a page put in the URL (``?place=``, ``?action=``…): after a role switch it
    belongs to a view the new role may not have."""
    for key in list(st.query_params):
        if key not in (*FILTER_KEYS, "role", GOTO):
            del st.query_params[key]


def _signed_in(user: auth.User, method: str) -> auth.User:
    st.session_state.user = user
    record_or_stop(audit.record_sign_in, user.name, user.role, method)
    return user


def _demo_council() -> str | None:
    """A force-wide demo build: the demo user's scope, the whole build or one council (what
    a real account gets from sign-in; never read from the URL)."""
    councils = auth.councils()
    if not councils:
        return None
    return st.sidebar.selectbox("Council (demo)", [None, *sorted(councils)], key="demo_council",
                                format_func=lambda c: councils.get(c, "Whole force area"),
                                help="Whose figures the demo user sees: a council user sees their council's own.")


def _oidc_configured() -> bool:
    # st.secrets raises when there is no secrets.toml at all: local accounts need none.
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _hide_page_list() -> None:
    """Before sign-in the sidebar lists no page and no page runs: every page's address is
    taken by an empty stand-in, so a deep link shows the sign-in form (not "page not
    found") and, once signed in, opens the page it named if the role allows it."""
    def sign_in_first() -> None:
        pass

    st.navigation([st.Page(sign_in_first, title="Sign in", url_path="sign-in", default=True),
                   *(st.Page(sign_in_first, title="Sign in", url_path=page_id) for page_id in PAGES)],
                  position="hidden")


def _refuse(message: str) -> None:
    _hide_page_list()
    st.title("ContextMap")
    st.error(message)
    st.stop()


def _local_sign_in() -> None:
    _hide_page_list()
    st.title("ContextMap")
    with st.form("login"):
        name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        attempt = auth.sign_in_local(name, password)
        if attempt.user:
            _signed_in(attempt.user, attempt.method)
            st.rerun()
        time.sleep(attempt.delay)  # slows password guessing; the lockout stops it
        record_or_stop(audit.record_sign_in, attempt.log_name, None, attempt.method)
        st.error(attempt.message)
    st.stop()


def sign_in() -> auth.User:
    """Who is using the app: demo role picker, OpenID Connect, or local accounts.

    Demo mode exists only for a demo build (the shipped sample, or synthetic data built
    with ``--demo``) on a server with no sign-in configured; a demo build where sign-in
    is configured is refused. Without OIDC (``[auth]`` in ``.streamlit/secrets.toml``)
    or a local users file nobody gets in: there is no default password. Until someone
    has signed in, nothing but the sign-in form is drawn.
    """
    if is_demo_build():
        if auth.sign_in_configured():
            _refuse("The published build is a demo build (synthetic data, public demo key), and this server has "
                    "sign-in configured, so it will not be served. Build your own data with your organisation's key: "
                    "python -m pipelines build --input FOLDER.")
        st.sidebar.warning("Demo mode: synthetic sample data. Choose a role to see what it sees.", icon=":material/science:")
        # A demo link may name the role (``?role=partner``) so a walkthrough can start in it.
        if "demo_role" not in st.session_state and st.query_params.get("role") in auth.ROLES:
            st.session_state.demo_role = st.query_params["role"]
        role = st.sidebar.selectbox("Role (demo)", auth.ROLES, key="demo_role", help=auth.ROLE_HELP,
                                    format_func=lambda r: labels.label(r, "role"))
        council = _demo_council()
        user = st.session_state.get("user")
        if user is None or user.role != role or user.council != council:
            if user is not None:
                _forget_page_params()
                st.session_state.role_switched = True
                st.session_state.pop("filters", None)  # the filters carry the old scope
            user = _signed_in(auth.User(name=f"demo-{role}", role=role, council=council), "demo")
        if "role" in st.query_params and st.query_params["role"] != role:
            st.query_params["role"] = role  # a shared demo link opens in the role shown
        return user
    if st.session_state.get("user") is not None:
        return st.session_state.user
    if _oidc_configured():
        if not st.user.is_logged_in:
            _hide_page_list()
            st.title("ContextMap")
            st.button("Sign in with your organisation account", on_click=st.login, type="primary")
            st.stop()
        grant = auth.grant_from_claims(st.user.to_dict(), auth.load_role_map())
        if grant is None:
            _refuse("Your account has no ContextMap role. Ask your administrator to add you.")
        role, council = grant
        return _signed_in(auth.User(name=str(st.user.get("email", "unknown")), role=role, council=council), "oidc")
    if auth.local_users_configured():
        _local_sign_in()
    _refuse("No sign-in is configured. See SECURITY.md: set up OpenID Connect or local accounts.")
