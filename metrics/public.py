"""The public waits page's figures (`/public`): for each hall and station of the network, open
or closed now on its own clock, and per queue the people waiting and an expected wait.

Definitions (shown on the page too):

- waiting (等候人数): today's tickets of the queue with status `waiting` at now — the same
  count as the big screen's 当前等候 for that queue;
- expected wait (预计等候) for someone taking a ticket now: waiting ÷ the queue's calls per
  minute over the last `recent_min` minutes (its tickets called in that span ÷ `recent_min`):
  the people ahead divided by the pace the hall has been calling them. 0 when nobody waits;
  unknown (None) when people wait but nobody of the queue was called in that span;
- open (办理中) / closed (已闭厅): whether the hall's service hours cover now, on the hall's
  clock (`halls.timezone`), as the big screen judges it (`metrics.freshness.open_halls`).

Only counts are read (`queries.public`): nothing about a person or a single ticket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from sqlalchemy.engine import Connection

from access.scope import Scope
from metrics import freshness
from metrics.network import tree
from queries import live as ql
from queries import public as qp
from queries.network import network_halls
from queries.overview import calendar_around, service_hours_frame


def expected_wait_min(waiting: int, called_recent: int, recent_min: float) -> float | None:
    """Minutes a newcomer can expect to wait: waiting ÷ (called_recent ÷ recent_min)."""
    if waiting <= 0:
        return 0.0
    if called_recent <= 0 or recent_min <= 0:
        return None
    return waiting / (called_recent / recent_min)


@dataclass(frozen=True)
class PublicBoard:
    halls: pl.DataFrame  # hall_id, name, level, depth, zone, now, is_open, waiting, expected_max
    queues: pl.DataFrame  # hall_id, queue_id, name, prefix, waiting, called_recent, expected_min
    recent_min: float


def public_board(
    conn: Connection,
    now_of: Callable[[str], dt.datetime],
    recent_min: float,
    *,
    scope: Scope = qp.PUBLIC,
) -> PublicBoard:
    """Every hall in `scope` in network order (district, its streets, their stations), each
    judged at `now_of(its time zone)`, with its queues' counts and expected waits."""
    halls = tree(network_halls(conn, scope=scope))
    if halls.is_empty():
        return PublicBoard(
            pl.DataFrame(schema=_HALL_OUT), pl.DataFrame(schema=_QUEUE_OUT), recent_min
        )
    zones = ql.hall_zones(conn)
    hours = service_hours_frame(conn)
    rows, counts, queues = [], [], []
    by_zone: dict[str, list[str]] = {}
    for hall_id in halls["hall_id"].to_list():
        by_zone.setdefault(zones.get(hall_id, ""), []).append(hall_id)
    for zone, ids in by_zone.items():
        now = now_of(zone)
        start = dt.datetime.combine(now.date(), dt.time(0))
        open_now = freshness.open_halls(hours, calendar_around(conn, now.date()), now)
        rows += [(hall_id, zone, now, hall_id in open_now) for hall_id in ids]
        counts.append(qp.queue_counts(conn, ids, start, now, recent_min, scope=scope))
        queues.append(qp.public_queues(conn, ids, scope=scope))
    state = pl.DataFrame(
        rows,
        schema={
            "hall_id": pl.String,
            "zone": pl.String,
            "now": pl.Datetime("us"),
            "is_open": pl.Boolean,
        },
        orient="row",
    )
    per_queue = (
        pl.concat(queues)
        .join(pl.concat(counts), on=["hall_id", "queue_id"], how="left")
        .with_columns(pl.col("waiting", "called_recent").fill_null(0))
    )
    per_queue = per_queue.with_columns(
        pl.struct("waiting", "called_recent")
        .map_elements(
            lambda r: expected_wait_min(r["waiting"], r["called_recent"], recent_min),
            return_dtype=pl.Float64,
        )
        .alias("expected_min")
    ).select(list(_QUEUE_OUT))
    totals = per_queue.group_by("hall_id").agg(
        pl.col("waiting").sum(), pl.col("expected_min").max().alias("expected_max")
    )
    out = (
        halls.select("hall_id", "name", "level", "depth")
        .join(state, on="hall_id", how="left")
        .join(totals, on="hall_id", how="left")
        .with_columns(pl.col("waiting").fill_null(0))
        .select(list(_HALL_OUT))
    )
    return PublicBoard(out, per_queue, recent_min)


_QUEUE_OUT = {
    "hall_id": pl.String,
    "queue_id": pl.String,
    "name": pl.String,
    "prefix": pl.String,
    "waiting": pl.Int64,
    "called_recent": pl.Int64,
    "expected_min": pl.Float64,
}
_HALL_OUT = {
    "hall_id": pl.String,
    "name": pl.String,
    "level": pl.String,
    "depth": pl.Int64,
    "zone": pl.String,
    "now": pl.Datetime("us"),
    "is_open": pl.Boolean,
    "waiting": pl.Int64,
    "expected_max": pl.Float64,
}
