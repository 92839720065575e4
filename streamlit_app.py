"""HallPulse (厅脉): the Streamlit entrypoint. Every page is listed here, once."""

from __future__ import annotations

from dashboard import warmup

# before anything else: the libraries are imported once per process, never by two sessions at
# the same moment (concurrent first visits)
warmup.warm()

import streamlit as st  # noqa: E402

from dashboard import auth, live_data, outage, state  # noqa: E402
from i18n.text import LANGS, t  # noqa: E402

st.set_page_config(
    page_title="厅脉 HallPulse", page_icon=":material/account_balance:", layout="wide"
)

live_data.note_page_run()  # background forecast fits wait while pages are being opened
lang = state.lang()
# the public waits page (/public) needs no sign-in and shows no navigation: routed before the
# sidebar and the sign-in gate, it reads counts only (dashboard/pages/public.py)
if (st.context.url or "").split("?")[0].rstrip("/").endswith("/public"):
    public = st.Page("dashboard/pages/public.py", title=t("pub.title", lang), url_path="public")

    def public_home() -> None:
        st.switch_page(public, query_params=st.query_params.to_dict())

    st.navigation(
        [st.Page(public_home, url_path="public-home", default=True), public], position="hidden"
    ).run()
    st.stop()
# the big screen (/screen) is a kiosk: navigation hidden here, the sidebar by its style sheet
kiosk = (st.context.url or "").split("?")[0].rstrip("/").endswith("/screen")
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

# who reads: the sign-in form (and a stop) until someone is signed in, a kiosk link's one hall
# on the big screen, everything under a red banner when sign-in is off
try:
    scope = auth.gate(lang, screen=kiosk)
except outage.DB_DOWN as exc:  # accounts and kiosk links live in the database
    outage.database_down(lang, state.db_url(), exc)
    st.stop()


def role_page(url_path: str, **page) -> st.Page:
    """A page some roles only may use: hidden from the others' navigation (and refusing them
    at its top if they reach it by URL)."""
    visibility = "visible" if scope and auth.may_see(url_path, scope) else "hidden"
    return st.Page(url_path=url_path, visibility=visibility, **page)


screen_page = "dashboard/pages/big_screen.py"
overview = st.Page(
    "dashboard/pages/overview.py",
    title=t("nav.overview", lang),
    icon=":material/dashboard:",
    url_path="overview",
)


def home() -> None:
    """`/`: 总览 with the URL's filters. Streamlit serves its default page only at `/`, so the
    default is this hidden page and 总览 keeps its own URL (`/overview?period=…&hall=…`)."""
    st.switch_page(overview, query_params=st.query_params.to_dict())


pages = {
    t("nav.section.analysis", lang): [
        st.Page(
            home, title=t("nav.overview", lang), url_path="home", default=True, visibility="hidden"
        ),
        overview,
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
        st.Page(
            "dashboard/pages/network.py",
            title=t("nav.network", lang),
            icon=":material/account_tree:",
            url_path="network",
        ),
    ],
    t("nav.section.live", lang): [
        st.Page(
            screen_page,
            title=t("nav.screen", lang),
            icon=":material/tv:",
            url_path="screen",
        ),
    ],
    t("nav.section.plan", lang): [
        st.Page(
            "dashboard/pages/forecast.py",
            title=t("nav.forecast", lang),
            icon=":material/event_upcoming:",
            url_path="forecast",
        ),
    ],
    t("nav.section.reports", lang): [
        st.Page(
            "dashboard/pages/weekly_report.py",
            title=t("nav.weekly", lang),
            icon=":material/summarize:",
            url_path="weekly-report",
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
        role_page(
            page="dashboard/pages/data_import.py",
            title=t("nav.import", lang),
            icon=":material/upload_file:",
            url_path="import",
        ),
        role_page(
            page="dashboard/pages/alerts.py",
            title=t("nav.alerts", lang),
            icon=":material/notifications_active:",
            url_path="alerts",
        ),
        role_page(
            page="dashboard/pages/audit.py",
            title=t("nav.audit", lang),
            icon=":material/policy:",
            url_path="audit",
        ),
    ],
}
if "kiosk" in st.query_params:  # a kiosk link opens its hall's screen and nothing else
    kiosk = True
    screen = st.Page(screen_page, title=t("nav.screen", lang), url_path="screen")

    def kiosk_home() -> None:
        st.switch_page(screen, query_params=st.query_params.to_dict())

    pages = {"": [st.Page(kiosk_home, url_path="kiosk", default=True), screen]}
if scope is None:  # the sign-in form (or a dead kiosk link) is shown; keep the URL's page
    st.navigation(pages, position="hidden")
    st.stop()
current = st.navigation(pages, position="hidden" if kiosk else "sidebar")
stale = st.empty()  # over the page: says when its figures are kept from before an outage
try:
    auth.note_page_view(current.url_path or "home")  # the default page (a switch) has path ""
    current.run()
except outage.DB_DOWN as exc:  # no traceback: a message, and the page comes back by itself
    outage.database_down(lang, state.db_url(), exc)
finally:
    with stale.container():
        outage.stale_note(lang)
