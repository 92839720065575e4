"""The feeds' state (`hall sync status`, the 数据概况 page): per source its last success, rows
taken, lag and last error. A database that never ran `hall sync` has no such table: no rows."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope
from queries import schema
from queries.frames import read_frame
from queries.live import hall_zones
from workdays import clock

SYNC_STATUS_SCHEMA = {
    "name": pl.String,
    "kind": pl.String,
    "table_name": pl.String,
    "last_run_at": pl.Datetime("us"),
    "last_success_at": pl.Datetime("us"),
    "rows_last": pl.Int64,
    "rows_total": pl.Int64,
    "rejected_total": pl.Int64,
    "newest_source_at": pl.Datetime("us"),
    "watermark": pl.String,
    "last_error": pl.String,
    "last_error_at": pl.Datetime("us"),
    "failures": pl.Int64,
    "next_try_at": pl.Datetime("us"),
}


def sync_status(conn: Connection, *, scope: Scope) -> pl.DataFrame:
    """One row per source that has run, with `lag_min`: minutes from the newest source row
    taken to now on the hall's clock (the network's zone).

    The feeds are the whole database's plumbing (sources, errors, hosts): only an unrestricted
    scope (admins, the command line) reads them; any other scope gets no rows."""
    empty = pl.DataFrame(schema={**SYNC_STATUS_SCHEMA, "lag_min": pl.Float64})
    if scope.hall_ids is not None or not sa.inspect(conn).has_table(schema.sync_state.name):
        return empty
    t = schema.sync_state
    stmt = sa.select(*(t.c[c] for c in SYNC_STATUS_SCHEMA)).order_by(t.c.name)
    frame = read_frame(conn, stmt, SYNC_STATUS_SCHEMA)
    zones = hall_zones(conn) if sa.inspect(conn).has_table(schema.halls.name) else {}
    now = clock.now(clock.network_zone(zones.values()))
    return frame.with_columns(
        ((pl.lit(now) - pl.col("newest_source_at")).dt.total_seconds() / 60).alias("lag_min")
    )
