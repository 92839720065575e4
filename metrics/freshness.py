"""How fresh each hall's data is: the age of the newest row, and whether that is a problem.

A live table (tickets, evaluations) of a hall that is open right now should have rows minutes
old; a hall that is closed (evening, weekend without service, a public holiday) is not stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from workdays import holiday_closures, service_weekday

LIVE_TABLES = ("tickets", "evaluations")
STALE_AFTER_MIN = 30.0


def open_halls(hours: pl.DataFrame, calendar: pl.DataFrame, now: dt.datetime) -> set[str]:
    """Halls whose service hours cover `now`.

    `hours`: hall_id, weekday, start, end (times), valid_from, valid_to; `calendar`: date,
    is_workday, name around now's date (a few weeks either side, to see whole holiday breaks).
    Public-holiday breaks close every hall; a 调休 working weekend follows Monday's hours.
    """
    today = now.date()
    if today in holiday_closures(calendar.sort("date")):
        return set()
    row = calendar.filter(pl.col("date") == today)
    is_workday = bool(row["is_workday"][0]) if row.height else today.isoweekday() <= 5
    weekday = service_weekday(today, is_workday)
    current = hours.filter(
        (pl.col("weekday") == weekday)
        & (pl.col("start") <= now.time())
        & (pl.col("end") > now.time())
    )
    current = current.filter(
        (pl.col("valid_from").is_null() | (pl.col("valid_from") <= today))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= today))
    )
    return set(current["hall_id"].to_list())


def with_freshness(
    overview: pl.DataFrame,
    now: dt.datetime | Mapping[str, dt.datetime],
    open_now: set[str] | None = None,
    stale_after_min: float = STALE_AFTER_MIN,
) -> pl.DataFrame:
    """Add `age_min` (minutes from last_at to now; null without rows), `open` and `stale`.

    `now` is one moment, or each hall's own "now" by hall_id (halls in different time zones:
    `clock.hall_nows`); a hall missing from it is judged at the latest of them.
    `open` says whether the hall is in service hours now (null when `open_now` is not given).
    `stale` is true for a live table whose newest row is older than `stale_after_min` while the
    hall is open (or when openness is unknown); null for tables not written continuously.
    """
    if isinstance(now, Mapping):
        latest = max(now.values(), default=None)
        moment = pl.col("hall_id").replace_strict(
            dict(now), default=latest, return_dtype=pl.Datetime("us")
        )
    else:
        moment = pl.lit(now, dtype=pl.Datetime("us"))
    age = (moment - pl.col("last_at")).dt.total_seconds() / 60.0
    is_open = pl.col("hall_id").is_in(sorted(open_now)) if open_now is not None else pl.lit(None)
    late = pl.col("age_min").is_null() | (pl.col("age_min") > stale_after_min)
    return overview.with_columns(age_min=age.round(1), open=is_open.cast(pl.Boolean)).with_columns(
        stale=pl.when(pl.col("table").is_in(LIVE_TABLES)).then(
            late & pl.col("open").fill_null(True)
        )
    )
