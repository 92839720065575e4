"""Daily rollups: the metric queries' additive partials per hall and day, kept at write time.

A year of a district centre is about a million ticket, case and evaluation rows; scanning them
for every figure takes seconds on a row store. The partials of `queries.metric_queries` are
additive (counts, sums, maxima, histogram buckets), so they can be stored per hall and day and
summed for any period: a rollup row is exactly what the raw query would return for that hall,
day and member, and a period is its rolled days read from the rollups plus the rest (today,
days never rolled) read raw. The figures are therefore the same either way; the tests compare
both on every backend.

- Only closed days (before today) are rolled; `hallpulse_rollup_days` lists them.
- Each rollup keeps a few *members* besides hall and day (tickets: queue, window, staff,
  department). A query whose filters or grouping need anything else (an hour, an item of a
  ticket) reads that partial raw.
- What a rollup depends on besides the facts is recorded when it is built and checked when it
  is read: the wait target (`wait_within`), the extended-hours boundaries (segments), the
  closing times (after-close segments), the calendar completion was judged on (it is kept as
  sums: on time by the working days allowed, working days used; `_JUDGED`). Coverage
  is stored by the day of a ticket's first evaluation, so it serves any `as_of` at the end of a
  day alone; for an `as_of` inside a day it serves the days before, and the tickets first
  evaluated that day up to `as_of` are counted from that day's evaluations
  (`ticket_first_evaluated_since`).
- They are built in the database: `rebuild` runs each partial's SELECT (the raw query at
  grain hall × day × members) inside `INSERT … SELECT … GROUP BY`, so no row passes through
  Python (`_build_frames` reads the same SELECTs into frames: the definition the tests hold
  the tables to). Completion and the 一件事 applications done pass through Python: their
  day-level rows (the packages' cases) are read, judged on the calendar with the code the
  figures use for the days read raw, and inserted. An application is counted on the day of
  its last completion, so a write to one of its cases touches the days of all of them
  (`_with_application_days`).
- Writers keep them current: `hall import` and `hall sync` mark stale the rollups of the days
  a write touches in its own transaction (`invalidate_after_write`: the days of the new and
  changed rows and of the stored rows they replace, `old_fact_days`; only the rollups that
  read the table written; every rollup and day when a reference table changed) and rebuild
  them in that transaction before it commits, `hall demo` builds its days,
  `hall demo --follow` rebuilds a closed day it changes (`refresh_days`), and `hall db rollup`
  rebuilds on demand, e.g. after writing to the tables by other means.
- Three rollups are read by pages rather than by `metric_inputs`: `waits` holds the called
  tickets per issue and call day and quarter-hour, for 考勤与饱和度's people waiting
  (`queries.occupancy`); `ratings` the active evaluations per channel and rating, for
  好差评 (`queries.ratings`); `unlinked` keeps, a row each, the soft links of the rolled days that
  pointed nowhere when they were built (`queries.links`), which the data-quality checks count
  instead of joining every row to the tables the links point to (`queries.quality`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import visitors

from access.scope import Scope, scope_filter
from queries import details, links
from queries import metric_queries as mq
from queries import schema as s
from queries.db import bulk_insert, calendar_frame, get_meta, set_meta
from queries.dialect import key_chunks, key_in
from queries.frames import read_frame
from queries.live import hall_zones
from queries.metric_queries import (
    Filters,
    _group_type,
    _sql_group,
    extended_boundaries,
    grain_column,
)
from queries.overview import service_hours_frame
from workdays import clock
from workdays.deadlines import Deadlines, calendar_key, judge_applications, judge_completion

# the columns that place a fact's rows in the rollups, and the reference tables they depend on
# (a ticket's department is its queue's, a case's kind its item's, an evaluation's department
# its item's or window's, segments the extended-hours boundaries)
FACTS = {
    "tickets": ("issued_at",),
    "cases": ("accepted_at", "completed_at"),
    "evaluations": ("evaluated_at",),
}
SHAPES_ROLLUPS = ("windows", "items", "queues", "service_hours")
WAIT_TARGET_KEY = "rollup_wait_target_s"
BOUNDARIES_KEY = "rollup_boundaries"
CLOSINGS_KEY = "rollup_closings"  # the closing times the after-close segments were cut at
CALENDAR_KEY = "rollup_calendar"  # the calendar completion was judged on (`calendar_key`)
BUILD_CHUNK_DAYS = 31
# PostgreSQL's memory for each sort or hash of a rebuild (`SET LOCAL`, its transaction only):
# with the default 4 MB a month of a hall's tickets (85 k rows) was sorted on disk before
# grouping, 0.50 s; hashed in memory, 0.26 s (2026-12-08)
BUILD_WORK_MEM = "64MB"
WAIT_SLOT_S = 900  # the waits rollup's slots: quarter-hours from midnight
# built for the whole run of days at once, not a chunk at a time: the unlinked rows join each
# chunk's facts to every row of the tables their links point to, so chunks would hash those
# tables again and again (the 92-day city: 13 s in chunks of 31 days)
WHOLE_RUN = frozenset({"unlinked"})
END_OF_DAY = dt.time(23, 59, 59)
I64 = pl.Int64()


@dataclass(frozen=True)
class RollupSpec:
    """How one partial of `MetricInputs` is stored: its table, the dimensions kept besides hall
    and day, the partial's own group columns, and its value columns (the table's remaining
    columns: maxima where named, sums otherwise)."""

    name: str
    table: sa.Table
    members: tuple[str, ...]
    extras: dict[str, pl.DataType] = field(default_factory=dict)
    maxima: tuple[str, ...] = ()
    kept_by: tuple[str, ...] = ()  # columns that only select rows (coverage: first_eval_day)
    max_types: dict[str, pl.DataType] = field(default_factory=dict)  # maxima that are not counts

    @property
    def sums(self) -> tuple[str, ...]:
        keys = {"day", "hall_id", *self.members, *self.extras, *self.maxima, *self.kept_by}
        return tuple(c.name for c in self.table.c if c.name not in keys)


TICKET_MEMBERS = ("queue", "window", "staff", "department")
INTAKE_MEMBERS = ("item", "department", "bundle", "channel")
COMPLETION_MEMBERS = ("department", "item", "bundle")
# the members each rollup holds, recorded when they are built (`MEMBERS_KEY`); rollups built
# before the record held these (a database not rebuilt since is read raw where they fall short)
MEMBERS_KEY = "rollup_members"
# a write's stale rollups not rebuilt yet (`invalidate_after_write`): while set, read raw
PENDING_KEY = "rollup_pending"
BUILT_BEFORE_MEMBERS = {"intake": ("item", "department"), "completion": ("department",)}
# rollups added after the record began: a database rolled before one of them was added has
# an empty table for it (made by `hall db init`) and a record without its name, so it is read
# raw until built (`build_missing`, run by `hall db init`; or the next rebuild)
RECORDED_ONLY = ("hours", "bundles", "unlinked", "waits", "ratings")
SPECS: dict[str, RollupSpec] = {
    spec.name: spec
    for spec in (
        RollupSpec("tickets", s.rollup_tickets, TICKET_MEMBERS, maxima=("wait_max_s",)),
        RollupSpec("histograms", s.rollup_histograms, (), {"kind": pl.String(), "bucket": I64}),
        # arrivals and waits per hall, day and hour: 总览's hour × weekday heatmap
        RollupSpec("hours", s.rollup_hours, (), {"hour": I64}),
        RollupSpec(
            "segments",
            s.rollup_segments,
            (),
            {"hall_id": pl.String(), "day": pl.Date(), "segment": I64},
        ),
        RollupSpec(
            "after_close",
            s.rollup_after_close,
            (),
            {"hall_id": pl.String(), "day": pl.Date(), "segment": I64},
            maxima=("last_end",),
            max_types={"last_end": pl.Datetime("us")},
        ),
        RollupSpec("coverage", s.rollup_coverage, TICKET_MEMBERS, kept_by=("first_eval_day",)),
        RollupSpec("intake", s.rollup_intake, INTAKE_MEMBERS),
        # judged on the calendar when built (`workdays.deadlines.judge_completion`): valid for
        # that calendar (CALENDAR_KEY), and summed by month like the others
        RollupSpec("completion", s.rollup_completion, COMPLETION_MEMBERS),
        # the applications done per hall and day of their last completion, judged as
        # completion is (`workdays.deadlines.judge_applications`); by hall, date, weekday
        # and the whole only (an application's figures do not add up over departments)
        RollupSpec("bundles", s.rollup_bundles, ()),
        RollupSpec("evaluations", s.rollup_evaluations, ("window", "staff", "department")),
        # 考勤与饱和度's waiting tickets per quarter-hour (`queries.occupancy`)
        RollupSpec("waits", s.rollup_waits, (), {"call_day": pl.Date(), "ka": I64, "kc": I64}),
        # 好差评's active evaluations per channel and rating (`queries.ratings`)
        RollupSpec("ratings", s.rollup_ratings, (), {"channel": pl.String(), "rating": I64}),
        # not a partial of the figures: the links that pointed nowhere when their day was
        # rolled, a row each (`queries.links`), read by the data-quality checks
        RollupSpec(
            "unlinked",
            s.rollup_unlinked,
            (),
            {"finding": pl.String(), "row_id": pl.String(), "target_id": pl.String()},
        ),
    )
}
CALENDAR_DIMENSIONS = (None, "hall", "date", "weekday")


def _column(dimension: str) -> str:
    """A dimension's column in a rollup table (weekday: the day, as the raw queries group)."""
    return grain_column(_sql_group(dimension))


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Which days of a period the rollups hold, and the raw periods that cover the rest."""

    rolled: frozenset[dt.date]
    raw_periods: tuple  # of queries.metric_queries.Filters
    wait_target_s: float | None
    boundaries: list[int] | None
    closings: list[int] | None = None
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name → members held
    months: frozenset[dt.date] = frozenset()  # first days of the months built (monthly rollups)
    calendar: str | None = None  # the calendar completion was judged on (`calendar_key`)

    def held(self, name: str) -> tuple[str, ...]:
        """The members the stored rollup `name` holds (those of a build before the record)."""
        if name in self.members:
            return self.members[name]
        return BUILT_BEFORE_MEMBERS.get(name, SPECS[name].members)


def ensure_tables(conn: Connection) -> tuple[dt.date, dt.date] | None:
    """Create the rollup tables a database lacks (one made before a rollup was added: its
    other rollups stay, and the new one is read raw until the next rebuild fills it). A
    rollup table made before a member was added is made again, empty, and every rolled day
    is forgotten (read raw, so never wrong) until the next rebuild, which then builds all;
    returns the span of days so forgotten (None: nothing was)."""
    inspector = sa.inspect(conn)
    stale = [
        table
        for table in s.ROLLUP_TABLES
        if inspector.has_table(table.name)
        and {c.name for c in table.c} - {c["name"] for c in inspector.get_columns(table.name)}
    ]
    dropped = rolled_span(conn) if stale else None
    if stale:
        for table in s.ROLLUP_TABLES:
            if inspector.has_table(table.name) and table not in stale:
                conn.execute(table.delete())
        for table in stale:
            table.drop(conn)
        conn.execute(s.meta.delete().where(s.meta.c.key == MEMBERS_KEY))
    s.metadata.create_all(conn, tables=list(s.ROLLUP_TABLES), checkfirst=True)
    return dropped


def _members_record() -> str:
    return json.dumps({name: list(spec.members) for name, spec in SPECS.items()})


def has_rollups(conn: Connection) -> bool:
    return sa.inspect(conn).has_table(s.rollup_days.name)


def plan(conn: Connection, period) -> Plan | None:
    """The rollup plan for a period, or None when no day of it is rolled."""
    if not has_rollups(conn):
        return None
    rolled = _listed(conn, s.rollup_days, period.first, period.last)
    if not rolled:
        return None
    meta = get_meta(conn)
    if PENDING_KEY in meta:  # a write's rollups are stale until rebuilt: exact from the rows
        return None
    months = frozenset()
    holds_a_month = any(
        month >= period.first and _month_end(month) <= period.last
        for month in _month_starts(period.first, period.last)
    )
    # asked only when the period holds a whole month: the big screen's today, this week and
    # this month so far (the frequent reads) cost no query and no table check for it
    if holds_a_month and sa.inspect(conn).has_table(s.rollup_months.name):
        months = _listed(conn, s.rollup_months, _month_start(period.first), period.last)
    target = meta.get(WAIT_TARGET_KEY)
    bounds = meta.get(BOUNDARIES_KEY)
    return Plan(
        rolled=rolled,
        raw_periods=tuple(_raw_periods(period, rolled)),
        wait_target_s=float(target) if target is not None else None,
        boundaries=json.loads(bounds) if bounds is not None else None,
        closings=json.loads(meta[CLOSINGS_KEY]) if CLOSINGS_KEY in meta else None,
        members={k: tuple(v) for k, v in json.loads(meta.get(MEMBERS_KEY, "{}")).items()},
        months=months,
        calendar=meta.get(CALENDAR_KEY),
    )


def _listed(conn: Connection, table: sa.Table, first: dt.date, last: dt.date) -> frozenset[dt.date]:
    """The days first..last that `table` lists (the days rolled, or the months built by
    their first day)."""
    day = table.c.day
    rows = conn.execute(sa.select(day).where(day >= first, day <= last)).scalars()
    return frozenset(_day(d) for d in rows)


def day_runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """The days, sorted, as runs of consecutive days (first, last)."""
    out: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if out and day == out[-1][1] + dt.timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _month_days(first: dt.date) -> list[dt.date]:
    """Every day of the month that starts on `first`."""
    return [first + dt.timedelta(days=i) for i in range(_month_end(first).day)]


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months that first..last touches."""
    out, month = [], _month_start(first)
    while month <= last:
        out.append(month)
        month = _month_end(month) + dt.timedelta(days=1)
    return out


def whole_months(plan_: Plan | None, name: str, period, dimension: str | None) -> list[dt.date]:
    """The months the monthly rollup of `name` answers for this period: built, wholly inside
    the period, every day of them still rolled. None for a grouping by date or weekday (a
    month row has no day of its own) or a rollup kept only by day."""
    if plan_ is None or not plan_.months or dimension in ("date", "weekday"):
        return []
    if SPECS[name].table.name not in s.MONTHLY_ROLLUPS:
        return []
    return [
        month
        for month in sorted(plan_.months)
        if month >= period.first
        and _month_end(month) <= period.last
        and all(day in plan_.rolled for day in _month_days(month))
    ]


def _raw_periods(period, rolled: frozenset[dt.date]):
    """The period cut to each run of consecutive days the rollups do not hold."""
    return _periods(period, rolled, rolled=False)


def _periods(period, days: frozenset[dt.date], *, rolled: bool):
    """The period cut to each run of consecutive days that are in `days` (rolled=True) or
    are not (rolled=False)."""
    span = (
        period.first + dt.timedelta(days=i) for i in range((period.last - period.first).days + 1)
    )
    for first, last in day_runs(day for day in span if (day in days) == rolled):
        yield dataclasses.replace(period, first=first, last=last)


def serves(
    name: str,
    plan_: Plan | None,
    period,
    dimension: str | None,
    *,
    scope: Scope,
    wait_target_s: float | None = None,
    boundaries: list[int] | None = None,
    closings: list[int] | None = None,
    calendar: str | None = None,
) -> bool:
    """Whether the rollup of partial `name` can answer this period and grouping exactly,
    inside the reader's scope: a department, staff or window scope needs that member in the
    rollup (the hall-level histograms and segments cannot say whose a wait was, so such a
    scope reads the rows). Completion and the applications done, judged on the calendar
    when they were built, answer only while the reader's `calendar` (`calendar_key`) is
    that one. The tickets' rollup answers only for the wait target it was built with, the
    segments only for their boundaries: a reader of either names them (None: read raw)."""
    if plan_ is None or name not in SPECS:
        return False
    if name in _JUDGED and (plan_.calendar is None or plan_.calendar != calendar):
        return False
    if name in RECORDED_ONLY and name not in plan_.members:
        return False  # its table was made after these days were rolled: empty for them
    members = plan_.held(name)
    restricted = {
        "department": scope.dept_ids is not None,
        "staff": scope.staff_id is not None,
        "window": scope.window_ids is not None,
    }
    if any(on and member not in members for member, on in restricted.items()):
        return False
    if dimension not in CALENDAR_DIMENSIONS and dimension not in members:
        return False
    if any(f != "hall" and f not in members for f in period.filters):
        return False
    if name == "tickets" and (wait_target_s is None or plan_.wait_target_s != float(wait_target_s)):
        return False
    if name == "segments" and (boundaries is None or plan_.boundaries != list(boundaries)):
        return False
    # rollups built before the after-close table existed have no closing times: read raw
    # coverage is stored by the day of the first evaluation: an as_of inside a day takes the
    # days before from the rollup and that day's first evaluations up to as_of from the rows
    return not (
        name == "after_close" and (plan_.closings is None or plan_.closings != list(closings or []))
    )


def read(
    conn: Connection,
    name: str,
    period,
    dimension: str | None,
    *,
    scope: Scope,
    kinds: tuple[str, ...] | None = None,
    months: Iterable[dt.date] = (),
) -> pl.DataFrame:
    """The partial `name` for the period's rolled days inside `scope`, shaped as the raw
    query returns it (completion and the applications done judged on the calendar already;
    histograms with `kinds`: those kinds only, as `ticket_histograms(kinds=…)`). `months`
    (`whole_months`) are read from the monthly rollup, the period's other days from the
    daily one."""
    spec = SPECS[name]
    daily, day = spec.table, spec.table.c.day
    parts: list[tuple[sa.Table, list]] = []
    months = sorted(months)
    if months:
        monthly = s.MONTHLY_ROLLUPS[daily.name]
        parts.append((monthly, [monthly.c.day.in_(months)]))
    covered = frozenset(d for month in months for d in _month_days(month))
    # each run of other days as a range of its own: PostgreSQL scanned the whole daily table
    # for an OR of ranges (a street's year: 0.45 s of histograms for its 30 edge days)
    parts += [
        (daily, [day >= run.first, day <= run.last])
        for run in _periods(period, covered, rolled=False)
    ]
    frames = [
        _read(conn, spec, table, days, period, dimension, scope=scope, kinds=kinds)
        for table, days in parts
    ]
    return combine(name, frames, dimension)


def _read(
    conn: Connection,
    spec: RollupSpec,
    table: sa.Table,
    days: list,
    period,
    dimension: str | None,
    *,
    scope: Scope,
    kinds: tuple[str, ...] | None,
) -> pl.DataFrame:
    """`read` from one table (the daily rollup or its monthly twin, same columns) for the
    rows `days` selects."""
    name = spec.name
    selected, schema, group_by = [], {}, []
    if dimension is not None:
        column = table.c[_column(dimension)]
        selected.append(column.label("group"))
        schema["group"] = _group_type(dimension)
        group_by.append(column)
    extras = {extra: (table.c[extra], dtype) for extra, dtype in spec.extras.items()}
    for extra, (expr, dtype) in extras.items():
        selected.append(expr.label(extra))
        schema[extra] = dtype
        group_by.append(expr)
    for value in spec.sums:
        # a whole number (PostgreSQL's and MariaDB's sum of integers is a decimal, which the
        # drivers turn into one Python Decimal a value: 0.6 s of a city's year)
        total = sa.func.coalesce(sa.func.sum(table.c[value]), 0)
        selected.append(sa.cast(total, sa.BigInteger).label(value))
        schema[value] = I64
    for value in spec.maxima:
        selected.append(sa.func.max(table.c[value]).label(value))
        schema[value] = spec.max_types.get(value, I64)
    where = [*days]
    where += [table.c[_column(k)] == v for k, v in period.filters.items()]
    where.append(scope_filter(scope, table))
    if name == "histograms" and kinds is not None:
        where.append(table.c.kind.in_(kinds))
    if name == "coverage":
        day = period.as_of.date()
        where.append(
            table.c.first_eval_day <= day if _end_of_day(period) else table.c.first_eval_day < day
        )
    stmt = sa.select(*selected).where(*where)
    if group_by:
        stmt = stmt.group_by(*group_by)
    frame = read_frame(conn, stmt, schema)
    if dimension is not None:
        frame = frame.filter(pl.col("group").is_not_null())
    return frame


DAILY_SCHEMA = {
    "group": pl.String(),
    "day": pl.Date(),
    "served": I64,
    "wait_n": I64,
    "wait_sum_s": I64,
}


def serves_daily(plan_: Plan | None, period, dimension: str) -> bool:
    """Whether the tickets rollup holds `daily` for this grouping and these filters (its
    members and the hall; every scope is expressed by them)."""
    members = ("hall", *SPECS["tickets"].members)
    return plan_ is not None and dimension in members and all(f in members for f in period.filters)


def read_daily(conn: Connection, period, dimension: str, *, scope: Scope) -> pl.DataFrame:
    """Served tickets and valid waits per (group, day) of the rolled days inside `scope`,
    shaped as `queries.details.daily_by` returns them: group, day, served, wait_n, wait_sum_s."""
    table = s.rollup_tickets
    group = table.c[_column(dimension)]
    stmt = (
        sa.select(
            group.label("group"),
            table.c.day,
            *(
                sa.func.coalesce(sa.func.sum(table.c[v]), 0).label(v)
                for v in DAILY_SCHEMA
                if v not in ("group", "day")
            ),
        )
        .where(
            table.c.day >= period.first,
            table.c.day <= period.last,
            *(table.c[_column(k)] == v for k, v in period.filters.items()),
            scope_filter(scope, table),
        )
        .group_by(group, table.c.day)
    )
    return read_frame(conn, stmt, DAILY_SCHEMA).filter(pl.col("group").is_not_null())


def combine(name: str, frames: list[pl.DataFrame], dimension: str | None) -> pl.DataFrame:
    """Rolled and raw parts of one partial as one frame, one row per group (and extras)."""
    frames = [f for f in frames if f.height] or frames[:1]
    if len(frames) == 1:
        return frames[0]
    spec = SPECS[name]
    frame = pl.concat(frames, how="diagonal_relaxed")
    keys = (["group"] if dimension is not None else []) + list(spec.extras)
    aggs = [pl.col(v).sum() for v in spec.sums] + [pl.col(v).max() for v in spec.maxima]
    if not keys:
        return frame.select(aggs)
    return frame.group_by(keys, maintain_order=True).agg(aggs)


def partial(
    conn: Connection,
    name: str,
    plan_: Plan | None,
    period,
    dimension: str | None,
    raw: Callable,
    *,
    scope: Scope,
    wait_target_s: float | None = None,
    boundaries: list[int] | None = None,
    closings: list[int] | None = None,
    calendar: str | None = None,
    **options,
) -> pl.DataFrame:
    """The partial `name` inside `scope`: from the rollups for rolled days and `raw(sub)` for
    the rest when the rollup serves the query, else `raw(period)` (`options`, e.g. the
    histograms' `kinds`: see `read`; `raw` must read the same)."""
    if not serves(
        name,
        plan_,
        period,
        dimension,
        wait_target_s=wait_target_s,
        boundaries=boundaries,
        scope=scope,
        closings=closings,
        calendar=calendar,
    ):
        return raw(period)
    months = whole_months(plan_, name, period, dimension)
    frames = [read(conn, name, period, dimension, scope=scope, months=months, **options)]
    frames += [raw(sub) for sub in plan_.raw_periods]
    if name == "coverage" and not _end_of_day(period):
        since = dt.datetime.combine(period.as_of.date(), dt.time(0))
        frames += [
            mq.ticket_first_evaluated_since(conn, run, dimension, since, scope=scope)
            for run in _periods(period, plan_.rolled, rolled=True)
        ]
    return combine(name, frames, dimension)


def _end_of_day(period) -> bool:
    """as_of at the end of its day: the coverage rollup answers alone (first_eval_day ≤ it)."""
    return period.as_of.time() >= END_OF_DAY


# --- building ----------------------------------------------------------------------------------


def _build_frames(
    conn: Connection,
    period,
    wait_target_s: float,
    boundaries: list[int],
    closings: list[int],
) -> dict[str, pl.DataFrame]:
    """Every partial of the period read into frames (the rollups' definition; `rebuild` runs
    the same SELECTs inside INSERT … SELECT instead, see `_build_statements`; completion is
    judged on the calendar as `rebuild` does, `_completion_rows`)."""
    deadlines = Deadlines(calendar_frame(conn))
    return {
        name: (
            _JUDGED[name](conn, period, deadlines)
            if name in _JUDGED
            else build(conn, period, wait_target_s, boundaries, closings)
        )
        for name, build in _BUILDERS.items()
    }


def _completion_rows(conn: Connection, period, deadlines: Deadlines) -> pl.DataFrame:
    """The completion rollup's rows of the period: the raw partial per hall, day and members,
    judged on the calendar (`workdays.deadlines.judge_completion`)."""
    frame = _BUILDERS["completion"](conn, period, 0.0, [], [])
    return judge_completion(frame, deadlines, ["hall_id", "day", *COMPLETION_MEMBERS])


def _bundle_rows(conn: Connection, period, deadlines: Deadlines) -> pl.DataFrame:
    """The bundles rollup's rows of the period: the packaged cases of the applications done
    in it read (`metric_queries.bundle_cases`, a few percent of cases), each application
    judged in its hall and counted on the day of its last completion."""
    cases = _BUILDERS["bundles"](conn, period, 0.0, [], [])
    return judge_applications(cases, period.start, period.end, deadlines, ["hall_id", "day"])


# the partials judged in Python after their SELECT, on the calendar's working days, and how
# their rows are made: their day-level rows read (a year of the 7-hall demo: 19,500 rows),
# judged, and the sums inserted
_JUDGED: dict[str, Callable[[Connection, object, Deadlines], pl.DataFrame]] = {
    "completion": _completion_rows,
    "bundles": _bundle_rows,
}


_DAY = ("hall", "date")
_EVERYTHING = Scope.everything("rollups")  # the rollups hold every hall; readers narrow
# each rollup's partial: (conn, period, wait target, boundaries, closings) -> frame
_BUILDERS: dict[str, Callable[..., pl.DataFrame]] = {
    "tickets": lambda conn, period, target, _b, _c: mq.ticket_counts(
        conn, period, None, target, grain=_DAY + TICKET_MEMBERS, scope=_EVERYTHING
    ),
    "histograms": lambda conn, period, _t, _b, _c: mq.ticket_histograms(
        conn, period, None, grain=_DAY, scope=_EVERYTHING
    ),
    "segments": lambda conn, period, _t, bounds, _c: mq.ticket_segments(
        conn, period, None, bounds, grain=_DAY, scope=_EVERYTHING
    ),
    "after_close": lambda conn, period, _t, _b, closings: mq.ticket_after_close(
        conn, period, None, closings, grain=_DAY, scope=_EVERYTHING
    ),
    "hours": lambda conn, period, _t, _b, _c: details.hour_by_day(
        conn, period, scope=_EVERYTHING, by_hall=True
    ),
    "coverage": lambda conn, period, _t, _b, _c: mq.ticket_first_evaluations(
        conn, period, grain=_DAY + TICKET_MEMBERS, scope=_EVERYTHING
    ),
    "intake": lambda conn, period, _t, _b, _c: mq.case_intake(
        conn, period, None, grain=(*_DAY, *INTAKE_MEMBERS), scope=_EVERYTHING
    ),
    "completion": lambda conn, period, _t, _b, _c: mq.case_completion(
        conn, period, None, grain=(*_DAY, *COMPLETION_MEMBERS), scope=_EVERYTHING
    ),
    "bundles": lambda conn, period, _t, _b, _c: mq.bundle_cases(
        conn, period, None, scope=_EVERYTHING
    ),
    "evaluations": lambda conn, period, _t, _b, _c: mq.evaluation_counts(
        conn, period, None, grain=(*_DAY, "window", "staff", "department"), scope=_EVERYTHING
    ),
    "waits": lambda conn, period, _t, _b, _c: details.wait_slots(
        conn, period, 0, WAIT_SLOT_S, scope=_EVERYTHING, by_hall=True
    ),
    "ratings": lambda conn, period, _t, _b, _c: details.rating_by_channel(
        conn, period, scope=_EVERYTHING, by_hall=True
    ),
    "unlinked": lambda conn, period, _t, _b, _c: links.unlinked_rows(
        conn, period.start, period.end, lambda table: mq.every_hall(table, period, _EVERYTHING)
    ),
}


class _Statements:
    """A stand-in for a connection, handed to the metric queries: it keeps every statement
    they would run and answers each with no rows. The rollups then run those very SELECTs
    inside `INSERT … SELECT` (`_build_statements`), so the rows never travel to Python and a
    rollup row stays by construction what the raw query returns."""

    def __init__(self) -> None:
        self.statements: list[sa.Select] = []

    def execute(self, stmt: sa.Select) -> _Statements:
        self.statements.append(stmt)
        return self

    # the result of `execute` (`queries.frames.read_frame` reads its DBAPI cursor)
    @property
    def cursor(self) -> _Statements:
        return self

    def fetchall(self) -> list:
        return []

    def close(self) -> None:
        pass


# the partials that run more than one SELECT, and the constant columns that tell them apart
# (`ticket_histograms`: waits, then service times; its frame gets `kind` in Python)
_STATEMENT_CONSTANTS = {"histograms": [{"kind": "wait"}, {"kind": "service"}]}


def _build_statements(
    period,
    wait_target_s: float,
    boundaries: list[int],
    closings: list[int],
    only: Iterable[str] | None = None,
) -> list[sa.Insert]:
    """`INSERT INTO rollup … SELECT … GROUP BY` for every partial of the period (or those
    named in `only`): the SELECTs of `_build_frames`, run in the database."""
    out = []
    for name, build in _BUILDERS.items():
        if (only is not None and name not in only) or name in _JUDGED:
            continue
        capture = _Statements()
        build(capture, period, wait_target_s, boundaries, closings)
        constants = _STATEMENT_CONSTANTS.get(name, [{}] * len(capture.statements))
        if len(constants) != len(capture.statements):  # pragma: no cover - a partial changed
            raise RuntimeError(f"rollup {name}: {len(capture.statements)} SELECTs")
        table = SPECS[name].table
        for stmt, extra in zip(capture.statements, constants, strict=True):
            stmt = stmt.add_columns(
                *(sa.literal_column(f"'{v}'", sa.String()).label(k) for k, v in extra.items())
            )
            names = list(stmt.selected_columns.keys())
            out.append(table.insert().from_select(names, stmt))
    return out


def closed_before(today: dt.date | None = None) -> dt.date:
    """The last day that can be rolled: yesterday (hall-local; `hall_today`)."""
    return (today or clock.today()) - dt.timedelta(days=1)


def hall_today(conn: Connection) -> dt.date:
    """The date every hall has reached on its own clock (halls.timezone): the earliest of the
    halls' dates, since a day is closed only once it is over in every hall."""
    zones = set(hall_zones(conn).values()) or {clock.DEFAULT_TZ}
    return min(clock.today(z) for z in zones)


def rebuild(
    conn: Connection,
    first: dt.date,
    last: dt.date,
    *,
    wait_target_s: float,
    today: dt.date | None = None,
    only: frozenset[str] | None = None,
) -> int:
    """Rebuild the rollups of the closed days first..last (at most yesterday) in the caller's
    transaction; returns the number of days now rolled. Rollups built with another wait target
    or other extended-hours boundaries, or before a member was added, are rebuilt in full.
    `only`: the rollups a write made stale (`invalidate_after_write`, `Stale`): of the days
    rolled already only they are built again, the others hold still; a day not rolled yet
    gets every rollup. A million imported cases no longer rebuild the tickets' rollups."""
    if conn.dialect.name == "postgresql":
        # the builds' sorts and hashes in memory for the rest of the transaction
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{BUILD_WORK_MEM}'")
    dropped = ensure_tables(conn)
    if dropped is not None:
        first, last = min(first, dropped[0]), max(last, dropped[1])
    today = today or hall_today(conn)
    hours = service_hours_frame(conn)
    boundaries = extended_boundaries(hours)
    closings = mq.closing_boundaries(hours)
    calendar = calendar_frame(conn)
    deadlines, judged_on = Deadlines(calendar), calendar_key(calendar)
    meta = get_meta(conn)
    if PENDING_KEY in meta:  # a write's stale rollups this rebuild was not told of
        pending = Stale.from_json(meta[PENDING_KEY])
        first, last = min(first, pending.first), max(last, pending.last)
        only = None if only is None or pending.only is None else only | pending.only
    same = (
        meta.get(WAIT_TARGET_KEY) == str(float(wait_target_s))
        and meta.get(BOUNDARIES_KEY) == json.dumps(boundaries)
        and meta.get(CLOSINGS_KEY) == json.dumps(closings)
    )
    held = rolled_span(conn)
    same_members = meta.get(MEMBERS_KEY) == _members_record()
    if held and not same:  # settings or service hours changed: everything again
        first, last = min(first, held[0]), max(last, held[1])
    if held and not same_members:
        # rolled before a member was added: every day held is rolled again, none of them
        # keeps the old shape (a first build rolls only the days asked for)
        first, last = min(first, held[0]), max(last, held[1])
        for table in s.ROLLUP_TABLES:
            conn.execute(table.delete())
    conn.execute(s.meta.delete().where(s.meta.c.key == PENDING_KEY))
    last = min(last, closed_before(today))
    if first > last:
        return 0
    settings = (wait_target_s, boundaries, closings)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    partial = only is not None and same and same_members and not dropped
    rolled = _listed(conn, s.rollup_days, first, last) if partial else frozenset()
    whole = Filters(first, last, dt.datetime.combine(last, END_OF_DAY), {})
    # a day rolled already: only the rollups that read what was written (the others hold
    # still); a day not rolled yet, or a full rebuild: every rollup
    for run in _periods(whole, rolled, rolled=True):
        _drop(conn, run.first, run.last, only)
        _build_days(conn, run.first, run.last, settings, deadlines, only)
    for run in _periods(whole, rolled, rolled=False):
        _drop(conn, run.first, run.last)
        _build_days(conn, run.first, run.last, settings, deadlines)
    built = clock.now(clock.network_zone(hall_zones(conn).values()))
    new_days = [day for day in days if day not in rolled]
    bulk_insert(
        conn, s.rollup_days, pl.DataFrame({"day": new_days, "built_at": [built] * len(new_days)})
    )
    if held and meta.get(CALENDAR_KEY) != judged_on:
        # another calendar (a holiday moved, a year added): completion and the applications
        # done are judged again on every other day held, the other rollups do not depend on it
        _judge_days_again(conn, held, set(days), settings, deadlines)
        first, last = min(first, held[0]), max(last, held[1])
    _build_months(conn, first, last, built)
    set_meta(
        conn,
        {
            WAIT_TARGET_KEY: str(float(wait_target_s)),
            BOUNDARIES_KEY: json.dumps(boundaries),
            CLOSINGS_KEY: json.dumps(closings),
            MEMBERS_KEY: _members_record(),
            CALENDAR_KEY: judged_on,
        },
    )
    if conn.dialect.name == "postgresql" and len(days) >= ANALYZE_AFTER_DAYS:
        analyze(conn)
    return len(days)


def _judge_days_again(
    conn: Connection,
    held: tuple[dt.date, dt.date],
    skip: set[dt.date],
    settings: tuple[float, list[int], list[int]],
    deadlines: Deadlines,
) -> int:
    """The rollups judged on the calendar (`_JUDGED`) built again on `deadlines` for every
    rolled day of `held` but `skip`; the others do not depend on the calendar. Returns the
    number of days judged again."""
    span = Filters(held[0], held[1], dt.datetime.combine(held[1], END_OF_DAY), {})
    days = _listed(conn, s.rollup_days, held[0], held[1]) - skip
    for run in _periods(span, days, rolled=True):
        _drop(conn, run.first, run.last, list(_JUDGED))
        _build_days(conn, run.first, run.last, settings, deadlines, list(_JUDGED))
    return len(days)


def judge_again(conn: Connection) -> int:
    """When the calendar changed since the rollups were judged on it (`hall db init` adding
    next year's dates, a holiday edited by hand), judge completion and the applications done
    again on every rolled day, in the caller's transaction; returns the days (0: the
    calendar is the one they were judged on). Until then those two are read from the rows."""
    held = rolled_span(conn)
    if held is None:
        return 0
    meta = get_meta(conn)
    calendar = calendar_frame(conn)
    judged_on = calendar_key(calendar)
    if meta.get(CALENDAR_KEY) in (None, judged_on):
        return 0
    judged = _judge_days_again(conn, held, set(), _settings_held(conn, meta), Deadlines(calendar))
    built = clock.now(clock.network_zone(hall_zones(conn).values()))
    _build_months(conn, *held, built)
    set_meta(conn, {CALENDAR_KEY: judged_on})
    return judged


def _build_days(
    conn: Connection,
    first: dt.date,
    last: dt.date,
    settings: tuple[float, list[int], list[int]],
    deadlines: Deadlines,
    only: Iterable[str] | None = None,
) -> None:
    """INSERT … SELECT the rollups (or those named in `only`) of the days first..last, a
    chunk of days per statement; `settings` are the wait target, the extended-hours
    boundaries and the closing times; completion is judged on `deadlines`' calendar."""
    judged = {name: rows for name, rows in _JUDGED.items() if only is None or name in only}
    chosen = [name for name in _BUILDERS if only is None or name in only]
    whole = [name for name in chosen if name in WHOLE_RUN]
    if whole:
        period = Filters(first, last, dt.datetime.combine(last, END_OF_DAY), {})
        for insert in _build_statements(period, *settings, whole):
            conn.execute(insert)
    chunked = [name for name in chosen if name not in WHOLE_RUN]
    start = first
    while start <= last:
        end = min(last, start + dt.timedelta(days=BUILD_CHUNK_DAYS - 1))
        period = Filters(start, end, dt.datetime.combine(end, END_OF_DAY), {})
        for insert in _build_statements(period, *settings, chunked):
            conn.execute(insert)
        for name, rows in judged.items():
            bulk_insert(conn, SPECS[name].table, rows(conn, period, deadlines))
        start = end + dt.timedelta(days=1)


def _drop(
    conn: Connection, first: dt.date, last: dt.date, only: Iterable[str] | None = None
) -> None:
    """Drop the rollups of the days first..last and of every month that holds one of them.
    `only`: the daily rows of those rollups alone (the days stay listed as rolled); the
    months, all of them, go (they are rebuilt from the daily rows)."""
    month = _month_start(first)
    daily = None if only is None else {SPECS[name].table for name in only}
    for table in s.ROLLUP_TABLES:
        if table in s.ROLLUP_MONTH_TABLES:
            conn.execute(table.delete().where(table.c.day >= month, table.c.day <= last))
        elif daily is None or table in daily:
            conn.execute(table.delete().where(table.c.day >= first, table.c.day <= last))


@functools.cache
def reads(name: str) -> frozenset[str]:
    """The tables the SELECTs of rollup `name` read, found in the statements themselves."""
    period = Filters(dt.date(2026, 1, 1), dt.date(2026, 1, 1), dt.datetime(2026, 1, 1), {})
    capture = _Statements()
    _BUILDERS[name](capture, period, 0.0, [0], [0])
    out: set[str] = set()
    for stmt in capture.statements:
        for element in visitors.iterate(stmt, {}):
            table = element.element if isinstance(element, sa.Alias) else element
            if isinstance(table, sa.Table):
                out.add(table.name)
    return frozenset(out)


def stale_rollups(table: str, changed_existing: bool) -> frozenset[str] | None:
    """The rollups a write of new rows to fact `table` makes stale on the days it touches:
    those whose SELECTs read it (tickets: the tickets', histograms, hours, segments, after
    close, coverage; cases: intake and completion). None (all of them) for a reference
    table or when stored rows changed (`invalidate_after_write`)."""
    if table not in FACTS or changed_existing:
        return None
    return frozenset(name for name in SPECS if table in reads(name))


def _build_months(conn: Connection, first: dt.date, last: dt.date, built: dt.datetime) -> int:
    """Build the monthly rollups of the months first..last touches that are wholly rolled
    and not built yet (`_drop` dropped those a rebuild touched), by summing their daily rows
    in the database; returns the number of months built."""
    starts = _month_starts(first, last)
    if not starts:
        return 0
    lo, hi = starts[0], _month_end(starts[-1])
    rolled = _listed(conn, s.rollup_days, lo, hi)
    present = _listed(conn, s.rollup_months, lo, hi)
    made = []
    for month in starts:
        if month in present or not all(d in rolled for d in _month_days(month)):
            continue
        for spec in SPECS.values():
            monthly = s.MONTHLY_ROLLUPS.get(spec.table.name)
            if monthly is not None:
                conn.execute(_month_insert(spec, monthly, month, _month_end(month)))
        made.append(month)
    if made:
        bulk_insert(
            conn, s.rollup_months, pl.DataFrame({"day": made, "built_at": [built] * len(made)})
        )
    return len(made)


def _month_insert(spec: RollupSpec, monthly: sa.Table, month: dt.date, end: dt.date) -> sa.Insert:
    """INSERT INTO the monthly rollup SELECT the month's daily rows summed per hall, members
    and extras (maxima: their maximum)."""
    daily = spec.table
    values = {*spec.sums, *spec.maxima}
    keys = [c for c in daily.c if c.name != "day" and c.name not in values]
    # a typed bind (a CAST would turn SQLite's text date into the number 2026)
    cols = [sa.literal(month, sa.Date()).label("day"), *keys]
    cols += [sa.func.sum(daily.c[v]).label(v) for v in spec.sums]
    cols += [sa.func.max(daily.c[v]).label(v) for v in spec.maxima]
    stmt = sa.select(*cols).where(daily.c.day >= month, daily.c.day <= end).group_by(*keys)
    return monthly.insert().from_select([c.name for c in cols], stmt)


# A rebuild of this many days or more is a bulk build (a demo, an import, a first roll): its
# tables are ANALYZEd before it commits. Without statistics PostgreSQL took the city's year of
# histograms (6.4 M rollup rows) for 158 rows and sorted them on disk instead of hashing 3,357
# groups: 3.8 s → 0.7 s once analyzed (2026-12-06). A day's roll leaves it to autovacuum.
ANALYZE_AFTER_DAYS = 7


def analyze(conn: Connection) -> None:
    """ANALYZE the rollup tables and the reference tables their reads join (PostgreSQL)."""
    names = [t.name for t in (*s.ROLLUP_TABLES, *s.REFERENCE_TABLES)]
    conn.execute(sa.text(f"ANALYZE {', '.join(names)}"))


def remake_stale(conn: Connection, *, wait_target_s: float) -> int:
    """Rollup tables of an older shape (a rollup that gained columns since, as completion when
    it came to be kept judged) made again, and every day they held rolled again, in the
    caller's transaction (`hall db init` after an upgrade); returns the days rebuilt (0:
    nothing was stale). Until then those days are read from the rows: never wrong, slower."""
    if not has_rollups(conn):
        return 0
    span = ensure_tables(conn)
    if span is None:
        return 0
    return rebuild(conn, *span, wait_target_s=wait_target_s)


def build_missing(conn: Connection) -> list[str]:
    """Build the rollups of `RECORDED_ONLY` that the rolled days lack (a database rolled
    before they were added; `hall db init` made their tables empty) for every day rolled, in
    the caller's transaction, and add them to the record; returns their names. The other
    rollups are left as they are: on a database whose record differs otherwise (or has none)
    nothing is done here, the next rebuild builds everything."""
    if not has_rollups(conn):
        return []
    meta = get_meta(conn)
    record = json.loads(meta.get(MEMBERS_KEY, "{}"))
    missing = [name for name in RECORDED_ONLY if name not in record]
    current = json.loads(_members_record())
    others = {k: v for k, v in current.items() if k not in missing}
    if not missing or record != others:
        return []
    span = rolled_span(conn)
    if span is not None:
        rolled = frozenset(_day(d) for d in conn.execute(sa.select(s.rollup_days.c.day)).scalars())
        settings = _settings_held(conn, meta)
        deadlines = Deadlines(calendar_frame(conn))
        whole = Filters(span[0], span[1], dt.datetime.combine(span[1], END_OF_DAY), {})
        for name in missing:
            conn.execute(SPECS[name].table.delete())
        for run in _periods(whole, rolled, rolled=True):  # only the days rolled
            _build_days(conn, run.first, run.last, settings, deadlines, missing)
    set_meta(conn, {MEMBERS_KEY: _members_record()})
    return missing


def _settings_held(conn: Connection, meta: dict[str, str]) -> tuple[float, list[int], list[int]]:
    """The settings the rolled days were built with, for building more of them: the wait
    target recorded in `meta`, the boundaries and closing times of the service hours."""
    hours = service_hours_frame(conn)
    target = float(meta.get(WAIT_TARGET_KEY, 0))
    return target, extended_boundaries(hours), mq.closing_boundaries(hours)


def build_missing_months(conn: Connection) -> int:
    """Build the monthly rollups of every wholly rolled month that has none (a database
    rolled before they were added: `hall db init` made their tables empty); returns the
    number of months built."""
    span = rolled_span(conn) if has_rollups(conn) else None
    if span is None:
        return 0
    built = clock.now(clock.network_zone(hall_zones(conn).values()))
    return _build_months(conn, *span, built)


def rolled_span(conn: Connection) -> tuple[dt.date, dt.date] | None:
    if not has_rollups(conn):
        return None
    lo, hi = conn.execute(
        sa.select(sa.func.min(s.rollup_days.c.day), sa.func.max(s.rollup_days.c.day))
    ).one()
    if lo is None:
        return None
    return _day(lo), _day(hi)


def fact_span(conn: Connection) -> tuple[dt.date, dt.date] | None:
    """First and last day of the facts the rollups are built from."""
    lows, highs = [], []
    for column in (s.tickets.c.issued_at, s.cases.c.accepted_at, s.evaluations.c.evaluated_at):
        lo, hi = conn.execute(sa.select(sa.func.min(column), sa.func.max(column))).one()
        if lo is not None:
            lows.append(_day(lo))
            highs.append(_day(hi))
    completed = conn.execute(sa.select(sa.func.max(s.cases.c.completed_at))).scalar()
    if completed is not None:
        highs.append(_day(completed))
    return (min(lows), max(highs)) if lows else None


def _day(value) -> dt.date:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.date() if isinstance(value, dt.datetime) else value


def rebuild_all(conn: Connection, *, wait_target_s: float, today: dt.date | None = None) -> int:
    """Drop every rollup and build them again for all the facts' closed days."""
    span = _everything(conn)
    if has_rollups(conn):
        ensure_tables(conn)
        for table in s.ROLLUP_TABLES:
            conn.execute(table.delete())
    if span is None:
        return 0
    return rebuild(conn, *span, wait_target_s=wait_target_s, today=today)


def _everything(conn: Connection, days: Iterable[dt.date] = ()) -> tuple[dt.date, dt.date] | None:
    """The span of the facts, the rolled days and `days` together (None when all are empty)."""
    spans = [span for span in (fact_span(conn), rolled_span(conn)) if span is not None]
    spans += [(d, d) for d in days]
    if not spans:
        return None
    return min(lo for lo, _ in spans), max(hi for _, hi in spans)


def refresh_days(
    conn: Connection,
    days: Iterable[dt.date],
    *,
    wait_target_s: float,
    today: dt.date | None = None,
) -> int:
    """Rebuild those of `days` the rollups hold (a live feed touching a closed day: an SMS
    rating of yesterday's ticket); returns the days rebuilt."""
    if not has_rollups(conn):
        return 0
    today = today or hall_today(conn)
    wanted = sorted({d for d in days if d <= closed_before(today)})
    if not wanted:
        return 0
    held = set(
        _day(d)
        for d in conn.execute(
            sa.select(s.rollup_days.c.day).where(s.rollup_days.c.day.in_(wanted))
        ).scalars()
    )
    rebuilt = 0
    for day in sorted(held):
        rebuilt += rebuild(conn, day, day, wait_target_s=wait_target_s, today=today)
    return rebuilt


def old_fact_days(conn: Connection, table: str, keys: list) -> tuple[list[dt.datetime], int]:
    """Before an upsert overwrites fact rows: the rollup days their stored values are on (a
    ticket's issue time; a case's acceptance and completion; an evaluation's time and its
    ticket's issue time, for coverage) and how many of `keys` exist. Passed with the new rows'
    days to `invalidate_after_write(..., changed_existing=False)`, a feed that re-reads rows
    it already has rebuilds only the days involved, not every rolled day."""
    if table not in FACTS or not keys:
        return [], 0
    if table == "tickets":
        key, cols, source = s.tickets.c.ticket_id, [s.tickets.c.issued_at], s.tickets
    elif table == "cases":
        key, cols, source = (
            s.cases.c.case_id,
            [s.cases.c.accepted_at, s.cases.c.completed_at],
            s.cases,
        )
    else:
        e = s.evaluations
        key, cols = e.c.eval_id, [e.c.evaluated_at, s.tickets.c.issued_at]
        source = e.outerjoin(s.tickets, s.tickets.c.ticket_id == e.c.ticket_id)
    days: list[dt.datetime] = []
    found = 0
    for part in key_chunks(keys):
        stmt = sa.select(*(sa.func.min(c) for c in cols), *(sa.func.max(c) for c in cols))
        stmt = stmt.add_columns(sa.func.count()).select_from(source)
        stmt = stmt.where(key_in(conn, key, part))
        row = conn.execute(stmt).one()
        found += row[-1] or 0
        days.extend(v for v in row[:-1] if v is not None)
        if table == "cases":  # the applications they belonged to: done on another day now
            days.extend(_application_days(conn, _packaged_apps(key_in(conn, key, part))))
    return days, found


def _application_days(conn: Connection, apps: sa.Select) -> list[dt.datetime]:
    """The first and last completion of the packaged cases of the applications `apps`
    selects (a SELECT of application ids): the days where the bundles rollup may count
    them."""
    c = s.cases.c
    row = conn.execute(
        sa.select(sa.func.min(c.completed_at), sa.func.max(c.completed_at)).where(
            c.application_id.in_(apps), c.bundle_id.isnot(None)
        )
    ).one()
    return [v for v in row if v is not None]


def _packaged_apps(*where: sa.ColumnElement[bool]) -> sa.Select:
    c = s.cases.c
    return sa.select(c.application_id).where(
        *where, c.bundle_id.isnot(None), c.application_id.isnot(None)
    )


@dataclass(frozen=True)
class Stale:
    """What a write left to rebuild (`invalidate_after_write`): the days first..last, and the
    rollups that read what was written (None: every rollup)."""

    first: dt.date
    last: dt.date
    only: frozenset[str] | None = None

    def rebuild(self, conn: Connection, *, wait_target_s: float) -> int:
        return rebuild(conn, self.first, self.last, wait_target_s=wait_target_s, only=self.only)

    def merge(self, other: Stale) -> Stale:
        both = None if self.only is None or other.only is None else self.only | other.only
        return Stale(min(self.first, other.first), max(self.last, other.last), both)

    def to_json(self) -> str:
        only = None if self.only is None else sorted(self.only)
        return json.dumps({"first": str(self.first), "last": str(self.last), "only": only})

    @staticmethod
    def from_json(text: str) -> Stale:
        value = json.loads(text)
        only = None if value["only"] is None else frozenset(value["only"])
        return Stale(_day(value["first"]), _day(value["last"]), only)


def invalidate_after_write(
    conn: Connection,
    table: str,
    days: Iterable[dt.date | dt.datetime | None],
    *,
    changed_existing: bool,
) -> Stale | None:
    """Drop the rollups a write to `table` made stale, in the write's own transaction, and
    return what to rebuild (None: nothing to do).

    Until they are rebuilt the figures are read from the rows, so they are exact at every
    moment; `Stale.rebuild` makes them fast again. New rows of a fact table make only the
    rollups that read it stale (`stale_rollups`): nothing is dropped, the database is marked
    (`PENDING_KEY`: every period is read raw) until the rebuild builds those rollups of those
    days, and the others are not built again. Otherwise the days' rollups are dropped and the
    days are no longer listed as rolled. `days` are the
    dates or timestamps the new rows carry in the columns rollups are kept by. New fact rows
    touch their own days (an evaluation also its ticket's day: coverage); changed rows (whose
    old values are gone) or a reference table (a queue's department, an item's kind) touch
    every rolled day and every day of the facts.
    """
    if table not in FACTS and table not in SHAPES_ROLLUPS:
        return None  # attendance is read raw; halls, staff, calendar… are not in any rollup
    touched = [_day(d) for d in days if d is not None]
    held = rolled_span(conn)
    if table in SHAPES_ROLLUPS or changed_existing:
        if held is None and not touched:
            return None
        first, last = _everything(conn, touched)
    elif not touched:
        return None
    else:
        first, last = min(touched), max(touched)
        if table == "evaluations":  # coverage is kept on the evaluated tickets' days
            first, last = _with_ticket_days(conn, first, last)
        elif table == "cases":  # an application is done on its last completion's day
            first, last = _with_application_days(conn, first, last)
    only = stale_rollups(table, changed_existing)
    if held is None:
        return Stale(first, last)
    if ensure_tables(conn) is not None:  # made again: every day it held is to rebuild
        first, last = min(first, held[0]), max(last, held[1])
        only = None
    if only is None:
        _drop(conn, first, last)
        return Stale(first, last)
    stale = Stale(first, last, only)
    if not _listed(conn, s.rollup_days, first, last):
        return stale  # no day of it rolled: nothing is stale
    # kept as they are, marked: read raw (`plan`) until `rebuild` builds the stale ones
    meta = get_meta(conn)
    if PENDING_KEY in meta:
        stale = stale.merge(Stale.from_json(meta[PENDING_KEY]))
    set_meta(conn, {PENDING_KEY: stale.to_json()})
    return stale


def _with_application_days(
    conn: Connection, first: dt.date, last: dt.date
) -> tuple[dt.date, dt.date]:
    """first..last widened to the completion days of every case of the applications with a
    case accepted or completed in first..last: a case written there can make its
    application done on another day (its last completion), or no longer done on the day it
    was (the bundles rollup)."""
    start = dt.datetime.combine(first, dt.time(0))
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0))
    c = s.cases.c
    # each range on its own (the packaged cases' partial indexes), not an OR of both
    ranges = [(col >= start, col < end) for col in (c.accepted_at, c.completed_at)]
    apps = sa.union(*(_packaged_apps(*r) for r in ranges))
    days = [_day(v) for v in _application_days(conn, sa.select(apps.subquery().c[0]))]
    return min([first, *days]), max([last, *days])


def _with_ticket_days(conn: Connection, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """first..last widened to the issue days of the tickets evaluated in first..last."""
    lo, hi = conn.execute(
        sa.select(sa.func.min(s.tickets.c.issued_at), sa.func.max(s.tickets.c.issued_at))
        .select_from(
            s.tickets.join(s.evaluations, s.evaluations.c.ticket_id == s.tickets.c.ticket_id)
        )
        .where(
            s.evaluations.c.evaluated_at >= dt.datetime.combine(first, dt.time(0)),
            s.evaluations.c.evaluated_at
            < dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0)),
        )
    ).one()
    if lo is None:
        return first, last
    return min(first, _day(lo)), max(last, _day(hi))
