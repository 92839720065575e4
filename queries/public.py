"""The public waits page's reads (`/public`): aggregates only, never a ticket row.

Per queue of each hall, today up to now: how many tickets are waiting (status `waiting`,
issued today by now — the big screen's 当前等候) and how many were called in the last minutes
(its throughput). Counts leave the database, nothing else: no ticket number, no staff member,
no time of a single ticket. Like every read they take a `Scope` (the public page's: every hall,
no names) and apply it in SQL.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import schema as s
from queries.dialect import flag
from queries.frames import read_frame

PUBLIC = Scope(who="public", role="public", hall_ids=None, names_visible=False)
QUEUE_SCHEMA = {
    "hall_id": pl.String(),
    "queue_id": pl.String(),
    "name": pl.String(),
    "prefix": pl.String(),
}
COUNT_SCHEMA = {
    "hall_id": pl.String(),
    "queue_id": pl.String(),
    "waiting": pl.Int64(),
    "called_recent": pl.Int64(),
}


def public_queues(conn: Connection, hall_ids: list[str], *, scope: Scope) -> pl.DataFrame:
    """hall_id, queue_id, name, prefix of the halls' queues (names of services, not people)."""
    q = s.queues
    stmt = (
        sa.select(q.c.hall_id, q.c.queue_id, q.c.name, q.c.prefix)
        .where(q.c.hall_id.in_(hall_ids), scope_filter(scope, q))
        .order_by(q.c.hall_id, q.c.prefix, q.c.queue_id)
    )
    return read_frame(conn, stmt, QUEUE_SCHEMA)


def queue_counts(
    conn: Connection,
    hall_ids: list[str],
    start: dt.datetime,
    now: dt.datetime,
    recent_min: float,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """hall_id, queue_id, waiting, called_recent: per queue of tickets issued from `start` to
    `now` (one day, in the halls' local time), those waiting at `now` and those called in the
    `recent_min` minutes up to `now`. Served by the (hall_id, issued_at) index."""
    t = s.tickets
    since = now - dt.timedelta(minutes=recent_min)
    recent = t.c.called_at.isnot(None) & (t.c.called_at >= since) & (t.c.called_at <= now)
    stmt = (
        sa.select(
            t.c.hall_id,
            t.c.queue_id,
            sa.func.coalesce(sa.func.sum(flag(t.c.status == "waiting")), 0),
            sa.func.coalesce(sa.func.sum(flag(recent)), 0),
        )
        .where(
            t.c.hall_id.in_(hall_ids),
            t.c.issued_at >= start,
            t.c.issued_at <= now,
            scope_filter(scope, t),
        )
        .group_by(t.c.hall_id, t.c.queue_id)
    )
    return read_frame(conn, stmt, COUNT_SCHEMA)
