"""The rows behind the numbers: detail lists and two-way groupings the dashboard pages show.

Every function takes the metrics' `Filters` and filters exactly as `queries.metric_queries` does
(the same `_Dims` per fact table), so a list drilled into from a figure holds the rows that
figure counted. SQLAlchemy Core with bound parameters; results as polars frames with declared
schemas; the few dialect differences come from `queries.dialect`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import schema as s
from queries.dialect import day_of, flag, hour_of, int_div, second_of_day, seconds_between
from queries.frames import read_frame
from queries.metric_queries import (
    Filters,
    _case_total_days,
    _wait_parts,
    attendance_dims,
    case_dims,
    eval_dims,
    i_case,
    open_case_branches,
    shift_absent,
    ticket_dims,
)

t, c, e, a = s.tickets, s.cases, s.evaluations, s.attendance
STR, I64, DTM, DAY = pl.String(), pl.Int64(), pl.Datetime("us"), pl.Date()
PAGE_ROWS = 50


def _sum(expr):
    return sa.func.coalesce(sa.func.sum(expr), 0)


# --- reference names -------------------------------------------------------------------------


def reference(conn: Connection, *, scope: Scope) -> dict[str, pl.DataFrame]:
    """Names for ids: halls, departments, windows (label, hall, department, kind), staff
    (name, hall, department), items (name, department, kind) and queues — those inside
    `scope` (a director's halls, a manager's department; pickers list only these). Where the
    scope hides names (a viewer), a staff member's name is masked (张*明)."""
    sel = {
        "halls": (s.halls, ("hall_id", "name", "level")),
        "departments": (s.departments, ("dept_id", "name")),
        "windows": (s.windows, ("window_id", "hall_id", "label", "kind", "dept_id")),
        "staff": (s.staff, ("staff_id", "name", "hall_id", "dept_id")),
        "items": (s.items, ("item_id", "name", "dept_id", "kind")),
        "queues": (s.queues, ("queue_id", "hall_id", "name", "dept_id")),
    }
    out = {}
    for name, (table, cols) in sel.items():
        stmt = (
            sa.select(*(table.c[col] for col in cols))
            .where(scope_filter(scope, table))
            .order_by(table.c[cols[0]])
        )
        out[name] = read_frame(conn, stmt, dict.fromkeys(cols, STR))
    if not scope.names_visible:
        out["staff"] = out["staff"].with_columns(mask_names(pl.col("name")))
    return out


def mask_names(column: pl.Expr) -> pl.Expr:
    """Staff names as a scope without names may see them (`metrics.live.mask_name`)."""
    from metrics.live import mask_name

    return column.map_elements(mask_name, return_dtype=pl.String)


# --- tickets -----------------------------------------------------------------------------------


def _ticket_where(period: Filters, scope: Scope):
    dims = ticket_dims()
    in_period = [t.c.issued_at >= period.start, t.c.issued_at < period.end]
    return dims.from_(None, period), [*in_period, *dims.where(period, scope)]


TICKET_LIST = {
    "ticket_id": STR,
    "ticket_no": STR,
    "queue_id": STR,
    "window_id": STR,
    "staff_id": STR,
    "status": STR,
    "source": STR,
    "issued_at": DTM,
    "called_at": DTM,
    "finished_at": DTM,
    "wait_s": I64,
    "service_s": I64,
}


def ticket_count(conn: Connection, period: Filters, *, scope: Scope) -> int:
    """How many tickets `ticket_list` pages through."""
    from_, where = _ticket_where(period, scope)
    stmt = sa.select(sa.func.count()).select_from(from_).where(*where)
    return int(conn.execute(stmt).scalar_one())


def ticket_list(
    conn: Connection, period: Filters, limit: int = PAGE_ROWS, offset: int = 0, *, scope: Scope
) -> pl.DataFrame:
    """The tickets of the period, newest first (`TICKET_LIST` columns): the wait as the metrics
    count it (null when the ticket has no valid wait), the service time of served tickets."""
    from_, where = _ticket_where(period, scope)
    valid, wait = _wait_parts()
    service_ok = (t.c.status == "served") & t.c.called_at.isnot(None) & t.c.finished_at.isnot(None)
    stmt = (
        sa.select(
            *(t.c[name] for name in list(TICKET_LIST)[:10]),
            sa.case((valid, wait), else_=None).label("wait_s"),
            sa.case((service_ok, seconds_between(t.c.finished_at, t.c.called_at))).label(
                "service_s"
            ),
        )
        .select_from(from_)
        .where(*where)
        .order_by(t.c.issued_at.desc(), t.c.ticket_id.desc())
        .limit(limit)
        .offset(offset)
    )
    return read_frame(conn, stmt, TICKET_LIST)


def hour_by_day(
    conn: Connection, period: Filters, *, scope: Scope, by_hall: bool = False
) -> pl.DataFrame:
    """Tickets by issue day and hour: day, hour, issued, wait_n, wait_sum_s (valid waits of
    served tickets, as the metrics count them). With `by_hall`, per hall too (a hall_id
    column): the hourly rollup's definition (`queries.rollups`, "hours"); the pages read it
    through `metric_inputs.hour_by_day`, rolled days from that rollup."""
    from_, where = _ticket_where(period, scope)
    valid, wait = _wait_parts()
    day, hour = day_of(t.c.issued_at), hour_of(t.c.issued_at)
    halls = [t.c.hall_id] if by_hall else []
    stmt = (
        sa.select(
            *halls,
            day.label("day"),
            hour.label("hour"),
            sa.func.count().label("issued"),
            _sum(flag(valid)).label("wait_n"),
            _sum(sa.case((valid, wait), else_=0)).label("wait_sum_s"),
        )
        .select_from(from_)
        .where(*where)
        .group_by(*halls, day, hour)
    )
    schema = {"day": DAY, "hour": I64, "issued": I64, "wait_n": I64, "wait_sum_s": I64}
    if by_hall:
        schema = {"hall_id": STR, **schema}
    return read_frame(conn, stmt, schema).sort(*(["hall_id"] if by_hall else []), "day", "hour")


def daily_by(conn: Connection, period: Filters, dimension: str, *, scope: Scope) -> pl.DataFrame:
    """Served tickets and valid waits per (group of `dimension`, issue day): group, day,
    served, wait_n, wait_sum_s. For sparklines next to a per-group table."""
    dims = ticket_dims()
    group = dims.group(dimension)
    if group is None or dimension in ("date", "hour", "weekday"):
        raise ValueError(f"no daily series by {dimension!r}")
    valid, wait = _wait_parts()
    day = day_of(t.c.issued_at)
    stmt = (
        sa.select(
            group.label("group"),
            day.label("day"),
            _sum(flag(t.c.status == "served")).label("served"),
            _sum(flag(valid)).label("wait_n"),
            _sum(sa.case((valid, wait), else_=0)).label("wait_sum_s"),
        )
        .select_from(dims.from_(dimension, period))
        .where(
            t.c.issued_at >= period.start, t.c.issued_at < period.end, *dims.where(period, scope)
        )
        .group_by(group, day)
    )
    schema = {"group": STR, "day": DAY, "served": I64, "wait_n": I64, "wait_sum_s": I64}
    frame = read_frame(conn, stmt, schema)
    return frame.filter(pl.col("group").is_not_null()).sort("group", "day")


def ticket_intervals(conn: Connection, period: Filters, *, scope: Scope) -> pl.DataFrame:
    """Issue and call times of the period's called tickets (issued_at, called_at): who was
    waiting when. Tickets never called (cancelled, still waiting) have no known end: left out."""
    from_, where = _ticket_where(period, scope)
    stmt = (
        sa.select(t.c.issued_at, t.c.called_at)
        .select_from(from_)
        .where(*where, t.c.called_at.isnot(None), t.c.called_at >= t.c.issued_at)
    )
    return read_frame(conn, stmt, {"issued_at": DTM, "called_at": DTM})


# --- cases -------------------------------------------------------------------------------------

OPEN_CASES = {
    "case_id": STR,
    "hall_id": STR,
    "item_id": STR,
    "dept_id": STR,
    "window_id": STR,
    "staff_id": STR,
    "channel": STR,
    "status": STR,
    "accepted_at": DTM,
    "due_at": DTM,
    "kind": STR,
    "allowed": I64,
    "tolerance": pl.Boolean(),
}


def open_case_list(
    conn: Connection,
    period: Filters,
    *,
    scope: Scope,
    due_by: dt.datetime | None = None,
) -> pl.DataFrame:
    """Cases open at as_of (the stock `overdue_open` and `due_soon_open` count), with what
    their deadline needs: `due_at` when given, else item kind and working days allowed
    (`allowed` = promised + suspended). `metrics.drilldown.with_deadlines` finishes them.
    `due_by`: only the cases that can be overdue or due by then (the end of the due-soon
    window), those whose `due_at` is at most `due_by` and those without one (their deadline
    is worked out on the calendar afterwards): the city's 66,700 open cases are 2,000 such
    rows, 0.56 s read into a frame, most of it making Python objects of rows nobody lists."""
    dims = case_dims(c.c.accepted_at)
    due = [] if due_by is None else [sa.or_(c.c.due_at.is_(None), c.c.due_at <= due_by)]
    columns = (
        c.c.case_id,
        c.c.hall_id,
        c.c.item_id,
        i_case.c.dept_id,
        c.c.window_id,
        c.c.staff_id,
        c.c.channel,
        c.c.status,
        c.c.accepted_at,
        c.c.due_at,
        i_case.c.kind,
        _case_total_days().label("allowed"),
        c.c.tolerance,
    )
    frames = [  # the metrics' index-served branches, so the list counts what the figures count
        read_frame(
            conn,
            sa.select(*columns)
            .select_from(dims.from_(None, period))
            .where(*branch, *dims.where(period, scope), *due),
            OPEN_CASES,
        )
        for branch in open_case_branches(period.as_of)
    ]
    return pl.concat(frames).sort("accepted_at", "case_id")


def case_breakdown(conn: Connection, period: Filters, *, scope: Scope) -> pl.DataFrame:
    """Cases accepted in the period by channel: channel, accepted, tolerance (容缺)."""
    dims = case_dims(c.c.accepted_at)
    stmt = (
        sa.select(
            c.c.channel,
            sa.func.count().label("accepted"),
            _sum(flag(c.c.tolerance == sa.true())).label("tolerance"),
        )
        .select_from(dims.from_(None, period))
        .where(
            c.c.accepted_at >= period.start,
            c.c.accepted_at < period.end,
            *dims.where(period, scope),
        )
        .group_by(c.c.channel)
    )
    return read_frame(conn, stmt, {"channel": STR, "accepted": I64, "tolerance": I64}).sort(
        "accepted", descending=True
    )


# --- evaluations -------------------------------------------------------------------------------

BAD_REVIEWS = {
    "eval_id": STR,
    "hall_id": STR,
    "evaluated_at": DTM,
    "rating": I64,
    "channel": STR,
    "window_id": STR,
    "staff_id": STR,
    "item_id": STR,
    "comment": STR,
    "revisited_at": DTM,
    "rectified_at": DTM,
    "rectification_note": STR,
}


def _active():
    return sa.func.coalesce(e.c.is_default, sa.false()) == sa.false()


def bad_review_list(conn: Connection, period: Filters, *, scope: Scope) -> pl.DataFrame:
    """The active bad reviews (rating ≤ 2) evaluated in the period, newest first, with what
    was done about them (`metrics.engine.bad_review_status` judges the deadlines)."""
    dims = eval_dims()
    stmt = (
        sa.select(*(e.c[name] for name in BAD_REVIEWS))
        .select_from(dims.from_(None, period))
        .where(
            e.c.evaluated_at >= period.start,
            e.c.evaluated_at < period.end,
            _active(),
            e.c.rating <= s.BAD_RATING,
            *dims.where(period, scope),
        )
        .order_by(e.c.evaluated_at.desc(), e.c.eval_id)
    )
    return read_frame(conn, stmt, BAD_REVIEWS)


def rating_by_channel(
    conn: Connection, period: Filters, *, scope: Scope, by_hall: bool = False
) -> pl.DataFrame:
    """Active evaluations of the period per channel and rating: channel, rating, n.
    `by_hall`: per hall and day too, as the ratings rollup keeps them (hall_id, day, channel,
    rating, n: `queries.rollups`, "ratings"; read through `queries.ratings`)."""
    dims = eval_dims()
    day = day_of(e.c.evaluated_at)
    keys = [e.c.hall_id, day.label("day")] if by_hall else []
    schema = {"hall_id": STR, "day": DAY} if by_hall else {}
    stmt = (
        sa.select(*keys, e.c.channel, e.c.rating, sa.func.count().label("n"))
        .select_from(dims.from_(None, period))
        .where(
            e.c.evaluated_at >= period.start,
            e.c.evaluated_at < period.end,
            _active(),
            *dims.where(period, scope),
        )
        .group_by(*([e.c.hall_id, day] if by_hall else []), e.c.channel, e.c.rating)
    )
    schema |= {"channel": STR, "rating": I64, "n": I64}
    frame = read_frame(conn, stmt, schema)
    return frame if by_hall else frame.sort("channel", "rating")


def comment_list(
    conn: Connection, period: Filters, limit: int = PAGE_ROWS, *, scope: Scope
) -> pl.DataFrame:
    """The newest active evaluations of the period that carry a comment: eval_id,
    evaluated_at, rating, channel, window_id, staff_id, comment."""
    dims = eval_dims()
    cols = ("eval_id", "evaluated_at", "rating", "channel", "window_id", "staff_id", "comment")
    stmt = (
        sa.select(*(e.c[name] for name in cols))
        .select_from(dims.from_(None, period))
        .where(
            e.c.evaluated_at >= period.start,
            e.c.evaluated_at < period.end,
            _active(),
            e.c.comment.isnot(None),
            e.c.comment != "",
            *dims.where(period, scope),
        )
        .order_by(e.c.evaluated_at.desc(), e.c.eval_id)
        .limit(limit)
    )
    return read_frame(conn, stmt, {name: BAD_REVIEWS[name] for name in cols})


# --- attendance --------------------------------------------------------------------------------

SHIFTS = {
    "staff_id": STR,
    "hall_id": STR,
    "work_date": DAY,
    "shift_kind": STR,
    "window_id": STR,
    "scheduled_start": DTM,
    "clock_in": DTM,
    "clock_out": DTM,
    "leave": STR,
}


def attendance_exceptions(
    conn: Connection, period: Filters, grace_s: float, *, scope: Scope
) -> pl.DataFrame:
    """Shifts of the period that were late (clock-in more than `grace_s` after the roster) or
    absent (rostered, no clock-in, no leave), as `late_rate` / `absence_rate` count them, with
    `late_s` (null for an absence). Newest first."""
    dims = attendance_dims()
    late = (
        a.c.scheduled_start.isnot(None)
        & a.c.clock_in.isnot(None)
        & (seconds_between(a.c.clock_in, a.c.scheduled_start) > grace_s)
    )
    absent = shift_absent(period.as_of, grace_s)  # a shift still to come is not absent
    stmt = (
        sa.select(
            *(a.c[name] for name in SHIFTS),
            sa.case((late, seconds_between(a.c.clock_in, a.c.scheduled_start))).label("late_s"),
        )
        .select_from(dims.from_(None, period))
        .where(
            a.c.work_date >= period.first,
            a.c.work_date <= period.last,
            sa.or_(late, absent),
            *dims.where(period, scope),
        )
        .order_by(a.c.work_date.desc(), a.c.staff_id, a.c.shift_kind)
    )
    return read_frame(conn, stmt, {**SHIFTS, "late_s": I64})


def staffed_intervals(conn: Connection, period: Filters, *, scope: Scope) -> pl.DataFrame:
    """Punched shifts at a window in the period: work_date, window_id, clock_in, clock_out
    (both punches present, out after in): which windows were open when."""
    dims = attendance_dims()
    stmt = (
        sa.select(a.c.work_date, a.c.window_id, a.c.clock_in, a.c.clock_out)
        .select_from(dims.from_(None, period))
        .where(
            a.c.work_date >= period.first,
            a.c.work_date <= period.last,
            a.c.window_id.isnot(None),
            a.c.clock_in.isnot(None),
            a.c.clock_out > a.c.clock_in,
            *dims.where(period, scope),
        )
    )
    schema = {"work_date": DAY, "window_id": STR, "clock_in": DTM, "clock_out": DTM}
    return read_frame(conn, stmt, schema)


# --- open windows against people waiting, per quarter-hour, counted in the database ----------


@dataclass(frozen=True)
class OccupancyCounts:
    """What `metrics.drilldown.occupancy_from_counts` needs: the slots (every `step_s` from
    `first_s`, the first clock-in's time of day floored to the step, up to the last
    clock-out's time of day), the staffed days, the shifts as the slots they cover
    (`shifts`: work_date, window_id, ka, kb; staffed at slot k when ka ≤ k < kb; a few
    thousand rows a year) and the called tickets counted in SQL by the slots they were
    issued and called in (`waits`: issue_day, call_day, ka, kc, n; waiting at slot k of its
    day when ka ≤ k < kc). Slot indices at or before 0 mean "from the first slot"."""

    first_s: int
    slots: int
    days: list
    shifts: pl.DataFrame
    waits: pl.DataFrame


def _ceil_slot(seconds: sa.ColumnElement, first_s: int, step_s: int) -> sa.ColumnElement:
    """The first slot at or after `seconds` (seconds from the day's midnight): its index
    where that is after `first_s`, else some value ≤ 0 (division truncates towards zero; the
    caller clips at 0) — no CASE evaluated per row."""
    return int_div(seconds + (step_s - 1 - first_s), step_s)


def occupancy_counts(
    conn: Connection,
    period: Filters,
    *,
    scope: Scope,
    step_s: int = 900,
    waits_read: Callable[..., pl.DataFrame] | None = None,
) -> OccupancyCounts | None:
    """Open windows and waiting tickets per slot of the day (`OccupancyCounts`) for the
    shifts of `staffed_intervals` and the tickets of `ticket_intervals`, aggregated in the
    database: a year is a few thousand rows instead of every ticket. None without shifts.
    `waits_read`: reads the waits instead of `wait_slots` (with its arguments), e.g. from
    the waits rollup (`queries.occupancy`)."""
    dims = attendance_dims()
    shift_where = [
        a.c.work_date >= period.first,
        a.c.work_date <= period.last,
        a.c.window_id.isnot(None),
        a.c.clock_in.isnot(None),
        a.c.clock_out > a.c.clock_in,
        *dims.where(period, scope),
    ]
    shifts_from = dims.from_(None, period)
    bounds = conn.execute(
        sa.select(
            sa.func.min(second_of_day(a.c.clock_in)), sa.func.max(second_of_day(a.c.clock_out))
        )
        .select_from(shifts_from)
        .where(*shift_where)
    ).one()
    if bounds[0] is None:
        return None
    first_s = int(bounds[0]) // step_s * step_s
    slots = max(0, (int(bounds[1]) - first_s) // step_s + 1)
    covered = (  # a few rows a day: windows counted once a day in metrics.drilldown
        sa.select(
            a.c.work_date.label("work_date"),
            a.c.window_id.label("window_id"),
            _ceil_slot(seconds_between(a.c.clock_in, a.c.work_date), first_s, step_s).label("ka"),
            _ceil_slot(seconds_between(a.c.clock_out, a.c.work_date), first_s, step_s).label("kb"),
        )
        .distinct()
        .select_from(shifts_from)
        .where(*shift_where)
        .subquery("covered")
    )
    shifts = read_frame(
        conn,
        sa.select(covered),
        {"work_date": DAY, "window_id": STR, "ka": I64, "kb": I64},
    )
    days = sorted(shifts["work_date"].unique().to_list())  # the staffed days: those of the shifts
    waits = (
        waits_read(conn, period, first_s, step_s, scope=scope)
        if waits_read is not None
        else wait_slots(conn, period, first_s, step_s, scope=scope)
    )
    return OccupancyCounts(first_s, slots, days, shifts, waits)


WAIT_SLOTS_SCHEMA = {"issue_day": DAY, "call_day": DAY, "ka": I64, "kc": I64, "n": I64}


def wait_slots(
    conn: Connection,
    period: Filters,
    first_s: int,
    step_s: int,
    *,
    scope: Scope,
    by_hall: bool = False,
) -> pl.DataFrame:
    """The called tickets of the period counted by the days and slots they were issued and
    called in (`OccupancyCounts.waits`: issue_day, call_day, ka, kc, n; slots of `step_s`
    from `first_s`). `by_hall`: per hall too, as the waits rollup keeps them (hall_id, day,
    call_day, ka, kc, n with `first_s` 0: `queries.rollups`, "waits"); the slots from another
    `first_s` (a multiple of the step) are those less first_s / step_s, the same wherever a
    slot is after the first (`_ceil_slot`: the ones at or before 0 all mean "from the
    first")."""
    from_, where = _ticket_where(period, scope)
    issue_day, call_day = day_of(t.c.issued_at), day_of(t.c.called_at)
    ka = _ceil_slot(second_of_day(t.c.issued_at), first_s, step_s)
    kc = _ceil_slot(second_of_day(t.c.called_at), first_s, step_s)
    halls = [t.c.hall_id] if by_hall else []
    keys = [*halls, issue_day.label("day" if by_hall else "issue_day"), call_day.label("call_day")]
    schema = {"hall_id": STR, "day": DAY} if by_hall else {"issue_day": DAY}
    schema |= {k: v for k, v in WAIT_SLOTS_SCHEMA.items() if k != "issue_day"}
    return read_frame(
        conn,
        sa.select(*keys, ka.label("ka"), kc.label("kc"), sa.func.count().label("n"))
        .select_from(from_)
        .where(*where, t.c.called_at.isnot(None), t.c.called_at >= t.c.issued_at)
        .group_by(*halls, issue_day, call_day, ka, kc),
        schema,
    )
