"""The weekly report's workbook: one sheet per section with the data behind it.

Numbers are written as numbers (never formulas: viewers that do not recalculate would show 0)
with real number formats; every sheet's header row is frozen and is an Excel table (filters,
banding); targets are conditional formats (red where a figure misses its target, a reversed
colour scale where lower is better); daily volumes, satisfaction and waits get native charts.
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from charts.theme import BAD, GOOD, PALETTE, SEQUENTIAL
from i18n.text import t
from metrics.catalog import BY_KEY, KEYS, SECTION_LABELS, SECTIONS, Metric
from reports.cells import WORKBOOK_OPTIONS
from reports.content import (
    change,
    date_text,
    enum_label,
    follow_up,
    meets_target,
    target_of,
    weekday_name,
)
from reports.weekly_data import RANKING_KEYS, WAIT_BIN_MIN, WeeklyData, scope_text

NUMBER_FORMATS = {
    "count": "#,##0",
    "rate": "0.0%",
    "minutes": "0.0",
    "hours": "#,##0.0",
    "rating": "0.00",
    "per_hour": "0.00",
}
TIMESTAMP = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
TABLE_STYLE = "Table Style Light 9"
HEADER_ROW = 3  # rows 0–1: title and week; the table's header on row 3 (0-based)
GROUP_KEYS = (
    "issued",
    "served",
    "wait_mean_min",
    "wait_p90_min",
    "wait_within_target_rate",
    "accepted",
    "completed",
    "on_time_rate",
    "overdue_open",
    "count",
    "satisfaction_rate",
    "bad_count",
    "utilization",
)


class _Book:
    """The workbook and its shared formats."""

    def __init__(self, data: WeeklyData, lang: str):
        self.buffer = io.BytesIO()
        self.wb: Workbook = xlsxwriter.Workbook(
            self.buffer, {"in_memory": True, **WORKBOOK_OPTIONS}
        )  # a comment such as "=HYPERLINK(…)" stays text
        self.data, self.lang = data, lang
        wb = self.wb
        base = {"font_name": "Microsoft YaHei", "font_size": 10}
        self.fmt = {
            unit: wb.add_format({**base, "num_format": f}) for unit, f in NUMBER_FORMATS.items()
        }
        self.fmt["text"] = wb.add_format({**base, "text_wrap": False})
        self.fmt["wrap"] = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.fmt["timestamp"] = wb.add_format({**base, "num_format": TIMESTAMP})
        self.fmt["date"] = wb.add_format({**base, "num_format": DATE})
        self.fmt["int"] = wb.add_format({**base, "num_format": "#,##0"})
        self.title = wb.add_format({**base, "bold": True, "font_size": 14, "font_color": "#0b3d66"})
        self.subtitle = wb.add_format({**base, "font_color": "#52606d"})
        self.bad = wb.add_format({"font_color": "#9c0006", "bg_color": "#ffc7ce"})
        self.good = wb.add_format({"font_color": "#006100", "bg_color": "#c6efce"})
        self.good_text = {
            unit: wb.add_format({**base, "num_format": f, "font_color": GOOD})
            for unit, f in NUMBER_FORMATS.items()
        }
        self.bad_text = {
            unit: wb.add_format({**base, "num_format": f, "font_color": BAD})
            for unit, f in NUMBER_FORMATS.items()
        }
        self.good_text["text"] = wb.add_format({**base, "font_color": GOOD})
        self.bad_text["text"] = wb.add_format({**base, "font_color": BAD})
        self.neutral_text = wb.add_format({**base, "font_color": "#6b7785"})

    def sheet(self, key: str, subtitle: str | None = None) -> Worksheet:
        ws = self.wb.add_worksheet(t(key, self.lang))
        d = self.data
        ws.write(
            0,
            0,
            t("rep.title", self.lang, hall=d.hall["name"]) + " · " + t(key, self.lang),
            self.title,
        )
        week = t(
            "rep.week",
            self.lang,
            year=d.week.year,
            number=d.week.number,
            first=date_text(d.week.first, self.lang),
            last=date_text(d.week.last, self.lang),
        )
        whose = t("rep.scope", self.lang, scope=scope_text(d.scope, self.lang))
        ws.write(1, 0, week + ("  " + subtitle if subtitle else "") + "  " + whose, self.subtitle)
        ws.set_row(0, 22)
        return ws

    def table(
        self,
        ws: Worksheet,
        columns: list[tuple[str, str, float]],
        rows: list[list],
        first_row: int = HEADER_ROW,
    ) -> tuple[int, int]:
        """An Excel table at first_row: columns (header, format key, width); returns the first
        and last data row (0-based; last < first when empty). The header row is frozen."""
        last_row = first_row + max(len(rows), 1)
        ws.add_table(
            first_row,
            0,
            last_row,
            len(columns) - 1,
            {
                "data": rows or [[None] * len(columns)],
                "style": TABLE_STYLE,
                "columns": [{"header": header, "format": self.fmt[f]} for header, f, _ in columns],
            },
        )
        for i, (_, _, width) in enumerate(columns):
            ws.set_column(i, i, width)
        ws.freeze_panes(first_row + 1, 0)
        return first_row + 1, first_row + len(rows)

    def close(self) -> bytes:
        self.wb.set_properties(
            {
                "title": t("rep.title", self.lang, hall=self.data.hall["name"])
                + f" {self.data.week}",
                "author": "HallPulse 厅脉",
            }
        )
        self.wb.close()
        return self.buffer.getvalue()


def _unit_header(m: Metric, lang: str) -> str:
    suffix = {"minutes": ("分钟", "min"), "hours": ("小时", "h")}.get(m.unit)
    if suffix is None:
        return m.label(lang)
    return f"{m.label(lang)}（{suffix[0]}）" if lang == "zh" else f"{m.label(lang)} ({suffix[1]})"


def _target_rule(book: _Book, ws: Worksheet, m: Metric, first: int, last: int, col: int) -> None:
    """Red where the column misses the metric's target; for waits also a reversed colour
    scale (lower is better: green low, red high)."""
    if last < first:
        return
    target = target_of(m, book.data.settings)
    if target is not None:
        ws.conditional_format(
            first,
            col,
            last,
            col,
            {
                "type": "cell",
                "criteria": ">" if m.direction < 0 else "<",
                "value": target,
                "format": book.bad,
            },
        )
    if m.unit == "minutes" and m.direction < 0:
        _lower_is_better(ws, first, last, col)


def _lower_is_better(ws, first: int, last: int, col: int) -> None:
    """Green for the lowest values of a column, red for the highest (waits, lateness)."""
    ws.conditional_format(
        first,
        col,
        last,
        col,
        {
            "type": "3_color_scale",
            "min_color": "#63BE7B",
            "mid_color": "#FFEB84",
            "max_color": "#F8696B",
        },
    )


def _overview(book: _Book) -> None:
    d, lang = book.data, book.lang
    ws = book.sheet("rep.sheet.overview")
    columns = [
        (t("rep.xl.section", lang), "text", 14),
        (t("rep.col.metric", lang), "text", 22),
        (t("rep.col.this_week", lang), "text", 13),
        (t("rep.col.last_week", lang), "text", 13),
        (t("rep.col.change", lang), "text", 13),
        (t("rep.col.target", lang), "text", 12),
        (t("rep.xl.meets", lang), "text", 8),
        (t("rep.xl.key", lang), "text", 26),
    ]
    metrics = [BY_KEY[k] for s in SECTIONS for k in KEYS[s]]
    first, _ = book.table(ws, columns, [[None] * len(columns) for _ in metrics])
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    for i, m in enumerate(metrics):
        row = first + i
        zh, en = SECTION_LABELS[m.section]
        cur, prev = d.current[m.section][m.key], d.previous[m.section][m.key]
        fmt = book.fmt[m.unit]
        ws.write(row, 0, en if lang == "en" else zh, book.fmt["text"])
        ws.write(row, 1, m.label(lang), book.fmt["text"])
        for col, value in ((2, cur), (3, prev)):
            if value is None:  # an empty denominator: a blank cell, never 0
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_number(row, col, value, fmt)
        ch = change(m, cur, prev, lang)
        if ch.delta is None:
            ws.write_blank(row, 4, None, fmt)
        else:
            colour = {1: book.good_text, -1: book.bad_text}.get(ch.verdict)
            ws.write(row, 4, ch.delta, colour[m.unit] if colour else fmt)
        target = target_of(m, d.settings)
        if target is not None:
            ws.write(row, 5, target, fmt)
            ok = meets_target(m, cur, d.settings)
            ws.write(row, 6, "—" if ok is None else (yes if ok else no), book.fmt["text"])
            ws.conditional_format(
                row,
                2,
                row,
                2,
                {
                    "type": "cell",
                    "criteria": ">" if m.direction < 0 else "<",
                    "value": target,
                    "format": book.bad,
                },
            )
        ws.write(row, 7, m.key, book.fmt["text"])
    last = first + len(metrics) - 1
    ws.conditional_format(
        first,
        6,
        last,
        6,
        {"type": "cell", "criteria": "==", "value": f'"{no}"', "format": book.bad},
    )
    ws.conditional_format(
        first,
        6,
        last,
        6,
        {"type": "cell", "criteria": "==", "value": f'"{yes}"', "format": book.good},
    )
    ws.activate()


def _daily(book: _Book) -> None:
    d, lang = book.data, book.lang
    ws = book.sheet("rep.sheet.daily")
    keys = (
        "issued",
        "served",
        "wait_mean_min",
        "wait_within_target_rate",
        "accepted",
        "completed",
        "on_time_rate",
        "count",
        "satisfaction_rate",
        "bad_count",
    )
    columns = [
        (t("rep.col.date", lang), "date", 12),
        (t("rep.col.weekday", lang), "text", 7),
        (t("rep.col.this_week", lang) + "/" + t("rep.col.last_week", lang), "text", 10),
    ] + [(_unit_header(BY_KEY[k], lang), BY_KEY[k].unit, 13) for k in keys]
    by_date = {g["date"]: g for g in d.daily}
    rows = []
    days = [d.week.first - dt.timedelta(days=7 - i) for i in range(7)] + d.week.days()
    for day in days:
        g = by_date.get(day.isoformat())
        which = t("rep.col.this_week" if day >= d.week.first else "rep.col.last_week", lang)
        values = [
            g[BY_KEY[k].section][k] if g else (0 if BY_KEY[k].unit == "count" else None)
            for k in keys
        ]
        rows.append([day, weekday_name(day, lang), which, *values])
    first, last = book.table(ws, columns, rows)
    for k in ("wait_mean_min", "wait_within_target_rate", "on_time_rate", "satisfaction_rate"):
        _target_rule(book, ws, BY_KEY[k], first, last, 3 + keys.index(k))
    # native charts: tickets per day (columns) with the mean wait (line, right axis); and
    # satisfaction per day
    volume = book.wb.add_chart({"type": "column"})
    sheet = ws.get_name()
    cat = [sheet, first, 0, last, 0]
    volume.add_series(
        {
            "name": [sheet, HEADER_ROW, 3],
            "categories": cat,
            "values": [sheet, first, 3, last, 3],
            "fill": {"color": PALETTE[0]},
        }
    )
    wait = book.wb.add_chart({"type": "line"})
    col = 3 + keys.index("wait_mean_min")
    wait.add_series(
        {
            "name": [sheet, HEADER_ROW, col],
            "categories": cat,
            "values": [sheet, first, col, last, col],
            "y2_axis": True,
            "line": {"color": PALETTE[1], "width": 2},
            "marker": {"type": "circle", "size": 5},
        }
    )
    volume.combine(wait)
    volume.set_title({"name": t("rep.chart.daily", lang)})
    volume.set_x_axis({"date_axis": False, "num_format": "mm-dd"})
    volume.set_legend({"position": "bottom"})
    volume.set_size({"width": 760, "height": 300})
    ws.insert_chart(last + 3, 0, volume)
    sat = book.wb.add_chart({"type": "line"})
    col = 3 + keys.index("satisfaction_rate")
    sat.add_series(
        {
            "name": [sheet, HEADER_ROW, col],
            "categories": cat,
            "values": [sheet, first, col, last, col],
            "line": {"color": PALETTE[0], "width": 2},
            "marker": {"type": "circle", "size": 5},
        }
    )
    sat.set_title({"name": t("rep.chart.satisfaction", lang)})
    sat.set_y_axis({"num_format": "0.0%"})
    sat.set_x_axis({"num_format": "mm-dd"})
    sat.set_legend({"none": True})
    sat.set_size({"width": 760, "height": 260})
    ws.insert_chart(last + 19, 0, sat)


def _hours(book: _Book) -> None:
    d, lang = book.data, book.lang
    ws = book.sheet("rep.sheet.hours")
    arrivals = d.arrivals
    if arrivals.is_empty():
        book.table(ws, [(t("rep.col.weekday", lang), "text", 8)], [])
        return
    hours = list(range(int(arrivals["hour"].min()), int(arrivals["hour"].max()) + 1))
    grid = {(wd, h): 0 for wd in range(1, 8) for h in hours}
    for wd, h, n in arrivals.group_by("weekday", "hour").agg(pl.col("n").sum()).iter_rows():
        grid[(wd, h)] = n
    columns = [(t("rep.col.weekday", lang), "text", 8)] + [
        (f"{h:02d}:00", "count", 7) for h in hours
    ]
    rows = [[weekday_name(wd, lang)] + [grid[(wd, h)] for h in hours] for wd in range(1, 8)]
    first, last = book.table(ws, columns, rows)
    ws.conditional_format(
        first,
        1,
        last,
        len(hours),
        {
            "type": "2_color_scale",
            "min_color": SEQUENTIAL[0],
            "max_color": SEQUENTIAL[2],
        },
    )
    ws.freeze_panes(first, 1)


def _waits(book: _Book) -> None:
    d, lang = book.data, book.lang
    ws = book.sheet("rep.sheet.waits")
    total = int(d.waits["n"].sum()) if not d.waits.is_empty() else 0
    columns = [
        (t("rep.col.wait_bin", lang), "text", 16),
        (t("rep.col.tickets", lang), "count", 10),
        (t("rep.col.share", lang), "rate", 10),
    ]
    rows = [
        [f"{lo}–{lo + WAIT_BIN_MIN}", n, n / total if total else None]
        for lo, n in d.waits.iter_rows()
    ]
    first, last = book.table(ws, columns, rows)
    if last < first:
        return
    chart = book.wb.add_chart({"type": "column"})
    sheet = ws.get_name()
    chart.add_series(
        {
            "name": [sheet, HEADER_ROW, 1],
            "categories": [sheet, first, 0, last, 0],
            "values": [sheet, first, 1, last, 1],
            "fill": {"color": PALETTE[0]},
            "gap": 20,
        }
    )
    chart.set_title({"name": t("rep.chart.waits", lang)})
    chart.set_y_axis({"log_base": 10})
    chart.set_legend({"none": True})
    chart.set_size({"width": 760, "height": 320})
    ws.insert_chart(HEADER_ROW, 4, chart)


def _groups(book: _Book, key: str, dim: str, groups: list[dict]) -> None:
    d, lang = book.data, book.lang
    ws = book.sheet(key)
    label = "rep.col.department" if dim == "department" else "rep.col.window"
    too_small = t("rep.rank.too_small", lang)
    columns = [(t(label, lang), "text", 26 if dim == "department" else 10)]
    columns += [(_unit_header(BY_KEY[k], lang), BY_KEY[k].unit, 12) for k in GROUP_KEYS]
    columns += [
        (f"{t('rep.col.rank', lang)}·{BY_KEY[k].label(lang)}", "text", 12) for k in RANKING_KEYS
    ]
    ranks = {k: {r["group"]: r for r in d.rankings[dim][k]} for k in RANKING_KEYS}
    id_key = f"{dim}_id"
    rows = []
    for g in groups:
        row = [str(g["name"])] + [g[BY_KEY[k].section][k] for k in GROUP_KEYS]
        for k in RANKING_KEYS:
            r = ranks[k].get(g[id_key])
            row.append(
                too_small if r is None or r["too_small"] else (r["rank"] if r["rank"] else "—")
            )
        rows.append(row)
    first, last = book.table(ws, columns, rows)
    for k in ("wait_mean_min", "wait_within_target_rate", "on_time_rate", "satisfaction_rate"):
        _target_rule(book, ws, BY_KEY[k], first, last, 1 + GROUP_KEYS.index(k))
    ws.freeze_panes(first, 1)


def _overdue(book: _Book) -> None:
    d, lang = book.data, book.lang
    ws = book.sheet("rep.sheet.overdue")
    columns = [
        (t("rep.col.case_id", lang), "text", 20),
        (t("rep.col.item", lang), "text", 24),
        (t("rep.col.department", lang), "text", 22),
        (t("rep.col.window", lang), "text", 8),
        (t("rep.col.staff", lang), "text", 10),
        (t("rep.col.channel", lang), "text", 10),
        (t("rep.col.status", lang), "text", 10),
        (t("rep.col.accepted_at", lang), "timestamp", 17),
        (t("rep.col.due", lang), "timestamp", 17),
        (t("rep.col.days_overdue", lang), "int", 10),
    ]
    rows = [
        [
            r["case_id"],
            r["item"],
            r["department"],
            r["window"],
            r["staff"],
            enum_label("cases", "channel", r["channel"], lang),
            enum_label("cases", "status", r["status"], lang),
            r["accepted_at"],
            r["due"],
            r["days_overdue"],
        ]
        for r in d.overdue.iter_rows(named=True)
    ]
    first, last = book.table(ws, columns, rows)
    if last >= first:
        ws.conditional_format(
            first, 9, last, 9, {"type": "data_bar", "bar_color": "#F8696B", "data_bar_2010": False}
        )


def _packages(book: _Book) -> None:
    """一件事一次办: every package of the week, slowest first."""
    d, lang = book.data, book.lang
    ws = book.sheet("pk.sheet")
    ws.write(2, 0, t("pk.caption", lang), book.subtitle)
    columns = [
        (t("pk.package", lang), "text", 26),
        (t("pk.applications", lang), "count", 11),
        (t("pk.cases", lang), "count", 9),
        (t("pk.completed", lang), "count", 11),
        (t("pk.on_time", lang), "rate", 11),
        (t("pk.one_visit", lang), "rate", 12),
        (t("pk.slowest_days", lang), "minutes", 14),
        (t("pk.slowest_item", lang), "text", 26),
        (t("pk.slowest_case", lang), "text", 22),
    ]
    rows = [
        [
            r["name"],
            r["applications"],
            r["cases"],
            r["completed"],
            r["on_time_rate"],
            r["one_visit_rate"],
            r["slowest_days"],
            r["slowest_item"],
            r["slowest_case_id"],
        ]
        for r in d.packages.iter_rows(named=True)
    ]
    book.table(ws, columns, rows)


def _no_cases(book: _Book) -> None:
    d, lang = book.data, book.lang
    ws = book.sheet("rep.sheet.no_cases")
    if d.hall_department_count == 0:
        note = t("rep.no_cases.no_departments", lang)
    elif d.no_case_departments.is_empty():
        note = t("rep.no_cases.none", lang, n=d.hall_department_count)
    else:
        note = t(
            "rep.no_cases.some", lang, n=d.hall_department_count, k=d.no_case_departments.height
        )
    ws.write(2, 0, note, book.subtitle)
    columns = [("ID", "text", 10), (t("rep.col.department", lang), "text", 30)]
    book.table(ws, columns, [list(r) for r in d.no_case_departments.iter_rows()])


def _bad(book: _Book) -> None:
    d, lang = book.data, book.lang
    ws = book.sheet("rep.sheet.bad")
    columns = [
        ("ID", "text", 20),
        (t("rep.col.evaluated_at", lang), "timestamp", 17),
        (t("rep.col.rating", lang), "int", 6),
        (t("rep.col.channel", lang), "text", 10),
        (t("rep.col.window", lang), "text", 8),
        (t("rep.col.staff", lang), "text", 10),
        (t("rep.col.item", lang), "text", 22),
        (t("rep.col.department", lang), "text", 22),
        (t("rep.col.comment", lang), "wrap", 34),
        (t("rep.col.revisit", lang), "text", 22),
        (t("rep.col.rectify", lang), "text", 22),
        (t("rep.col.note", lang), "wrap", 30),
    ]
    as_of = d.week.as_of
    rows, verdicts = [], []
    for r in d.bad_reviews.iter_rows(named=True):
        rv_text, rv = follow_up(r["revisited_at"], r["revisit_due"], as_of, lang)
        rc_text, rc = follow_up(r["rectified_at"], r["rectify_due"], as_of, lang)
        verdicts.append((rv, rc))
        rows.append(
            [
                r["eval_id"],
                r["evaluated_at"],
                r["rating"],
                enum_label("evaluations", "channel", r["channel"], lang),
                r["window"],
                r["staff"],
                r["item"],
                r["department"],
                r["comment"],
                rv_text,
                rc_text,
                r["rectification_note"],
            ]
        )
    first, _ = book.table(ws, columns, rows)
    for i, (rv, rc) in enumerate(verdicts):
        for col, verdict in ((9, rv), (10, rc)):
            style = {1: book.good_text["text"], -1: book.bad_text["text"]}.get(verdict)
            if style is not None:
                ws.write(first + i, col, rows[i][col], style)


def _attendance(book: _Book) -> None:
    d, lang = book.data, book.lang
    ws = book.sheet("rep.sheet.attendance")
    keys = KEYS["attendance"]
    columns = [(t("rep.col.department", lang), "text", 26)] + [
        (_unit_header(BY_KEY[k], lang), BY_KEY[k].unit, 13) for k in keys
    ]
    total_label = d.hall["name"]
    rows = [[total_label] + [d.current["attendance"][k] for k in keys]]
    rows += [
        [str(g["name"])] + [g["attendance"][k] for k in keys]
        for g in d.departments
        if g["attendance"]["staffed_hours"]
    ]
    first, last = book.table(ws, columns, rows)
    for k in ("late_rate", "absence_rate"):
        col = 1 + keys.index(k)
        _lower_is_better(ws, first, last, col)


def _forecast(book: _Book) -> None:
    fc, lang = book.data.forecast, book.lang
    ws = book.sheet("rep.sheet.forecast")
    cols = [c for c in ("expected", "lower", "upper") if c in fc.daily.columns]
    columns = [(t("rep.col.date", lang), "date", 12), (t("rep.col.weekday", lang), "text", 8)]
    columns += [(t(f"rep.col.{c}", lang), "count", 12) for c in cols]
    rows = [
        [r["date"], weekday_name(r["date"], lang)] + [r[c] for c in cols]
        for r in fc.daily.iter_rows(named=True)
    ]
    book.table(ws, columns, rows)
    ws = book.sheet("rep.sheet.staffing")
    kinds = {
        "date": "date",
        "start": "text",
        "arrivals": "hours",
        "windows_needed": "count",
        "windows_rostered": "count",
        "service_level": "rate",
        "service_level_rostered": "rate",
        "flag": "text",
    }
    columns = [(t(f"rep.col.{c}", lang), kind, 14) for c, kind in kinds.items()]
    rows = [
        [r[c] if c != "flag" else t(f"fc.flag.{r[c] or 'none'}", lang) for c in kinds]
        for r in fc.staffing.iter_rows(named=True)
    ]
    book.table(ws, columns, rows)


def render_xlsx(data: WeeklyData, lang: str) -> bytes:
    """The workbook as bytes."""
    book = _Book(data, lang)
    _overview(book)
    _daily(book)
    _hours(book)
    _waits(book)
    _overdue(book)
    _packages(book)
    _no_cases(book)
    _bad(book)
    _groups(book, "rep.sheet.departments", "department", data.departments)
    _groups(book, "rep.sheet.windows", "window", data.windows)
    _attendance(book)
    if data.forecast is not None:
        _forecast(book)
    return book.close()
