"""ContextMap: the Streamlit entry point. Sign-in, the pages this role may see, the filters.

Run with ``make run`` (builds the sample database first) or ``streamlit run dashboard.py``.
"""

import streamlit as st

from contextmap import ui
from contextmap.settings import ROOT

st.set_page_config(page_title="ContextMap", page_icon=str(ROOT / "static" / "contextmap.png"), layout="wide")

user = ui.sign_in()
filters = ui.sidebar_filters()
st.session_state.session = ui.Session(user=user, filters=filters, policy=ui.policy())
ui.apply_theme()
ui.navigate(user.role)
ui.footer()
