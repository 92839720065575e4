"""What the alert rules read besides the big screen's live queries (`queries.live`).

Every function takes the halls it reads as an explicit `hall_ids` list and the caller's scope
(`access.scope.Scope`, a required keyword, in SQL: the alert service reads as the system, a
page or a test in its reader's scope), and bounds its rows by time, so a pass every minute
reads today's few rows through the `(hall_id, issued_at)`, `(hall_id, evaluated_at)` and
`(hall_id, status)` indexes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import schema as s
from queries.frames import read_frame
from queries.metric_queries import OPEN_STATUSES
from workdays import clock

t, e, c = s.tickets, s.evaluations, s.cases
STR, I64, DTM = pl.String(), pl.Int64(), pl.Datetime("us")
SYNC_STATE = "hallpulse_sync_state"  # written by `hall sync`: name, last_success_at, last_error


def _halls(column, hall_ids: Sequence[str]):
    return column.in_(sorted(set(hall_ids)))


def queue_info(conn: Connection, hall_ids: Sequence[str], *, scope: Scope) -> pl.DataFrame:
    """hall_id, queue_id, name, prefix, dept_id of the halls' queues."""
    q = s.queues
    return read_frame(
        conn,
        sa.select(q.c.hall_id, q.c.queue_id, q.c.name, q.c.prefix, q.c.dept_id).where(
            _halls(q.c.hall_id, hall_ids), scope_filter(scope, q)
        ),
        {"hall_id": STR, "queue_id": STR, "name": STR, "prefix": STR, "dept_id": STR},
    )


def window_info(conn: Connection, hall_ids: Sequence[str], *, scope: Scope) -> pl.DataFrame:
    """hall_id, window_id, label, dept_id of the halls' windows."""
    w = s.windows
    return read_frame(
        conn,
        sa.select(w.c.hall_id, w.c.window_id, w.c.label, w.c.dept_id).where(
            _halls(w.c.hall_id, hall_ids), scope_filter(scope, w)
        ),
        {"hall_id": STR, "window_id": STR, "label": STR, "dept_id": STR},
    )


def last_calls(
    conn: Connection,
    hall_ids: Sequence[str],
    start: dt.datetime,
    now: dt.datetime,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """hall_id, window_id, queue_id, last_called_at: each window's latest call of each queue
    among the tickets issued from `start` (the hall's midnight) to `now`."""
    stmt = (
        sa.select(t.c.hall_id, t.c.window_id, t.c.queue_id, sa.func.max(t.c.called_at))
        .where(
            _halls(t.c.hall_id, hall_ids),
            scope_filter(scope, t),
            t.c.issued_at >= start,
            t.c.issued_at <= now,
            t.c.window_id.isnot(None),
            t.c.called_at.isnot(None),
            t.c.called_at <= now,
        )
        .group_by(t.c.hall_id, t.c.window_id, t.c.queue_id)
    )
    return read_frame(
        conn,
        stmt,
        {"hall_id": STR, "window_id": STR, "queue_id": STR, "last_called_at": DTM},
    )


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
}


def bad_reviews_since(
    conn: Connection,
    hall_ids: Sequence[str],
    since: dt.datetime,
    now: dt.datetime,
    max_rating: int = 2,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Active evaluations (not system defaults) with a rating ≤ `max_rating`, evaluated after
    `since` up to `now`: BAD_REVIEWS columns, newest first."""
    active = sa.func.coalesce(e.c.is_default, sa.false()) == sa.false()
    stmt = (
        sa.select(*(e.c[name] for name in BAD_REVIEWS))
        .where(
            _halls(e.c.hall_id, hall_ids),
            scope_filter(scope, e),
            e.c.evaluated_at > since,
            e.c.evaluated_at <= now,
            e.c.rating <= max_rating,
            active,
        )
        .order_by(e.c.evaluated_at.desc(), e.c.eval_id)
    )
    return read_frame(conn, stmt, BAD_REVIEWS)


DUE_CASES = {
    "case_id": STR,
    "hall_id": STR,
    "item_id": STR,
    "item_name": STR,
    "window_id": STR,
    "staff_id": STR,
    "status": STR,
    "accepted_at": DTM,
    "due_at": DTM,
    "kind": STR,
    "allowed": I64,
}


def open_cases_maybe_due(
    conn: Connection, hall_ids: Sequence[str], day: dt.date, now: dt.datetime, *, scope: Scope
) -> pl.DataFrame:
    """Cases open at `now` (in progress or suspended, accepted by now) that may fall due on
    `day`: those with a `due_at` on that day, and those without one (their deadline comes
    from the calendar: `metrics.drilldown.with_deadlines`). DUE_CASES columns; `allowed` =
    promised + suspended working days."""
    i = s.items
    start = dt.datetime.combine(day, dt.time(0))
    end = start + dt.timedelta(days=1)
    due_that_day = sa.or_(c.c.due_at.is_(None), sa.and_(c.c.due_at >= start, c.c.due_at < end))
    stmt = (
        sa.select(
            c.c.case_id,
            c.c.hall_id,
            c.c.item_id,
            i.c.name,
            c.c.window_id,
            c.c.staff_id,
            c.c.status,
            c.c.accepted_at,
            c.c.due_at,
            i.c.kind,
            (i.c.promised_workdays + sa.func.coalesce(c.c.suspended_workdays, 0)).label("allowed"),
        )
        .select_from(c.join(i, i.c.item_id == c.c.item_id))
        .where(
            _halls(c.c.hall_id, hall_ids),
            scope_filter(scope, c),
            c.c.status.in_(OPEN_STATUSES),  # the (hall, status) index: the open few
            # not an index: (hall, accepted_at) would walk every case the hall ever accepted
            sa.func.coalesce(c.c.accepted_at, c.c.accepted_at) <= now,
            due_that_day,
        )
    )
    return read_frame(conn, stmt, DUE_CASES)


SYNC_SOURCES = {"name": STR, "last_success_at": DTM, "last_error": STR}


def sync_sources(conn: Connection, tz: str | None = None, *, scope: Scope) -> pl.DataFrame:
    """name, last_success_at, last_error of every source `hall sync` keeps in
    `hallpulse_sync_state`; empty when that table does not exist (no sync configured), and
    for any scope but the unrestricted one (the feeds are the whole database's plumbing).
    Naive times are taken as local (the house's rule); aware ones are converted to `tz`."""
    if scope.hall_ids is not None or not sa.inspect(conn).has_table(SYNC_STATE):
        return pl.DataFrame(schema=SYNC_SOURCES)
    state = sa.table(
        SYNC_STATE, sa.column("name"), sa.column("last_success_at"), sa.column("last_error")
    )
    rows = conn.execute(
        sa.select(state.c.name, state.c.last_success_at, state.c.last_error).order_by(state.c.name)
    ).all()
    return pl.DataFrame(
        [(name, _moment(at, tz), error) for name, at, error in rows],
        schema=SYNC_SOURCES,
        orient="row",
    )


def _moment(value, tz: str | None) -> dt.datetime | None:
    """A timestamp as the driver gives it (SQLite: text) as a naive local datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return clock.to_hall(value, tz)
