"""The SQL behind the weekly report's lists and charts (the figures come from `metrics`).

One hall at a time, inside the reader's `scope` (`access.scope.Scope`, a required keyword:
its `scope_filter` is in every WHERE, and staff names are masked where it hides them); every
function returns a polars frame with a declared schema. The lists
(open cases, bad reviews) are row-level because they are short; the charts read aggregates.
Deadlines and follow-up status are judged in `reports.weekly_data` with the metrics engine's
calendar arithmetic, so a list always agrees with its count in `hall metrics`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import schema as s
from queries.dialect import day_of, hour_of, int_div
from queries.frames import read_frame
from queries.metric_queries import OPEN_STATUSES, _wait_parts

_TS = pl.Datetime("us")


def _period(column: sa.Column, first: dt.date, last: dt.date) -> list:
    start = dt.datetime.combine(first, dt.time(0))
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0))
    return [column >= start, column < end]


def halls_with_data(
    conn: Connection, first: dt.date, last: dt.date, *, scope: Scope
) -> pl.DataFrame:
    """Halls (hall_id, name, level) with at least one ticket, case or evaluation in the period,
    in hall_id order."""
    t, c, e = s.tickets, s.cases, s.evaluations
    active = sa.union(
        sa.select(t.c.hall_id).where(*_period(t.c.issued_at, first, last), scope_filter(scope, t)),
        sa.select(c.c.hall_id).where(
            *_period(c.c.accepted_at, first, last), scope_filter(scope, c)
        ),
        sa.select(e.c.hall_id).where(
            *_period(e.c.evaluated_at, first, last), scope_filter(scope, e)
        ),
    ).subquery()
    stmt = (
        sa.select(s.halls.c.hall_id, s.halls.c.name, s.halls.c.level)
        .where(s.halls.c.hall_id.in_(sa.select(active.c.hall_id)), scope_filter(scope, s.halls))
        .order_by(s.halls.c.hall_id)
    )
    return read_frame(conn, stmt, {"hall_id": pl.String, "name": pl.String, "level": pl.String})


def all_halls(conn: Connection, *, scope: Scope) -> pl.DataFrame:
    """Every hall of `scope` (hall_id, name, level) in hall_id order."""
    h = s.halls
    stmt = (
        sa.select(h.c.hall_id, h.c.name, h.c.level)
        .where(scope_filter(scope, h))
        .order_by(h.c.hall_id)
    )
    return read_frame(conn, stmt, {"hall_id": pl.String, "name": pl.String, "level": pl.String})


def hall_info(conn: Connection, hall_id: str, *, scope: Scope) -> dict | None:
    """The hall's row (hall_id, name, level), or None (also outside `scope`)."""
    h = s.halls
    row = conn.execute(
        sa.select(h.c.hall_id, h.c.name, h.c.level).where(
            h.c.hall_id == hall_id, scope_filter(scope, h)
        )
    ).first()
    return None if row is None else dict(row._mapping)


def hall_departments(conn: Connection, hall_id: str, *, scope: Scope) -> pl.DataFrame:
    """The hall's departments: those with a window, a queue or a staff member in it
    (dept_id, name), in dept_id order."""
    w, q, st = s.windows, s.queues, s.staff
    ids = sa.union(
        sa.select(w.c.dept_id).where(w.c.hall_id == hall_id, w.c.dept_id.isnot(None)),
        sa.select(q.c.dept_id).where(q.c.hall_id == hall_id, q.c.dept_id.isnot(None)),
        sa.select(st.c.dept_id).where(st.c.hall_id == hall_id, st.c.dept_id.isnot(None)),
    ).subquery()
    d = s.departments
    stmt = (
        sa.select(d.c.dept_id, d.c.name)
        .where(d.c.dept_id.in_(sa.select(ids.c.dept_id)), scope_filter(scope, d))
        .order_by(d.c.dept_id)
    )
    return read_frame(conn, stmt, {"dept_id": pl.String, "name": pl.String})


def departments_without_cases(
    conn: Connection, hall_id: str, first: dt.date, last: dt.date, *, scope: Scope
) -> pl.DataFrame:
    """The hall's departments (see `hall_departments`) that accepted no case in the period: a
    case belongs to its item's department. Columns dept_id, name."""
    depts = hall_departments(conn, hall_id, scope=scope)
    c, i = s.cases, s.items
    busy = conn.execute(
        sa.select(i.c.dept_id)
        .distinct()
        .select_from(c.join(i, i.c.item_id == c.c.item_id))
        .where(
            c.c.hall_id == hall_id,
            *_period(c.c.accepted_at, first, last),
            scope_filter(scope, c),
        )
    ).scalars()
    return depts.filter(~pl.col("dept_id").is_in(list(busy)))


def names(conn: Connection, hall_id: str, *, scope: Scope) -> dict[str, dict[str, str]]:
    """Readable names for ids: {"department": {id: name}, "window": {id: label},
    "staff": {id: name}} (windows and staff of the hall, departments, inside `scope`; staff
    names masked where the scope hides them)."""
    d, w, st = s.departments, s.windows, s.staff
    out: dict[str, dict[str, str]] = {}
    out["department"] = dict(
        conn.execute(sa.select(d.c.dept_id, d.c.name).where(scope_filter(scope, d))).all()
    )
    out["window"] = dict(
        conn.execute(
            sa.select(w.c.window_id, w.c.label).where(
                w.c.hall_id == hall_id, scope_filter(scope, w)
            )
        ).all()
    )
    staff = conn.execute(
        sa.select(st.c.staff_id, st.c.name).where(st.c.hall_id == hall_id, scope_filter(scope, st))
    ).all()
    out["staff"] = {key: _shown(name, scope) for key, name in staff}
    return out


def _shown(name: str | None, scope: Scope) -> str | None:
    """A staff name as `scope` may see it (masked for viewers and screens)."""
    if scope.names_visible or name is None:
        return name
    from metrics.live import mask_name

    return mask_name(name)


def _mask_staff(frame: pl.DataFrame, scope: Scope) -> pl.DataFrame:
    if scope.names_visible:
        return frame
    return frame.with_columns(
        pl.col("staff").map_elements(lambda n: _shown(n, scope), return_dtype=pl.String)
    )


def open_cases(
    conn: Connection,
    hall_id: str,
    as_of: dt.datetime,
    *,
    overdue_candidates: bool = False,
    scope: Scope,
) -> pl.DataFrame:
    """Cases of the hall open at as_of (metrics.md: accepted by as_of, not returned, rejected
    or withdrawn, not completed by as_of), with what judging their deadline needs.
    `overdue_candidates` leaves out those whose given due_at is not before as_of (cases
    without a due_at stay: their deadline comes from the calendar).

    Columns: case_id, item, department, window, staff, channel, status, accepted_at, due_at,
    kind (instant/promised), allowed (promised + suspended working days).
    """
    c, i, d, w, st = s.cases, s.items, s.departments, s.windows, s.staff
    is_open = sa.or_(
        c.c.status.in_(OPEN_STATUSES)
        & sa.or_(c.c.completed_at.is_(None), c.c.completed_at > as_of),
        (c.c.status == "completed") & sa.or_(c.c.completed_at.is_(None), c.c.completed_at > as_of),
    )
    stmt = (
        sa.select(
            c.c.case_id,
            i.c.name,
            d.c.name,
            w.c.label,
            st.c.name,
            c.c.channel,
            c.c.status,
            c.c.accepted_at,
            c.c.due_at,
            i.c.kind,
            i.c.promised_workdays + sa.func.coalesce(c.c.suspended_workdays, 0),
        )
        .select_from(
            c.join(i, i.c.item_id == c.c.item_id)
            .outerjoin(d, d.c.dept_id == i.c.dept_id)
            .outerjoin(w, w.c.window_id == c.c.window_id)
            .outerjoin(st, st.c.staff_id == c.c.staff_id)
        )
        .where(
            c.c.hall_id == hall_id,
            c.c.accepted_at <= as_of,
            is_open,
            sa.or_(c.c.due_at.is_(None), c.c.due_at < as_of) if overdue_candidates else sa.true(),
            scope_filter(scope, c),
        )
        .order_by(c.c.accepted_at, c.c.case_id)
    )
    return read_frame(
        conn,
        stmt,
        {
            "case_id": pl.String,
            "item": pl.String,
            "department": pl.String,
            "window": pl.String,
            "staff": pl.String,
            "channel": pl.String,
            "status": pl.String,
            "accepted_at": _TS,
            "due_at": _TS,
            "kind": pl.String,
            "allowed": pl.Int64,
        },
    ).pipe(_mask_staff, scope)


def bad_review_list(
    conn: Connection, hall_id: str, first: dt.date, last: dt.date, *, scope: Scope
) -> pl.DataFrame:
    """The hall's bad reviews of the period (active ratings 1–2), one row each, in time order.

    Columns: eval_id, evaluated_at, rating, channel, window, staff, item, department (the
    item's, else the window's), comment, revisited_at, rectified_at, rectification_note.
    """
    e, i, w, st, d = s.evaluations, s.items, s.windows, s.staff, s.departments
    stmt = (
        sa.select(
            e.c.eval_id,
            e.c.evaluated_at,
            e.c.rating,
            e.c.channel,
            w.c.label,
            st.c.name,
            i.c.name,
            d.c.name,
            e.c.comment,
            e.c.revisited_at,
            e.c.rectified_at,
            e.c.rectification_note,
        )
        .select_from(
            e.outerjoin(i, i.c.item_id == e.c.item_id)
            .outerjoin(w, w.c.window_id == e.c.window_id)
            .outerjoin(st, st.c.staff_id == e.c.staff_id)
            .outerjoin(d, d.c.dept_id == sa.func.coalesce(i.c.dept_id, w.c.dept_id))
        )
        .where(
            e.c.hall_id == hall_id,
            *_period(e.c.evaluated_at, first, last),
            sa.func.coalesce(e.c.is_default, sa.false()) == sa.false(),
            e.c.rating <= s.BAD_RATING,
            scope_filter(scope, e),
        )
        .order_by(e.c.evaluated_at, e.c.eval_id)
    )
    return read_frame(
        conn,
        stmt,
        {
            "eval_id": pl.String,
            "evaluated_at": _TS,
            "rating": pl.Int64,
            "channel": pl.String,
            "window": pl.String,
            "staff": pl.String,
            "item": pl.String,
            "department": pl.String,
            "comment": pl.String,
            "revisited_at": _TS,
            "rectified_at": _TS,
            "rectification_note": pl.String,
        },
    ).pipe(_mask_staff, scope)


def arrivals_by_hour(
    conn: Connection, hall_id: str, first: dt.date, last: dt.date, *, scope: Scope
) -> pl.DataFrame:
    """Tickets issued per (date, hour): columns date, hour (0–23), weekday (1 = Monday), n."""
    t = s.tickets
    day, hour = day_of(t.c.issued_at), hour_of(t.c.issued_at)
    stmt = (
        sa.select(day, hour, sa.func.count())
        .where(t.c.hall_id == hall_id, *_period(t.c.issued_at, first, last), scope_filter(scope, t))
        .group_by(day, hour)
    )
    frame = read_frame(conn, stmt, {"date": pl.Date, "hour": pl.Int32, "n": pl.Int64})
    return frame.with_columns(pl.col("date").dt.weekday().cast(pl.Int32).alias("weekday")).sort(
        "date", "hour"
    )


def wait_histogram(
    conn: Connection,
    hall_id: str,
    first: dt.date,
    last: dt.date,
    bin_min: int = 5,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Served tickets with a valid wait (metrics.md) per `bin_min`-minute bin: columns
    lower_min (the bin's lower edge in minutes, inclusive) and n, every bin up to the longest
    wait present (empty bins have n = 0)."""
    t = s.tickets
    valid, wait = _wait_parts()
    bucket = int_div(wait, bin_min * 60)
    stmt = (
        sa.select(bucket, sa.func.count())
        .where(
            t.c.hall_id == hall_id,
            *_period(t.c.issued_at, first, last),
            valid,
            scope_filter(scope, t),
        )
        .group_by(bucket)
    )
    frame = read_frame(conn, stmt, {"bucket": pl.Int64, "n": pl.Int64})
    if frame.is_empty():
        return pl.DataFrame(schema={"lower_min": pl.Int64, "n": pl.Int64})
    full = pl.DataFrame(
        {"bucket": range(int(frame["bucket"].max()) + 1)}, schema={"bucket": pl.Int64}
    )
    return (
        full.join(frame, on="bucket", how="left")
        .select((pl.col("bucket") * bin_min).alias("lower_min"), pl.col("n").fill_null(0))
        .sort("lower_min")
    )


def data_span(conn: Connection, *, scope: Scope) -> tuple[dt.date, dt.date] | None:
    """The first and last day with a ticket, case or evaluation inside `scope`, or None."""
    t, c, e = s.tickets, s.cases, s.evaluations
    firsts, lasts = [], []
    for table, column in ((t, t.c.issued_at), (c, c.c.accepted_at), (e, e.c.evaluated_at)):
        low, high = conn.execute(
            sa.select(sa.func.min(column), sa.func.max(column)).where(scope_filter(scope, table))
        ).one()
        if low is not None:
            firsts.append(_as_date(low))
            lasts.append(_as_date(high))
    return (min(firsts), max(lasts)) if firsts else None


def _as_date(value) -> dt.date:
    """MIN/MAX of a DATETIME: a datetime on PostgreSQL and MariaDB, text on SQLite."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.datetime.fromisoformat(str(value)).date()
