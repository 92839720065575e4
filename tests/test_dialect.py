"""The dialect constructs of `queries.dialect` on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import sqlalchemy as sa

from queries.db import make_engine
from queries.dialect import int_div


def test_int_div_brackets_its_operands(db_url):
    """`int_div(x + 899, 900)` divides the sum (a ceiling), and a divisor that is an
    expression divides as a whole: the operands were once written out unbracketed, so the
    first read x + (899 / 900) = x and the second (x / 3) * 2."""
    engine = make_engine(db_url)
    x = sa.literal(1801, sa.Integer)
    try:
        with engine.connect() as conn:
            ceiling, whole, plain = conn.execute(
                sa.select(
                    int_div(x + 899, 900),
                    int_div(x, sa.literal(3, sa.Integer) * 2),
                    int_div(x, 900),
                )
            ).one()
    finally:
        engine.dispose()
    assert (ceiling, whole, plain) == (3, 300, 2)


def test_read_frame_types_every_driver_value_as_declared(db_url):
    """`read_frame` takes the driver's rows as they come and types them in polars: SQLite's
    text dates, timestamps (with and without fractions) and times, MariaDB's TIME (a
    duration), PostgreSQL's Decimal sums, and booleans stored as integers all come out as
    the declared types, NULLs as nulls; no row gives a frame of the schema."""
    import datetime as dt

    import polars as pl
    from polars.testing import assert_frame_equal

    from queries.dialect import day_of
    from queries.frames import read_frame

    meta = sa.MetaData()
    t = sa.Table(
        "frame_types",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime),
        sa.Column("day", sa.Date),
        sa.Column("opens", sa.Time),
        sa.Column("flag", sa.Boolean),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("label", sa.String(20)),
    )
    rows = [
        dict(id=1, at=dt.datetime(2026, 11, 27, 8, 30, 0, 250000), day=dt.date(2026, 11, 27),
             opens=dt.time(8, 30), flag=True, amount=2.5, label="一窗"),
        dict(id=2, at=dt.datetime(2026, 11, 28, 23, 59, 59), day=dt.date(2026, 2, 28),
             opens=dt.time(17, 45, 30), flag=False, amount=4, label="B"),
        dict(id=3, at=None, day=None, opens=None, flag=None, amount=None, label=None),
    ]  # fmt: skip
    schema = {
        "id": pl.Int64(),
        "at": pl.Datetime("us"),
        "day": pl.Date(),
        "opens": pl.Time(),
        "flag": pl.Boolean(),
        "amount": pl.Float64(),
        "label": pl.String(),
        "at_day": pl.Date(),
    }
    engine = make_engine(db_url)
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(t.insert(), rows)
            stmt = sa.select(*t.c, day_of(t.c.at).label("at_day")).order_by(t.c.id)
            got = read_frame(conn, stmt, schema)
            sums = read_frame(
                conn,
                sa.select(sa.func.sum(t.c.id).label("n"), sa.func.max(t.c.at).label("last")),
                {"n": pl.Int64(), "last": pl.Datetime("us")},
            )
            none = read_frame(conn, stmt.where(t.c.id > 9), schema)
    finally:
        meta.drop_all(engine)
        engine.dispose()
    first, second = (
        dt.datetime(2026, 11, 27, 8, 30, 0, 250000),
        dt.datetime(2026, 11, 28, 23, 59, 59),
    )
    want = pl.DataFrame(
        {
            "id": [1, 2, 3],
            "at": [first, second, None],
            "day": [dt.date(2026, 11, 27), dt.date(2026, 2, 28), None],
            "opens": [dt.time(8, 30), dt.time(17, 45, 30), None],
            "flag": [True, False, None],
            "amount": [2.5, 4.0, None],
            "label": ["一窗", "B", None],
            "at_day": [dt.date(2026, 11, 27), dt.date(2026, 11, 28), None],
        },
        schema=schema,
    )  # fmt: skip
    if engine.dialect.name in ("mariadb", "mysql"):
        # DATETIME without a precision keeps whole seconds there
        want = want.with_columns(pl.col("at").dt.truncate("1s"))
    assert_frame_equal(got, want)
    assert sums.rows() == [(6, want["at"][1])]
    assert none.is_empty() and none.schema == pl.Schema(schema)


def test_second_of_day_of_stored_timestamps(db_url):
    """`second_of_day` of timestamps stored to the second, midnight and the day's last second
    included, is the same integer on every backend (PostgreSQL's through `date_part`, not
    three numeric EXTRACTs)."""
    import datetime as dt

    from queries.dialect import second_of_day

    meta = sa.MetaData()
    t = sa.Table(
        "times_of_day",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime),
    )
    times = [
        dt.datetime(2026, 11, 27, 0, 0, 0),
        dt.datetime(2026, 11, 27, 8, 30, 15),
        dt.datetime(2026, 11, 27, 12, 0, 59),
        dt.datetime(2026, 11, 28, 23, 59, 59),
    ]
    engine = make_engine(db_url)
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(t.insert(), [{"id": i, "at": at} for i, at in enumerate(times, 1)])
            got = conn.execute(sa.select(second_of_day(t.c.at)).order_by(t.c.id)).scalars().all()
            conn.execute(t.insert().values(id=9, at=None))
            missing = conn.execute(sa.select(second_of_day(t.c.at)).where(t.c.id == 9)).scalar()
    finally:
        meta.drop_all(engine)
        engine.dispose()
    assert got == [at.hour * 3600 + at.minute * 60 + at.second for at in times]
    assert missing is None
