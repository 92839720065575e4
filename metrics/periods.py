"""Reporting periods (today, this week, last week, this month, last month, custom) and the
period before each, as date ranges; and how a change between two values of a metric reads.

Pure functions: the dashboard, the weekly report and the benchmarks agree on what "this week"
means. "Now" is the wall clock unless `HALLPULSE_NOW` (ISO date-time) fixes it, for tests and
benchmarks on a database that ends on a known day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from metrics.catalog import Metric
from workdays import clock

NOW_ENV = clock.NOW_ENV
PERIODS = ("today", "this_week", "last_week", "this_month", "last_month", "custom")
END_OF_DAY = dt.time(23, 59, 59)


def now(tz: str | None = None) -> dt.datetime:
    """The current hall-local minute (`metrics.clock`), or `$HALLPULSE_NOW` when set."""
    fixed = clock.pinned(tz)
    if fixed is not None:
        return fixed
    return clock.now(tz).replace(second=0)


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    as_of: dt.datetime  # now while the period is running, else the end of its last day

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _as_of(last: dt.date, current: dt.datetime) -> dt.datetime:
    return current if last >= current.date() else dt.datetime.combine(last, END_OF_DAY)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _shift_month(day: dt.date, months: int) -> dt.date:
    """The same day of month `months` away, clipped to that month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first_next = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    length = (first_next - dt.date(year, month + 1, 1)).days
    return dt.date(year, month + 1, min(day.day, length))


def resolve(
    kind: str,
    current: dt.datetime,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Period:
    """The dates of period `kind` at `current`; `custom` takes `first`..`last` (swapped when
    reversed). A running period ends today and is judged at `current`."""
    today = current.date()
    if kind == "today":
        a, b = today, today
    elif kind == "this_week":
        a, b = today - dt.timedelta(days=today.weekday()), today
    elif kind == "last_week":
        b = today - dt.timedelta(days=today.weekday() + 1)
        a = b - dt.timedelta(days=6)
    elif kind == "this_month":
        a, b = _month_start(today), today
    elif kind == "last_month":
        b = _month_start(today) - dt.timedelta(days=1)
        a = _month_start(b)
    elif kind == "custom":
        if first is None or last is None:
            raise ValueError("a custom period needs both dates")
        a, b = min(first, last), max(first, last)
    else:
        raise ValueError(f"unknown period {kind!r}; one of {', '.join(PERIODS)}")
    return Period(a, b, _as_of(b, current))


def previous(kind: str, period: Period) -> Period:
    """The period to compare with: the same stretch one step back. A running week or month is
    compared with the same days of the week or month before (Mon–Wed with Mon–Wed), a custom
    range with as many days just before it."""
    if kind in ("this_month", "last_month"):
        a = _shift_month(period.first, -1)
        if kind == "last_month":
            b = period.first - dt.timedelta(days=1)
        else:
            b = min(_shift_month(period.last, -1), period.first - dt.timedelta(days=1))
    else:
        step = {"today": 1, "this_week": 7, "last_week": 7}.get(kind, period.days)
        a = period.first - dt.timedelta(days=step)
        b = period.last - dt.timedelta(days=step)
    return Period(a, b, dt.datetime.combine(b, period.as_of.time()))


def delta_text(metric: Metric, value: float | None, before: float | None, lang: str) -> str | None:
    """The change from `before` to `value` as the interface shows it ("+1.2 个百分点",
    "−3.0 分钟", "+1,204"); None when either is unknown."""
    if value is None or before is None:
        return None
    change = value - before
    sign = "+" if change > 0 else "-" if change < 0 else "±"  # ASCII minus: Streamlit's arrow
    size = abs(change)
    if metric.unit == "rate":
        return f"{sign}{size * 100:.1f} " + ("个百分点" if lang == "zh" else "pp")
    if metric.unit == "count":
        return f"{sign}{size:,.0f}"
    if metric.unit == "minutes":
        return f"{sign}{size:.1f} " + ("分钟" if lang == "zh" else "min")
    if metric.unit == "hours":
        return f"{sign}{size:,.1f} " + ("小时" if lang == "zh" else "h")
    return f"{sign}{size:.2f}"


def delta_color(metric: Metric) -> str:
    """Streamlit's delta colouring for the metric's direction: up is green when higher is
    better, red when lower is better, grey when neither."""
    return {1: "normal", -1: "inverse"}.get(metric.direction, "off")
