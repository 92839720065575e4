"""The big screen's look: its style sheet and the HTML of its panels, its one chart included.

No Streamlit here: every function takes figures and returns an HTML string (the hourly chart
is an SVG image in a data URL: a wall screen loads no chart library, and the chart is redrawn
with the rest on each refresh).
Sizes are in `vw` (1vw = 19.2 px at 1920×1080), so the layout is the same on a 1080p and a 4K
screen and text stays legible from across the room (figures 80 px, labels 26 px at 1080p).
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape

import polars as pl

from charts import theme
from charts.spark import svg_image
from i18n.text import age_text, t
from metrics.catalog import BY_KEY, Metric
from metrics.live import LIVE_BY_KEY
from metrics.screen import LiveFigures, PeriodFigures
from metrics.settings import Settings

BG = "#070c16"
PANEL = "#0f1726"
EDGE = "#1e2a3f"
TEXT = "#e8eef6"
MUTED = "#8fa0b8"
ACCENT = "#56B4E9"  # palette sky
WARN = "#E69F00"  # palette orange
BAD = "#FF7A45"  # vermillion, lightened for a dark background
GOOD = "#2BC4A0"  # bluish green, lightened for a dark background
# Heights of the panels under the KPI row, in vw: at 16:9 the three columns are 40.6vw high
# (1080 px less header, KPI row and margins at 1920 px); 0.6vw is the gap between two panels.
COLUMN_VW = 40.6
GAP_VW = 0.6
QUALITY_VW = 17.3  # left: the chart above the quality grid
CHART_PANEL_VW = COLUMN_VW - QUALITY_VW - GAP_VW
RANK_VW = 22.4  # right: the ranking above the latest calls
CALLS_VW = COLUMN_VW - RANK_VW - GAP_VW
RANK_ROWS = 9
CALL_ROWS = 6

CSS = f"""
<style>
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{ background: {BG}; }}
header[data-testid="stHeader"], [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"], footer {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{
  max-width: 100% !important; padding: 0.9vw 1.1vw 0 1.1vw !important;
}}
[data-testid="stMain"] {{ overflow: hidden !important; }}
[data-testid="stVerticalBlock"] {{ gap: {GAP_VW}vw !important; }}
[data-testid="stHorizontalBlock"] {{ gap: 0.7vw !important; flex-wrap: nowrap !important; }}
.bs {{ color: {TEXT}; font-family: {theme.FONT}; line-height: 1.2; }}
.bs * {{ box-sizing: border-box; }}
.bs-head {{ display: flex; align-items: center; justify-content: space-between;
  gap: 1.5vw; height: 4.1vw; }}
.bs-hall {{ font-size: 2.05vw; font-weight: 700; letter-spacing: 0.08em; white-space: nowrap; }}
.bs-tag {{ display: inline-block; font-size: 0.95vw; font-weight: 600; padding: 0.15vw 0.6vw;
  border-radius: 0.3vw; margin-left: 0.8vw; vertical-align: middle; letter-spacing: 0.05em; }}
.bs-tag.demo {{ background: #3d2c00; color: {WARN}; border: 1px solid {WARN}; }}
.bs-tag.open {{ background: #05372d; color: {GOOD}; border: 1px solid {GOOD}; }}
.bs-tag.closed {{ background: #1d2636; color: {MUTED}; border: 1px solid {MUTED}; }}
.bs-stale {{ flex: 1; background: #4a1605; border: 2px solid {BAD}; color: #ffd9c9;
  font-size: 1.05vw; font-weight: 600; padding: 0.45vw 0.9vw; border-radius: 0.4vw;
  overflow: hidden; max-height: 3.6vw; }}
.bs-down {{ flex: 1; background: #3b0a0a; border: 2px solid #ff4d4f; color: #ffe1e1;
  font-size: 1.25vw; font-weight: 700; padding: 0.45vw 0.9vw; border-radius: 0.4vw; }}
/* the last good figures while the database is unreachable: greyed out */
.st-key-bs-greyed {{ filter: grayscale(1) opacity(0.45); }}
.bs-clock {{ text-align: right; white-space: nowrap; }}
.bs-clock .time {{ font-size: 2.05vw; font-weight: 700; font-variant-numeric: tabular-nums; }}
.bs-clock .date {{ font-size: 1.0vw; color: {MUTED}; }}
.bs-kpis {{ display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 0.7vw; }}
.bs-kpi {{ background: {PANEL}; border: 1px solid {EDGE}; border-radius: 0.6vw;
  padding: 0.6vw 1vw 0.7vw 1vw; border-top: 0.25vw solid {ACCENT}; }}
.bs-kpi.warn {{ border-top-color: {WARN}; }}
.bs-kpi.bad {{ border-top-color: {BAD}; }}
.bs-kpi.good {{ border-top-color: {GOOD}; }}
.bs-label {{ font-size: 1.3vw; color: {MUTED}; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
.bs-value {{ font-size: 4.1vw; font-weight: 700; font-variant-numeric: tabular-nums;
  line-height: 1.05; white-space: nowrap; }}
.bs-value .unit {{ font-size: 1.5vw; font-weight: 500; color: {MUTED}; margin-left: 0.3vw; }}
.bs-note {{ font-size: 1.0vw; color: {MUTED}; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
.bs-panel {{ background: {PANEL}; border: 1px solid {EDGE}; border-radius: 0.6vw;
  padding: 0.7vw 0.9vw; overflow: hidden; }}
.bs-title {{ font-size: 1.3vw; font-weight: 700; margin-bottom: 0.45vw; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }}
.bs-title .sub {{ font-weight: 400; color: {MUTED}; font-size: 1.0vw; margin-left: 0.5vw; }}
.bs-grid {{ display: grid; grid-template-columns: minmax(0, 1.3fr) repeat(2, minmax(0, 1fr));
  gap: 0.4vw 1vw; height: calc(100% - 2.2vw); align-content: space-evenly; }}
.bs-grid .bs-value {{ font-size: 3.0vw; }}
.bs-grid .bs-label {{ font-size: 1.15vw; }}
.bs-table {{ width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }}
.bs-table th {{ font-size: 1.0vw; color: {MUTED}; font-weight: 500; text-align: right;
  padding: 0 0.3vw 0.3vw 0.3vw; border-bottom: 1px solid {EDGE}; white-space: nowrap; }}
.bs-table th:first-child, .bs-table td:first-child {{ text-align: left; }}
.bs-table td {{ font-size: 1.4vw; text-align: right; padding: 0.52vw 0.3vw;
  border-bottom: 1px solid #162034; white-space: nowrap; }}
.bs-table td.name {{ max-width: 10vw; overflow: hidden; text-overflow: ellipsis; }}
.bs-table td.big {{ font-size: 1.8vw; font-weight: 700; }}
.bs-table tr.warn td.big {{ color: {WARN}; }}
.bs-table tr.bad td.big {{ color: {BAD}; }}
.bs-table tr.idle td {{ color: {MUTED}; }}
.bs-prefix {{ display: inline-block; min-width: 1.9vw; text-align: center; font-weight: 700;
  background: #17345a; color: {ACCENT}; border-radius: 0.25vw; margin-right: 0.5vw;
  padding: 0 0.25vw; }}
.bs-rank {{ display: grid; grid-template-columns: 2vw 1fr 5.3vw; align-items: center;
  column-gap: 0.5vw; row-gap: 0.15vw; font-size: 1.15vw; padding: 0.18vw 0 0.22vw 0; }}
.bs-rank .no {{ font-weight: 700; color: {ACCENT}; text-align: center; }}
.bs-rank .name {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.bs-rank .val {{ text-align: right; font-weight: 700; font-variant-numeric: tabular-nums; }}
.bs-rank .bar {{ grid-column: 2 / 4; height: 0.24vw; background: #1a2438; border-radius: 0.2vw; }}
.bs-rank .bar > div {{ height: 100%; background: {ACCENT}; border-radius: 0.2vw; }}
.bs-rank.small .no, .bs-rank.small .val {{ color: {MUTED}; font-weight: 500; }}
.bs-rank.small .val {{ font-size: 1.0vw; }}
.bs-call {{ display: grid; grid-template-columns: 5.2vw 1fr auto; align-items: baseline;
  column-gap: 0.6vw; padding: 0.2vw 0; border-bottom: 1px solid #162034; font-size: 1.2vw; }}
.bs-call .tk {{ font-size: 1.5vw; font-weight: 700; color: {ACCENT};
  font-variant-numeric: tabular-nums; }}
.bs-call .who {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.bs-call .at {{ color: {MUTED}; font-size: 1.0vw; font-variant-numeric: tabular-nums; }}
.bs-empty {{ color: {MUTED}; font-size: 1.2vw; padding: 1vw 0; }}
.bs-chart {{ display: flex; flex-direction: column; }}
.bs-chart .bs-title {{ margin-bottom: 0.2vw; }}
.bs-legend {{ display: flex; gap: 1.4vw; font-size: 1.0vw; color: {TEXT}; white-space: nowrap;
  overflow: hidden; }}
.bs-legend .sw {{ display: inline-block; width: 1.6vw; margin-right: 0.4vw;
  vertical-align: middle; }}
.bs-legend .sw.bar {{ height: 0.8vw; border-radius: 0.1vw; }}
.bs-legend .sw.line {{ border-top: 0.22vw solid; }}
.bs-legend .sw.dot {{ border-top: 0.22vw dotted; }}
.bs-chart-svg {{ flex: 1 1 0; min-height: 0; width: 100%; object-fit: contain; }}
</style>
"""


# English labels run about half as long again as Chinese ones: smaller, to keep them whole
CSS_EN = """
<style>
.bs-label { font-size: 1.1vw; }
.bs-note { font-size: 0.92vw; }
.bs-grid .bs-label { font-size: 0.95vw; }
.bs-title { font-size: 1.15vw; }
</style>
"""


def style_sheet(lang: str) -> str:
    """The page's CSS (dark, no sidebar or toolbar, sizes in vw) for the language."""
    return CSS + (CSS_EN if lang == "en" else "")


def number_parts(metric: Metric, value, lang: str) -> tuple[str, str]:
    """The catalog's formatting of `value`, split into the number and its unit."""
    text = metric.format(value, lang)
    if value is None:
        return text, ""
    if metric.unit == "rate":
        return text.removesuffix("%"), "%"
    if " " in text:
        number, unit = text.split(" ", 1)
        return number, unit
    return text, ""


def _figure(key: str) -> Metric:
    return LIVE_BY_KEY.get(key) or BY_KEY[key]


def _value_html(metric: Metric, value, lang: str) -> str:
    number, unit = number_parts(metric, value, lang)
    unit_html = f'<span class="unit">{escape(unit)}</span>' if unit else ""
    return f'<div class="bs-value">{escape(number)}{unit_html}</div>'


def _tile(key: str, value, lang: str, note: str = "", tone: str = "", label: str = "") -> str:
    metric = _figure(key)
    return (
        f'<div class="bs-kpi {tone}" data-key="{key}">'
        f'<div class="bs-label">{escape(label or metric.label(lang))}</div>'
        f"{_value_html(metric, value, lang)}"
        f'<div class="bs-note">{escape(note) or "&nbsp;"}</div></div>'
    )


def _tone(value, target, direction: int, warn_band: float = 0.0) -> str:
    """good / warn / bad against a target (higher is better when direction > 0)."""
    if value is None or target is None:
        return ""
    gap = (value - target) * (1 if direction > 0 else -1)
    if gap >= 0:
        return "good"
    return "warn" if gap >= -warn_band else "bad"


def date_text(now: dt.datetime, lang: str) -> str:
    weekday = t("screen.weekday", lang)
    if lang == "en":
        return f"{weekday.split()[now.weekday()]} {now.day} {now:%b %Y}"
    return f"{now.year}年{now.month}月{now.day}日 星期{weekday[now.weekday()]}"


def header_html(
    hall_name: str,
    live: LiveFigures,
    demo: bool,
    lang: str,
    refresh_s: float,
    stale_after_min: float,
    down_since: dt.datetime | None = None,
) -> str:
    """The title bar; with `down_since`, the database is unreachable and the figures below
    are those of `live.now` (shown greyed out), said in place of everything else."""
    tags = ""
    if demo:
        tags += f'<span class="bs-tag demo">{escape(t("screen.demo", lang))}</span>'
    state = "open" if live.is_open else "closed"
    tags += f'<span class="bs-tag {state}">{escape(t(f"screen.{state}", lang))}</span>'
    middle = '<div style="flex:1"></div>'
    if live.stale:
        age = (live.now - live.newest).total_seconds() / 60 if live.newest else None
        message = t(
            "screen.stale",
            lang,
            age=age_text(age, lang) if live.newest else t("screen.no_tickets", lang),
            time=live.newest.strftime("%H:%M") if live.newest else "—",
            minutes=int(stale_after_min),
        )
        middle = f'<div class="bs-stale" role="alert">⚠ {escape(message)}</div>'
    if down_since is not None:
        shown = t("db.down.screen_at", lang, at=live.now.strftime("%H:%M:%S"))
        message = f"{t('db.down.screen', lang)} · {shown}"
        middle = f'<div class="bs-down" role="alert">⚠ {escape(message)}</div>'
    updated = t("screen.updated", lang, time=live.now.strftime("%H:%M:%S"))
    every = t("screen.every", lang, seconds=f"{refresh_s:g}")
    return (
        '<div class="bs bs-head">'
        f'<div class="bs-hall">{escape(hall_name)}{tags}</div>{middle}'
        f'<div class="bs-clock"><div class="time">{live.now:%H:%M}</div>'
        f'<div class="date">{escape(date_text(live.now, lang))} · {escape(updated)}'
        f" · {escape(every)}</div></div></div>"
    )


def down_html(lang: str) -> str:
    """The whole screen when the database is unreachable and nothing was read yet."""
    return (
        '<div class="bs bs-head"><div class="bs-down" role="alert">'
        f"⚠ {escape(t('db.down.screen', lang))} · {escape(t('db.down', lang))}</div></div>"
    )


def _when(prefix_key: str, key: str, lang: str) -> str:
    """A catalog label placed in time: 今日取号量, 本月好评率; Tickets issued today."""
    if lang == "en":
        return f"{_figure(key).label(lang)} ({t(prefix_key + '.short', lang)})"
    return f"{t(prefix_key, lang)}{_figure(key).label(lang)}"


def _note(key: str, value, lang: str, label: str = "") -> str:
    """A small line under a figure: another figure with its label."""
    return f"{label or _figure(key).label(lang)} {_figure(key).format(value, lang)}"


def kpi_html(live: LiveFigures, settings: Settings, lang: str) -> str:
    tickets, hall = live.today["tickets"], live.hall
    target_min = settings.wait_target_min
    rate = tickets["wait_within_target_rate"]
    longest = hall["wait_now_max_min"]
    target_note = t("screen.target", lang, value=f"{settings.wait_target_rate:.0%}")
    tiles = [
        _tile("issued", tickets["issued"], lang, label=_when("screen.today", "issued", lang)),
        _tile(
            "served",
            tickets["served"],
            lang,
            note=_note("serving_now", hall["serving_now"], lang),
            label=_when("screen.today", "served", lang),
        ),
        _tile(
            "waiting_now",
            hall["waiting_now"],
            lang,
            note=_note("open_windows", hall["open_windows"], lang),
        ),
        _tile(
            "wait_now_mean_min",
            hall["wait_now_mean_min"],
            lang,
            note=_note(
                "wait_mean_min",
                tickets["wait_mean_min"],
                lang,
                _when("screen.today", "wait_mean_min", lang),
            ),
        ),
        _tile(
            "wait_now_max_min",
            longest,
            lang,
            note=_note(
                "wait_max_min",
                tickets["wait_max_min"],
                lang,
                _when("screen.today", "wait_max_min", lang),
            ),
            tone=_tone(longest, target_min, -1, target_min / 2),
        ),
        _tile(
            "wait_within_target_rate",
            rate,
            lang,
            note=f"{target_note} · ≤ {target_min:g} {t('screen.minutes', lang)}",
            tone=_tone(rate, settings.wait_target_rate, 1, 0.05),
            label=_when("screen.today", "wait_within_target_rate", lang),
        ),
    ]
    return f'<div class="bs bs-kpis">{"".join(tiles)}</div>'


def quality_html(live: LiveFigures, period: PeriodFigures, settings: Settings, lang: str) -> str:
    """Satisfaction today and this month, bad reviews pending, on-time rate and open cases."""
    today, evals, cases = (
        live.today["evaluations"],
        period.month["evaluations"],
        period.month["cases"],
    )
    sat_target = t("screen.target", lang, value=f"{settings.satisfaction_target:.1%}")
    cells = [
        (
            "satisfaction_rate",
            today["satisfaction_rate"],
            _when("screen.today", "satisfaction_rate", lang),
            _note("count", today["count"], lang),
            "",
        ),
        (
            "satisfaction_rate",
            evals["satisfaction_rate"],
            _when("screen.month", "satisfaction_rate", lang),
            sat_target,
            "",
        ),
        (
            "bad_pending",
            period.bad_pending,
            "",
            _note("bad_overdue", evals["bad_overdue"], lang),
            WARN if period.bad_pending else "",
        ),
        (
            "on_time_rate",
            cases["on_time_rate"],
            _when("screen.month", "on_time_rate", lang),
            _note("completed", cases["completed"], lang),
            "",
        ),
        ("overdue_open", cases["overdue_open"], "", "", BAD if cases["overdue_open"] else ""),
        ("due_soon_open", cases["due_soon_open"], "", "", WARN if cases["due_soon_open"] else ""),
    ]
    tiles = []
    for key, value, label, note, color in cells:
        metric = _figure(key)
        style = f' style="color:{color}"' if color else ""
        tiles.append(
            f'<div data-key="{key}"><div class="bs-label">{escape(label or metric.label(lang))}'
            f"</div><div{style}>{_value_html(metric, value, lang)}</div>"
            f'<div class="bs-note">{escape(note) or "&nbsp;"}</div></div>'
        )
    return (
        f'<div class="bs bs-panel" style="height:{QUALITY_VW}vw">'
        f'<div class="bs-title">{escape(t("screen.quality", lang))}</div>'
        f'<div class="bs-grid">{"".join(tiles)}</div></div>'
    )


def queues_html(live: LiveFigures, settings: Settings, lang: str) -> str:
    minutes = _figure("wait_now_max_min")
    rows = []
    for q in live.queues.iter_rows(named=True):
        longest = q["wait_max_min"]
        tone = ""
        if q["waiting"] == 0 and q["open_windows"] == 0:
            tone = "idle"
        elif longest is not None and longest > settings.wait_target_min * 1.5:
            tone = "bad"
        elif longest is not None and longest > settings.wait_target_min:
            tone = "warn"
        longest_text = number_parts(minutes, longest, lang)[0] if longest is not None else "—"
        rows.append(
            f'<tr class="{tone}" data-queue="{escape(q["queue_id"])}">'
            f'<td class="name"><span class="bs-prefix">{escape(q["prefix"] or "")}</span>'
            f"{escape(q['name'])}</td>"
            f'<td class="big">{q["waiting"]:,}</td><td>{q["open_windows"]:,}</td>'
            f'<td class="big">{escape(longest_text)}</td><td>{q["issued"]:,}</td></tr>'
        )
    head = "".join(
        f"<th>{escape(t(k, lang))}</th>"
        for k in (
            "screen.col.queue",
            "screen.col.waiting",
            "screen.col.windows",
            "screen.col.longest",
            "screen.col.issued",
        )
    )
    longest_unit = t("screen.minutes", lang)
    return (
        f'<div class="bs bs-panel" style="height:{COLUMN_VW}vw">'
        f'<div class="bs-title">{escape(t("screen.queues", lang))}'
        f'<span class="sub">{escape(t("screen.queues.unit", lang, unit=longest_unit))}</span></div>'
        f'<table class="bs-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def ranking_html(period: PeriodFigures, lang: str) -> str:
    metric = BY_KEY[period.rank_key]
    rows = []
    for r in period.ranking[:RANK_ROWS]:
        if r["too_small"] or r["rank"] is None:
            rows.append(
                f'<div class="bs-rank small"><div class="no">·</div>'
                f'<div class="name">{escape(r["name"])}</div>'
                f'<div class="val">{escape(t("screen.too_small", lang))}</div></div>'
            )
            continue
        share = r["value"] if metric.unit == "rate" else None
        bar = ""
        if share is not None:
            width = max(0.0, min(1.0, share)) * 100
            bar = f'<div class="bar"><div style="width:{width:.1f}%"></div></div>'
        rows.append(
            f'<div class="bs-rank"><div class="no">{r["rank"]}</div>'
            f'<div class="name">{escape(r["name"])}</div>'
            f'<div class="val">{escape(metric.format(r["value"], lang))}</div>{bar}</div>'
        )
    body = "".join(rows) or f'<div class="bs-empty">{escape(t("screen.ranking.empty", lang))}</div>'
    title = t("screen.ranking", lang, metric=metric.label(lang))
    return (
        f'<div class="bs bs-panel" style="height:{RANK_VW}vw">'
        f'<div class="bs-title">{escape(title)}</div>{body}</div>'
    )


def calls_html(live: LiveFigures, lang: str) -> str:
    rows = []
    for c in live.calls.head(CALL_ROWS).iter_rows(named=True):
        who = " ".join(x for x in (c["window"], c["staff"]) if x)
        rows.append(
            f'<div class="bs-call"><div class="tk">{escape(c["ticket_no"] or "")}</div>'
            f'<div class="who">→ {escape(who)} · {escape(c["queue"])}</div>'
            f'<div class="at">{c["called_at"]:%H:%M}</div></div>'
        )
    body = "".join(rows) or f'<div class="bs-empty">{escape(t("screen.calls.empty", lang))}</div>'
    return (
        f'<div class="bs bs-panel" style="height:{CALLS_VW:.1f}vw">'
        f'<div class="bs-title">{escape(t("screen.calls", lang))}</div>{body}</div>'
    )


# the hourly chart's drawing units: the panel is about 37.7vw × 18.5vw inside, so one unit is
# about 0.047vw and its labels (21 units) are as large as the panels' notes (1.0vw)
CHART_W, CHART_H = 800, 392
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 64, 10, 12, 36
CHART_FONT = 21
BAR_SHARE = 0.75  # of an hour's width
BAND_FILL = "rgba(43,196,160,0.16)"


def _nice_step(top: float, ticks: int) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^k) that covers `top` in about `ticks` steps."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _segments(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of points without a gap (a None breaks the line, as an hour without figures)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    return [run for run in runs if run]


def _path(run: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in run)


def hourly_html(live: LiveFigures, lang: str, forecast: pl.DataFrame | None = None) -> str:
    """The panel of tickets issued per hour today (bars) against the same weekday last week
    (dotted line) and, when there is one, today's forecast (hour, yhat, yhat_lower,
    yhat_upper: line and 80 % band), drawn as one SVG image: a wall screen loads no chart
    library and redraws it with the rest of its HTML on each refresh."""
    frame = live.hourly
    today = dict(zip(frame["hour"].to_list(), frame["today"].to_list(), strict=True))
    last = dict(zip(frame["hour"].to_list(), frame["last_week"].to_list(), strict=True))
    shown = forecast is not None and not forecast.is_empty()
    hours = sorted(set(today) | (set(forecast["hour"].to_list()) if shown else set()))
    last_week = (live.now - dt.timedelta(days=7)).date()
    names = {
        "today": t("screen.hourly.today", lang),
        "forecast": t("screen.hourly.forecast", lang),
        "last_week": t(
            "screen.hourly.last_week",
            lang,
            date=f"{last_week.month}/{last_week.day}"
            if lang == "en"
            else f"{last_week.month}月{last_week.day}日",
        ),
    }
    values = [v for v in (*today.values(), *last.values()) if v is not None]
    if shown:
        values += [v for v in forecast["yhat_upper"].to_list() if v is not None]
    highest = max(values, default=0)
    step = _nice_step(highest, ticks=5)
    top = max(highest * 1.05, step)  # a little room above the highest, as a chart's autorange
    plot_w = CHART_W - CHART_LEFT - CHART_RIGHT
    plot_h = CHART_H - CHART_TOP - CHART_BOTTOM
    band = plot_w / max(len(hours), 1)
    x_of = {h: CHART_LEFT + band * (i + 0.5) for i, h in enumerate(hours)}

    def y_of(value: float) -> float:
        return CHART_TOP + plot_h * (1 - value / top)

    def predicted(column: str) -> list[tuple[float, float]]:
        pairs = zip(forecast["hour"].to_list(), forecast[column].to_list(), strict=True)
        return [(x_of[h], y_of(v)) for h, v in pairs if v is not None]

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_W} {CHART_H}" '
        f'width="{CHART_W}" height="{CHART_H}" font-family="{escape(theme.FONT)}" '
        f'font-size="{CHART_FONT}">'
    ]
    tick = 0.0
    while tick <= top + 1e-9:  # the grid and its labels
        y = y_of(tick)
        parts.append(
            f'<line x1="{CHART_LEFT}" x2="{CHART_W - CHART_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{EDGE}" stroke-width="1.5"/>'
            f'<text x="{CHART_LEFT - 10}" y="{y + 7:.1f}" fill="{MUTED}" '
            f'text-anchor="end">{_number(tick)}</text>'
        )
        tick += step
    label_every = 1 if len(hours) <= 13 else 2  # labels stay horizontal and apart
    for i, hour in enumerate(hours):
        if i % label_every == 0:
            parts.append(
                f'<text x="{x_of[hour]:.1f}" y="{CHART_H - 8}" fill="{MUTED}" '
                f'text-anchor="middle">{hour}:00</text>'
            )
    if shown:
        band_points = predicted("yhat_upper") + predicted("yhat_lower")[::-1]
        parts.append(
            f'<polygon class="forecast-band" points="{_path(band_points)}" fill="{BAND_FILL}"/>'
        )
    for hour, count in today.items():
        if count:
            y = y_of(count)
            parts.append(
                f'<rect class="today" x="{x_of[hour] - band * BAR_SHARE / 2:.1f}" y="{y:.1f}" '
                f'width="{band * BAR_SHARE:.1f}" height="{CHART_TOP + plot_h - y:.1f}" '
                f'fill="{ACCENT}" data-hour="{hour}" data-count="{count}"/>'
            )
    if shown:
        parts.append(
            f'<polyline class="forecast" points="{_path(predicted("yhat"))}" fill="none" '
            f'stroke="{GOOD}" stroke-width="4" stroke-linejoin="round"/>'
        )
    points = [(x_of[h], None if v is None else y_of(v)) for h, v in last.items()]
    for run in _segments(points):
        parts.append(
            f'<polyline class="last-week" points="{_path(run)}" fill="none" stroke="{WARN}" '
            f'stroke-width="4" stroke-dasharray="3 7" stroke-linecap="round"/>'
        )
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{WARN}"/>' for x, y in run]
    parts.append("</svg>")
    legend = [("today", f'<i class="sw bar" style="background:{ACCENT}"></i>')]
    if shown:
        legend.append(("forecast", f'<i class="sw line" style="border-color:{GOOD}"></i>'))
    legend.append(("last_week", f'<i class="sw dot" style="border-color:{WARN}"></i>'))
    keys = "".join(f'<span class="key">{mark}{escape(names[k])}</span>' for k, mark in legend)
    title = t("screen.hourly", lang)
    return (
        f'<div class="bs bs-panel bs-chart" style="height:{CHART_PANEL_VW:.1f}vw">'
        f'<div class="bs-title">{escape(title)}</div><div class="bs-legend">{keys}</div>'
        + svg_image("".join(parts), title, css_class="bs-chart-svg")
        + "</div>"
    )
