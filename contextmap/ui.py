"""Everything the pages share that needs Streamlit: the read-only connection, cached
queries, the global sidebar filters (mirrored in the URL), sign-in and page guards.

This is the only module besides ``dashboard.py`` and ``pages/`` that imports Streamlit.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from contextmap import audit, auth, builds, disclosure, export, labels, queries, settings
from contextmap.coverage import Coverage
from contextmap.filters import AGE_BANDS, ALL, FILTER_KEYS, LOOKED_AFTER, PERIODS, SEXES, SOURCES, Filters
from contextmap.fmt import first_of_month, md_escape, month_label, sortable

_log_error = logging.getLogger("contextmap.pages")

NO_BUILD = (
    "There is no ContextMap database to show yet. Build one from the shipped sample with "
    "`make run`, or from your own files with `python -m pipelines build --input FOLDER`."
)


@dataclass(frozen=True)
class Session:
    """The signed-in user and what they chose in the sidebar."""

    user: auth.User
    filters: Filters
    policy: disclosure.Policy

    @property
    def role(self) -> str:
        return self.user.role


@st.cache_resource(max_entries=4)
def _reader(path: str) -> builds.Reader:
    # One reader per build file, shared by the sessions on it: it holds the build's reader
    # lock, so the builder's clean-up never removes a build a session is reading. A new
    # build is a new path, so a new entry; an evicted entry closes and releases its lock.
    return builds.open_build(Path(path))


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    return _reader(path).con


def build_path() -> Path | None:
    """The build this session reads: fixed at sign-in so a page never mixes two builds.

    Opening it takes its reader lock first; a build removed before that (the session
    started just as it was retired) is replaced by the current one.
    """
    if st.session_state.get("build_path") is None:
        path = builds.current_build()
        st.session_state.build_path = str(path) if path else None
    path = st.session_state.build_path
    if path is None:
        return None
    try:
        _reader(path)
    except FileNotFoundError:
        del st.session_state["build_path"]
        return build_path()
    return Path(path)


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the session's build (DuckDB connections are not thread-safe; cursors are)."""
    path = build_path()
    if path is None:
        st.info(NO_BUILD)
        st.stop()
    return _connect(str(path)).cursor()


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached(build: str, role: str, policy: disclosure.Policy, name: str, params_json: str) -> pd.DataFrame:
    # role and policy are part of the key: cached results are never shared across them.
    del role
    params = json.loads(params_json)
    for key in ("month_from", "month_to"):
        if key in params:
            params[key] = date.fromisoformat(params[key])
    return queries.run(_connect(build).cursor(), name, policy=policy, **params)


def query(session: Session, name: str, filters: Filters | None = None, **params) -> pd.DataFrame:
    """Run ``sql/queries/<name>.sql`` for this session, cached per build, role and policy."""
    if filters is not None:
        params = {**filters.params(), **params}
    path = build_path()
    if path is None:
        st.info(NO_BUILD)
        st.stop()
    return _cached(str(path), session.role, session.policy, name, json.dumps(params, default=str, sort_keys=True))


def has_table(session: Session, table: str) -> bool:
    """Whether the served build has ``table``."""
    return bool(query(session, "table_exists", table=table).iloc[0, 0])


def is_demo_build() -> bool:
    """Whether the served build was made from the shipped sample with the demo key."""
    path = build_path()
    if path is None:
        return False
    info = queries.run(_connect(str(path)).cursor(), "build_info")
    return bool(info["is_demo"].iloc[0])


def _bounds() -> tuple[Coverage, list[str]]:
    cur = cursor()
    return Coverage.from_frame(queries.run(cur, "coverage")), queries.run(cur, "localities")["locality"].tolist()


def _month_options(first: date, last: date) -> list[date]:
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


def _one_or_all(where, label: str, labels: dict[str, str], current: tuple[str, ...], key: str,
                help: str | None = None) -> tuple[str, ...]:
    """A select box of "All" or one value (never another subset: see ``contextmap.filters.ALL``)."""
    options = [ALL, *labels]
    chosen = where.selectbox(label, options, index=options.index(current[0]) if len(current) == 1 else 0,
                             format_func=lambda v: labels.get(v, v), key=key, help=help)
    return tuple(labels) if chosen == ALL else (chosen,)


def sidebar_filters() -> Filters:
    """Draw the global filters in the sidebar; keep them in the session and the URL."""
    cov, localities = _bounds()
    # A build with no dated records still draws every page (each says it has nothing to show).
    first, last = cov.first or first_of_month(date.today()), cov.last or first_of_month(date.today())
    opening = cov.opening_month() or last
    if "filters" not in st.session_state:
        st.session_state.filters = Filters.from_query(dict(st.query_params), last, first, localities, default=opening)
    current: Filters = st.session_state.filters
    months = _month_options(first, last)
    sb = st.sidebar
    sb.header("Filters")
    period = sb.segmented_control(
        "Period", list(PERIODS), format_func=PERIODS.get, default=current.period, key="f_period",
        help="A month, the quarter ending in the chosen month, or the 12 months ending in it.",
    ) or current.period
    month = sb.select_slider(
        "Ending in", months, value=current.month if current.month in months else opening,
        format_func=lambda m: month_label(m) + (" (partial)" if cov.is_partial(m) else ""), key="f_month",
    )
    sb.caption(" ".join(filter(None, [cov.opening_rule(), cov.partial_note(last)])))
    locality = sb.selectbox(
        "Locality", ["All", *localities], index=(["All", *localities].index(current.locality)), key="f_locality",
        help="The council's own localities, each a group of wards.",
    )
    sources = _one_or_all(sb, "Sources", SOURCES, current.sources, "f_sources",
                          "Missing from: where a child went missing from. Found at: where found or returned. Named in "
                          "RHIs: places and areas a child named in a return home interview. Offences: offences recorded "
                          "there. One source or all of them (see the method note on small numbers).")
    with sb.expander("Who", expanded=False):
        age_bands = _one_or_all(st, "Age band", {a: a for a in AGE_BANDS}, current.age_bands, "f_age")
        sexes = _one_or_all(st, "Sex", SEXES, current.sexes, "f_sex")
        looked_after = st.radio("Looked-after status", LOOKED_AFTER, index=LOOKED_AFTER.index(current.looked_after), key="f_la")
    filters = Filters(
        month=month, period=period, locality=locality, sources=sources,
        age_bands=age_bands, sexes=sexes, looked_after=looked_after,
    )
    st.session_state.filters = filters
    _sync_url(filters)
    sb.toggle("Large type (for a projector)", key="large_type")
    return filters


def _forget_page_params() -> None:
    """Drop what a page put in the URL (``?place=``, ``?action=``…): after a role switch it
    belongs to a view the new role may not have."""
    for key in list(st.query_params):
        if key not in (*FILTER_KEYS, "role", GOTO):
            del st.query_params[key]


def table(df: pd.DataFrame, where=st, **kwargs):
    """Show a display table in ``where`` (the page or a column): numbers sort as numbers
    ("c" between 0 and 6, :func:`contextmap.fmt.sortable`), missing values read "—"."""
    return where.dataframe(sortable(df), hide_index=True, use_container_width=True, placeholder="—", **kwargs)


def _sync_url(filters: Filters) -> None:
    # Only the filter keys: pages keep their own (?place=, ?group=) for shareable links.
    wanted = filters.to_query()
    for key in set(FILTER_KEYS) - set(wanted):
        if key in st.query_params:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def apply_theme() -> None:
    """The fixed stylesheets (literal text: no data is ever put in this HTML)."""
    # Metric labels and change chips wrap instead of ending in "…" (a 1024-pixel projector cut
    # "Missing episodes" to "Missing ep…") and cards move to the next row rather than shrink
    # below a readable width; tables leave only through the logged export (the grid's own CSV
    # button would bypass the audit log).
    st.html("""<style>
[data-testid="stMetric"] .stMarkdownEllipsis, [data-testid="stMetric"] .stMarkdownEllipsis p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: break-word; }
[data-testid="stMetricLabel"] { height: auto !important; min-height: 1.5rem; align-items: flex-start; }
[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) { flex-wrap: wrap; row-gap: 1rem; }
[data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has([data-testid="stMetric"]) { min-width: 10rem; }
[data-testid="stElementToolbar"] button[aria-label="Download as CSV"] { display: none !important; }
</style>""")
    if st.session_state.get("large_type"):
        # Large type, read from the back of a room: headings stay larger than body text and
        # figures larger than their labels (one blanket font size flattened them all).
        st.html("""<style>
[data-testid="stMain"] [data-testid="stMarkdownContainer"] :is(p, li, td, th) { font-size: 1.3rem !important; }
[data-testid="stMain"] [data-testid="stCaptionContainer"], [data-testid="stMain"] [data-testid="stCaptionContainer"] p {
  font-size: 1.1rem !important; }
[data-testid="stMain"] [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has([data-testid="stMetric"]) {
  min-width: 15rem; }
[data-testid="stMain"] h1 { font-size: 3.2rem !important; }
[data-testid="stMain"] h2 { font-size: 2.4rem !important; }
[data-testid="stMain"] h3 { font-size: 2rem !important; }
[data-testid="stMain"] h4 { font-size: 1.6rem !important; }
[data-testid="stMain"] [data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p {
  font-size: 1.3rem !important; line-height: 1.3 !important; }
[data-testid="stMain"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {
  font-size: 3rem !important; line-height: 1.15 !important; }
[data-testid="stMain"] [data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"] p {
  font-size: 1.2rem !important; }
</style>""")


def _log(record, *args, **kwargs) -> None:
    """Write an audit record; if the log cannot be written, stop (fail closed) with a plain message."""
    try:
        record(*args, **kwargs)
    except OSError:
        st.error("ContextMap cannot write its audit log, so it will not show data. "
                 "Ask your administrator to check the audit log location ([audit] log in contextmap.toml).")
        st.stop()


def session() -> Session:
    """The current session (set up by ``dashboard.py`` before any page runs)."""
    return st.session_state.session


def page(page_id: str, title: str, caption: str | None = None) -> Session:
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
    _log(audit.record_page_view, sess.user.name, sess.role, page_id, sess.filters.as_dict())
    st.title(title)
    if caption:
        st.caption(caption)
    return sess


def policy() -> disclosure.Policy:
    """The disclosure policy in force (from contextmap.toml [privacy])."""
    return disclosure.Policy.from_settings()


def area_name() -> str:
    """The configured area's name, e.g. "Kirklees"."""
    return settings.get("geography", "name")


# Query parameter naming the page a deep link asked for before sign-in (see ``page``).
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


def default_page(role: str) -> str:
    """The page a role lands on (served at the root URL): Overview, else its first page."""
    allowed = [p for p in PAGES if p in auth.pages_for(role)]
    return "overview" if "overview" in allowed else allowed[0]


NO_ACCESS = "No access"


def _no_access(page_id: str, role: str):
    """A stand-in for a page ``role`` may not open: says so (not "Page not found") and
    lists the pages it can open. The page itself is never built for this role."""
    def no_access() -> None:
        st.title(NO_ACCESS)
        st.warning(f"Your role ({labels.label(role, 'role')}) does not give access to the "
                   f"{labels.label(page_id, 'page')} page. Ask your administrator if you need it.",
                   icon=":material/lock:")
        for other in (p for p in PAGES if p in auth.pages_for(role)):
            path, title, icon, _ = PAGES[other]
            st.page_link(path, label=title, icon=icon)

    return no_access


def pages_for(role: str) -> dict[str, list]:
    """The ``st.navigation`` sections for ``role``: pages it may not see are never built;
    their addresses lead to a hidden "no access" notice instead."""
    allowed = set(auth.pages_for(role))
    default = default_page(role)
    sections: dict[str, list] = {}
    denied = []
    for page_id, (path, title, icon, section) in PAGES.items():
        if page_id in allowed and (settings.ROOT / path).exists():
            sections.setdefault(section, []).append(
                st.Page(path, title=title, icon=icon, url_path=page_id, default=page_id == default)
            )
        elif page_id not in allowed:
            denied.append(st.Page(_no_access(page_id, role), title=NO_ACCESS, url_path=page_id, visibility="hidden"))
    next(iter(sections.values())).extend(denied)
    return sections


def navigate(role: str) -> None:
    """Run the page this role chose, after a detour through sign-in if a deep link asked for one."""
    sections = pages_for(role)
    nav = st.navigation(sections)
    goto = st.query_params.get(GOTO)
    if goto is not None:
        del st.query_params[GOTO]
        target = next((p for pages in sections.values() for p in pages if p.url_path == goto), None)
        if target is not None:
            st.switch_page(target, query_params=st.query_params.to_dict())
    if st.session_state.pop("role_switched", False) and nav.title == NO_ACCESS:
        # A demo role switch on a page the new role may not open: go to its own first page.
        st.switch_page(PAGES[default_page(role)][0], query_params=st.query_params.to_dict())
    try:
        nav.run()
    except Exception:
        # Users never see a stack trace; the administrator finds it in the server log.
        _log_error.exception("page %s failed", nav.url_path)
        st.error("Sorry, this page could not be drawn. The problem has been recorded in the server log for your "
                 "administrator. Try another period or locality, or another page.")


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


def _signed_in(user: auth.User, method: str) -> auth.User:
    st.session_state.user = user
    _log(audit.record_sign_in, user.name, user.role, method)
    return user


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
        _log(audit.record_sign_in, attempt.log_name, None, attempt.method)
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
        user = st.session_state.get("user")
        if user is None or user.role != role:
            if user is not None:
                _forget_page_params()
                st.session_state.role_switched = True
            user = _signed_in(auth.User(name=f"demo-{role}", role=role), "demo")
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
        role = auth.role_from_claims(st.user.to_dict(), auth.load_role_map())
        if role is None:
            _refuse("Your account has no ContextMap role. Ask your administrator to add you.")
        return _signed_in(auth.User(name=str(st.user.get("email", "unknown")), role=role), "oidc")
    if auth.local_users_configured():
        _local_sign_in()
    _refuse("No sign-in is configured. See SECURITY.md: set up OpenID Connect or local accounts.")


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
                _log(audit.record_export, session.user.name, session.role, page_id, what, len(shown), why, to,
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
            _log(audit.record_drilldown, session.user.name, session.role, page_id, what, why, session.filters.as_dict())
        except audit.DrilldownRefused as exc:
            st.error(str(exc))
            return False
        first_time = f"{key}_why" not in st.session_state
        st.session_state[f"{key}_why"] = why
        st.session_state[f"{key}_logged"] = session.filters
        if first_time:
            st.rerun()  # drop the form before the records are drawn
    return True

