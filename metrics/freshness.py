"""How fresh each hall's data is: the age of the newest row, and whether it is stale."""

from __future__ import annotations

import datetime as dt

import polars as pl

# tables that a live hall writes all day: their newest row should be minutes old
LIVE_TABLES = ("tickets", "evaluations")
STALE_AFTER_MIN = 30.0


def with_freshness(
    overview: pl.DataFrame, now: dt.datetime, stale_after_min: float = STALE_AFTER_MIN
) -> pl.DataFrame:
    """Add `age_min` (minutes from last_at to now; null without rows) and `stale`.

    `stale` is true for a live table (tickets, evaluations) whose newest row is older than
    `stale_after_min`, and null for tables that are not written continuously.
    """
    age = (pl.lit(now) - pl.col("last_at")).dt.total_seconds() / 60.0
    return overview.with_columns(age_min=age.round(1)).with_columns(
        stale=pl.when(pl.col("table").is_in(LIVE_TABLES)).then(
            pl.col("age_min").is_null() | (pl.col("age_min") > stale_after_min)
        )
    )
