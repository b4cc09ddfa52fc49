"""Everything the pages share that needs Streamlit: with ``dashboard.py`` and ``pages/``,
the only code that imports it. One module per concern, imported by name:

- :mod:`contextmap.ui.reader`: the build a session reads (holding its reader lock) and the
  :class:`~contextmap.ui.reader.Session`, whose ``query`` runs cached queries on it;
- :mod:`contextmap.ui.sign_in`: who is using the app (demo roles, OpenID Connect, local accounts);
- :mod:`contextmap.ui.sidebar`: the global filters, kept in the session and the URL;
- :mod:`contextmap.ui.navigation`: the pages a role may open, and getting there;
- :mod:`contextmap.ui.gates`: audit records that fail closed, logged exports and drill-downs;
- :mod:`contextmap.ui.theme`: the fixed stylesheets;
- :mod:`contextmap.ui.page`: what the pages repeat: starting a page, the "table required"
  guard, the link-driven picker, the ward background map, tables, profiles, the footer.
"""
