"""审计日志 — the audit trail (`access.audit`), newest first: sign-ins, failed sign-ins,
sign-outs, page views with the scope used, downloads, reports and changes. Admins only; the
same rows as `hall audit`."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from access import audit
from access.tables import network_now
from dashboard import auth, state
from i18n.text import t

LIMITS = (200, 1000, 5000)
SHOWN = ("at", "who", "role", "action", "target", "scope", "detail", "client")


@st.cache_data(ttl=5, show_spinner=False)
def rows(
    url: str, first: dt.date, last: dt.date, who: str | None, action: str | None, limit: int
) -> pl.DataFrame:
    with state.engine_for(url).connect() as conn:
        return audit.read(conn, first, last, who=who, action=action, limit=limit)


@st.cache_data(ttl=60, show_spinner=False)
def today(url: str) -> dt.date:
    with state.engine_for(url).connect() as conn:
        return network_now(conn).date()


auth.require_role("audit", "nav.audit")  # admins only, also when reached by URL
lang = state.lang()
url = state.db_url()
st.title(t("audit.title", lang))
st.caption(t("audit.intro", lang))

end = today(url)
cols = st.columns([1, 1, 1.2, 1.4, 0.8])
first = cols[0].date_input(t("audit.first", lang), end - dt.timedelta(days=6), key="audit_first")
last = cols[1].date_input(t("audit.last", lang), end, key="audit_last")
who = cols[2].text_input(t("audit.who", lang), help=t("audit.who.help", lang), key="audit_who")
actions = ["", *audit.ACTIONS]
action = cols[3].selectbox(
    t("audit.action", lang),
    actions,
    format_func=lambda a: (
        t("audit.action.all", lang) if not a else audit.ACTIONS[a][0 if lang == "zh" else 1]
    ),
    key="audit_action",
)
limit = cols[4].selectbox(t("audit.limit", lang), LIMITS, key="audit_limit")

frame = rows(url, first, last, who.strip() or None, action or None, limit)
if frame.is_empty():
    st.info(t("audit.empty", lang))
    st.stop()

label = {k: v[0 if lang == "zh" else 1] for k, v in audit.ACTIONS.items()}
shown = (
    frame.sort("audit_id", descending=True)
    .with_columns(pl.col("action").replace_strict(label, default=pl.col("action")))
    .select(SHOWN)
    .with_columns(pl.col(pl.String).fill_null(""))  # an empty cell, not the word None
    .rename({c: t(f"audit.col.{c}", lang) for c in SHOWN})
)
st.caption(t("audit.count", lang, n=len(shown)))
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_config={
        t("audit.col.at", lang): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")
    },
)
