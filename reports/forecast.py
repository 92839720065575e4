"""The report's forecast step: next week's demand and extended-hours staffing, taken from the
`forecasting` package when it provides `forecast_demand` and `plan_staffing`, else nothing
(the report then has no forecast section at all, not an empty one).

This is the one place that knows the forecasting package's calls. The contract assumed here:

    forecast_demand(conn, hall_id, first, last) -> frame with date, expected[, lower, upper]
        (tickets per day; extra columns, e.g. per hour, are summed into days)
    plan_staffing(conn, hall_id, demand) -> frame, one row per slot to staff, shown as is

If the package's signatures differ, adapt `_call` below; nothing else in `reports/` changes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import polars as pl
from sqlalchemy.engine import Connection

REQUIRED = ("forecast_demand", "plan_staffing")


@dataclass(frozen=True)
class Forecast:
    daily: pl.DataFrame  # date, expected[, lower, upper]
    staffing: pl.DataFrame  # as plan_staffing returns it


def forecasting_module():
    """The forecasting package if it provides every function the report needs, else None."""
    try:
        module = importlib.import_module("forecasting")
    except ImportError:
        return None
    if not all(callable(getattr(module, name, None)) for name in REQUIRED):
        return None
    return module


def _call(module, conn: Connection, hall_id: str, week) -> Forecast:
    demand = module.forecast_demand(conn, hall_id, week.first, week.last)
    if not isinstance(demand, pl.DataFrame):
        demand = pl.from_pandas(demand)
    value_cols = [c for c in ("expected", "lower", "upper") if c in demand.columns]
    daily = (
        demand.with_columns(pl.col("date").cast(pl.Date))
        .group_by("date")
        .agg(pl.col(c).sum() for c in value_cols)
        .sort("date")
    )
    staffing = module.plan_staffing(conn, hall_id, demand)
    if not isinstance(staffing, pl.DataFrame):
        staffing = pl.from_pandas(staffing)
    return Forecast(daily=daily, staffing=staffing)


def next_week_forecast(conn: Connection, hall_id: str, week) -> Forecast | None:
    """The forecast of `week` (the week after the report's) or None without forecasting."""
    module = forecasting_module()
    if module is None:
        return None
    return _call(module, conn, hall_id, week)
