"""公开等候信息 — `/public`, no sign-in: for each hall and station of the network, open or closed
now (on the hall's clock), the people waiting per queue and an expected wait, refreshed every
minute, for a phone. Only counts are read (`queries.public`), never a ticket or a person."""

from __future__ import annotations

import streamlit as st

from dashboard import data, public_data, public_view, state
from i18n.text import LANGS, t
from metrics import live

lang = state.lang()
url = state.db_url()
st.html(public_view.CSS)
st.html(public_view.title_html(lang))
choice = st.segmented_control(
    "lang",
    options=list(LANGS),
    format_func=lambda code: {"zh": "中文", "en": "English"}[code],
    default=lang,
    key="pub_lang",
    label_visibility="collapsed",
)
if choice and choice != lang:
    st.query_params["lang"] = choice
    st.rerun()

if not data.schema_ready(url):
    st.info(t("pub.unavailable", lang))
    st.stop()


@st.fragment(run_every=60)
def waits() -> None:
    board = public_data.board(url, public_data.slot(live.now()))
    if board.halls.is_empty():
        st.info(t("pub.unavailable", lang))
        return
    st.html(public_view.board_html(board, lang))
    st.html(public_view.footer_html(board, lang))


waits()
