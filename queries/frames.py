"""Running a SQLAlchemy statement and getting a polars frame with a declared schema."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Executable
from sqlalchemy.engine import Connection

NANOSECONDS_A_DAY = 86_400 * 10**9


def read_frame(conn: Connection, stmt: Executable, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows of `stmt` as a frame with exactly `schema` (names in order, types cast).

    Drivers disagree on result types (PostgreSQL returns Decimal for some aggregates, SQLite
    text for dates and times), so every column is cast to the declared type. The driver's
    rows are taken as they come (one fetchall from the DBAPI cursor) and typed column by
    column in polars: SQLAlchemy's own result rows would parse each SQLite date and time in
    Python first (a year of a hall's packaged cases, 29,500 rows × 12 columns: 0.26 → 0.23 s,
    0.19 s of it SQLite's own work).
    """
    result = conn.execute(stmt)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        return pl.DataFrame(schema=schema)
    columns = zip(*rows, strict=True)  # one tuple per column
    return pl.DataFrame(
        [
            _typed(name, values, dtype)
            for (name, dtype), values in zip(schema.items(), columns, strict=True)
        ]
    )


def _typed(name: str, values: tuple, dtype: pl.DataType) -> pl.Series:
    """One column of driver values as `dtype`: text read as a date, time or timestamp where
    one is declared (SQLite's, in any of the ISO forms it may hold), MariaDB's TIME (a
    duration) as a time of day, anything else cast; a value that cannot be read as the type
    is null, as a cast that is not strict."""
    series = pl.Series(name, values, strict=False)
    if series.dtype == pl.String and dtype != pl.String:
        text = series.str
        if dtype == pl.Date:
            return text.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        if isinstance(dtype, pl.Datetime):
            return text.to_datetime(time_unit=dtype.time_unit or "us", strict=False).cast(dtype)
        if dtype == pl.Time:
            return text.to_time(strict=False)
    if series.dtype == pl.Duration and dtype == pl.Time:  # MariaDB's TIME: time since midnight
        return (series.dt.total_nanoseconds() % NANOSECONDS_A_DAY).cast(pl.Time)
    return series.cast(dtype, strict=False)
