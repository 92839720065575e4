"""好差评's active evaluations per channel and rating, the rolled days read from the ratings
rollup (`hallpulse_rollup_ratings`: per hall, day, channel and rating) and only the other days
(today) from the evaluations: the city's year was every evaluation of it grouped (2 million
rows, 0.40 s)."""

from __future__ import annotations

import polars as pl
from sqlalchemy.engine import Connection

from access.scope import Scope
from queries import details, rollups
from queries.metric_queries import Filters


def rating_by_channel(conn: Connection, period: Filters, *, scope: Scope) -> pl.DataFrame:
    """`details.rating_by_channel` of the period (channel, rating, n): from the rollup where it
    answers (`rollups.partial`: a window, staff or department filter or scope reads the rows),
    the raw days from the evaluations."""

    def raw(sub: Filters) -> pl.DataFrame:
        return details.rating_by_channel(conn, sub, scope=scope)

    plan = rollups.plan(conn, period)
    frame = rollups.partial(conn, "ratings", plan, period, None, raw, scope=scope)
    return frame.select("channel", "rating", "n").sort("channel", "rating")
