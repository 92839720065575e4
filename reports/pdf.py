"""The weekly report as an A4 PDF: HTML and CSS rendered by WeasyPrint, which embeds subsets of
Noto Sans CJK (found through fontconfig: Debian's fonts-noto-cjk); charts are 200 dpi PNG from
`reports.charts`, inlined; page numbers and the table of contents' page references are CSS
counters. Nothing is fetched, from the network or anywhere else.
"""

from __future__ import annotations

import base64
import datetime as dt
from html import escape

import polars as pl

from charts.theme import BAD, GOOD, LIGHT, NEUTRAL, PALETTE
from i18n.text import t
from metrics.catalog import BY_KEY, KEYS, SECTION_LABELS, SECTIONS
from reports import charts
from reports.content import (
    HEADLINE_KEYS,
    change,
    date_text,
    day_text,
    enum_label,
    figure_change,
    fmt,
    follow_up,
    section_number,
    summary,
    target_of,
)
from reports.forecast import STAFFING_COLUMNS
from reports.weekly_data import RANKING_KEYS, WAIT_BIN_MIN, WeeklyData, scope_text

OVERDUE_ROWS = 25  # the most overdue cases listed in the PDF (the workbook lists all)
BAD_ROWS = 60
RANK_ROWS = 5
VERDICT_COLOUR = {1: GOOD, -1: BAD, 0: NEUTRAL}

CSS = """
@page {
  size: A4; margin: 20mm 18mm 18mm 18mm;
  @top-left { content: "__HEADER_LEFT__"; font: 8pt "Noto Sans CJK SC"; color: #6b7785;
    vertical-align: bottom; padding-bottom: 3mm; }
  @top-right { content: "__HEADER_RIGHT__"; font: 8pt "Noto Sans CJK SC";
    color: #6b7785; vertical-align: bottom; padding-bottom: 3mm; }
  @bottom-center { content: __PAGE__; font: 8pt "Noto Sans CJK SC"; color: #6b7785; }
}
@page :first { @top-left { content: none; } @top-right { content: none; } }
html { font-family: "Noto Sans CJK SC", sans-serif; font-size: 9.5pt;
  color: __TEXT__; line-height: 1.55; }
h1 { font-size: 21pt; margin: 6mm 0 1mm; color: __BLUE_DARK__; letter-spacing: 0.04em; }
.subtitle { font-size: 12pt; margin: 0 0 2mm; color: __TEXT__; }
.meta { font-size: 8pt; color: #6b7785; margin: 0 0 3mm; }
.rule { border-top: 2.5pt solid __BLUE_DARK__; margin: 2mm 0 4mm; }
.demo { background: #fff4e0; border-left: 3pt solid __ORANGE__; padding: 1.5mm 3mm;
  font-size: 8.5pt; margin: 0 0 4mm; }
h2 { font-size: 13.5pt; color: __BLUE_DARK__; border-bottom: 1pt solid __BLUE__;
  padding-bottom: 1mm; margin: 0 0 3mm; bookmark-level: 1; }
h2.break { break-before: page; }
h3 { font-size: 10.5pt; margin: 4mm 0 2mm; color: __TEXT__; bookmark-level: 2;
  break-after: avoid; }
p { margin: 0 0 2mm; }
.toc { border: 0.6pt solid __GRID__; padding: 3mm 5mm; margin: 0 0 5mm; }
.toc-title { font-weight: bold; font-size: 10.5pt; margin-bottom: 1mm; }
.toc a { display: block; color: __TEXT__; text-decoration: none; line-height: 1.9; }
.toc a::after { content: leader('.') target-counter(attr(href), page); color: #6b7785; }
/* plain CSS tables, not flex boxes: a third of the layout time in WeasyPrint */
table.cards { table-layout: fixed; margin: 0 0 1mm; }
table.cards td.slot { padding: 0 1.5mm 3mm; border: none; width: 33.3%;
  box-sizing: border-box; }
table.cards td.slot:first-child { padding-left: 0; }
table.cards td.slot:last-child { padding-right: 0; }
.card { border: 0.6pt solid __GRID__; border-top: 2pt solid __BLUE__; padding: 2mm 3mm; }
.card .label { font-size: 8pt; color: #52606d; }
.card .value { font-size: 15pt; font-weight: bold; line-height: 1.3; }
.card .delta { font-size: 7.5pt; }
ul.summary { margin: 0 0 3mm; padding-left: 4.5mm; }
ul.summary li { margin-bottom: 1.2mm; }
table { border-collapse: collapse; width: 100%; margin: 0 0 3mm; font-size: 7.8pt;
  line-height: 1.4; }
table.figures { font-size: 8.2pt; }
table.figures td { padding: 0.45mm 1.6mm; }
.nowrap { white-space: nowrap; }
thead { display: table-header-group; }
th { background: #eef3f8; color: __TEXT__; font-weight: bold; text-align: left;
  padding: 1.2mm 1.6mm; border-bottom: 0.8pt solid __BLUE__; }
td { padding: 1mm 1.6mm; border-bottom: 0.4pt solid __GRID__; vertical-align: top; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.group td { background: #f6f8fa; font-weight: bold; color: __BLUE_DARK__;
  border-bottom: 0.6pt solid __GRID__; }
.good { color: __GOOD__; } .bad { color: __BAD__; } .neutral { color: #6b7785; }
.muted { color: #6b7785; } .small { font-size: 7.5pt; }
figure { margin: 0 0 3mm; break-inside: avoid; }
.keep { break-inside: avoid; }  /* a block kept on one page (一件事一次办) */
figure img { width: 100%; }
figcaption { font-size: 9pt; font-weight: bold; margin: 0 0 1mm; }
.note { font-size: 7.8pt; color: #52606d; margin: 0 0 3mm; }
table.cols { table-layout: fixed; margin: 0; }
table.cols > tbody > tr > td.col { width: 50%; padding: 0; border: none;
  box-sizing: border-box; }
table.cols > tbody > tr > td.col + td.col { padding-left: 4mm; }
"""


def _css(data: WeeklyData, lang: str) -> str:
    page = t("rep.page", lang)
    before, rest = page.split("{page}")
    middle, after = rest.split("{pages}")
    counters = f'"{before}" counter(page) "{middle}" counter(pages) "{after}"'
    left = t("rep.title", lang, hall=data.hall["name"])
    right = f"{data.week} · {t('rep.scope', lang, scope=scope_text(data.scope, lang))}"
    out = CSS
    for name, value in {
        "__HEADER_LEFT__": left.replace('"', ""),
        "__HEADER_RIGHT__": right.replace('"', "").replace("\\", ""),
        "__PAGE__": counters,
        "__TEXT__": LIGHT["text"],
        "__GRID__": "#cfd6dd",
        "__BLUE__": PALETTE[0],
        "__BLUE_DARK__": "#0b3d66",
        "__ORANGE__": PALETTE[1],
        "__GOOD__": GOOD,
        "__BAD__": BAD,
    }.items():
        out = out.replace(name, value)
    return out


def _img(png: bytes, caption: str) -> str:
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f"<figure><figcaption>{escape(caption)}</figcaption>"
        f'<img src="{src}" alt="{escape(caption)}"></figure>'
    )


def _table(headers: list[tuple[str, bool]], rows: list[list[str]], widths=None) -> str:
    """headers: (text, numeric); rows: cells already escaped HTML."""
    cols = ""
    if widths:
        cols = "<colgroup>" + "".join(f'<col style="width:{w}">' for w in widths) + "</colgroup>"
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if n else f"<th>{escape(h)}</th>" for h, n in headers
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{c}</td>' if n else f"<td>{c}</td>"
            for c, (_, n) in zip(row, headers, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table>{cols}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _verdict(text: str, verdict: int) -> str:
    cls = {1: "good", -1: "bad", 0: "neutral"}[verdict]
    return f'<span class="{cls}">{escape(text)}</span>'


def _ts(value: dt.datetime | None) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d %H:%M}"


class _Doc:
    """Sections with numbered headings, collected for the table of contents."""

    def __init__(self, lang: str):
        self.lang = lang
        self.sections: list[tuple[str, str]] = []
        self.parts: list[str] = []

    def section(self, anchor: str, key: str, page_break: bool = True) -> None:
        title = section_number(len(self.sections) + 1, self.lang) + t(key, self.lang)
        self.sections.append((anchor, title))
        cls = ' class="break"' if page_break else ""
        self.parts.append(f'<h2 id="{anchor}"{cls}>{escape(title)}</h2>')

    def add(self, html: str) -> None:
        self.parts.append(html)

    def toc(self) -> str:
        links = "".join(f'<a href="#{a}">{escape(title)}</a>' for a, title in self.sections)
        return (
            f'<nav class="toc"><div class="toc-title">{t("rep.toc", self.lang)}</div>{links}</nav>'
        )


def _cards(data: WeeklyData, lang: str) -> str:
    out = []
    for key in HEADLINE_KEYS:
        m = BY_KEY[key]
        ch = figure_change(data, key, lang)
        prev = t("rep.col.last_week", lang) + " " + fmt(data, key, lang, "previous")
        out.append(
            f'<td class="slot"><div class="card"><div class="label">{escape(m.label(lang))}</div>'
            f'<div class="value">{escape(fmt(data, key, lang))}</div>'
            f'<div class="delta">{_verdict(ch.signed, ch.verdict)} '
            f'<span class="muted">{escape(prev)}</span></div></div></td>'
        )
    rows = "".join(f"<tr>{''.join(out[i : i + 3])}</tr>" for i in range(0, len(out), 3))
    return f'<table class="cards">{rows}</table>'


def _figures_table(data: WeeklyData, lang: str) -> str:
    headers = [
        (t("rep.col.metric", lang), False),
        (t("rep.col.this_week", lang), True),
        (t("rep.col.last_week", lang), True),
        (t("rep.col.change", lang), True),
        (t("rep.col.target", lang), True),
    ]
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if n else f"<th>{escape(h)}</th>" for h, n in headers
    )
    body = []
    for section in SECTIONS:
        zh, en = SECTION_LABELS[section]
        body.append(
            f'<tr class="group"><td colspan="5">{escape(en if lang == "en" else zh)}</td></tr>'
        )
        for key in KEYS[section]:
            m = BY_KEY[key]
            cur, prev = data.current[section][key], data.previous[section][key]
            ch = change(m, cur, prev, lang)
            target = target_of(m, data.settings)
            target_text = (
                "—"
                if target is None
                else (
                    f"≤ {m.format(target, lang)}"
                    if m.direction < 0
                    else f"≥ {m.format(target, lang)}"
                )
            )
            body.append(
                "<tr>"
                f"<td>{escape(m.label(lang))}</td>"
                f'<td class="num">{escape(m.format(cur, lang))}</td>'
                f'<td class="num">{escape(m.format(prev, lang))}</td>'
                f'<td class="num">{_verdict(ch.signed, ch.verdict)}</td>'
                f'<td class="num">{escape(target_text)}</td>'
                "</tr>"
            )
    return (
        '<table class="figures"><colgroup><col style="width:36%"><col><col><col><col>'
        "</colgroup>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _daily_pairs(data: WeeklyData) -> tuple[list[tuple[dt.date, int]], list[int], dict]:
    by_date = {g["date"]: g for g in data.daily}
    this_week = []
    last_week = []
    for day in data.week.days():
        g = by_date.get(day.isoformat())
        this_week.append((day, g["tickets"]["issued"] if g else 0))
        p = by_date.get((day - dt.timedelta(days=7)).isoformat())
        last_week.append(p["tickets"]["issued"] if p else 0)
    return this_week, last_week, by_date


def _queue(doc: _Doc, data: WeeklyData, lang: str) -> None:
    doc.section("s-queue", "rep.s.queue")
    this_week, last_week, _ = _daily_pairs(data)
    doc.add(_img(charts.daily_volumes(this_week, last_week, lang), t("rep.chart.daily", lang)))
    if not data.arrivals.is_empty():
        doc.add(_img(charts.heatmap(data.arrivals, lang), t("rep.chart.heatmap", lang)))
    if not data.waits.is_empty():
        doc.add(
            _img(
                charts.wait_distribution(
                    data.waits, data.settings.wait_target_min, WAIT_BIN_MIN, lang
                ),
                t("rep.chart.waits", lang),
            )
        )


def _cases(doc: _Doc, data: WeeklyData, lang: str) -> None:
    doc.section("s-cases", "rep.s.cases")
    as_of = _ts(data.week.as_of)
    doc.add(f"<h3>{escape(t('rep.overdue', lang))}</h3>")
    n = data.overdue.height
    if n == 0:
        doc.add(f"<p>{escape(t('rep.overdue.none', lang, as_of=as_of))}</p>")
    else:
        doc.add(f"<p>{escape(t('rep.overdue.count', lang, as_of=as_of, n=f'{n:,}'))}</p>")
        rows = []
        for r in data.overdue.head(OVERDUE_ROWS).iter_rows(named=True):
            rows.append(
                [
                    escape(r["case_id"]),
                    escape(r["item"] or "—"),
                    escape(r["department"] or "—"),
                    escape(r["window"] or "—"),
                    escape(_ts(r["accepted_at"])),
                    escape(_ts(r["due"])),
                    f'<span class="bad">{r["days_overdue"]}</span>',
                ]
            )
        doc.add(
            _table(
                [
                    (t("rep.col.case_id", lang), False),
                    (t("rep.col.item", lang), False),
                    (t("rep.col.department", lang), False),
                    (t("rep.col.window", lang), False),
                    (t("rep.col.accepted_at", lang), True),
                    (t("rep.col.due", lang), True),
                    (t("rep.col.days_overdue", lang), True),
                ],
                rows,
                ["20%", "20%", "19%", "6%", "13%", "13%", "9%"],
            )
        )
        if n > OVERDUE_ROWS:
            more = t("rep.overdue.more", lang, shown=OVERDUE_ROWS, n=f"{n:,}")
            doc.add(f'<p class="note">{escape(more)}</p>')
    _packages(doc, data, lang)
    doc.add(f"<h3>{escape(t('rep.no_cases', lang))}</h3>")
    total, missing = data.hall_department_count, data.no_case_departments
    if total == 0:
        doc.add(f"<p>{escape(t('rep.no_cases.no_departments', lang))}</p>")
    elif missing.is_empty():
        doc.add(f"<p>{escape(t('rep.no_cases.none', lang, n=total))}</p>")
    else:
        doc.add(f"<p>{escape(t('rep.no_cases.some', lang, n=total, k=missing.height))}</p>")
        items = "".join(f"<li>{escape(name)}</li>" for name in missing["name"].to_list())
        doc.add(f'<ul class="summary">{items}</ul>')


PACKAGE_ROWS = 12  # the slowest packages listed in the PDF (the workbook lists all)
PACKAGE_KEYS = (
    "bundle_applications",
    "bundle_case_share",
    "bundles_completed",
    "bundle_on_time_rate",
    "bundle_one_visit_rate",
)


def _packages(doc: _Doc, data: WeeklyData, lang: str) -> None:
    """一件事一次办: the week's package figures, the slowest package by its slowest case, and
    the slowest packages, kept on one page."""
    parts = [f"<h3>{escape(t('pk.title', lang))}</h3>"]
    packages = data.packages
    if packages.is_empty():
        parts.append(f"<p>{escape(t('pk.none', lang))}</p>")
        parts.append('<div class="keep">' + "".join(parts) + "</div>")
        return
    cases = data.current["cases"]
    figures = "；" if lang == "zh" else "; "
    parts.append(
        "<p>"
        + escape(
            figures.join(
                f"{BY_KEY[k].label(lang)} {BY_KEY[k].format(cases[k], lang)}" for k in PACKAGE_KEYS
            )
        )
        + "</p>"
    )
    slowest = packages.filter(pl.col("slowest_days").is_not_null()).head(1)
    if slowest.height:
        s = slowest.row(0, named=True)
        sentence = t(
            "pk.slowest",
            lang,
            name=s["name"],
            item=s["slowest_item"] or "—",
            case=s["slowest_case_id"],
            days=f"{s['slowest_days']:.1f}",
        )
        parts.append(f"<p>{escape(sentence)}</p>")
    rows = [
        [
            escape(r["name"]),
            f"{r['applications']:,}",
            f"{r['cases']:,}",
            f"{r['completed']:,}",
            _percent(r["on_time_rate"]),
            _percent(r["one_visit_rate"]),
            "—" if r["slowest_days"] is None else f"{r['slowest_days']:.1f}",
            escape(r["slowest_item"] or "—"),
        ]
        for r in packages.head(PACKAGE_ROWS).iter_rows(named=True)
    ]
    parts.append(
        _table(
            [
                (t("pk.package", lang), False),
                (t("pk.applications", lang), True),
                (t("pk.cases", lang), True),
                (t("pk.completed", lang), True),
                (t("pk.on_time", lang), True),
                (t("pk.one_visit", lang), True),
                (t("pk.slowest_days", lang), True),
                (t("pk.slowest_item", lang), False),
            ],
            rows,
            ["21%", "9%", "8%", "9%", "10%", "10%", "11%", "22%"],
        )
    )
    parts.append(f'<p class="note">{escape(t("pk.caption", lang))}</p>')
    doc.add('<div class="keep">' + "".join(parts) + "</div>")


def _evaluations(doc: _Doc, data: WeeklyData, lang: str) -> None:
    doc.section("s-evaluations", "rep.s.evaluations")
    _, _, by_date = _daily_pairs(data)
    days = [data.week.first - dt.timedelta(days=7 - i) for i in range(7)] + data.week.days()
    rates, counts = [], []
    for day in days:
        g = by_date.get(day.isoformat())
        rates.append(g["evaluations"]["satisfaction_rate"] if g else None)
        counts.append(g["evaluations"]["count"] if g else 0)
    if any(counts):
        doc.add(
            _img(
                charts.satisfaction_trend(
                    days, rates, counts, data.settings.satisfaction_target, lang
                ),
                t("rep.chart.satisfaction", lang),
            )
        )
    doc.add(f"<h3>{escape(t('rep.bad', lang))}</h3>")
    bad = data.bad_reviews
    if bad.is_empty():
        doc.add(f"<p>{escape(t('rep.bad.none', lang))}</p>")
        return
    doc.add(
        "<p>"
        + escape(
            t(
                "rep.bad.count",
                lang,
                n=bad.height,
                rv=data.settings.revisit_workdays,
                rc=data.settings.rectify_workdays,
            )
        )
        + "</p>"
    )
    rows = []
    as_of = data.week.as_of
    for r in bad.head(BAD_ROWS).iter_rows(named=True):
        rv_text, rv = follow_up(r["revisited_at"], r["revisit_due"], as_of, lang)
        rc_text, rc = follow_up(r["rectified_at"], r["rectify_due"], as_of, lang)
        where = " · ".join(x for x in (r["window"], r["item"]) if x) or "—"
        rows.append(
            [
                escape(f"{r['evaluated_at']:%m-%d}")
                + "<br>"
                + escape(f"{r['evaluated_at']:%H:%M}"),
                f'<span class="bad">{r["rating"]}</span>',
                escape(enum_label("evaluations", "channel", r["channel"], lang)),
                escape(where),
                escape(r["comment"] or "—"),
                f'<span class="nowrap">{_verdict(rv_text, rv)}</span>',
                f'<span class="nowrap">{_verdict(rc_text, rc)}</span>',
            ]
        )
    doc.add(
        _table(
            [
                (t("rep.col.evaluated_at", lang), False),
                (t("rep.col.rating", lang), True),
                (t("rep.col.channel", lang), False),
                (t("rep.col.window", lang) + " · " + t("rep.col.item", lang), False),
                (t("rep.col.comment", lang), False),
                (t("rep.col.revisit", lang), False),
                (t("rep.col.rectify", lang), False),
            ],
            rows,
            ["9%", "5%", "11%", "20%", "21%", "17%", "17%"],
        )
    )


def _ranking_block(rows: list[dict], key: str, lang: str, what: str) -> str:
    m = BY_KEY[key]
    ranked = [r for r in rows if r["rank"] is not None]
    unranked = [r for r in rows if r["rank"] is None]
    parts = [f"<h3>{escape(what)} · {escape(m.label(lang))}</h3>"]
    if not ranked:
        parts.append(f"<p>{escape(t('rep.rank.none', lang, what=what))}</p>")
    else:
        # best and worst never overlap: with few groups, the better half and the rest
        k = min(RANK_ROWS, (len(ranked) + 1) // 2)
        best = ranked[:k]
        worst = list(reversed(ranked[max(k, len(ranked) - RANK_ROWS) :]))
        headers = [
            (t("rep.col.rank", lang), True),
            (what, False),
            (m.label(lang), True),
            (t("rep.col.sample", lang), True),
        ]

        def table(subset: list[dict], title: str, cls: str) -> str:
            rows_html = [
                [
                    str(r["rank"]),
                    escape(str(r["name"])),
                    f'<span class="{cls}">{escape(m.format(r["value"], lang))}</span>',
                    f"{r['sample']:,}",
                ]
                for r in subset
            ]
            return (
                f'<td class="col"><p class="small muted">{escape(title)}</p>'
                + _table(headers, rows_html, ["12%", "48%", "22%", "18%"])
                + "</td>"
            )

        blocks = table(best, t("rep.rank.best", lang, n=len(best)), "good")
        if worst:
            blocks += table(worst, t("rep.rank.worst", lang, n=len(worst)), "bad")
        if not worst:
            blocks += '<td class="col"></td>'
        parts.append(f'<table class="cols"><tr>{blocks}</tr></table>')
    if unranked:
        names = (
            "、".join(str(r["name"]) for r in unranked)
            if lang == "zh"
            else ", ".join(str(r["name"]) for r in unranked)
        )
        parts.append(f'<p class="note">{escape(t("rep.rank.unranked", lang, names=names))}</p>')
    return "".join(parts)


def _rankings(doc: _Doc, data: WeeklyData, lang: str) -> None:
    doc.section("s-rankings", "rep.s.rankings")
    doc.add(
        '<p class="note">'
        + escape(
            t(
                "rep.rank.note",
                lang,
                served=data.settings.min_served,
                evals=data.settings.min_evaluations,
            )
        )
        + "</p>"
    )
    for dim, label in (("department", "rep.col.department"), ("window", "rep.col.window")):
        for key in RANKING_KEYS:
            doc.add(_ranking_block(data.rankings[dim][key], key, lang, t(label, lang)))


def _attendance(doc: _Doc, data: WeeklyData, lang: str) -> None:
    doc.section("s-attendance", "rep.s.attendance")
    rows = []
    for key in KEYS["attendance"]:
        m = BY_KEY[key]
        ch = figure_change(data, key, lang)
        rows.append(
            [
                escape(m.label(lang)),
                escape(fmt(data, key, lang)),
                escape(fmt(data, key, lang, "previous")),
                _verdict(ch.signed, ch.verdict),
            ]
        )
    doc.add(
        _table(
            [
                (t("rep.col.metric", lang), False),
                (t("rep.col.this_week", lang), True),
                (t("rep.col.last_week", lang), True),
                (t("rep.col.change", lang), True),
            ],
            rows,
            ["40%", "20%", "20%", "20%"],
        )
    )
    staffed = [g for g in data.departments if g["attendance"]["staffed_hours"]]
    if staffed:
        doc.add(f"<h3>{escape(t('rep.att.by_department', lang))}</h3>")
        keys = (
            "staffed_hours",
            "utilization",
            "late_rate",
            "absence_rate",
            "served_per_staffed_hour",
        )
        rows = [
            [escape(str(g["name"]))]
            + [escape(BY_KEY[k].format(g["attendance"][k], lang)) for k in keys]
            for g in staffed
        ]
        doc.add(
            _table(
                [(t("rep.col.department", lang), False)]
                + [(BY_KEY[k].label(lang), True) for k in keys],
                rows,
                ["30%", "16%", "13%", "13%", "13%", "15%"],
            )
        )


def _forecast(doc: _Doc, data: WeeklyData, lang: str) -> None:
    fc = data.forecast
    doc.section("s-forecast", "rep.s.forecast")
    doc.add(f'<p class="note">{escape(t("rep.forecast.note", lang))}</p>')
    if not fc.daily.is_empty():
        doc.add(_img(charts.forecast_bars(fc.daily, lang), t("rep.chart.forecast", lang)))
        cols = [c for c in ("expected", "lower", "upper") if c in fc.daily.columns]
        rows = [
            [escape(day_text(r["date"], lang))] + [f"{r[c]:,.0f}" for c in cols]
            for r in fc.daily.iter_rows(named=True)
        ]
        doc.add(
            _table(
                [(t("rep.col.date", lang), False)]
                + [(t(f"rep.col.{c}", lang), True) for c in cols],
                rows,
            )
        )
    if getattr(fc, "model", None):
        doc.add(f'<p class="note">{escape(fc.model[lang])}</p>')
    for warning in fc.warnings.get(lang, []):
        doc.add(f'<p class="note">{escape(warning)}</p>')
    doc.add(f"<h3>{escape(t('rep.forecast.staffing', lang))}</h3>")
    if fc.staffing.is_empty():
        doc.add(f"<p>{escape(t('rep.forecast.no_extended', lang))}</p>")
        return
    headers = [
        (t(f"rep.col.{c}", lang), c not in ("date", "start", "flag")) for c in STAFFING_COLUMNS
    ]
    rows = [
        [
            escape(day_text(r["date"], lang)),
            escape(r["start"]),
            f"{r['arrivals']:,.1f}",
            f"{r['windows_needed']:,}",
            "—" if r["windows_rostered"] is None else f"{r['windows_rostered']:,}",  # no roster
            _percent(r["service_level"]),
            _percent(r["service_level_rostered"]),
            escape(t(f"fc.flag.{r['flag'] or 'none'}", lang)),
        ]
        for r in fc.staffing.iter_rows(named=True)
    ]
    doc.add(_table(headers, rows))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def build_html(data: WeeklyData, lang: str, generated_at: dt.datetime) -> str:
    doc = _Doc(lang)
    week = data.week
    prev = week.previous
    doc.section("s-summary", "rep.s.summary", page_break=False)
    doc.add(_cards(data, lang))
    doc.add(f'<p class="note">{escape(t("rep.kpi.note", lang))}</p>')
    items = "".join(f"<li>{escape(line)}</li>" for line in summary(data, lang))
    doc.add(f'<ul class="summary">{items}</ul>')
    doc.section("s-figures", "rep.s.figures")
    doc.add(_figures_table(data, lang))
    _queue(doc, data, lang)
    _cases(doc, data, lang)
    _evaluations(doc, data, lang)
    _rankings(doc, data, lang)
    _attendance(doc, data, lang)
    if data.forecast is not None:
        _forecast(doc, data, lang)

    title = t("rep.title", lang, hall=data.hall["name"])
    subtitle = t(
        "rep.week",
        lang,
        year=week.year,
        number=week.number,
        first=date_text(week.first, lang),
        last=date_text(week.last, lang),
    )
    meta = t(
        "rep.generated",
        lang,
        as_of=_ts(week.as_of),
        at=_ts(generated_at),
        prev_first=prev.first.isoformat(),
        prev_last=prev.last.isoformat(),
    )
    demo = f'<div class="demo">{escape(t("rep.demo", lang))}</div>' if data.demo else ""
    whose = t("rep.scope", lang, scope=scope_text(data.scope, lang))
    head = (
        f'<h1>{escape(title)}</h1><p class="subtitle">{escape(subtitle)}</p>'
        f'<p class="meta">{escape(meta)}</p><p class="meta">{escape(whose)}</p>'
        f'<div class="rule"></div>{demo}'
    )
    html_lang = "en" if lang == "en" else "zh-CN"
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)} {escape(str(week))}</title>"
        f"<style>{_css(data, lang)}</style></head><body>"
        f"{head}{doc.toc()}{''.join(doc.parts)}</body></html>"
    )


def render_pdf(data: WeeklyData, lang: str, generated_at: dt.datetime) -> bytes:
    """The report as PDF bytes."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    charts.register_fonts()  # Noto Sans CJK must be installed: a clear error, not tofu
    html = build_html(data, lang, generated_at)
    # only the inline images: never the network
    fetcher = URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
