"""The SQL behind forecasting and staffing: counts are aggregated in the database, per day and
per half-hour; service times, waits and shifts are read for a recent window only.

Every read takes the caller's scope (`access.scope.Scope`, a required keyword) in its WHERE:
a director forecasts the halls of their scope, a department manager their department's demand
(its queues' tickets, its staff's shifts), exactly as the figures are scoped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import schema as s
from queries.dialect import day_of, flag, hour_of, seconds_between
from queries.frames import read_frame


def _span(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(first, dt.time(0)), dt.datetime.combine(
        last + dt.timedelta(days=1), dt.time(0)
    )


def _ticket_filters(
    first: dt.date, last: dt.date, hall_id: str | None, queue_id: str | None, scope: Scope
) -> list[sa.ColumnElement]:
    start, end = _span(first, last)
    t = s.tickets
    where = [t.c.issued_at >= start, t.c.issued_at < end, scope_filter(scope, t)]
    if hall_id:
        where.append(t.c.hall_id == hall_id)
    if queue_id:
        where.append(t.c.queue_id == queue_id)
    return where


def ticket_span(
    conn: Connection, hall_id: str | None = None, *, scope: Scope
) -> tuple[dt.datetime, dt.datetime]:
    """First and last `issued_at` the scope sees (of one hall, or of all); (None, None)
    without tickets."""
    t = s.tickets

    def edge(aggregate, hall) -> sa.ScalarSelect:
        # one MIN or MAX per hall: each is a seek at one end of the (hall_id, issued_at) index
        # (MIN and MAX over every hall at once scanned every ticket: 0.7 s on a year's demo)
        return (
            sa.select(aggregate(t.c.issued_at))
            .where(t.c.hall_id == hall, scope_filter(scope, t))
            .scalar_subquery()
        )

    if hall_id:
        stmt = sa.select(edge(sa.func.min, hall_id), edge(sa.func.max, hall_id))
    else:
        h = s.halls
        per_hall = (
            sa.select(
                edge(sa.func.min, h.c.hall_id).correlate(h).label("first"),
                edge(sa.func.max, h.c.hall_id).correlate(h).label("last"),
            )
            .select_from(h)
            .subquery()
        )
        stmt = sa.select(sa.func.min(per_hall.c.first), sa.func.max(per_hall.c.last))
    first, last = conn.execute(stmt).one()
    if isinstance(first, str):  # SQLite without declared types in an aggregate
        first, last = dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(last)
    return first, last


def daily_arrivals(
    conn: Connection,
    first: dt.date,
    last: dt.date,
    hall_id: str | None = None,
    queue_id: str | None = None,
    by_queue: bool = False,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Tickets issued per day: hall_id, [queue_id,] date, arrivals (days without tickets absent).

    Days the daily rollups hold (`queries.rollups`) are summed from them, the others counted
    from the tickets: the same figures, without scanning a year of ticket rows."""
    rolled = _rolled_days(conn, first, last)
    schema = {"hall_id": pl.String}
    if by_queue:
        schema["queue_id"] = pl.String
    schema |= {"date": pl.Date, "arrivals": pl.Int64}
    parts = []
    if rolled:
        r = s.rollup_tickets
        days = s.rollup_days
        keys = [r.c.hall_id] + ([r.c.queue] if by_queue else []) + [r.c.day]
        where = [
            r.c.day >= first,
            r.c.day <= last,
            r.c.day.in_(sa.select(days.c.day).where(days.c.day.between(first, last))),
            scope_filter(scope, r),
        ]
        if hall_id:
            where.append(r.c.hall_id == hall_id)
        if queue_id:
            where.append(r.c.queue == queue_id)
        stmt = (
            sa.select(*keys, sa.func.sum(r.c.issued).label("arrivals"))
            .where(*where)
            .group_by(*keys)
            .having(sa.func.sum(r.c.issued) > 0)
        )
        parts.append(read_frame(conn, stmt, schema))
    t = s.tickets
    day = day_of(t.c.issued_at).label("date")
    keys = [t.c.hall_id] + ([t.c.queue_id] if by_queue else []) + [day]
    for run_first, run_last in _runs(first, last, rolled):
        stmt = (
            sa.select(*keys, sa.func.count().label("arrivals"))
            .where(*_ticket_filters(run_first, run_last, hall_id, queue_id, scope))
            .group_by(*keys)
        )
        parts.append(read_frame(conn, stmt, schema))
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    return frame.sort(list(schema)[:-1])


def _rolled_days(conn: Connection, first: dt.date, last: dt.date) -> set[dt.date]:
    """The days first..last the daily rollups hold (none when there are no rollups)."""
    if not sa.inspect(conn).has_table(s.rollup_days.name):
        return set()
    days = s.rollup_days.c.day
    out = set()
    for (value,) in conn.execute(sa.select(days).where(days.between(first, last))):
        out.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10]))
    return out


def _runs(first: dt.date, last: dt.date, skip: set[dt.date]):
    """The runs of consecutive days first..last that are not in `skip`: (first, last) each."""
    start = None
    day = first
    while day <= last:
        if day in skip:
            if start is not None:
                yield start, day - dt.timedelta(days=1)
                start = None
        elif start is None:
            start = day
        day += dt.timedelta(days=1)
    if start is not None:
        yield start, last


def slot_arrivals(
    conn: Connection,
    first: dt.date,
    last: dt.date,
    hall_id: str | None = None,
    queue_id: str | None = None,
    by_queue: bool = False,
    *,
    days: Collection[dt.date] | None = None,
    scope: Scope,
) -> pl.DataFrame:
    """Tickets issued per half-hour: hall_id, [queue_id,] date, slot (0–47: minute of day // 30),
    arrivals. With `days`, only those days of first..last are read (a run of consecutive days
    per query)."""
    t = s.tickets
    day = day_of(t.c.issued_at).label("date")
    half = sa.case((sa.cast(sa.extract("minute", t.c.issued_at), sa.Integer) >= 30, 1), else_=0)
    slot = (hour_of(t.c.issued_at) * 2 + half).label("slot")
    keys = [t.c.hall_id] + ([t.c.queue_id] if by_queue else []) + [day, slot]
    schema = {"hall_id": pl.String}
    if by_queue:
        schema["queue_id"] = pl.String
    schema |= {"date": pl.Date, "slot": pl.Int32, "arrivals": pl.Int64}
    if days is None:
        runs = [(first, last)]
    else:
        wanted = set(days)
        every = {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}
        runs = list(_runs(first, last, every - wanted))
    parts = [
        read_frame(
            conn,
            sa.select(*keys, sa.func.count().label("arrivals"))
            .where(*_ticket_filters(run_first, run_last, hall_id, queue_id, scope))
            .group_by(*keys),
            schema,
        )
        for run_first, run_last in runs
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def service_minutes(
    conn: Connection, hall_id: str, first: dt.date, last: dt.date, *, scope: Scope
) -> pl.DataFrame:
    """Observed service times of served (or transferred) tickets: queue_id, service_min.

    Times from call to finish; non-positive and absurd (> 4 h) values are left out.
    """
    t = s.tickets
    secs = seconds_between(t.c.finished_at, t.c.called_at)
    stmt = sa.select(t.c.queue_id, secs).where(
        *_ticket_filters(first, last, hall_id, None, scope),
        t.c.status.in_(("served", "transferred")),
        t.c.called_at.is_not(None),
        t.c.finished_at.is_not(None),
        secs > 0,
        secs < 4 * 3600,
    )
    frame = read_frame(conn, stmt, {"queue_id": pl.String, "seconds": pl.Int64})
    return frame.select("queue_id", (pl.col("seconds") / 60).alias("service_min"))


def patience_exposure(
    conn: Connection, hall_id: str, first: dt.date, last: dt.date, *, scope: Scope
) -> dict:
    """What patience can be estimated from: tickets, abandonments (no-shows and walk-outs),
    and the minutes visitors were seen waiting (issue to call, for those called)."""
    t = s.tickets
    wait = seconds_between(t.c.called_at, t.c.issued_at)
    called = t.c.called_at.is_not(None)
    stmt = sa.select(
        sa.func.count(),
        sa.func.sum(flag(t.c.status.in_(("no_show", "cancelled")))),
        sa.func.sum(sa.case((called & (wait >= 0), wait), else_=0)),
        sa.func.sum(flag(called & (wait >= 0))),
    ).where(*_ticket_filters(first, last, hall_id, None, scope))
    tickets, abandoned, wait_s, waited = conn.execute(stmt).one()
    return {
        "tickets": int(tickets or 0),
        "abandoned": int(abandoned or 0),
        "wait_min": float(wait_s or 0) / 60,
        "called": int(waited or 0),
    }


def window_queues(
    conn: Connection, hall_id: str, first: dt.date, last: dt.date, *, scope: Scope
) -> pl.DataFrame:
    """Which queues each window served: window_id, queue_id, tickets."""
    t = s.tickets
    stmt = (
        sa.select(t.c.window_id, t.c.queue_id, sa.func.count())
        .where(*_ticket_filters(first, last, hall_id, None, scope), t.c.window_id.is_not(None))
        .group_by(t.c.window_id, t.c.queue_id)
    )
    return read_frame(
        conn, stmt, {"window_id": pl.String, "queue_id": pl.String, "tickets": pl.Int64}
    )


ATTENDANCE_SCHEMA = {
    "staff_id": pl.String,
    "work_date": pl.Date,
    "shift_kind": pl.String,
    "scheduled_start": pl.Datetime("us"),
    "scheduled_end": pl.Datetime("us"),
    "clock_in": pl.Datetime("us"),
    "clock_out": pl.Datetime("us"),
    "window_id": pl.String,
    "leave": pl.String,
    "window_kind": pl.String,
}


def shifts(
    conn: Connection, hall_id: str, first: dt.date, last: dt.date, *, scope: Scope
) -> pl.DataFrame:
    """Attendance rows of a hall's desk staff (not back office) between two dates, with the
    kind of window each sat at."""
    a, w, st = s.attendance, s.windows, s.staff
    stmt = (
        sa.select(
            a.c.staff_id,
            a.c.work_date,
            a.c.shift_kind,
            a.c.scheduled_start,
            a.c.scheduled_end,
            a.c.clock_in,
            a.c.clock_out,
            a.c.window_id,
            a.c.leave,
            w.c.kind,
        )
        .select_from(
            a.outerjoin(w, a.c.window_id == w.c.window_id).outerjoin(
                st, a.c.staff_id == st.c.staff_id
            )
        )
        .where(
            a.c.hall_id == hall_id,
            a.c.work_date.between(first, last),
            scope_filter(scope, a),
            sa.or_(st.c.role.is_(None), st.c.role != "back"),
        )
    )
    return read_frame(conn, stmt, ATTENDANCE_SCHEMA)


TICKET_ROWS_SCHEMA = {
    "queue_id": pl.String,
    "window_id": pl.String,
    "issued_at": pl.Datetime("us"),
    "called_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"),
    "status": pl.String,
    "source": pl.String,  # walk_in / appointment / priority: the order a window calls them in
    "appointment_start": pl.Datetime("us"),
}


def ticket_rows(
    conn: Connection, hall_id: str, first: dt.date, last: dt.date, *, scope: Scope
) -> pl.DataFrame:
    """A hall's tickets issued first..last, one row each (what a staffing review replays)."""
    t = s.tickets
    stmt = sa.select(
        t.c.queue_id,
        t.c.window_id,
        t.c.issued_at,
        t.c.called_at,
        t.c.finished_at,
        t.c.status,
        t.c.source,
        t.c.appointment_start,
    ).where(*_ticket_filters(first, last, hall_id, None, scope))
    return read_frame(conn, stmt, TICKET_ROWS_SCHEMA)
