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
