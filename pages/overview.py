"""Overview: the month (or quarter) at a glance for the working group, and the meeting pack."""

import streamlit as st

from contextmap import audit, auth, fmt, headline, pack, pack_collect
from contextmap.ui import page, reader

s = page.start("overview", "Overview")
f = s.filters


with st.spinner("Counting episodes, interviews and offences…"):
    ov = pack_collect.collect(s.query, f, s.policy)
st.caption(f"{ov.period} · {fmt.md_escape(ov.where) if f.locality != 'All' else 'All localities'}")
if ov.scope_note:
    st.info(ov.scope_note, icon=":material/account_balance:")
for caveat in ov.caveats:
    st.warning(caveat, icon=":material/event_busy:")
if ov.empty:
    st.info("No missing episodes or offences match these filters. Widen the period, choose All localities, "
            "or clear the age, sex and looked-after filters in the sidebar.")
    st.stop()

st.subheader("What changed")
# Sentences name localities from the council's own files: shown as literal text.
st.markdown("\n".join(f"- {fmt.md_escape(sentence)}" for sentence in ov.sentences))
st.caption(pack_collect.CHANGE_RULE)

for title, figs in headline.by_section(ov.figures).items():
    st.subheader(title)
    for col, fig in zip(st.columns(len(figs)), figs):
        col.metric(fig.measure.label, fig.value, delta=fig.delta, delta_color="off", delta_arrow=fig.delta_arrow,
                   help=fig.measure.help, border=True)
        for line in (fig.last_year, fig.note):
            if line:
                col.caption(line)

tables = (("Emerging hotspots", ov.emerging), ("Active peer groups", ov.peer_groups),
          ("Places with the most activity", ov.places))
for heading, table in tables:
    if table is None:
        continue
    st.subheader(heading)
    st.caption(ov.notes[heading])
    if table.empty:
        st.info(f"No {heading.lower()} for these filters.")
    else:
        page.table(table)

if ov.data_quality:
    st.caption(ov.data_quality)

st.subheader("Meeting pack")
st.caption(pack.pack_caption(ov))
if auth.can(s.role, "export"):
    with st.popover("Make the meeting pack", icon=":material/picture_as_pdf:"):
        st.caption("Packs are logged with your reason and the recipients, like every export.")
        with st.form("pack_form", border=False):
            why = st.text_area("Why is the pack needed?", max_chars=500)
            to = st.text_input("Who will receive it (meeting or organisation)?", max_chars=200)
            submitted = st.form_submit_button("Make the pack", type="primary")
        if submitted:
            try:
                audit.record_export(s.user.name, s.role, "overview", f"Meeting pack, {ov.period}, {ov.where}", 1,
                                    why, to, f.as_dict())
                with st.spinner("Drawing the map and charts and writing the pack…"):
                    st.session_state.pack = (f, *pack.build_pack(reader.cursor(), f, s.policy))
            except audit.ExportRefused as exc:
                st.error(str(exc))
            except Exception:  # noqa: BLE001 - the user gets a plain message, never a stack trace
                st.error("The pack could not be made. Try again, or ask your administrator to check the build.")
        made = st.session_state.get("pack")
        if made and made[0] == f:
            name = pack.file_stem(ov)
            st.download_button("Download PDF", made[1], f"{name}.pdf", "application/pdf", on_click="ignore")
            st.download_button("Download HTML", made[2].encode("utf-8"), f"{name}.html", "text/html", on_click="ignore")
else:
    st.caption("Your role cannot export: ask an analyst or strategic lead for the pack.")
