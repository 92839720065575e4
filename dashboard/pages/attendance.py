"""考勤与饱和度 — staffed against busy hours, open windows by time of day against people
waiting, utilization per staff member, lateness and absence."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts.figures import grouped_bars, two_lines
from dashboard import cached
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

# the sections shown: attendance, and the tickets its busy hours and rates come from; only the
# attendance figures are shown, so only their partials are read (no wait histograms)
SECTIONS = ("tickets", "attendance")
KEYS_SHOWN = KEYS["attendance"]
TILES = [
    "staffed_hours",
    "busy_hours",
    "utilization",
    "served_per_staffed_hour",
    "late_rate",
    "absence_rate",
]
STAFF_COLUMNS = (
    "staffed_hours",
    "busy_hours",
    "utilization",
    "served_per_staffed_hour",
    "late_rate",
    "absence_rate",
)

lang, url, view = analysis_page("attendance")
p, f = view.period, view.filters
settings = cached.settings()
ref = cached.reference(url)

with st.spinner(t("busy", lang)):
    now_figures, before_figures, by_date = period_figures(
        url,
        view,
        sections=SECTIONS,
        keys=KEYS_SHOWN,
        ahead=(
            (cached.occupancy,),
            (cached.figures, "staff", SECTIONS, KEYS_SHOWN),
            (cached.attendance_exceptions,),
        ),
    )

if not now_figures["attendance"]["staffed_hours"] and not now_figures["attendance"]["absence_rate"]:
    empty_note(t("at.none", lang))
    st.stop()

kpi_tiles(
    TILES,
    now_figures,
    before_figures,
    lang,
    per_row=3,
    trends={k: [g["attendance"][k] for g in by_date] for k in TILES},
)

m = BY_KEY
days = [g["date"] for g in by_date]
left, right = st.columns(2)
with left:
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
        pl.DataFrame(
            {
                t("col.date", lang): days,
                **{m[k].label(lang): [g["attendance"][k] for g in by_date] for k in STAFF_COLUMNS},
            },
            strict=False,
        ),
        lang,
        "at.daily",
    )
with right:
    with st.spinner(t("busy", lang)):
        occ = cached.occupancy(url, p.first, p.last, p.as_of, f)
    if occ.is_empty():
        empty_note(t("at.no_shifts", lang))
    else:
        times = [v.strftime("%H:%M") for v in occ["time"]]
        chart(
            two_lines(
                times,
                (t("at.open_windows", lang), occ["open_windows"].to_list()),
                (t("at.waiting", lang), occ["waiting"].to_list()),
                t("at.occupancy", lang),
                t("at.open_windows", lang),
                t("at.waiting", lang),
            ),
            occ.with_columns(pl.col("time").dt.strftime("%H:%M")).rename(
                {
                    "time": t("at.time", lang),
                    "open_windows": t("at.open_windows", lang),
                    "waiting": t("at.waiting", lang),
                }
            ),
            lang,
            "at.occupancy",
        )
        if not view.get("hall"):
            st.caption(t("at.all_halls", lang))

st.subheader(t("at.staff", lang))
with st.spinner(t("busy", lang)):
    groups = cached.figures(url, p.first, p.last, p.as_of, f, "staff", SECTIONS, KEYS_SHOWN)[
        "groups"
    ]
staff = {r["staff_id"]: r for r in ref["staff"].iter_rows(named=True)}
halls = dict(zip(ref["halls"]["hall_id"], ref["halls"]["name"], strict=True))
where_halls = {} if view.get("hall") else halls  # one hall chosen: say only the department
depts = dict(zip(ref["departments"]["dept_id"], ref["departments"]["name"], strict=True))
rows = [
    g
    for g in groups
    if g["attendance"]["staffed_hours"] or g["attendance"]["absence_rate"] is not None
]
if not rows:
    empty_note(t("at.none", lang))
else:
    table = pl.DataFrame(
        {
            "link": [
                "window?" + view.query(staff=g["staff_id"], window=None, hall=None, dept=None)
                for g in rows
            ],
            "name": [staff.get(g["staff_id"], {}).get("name", g["staff_id"]) for g in rows],
            "where": [
                " · ".join(
                    x
                    for x in (
                        where_halls.get(staff.get(g["staff_id"], {}).get("hall_id")),
                        depts.get(staff.get(g["staff_id"], {}).get("dept_id")),
                    )
                    if x
                )
                for g in rows
            ],
            **{k: [g["attendance"][k] for g in rows] for k in STAFF_COLUMNS},
        },
        strict=False,
    ).sort("utilization", descending=True, nulls_last=True)
    rates = [k for k in STAFF_COLUMNS if m[k].unit == "rate"]
    table = table.with_columns(pl.col(k) * 100 for k in rates)  # shown as "12.3%"
    fmt = {"hours": "%.1f", "rate": "%.1f%%", "per_hour": "%.2f"}
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=table_height(table.height, 480),
        column_config={
            "link": st.column_config.LinkColumn(
                t("win.open", lang),
                display_text=t("win.open.text", lang),
                pinned=True,
                width="small",
            ),
            "name": st.column_config.TextColumn(t("tk.staff", lang), pinned=True),
            "where": st.column_config.TextColumn(t("win.where", lang)),
            **{
                k: st.column_config.NumberColumn(m[k].label(lang), format=fmt[m[k].unit])
                for k in STAFF_COLUMNS
            },
            "utilization": st.column_config.ProgressColumn(
                m["utilization"].label(lang), format="%.1f%%", min_value=0, max_value=100
            ),
        },
        key="at.staff",
    )

st.subheader(t("at.exceptions", lang))
st.caption(t("at.exceptions_help", lang, grace=f"{settings.late_grace_min:g}"))
exceptions = cached.attendance_exceptions(url, p.first, p.last, p.as_of, f)
if exceptions.is_empty():
    st.success(t("at.no_exceptions", lang), icon=":material/check_circle:")
else:
    windows = dict(zip(ref["windows"]["window_id"], ref["windows"]["label"], strict=True))
    table = pl.DataFrame(
        {
            t("col.date", lang): [str(v)[:10] for v in exceptions["work_date"]],
            t("tk.staff", lang): [staff.get(s, {}).get("name", s) for s in exceptions["staff_id"]],
            t("f.hall", lang): [halls.get(h, h) for h in exceptions["hall_id"]],
            t("at.shift", lang): [t(f"at.shift.{k}", lang) for k in exceptions["shift_kind"]],
            t("tk.window", lang): [windows.get(w, "—") for w in exceptions["window_id"]],
            t("at.scheduled", lang): [datetime_text(v) for v in exceptions["scheduled_start"]],
            t("at.clock_in", lang): [datetime_text(v) for v in exceptions["clock_in"]],
            t("at.kind", lang): [
                t("at.late" if s is not None else "at.absent", lang) for s in exceptions["late_s"]
            ],
            t("at.late_min", lang): [
                "—" if s is None else f"{s / 60:.1f}" for s in exceptions["late_s"]
            ],
        },
        strict=False,
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=table_height(table.height, 420),
        key="at.exceptions",
    )
    csv_download(table, t("cs.download", lang), f"attendance_{p.first}_{p.last}.csv", "at.csv")
