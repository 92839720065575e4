"""The SQL that differs between SQLite, PostgreSQL and MariaDB, in one place.

Each construct compiles to the native form on each dialect, so the queries in `queries/` are
written once. Timestamps are stored to the second, so differences in seconds are exact integers.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class seconds_between(FunctionElement):
    """`later − earlier` in whole seconds (an integer; NULL when either is NULL)."""

    type = sa.Integer()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_default(element, compiler, **kw):  # PostgreSQL
    """The interval's seconds as a double (`date_part`), not EXTRACT's numeric (PostgreSQL
    14 on): the same whole number, since timestamps are stored to the second, at a quarter
    less of a wait rollup's time (a month of a hall's tickets, 85 k rows: 0.44 → 0.30 s; the
    waits are computed three times a row)."""
    later, earlier = list(element.clauses)
    return (
        f"CAST(date_part('epoch', {compiler.process(later, **kw)} - "
        f"{compiler.process(earlier, **kw)}) AS INTEGER)"
    )


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (
        f"CAST(ROUND((julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)})) * 86400) AS INTEGER)"
    )


@compiles(seconds_between, "mysql")
@compiles(seconds_between, "mariadb")
def _seconds_mysql(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (
        f"TIMESTAMPDIFF(SECOND, {compiler.process(earlier, **kw)}, {compiler.process(later, **kw)})"
    )


class day_of(FunctionElement):
    """The calendar date of a timestamp."""

    type = sa.Date()
    inherit_cache = True
    name = "day_of"


@compiles(day_of)
def _day_default(element, compiler, **kw):  # PostgreSQL, MariaDB
    (value,) = list(element.clauses)
    return f"CAST({compiler.process(value, **kw)} AS DATE)"


@compiles(day_of, "sqlite")
def _day_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"date({compiler.process(value, **kw)})"


class int_div(FunctionElement):
    """Integer division of an integer by a positive integer constant, truncating towards zero
    on every dialect (exact floor for a non-negative dividend). Each operand is bracketed:
    `int_div(x + 899, 900)` is (x + 899) / 900, not x + 899 / 900."""

    type = sa.Integer()
    inherit_cache = True
    name = "int_div"


@compiles(int_div)
def _div_default(element, compiler, **kw):  # SQLite and PostgreSQL divide integers exactly
    a, b = list(element.clauses)
    return f"(({compiler.process(a, **kw)}) / ({compiler.process(b, **kw)}))"


@compiles(int_div, "mysql")
@compiles(int_div, "mariadb")
def _div_mysql(element, compiler, **kw):
    a, b = list(element.clauses)
    return f"(({compiler.process(a, **kw)}) DIV ({compiler.process(b, **kw)}))"


class time_text(FunctionElement):
    """The time of day of a timestamp as text `HH:MM:SS` (compares as text against a bound
    'HH:MM:SS'; on SQLite a cheap substring of the stored value)."""

    type = sa.String()
    inherit_cache = True
    name = "time_text"


@compiles(time_text)
def _time_text_default(element, compiler, **kw):  # PostgreSQL
    """The time cast to text: `HH:MM:SS` as `to_char` gives it (timestamps are stored to the
    second), at half its cost (a million tickets: 0.24 → 0.11 s)."""
    (value,) = list(element.clauses)
    return f"CAST(CAST({compiler.process(value, **kw)} AS TIME) AS TEXT)"


@compiles(time_text, "sqlite")
def _time_text_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"substr({compiler.process(value, **kw)}, 12, 8)"


@compiles(time_text, "mysql")
@compiles(time_text, "mariadb")
def _time_text_mysql(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"DATE_FORMAT({compiler.process(value, **kw)}, '%%H:%%i:%%s')"


def hour_of(value: ColumnElement) -> ColumnElement:
    """The hour (0–23) of a timestamp, an integer on every dialect."""
    return sa.cast(sa.extract("hour", value), sa.Integer)


class second_of_day(FunctionElement):
    """Seconds since midnight (0–86399) of a timestamp stored to the second, an integer on
    every dialect (on SQLite from the stored text's digits, not a date parse per row)."""

    type = sa.Integer()
    inherit_cache = True
    name = "second_of_day"


@compiles(second_of_day)
def _second_of_day_default(element, compiler, **kw):
    (value,) = list(element.clauses)
    v = compiler.process(value, **kw)
    return (
        f"(CAST(EXTRACT(HOUR FROM {v}) AS INTEGER) * 3600"
        f" + CAST(EXTRACT(MINUTE FROM {v}) AS INTEGER) * 60"
        f" + CAST(EXTRACT(SECOND FROM {v}) AS INTEGER))"
    )


@compiles(second_of_day, "postgresql")
def _second_of_day_postgresql(element, compiler, **kw):
    """The time of day's seconds as a double (`date_part`), rounded: EXTRACT returns numeric
    since PostgreSQL 14, and three numeric EXTRACTs a row cost 4 times as much (a year of the
    city's called tickets, two times a row: 2.7 s of the occupancy's 3). The same integer: the
    hours and minutes are whole, the seconds rounded either way."""
    (value,) = list(element.clauses)
    return f"CAST(date_part('epoch', CAST({compiler.process(value, **kw)} AS TIME)) AS INTEGER)"


@compiles(second_of_day, "mysql")
@compiles(second_of_day, "mariadb")
def _second_of_day_mysql(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"TIME_TO_SEC(TIME({compiler.process(value, **kw)}))"


@compiles(second_of_day, "sqlite")
def _second_of_day_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    v = compiler.process(value, **kw)
    return (
        f"(CAST(substr({v}, 12, 2) AS INTEGER) * 3600"
        f" + CAST(substr({v}, 15, 2) AS INTEGER) * 60 + CAST(substr({v}, 18, 2) AS INTEGER))"
    )


def flag(condition: ColumnElement) -> ColumnElement:
    """1 where the condition holds, else 0 (NULL counts as not holding): for SUM."""
    return sa.case((condition, 1), else_=0)


class unindexed(FunctionElement):
    """A text column's value, kept from SQLite's choice of index (`+column`): where an index
    on another column reads far fewer rows than the one SQLite would pick without statistics
    (the few packaged cases of a year through `application_id`, not every case of the hall
    through `hall_id`). PostgreSQL and MariaDB plan from their statistics: the column as is."""

    type = sa.String()
    inherit_cache = True
    name = "unindexed"


@compiles(unindexed)
def _unindexed_default(element, compiler, **kw):
    (value,) = list(element.clauses)
    return compiler.process(value, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"+{compiler.process(value, **kw)}"


KEYS_PER_LOOKUP = 5_000  # keys in one lookup (SQLite binds at most 32,766 values)


def key_chunks(keys: list) -> list[list]:
    """`keys` cut into lookups of at most `KEYS_PER_LOOKUP` (each for `key_in`)."""
    return [keys[i : i + KEYS_PER_LOOKUP] for i in range(0, len(keys), KEYS_PER_LOOKUP)]


def key_in(conn, column: ColumnElement, keys: list) -> ColumnElement[bool]:
    """`column IN keys` for a lookup of thousands of keys: on PostgreSQL one array parameter
    (`= ANY(:keys)`), not a parameter per key (5,000 ticket ids: 62 → 26 ms a lookup, most of
    it SQLAlchemy expanding and psycopg binding the list); elsewhere the plain IN list."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # loaded by the engine on PostgreSQL only

        array = sa.bindparam("keys", keys, type_=postgresql.ARRAY(column.type))
        return column == sa.any_(array)
    return column.in_(keys)
