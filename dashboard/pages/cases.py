"""办件时效 — on-time completion by department and item, the overdue list with its ageing,
the due-soon warning list, 最多跑一次, 网办率, 容缺受理 and 一件事一次办 (packages)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts.figures import bars
from dashboard import cached
from dashboard.together import side_by_side
from dashboard.widgets import (
    analysis_page,
    chart,
    csv_download,
    empty_note,
    kpi_tiles,
    period_figures,
    table_height,
)
from i18n.text import datetime_text, t
from metrics.catalog import BY_KEY
from metrics.drilldown import AGEING_BANDS

TILES = [
    "accepted",
    "completed",
    "on_time_rate",
    "overdue_open",
    "due_soon_open",
    "one_visit_rate",
    "online_rate",
    "instant_share",
    "tolerance_accepted",
    "speedup_rate",
]
WORST_ITEMS = 15
# the per-department and per-item tables: no package partials (read for the tiles only)
TABLE_KEYS = ("completed", "on_time_rate", "overdue_open", "due_soon_open", "one_visit_rate")


def case_table(frame: pl.DataFrame, ref: dict[str, pl.DataFrame], lang: str, overdue: bool):
    items = dict(zip(ref["items"]["item_id"], ref["items"]["name"], strict=True))
    depts = dict(zip(ref["departments"]["dept_id"], ref["departments"]["name"], strict=True))
    halls = dict(zip(ref["halls"]["hall_id"], ref["halls"]["name"], strict=True))
    windows = dict(zip(ref["windows"]["window_id"], ref["windows"]["label"], strict=True))
    staff = dict(zip(ref["staff"]["staff_id"], ref["staff"]["name"], strict=True))
    columns = {
        t("cs.case", lang): frame["case_id"],
        t("cs.item", lang): [items.get(i, i) for i in frame["item_id"]],
        t("f.dept", lang): [depts.get(d, "—") for d in frame["dept_id"]],
        t("f.hall", lang): [halls.get(h, h) for h in frame["hall_id"]],
        t("tk.window", lang): [windows.get(w, "—") for w in frame["window_id"]],
        t("tk.staff", lang): [staff.get(s, "—") for s in frame["staff_id"]],
        t("cs.channel", lang): [t(f"code.channel.{c}", lang) for c in frame["channel"]],
        t("cs.status", lang): [t(f"code.case.{s}", lang) for s in frame["status"]],
        t("cs.accepted", lang): [datetime_text(v) for v in frame["accepted_at"]],
        t("cs.due", lang): [datetime_text(v) for v in frame["due"]],
    }
    if overdue:
        columns[t("cs.overdue_days", lang)] = frame["overdue_days"]
        columns[t("cs.ageing", lang)] = [t(f"cs.band.{b}", lang) for b in frame["ageing"]]
    return pl.DataFrame(columns)


lang, url, view = analysis_page("cases")
p, f = view.period, view.filters
settings = cached.settings()
ref = cached.reference(url)

with st.spinner(t("busy", lang)):
    # every read of the page at once (each on its own connection; see `side_by_side`)
    (now_figures, before_figures, _), opened, by_dept, by_item, channels, packages = side_by_side(
        [
            lambda: period_figures(url, view, by_date=False, sections=("cases",)),
            lambda: cached.open_cases(url, p.as_of, f),
            lambda: cached.figures(
                url, p.first, p.last, p.as_of, f, "department", ("cases",), TABLE_KEYS
            )["groups"],
            lambda: cached.figures(
                url, p.first, p.last, p.as_of, f, "item", ("cases",), TABLE_KEYS
            )["groups"],
            lambda: cached.case_channels(url, p.first, p.last, p.as_of, f),
            lambda: cached.packages(url, p.first, p.last, p.as_of, f),
        ]
    )

cases = now_figures["cases"]
if not (cases["accepted"] or cases["completed"] or opened.height):  # opened: overdue, due soon
    empty_note(t("empty.period", lang))
    st.stop()

kpi_tiles(TILES, now_figures, before_figures, lang)
st.caption(t("cs.stock_note", lang, as_of=datetime_text(p.as_of)))

st.subheader(t("cs.on_time", lang))
depts = dict(zip(ref["departments"]["dept_id"], ref["departments"]["name"], strict=True))
items = dict(zip(ref["items"]["item_id"], ref["items"]["name"], strict=True))
m = BY_KEY["on_time_rate"]
left, right = st.columns(2)
with left:
    rows = sorted(
        (g for g in by_dept if g["cases"]["completed"]),
        key=lambda g: (g["cases"]["on_time_rate"] is None, g["cases"]["on_time_rate"] or 0),
    )
    if not rows:
        empty_note(t("cs.none_completed", lang))
    else:
        data = pl.DataFrame(
            {
                t("f.dept", lang): [
                    depts.get(g["department_id"], g["department_id"]) for g in rows
                ],
                BY_KEY["completed"].label(lang): [g["cases"]["completed"] for g in rows],
                m.label(lang): [g["cases"]["on_time_rate"] for g in rows],
                BY_KEY["overdue_open"].label(lang): [g["cases"]["overdue_open"] for g in rows],
            },
            strict=False,
        )
        chart(
            bars(
                [depts.get(g["department_id"], g["department_id"]) for g in rows],
                [g["cases"]["on_time_rate"] for g in rows],
                t("cs.by_dept", lang),
                "rate",
                settings.on_time_target,
                t("target", lang),
                good_when_above=True,
            ),
            data,
            lang,
            "cs.dept",
        )
with right:
    rows = [g for g in by_item if g["cases"]["completed"] or g["cases"]["overdue_open"]]
    rows.sort(
        key=lambda g: (
            g["cases"]["on_time_rate"] if g["cases"]["on_time_rate"] is not None else 2,
            -g["cases"]["overdue_open"],
        )
    )
    st.markdown(f"**{t('cs.by_item', lang, n=WORST_ITEMS)}**")
    if not rows:
        empty_note(t("cs.none_completed", lang))
    else:
        st.dataframe(
            pl.DataFrame(
                {
                    t("cs.item", lang): [items.get(g["item_id"], g["item_id"]) for g in rows],
                    "completed": [g["cases"]["completed"] for g in rows],
                    "on_time_rate": [g["cases"]["on_time_rate"] for g in rows],
                    "overdue_open": [g["cases"]["overdue_open"] for g in rows],
                    "due_soon_open": [g["cases"]["due_soon_open"] for g in rows],
                    "one_visit_rate": [g["cases"]["one_visit_rate"] for g in rows],
                },
                strict=False,
            ).with_columns(pl.col("on_time_rate", "one_visit_rate") * 100),  # "12.3%"
            hide_index=True,
            width="stretch",
            height=table_height(min(len(rows), WORST_ITEMS)),
            column_config={
                "completed": st.column_config.NumberColumn(
                    BY_KEY["completed"].label(lang), format="localized"
                ),
                "on_time_rate": st.column_config.ProgressColumn(
                    m.label(lang), format="%.1f%%", min_value=0, max_value=100
                ),
                "overdue_open": st.column_config.NumberColumn(
                    BY_KEY["overdue_open"].label(lang), format="localized"
                ),
                "due_soon_open": st.column_config.NumberColumn(
                    BY_KEY["due_soon_open"].label(lang), format="localized"
                ),
                "one_visit_rate": st.column_config.NumberColumn(
                    BY_KEY["one_visit_rate"].label(lang), format="%.1f%%"
                ),
            },
            key="cs.items",
        )

overdue = opened.filter(pl.col("overdue")).sort("overdue_days", descending=True)
soon = opened.filter(pl.col("due_soon")).sort("due")
st.subheader(t("cs.overdue", lang, n=f"{overdue.height:,}"))
if overdue.is_empty():
    st.success(t("cs.no_overdue", lang), icon=":material/check_circle:")
else:
    left, right = st.columns([1, 2])
    with left:
        bands = [label for _, label in AGEING_BANDS]
        counts = [overdue.filter(pl.col("ageing") == band).height for band in bands]
        chart(
            bars(
                [t(f"cs.band.{band}", lang) for band in bands],
                counts,
                t("cs.ageing_title", lang),
                "count",
            ),
            None,
            lang,
            "cs.ageing",
        )
    with right:
        table = case_table(overdue, ref, lang, overdue=True)
        st.dataframe(table, hide_index=True, width="stretch", height=360, key="cs.overdue")
        csv_download(
            table, t("cs.download", lang), f"overdue_{p.as_of:%Y%m%d}.csv", "cs.overdue.csv"
        )

st.subheader(t("cs.soon", lang, n=f"{soon.height:,}"))
if soon.is_empty():
    st.success(t("cs.no_soon", lang), icon=":material/check_circle:")
else:
    table = case_table(soon, ref, lang, overdue=False)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=table_height(soon.height, 360),
        key="cs.soon",
    )
    csv_download(table, t("cs.download", lang), f"due_soon_{p.as_of:%Y%m%d}.csv", "cs.soon.csv")

st.subheader(t("cs.channels", lang))
if channels.is_empty():
    empty_note(t("cs.none_accepted", lang))
else:
    data = channels.with_columns(
        pl.col("channel").map_elements(
            lambda c: t(f"code.channel.{c}", lang), return_dtype=pl.String
        )
    ).rename(
        {
            "channel": t("cs.channel", lang),
            "accepted": BY_KEY["accepted"].label(lang),
            "tolerance": BY_KEY["tolerance_accepted"].label(lang),
        }
    )
    chart(
        bars(
            [t(f"code.channel.{c}", lang) for c in channels["channel"]],
            channels["accepted"].to_list(),
            t(
                "cs.channels_title",
                lang,
                online=BY_KEY["online_rate"].format(cases["online_rate"], lang),
                tolerance=f"{cases['tolerance_accepted']:,}",
            ),
            "count",
        ),
        data,
        lang,
        "cs.channels",
    )

# --- 一件事一次办: packages of several items filed as one application -------------------------
PACKAGE_TILES = [
    "bundle_applications",
    "bundle_case_share",
    "bundles_completed",
    "bundle_on_time_rate",
    "bundle_one_visit_rate",
]
st.subheader(t("pk.title", lang))
st.caption(t("pk.caption", lang))
if packages.is_empty():
    empty_note(t("pk.none", lang))
else:
    kpi_tiles(PACKAGE_TILES, now_figures, before_figures, lang)
    slowest = packages.filter(pl.col("slowest_days").is_not_null()).head(1)
    if slowest.height:
        s = slowest.row(0, named=True)
        st.markdown(
            t(
                "pk.slowest",
                lang,
                name=f"**{s['name']}**",
                item=s["slowest_item"] or "—",
                case=s["slowest_case_id"],
                days=f"{s['slowest_days']:.1f}",
            )
        )
    table = packages.select(
        pl.col("name").alias(t("pk.package", lang)),
        pl.col("applications").alias(t("pk.applications", lang)),
        pl.col("cases").alias(t("pk.cases", lang)),
        pl.col("completed").alias(t("pk.completed", lang)),
        (pl.col("on_time_rate") * 100).alias(t("pk.on_time", lang)),
        (pl.col("one_visit_rate") * 100).alias(t("pk.one_visit", lang)),
        pl.col("slowest_days").alias(t("pk.slowest_days", lang)),
        pl.col("slowest_item").alias(t("pk.slowest_item", lang)),
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=table_height(min(table.height, 12)),
        column_config={
            t("pk.on_time", lang): st.column_config.ProgressColumn(
                t("pk.on_time", lang), format="%.1f%%", min_value=0, max_value=100
            ),
            t("pk.one_visit", lang): st.column_config.NumberColumn(
                t("pk.one_visit", lang), format="%.1f%%"
            ),
            t("pk.slowest_days", lang): st.column_config.NumberColumn(
                t("pk.slowest_days", lang), format="%.1f"
            ),
        },
        key="pk.table",
    )
    csv_download(table, t("pk.download", lang), f"packages_{p.as_of:%Y%m%d}.csv", "pk.csv")
