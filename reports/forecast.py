"""The report's forecast step: next week's demand and extended-hours staffing, from the
`forecasting` package (the same plan as `hall staffing` and the 预测与排班 page).

The forecast covers the days of the week after the report's week that lie after the last
ticket in the database: on a Monday morning run, the whole coming week. A report of an older
week (the data already reach past its next week) has no forecast section: there is nothing
left to forecast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy.engine import Connection

from access.scope import Scope
from metrics.settings import Settings

STAFFING_COLUMNS = (
    "date",
    "start",
    "arrivals",
    "windows_needed",
    "windows_rostered",
    "service_level",
    "service_level_rostered",
    "flag",
)


@dataclass(frozen=True)
class Forecast:
    daily: pl.DataFrame  # date, expected, lower, upper (tickets per day, 80% interval)
    staffing: pl.DataFrame  # STAFFING_COLUMNS: the extended-hours half-hours of those days
    warnings: dict[str, list[str]]  # per language: e.g. the horizon passes the announced calendar
    # per language: the model chosen by the hall's own backtest, its error against the same
    # weekday last week and the runner-up (`forecasting.select.Choice.summary`)
    model: dict[str, str] | None = None


def next_week_forecast(
    conn: Connection, hall_id: str, week, settings: Settings, *, scope: Scope
) -> Forecast | None:
    """The forecast and extended-hours plan of `week`'s days after the last ticket, or None
    when none is left (or the hall cannot be forecast: no history, no service hours)."""
    from forecasting.demand import ForecastError
    from forecasting.service import last_ticket, staffing_hall

    try:
        newest = last_ticket(conn, scope=scope)
    except ForecastError:
        return None
    first = max(week.first, newest.date() + dt.timedelta(days=1))
    if first > week.last:
        return None
    try:
        run = staffing_hall(conn, hall_id, first, week.last, settings, False, scope=scope)
    except ForecastError:
        return None
    daily = (
        run.forecast.daily.filter(pl.col("date").is_between(first, week.last))
        .select(
            "date",
            pl.col("yhat").alias("expected"),
            pl.col("yhat_lower").alias("lower"),
            pl.col("yhat_upper").alias("upper"),
        )
        .sort("date")
    )
    staffing = (
        run.plan.filter(pl.col("kind") == "extended")
        .with_columns(pl.col("start").dt.strftime("%H:%M"))
        .select(STAFFING_COLUMNS)
        .sort("date", "start")
    )
    choice = run.forecast.choice
    model = {lang: choice.summary(lang) for lang in ("zh", "en")} if choice else None
    return Forecast(daily, staffing, run.forecast.warnings, model)
