"""The words of the weekly report, shared by the PDF and the workbook: week-over-week changes
coloured by each metric's direction, the generated summary, follow-up status of bad reviews.

Labels, formats and directions come only from `metrics.catalog` and `i18n.text`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from i18n.text import t
from metrics.catalog import BY_KEY, Metric
from queries.schema import ENUMS
from reports.weekly_data import WeeklyData

WEEKDAYS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日")}
WEEKDAYS["en"] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ZH_NUMERALS = "一二三四五六七八九十"
# the headline cards on the first page, in order
HEADLINE_KEYS = (
    "issued",
    "wait_mean_min",
    "wait_within_target_rate",
    "on_time_rate",
    "overdue_open",
    "satisfaction_rate",
)


def section_number(index: int, lang: str) -> str:
    """一、 / 1  (index from 1)."""
    return f"{ZH_NUMERALS[index - 1]}、" if lang == "zh" else f"{index} "


def weekday_name(day: dt.date | int, lang: str) -> str:
    n = day if isinstance(day, int) else day.isoweekday()
    return WEEKDAYS["en" if lang == "en" else "zh"][n - 1]


def day_text(day: dt.date, lang: str) -> str:
    """`11月16日（周一）` / `Mon 16 Nov`."""
    if lang == "en":
        return f"{weekday_name(day, lang)} {day.day} {day:%b}"
    return f"{day.month}月{day.day}日（{weekday_name(day, lang)}）"


def date_text(day: dt.date, lang: str) -> str:
    return day.isoformat() if lang == "en" else f"{day.year}年{day.month}月{day.day}日"


def enum_label(table: str, column: str, code: str | None, lang: str) -> str:
    if code is None:
        return "—"
    zh, en = ENUMS.get((table, column), {}).get(code, (code, code))
    return en if lang == "en" else zh


def target_of(metric: Metric, settings) -> float | None:
    return None if metric.target is None else getattr(settings, metric.target)


def meets_target(metric: Metric, value: float | None, settings) -> bool | None:
    """Whether the value meets the metric's target (None when there is no target or value)."""
    target = target_of(metric, settings)
    if target is None or value is None:
        return None
    return value <= target if metric.direction < 0 else value >= target


@dataclass(frozen=True)
class Change:
    """A week-over-week change: its text ("较上周" wording is the caller's), its signed text
    for a table, and whether it is better (+1), worse (-1) or neither (0)."""

    text: str
    signed: str
    verdict: int
    delta: float | None


# decimals a figure is shown with, per unit (rates as fractions: 0.1% = 3 decimals)
DECIMALS = {"count": 0, "rate": 3, "minutes": 1, "hours": 1, "rating": 2, "per_hour": 2}


def _amount(metric: Metric, delta: float, lang: str) -> str:
    if metric.unit == "rate":
        return t("rep.chg.pp", lang, v=f"{abs(delta) * 100:.1f}")
    return metric.format(abs(delta), lang)


def change(metric: Metric, current: float | None, previous: float | None, lang: str) -> Change:
    """The change from the week before between the figures as shown (98.9% after 99.0% is
    0.1 points lower, whatever the digits behind), so text and table always agree."""
    if current is None or previous is None:
        return Change(t("rep.chg.none", lang), "—", 0, None)
    digits = DECIMALS.get(metric.unit, 2)
    delta = round(round(current, digits) - round(previous, digits), digits)
    if delta == 0:
        return Change(t("rep.chg.same", lang), "±0", 0, 0.0)
    up = delta > 0
    if metric.unit in ("minutes", "hours"):
        word = "rep.chg.longer" if up else "rep.chg.shorter"
    elif metric.unit == "count":
        word = "rep.chg.more" if up else "rep.chg.fewer"
    else:
        word = "rep.chg.higher" if up else "rep.chg.lower"
    amount = _amount(metric, delta, lang)
    if metric.unit == "count" and previous:
        amount += f"（{delta / previous:+.1%}）" if lang == "zh" else f" ({delta / previous:+.1%})"
    sign = "+" if up else "−"
    signed = sign + (
        f"{abs(delta) * 100:.1f} pp" if metric.unit == "rate" else metric.format(abs(delta), lang)
    )
    verdict = 0 if metric.direction == 0 else (1 if up == (metric.direction > 0) else -1)
    return Change(t(word, lang, v=amount), signed, verdict, delta)


def figure_change(data: WeeklyData, key: str, lang: str) -> Change:
    m = BY_KEY[key]
    return change(m, data.current[m.section][key], data.previous[m.section][key], lang)


def fmt(data: WeeklyData, key: str, lang: str, which: str = "current") -> str:
    m = BY_KEY[key]
    figures = data.current if which == "current" else data.previous
    return m.format(figures[m.section][key], lang)


def peak(data: WeeklyData) -> tuple[dt.date, int, int] | None:
    """(busiest day, its tickets, the hour with most tickets in the week) or None."""
    if data.arrivals.is_empty():
        return None
    by_day = data.arrivals.group_by("date").agg(pl.col("n").sum()).sort(["n", "date"])
    by_hour = data.arrivals.group_by("hour").agg(pl.col("n").sum()).sort(["n", "hour"])
    return by_day["date"][-1], int(by_day["n"][-1]), int(by_hour["hour"][-1])


def summary(data: WeeklyData, lang: str) -> list[str]:
    """The generated summary: one plain sentence per theme, figures as `hall metrics` has them."""
    f = lambda key: fmt(data, key, lang)  # noqa: E731
    c = lambda key: figure_change(data, key, lang).text  # noqa: E731
    lines = []
    cur = data.current
    if cur["tickets"]["issued"]:
        lines.append(
            t(
                "rep.sum.volume",
                lang,
                issued=f("issued"),
                change=c("issued"),
                served=f("served"),
                abandon=f("abandon_rate"),
            )
        )
        lines.append(
            t(
                "rep.sum.wait",
                lang,
                mean=f("wait_mean_min"),
                change=c("wait_mean_min"),
                within=f("wait_within_target_rate"),
                target=f"{data.settings.wait_target_min:g}",
                max=f("wait_max_min"),
            )
        )
        top = peak(data)
        if top:
            day, n, hour = top
            lines.append(
                t(
                    "rep.sum.peak",
                    lang,
                    day=day_text(day, lang),
                    n=f"{n:,}",
                    hour=f"{hour:02d}:00–{hour + 1:02d}:00",
                )
            )
    if cur["cases"]["accepted"] or cur["cases"]["completed"] or cur["cases"]["overdue_open"]:
        lines.append(
            t(
                "rep.sum.cases",
                lang,
                accepted=f("accepted"),
                completed=f("completed"),
                on_time=f("on_time_rate"),
                change=c("on_time_rate"),
                overdue=f("overdue_open"),
                soon=f("due_soon_open"),
            )
        )
    if cur["evaluations"]["count"]:
        lines.append(
            t(
                "rep.sum.evaluations",
                lang,
                count=f("count"),
                rate=f("satisfaction_rate"),
                change=c("satisfaction_rate"),
                bad=f("bad_count"),
                revisit=f("bad_revisited_on_time_rate"),
            )
        )
    if cur["attendance"]["staffed_hours"]:
        lines.append(
            t(
                "rep.sum.attendance",
                lang,
                hours=f("staffed_hours"),
                util=f("utilization"),
                late=f("late_rate"),
                absent=f("absence_rate"),
            )
        )
    return lines


def _stamp(value: dt.datetime) -> str:
    return f"{value:%m-%d %H:%M}"


def follow_up(
    done_at: dt.datetime | None, due: dt.datetime | None, as_of: dt.datetime, lang: str
) -> tuple[str, int]:
    """A bad review's return call or rectification at as_of: (text, verdict +1 done on time,
    0 pending, -1 late or missed)."""
    done = done_at is not None and done_at <= as_of
    due_text = "—" if due is None else f"{due:%m-%d}"
    if done:
        on_time = due is not None and done_at <= due
        key = "rep.fu.done_on_time" if on_time else "rep.fu.done_late"
        return t(key, lang, at=_stamp(done_at)), 1 if on_time else -1
    if due is not None and as_of > due:
        return t("rep.fu.missed", lang, due=due_text), -1
    return t("rep.fu.pending", lang, due=due_text), 0
