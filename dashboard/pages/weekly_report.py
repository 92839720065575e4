"""下载周报 — build the weekly report (PDF and Excel) of a hall and an ISO week, exactly as
`hall report weekly` makes it every Monday, and download the two files."""

from __future__ import annotations

import datetime as dt
import time

import streamlit as st

from access.scope import Scope
from dashboard import auth, cached, data, state
from dashboard.components import demo_banner
from i18n.text import LANGS, t
from metrics.settings import load_settings
from queries import report_queries
from queries.db import redact
from reports.weekly import ReportError, Week, build_weekly
from workdays import clock

MAX_WEEKS = 104  # the week picker offers at most two years back from the newest data


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def halls_and_span(
    url: str, scope: Scope
) -> tuple[list[tuple[str, str]], tuple[dt.date, dt.date] | None]:
    """[(hall_id, name)] of the scope's halls and the first and last day with data in it."""
    with state.engine_for(url).connect() as conn:
        halls = report_queries.all_halls(conn, scope=scope)
        span = report_queries.data_span(conn, scope=scope)
    return [(r["hall_id"], r["name"]) for r in halls.iter_rows(named=True)], span


def weeks_between(first: dt.date, last: dt.date) -> list[Week]:
    """ISO weeks touching first..last, newest first (at most MAX_WEEKS)."""
    weeks, week = [], Week.of(last)
    while week.last >= first and len(weeks) < MAX_WEEKS:
        weeks.append(week)
        week = week.previous
    return weeks


def default_week(weeks: list[Week], today: dt.date) -> int:
    """The index of last week (what Monday's report covers) when it has data, else the newest
    complete week, else the newest."""
    last_week = Week.of(today).previous
    if last_week in weeks:
        return weeks.index(last_week)
    complete = [i for i, w in enumerate(weeks) if w.last < today]
    return complete[0] if complete else 0


lang = state.lang()
url = state.db_url()
st.title(t("nav.weekly", lang))
st.caption(t("data.caption", lang, url=redact(url)))
if not data.schema_ready(url):
    st.warning(t("data.no_schema", lang))
    st.stop()
demo_banner(url, lang)

who = state.scope()
halls, span = halls_and_span(url, who)
if span is None or not halls:
    st.info(t("rep.page.no_weeks", lang))
    st.stop()
st.write(t("rep.page.intro", lang))

weeks = weeks_between(*span)
names = dict(halls)
c1, c2, c3 = st.columns([3, 2, 1])
hall_id = c1.selectbox(
    t("rep.page.hall", lang),
    options=list(names),
    format_func=lambda h: f"{h} · {names[h]}",
    key="weekly_hall",
)
week = c2.selectbox(
    t("rep.page.week", lang),
    options=weeks,
    index=default_week(weeks, clock.today(cached.zone_of(url, hall_id))),
    format_func=lambda w: f"{w}（{w.first:%m-%d} – {w.last:%m-%d}）",
    key="weekly_week",
)
report_lang = c3.selectbox(
    t("rep.page.lang", lang),
    options=list(LANGS),
    index=list(LANGS).index(lang),
    format_func=lambda code: {"zh": "中文", "en": "English"}[code],
    key="weekly_lang",
)

wanted = (url, hall_id, str(week), report_lang, who)
if st.button(t("rep.page.build", lang), type="primary", icon=":material/description:"):
    with st.spinner(t("rep.page.building", lang)):
        started = time.perf_counter()
        try:
            files = build_weekly(
                state.engine_for(url),
                hall_id,
                week,
                lang=report_lang,
                settings=load_settings(),
                scope=who,
            )
        except ReportError as exc:
            st.session_state.pop("weekly_files", None)
            st.warning(str(exc))
        else:
            st.session_state["weekly_files"] = (wanted, files, time.perf_counter() - started)

built = st.session_state.get("weekly_files")
if built and built[0] == wanted:
    _, files, seconds = built
    st.success(t("rep.page.done", lang, hall=names[hall_id], week=week, seconds=seconds))
    pdf_name, xlsx_name = files.names
    d1, d2 = st.columns(2)
    d1.download_button(
        t("rep.page.pdf", lang),
        data=files.pdf,
        file_name=pdf_name,
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        width="stretch",
        on_click=auth.audit_download,
        args=(pdf_name, "report"),
    )
    d2.download_button(
        t("rep.page.xlsx", lang),
        data=files.xlsx,
        file_name=xlsx_name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_view:",
        width="stretch",
        on_click=auth.audit_download,
        args=(xlsx_name, "report"),
    )
