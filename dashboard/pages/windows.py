"""窗口绩效 — hall → department → window → staff: one sortable row per group with daily
sparklines, ranked with the minimum-sample guard; every row links one level down, and a
window or a staff member opens the window page."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import cached
from dashboard.together import side_by_side
from dashboard.widgets import (
    analysis_page,
    empty_note,
    ignore_bad,
    remember,
    table_height,
    url_param,
)
from i18n.text import t
from metrics.catalog import BY_KEY
from metrics.rankings import rank_groups

LEVELS = ("hall", "department", "window", "staff")
SECTIONS = ("tickets", "evaluations", "attendance")  # the sections shown (no cases)
RANK_KEYS = (
    "wait_within_target_rate",
    "wait_mean_min",
    "served",
    "satisfaction_rate",
    "utilization",
    "served_per_staffed_hour",
)
COLUMNS = (
    "served",
    "wait_mean_min",
    "wait_p90_min",
    "wait_within_target_rate",
    "service_mean_min",
    "abandon_rate",
    "satisfaction_rate",
    "bad_count",
    "utilization",
    "served_per_staffed_hour",
)

# every figure the table, the ranking and its sample sizes read: only their partials are read
KEYS_SHOWN = tuple(
    dict.fromkeys([*COLUMNS, *RANK_KEYS, "issued", "served", "staffed_hours", "count"])
)


def names(
    ref: dict[str, pl.DataFrame], level: str, one_hall: bool, lang: str
) -> dict[str, tuple[str, str]]:
    """id → (name shown, where: hall (unless one hall is shown) and department; a window
    without a department is a comprehensive 一窗受理 window)."""
    halls = (
        {} if one_hall else dict(zip(ref["halls"]["hall_id"], ref["halls"]["name"], strict=True))
    )
    depts = dict(zip(ref["departments"]["dept_id"], ref["departments"]["name"], strict=True))
    if level == "hall":
        hall_names = zip(ref["halls"]["hall_id"], ref["halls"]["name"], strict=True)
        return {h: (n, "") for h, n in hall_names}
    if level == "department":
        return {d: (n, "") for d, n in depts.items()}
    table = ref["windows"] if level == "window" else ref["staff"]
    id_col, name_col = ("window_id", "label") if level == "window" else ("staff_id", "name")
    out = {}
    for r in table.iter_rows(named=True):
        dept = depts.get(r["dept_id"])
        if dept is None and level == "window" and r["kind"]:
            dept = t(f"code.window.{r['kind']}", lang)
        out[r[id_col]] = (r[name_col], " · ".join(x for x in (halls.get(r["hall_id"]), dept) if x))
    return out


def drill(view, level: str, group: str) -> str:
    """The URL one level down from a row."""
    if level == "hall":
        return "windows?" + view.query(hall=group, level="department", dept=None)
    if level == "department":
        return "windows?" + view.query(dept=group, level="window")
    if level == "window":
        return "window?" + view.query(window=group, staff=None)
    return "window?" + view.query(staff=group, window=None)


lang, url, view = analysis_page("windows")
p, f = view.period, view.filters
settings = cached.settings()
ref = cached.reference(url)

c1, c2 = st.columns([2, 1])
default_level = "window" if view.get("hall") or view.get("department") else "hall"
level = st.session_state.get("windows.level")  # the control, when the user just used it
if level not in LEVELS:
    level = ignore_bad("level", url_param("level"), LEVELS, lang) or default_level
# never above the filters: one hall is listed by department, one department by window
lowest = "window" if view.get("department") else "department" if view.get("hall") else "hall"
if LEVELS.index(level) < LEVELS.index(lowest):
    level = lowest
st.session_state["windows.level"] = level
level = (
    c1.segmented_control(
        t("win.level", lang),
        LEVELS,
        format_func=lambda x: t(f"win.level.{x}", lang),
        key="windows.level",
    )
    or level
)
remember("level", level)
rank_key = c2.selectbox(
    t("win.rank_by", lang),
    RANK_KEYS,
    format_func=lambda k: BY_KEY[k].label(lang),
    key="windows.rank",
)

with st.spinner(t("busy", lang)):
    found, spark = side_by_side(
        [
            lambda: cached.figures(url, p.first, p.last, p.as_of, f, level, SECTIONS, KEYS_SHOWN),
            lambda: cached.sparklines(url, p.first, p.last, p.as_of, f, level),
        ]
    )
    groups = found["groups"]
id_col = "hall_id" if level == "hall" else f"{level if level != 'department' else 'department'}_id"
groups = [
    g
    for g in groups
    if g["tickets"]["issued"] or g["attendance"]["staffed_hours"] or g["evaluations"]["count"]
]
if not groups:
    empty_note(t("empty.period", lang))
    st.stop()

ranked = {r["group"]: r for r in rank_groups(groups, rank_key, settings)}
label = names(ref, level, bool(view.get("hall")), lang)
rows = []
for g in groups:
    key = g[id_col]
    r = ranked[key]
    name, where = label.get(key, (key, ""))
    row = {
        "link": drill(view, level, key),
        "name": name,
        "where": where,
        "rank": r["rank"],
        "sample": t("win.too_small", lang) if r["too_small"] else "",
        "served_daily": spark.get(key, {}).get("served", []),
        "wait_daily": [v for v in spark.get(key, {}).get("wait_min", []) if v is not None],
    }
    for k in COLUMNS:
        row[k] = g[BY_KEY[k].section][k]
    rows.append(row)
frame = pl.DataFrame(rows, infer_schema_length=None).sort(
    "rank", "served", descending=[False, True], nulls_last=True
)

rate_keys = [k for k in COLUMNS if BY_KEY[k].unit == "rate"]
frame = frame.with_columns(pl.col(k) * 100 for k in rate_keys)  # shown as "12.3%"
st.caption(
    t(
        "win.help",
        lang,
        metric=BY_KEY[rank_key].label(lang),
        served=settings.min_served,
        evaluations=settings.min_evaluations,
    )
)


def number(key: str) -> st.column_config.NumberColumn:
    m = BY_KEY[key]
    fmt = {"count": "localized", "rate": "%.1f%%", "minutes": "%.1f", "per_hour": "%.2f"}[m.unit]
    unit = {"minutes": t("unit.min", lang)}.get(m.unit)
    return st.column_config.NumberColumn(
        m.label(lang) + (f"（{unit}）" if unit and lang == "zh" else f" ({unit})" if unit else ""),
        format=fmt,
    )


config = {
    "link": st.column_config.LinkColumn(
        t("win.open", lang), display_text=t("win.open.text", lang), pinned=True, width="small"
    ),
    "name": st.column_config.TextColumn(t(f"win.level.{level}", lang), pinned=True),
    "where": st.column_config.TextColumn(t("win.where", lang))
    if level in ("window", "staff")
    else None,
    "rank": st.column_config.NumberColumn(t("win.rank", lang), format="%d", width="small"),
    "sample": st.column_config.TextColumn(t("win.sample", lang), width="small"),
    "served_daily": st.column_config.BarChartColumn(
        t("win.served_daily", lang), y_min=0, color="#0072B2"
    ),
    "wait_daily": st.column_config.LineChartColumn(
        t("win.wait_daily", lang), y_min=0, color="#E69F00"
    ),
    **{k: number(k) for k in COLUMNS},
    "utilization": st.column_config.ProgressColumn(
        BY_KEY["utilization"].label(lang), format="%.1f%%", min_value=0, max_value=100
    ),
}
order = [
    "link",
    "name",
    *(["where"] if level in ("window", "staff") else []),
    "rank",
    "sample",
    "served",
    "served_daily",
    "wait_mean_min",
    "wait_daily",
    *[k for k in COLUMNS if k not in ("served", "wait_mean_min")],
]
st.dataframe(
    frame.select(order),
    hide_index=True,
    width="stretch",
    height=table_height(frame.height, 720),
    column_config={k: v for k, v in config.items() if v is not None},
    column_order=order,
    key="windows.table",
)

if level in ("window", "staff"):
    choices = {
        r["link"]: r["name"] + (t("win.where_paren", lang, where=r["where"]) if r["where"] else "")
        for r in frame.iter_rows(named=True)
    }
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    target = c1.selectbox(
        t("win.pick", lang), list(choices), format_func=choices.get, key="windows.pick"
    )
    if target:
        page, _, query = target.partition("?")
        from urllib.parse import parse_qsl

        c2.page_link(
            "dashboard/pages/window.py",
            label=t("win.go", lang),
            icon=":material/arrow_forward:",
            query_params=dict(parse_qsl(query)),
        )
