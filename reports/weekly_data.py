"""Everything one hall's weekly report shows, read once:
`gather(engine, hall_id, week, settings, scope=scope)`.

Every read is inside the reader's `scope` (`access.scope.Scope`): a manager's report holds their
department's figures and lists only, a viewer's no staff names; the cover and the page header
say whose scope the report contains (`scope_text`).

Figures come from `metrics.figures.compute` (exactly `hall metrics`): the week, the week before
(each with its own as_of, the end of its Sunday), the fourteen days by date, and the week by
department and by window. Lists and chart data come from `queries.report_queries`; deadlines
and follow-up status are judged with the metrics engine's calendar arithmetic, so the
overdue-case list has exactly `overdue_open` rows and the bad-review list `bad_count`.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy.engine import Connection, Engine

from access.scope import Scope
from i18n.text import scope_text  # noqa: F401  (the report's cover and header)
from metrics.bundles import PACKAGE_SCHEMA, package_table
from metrics.engine import END_OF_DAY, Deadlines, bad_review_status
from metrics.figures import compute
from metrics.rankings import rank_groups
from metrics.settings import Settings
from queries import report_queries as rq
from queries.db import calendar_frame, get_meta
from queries.metric_queries import Filters
from workdays.clock import today as hall_today

WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
WAIT_BIN_MIN = 5
# the figures rankings are shown for (best and worst groups), in the report's order
RANKING_KEYS = ("wait_mean_min", "satisfaction_rate", "on_time_rate")


class ReportError(Exception):
    """A report that cannot be made (no such hall, no data that week); the message says why."""


@dataclass(frozen=True)
class Week:
    """An ISO week (Monday–Sunday)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str, today: dt.date | None = None) -> Week:
        """`2026-W47` (or `2026W47`), or `last`: the ISO week before `today`'s (pass the
        hall's date, `clock.today(tz)`; the default zone's date without it)."""
        if text == "last":
            return cls.of((today or hall_today()) - dt.timedelta(days=7))
        match = WEEK_RE.match(text.strip())
        if not match:
            raise ValueError(f"not an ISO week (e.g. 2026-W47) or 'last': {text!r}")
        year, number = int(match[1]), int(match[2])
        try:
            dt.date.fromisocalendar(year, number, 1)
        except ValueError:
            raise ValueError(f"{year} has no ISO week {number}") from None
        return cls(year, number)

    @classmethod
    def of(cls, day: dt.date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def first(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 1)

    @property
    def last(self) -> dt.date:
        return self.first + dt.timedelta(days=6)

    @property
    def as_of(self) -> dt.datetime:
        return dt.datetime.combine(self.last, END_OF_DAY)

    @property
    def previous(self) -> Week:
        return Week.of(self.first - dt.timedelta(days=7))

    @property
    def next(self) -> Week:
        return Week.of(self.first + dt.timedelta(days=7))

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range(7)]

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"


@dataclass
class WeeklyData:
    """One hall-week: figures, lists and chart data (see the module docstring)."""

    hall: dict  # hall_id, name, level
    week: Week
    scope: Scope  # whose figures these are (the reader's access.scope.Scope)
    settings: Settings
    current: dict  # compute() of the week
    previous: dict  # compute() of the week before
    daily: list[dict]  # compute(by date) over both weeks: {"date": "YYYY-MM-DD", sections…}
    departments: list[dict]  # compute(by department) of the week, with "name"
    windows: list[dict]  # compute(by window) of the week, with "name" (the window's label)
    rankings: dict[str, dict[str, list[dict]]]  # dimension → key → rank_groups rows
    no_case_departments: pl.DataFrame  # dept_id, name
    hall_department_count: int
    overdue: pl.DataFrame  # case_id, item, department, window, staff, channel, status,
    # accepted_at, due (datetime), days_overdue (working days are not meant: calendar days)
    bad_reviews: pl.DataFrame  # bad_review_list + revisit_due, rectify_due, follow-up flags
    arrivals: pl.DataFrame  # date, hour, weekday, n
    waits: pl.DataFrame  # lower_min, n
    demo: bool
    forecast: object | None = None  # reports.forecast.Forecast when forecasting exists
    timings: dict[str, float] = field(default_factory=dict)
    # 一件事一次办: one row per package of the week (metrics.bundles.package_table)
    packages: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PACKAGE_SCHEMA))


def has_data(figures: dict) -> bool:
    """Whether a week's figures rest on any ticket, case or evaluation of the week."""
    return bool(
        figures["tickets"]["issued"]
        or figures["cases"]["accepted"]
        or figures["cases"]["completed"]
        or figures["evaluations"]["count"]
        or figures["evaluations"]["default_count"]
    )


def _period(hall_id: str, first: dt.date, last: dt.date) -> Filters:
    return Filters(first, last, dt.datetime.combine(last, END_OF_DAY), {"hall": hall_id})


def overdue_cases(open_cases: pl.DataFrame, calendar: pl.DataFrame, as_of: dt.datetime):
    """The open cases whose deadline is before as_of, most overdue first, with `due` (the
    given due_at, else the end of the working day the calendar gives, as metrics.md says) and
    `days_overdue` (calendar days from the due day to as_of's date)."""
    frame = open_cases.with_columns(
        pl.col("accepted_at").dt.date().alias("accepted_day"),
        pl.when(pl.col("kind") == "instant").then(0).otherwise(pl.col("allowed")).alias("__n"),
    )
    frame = Deadlines(calendar).add(frame, "accepted_day", "__n", "__due_day")
    due = pl.coalesce(pl.col("due_at"), pl.col("__due_day").dt.combine(pl.lit(END_OF_DAY)))
    frame = frame.with_columns(due.alias("due"))
    # metrics.md: overdue when due < as_of (a derived due is the end of its day)
    frame = frame.filter(pl.col("due") < as_of)
    return (
        frame.with_columns(
            (pl.lit(as_of.date()) - pl.col("due").dt.date()).dt.total_days().alias("days_overdue")
        )
        .sort(["due", "case_id"])
        .select(
            "case_id",
            "item",
            "department",
            "window",
            "staff",
            "channel",
            "status",
            "accepted_at",
            "due",
            "days_overdue",
        )
    )


def _named(groups: list[dict], label: str, names: dict[str, str]) -> list[dict]:
    return [{**g, "name": names.get(g[label], g[label])} for g in groups]


def gather(
    engine: Engine,
    hall_id: str,
    week: Week,
    settings: Settings,
    *,
    scope: Scope,
    with_forecast: bool = True,
    workers: int = 2,
) -> WeeklyData:
    """Read one hall-week inside `scope`. Raises OutOfScope for a hall outside it, ReportError
    when the hall does not exist or has no tickets, cases or evaluations that week (in scope).

    The week's figures come first (they decide whether there is a report at all); then the
    other four `compute` calls run on `workers` threads, each with its own connection, while
    this thread reads the lists and the chart data: the databases (and polars) do their work
    outside the GIL, so on two cores the report takes about a third less time."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + now - clock
        clock = now

    scope.narrow(hall=hall_id)  # OutOfScope: a report of a hall outside the scope
    with engine.connect() as conn:
        hall = rq.hall_info(conn, hall_id, scope=scope)
        if hall is None:
            raise ReportError(f"no hall {hall_id!r} in the halls table")
        current = compute(conn, _period(hall_id, week.first, week.last), settings, scope=scope)
    if not has_data(current):
        raise ReportError(
            f"hall {hall_id} ({hall['name']}) has no tickets, cases or evaluations in week "
            f"{week} ({week.first} … {week.last})"
        )
    lap("figures: the week")

    def figures(first: dt.date, last: dt.date, dimension: str | None = None) -> dict:
        with engine.connect() as c:
            return compute(c, _period(hall_id, first, last), settings, dimension, scope=scope)

    prev = week.previous
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report-figures") as pool:
        jobs = {
            "previous": pool.submit(figures, prev.first, prev.last),
            "daily": pool.submit(figures, prev.first, week.last, "date"),
            "department": pool.submit(figures, week.first, week.last, "department"),
            "window": pool.submit(figures, week.first, week.last, "window"),
        }
        with engine.connect() as conn:
            names = rq.names(conn, hall_id, scope=scope)
            calendar = calendar_frame(conn)
            candidates = rq.open_cases(
                conn, hall_id, week.as_of, overdue_candidates=True, scope=scope
            )
            overdue = overdue_cases(candidates, calendar, week.as_of)
            bad = rq.bad_review_list(conn, hall_id, week.first, week.last, scope=scope)
            bad = bad_review_status(bad, week.as_of, settings, Deadlines(calendar))
            no_cases = rq.departments_without_cases(
                conn, hall_id, week.first, week.last, scope=scope
            )
            hall_depts = rq.hall_departments(conn, hall_id, scope=scope).height
            arrivals = rq.arrivals_by_hour(conn, hall_id, week.first, week.last, scope=scope)
            waits = rq.wait_histogram(
                conn, hall_id, week.first, week.last, WAIT_BIN_MIN, scope=scope
            )
            demo = "demo_seed" in get_meta(conn)
            packages = package_table(
                conn, _period(hall_id, week.first, week.last), settings, scope=scope
            )
        lap("lists and chart data (beside the figures)")
        results = {name: job.result() for name, job in jobs.items()}
    lap(f"figures: week before, by date, departments, windows ({workers} threads)")
    previous = results["previous"]
    daily = results["daily"]["groups"]
    departments = _named(results["department"]["groups"], "department_id", names["department"])
    windows = _named(results["window"]["groups"], "window_id", names["window"])
    rankings = {
        dim: {key: rank_groups(groups, key, settings) for key in RANKING_KEYS}
        for dim, groups in (("department", departments), ("window", windows))
    }
    for dim, groups, label in (
        ("department", departments, "department_id"),
        ("window", windows, "window_id"),
    ):
        by_id = {g[label]: g["name"] for g in groups}
        for rows in rankings[dim].values():
            for r in rows:
                r["name"] = by_id.get(r["group"], r["group"])
    forecast = None
    if with_forecast:
        from reports.forecast import next_week_forecast

        with engine.connect() as conn:
            forecast = next_week_forecast(conn, hall_id, week.next, settings, scope=scope)
        lap("forecast")
    return WeeklyData(
        hall=hall,
        week=week,
        scope=scope,
        settings=settings,
        current=current,
        previous=previous,
        daily=daily,
        departments=departments,
        windows=windows,
        rankings=rankings,
        no_case_departments=no_cases,
        hall_department_count=hall_depts,
        overdue=overdue,
        bad_reviews=bad,
        arrivals=arrivals,
        waits=waits,
        demo=demo,
        forecast=forecast,
        timings=timings,
        packages=packages,
    )


def halls_for_week(conn: Connection, week: Week, *, scope: Scope) -> pl.DataFrame:
    """The halls of `scope` with data in the week (hall_id, name, level): a report for each."""
    return rq.halls_with_data(conn, week.first, week.last, scope=scope)
