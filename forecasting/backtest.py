"""Rolling-origin backtest of the daily and hourly forecasts against two baselines.

At each origin the forecast sees only the days up to it and forecasts the next `horizon` days;
the origins step back `horizon` days at a time from the end of the data. Scored: the forecast
as made (`auto`: the method chosen by the backtest inside the history before the origin, see
`forecasting.select`) and every candidate — Prophet, exponential smoothing, the Poisson
regression (`glm`), their weighted ensemble and the baselines, the same weekday last week
(`naive_week`) and the mean of the last four same weekdays (`mean_4weeks`), both skipping
closed days. Scores: MAE, RMSE, MASE (scaled by the in-sample MAE of the same-weekday-last-week
forecast before each origin), the MAE relative to the same weekday last week on the same points
and, for `auto`, the coverage of its 80% intervals and its Poisson noise floor (`floor_mase`:
the MASE a forecast of the exact mean would score if the counts were Poisson — no forecast can
do better).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from forecasting.demand import (
    DEFAULT_OPTIONS,
    ProphetOptions,
    hourly_totals,
    intraday_forecast,
    intraday_profile,
    open_slots,
)
from forecasting.select import Choice, choose, forecast_series, poisson_mad

METHODS = ("auto", "prophet", "ets", "glm", "ensemble", "naive_week", "mean_4weeks")
HOURLY_METHODS = ("auto", "naive_week", "mean_4weeks")


@dataclass
class BacktestResult:
    """Scores per level (daily, hourly) and method; the fit time of each origin (seconds);
    the choice each origin made and the choice on the whole series (what a forecast made now
    uses). `auto` is the forecast as made: the method chosen at each origin by the backtest
    inside the history before it, with its intervals."""

    daily: pl.DataFrame
    hourly: pl.DataFrame
    fit_seconds: list[float] = field(default_factory=list)
    origins: list[dt.date] = field(default_factory=list)
    chosen_at: list[str] = field(default_factory=list)
    choice: Choice | None = None

    def score(self, level: str, method: str, column: str = "mase") -> float | None:
        frame = self.daily if level == "daily" else self.hourly
        row = frame.filter(pl.col("method") == method) if frame.height else frame
        return None if row.is_empty() else row[column][0]

    def to_json(self) -> dict:
        return {
            "origins": [d.isoformat() for d in self.origins],
            "fit_seconds": [round(s, 2) for s in self.fit_seconds],
            "chosen_at_origins": self.chosen_at,
            "choice": self.choice.to_json() if self.choice else None,
            "daily": self.daily.to_dicts(),
            "hourly": self.hourly.to_dicts(),
        }


def _baselines(series: pl.DataFrame, key: str, origin_value: dt.date | dt.datetime, targets):
    """Same weekday last week and mean of the last four, from observations up to the origin.

    `series`: key (date or datetime), y — observed open periods only. A target's candidates are
    the same period 7, 14, … days earlier, not after the origin.
    """
    known = dict(zip(series[key].to_list(), series["y"].to_list(), strict=True))
    naive, mean4 = [], []
    for target in targets:
        found = []
        k = 1
        while len(found) < 4 and k <= 20:
            earlier = target - dt.timedelta(days=7 * k)
            if earlier <= origin_value and earlier in known:
                found.append(known[earlier])
            k += 1
        naive.append(found[0] if found else np.nan)
        mean4.append(float(np.mean(found)) if found else np.nan)
    return np.asarray(naive, dtype=float), np.asarray(mean4, dtype=float)


def _scale(series: pl.DataFrame, key: str, lookback_days: int = 365) -> float:
    """In-sample MAE of the same-weekday-last-week forecast (periods a week apart, both open)."""
    last = series[key].max()
    recent = series.filter(pl.col(key) > last - dt.timedelta(days=lookback_days))
    lagged = recent.with_columns((pl.col(key) + dt.timedelta(days=7)).alias(key)).rename(
        {"y": "y_lag"}
    )
    pairs = recent.join(lagged, on=key)
    return float((pairs["y"] - pairs["y_lag"]).abs().mean()) if pairs.height else float("nan")


def _scores(rows: list[dict], level: str, methods: tuple[str, ...]) -> pl.DataFrame:
    """MAE, RMSE, MASE of each method over the points it forecast; relative_mae: its MAE over
    the MAE of the same weekday last week on the same points; coverage of auto's 80%
    intervals."""
    frame = pl.DataFrame(rows).with_columns(pl.col(*methods).cast(pl.Float64).fill_nan(None))
    out = []
    for method in methods:
        part = frame.drop_nulls([method, "naive_week"])
        if part.is_empty():
            continue
        e = (part[method] - part["actual"]).to_numpy()
        base = (part["naive_week"] - part["actual"]).abs().mean()
        scale = part["scale"].to_numpy()
        out.append(
            {
                "level": level,
                "method": method,
                "points": part.height,
                "mae": float(np.mean(np.abs(e))),
                "rmse": float(np.sqrt(np.mean(e**2))),
                "mase": float(np.mean(np.abs(e) / scale)),
                "relative_mae": float(np.mean(np.abs(e)) / base) if base else None,
                "coverage_80": float(
                    ((part["actual"] >= part["lower"]) & (part["actual"] <= part["upper"]))
                    .cast(pl.Float64)
                    .mean()
                )
                if method == "auto"
                else None,
                # a forecast of the exact mean, with Poisson counts, would score this MASE
                "floor_mase": float(np.mean(poisson_mad(part["auto"].to_numpy()) / scale))
                if method == "auto"
                else None,
            }
        )
    return pl.DataFrame(out)


def backtest(
    daily: pl.DataFrame,
    slots: pl.DataFrame | None,
    features: pl.DataFrame,
    hours: pl.DataFrame,
    hall_id: str,
    *,
    origins: int = 8,
    horizon: int = 14,
    options: ProphetOptions = DEFAULT_OPTIONS,
) -> BacktestResult:
    """Backtest one series. `daily`: date, arrivals; `slots`: date, slot, arrivals (half-hours)
    or None for a daily-only backtest; `features`: `day_features` of the hall over the whole
    span. Open days without a row count as 0 arrivals.

    At each origin the forecast is made as `hall forecast` makes it (the method chosen by the
    backtest inside the history up to the origin, `auto`), and every candidate's forecast is
    kept too. Origins without enough history for any forecast are skipped."""
    open_days = features.filter(pl.col("open"))
    last = daily["date"].max()
    observed = (
        open_days.filter(pl.col("date") <= last)
        .join(daily.select("date", "arrivals"), on="date", how="left")
        .with_columns(pl.col("arrivals").fill_null(0).cast(pl.Float64).alias("y"))
        .sort("date")
    )
    hourly_obs = None
    if slots is not None:
        # every hour of the opening hours of each open day, 0 where nobody came, and any hour
        # outside them that had arrivals: scoring only the hours with arrivals would leave out
        # the quiet hours a small hall has, and the baselines would have no last week there
        hour_key = ["date", (pl.col("slot") // 2).alias("hour")]
        open_hours = (
            open_slots(hours, hall_id, features.filter(pl.col("date") <= last))
            .select(hour_key)
            .unique()
        )
        counted = slots.group_by(hour_key).agg(pl.col("arrivals").sum().cast(pl.Float64).alias("y"))
        hourly_obs = (
            open_hours.join(counted, on=["date", "hour"], how="full", coalesce=True)
            .join(open_days.select("date"), on="date")
            .select(
                (pl.col("date").cast(pl.Datetime("us")) + pl.duration(hours=pl.col("hour"))).alias(
                    "start"
                ),
                pl.col("y").fill_null(0.0),
            )
            .sort("start")
        )
    result = BacktestResult(daily=pl.DataFrame(), hourly=pl.DataFrame())
    daily_rows: list[dict] = []
    hourly_rows: list[dict] = []
    for i in range(origins, 0, -1):
        origin = last - dt.timedelta(days=horizon * i)
        first, end = origin + dt.timedelta(days=1), origin + dt.timedelta(days=horizon)
        train = observed.filter(pl.col("date") <= origin)
        future = features.filter(pl.col("date").is_between(first, end) & pl.col("open"))
        if train.height < 5 or future.is_empty():
            continue
        started = time.perf_counter()
        pred, choice, every = forecast_series(train, future, options, every=True)
        result.fit_seconds.append(time.perf_counter() - started)
        result.origins.append(origin)
        result.chosen_at.append(choice.method)
        fc = (
            features.filter(pl.col("date").is_between(first, end))
            .select("date", "open")
            .join(pred, on="date", how="left")
            .with_columns(
                pl.col("yhat", "yhat_lower", "yhat_upper").fill_null(0.0),
                pl.lit(hall_id).alias("hall_id"),
                pl.lit(None, pl.String).alias("queue_id"),
            )
        )
        test = observed.filter(pl.col("date").is_between(first, end))
        scored = test.select("date", "y").join(pred, on="date")
        position = {d: k for k, d in enumerate(future["date"].to_list())}
        scale = _scale(train.select("date", "y"), "date")
        for row in scored.iter_rows(named=True):
            k = position[row["date"]]
            daily_rows.append(
                {
                    "actual": row["y"],
                    "auto": row["yhat"],
                    "lower": row["yhat_lower"],
                    "upper": row["yhat_upper"],
                    **{
                        m: float(every[m][k]) if m in every else None
                        for m in METHODS
                        if m != "auto"
                    },
                    "scale": scale,
                }
            )
        if slots is None or hourly_obs is None:
            continue
        profile = intraday_profile(slots, features, hours, hall_id, first)
        halves = intraday_forecast(fc, profile, features, hours)
        hourly_fc = hourly_totals(halves).rename({"yhat_lower": "lower", "yhat_upper": "upper"})
        origin_end = dt.datetime.combine(origin, dt.time(23, 59))
        h_train = hourly_obs.filter(pl.col("start") <= origin_end)
        h_test = hourly_obs.filter(
            pl.col("start").is_between(
                dt.datetime.combine(first, dt.time(0)), dt.datetime.combine(end, dt.time(23, 59))
            )
        ).join(hourly_fc, on="start", how="left")
        h_naive, h_mean4 = _baselines(
            h_train.filter(pl.col("start") > origin_end - dt.timedelta(days=70)),
            "start",
            origin_end,
            h_test["start"].to_list(),
        )
        h_scale = _scale(h_train, "start", lookback_days=56)
        for row, n7, m4 in zip(h_test.iter_rows(named=True), h_naive, h_mean4, strict=True):
            hourly_rows.append(
                {
                    "actual": row["y"],
                    "auto": row["yhat"] if row["yhat"] is not None else 0.0,
                    "lower": row["lower"] if row["lower"] is not None else 0.0,
                    "upper": row["upper"] if row["upper"] is not None else 0.0,
                    "naive_week": n7,
                    "mean_4weeks": m4,
                    "scale": h_scale,
                }
            )
    if daily_rows:
        result.daily = _scores(daily_rows, "daily", METHODS)
    if hourly_rows:
        result.hourly = _scores(hourly_rows, "hourly", HOURLY_METHODS)
    result.choice = choose(observed, options)[0]
    return result


def counts_series(
    frame: pl.DataFrame, hall_id: str = "SERIES"
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """A series of arrival counts outside any hall database (e.g. a call centre's), made ready
    for `backtest`: (daily, slots, features, service_hours).

    `frame`: start (datetime), count — bins of 30 minutes or less. Days with data are open
    working days; a weekday without data is a named day off (a holiday), weekends are closed;
    opening hours run from the earliest to the latest half-hour seen on each weekday.
    """
    from forecasting.demand import day_features

    binned = frame.select(
        pl.col("start").dt.date().alias("date"),
        (pl.col("start").dt.hour().cast(pl.Int32) * 2 + pl.col("start").dt.minute() // 30)
        .cast(pl.Int32)
        .alias("slot"),
        pl.col("count").cast(pl.Int64),
    )
    slots = binned.group_by("date", "slot").agg(pl.col("count").sum().alias("arrivals"))
    daily = slots.group_by("date").agg(pl.col("arrivals").sum()).sort("date")
    first, last = daily["date"].min(), daily["date"].max()
    seen = set(daily["date"].to_list())
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1 + 60)]
    calendar = pl.DataFrame(
        {
            "date": days,
            "is_workday": [d in seen or (d > last and d.isoweekday() <= 5) for d in days],
            "name": [
                "no data" if d not in seen and d <= last and d.isoweekday() <= 5 else None
                for d in days
            ],
        }
    )
    span = (
        slots.with_columns(pl.col("date").dt.weekday().alias("weekday"))
        .group_by("weekday")
        .agg(pl.col("slot").min().alias("lo"), pl.col("slot").max().alias("hi"))
    )
    hours = pl.DataFrame(
        [
            (
                hall_id,
                wd,
                dt.time(lo // 2, 30 * (lo % 2)),
                (dt.datetime(2000, 1, 1) + dt.timedelta(minutes=30 * (hi + 1))).time(),
                "regular",
                None,
                None,
            )
            for wd, lo, hi in span.iter_rows()
        ],
        schema={
            "hall_id": pl.String,
            "weekday": pl.Int32,
            "start": pl.Time,
            "end": pl.Time,
            "kind": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },
        orient="row",
    )
    features = day_features(calendar, hours, hall_id, first, days[-1] - dt.timedelta(days=21))
    return daily, slots, features, hours
