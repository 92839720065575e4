"""数据概况 — what the database holds: rows, first and last timestamps, freshness per hall."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cached, data, state
from dashboard.components import demo_banner
from i18n.text import age_text, datetime_text, t
from metrics.freshness import STALE_AFTER_MIN, with_freshness
from queries.db import redact
from workdays import clock, unannounced_warning

FACT_TABLES = ("tickets", "cases", "evaluations", "attendance")
REFERENCE_TABLES = ("windows", "staff")


def hall_summary(per_hall: pl.DataFrame, halls: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One row per hall: its level, rows of every table, the newest ticket and its age."""
    counts = per_hall.pivot(on="table", index=["hall_id", "hall_name"], values="rows")
    tickets = per_hall.filter(pl.col("table") == "tickets").select(
        "hall_id", "last_at", "age_min", "open", "stale"
    )
    frame = counts.join(halls, on="hall_id", how="left").join(tickets, on="hall_id", how="left")
    status = [
        t("data.none", lang)
        if age is None
        else t("data.stale", lang)
        if stale
        else t("data.fresh" if is_open is not False else "data.closed", lang)
        for age, stale, is_open in zip(frame["age_min"], frame["stale"], frame["open"], strict=True)
    ]
    return pl.DataFrame(
        {
            t("col.hall_id", lang): frame["hall_id"],
            t("col.hall_name", lang): frame["hall_name"],
            t("col.level", lang): [
                t(f"level.{v}", lang) if v else "—" for v in frame["level"].to_list()
            ],
            **{
                t(f"table.{name}", lang).capitalize(): frame[name]
                for name in FACT_TABLES + REFERENCE_TABLES
                if name in frame.columns
            },
            t("data.newest_ticket", lang): [datetime_text(v) for v in frame["last_at"]],
            t("col.age", lang): [age_text(v, lang) for v in frame["age_min"]],
            t("col.status", lang): status,
        }
    )


def counts_format(frame: pl.DataFrame) -> dict[str, st.column_config.NumberColumn]:
    """Thousands separators for every integer column of a display frame."""
    return {
        name: st.column_config.NumberColumn(format="localized")
        for name, dtype in frame.schema.items()
        if dtype.is_integer()
    }


def show(frame: pl.DataFrame) -> None:
    st.dataframe(frame, hide_index=True, width="stretch", column_config=counts_format(frame))


def sync_table(feeds: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One row per feed of `hall sync`: last success, rows, lag, failures, last error."""
    return pl.DataFrame(
        {
            t("sync.col.source", lang): feeds["name"],
            t("sync.col.kind", lang): [t(f"sync.kind.{k}", lang) for k in feeds["kind"]],
            t("sync.col.table", lang): [t(f"table.{v}", lang) for v in feeds["table_name"]],
            t("sync.col.last_success", lang): [datetime_text(v) for v in feeds["last_success_at"]],
            t("sync.col.rows_last", lang): feeds["rows_last"].fill_null(0),
            t("sync.col.rows_total", lang): feeds["rows_total"].fill_null(0),
            t("sync.col.lag", lang): [age_text(v, lang) for v in feeds["lag_min"]],
            t("sync.col.failures", lang): feeds["failures"].fill_null(0),
            t("sync.col.next_try", lang): [datetime_text(v) for v in feeds["next_try_at"]],
            t("sync.col.error", lang): feeds["last_error"].fill_null(""),
        }
    )


def table_detail(per_hall: pl.DataFrame, lang: str) -> pl.DataFrame:
    rows = per_hall.filter(pl.col("table").is_in(FACT_TABLES))
    return pl.DataFrame(
        {
            t("col.hall_id", lang): rows["hall_id"],
            t("col.table", lang): [t(f"table.{v}", lang) for v in rows["table"]],
            t("col.rows", lang): rows["rows"],
            t("col.first_at", lang): [datetime_text(v) for v in rows["first_at"]],
            t("col.last_at", lang): [datetime_text(v) for v in rows["last_at"]],
            t("col.age", lang): [age_text(v, lang) for v in rows["age_min"]],
        }
    )


lang = state.lang()
url = state.db_url()
st.title(t("nav.data", lang))
st.caption(t("data.caption", lang, url=redact(url)))

if not data.schema_ready(url):
    st.warning(t("data.no_schema", lang))
    st.stop()

demo_banner(url, lang)
with st.spinner():
    per_hall, shared, halls = data.overview(url, scope=state.scope())
# each hall is judged on its own clock (halls.timezone), whatever the server's zone
zones = cached.zones(url)
nows = {h: moment.replace(second=0) for h, moment in clock.hall_nows(zones).items()}
open_now: set[str] = set()
for moment in set(nows.values()):
    here = {h for h, m in nows.items() if m == moment}
    open_now |= data.open_halls(url, moment) & here
per_hall = with_freshness(per_hall, nows, open_now)
now = clock.now(clock.network_zone(zones.values())).replace(second=0)

feeds = data.feeds(url, scope=state.scope())
if feeds.height:
    st.subheader(t("data.sync", lang))
    st.caption(t("data.sync.help", lang))
    failing = int((feeds["failures"].fill_null(0) > 0).sum())
    if failing:
        st.error(t("data.sync.failing", lang, n=failing), icon=":material/sync_problem:")
    show(sync_table(feeds, lang))

total_tickets = int(per_hall.filter(pl.col("table") == "tickets")["rows"].sum())
if per_hall.is_empty() or per_hall.filter(pl.col("table").is_in(FACT_TABLES))["rows"].sum() == 0:
    st.info(t("data.empty", lang))
    st.stop()

newest = per_hall.filter(pl.col("table") == "tickets")["last_at"].max()
calendar_row = shared.filter(pl.col("table") == "calendar")
span = (
    (calendar_row["first_at"][0], calendar_row["last_at"][0]) if calendar_row["rows"][0] else None
)
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("data.halls", lang), f"{halls.height}")
c2.metric(t("data.tickets", lang), f"{total_tickets:,}")
c3.metric(
    t("data.newest_ticket", lang),
    datetime_text(newest),
    age_text((now - newest).total_seconds() / 60 if newest else None, lang),
    delta_color="off",
    delta_arrow="off",
)
c4.metric(
    t("data.calendar", lang),
    f"{span[0].year}–{span[1].year}" if span else "—",
)
if span:
    warning = unannounced_warning(span[0], span[1], lang)
    if warning:
        st.warning(warning, icon=":material/event_busy:")

st.subheader(t("data.per_hall", lang))
st.caption(t("data.per_hall.help", lang, minutes=int(STALE_AFTER_MIN)))
show(hall_summary(per_hall, halls, lang))

st.subheader(t("data.detail", lang))
show(table_detail(per_hall, lang))

st.subheader(t("data.global", lang))
show(
    pl.DataFrame(
        {
            t("col.table", lang): [t(f"table.{v}", lang) for v in shared["table"]],
            t("col.rows", lang): shared["rows"],
            t("col.first_at", lang): [datetime_text(v) for v in shared["first_at"]],
            t("col.last_at", lang): [datetime_text(v) for v in shared["last_at"]],
        }
    )
)
