"""Running a SQLAlchemy statement and getting a polars frame with a declared schema."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Executable
from sqlalchemy.engine import Connection


def read_frame(conn: Connection, stmt: Executable, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows of `stmt` as a frame with exactly `schema` (names in order, types cast).

    Drivers disagree on result types (PostgreSQL returns Decimal for some aggregates, SQLite
    strings for some dates), so every column is cast to the declared type.
    """
    rows = conn.execute(stmt).all()  # one fetchall, not a fetchone per row
    raw = pl.DataFrame(rows, schema=list(schema), orient="row", infer_schema_length=None)
    return raw.with_columns(
        pl.col(name).cast(dtype, strict=False) for name, dtype in schema.items()
    )
