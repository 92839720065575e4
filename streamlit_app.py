"""HallPulse (厅脉): the Streamlit entrypoint. Every page is listed here, once."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.text import LANGS, t

st.set_page_config(
    page_title="厅脉 HallPulse", page_icon=":material/account_balance:", layout="wide"
)

lang = state.lang()
with st.sidebar:
    choice = st.segmented_control(
        t("app.language", lang),
        options=list(LANGS),
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
        default=lang,
        key="lang_choice",
    )
    if choice and choice != lang:
        st.query_params["lang"] = choice
        st.rerun()

pages = {
    t("nav.section.analysis", lang): [
        st.Page(
            "dashboard/pages/overview.py",
            title=t("nav.overview", lang),
            icon=":material/dashboard:",
            url_path="overview",
            default=True,
        ),
        st.Page(
            "dashboard/pages/windows.py",
            title=t("nav.windows", lang),
            icon=":material/leaderboard:",
            url_path="windows",
        ),
        st.Page(
            "dashboard/pages/window.py",
            title=t("nav.window", lang),
            icon=":material/desk:",
            url_path="window",
        ),
        st.Page(
            "dashboard/pages/cases.py",
            title=t("nav.cases", lang),
            icon=":material/assignment_turned_in:",
            url_path="cases",
        ),
        st.Page(
            "dashboard/pages/evaluations.py",
            title=t("nav.evaluations", lang),
            icon=":material/thumbs_up_down:",
            url_path="evaluations",
        ),
        st.Page(
            "dashboard/pages/attendance.py",
            title=t("nav.attendance", lang),
            icon=":material/badge:",
            url_path="attendance",
        ),
    ],
    t("nav.section.data", lang): [
        st.Page(
            "dashboard/pages/data_overview.py",
            title=t("nav.data", lang),
            icon=":material/dataset:",
            url_path="data",
        ),
        st.Page(
            "dashboard/pages/quality.py",
            title=t("nav.quality", lang),
            icon=":material/rule:",
            url_path="quality",
        ),
        st.Page(
            "dashboard/pages/data_import.py",
            title=t("nav.import", lang),
            icon=":material/upload_file:",
            url_path="import",
        ),
    ],
}
st.navigation(pages).run()
