"""窗口详情 — one window (or one staff member): hourly throughput, wait and service-time
distributions, utilization against attendance, evaluations, and the tickets behind them."""

from __future__ import annotations

import polars as pl
import streamlit as st

from access.scope import Scope
from charts.figures import RATING_COLORS, distribution, grouped_bars, stacked_shares
from dashboard import auth, cached, state
from dashboard.components import demo_banner
from dashboard.widgets import (
    chart,
    empty_note,
    filter_bar,
    kpi_tiles,
    period_figures,
    remember,
    require_schema,
    scope_guard,
    scoped_csv,
    url_param,
)
from i18n.text import datetime_text, t
from metrics.catalog import BY_KEY
from queries.details import PAGE_ROWS

SECTIONS = ("tickets", "evaluations", "attendance")  # the sections shown (no cases)
TILES = [
    "served",
    "wait_mean_min",
    "wait_within_target_rate",
    "service_mean_min",
    "utilization",
    "satisfaction_rate",
    "bad_count",
    "served_per_staffed_hour",
    "staffed_hours",
    "busy_hours",
]
KEYS_SHOWN = (*TILES, "issued", "utilization")  # only their partials are read
HOUR_KEYS = ("issued", "served", "wait_mean_min")
DOWNLOAD_ROWS = 20_000


def code_label(kind: str, code: str | None, lang: str) -> str:
    if code is None:
        return "—"
    key = f"code.{kind}.{code}"
    try:
        return t(key, lang)
    except KeyError:
        return code


def minutes(seconds: int | None) -> str:
    """Minutes with one decimal, "—" where there is none (a no-show has no wait)."""
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def ticket_table(frame: pl.DataFrame, ref: dict[str, pl.DataFrame], lang: str) -> pl.DataFrame:
    queues = dict(zip(ref["queues"]["queue_id"], ref["queues"]["name"], strict=True))
    staff = dict(zip(ref["staff"]["staff_id"], ref["staff"]["name"], strict=True))
    windows = dict(zip(ref["windows"]["window_id"], ref["windows"]["label"], strict=True))
    return pl.DataFrame(
        {
            t("tk.no", lang): [
                n or i for n, i in zip(frame["ticket_no"], frame["ticket_id"], strict=True)
            ],
            t("tk.id", lang): frame["ticket_id"],
            t("tk.queue", lang): [queues.get(q, q) for q in frame["queue_id"]],
            t("tk.window", lang): [windows.get(w, w) if w else "—" for w in frame["window_id"]],
            t("tk.staff", lang): [staff.get(s, s) if s else "—" for s in frame["staff_id"]],
            t("tk.source", lang): [code_label("source", v, lang) for v in frame["source"]],
            t("tk.status", lang): [code_label("status", v, lang) for v in frame["status"]],
            t("tk.issued", lang): [datetime_text(v) for v in frame["issued_at"]],
            t("tk.called", lang): [datetime_text(v) for v in frame["called_at"]],
            t("tk.finished", lang): [datetime_text(v) for v in frame["finished_at"]],
            t("tk.wait", lang): [minutes(v) for v in frame["wait_s"]],
            t("tk.service", lang): [minutes(v) for v in frame["service_s"]],
        }
    )


@st.cache_data(ttl=cached.TTL_SECONDS, show_spinner=False, max_entries=20)
def ticket_csv(
    url: str, first, last, as_of, filters: tuple, lang: str, who: Scope
) -> tuple[bytes, int] | None:
    """Every ticket of the view inside the reader's scope `who` (part of the cache key) as
    UTF-8 CSV with BOM, or None when there are too many."""
    frame, total = cached.ticket_page(
        url, first, last, as_of, filters, DOWNLOAD_ROWS + 1, 0, scope=who
    )
    if total > DOWNLOAD_ROWS:
        return None
    table = ticket_table(frame, cached.reference(url, scope=who), lang)
    return scoped_csv(table, who, lang), total


lang = state.lang()
url = state.db_url()
require_schema(url, lang)
scope_guard(url, lang)
ref = cached.reference(url)
windows = ref["windows"]
halls = dict(zip(ref["halls"]["hall_id"], ref["halls"]["name"], strict=True))
depts = dict(zip(ref["departments"]["dept_id"], ref["departments"]["name"], strict=True))
staff_names = dict(zip(ref["staff"]["staff_id"], ref["staff"]["name"], strict=True))
window_info = {r["window_id"]: r for r in windows.iter_rows(named=True)}
staff_info = {r["staff_id"]: r for r in ref["staff"].iter_rows(named=True)}

window = url_param("window")
staff = url_param("staff") if not st.query_params.get("window") else None
window = window if window in window_info else None
staff = staff if staff in staff_names else None
own = state.scope().staff_id
if window is None and staff is None and own in staff_names:
    staff = own  # window staff open the page on their own figures
if staff:
    window = None
elif window is None and window_info:
    window = next(iter(window_info))

st.title(t("nav.window", lang))
demo_banner(url, lang)

options = [("window", w) for w in window_info]
if state.scope().names_visible:  # a viewer picks windows by their labels, not people
    options += [("staff", s) for s in staff_names]


def describe(option: tuple[str, str]) -> str:
    kind, ident = option
    if kind == "window":
        r = window_info[ident]
        where = " · ".join(x for x in (halls.get(r["hall_id"]), depts.get(r["dept_id"])) if x)
        return t("wd.window_option", lang, label=r["label"], where=where)
    r = staff_info[ident]
    where = " · ".join(x for x in (halls.get(r["hall_id"]), depts.get(r["dept_id"])) if x)
    return t("wd.staff_option", lang, name=r["name"], where=where)


current = ("staff", staff) if staff else ("window", window)
if st.session_state.get("window.subject") not in options:  # else the user just chose one
    st.session_state["window.subject"] = current if current in options else None
subject = st.selectbox(t("wd.subject", lang), options, format_func=describe, key="window.subject")
if subject is None:
    empty_note(t("wd.none", lang))
    st.stop()
kind, ident = subject
remember("window", ident if kind == "window" else None)
remember("staff", ident if kind == "staff" else None)

home = (window_info if kind == "window" else staff_info)[ident]["hall_id"]
view = filter_bar(url, lang, "window", levels=(), hall=home)
p = view.period
f = (("window" if kind == "window" else "staff", ident),)
settings = cached.settings()
st.subheader(describe(subject))

with st.spinner(t("busy", lang)):
    now_figures, before_figures, by_date = period_figures(
        url, view, f, sections=SECTIONS, keys=KEYS_SHOWN
    )
    by_hour = [
        g
        for g in cached.figures(url, p.first, p.last, p.as_of, f, "hour", ("tickets",), HOUR_KEYS)[
            "groups"
        ]
        if g["tickets"]["issued"]
    ]

if not (now_figures["tickets"]["issued"] or now_figures["attendance"]["staffed_hours"]):
    empty_note(t("wd.empty", lang))
    st.stop()

kpi_tiles(
    TILES,
    now_figures,
    before_figures,
    lang,
    trends={k: [g[BY_KEY[k].section][k] for g in by_date] for k in TILES},
)

m = BY_KEY
left, right = st.columns(2)
with left:
    hours = [g["hour"] for g in by_hour]
    hourly = pl.DataFrame(
        {
            t("col.hour", lang): hours,
            m["issued"].label(lang): [g["tickets"]["issued"] for g in by_hour],
            m["served"].label(lang): [g["tickets"]["served"] for g in by_hour],
            m["wait_mean_min"].label(lang): [g["tickets"]["wait_mean_min"] for g in by_hour],
        },
        strict=False,
    )
    chart(
        grouped_bars(
            [f"{h}{t('hour.suffix', lang)}" for h in hours],
            {
                m["issued"].label(lang): [g["tickets"]["issued"] for g in by_hour],
                m["served"].label(lang): [g["tickets"]["served"] for g in by_hour],
            },
            t("wd.hourly", lang),
            y_title=t("wd.tickets", lang),
            line=(m["wait_mean_min"].label(lang), [g["tickets"]["wait_mean_min"] for g in by_hour]),
            line_title=t("ov.dist.x", lang),
        ),
        hourly,
        lang,
        "wd.hourly",
    )
with right:
    days = [g["date"] for g in by_date]
    util = pl.DataFrame(
        {
            t("col.date", lang): days,
            m["staffed_hours"].label(lang): [g["attendance"]["staffed_hours"] for g in by_date],
            m["busy_hours"].label(lang): [g["attendance"]["busy_hours"] for g in by_date],
            m["utilization"].label(lang): [g["attendance"]["utilization"] for g in by_date],
        },
        strict=False,
    )
    chart(
        grouped_bars(
            days,
            {
                m["staffed_hours"].label(lang): [g["attendance"]["staffed_hours"] for g in by_date],
                m["busy_hours"].label(lang): [g["attendance"]["busy_hours"] for g in by_date],
            },
            t("wd.utilization", lang),
            y_title=t("unit.hours", lang),
            line=(m["utilization"].label(lang), [g["attendance"]["utilization"] for g in by_date]),
            line_title=m["utilization"].label(lang),
            line_is_rate=True,
        ),
        util,
        lang,
        "wd.util",
    )

hist = cached.histograms(url, p.first, p.last, p.as_of, f)
left, right = st.columns(2)
for column, which, title, target in (
    (left, "wait", "wd.dist.wait", settings.wait_target_min),
    (right, "service", "wd.dist.service", None),
):
    part = hist.filter(pl.col("kind") == which)
    with column:
        if part.is_empty():
            empty_note(t("empty.waits", lang))
            continue
        cap = 60
        part = (
            part.with_columns(pl.col("minute").clip(upper_bound=cap))
            .group_by("minute")
            .agg(pl.col("n").sum())
            .sort("minute")
        )
        chart(
            distribution(
                part["minute"].to_list(),
                part["n"].to_list(),
                t(title, lang, cap=cap),
                t("wd.minutes", lang),
                t("ov.dist.y", lang),
                target,
                t("target.wait", lang, minutes=f"{settings.wait_target_min:g}") if target else None,
            ),
            part.rename({"minute": t("wd.minutes", lang), "n": t("ov.dist.y", lang)}),
            lang,
            f"wd.dist.{which}",
        )

st.subheader(t("nav.evaluations", lang))
ratings = cached.ratings(url, p.first, p.last, p.as_of, f)
left, right = st.columns([2, 3])
with left:
    if ratings.is_empty():
        empty_note(t("ev.none", lang))
    else:
        channels = sorted(set(ratings["channel"]))
        parts = {
            t(f"rating.{r}", lang): [
                int(ratings.filter((pl.col("channel") == c) & (pl.col("rating") == r))["n"].sum())
                for c in channels
            ]
            for r in range(1, 6)
        }
        chart(
            stacked_shares(
                [code_label("channel", c, lang) for c in channels],
                parts,
                RATING_COLORS,
                t("ev.by_channel", lang),
            ),
            ratings,
            lang,
            "wd.ratings",
        )
with right:
    notes = cached.comments(url, p.first, p.last, p.as_of, f)
    st.markdown(f"**{t('ev.comments', lang)}**")
    if notes.is_empty():
        empty_note(t("ev.no_comments", lang))
    else:
        st.dataframe(
            pl.DataFrame(
                {
                    t("ev.at", lang): [datetime_text(v) for v in notes["evaluated_at"]],
                    t("ev.rating", lang): [t(f"rating.{r}", lang) for r in notes["rating"]],
                    t("ev.comment", lang): notes["comment"],
                }
            ),
            hide_index=True,
            width="stretch",
            height=300,
        )

st.subheader(t("wd.tickets_title", lang))
key = f"window.page.{ident}.{p.first}.{p.last}"
page_no = st.session_state.get(key, 1)
frame, total = cached.ticket_page(
    url, p.first, p.last, p.as_of, f, PAGE_ROWS, (page_no - 1) * PAGE_ROWS
)
pages = max(1, -(-total // PAGE_ROWS))
c1, c2, c3 = st.columns([1, 2, 2], vertical_alignment="bottom")
c1.number_input(t("wd.page", lang), min_value=1, max_value=pages, step=1, key=key)
c2.caption(t("wd.paging", lang, total=f"{total:,}", pages=pages, rows=PAGE_ROWS))
with c3:
    csv = (
        ticket_csv(url, p.first, p.last, p.as_of, f, lang, state.scope())
        if total <= DOWNLOAD_ROWS
        else None
    )
    if csv is not None:
        st.download_button(
            t("wd.download", lang, n=f"{total:,}"),
            data=csv[0],
            file_name=f"tickets_{ident}_{p.first}_{p.last}.csv",
            mime="text/csv",
            icon=":material/download:",
            key="wd.download",
            on_click=auth.audit_download,
            args=(f"tickets_{ident}_{p.first}_{p.last}.csv", "download", total),
        )
    else:
        st.caption(t("wd.too_many", lang, n=f"{DOWNLOAD_ROWS:,}"))
st.dataframe(ticket_table(frame, ref, lang), hide_index=True, width="stretch", key="wd.tickets")
