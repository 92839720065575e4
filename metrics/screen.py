"""Everything the big screen shows for one hall, in two reads of different freshness:

- `live_figures`: today up to now (queues, waits, windows, calls, hours, today's figures from
  `compute`); cheap, read on every refresh;
- `period_figures`: this month (satisfaction, on-time rate, overdue cases, bad reviews pending,
  the department ranking); heavier, read every few minutes.

Both take a connection and plain values and return plain dataclasses of frames and dicts, so
the page caches them and the benchmark times them without Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy.engine import Connection

from access.scope import Scope
from metrics import freshness, live
from metrics.catalog import BY_KEY
from metrics.figures import compute
from metrics.rankings import rank_groups
from metrics.settings import Settings
from queries import live as q
from queries.metric_queries import Filters, bad_reviews
from queries.overview import calendar_around, service_hours_frame

# today's figures the screen shows (its tiles and the satisfaction cell): every refresh reads
# only their partials — not the wait histograms, extended-hours segments, after-close service
# or evaluation coverage that the rest of a compute() would read
TODAY_KEYS = (
    "issued",
    "served",
    "wait_mean_min",
    "wait_max_min",
    "wait_within_target_rate",
    "count",
    "satisfaction_rate",
)


# the month's figures the screen shows: satisfaction and bad reviews overdue, the on-time rate
# with the cases completed, and the open cases overdue or due soon (not the 一件事 packages,
# channels or intake a whole compute() would read)
MONTH_KEYS = (
    "satisfaction_rate",
    "bad_overdue",
    "on_time_rate",
    "completed",
    "overdue_open",
    "due_soon_open",
)


@dataclass(frozen=True)
class LiveFigures:
    now: dt.datetime
    today: dict  # compute(keys=TODAY_KEYS) of today's scope for the hall
    hall: dict  # metrics.live.hall_now
    queues: pl.DataFrame  # metrics.live.queue_board
    hourly: pl.DataFrame  # hour, today, last_week
    calls: pl.DataFrame  # recent calls, staff names masked
    newest: dt.datetime | None
    is_open: bool
    stale: bool


@dataclass(frozen=True)
class PeriodFigures:
    first: dt.date
    month: dict  # compute(keys=MONTH_KEYS) of the month to date
    bad_pending: int
    ranking: list[dict]  # rank_groups rows with `name`, departments with a sample only
    rank_key: str


def day_start(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.date(), dt.time(0))


def live_figures(
    conn: Connection,
    hall_id: str,
    now: dt.datetime,
    settings: Settings,
    screen: live.ScreenSettings,
    *,
    scope: Scope,
) -> LiveFigures:
    """Today's figures of the hall inside `scope` (a kiosk link's: one hall, no names)."""
    start = day_start(now)
    today_period = Filters(now.date(), now.date(), now, {"hall": hall_id})
    today = compute(conn, today_period, settings, scope=scope, keys=TODAY_KEYS)
    per_queue = q.queue_today(conn, hall_id, start, now, scope=scope)
    waits = live.current_waits(q.waiting_tickets(conn, hall_id, start, now, scope=scope), now)
    since = now - dt.timedelta(minutes=screen.recent_call_min)
    callers = q.recent_callers(conn, hall_id, start, since, now, scope=scope)
    staffed = live.staffed_windows(q.shifts_today(conn, hall_id, now.date(), scope=scope), now)
    week_ago = start - dt.timedelta(days=7)
    hourly = live.hourly_comparison(
        q.hourly_issued(conn, hall_id, start, now, scope=scope),
        q.hourly_issued(
            conn, hall_id, week_ago, week_ago + dt.timedelta(seconds=86399), scope=scope
        ),
        now,
    )
    calls = q.recent_calls(conn, hall_id, start, now, scope=scope)
    if scope.names_visible:  # a public screen masks names even for a signed-in admin
        calls = calls.with_columns(
            pl.col("staff").map_elements(live.mask_name, return_dtype=pl.String)
        )
    newest = q.newest_ticket(conn, hall_id, now, scope=scope)
    is_open = hall_id in freshness.open_halls(
        service_hours_frame(conn), calendar_around(conn, now.date()), now
    )
    return LiveFigures(
        now=now,
        today=today,
        hall=live.hall_now(per_queue, waits, callers, staffed),
        queues=live.queue_board(
            q.queue_list(conn, hall_id, scope=scope), per_queue, waits, callers, staffed
        ),
        hourly=hourly,
        calls=calls,
        newest=newest,
        is_open=is_open,
        stale=live.is_stale(newest, now, is_open, screen.stale_after_min),
    )


def period_figures(
    conn: Connection,
    hall_id: str,
    now: dt.datetime,
    settings: Settings,
    rank_key: str,
    *,
    scope: Scope,
) -> PeriodFigures:
    """The month's figures of the hall inside `scope`."""
    first = now.date().replace(day=1)
    month_period = Filters(first, now.date(), now, {"hall": hall_id})
    month = compute(conn, month_period, settings, scope=scope, keys=MONTH_KEYS)
    # the ranked figure and the sample its guard counts (served tickets or evaluations)
    sample = "count" if BY_KEY[rank_key].section == "evaluations" else "served"
    groups = compute(
        conn, month_period, settings, "department", scope=scope, keys=(rank_key, sample)
    )["groups"]
    names = q.department_names(conn, scope=scope)
    ranking = [
        {**row, "name": names.get(row["group"], row["group"])}
        for row in rank_groups(groups, rank_key, settings)
        if row["sample"] > 0
    ]
    return PeriodFigures(
        first=first,
        month=month,
        bad_pending=live.bad_pending(bad_reviews(conn, month_period, None, scope=scope), now),
        ranking=ranking,
        rank_key=rank_key,
    )
