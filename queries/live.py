"""The big screen's live reads: one hall, today, up to `now`.

Every query is bounded by the hall and a time range on `issued_at` (or the attendance date), so
the `(hall_id, issued_at)` / `(hall_id, work_date)` indexes serve it and a year of history is
never scanned. Results are small polars frames; `metrics.live` turns them into figures.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import schema as s
from queries.dialect import hour_of
from queries.frames import read_frame
from workdays import clock

t = s.tickets


def _today(hall_id: str, start: dt.datetime, now: dt.datetime, scope: Scope) -> list:
    return [
        t.c.hall_id == hall_id,
        t.c.issued_at >= start,
        t.c.issued_at <= now,
        scope_filter(scope, t),
    ]


def hall_list(conn: Connection, *, scope: Scope) -> pl.DataFrame:
    """hall_id, name, level: the halls of `scope` (every hall for an admin), district centres
    first."""
    h = s.halls
    frame = read_frame(
        conn,
        sa.select(h.c.hall_id, h.c.name, h.c.level)
        .where(scope_filter(scope, h))
        .order_by(h.c.hall_id),
        {"hall_id": pl.String, "name": pl.String, "level": pl.String},
    )
    order = {"district": 0, "street": 1, "community": 2}
    return frame.sort(pl.col("level").replace_strict(order, default=3), "hall_id")


def hall_zones(conn: Connection) -> dict[str, str]:
    """hall_id → the hall's time zone (`halls.timezone`, Asia/Shanghai when empty)."""
    h = s.halls
    rows = conn.execute(sa.select(h.c.hall_id, h.c.timezone)).all()
    return {hall_id: (tz or "").strip() or clock.DEFAULT_TZ for hall_id, tz in rows}


def queue_list(conn: Connection, hall_id: str, *, scope: Scope) -> pl.DataFrame:
    """queue_id, name, prefix of the hall's queues, by prefix."""
    q = s.queues
    return read_frame(
        conn,
        sa.select(q.c.queue_id, q.c.name, q.c.prefix)
        .where(q.c.hall_id == hall_id, scope_filter(scope, q))
        .order_by(q.c.prefix, q.c.queue_id),
        {"queue_id": pl.String, "name": pl.String, "prefix": pl.String},
    )


def queue_today(
    conn: Connection, hall_id: str, start: dt.datetime, now: dt.datetime, *, scope: Scope
):
    """queue_id, issued, served, serving: today's tickets per queue, issued from `start` to
    `now` (statuses as the database holds them at `now`)."""
    served = sa.func.sum(sa.case((t.c.status == "served", 1), else_=0))
    serving = sa.func.sum(sa.case((t.c.status.in_(("called", "serving")), 1), else_=0))
    return read_frame(
        conn,
        sa.select(t.c.queue_id, sa.func.count(), served, serving)
        .where(*_today(hall_id, start, now, scope))
        .group_by(t.c.queue_id),
        {"queue_id": pl.String, "issued": pl.Int64, "served": pl.Int64, "serving": pl.Int64},
    )


def waiting_tickets(
    conn: Connection, hall_id: str, start: dt.datetime, now: dt.datetime, *, scope: Scope
):
    """queue_id, issued_at, source, appointment_start of today's tickets still waiting (status
    `waiting`: issued, not yet called) at `now`. A hall has tens of them, not thousands."""
    return read_frame(
        conn,
        sa.select(t.c.queue_id, t.c.issued_at, t.c.source, t.c.appointment_start).where(
            *_today(hall_id, start, now, scope), t.c.status == "waiting"
        ),
        {
            "queue_id": pl.String,
            "issued_at": pl.Datetime("us"),
            "source": pl.String,
            "appointment_start": pl.Datetime("us"),
        },
    )


def recent_callers(
    conn: Connection,
    hall_id: str,
    start: dt.datetime,
    since: dt.datetime,
    now: dt.datetime,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """queue_id, window_id: windows that called a ticket of the queue between `since` and
    `now` (tickets issued today from `start`)."""
    return read_frame(
        conn,
        sa.select(t.c.queue_id, t.c.window_id)
        .where(
            *_today(hall_id, start, now, scope),
            t.c.window_id.isnot(None),
            t.c.called_at >= since,
            t.c.called_at <= now,
        )
        .distinct(),
        {"queue_id": pl.String, "window_id": pl.String},
    )


def shifts_today(conn: Connection, hall_id: str, day: dt.date, *, scope: Scope) -> pl.DataFrame:
    """window_id, clock_in, clock_out of the hall's attendance rows of `day` with a window."""
    a = s.attendance
    return read_frame(
        conn,
        sa.select(a.c.window_id, a.c.clock_in, a.c.clock_out).where(
            a.c.hall_id == hall_id,
            a.c.work_date == day,
            a.c.window_id.isnot(None),
            scope_filter(scope, a),
        ),
        {"window_id": pl.String, "clock_in": pl.Datetime("us"), "clock_out": pl.Datetime("us")},
    )


def recent_calls(
    conn: Connection,
    hall_id: str,
    start: dt.datetime,
    now: dt.datetime,
    limit: int = 8,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """The latest calls (叫号) of today up to `now`, newest first: ticket_no, queue, window
    (label), staff (name; masked, 张*明, where the scope hides names), called_at, status."""
    q, w, st = s.queues, s.windows, s.staff
    stmt = (
        sa.select(t.c.ticket_no, q.c.name, w.c.label, st.c.name, t.c.called_at, t.c.status)
        .select_from(
            t.join(q, q.c.queue_id == t.c.queue_id)
            .outerjoin(w, w.c.window_id == t.c.window_id)
            .outerjoin(st, st.c.staff_id == t.c.staff_id)
        )
        .where(*_today(hall_id, start, now, scope), t.c.called_at.isnot(None), t.c.called_at <= now)
        .order_by(t.c.called_at.desc(), t.c.ticket_id.desc())
        .limit(limit)
    )
    frame = read_frame(
        conn,
        stmt,
        {
            "ticket_no": pl.String,
            "queue": pl.String,
            "window": pl.String,
            "staff": pl.String,
            "called_at": pl.Datetime("us"),
            "status": pl.String,
        },
    )
    if not scope.names_visible:
        from metrics.live import mask_name

        frame = frame.with_columns(pl.col("staff").map_elements(mask_name, return_dtype=pl.String))
    return frame


def hourly_issued(
    conn: Connection, hall_id: str, start: dt.datetime, end: dt.datetime, *, scope: Scope
) -> pl.DataFrame:
    """hour (0–23), issued: tickets issued per hour of the day from `start` to `end`
    (inclusive); one day at a time."""
    hour = hour_of(t.c.issued_at)
    return read_frame(
        conn,
        sa.select(hour, sa.func.count())
        .where(
            t.c.hall_id == hall_id,
            t.c.issued_at >= start,
            t.c.issued_at <= end,
            scope_filter(scope, t),
        )
        .group_by(hour),
        {"hour": pl.Int32, "issued": pl.Int64},
    ).sort("hour")


def newest_ticket(
    conn: Connection, hall_id: str, now: dt.datetime, *, scope: Scope
) -> dt.datetime | None:
    """The newest `issued_at` of the hall up to `now` (the index's last entry)."""
    value = conn.execute(
        sa.select(sa.func.max(t.c.issued_at)).where(
            t.c.hall_id == hall_id, t.c.issued_at <= now, scope_filter(scope, t)
        )
    ).scalar_one()
    if isinstance(value, str):  # SQLite through a bare select of max()
        value = dt.datetime.fromisoformat(value)
    return value


def department_names(conn: Connection, *, scope: Scope) -> dict[str, str]:
    """dept_id → name, of the departments inside `scope`."""
    d = s.departments
    return dict(conn.execute(sa.select(d.c.dept_id, d.c.name).where(scope_filter(scope, d))).all())
