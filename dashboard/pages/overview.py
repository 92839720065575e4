"""总览 — the period at a glance: KPI tiles against the previous period, daily trends, the
hour × weekday pattern of arrivals and waits, and the wait distribution against its target."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts.figures import distribution, heatmap, trend
from dashboard import cached
from dashboard.widgets import (
    analysis_page,
    chart,
    empty_note,
    kpi_tiles,
    period_figures,
)
from i18n.text import t
from metrics.catalog import BY_KEY

TILES = [
    "issued",
    "served",
    "wait_mean_min",
    "wait_within_target_rate",
    "abandon_rate",
    "on_time_rate",
    "overdue_open",
    "satisfaction_rate",
    "utilization",
    "served_per_staffed_hour",
]
AFTER_CLOSE = ["extended_hours_issued", "after_close_served", "after_close_minutes_mean"]
STOCK = {"overdue_open", "due_soon_open"}  # judged at a moment: no daily series
# every figure the page shows: only their partials are read (not the bundles, coverage…)
KEYS_SHOWN = tuple(
    dict.fromkeys([*TILES, *AFTER_CLOSE, "accepted", "count", "staffed_hours", "wait_p90_min"])
)


def daily_series(groups: list[dict], keys: list[str]) -> dict[str, list]:
    return {key: [g[BY_KEY[key].section][key] for g in groups] for key in keys if key not in STOCK}


def has_data(figures: dict) -> bool:
    return bool(
        figures["tickets"]["issued"]
        or figures["cases"]["accepted"]
        or figures["evaluations"]["count"]
        or figures["attendance"]["staffed_hours"]
    )


lang, url, view = analysis_page("overview")
p, f = view.period, view.filters
settings = cached.settings()

with st.spinner(t("busy", lang)):
    now_figures, before_figures, by_date = period_figures(
        url,
        view,
        keys=KEYS_SHOWN,
        ahead=((cached.weekday_hour,), (cached.histograms, ("wait",))),
    )

if not has_data(now_figures):
    empty_note(t("empty.period", lang))
    st.stop()

kpi_tiles(TILES, now_figures, before_figures, lang, trends=daily_series(by_date, TILES))

# 延时办: the evening the hall actually kept, beside the hours it published
st.subheader(t("ov.after_close", lang))
kpi_tiles(
    AFTER_CLOSE,
    now_figures,
    before_figures,
    lang,
    per_row=3,
    trends=daily_series(by_date, AFTER_CLOSE),
)
st.caption(t("ov.after_close.note", lang))

st.subheader(t("ov.trends", lang))
days = [g["date"] for g in by_date]
table = pl.DataFrame(
    {
        t("col.date", lang): days,
        **{
            BY_KEY[k].label(lang): [g[BY_KEY[k].section][k] for g in by_date]
            for k in (
                "issued",
                "served",
                "wait_mean_min",
                "wait_p90_min",
                "satisfaction_rate",
                "on_time_rate",
            )
        },
    },
    strict=False,
)
m = BY_KEY
left, right = st.columns(2)
with left:
    chart(
        trend(
            days,
            {
                m["issued"].label(lang): [g["tickets"]["issued"] for g in by_date],
                m["served"].label(lang): [g["tickets"]["served"] for g in by_date],
            },
            t("ov.trend.volume", lang),
            "count",
        ),
        None,
        lang,
        "ov.volume",
    )
    chart(
        trend(
            days,
            {
                m["satisfaction_rate"].label(lang): [
                    g["evaluations"]["satisfaction_rate"] for g in by_date
                ]
            },
            m["satisfaction_rate"].label(lang),
            "rate",
            settings.satisfaction_target,
            t("target", lang),
        ),
        None,
        lang,
        "ov.satisfaction",
    )
with right:
    chart(
        trend(
            days,
            {
                m["wait_mean_min"].label(lang): [g["tickets"]["wait_mean_min"] for g in by_date],
                m["wait_p90_min"].label(lang): [g["tickets"]["wait_p90_min"] for g in by_date],
            },
            t("ov.trend.wait", lang),
            "minutes",
            settings.wait_target_min,
            t("target.wait", lang, minutes=f"{settings.wait_target_min:g}"),
        ),
        None,
        lang,
        "ov.wait",
    )
    chart(
        trend(
            days,
            {m["on_time_rate"].label(lang): [g["cases"]["on_time_rate"] for g in by_date]},
            m["on_time_rate"].label(lang),
            "rate",
            settings.on_time_target,
            t("target", lang),
        ),
        None,
        lang,
        "ov.on_time",
    )
with st.expander(t("chart.data", lang), icon=":material/table:"):
    st.dataframe(table, hide_index=True, width="stretch")

st.subheader(t("ov.pattern", lang))
with st.spinner(t("busy", lang)):
    pattern = cached.weekday_hour(url, p.first, p.last, p.as_of, f)
if pattern.is_empty():
    empty_note(t("empty.tickets", lang))
else:
    weekdays = [t(f"weekday.{i}", lang) for i in range(1, 8)]
    pattern_table = pattern.rename(
        {
            "weekday": t("col.weekday", lang),
            "hour": t("col.hour", lang),
            "arrivals": t("ov.arrivals", lang),
            "wait_min": m["wait_mean_min"].label(lang),
        }
    )
    left, right = st.columns(2)
    with left:
        chart(
            heatmap(
                pattern,
                "arrivals",
                t("ov.heat.arrivals", lang),
                weekdays,
                t("hour.suffix", lang),
                t("ov.per_hour", lang),
            ),
            pattern_table,
            lang,
            "ov.heat.arrivals",
        )
    with right:
        chart(
            heatmap(
                pattern,
                "wait_min",
                t("ov.heat.wait", lang),
                weekdays,
                t("hour.suffix", lang),
                t("unit.min", lang),
            ),
            None,
            lang,
            "ov.heat.wait",
        )

st.subheader(t("ov.distribution", lang))
hist = cached.histograms(url, p.first, p.last, p.as_of, f, ("wait",))
if hist.is_empty():
    empty_note(t("empty.waits", lang))
else:
    cap = max(60, int(settings.wait_target_min * 3))
    shown = (
        hist.with_columns(pl.col("minute").clip(upper_bound=cap))
        .group_by("minute")
        .agg(pl.col("n").sum())
        .sort("minute")
    )
    within = now_figures["tickets"]["wait_within_target_rate"]
    chart(
        distribution(
            shown["minute"].to_list(),
            shown["n"].to_list(),
            t(
                "ov.dist.title",
                lang,
                rate=m["wait_within_target_rate"].format(within, lang),
                cap=cap,
            ),
            t("ov.dist.x", lang),
            t("ov.dist.y", lang),
            settings.wait_target_min,
            t("target.wait", lang, minutes=f"{settings.wait_target_min:g}"),
        ),
        shown.rename({"minute": t("ov.dist.x", lang), "n": t("ov.dist.y", lang)}),
        lang,
        "ov.dist",
    )
