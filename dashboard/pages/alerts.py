"""预警记录 — every message `hall alerts run` sent, failed to send or held back by a channel's
rate limit, newest first, filtered by day, hall, status and rule."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from access.scope import Scope
from dashboard import auth, cached, state
from dashboard.state import engine_for
from dashboard.widgets import (
    ignore_bad,
    remember,
    require_schema,
    scope_guard,
    table_height,
    url_param,
)
from i18n.text import datetime_text, t
from queries import alert_store
from queries.live import hall_zones
from workdays import clock

STATUSES = ("sent", "failed", "rate_limited", "retried", "pending")
DAYS = 7


@st.cache_data(ttl=30, show_spinner=False)
def network_today(url: str) -> dt.date:
    with engine_for(url).connect() as conn:
        return clock.today(clock.network_zone(hall_zones(conn).values()))


@st.cache_data(ttl=30, show_spinner=False)
def rule_names(url: str) -> list[str]:
    with engine_for(url).connect() as conn:
        return alert_store.alert_rules(conn)


@st.cache_data(ttl=30, show_spinner=False)
def alerts(url: str, first: dt.date, last: dt.date, hall: str, status: str, rule: str, who: Scope):
    """The alerts of the filters (queries.alert_store.ALERT_LIST), newest first: of the
    scope's halls only (network-wide alerts only for the unrestricted scope)."""
    halls = [hall] if hall else None if who.hall_ids is None else sorted(who.hall_ids)
    with engine_for(url).connect() as conn:
        return alert_store.alert_list(conn, first, last, halls, status or None, rule or None)


def alert_table(frame: pl.DataFrame, halls: dict[str, str], lang: str) -> pl.DataFrame:
    def number(value: float | None) -> str:
        return "—" if value is None else f"{value:.0f}" if value >= 10 else f"{value:.1f}"

    return pl.DataFrame(
        {  # what a person on duty reads first on the left; the record's details to the right
            t("al.fired_at", lang): [datetime_text(v) for v in frame["fired_at"]],
            t("al.status", lang): [t(f"al.status.{s}", lang) for s in frame["status"]],
            t("f.hall", lang): [
                halls.get(h, h) if h else t("al.network", lang) for h in frame["hall_id"]
            ],
            t("al.kind", lang): [t(f"al.kind.{k}", lang) for k in frame["kind"]],
            t("al.title", lang): frame["title"],
            t("al.channel", lang): frame["channel"],
            t("al.error", lang): [v or "" for v in frame["error"]],
            t("al.cleared_at", lang): [datetime_text(v) for v in frame["cleared_at"]],
            t("al.value", lang): [number(v) for v in frame["value"]],
            t("al.threshold", lang): [number(v) for v in frame["threshold"]],
            t("al.target", lang): [v or "—" for v in frame["target_id"]],
            t("al.rule", lang): frame["rule"],
            t("al.link", lang): frame["link"],
        }
    )


auth.require_role("alerts", "nav.alerts")  # admins only, also when reached by URL
lang = state.lang()
url = state.db_url()
st.title(t("nav.alerts", lang))
require_schema(url, lang)
st.caption(t("al.intro", lang))

scope_guard(url, lang)
ref = cached.reference(url)
halls = dict(zip(ref["halls"]["hall_id"], ref["halls"]["name"], strict=True))
today = network_today(url)
cols = st.columns([2, 1.5, 1.2, 1.5])
picked = cols[0].date_input(
    t("al.range", lang), (today - dt.timedelta(days=DAYS - 1), today), format="YYYY-MM-DD"
)
first, last = picked if isinstance(picked, tuple) and len(picked) == 2 else (today, today)
hall = ignore_bad("hall", url_param("hall"), halls, lang)
hall = cols[1].selectbox(
    t("f.hall", lang),
    ["", *halls],
    index=([*halls].index(hall) + 1) if hall in halls else 0,
    format_func=lambda h: halls.get(h, t("f.all_halls", lang)),
)
remember("hall", hall)
status = cols[2].selectbox(
    t("al.status", lang),
    ["", *STATUSES],
    format_func=lambda s: t(f"al.status.{s}", lang) if s else t("al.all_status", lang),
)
rule = cols[3].selectbox(
    t("al.rule", lang),
    ["", *rule_names(url)],
    format_func=lambda r: r or t("al.all_rules", lang),
)
frame = alerts(url, first, last, hall, status, rule, state.scope())

counts = frame["status"].value_counts() if frame.height else None
count = dict(counts.iter_rows()) if counts is not None else {}
tiles = st.columns(4)
tiles[0].metric(t("al.total", lang), f"{frame.height:,}")
for col, key in zip(tiles[1:], ("sent", "failed", "rate_limited"), strict=True):
    col.metric(t(f"al.{key}", lang), f"{count.get(key, 0):,}")

if frame.is_empty():
    st.info(t("al.none", lang), icon=":material/notifications_off:")
else:
    table = alert_table(frame, halls, lang)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=table_height(table.height, cap=720),
        column_config={t("al.link", lang): st.column_config.LinkColumn()},
        key="alerts.table",
    )
