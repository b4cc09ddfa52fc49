"""The build this session reads, and the queries it runs on it, cached.

Each session reads one build, fixed at sign-in so a page never mixes two, through one
shared reader per build file that holds the build's reader lock: the builder's clean-up
never removes a build a session is reading.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from contextmap import auth, builds, disclosure, queries
from contextmap.filters import Filters

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

    def query(self, name: str, filters: Filters | None = None, **params) -> pd.DataFrame:
        """Run ``sql/queries/<name>.sql`` for this session, cached per build, role and policy
        (the session's :class:`~contextmap.queries.Query`)."""
        if filters is not None:
            params = {**filters.params(), **params}
        # The signed-in user's scope, bound last: no filter, URL or page parameter changes it.
        params = {**params, "scope": auth.scope_param(self.user)}
        path = build_path()
        if path is None:
            st.info(NO_BUILD)
            st.stop()
        return _cached(str(path), self.role, self.policy, name, json.dumps(params, default=str, sort_keys=True))

    def has_table(self, table: str) -> bool:
        """Whether the served build has ``table``."""
        return queries.has_table(self.query, table)


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


def is_demo_build() -> bool:
    """Whether the served build was made from the shipped sample with the demo key."""
    path = build_path()
    if path is None:
        return False
    info = queries.run(_connect(str(path)).cursor(), "build_info")
    return bool(info["is_demo"].iloc[0])


def session() -> Session:
    """The current session (set up by ``dashboard.py`` before any page runs)."""
    return st.session_state.session


def policy() -> disclosure.Policy:
    """The disclosure policy in force (from contextmap.toml [privacy])."""
    return disclosure.Policy.from_settings()
