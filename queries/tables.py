"""Reading whole contract tables in chunks, typed, in a stable order (for export and tests)."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries import schema

_POLARS_TYPES: tuple[tuple[type, pl.DataType], ...] = (
    (sa.Boolean, pl.Boolean()),
    (sa.Integer, pl.Int64()),
    (sa.DateTime, pl.Datetime("us")),
    (sa.Date, pl.Date()),
    (sa.Time, pl.Time()),
)


def polars_schema(table: sa.Table) -> dict[str, pl.DataType]:
    """The polars type of every column of a contract table."""
    out: dict[str, pl.DataType] = {}
    for col in table.columns:
        out[col.name] = next((p for t, p in _POLARS_TYPES if isinstance(col.type, t)), pl.String())
    return out


def order_columns(table: sa.Table) -> list[sa.ColumnElement]:
    """Primary key order, or every column for a table without one (service_hours), with
    NULLs first on every dialect (PostgreSQL sorts them last, SQLite and MariaDB first, and
    MariaDB has no NULLS FIRST)."""
    if table.primary_key.columns:
        return list(table.primary_key.columns)
    order: list[sa.ColumnElement] = []
    for col in table.columns:
        if col.nullable:
            order.append(sa.case((col.is_(None), 0), else_=1))
        order.append(col)
    return order


def iter_table(
    conn: Connection, table: sa.Table, chunk_rows: int = 50_000
) -> Iterator[pl.DataFrame]:
    """The table's rows as typed frames of at most `chunk_rows`, ordered by its key, read with
    a server-side cursor where the driver has one, so memory stays bounded."""
    types = polars_schema(table)
    stmt = sa.select(table).order_by(*order_columns(table))
    result = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(stmt)
    for part in result.partitions(chunk_rows):
        raw = pl.DataFrame(
            [tuple(r) for r in part], schema=list(types), orient="row", infer_schema_length=None
        )
        yield raw.with_columns(pl.col(n).cast(t, strict=False) for n, t in types.items())


def read_table(conn: Connection, name: str) -> pl.DataFrame:
    """A whole (small) table as one typed frame."""
    table = schema.metadata.tables[name]
    frames = list(iter_table(conn, table))
    return pl.concat(frames) if frames else pl.DataFrame(schema=polars_schema(table))
