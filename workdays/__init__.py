"""China's working-day calendar: statutory holidays, 调休 make-up working days, deadlines.

Two layers:
- `china_calendar(first, last)` builds the rows of the `calendar` table from the maintained
  `holidays` package (its `China` calendar with `weekend_workdays`).
- `WorkCalendar` answers working-day questions (is it a working day, the N-th working day after a
  date, working days between two dates) from those rows — whatever their source, so a hall that
  edited its `calendar` table gets its own answers.

The State Council announces each next year's holidays late in the year. For a year not yet
announced the `holidays` package silently returns rule-based dates without 调休 make-up days;
`last_announced_year()` and `unannounced_years()` say so plainly.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterable
from functools import cache

import polars as pl

from workdays import clock

CALENDAR_SCHEMA = {"date": pl.Date, "is_workday": pl.Boolean, "name": pl.String}

MAKEUP_WORKDAY_NAME = "调休上班"


@cache
def _china(years: tuple[int, ...]):
    """The `holidays` package's China for `years` (imported here: only seeding and the
    announcement check need it, not every command that reads the calendar table)."""
    import holidays

    return holidays.China(years=years, language="zh_CN")


@cache
def last_announced_year() -> int:
    """The last year whose 调休 make-up working days the `holidays` package knows.

    Every year since 2008 has had make-up working days, so a year without any is a year the
    State Council has not announced yet (or the installed package predates the announcement).
    """
    today = clock.today()  # which years to ask for: the hall's zone hardly matters here
    cn = _china(tuple(range(2008, today.year + 3)))
    return max(d.year for d in cn.weekend_workdays)


def unannounced_years(first: dt.date, last: dt.date) -> list[int]:
    """Years in first..last whose holidays are not announced yet (rule-based guesses only)."""
    return [y for y in range(first.year, last.year + 1) if y > last_announced_year()]


def unannounced_warning(first: dt.date, last: dt.date, lang: str = "zh") -> str | None:
    """A plain sentence (zh or en) when first..last reaches past the last announced year."""
    years = unannounced_years(first, last)
    if not years:
        return None
    known = last_announced_year()
    if lang == "en":
        listed = ", ".join(str(y) for y in years)
        return (
            f"Public holidays for {listed} are not announced yet (known through {known}): those "
            "dates follow weekends and fixed festivals only, without make-up working days. "
            "Update the calendar table once the State Council publishes them."
        )
    listed = "、".join(str(y) for y in years)
    return (
        f"{listed} 年的节假日和调休安排尚未发布（已知至 {known} 年）："
        "这些日期只按周末和法定节日规则推算，不含调休上班日，请在国务院公布后更新 calendar 表。"
    )


def unannounced_warnings(first: dt.date, last: dt.date) -> list[str]:
    """The warning in both languages, one line each, for the command line; [] when none."""
    if not unannounced_years(first, last):
        return []
    return [
        f"注意：{unannounced_warning(first, last)}",
        f"note: {unannounced_warning(first, last, 'en')}",
    ]


def china_calendar(first: dt.date, last: dt.date) -> pl.DataFrame:
    """Rows of the `calendar` table for every date first..last: columns date, is_workday, name.

    `name` is the holiday's Chinese name on days off that are holidays, "调休上班" on make-up
    working weekends, and null on ordinary days.
    """
    if last < first:
        raise ValueError(f"calendar range is empty: {first} .. {last}")
    cn = _china(tuple(range(first.year, last.year + 1)))
    makeup = set(cn.weekend_workdays)
    dates, workday, names = [], [], []
    day = first
    one = dt.timedelta(days=1)
    while day <= last:
        holiday = cn.get(day)
        if day in makeup:
            is_work, name = True, MAKEUP_WORKDAY_NAME
        elif holiday is not None:
            is_work, name = False, holiday
        else:
            is_work, name = day.weekday() < 5, None
        dates.append(day)
        workday.append(is_work)
        names.append(name)
        day += one
    return pl.DataFrame(
        {"date": dates, "is_workday": workday, "name": names}, schema=CALENDAR_SCHEMA
    )


def holiday_closures(frame: pl.DataFrame) -> set[dt.date]:
    """Days off that belong to a run of days off containing a named public holiday.

    Halls close for the whole break (e.g. 国庆 10-01..10-07, including its plain Sunday), while a
    weekend with no holiday in it is an ordinary weekend with weekend service hours.
    `frame` has columns date, is_workday, name, sorted by date.
    """
    closed: set[dt.date] = set()
    run: list[dt.date] = []
    named = False
    for day, is_work, name in frame.select("date", "is_workday", "name").iter_rows():
        if not is_work:
            run.append(day)
            named = named or bool(name)
            continue
        if named:
            closed.update(run)
        run, named = [], False
    if named:
        closed.update(run)
    return closed


def service_weekday(day: dt.date, is_workday: bool) -> int:
    """Whose service hours a date follows: a 调休 working weekend follows Monday's, any other
    date its own weekday (1 = Monday … 7 = Sunday)."""
    weekday = day.isoweekday()
    return 1 if is_workday and weekday > 5 else weekday


class WorkCalendar:
    """Working-day arithmetic over a known span of calendar rows.

    Dates outside the span raise `ValueError`: a deadline computed from a guessed calendar is
    wrong in a way nobody notices, so the caller must seed the calendar first.
    """

    def __init__(self, rows: Iterable[tuple[dt.date, bool]]):
        days = sorted(rows)
        if not days:
            raise ValueError("the calendar is empty: seed it with `hall db init` or `hall demo`")
        self.first: dt.date = days[0][0]
        self.last: dt.date = days[-1][0]
        dates = [d for d, _ in days]
        repeated = sorted({d for d, nxt in itertools.pairwise(dates) if d == nxt})
        if repeated:
            raise ValueError(f"the calendar lists a date twice: {repeated[0]}")
        expected = (self.last - self.first).days + 1
        if len(days) != expected:
            raise ValueError(
                f"the calendar has gaps between {self.first} and {self.last}: "
                f"{len(days)} rows for {expected} dates"
            )
        self._workdays: list[dt.date] = [d for d, is_work in days if is_work]
        self._workday_set = frozenset(self._workdays)

    @classmethod
    def from_frame(cls, frame: pl.DataFrame) -> WorkCalendar:
        """From a frame with columns date, is_workday (e.g. the `calendar` table)."""
        return cls(zip(frame["date"].to_list(), frame["is_workday"].to_list(), strict=True))

    @classmethod
    def china(cls, first: dt.date, last: dt.date) -> WorkCalendar:
        return cls.from_frame(china_calendar(first, last))

    def _check(self, day: dt.date) -> None:
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside the calendar ({self.first} .. {self.last})")

    def is_workday(self, day: dt.date) -> bool:
        self._check(day)
        return day in self._workday_set

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (day itself not counted); n=0 returns `day`."""
        self._check(day)
        if n == 0:
            return day
        if n < 0:
            raise ValueError("n must be >= 0")
        i = bisect.bisect_right(self._workdays, day) + n - 1
        if i >= len(self._workdays):
            raise ValueError(f"{n} working days after {day} is past the calendar's end {self.last}")
        return self._workdays[i]

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        self._check(start)
        self._check(end)
        if end <= start:
            return 0
        return bisect.bisect_right(self._workdays, end) - bisect.bisect_right(self._workdays, start)

    def next_workday(self, day: dt.date) -> dt.date:
        return self.add_workdays(day, 1)
