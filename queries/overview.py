"""What the database holds: rows and time span per hall and table (the 数据概况 page).

The counts are figures: they take the reader's scope in SQL (a director counts the rows of
their halls, a department manager those of their department, as `access.scope.scope_filter`
places rows). Service hours and the calendar are reference data every reader may see."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import schema
from queries.frames import read_frame

# the column that places a row in time, per table with a hall_id
TIME_COLUMN: dict[str, str | None] = {
    "tickets": "issued_at",
    "cases": "accepted_at",
    "evaluations": "evaluated_at",
    "attendance": "work_date",
    "windows": None,
    "staff": None,
    "queues": None,
    "service_hours": None,
}

OVERVIEW_SCHEMA = {
    "hall_id": pl.String,
    "hall_name": pl.String,
    "table": pl.String,
    "rows": pl.Int64,
    "first_at": pl.Datetime("us"),
    "last_at": pl.Datetime("us"),
}


def table_overview(conn: Connection, *, scope: Scope) -> pl.DataFrame:
    """One row per hall of the scope and table: hall_id, hall_name, table, rows, first_at,
    last_at, counting only the rows the scope may see.

    Counting and min/max run in the database (one grouped query per table); halls with no rows
    in a table are listed with 0 rows.
    """
    h = schema.halls
    halls = read_frame(
        conn,
        sa.select(h.c.hall_id, h.c.name).where(scope_filter(scope, h)).order_by(h.c.hall_id),
        {"hall_id": pl.String, "hall_name": pl.String},
    )
    parts = []
    for table_name, time_name in TIME_COLUMN.items():
        table = schema.metadata.tables[table_name]
        hall = table.c.hall_id
        if time_name is None:
            cols = [hall, sa.func.count().label("rows"), sa.null(), sa.null()]
        else:
            ts = table.c[time_name]
            cols = [hall, sa.func.count().label("rows"), sa.func.min(ts), sa.func.max(ts)]
        stmt = sa.select(*cols).where(scope_filter(scope, table)).group_by(hall)
        frame = read_frame(
            conn,
            stmt,
            {
                "hall_id": pl.String,
                "rows": pl.Int64,
                "first_at": pl.Datetime("us"),
                "last_at": pl.Datetime("us"),
            },
        )
        parts.append(
            halls.join(frame, on="hall_id", how="left").with_columns(
                pl.lit(table_name).alias("table"), pl.col("rows").fill_null(0)
            )
        )
    if not parts:
        return pl.DataFrame(schema=OVERVIEW_SCHEMA)
    return pl.concat(parts).select(list(OVERVIEW_SCHEMA)).sort("hall_id", "table")


def global_overview(conn: Connection, *, scope: Scope) -> pl.DataFrame:
    """Tables without a hall: table, rows, first_at, last_at (calendar dates for the calendar);
    halls, departments and items counted as far as the scope reaches them."""
    rows = []
    for table in (schema.halls, schema.departments, schema.items, schema.calendar):
        count = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(scope_filter(scope, table))
        ).scalar_one()
        first = last = None
        if table is schema.calendar:
            first, last = conn.execute(
                sa.select(sa.func.min(table.c.date), sa.func.max(table.c.date))
            ).one()
        rows.append((table.name, count, first, last))
    return pl.DataFrame(
        rows,
        schema={"table": pl.String, "rows": pl.Int64, "first_at": pl.Date, "last_at": pl.Date},
        orient="row",
    )


def service_hours_frame(conn: Connection) -> pl.DataFrame:
    """The `service_hours` table: hall_id, weekday, start, end, kind, valid_from, valid_to."""
    sh = schema.service_hours
    return read_frame(
        conn,
        sa.select(
            sh.c.hall_id,
            sh.c.weekday,
            sh.c.start,
            sh.c.end,
            sh.c.kind,
            sh.c.valid_from,
            sh.c.valid_to,
        ),
        {
            "hall_id": pl.String,
            "weekday": pl.Int32,
            "start": pl.Time,
            "end": pl.Time,
            "kind": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },
    )


def calendar_around(conn: Connection, day: dt.date, days: int = 21) -> pl.DataFrame:
    """Calendar rows from `days` before to `days` after `day`: date, is_workday, name."""
    cal = schema.calendar
    lo, hi = day - dt.timedelta(days=days), day + dt.timedelta(days=days)
    return read_frame(
        conn,
        sa.select(cal.c.date, cal.c.is_workday, cal.c.name)
        .where(cal.c.date.between(lo, hi))
        .order_by(cal.c.date),
        {"date": pl.Date, "is_workday": pl.Boolean, "name": pl.String},
    )
