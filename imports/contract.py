"""What an import checks, read off the schema: column kinds, required fields, enumerations,
lengths, keys and references, in the order tables must be imported.

Everything here is derived from `queries.schema`, so the importer cannot drift from the
contract: a new column or enumeration there is validated here without another edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from queries import schema

# The order that respects references: a table only refers to tables before it.
IMPORT_ORDER: tuple[str, ...] = (
    "halls",
    "departments",
    "windows",
    "staff",
    "items",
    "queues",
    "service_hours",
    "bundles",
    "calendar",
    "tickets",
    "cases",
    "evaluations",
    "attendance",
)

# Flags where an empty value means false (the contract's rule for flags).
FLAGS = {("evaluations", "is_default"), ("cases", "tolerance")}

# Text columns have no declared length; MariaDB's TEXT holds 65,535 bytes.
TEXT_MAX_BYTES = 65_535

# Non-key columns that refer to a reference table without a foreign key.
SOFT_REFERENCES = {("halls", "parent_hall_id"): "halls"}

# Integer columns and the range the contract allows.
INT_RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("service_hours", "weekday"): (1, 7),
    ("evaluations", "rating"): (1, 5),
    ("items", "promised_workdays"): (0, 3650),
    ("items", "legal_workdays"): (0, 3650),
    ("cases", "visits"): (0, 1000),
    ("cases", "suspended_workdays"): (0, 3650),
}


@dataclass(frozen=True)
class ColumnSpec:
    """One contract column as the importer sees it."""

    name: str
    kind: str  # text | int | bool | date | time | datetime
    required: bool
    max_length: int | None
    enum: tuple[str, ...] | None
    references: str | None  # table whose id this column holds
    in_key: bool


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]  # rows upsert by this; empty for service_hours (replaced per hall)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _kind(column: sa.Column) -> str:
    t = column.type
    if isinstance(t, sa.Boolean):
        return "bool"
    if isinstance(t, sa.Integer):
        return "int"
    if isinstance(t, sa.DateTime):
        return "datetime"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.Time):
        return "time"
    return "text"


def _reference(table: sa.Table, column: sa.Column) -> str | None:
    for fk in column.foreign_keys:
        return fk.column.table.name
    return SOFT_REFERENCES.get((table.name, column.name))


@cache
def table_spec(name: str) -> TableSpec:
    """The import spec of a contract table; KeyError names the valid tables."""
    if name not in IMPORT_ORDER:
        raise KeyError(f"no contract table {name!r}; tables: {', '.join(IMPORT_ORDER)}")
    table = schema.metadata.tables[name]
    # plain str: SQLAlchemy's quoted_name confuses polars, which takes lists of them for rows
    key = tuple(str(c.name) for c in table.primary_key.columns)
    columns = []
    for col in table.columns:
        kind = _kind(col)
        enum = schema.ENUMS.get((name, col.name))
        columns.append(
            ColumnSpec(
                name=str(col.name),
                kind=kind,
                # flags are optional (empty = false) even where the column is NOT NULL
                required=(not col.nullable) and (name, col.name) not in FLAGS,
                max_length=getattr(col.type, "length", None) if kind == "text" else None,
                enum=tuple(enum) if enum else None,
                references=_reference(table, col),
                in_key=str(col.name) in key,
            )
        )
    return TableSpec(name=name, columns=tuple(columns), key=key)


def sa_table(name: str) -> sa.Table:
    return schema.metadata.tables[name]
