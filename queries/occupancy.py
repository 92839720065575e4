"""考勤与饱和度's open windows against people waiting per quarter-hour, with the waiting tickets
of the rolled days read from the waits rollup (`hallpulse_rollup_waits`: called tickets per
hall, issue and call day and quarter-hour) and only the other days (today) from the tickets:
a year of the district centre was 200 k ticket rows grouped by four expressions each."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import details, rollups
from queries import schema as s
from queries.frames import read_frame
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
    """`details.wait_slots` of the period: the rolled days from the waits rollup (its slots
    from midnight shifted to start at `first_s`), the rest from the tickets. Read raw where
    the rollup cannot say: another step or start, a filter or a scope finer than the hall."""
    plan = rollups.plan(conn, period)
    narrower = scope.dept_ids is not None or scope.staff_id is not None
    if (
        plan is None
        or "waits" not in plan.members
        or step_s != rollups.WAIT_SLOT_S
        or first_s % step_s
        or set(period.filters) - {"hall"}
        or narrower
        or scope.window_ids is not None
    ):
        return details.wait_slots(conn, period, first_s, step_s, scope=scope)
    u = s.rollup_waits
    shift = first_s // step_s
    ka, kc = (u.c.ka - shift).label("ka"), (u.c.kc - shift).label("kc")
    runs = rollups.day_runs(plan.rolled)
    stmt = (
        sa.select(u.c.day.label("issue_day"), u.c.call_day, ka, kc, sa.func.sum(u.c.n).label("n"))
        .where(
            sa.or_(*(sa.and_(u.c.day >= lo, u.c.day <= hi) for lo, hi in runs)),
            *(u.c.hall_id == value for value in period.filters.values()),
            scope_filter(scope, u),
        )
        .group_by(u.c.day, u.c.call_day, ka, kc)
    )
    frames = [read_frame(conn, stmt, details.WAIT_SLOTS_SCHEMA)]
    frames += [
        details.wait_slots(conn, raw, first_s, step_s, scope=scope) for raw in plan.raw_periods
    ]
    keys = ["issue_day", "call_day", "ka", "kc"]
    return pl.concat(frames).group_by(keys).agg(pl.col("n").sum()).sort(keys)
