"""ContextMap: the Streamlit entry point. Sign-in, the pages this role may see, the filters.

Run with ``make run`` (builds the sample database first) or ``streamlit run dashboard.py``.
"""

import streamlit as st

from contextmap import auth
from contextmap.settings import ROOT
from contextmap.ui import navigation, page, reader, sidebar, theme
from contextmap.ui.sign_in import sign_in

st.set_page_config(page_title="ContextMap", page_icon=str(ROOT / "static" / "contextmap.png"), layout="wide")

user = sign_in()
filters = sidebar.filters(auth.scope_param(user))
st.session_state.session = reader.Session(user=user, filters=filters, policy=reader.policy())
theme.apply_theme()
navigation.navigate(user)
page.footer()
