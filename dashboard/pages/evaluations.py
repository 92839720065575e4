"""好差评 — satisfaction over time, ratings by channel, and the bad-review list with its
return-call and rectification deadlines and where each stands (overdue in red), comments."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts.figures import RATING_COLORS, stacked_shares, trend
from dashboard import cached
from dashboard.review_list import review_table
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
from metrics.catalog import BY_KEY, KEYS

# the sections shown: evaluations, and the tickets their coverage is counted against
SECTIONS = ("tickets", "evaluations")
KEYS_SHOWN = KEYS["evaluations"]  # only their partials: the tickets' counts, no histograms
TILES = [
    "count",
    "satisfaction_rate",
    "very_satisfied_rate",
    "mean_rating",
    "coverage_rate",
    "bad_count",
    "bad_revisited_on_time_rate",
    "bad_rectified_on_time_rate",
    "bad_overdue",
    "default_count",
]


# where a return call or rectification stands, as a coloured pill (a pandas Styler over a
# year's bad reviews cost 0.4 s on every rerun): overdue red, done late orange
STATUSES = ("ev.st.overdue", "ev.st.late", "ev.st.pending", "ev.st.on_time")
STATUS_COLORS = ("red", "orange", "gray", "green")


def status_pills(table: pl.DataFrame, lang: str) -> tuple[pl.DataFrame, dict]:
    """The review table with its two status columns as one-element lists, and the column
    config that shows them as pills coloured by status."""
    columns = [t("ev.revisit", lang), t("ev.rectify", lang)]
    pills = st.column_config.MultiselectColumn(
        options=[t(key, lang) for key in STATUSES], color=STATUS_COLORS
    )
    shown = table.with_columns(pl.concat_list(pl.col(name)).alias(name) for name in columns)
    return shown, dict.fromkeys(columns, pills)


lang, url, view = analysis_page("evaluations")
p, f = view.period, view.filters
settings = cached.settings()
ref = cached.reference(url)

with st.spinner(t("busy", lang)):
    now_figures, before_figures, by_date = period_figures(
        url,
        view,
        sections=SECTIONS,
        keys=KEYS_SHOWN,
        ahead=((cached.ratings,), (cached.bad_reviews,), (cached.comments,)),
    )

ev = now_figures["evaluations"]
if not (ev["count"] or ev["default_count"]):
    empty_note(t("ev.none", lang))
    st.stop()

kpi_tiles(
    TILES,
    now_figures,
    before_figures,
    lang,
    trends={k: [g["evaluations"][k] for g in by_date] for k in TILES if k != "bad_overdue"},
)

left, right = st.columns(2)
days = [g["date"] for g in by_date]
with left:
    m = BY_KEY["satisfaction_rate"]
    chart(
        trend(
            days,
            {
                m.label(lang): [g["evaluations"]["satisfaction_rate"] for g in by_date],
                BY_KEY["very_satisfied_rate"].label(lang): [
                    g["evaluations"]["very_satisfied_rate"] for g in by_date
                ],
            },
            t("ev.trend", lang),
            "rate",
            settings.satisfaction_target,
            t("target", lang),
        ),
        pl.DataFrame(
            {
                t("col.date", lang): days,
                BY_KEY["count"].label(lang): [g["evaluations"]["count"] for g in by_date],
                m.label(lang): [g["evaluations"]["satisfaction_rate"] for g in by_date],
                BY_KEY["very_satisfied_rate"].label(lang): [
                    g["evaluations"]["very_satisfied_rate"] for g in by_date
                ],
                BY_KEY["bad_count"].label(lang): [g["evaluations"]["bad_count"] for g in by_date],
            },
            strict=False,
        ),
        lang,
        "ev.trend",
    )
with right:
    ratings = cached.ratings(url, p.first, p.last, p.as_of, f)
    if ratings.is_empty():
        empty_note(t("ev.none", lang))
    else:
        totals = ratings.group_by("channel").agg(pl.col("n").sum()).sort("n", descending=True)
        channels = totals["channel"].to_list()
        parts = {
            t(f"rating.{r}", lang): [
                int(ratings.filter((pl.col("channel") == c) & (pl.col("rating") == r))["n"].sum())
                for c in channels
            ]
            for r in range(1, 6)
        }
        data = ratings.pivot(on="rating", index="channel", values="n").fill_null(0)
        chart(
            stacked_shares(
                [
                    f"{t(f'code.channel.{c}', lang)} ({n:,})"
                    for c, n in zip(channels, totals["n"], strict=True)
                ],
                parts,
                RATING_COLORS,
                t("ev.by_channel", lang),
            ),
            data,
            lang,
            "ev.channels",
        )

reviews = cached.bad_reviews(url, p.first, p.last, p.as_of, f)
st.subheader(t("ev.bad_list", lang, n=f"{reviews.height:,}"))
st.caption(
    t(
        "ev.bad_help",
        lang,
        revisit=settings.revisit_workdays,
        rectify=settings.rectify_workdays,
        as_of=datetime_text(p.as_of),
    )
)
if reviews.is_empty():
    st.success(t("ev.no_bad", lang), icon=":material/check_circle:")
else:
    table = review_table(reviews, ref, p.as_of, lang)
    shown, pills = status_pills(table, lang)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=table_height(table.height, 420),
        column_config=pills,
        key="ev.bad",
    )
    csv_download(table, t("cs.download", lang), f"bad_reviews_{p.first}_{p.last}.csv", "ev.bad.csv")

st.subheader(t("ev.comments", lang))
notes = cached.comments(url, p.first, p.last, p.as_of, f)
if notes.is_empty():
    empty_note(t("ev.no_comments", lang))
else:
    windows = dict(zip(ref["windows"]["window_id"], ref["windows"]["label"], strict=True))
    staff = dict(zip(ref["staff"]["staff_id"], ref["staff"]["name"], strict=True))
    st.dataframe(
        pl.DataFrame(
            {
                t("ev.at", lang): [datetime_text(v) for v in notes["evaluated_at"]],
                t("ev.rating", lang): [t(f"rating.{r}", lang) for r in notes["rating"]],
                t("cs.channel", lang): [t(f"code.channel.{c}", lang) for c in notes["channel"]],
                t("tk.window", lang): [windows.get(w, "—") for w in notes["window_id"]],
                t("tk.staff", lang): [staff.get(s, "—") for s in notes["staff_id"]],
                t("ev.comment", lang): notes["comment"],
            }
        ),
        hide_index=True,
        width="stretch",
        key="ev.comments",
    )
