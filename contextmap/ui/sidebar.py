"""The global filters in the sidebar, kept in the session and mirrored in the URL so a link
opens the same view."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from contextmap import queries
from contextmap.coverage import Coverage
from contextmap.filters import (
    AGE_BANDS,
    ALL,
    FILTER_KEYS,
    LOOKED_AFTER,
    MAX_NARROWED,
    PERIODS,
    SEXES,
    SOURCES,
    TWO_AT_A_TIME,
    Filters,
)
from contextmap.fmt import first_of_month
from contextmap.ui.reader import cursor


def _bounds(scope: str) -> tuple[Coverage, list[str]]:
    cur = cursor()
    return (Coverage.from_frame(queries.run(cur, "coverage")),
            queries.run(cur, "localities", scope=scope)["locality"].tolist())


def _period_options(first: date, last: date, period: str) -> list[date]:
    """One month per period of the data (its last month, or the data's while it runs)."""
    months = [d.date() for d in pd.date_range(first, last, freq="MS")]
    return sorted({Filters(m, period=period, data_end=last).month_to for m in months})


def _one_or_all(where, label: str, labels: dict[str, str], current: tuple[str, ...], key: str,
                help: str | None = None, disabled: bool = False) -> tuple[str, ...]:
    """A select box of "All" or one value (never another subset: see ``contextmap.filters.ALL``)."""
    options = [ALL, *labels]
    chosen = where.selectbox(label, options, index=options.index(current[0]) if len(current) == 1 else 0,
                             format_func=lambda v: labels.get(v, v), key=key, help=help, disabled=disabled)
    return tuple(labels) if chosen == ALL else (chosen,)


def filters(scope: str) -> Filters:
    """Draw the global filters in the sidebar; keep them in the session and the URL.

    ``scope`` is the signed-in user's (``contextmap.auth.scope_param``): it is no control.
    """
    cov, localities = _bounds(scope)
    # A build with no dated records still draws every page (each says it has nothing to show).
    first, last = cov.first or first_of_month(date.today()), cov.last or first_of_month(date.today())
    opening = cov.opening_month() or last
    if "filters" not in st.session_state:
        st.session_state.filters = Filters.from_query(dict(st.query_params), last, first, localities, default=opening,
                                                      scope=scope)
    current: Filters = st.session_state.filters
    sb = st.sidebar
    sb.header("Filters")
    period = sb.segmented_control(
        "Period", list(PERIODS), format_func=PERIODS.get, default=current.period, key="f_period",
        help="A month, a quarter (January to March, April to June…) or a year (April to March). Periods "
             "never overlap, so no two of them can be set against each other to reveal a hidden count.",
    ) or current.period
    options = _period_options(first, last, period)
    chosen_end = Filters(current.month, period=period, data_end=last).month_to
    def label(m: date) -> str:
        return Filters(m, period=period, data_end=last).label + (" (partial)" if cov.is_partial(m) else "")

    if len(options) > 1:
        month = sb.select_slider(PERIODS[period], options, value=chosen_end if chosen_end in options else options[-1],
                                 format_func=label, key=f"f_month_{period}")
    else:  # a slider needs two values
        month = options[0]
        sb.caption(f"{PERIODS[period]}: {label(month)}")
    sb.caption(" ".join(filter(None, [cov.opening_rule(), cov.partial_note(last)])))
    # Two breakdowns at most (contextmap.filters.MAX_NARROWED): the others wait until one is set back to all.
    narrowed = current.narrowed()
    full = len(narrowed) >= MAX_NARROWED

    def closed(name: str) -> bool:
        return full and name not in narrowed

    locality = sb.selectbox(
        "Locality", ["All", *localities], index=(["All", *localities].index(current.locality)), key="f_locality",
        help="The council's own localities, each a group of wards (a council user: their council's).",
        disabled=closed("locality"),
    )
    sources = _one_or_all(sb, "Sources", SOURCES, current.sources, "f_sources",
                          "Missing from: where a child went missing from. Found at: where found or returned. Named in "
                          "RHIs: places and areas a child named in a return home interview. Offences: offences recorded "
                          "there. One source or all of them (see the method note on small numbers).")
    with sb.expander("Who", expanded=False):
        age_bands = _one_or_all(st, "Age band", {a: a for a in AGE_BANDS}, current.age_bands, "f_age",
                                disabled=closed("age_bands"))
        sexes = _one_or_all(st, "Sex", SEXES, current.sexes, "f_sex", disabled=closed("sexes"))
        looked_after = st.radio("Looked-after status", LOOKED_AFTER, index=LOOKED_AFTER.index(current.looked_after),
                                key="f_la", disabled=closed("looked_after"))
        if full:
            st.caption(TWO_AT_A_TIME)
    chosen = Filters(
        month=month, period=period, locality=locality, sources=sources,
        age_bands=age_bands, sexes=sexes, looked_after=looked_after, scope=scope, data_end=last,
    ).within_limit()
    st.session_state.filters = chosen
    _sync_url(chosen)
    sb.toggle("Large type (for a projector)", key="large_type")
    return chosen


def _sync_url(filters: Filters) -> None:
    # Only the filter keys: pages keep their own (?place=, ?group=) for shareable links.
    wanted = filters.to_query()
    for key in set(FILTER_KEYS) - set(wanted):
        if key in st.query_params:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
