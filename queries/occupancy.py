"""考勤与饱和度's open windows against people waiting per quarter-hour, with the waiting tickets
of the rolled days read from the waits rollup (`hallpulse_rollup_waits`: called tickets per
hall, issue and call day and quarter-hour) and only the other days (today) from the tickets:
a year of the district centre was 200 k ticket rows grouped by four expressions each."""

from __future__ import annotations

import polars as pl
from sqlalchemy.engine import Connection

from access.scope import Scope
from queries import details, rollups
from queries.metric_queries import Filters


def occupancy_counts(
    conn: Connection, period: Filters, *, scope: Scope
) -> details.OccupancyCounts | None:
    """`details.occupancy_counts` in quarter-hours, its waits read through `waits`."""
    return details.occupancy_counts(
        conn, period, scope=scope, step_s=rollups.WAIT_SLOT_S, waits_read=waits
    )


def waits(
    conn: Connection, period: Filters, first_s: int, step_s: int, *, scope: Scope
) -> pl.DataFrame:
    """`details.wait_slots` of the period: the rolled days from the waits rollup, the rest
    from the tickets (`rollups.partial`: raw where the rollup cannot say, a filter or a scope
    finer than the hall), the slots counted from midnight and shifted to start at `first_s`.
    Another step, or a start between its slots, reads the tickets alone."""
    if step_s != rollups.WAIT_SLOT_S or first_s % step_s:
        return details.wait_slots(conn, period, first_s, step_s, scope=scope)

    def raw(sub: Filters) -> pl.DataFrame:
        frame = details.wait_slots(conn, sub, 0, step_s, scope=scope)
        return frame.rename({"issue_day": "group"})

    plan = rollups.plan(conn, period)
    frame = rollups.partial(conn, "waits", plan, period, "date", raw, scope=scope)
    shift = first_s // step_s
    return frame.select(
        pl.col("group").alias("issue_day"),
        "call_day",
        pl.col("ka") - shift,
        pl.col("kc") - shift,
        "n",
    )
