"""The dashboard's fixed stylesheets (literal text: no data is ever put in this HTML)."""

from __future__ import annotations

import streamlit as st


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
