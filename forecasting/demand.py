"""Daily and half-hourly demand forecasts on China's calendar.

Frames in, frames out; pandas only at the Prophet boundary.

- `day_features(calendar, service_hours, hall_id, first, last)`: one row per date — whether the
  hall is open, its day type and the recurring calendar regressors.
- `forecast_demand(history, features, first, last)`: daily Prophet forecasts per series with 80%
  intervals, fitted on open days only, non-negative, zero on closed days.
- `intraday_profile(slots, features)` and `intraday_forecast(daily, profile, features, hours)`:
  half-hour shares within opening hours by day type, and the half-hourly forecast.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import sys
import types
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl

from workdays import holiday_closures, service_weekday

INTERVAL_MIN = 30
SLOTS_PER_DAY = 24 * 60 // INTERVAL_MIN
INTERVAL_WIDTH = 0.8
Z80 = 1.2815515655446004  # standard normal quantile 0.9: half-width of an 80% interval
CALENDAR_REGRESSORS = (
    "holiday_open",
    "makeup_workday",
    "pre_holiday",
    "post_holiday",
    "first_after",
    "month_start",
)
# the week as the hall lives it: a 调休 Saturday follows Monday's hours, and its demand
WEEKDAY_REGRESSORS = tuple(f"service_weekday_{d}" for d in range(2, 8))
REGRESSORS = CALENDAR_REGRESSORS + WEEKDAY_REGRESSORS
DAY_TYPES = ("weekday", "saturday", "sunday", "after_holiday")
PROFILE_DAYS = 56  # the intraday shape is learned from the last eight weeks
MIN_FIT_DAYS = 21

DAILY_SCHEMA = {
    "hall_id": pl.String,
    "queue_id": pl.String,
    "date": pl.Date,
    "open": pl.Boolean,
    "yhat": pl.Float64,
    "yhat_lower": pl.Float64,
    "yhat_upper": pl.Float64,
}


class ForecastError(ValueError):
    """Input a forecast cannot be made from (too little history, no calendar …)."""


# --- the calendar as recurring features -----------------------------------------------------


def _hours_lookup(
    hours: pl.DataFrame, hall_id: str
) -> Callable[[dt.date, int], list[tuple[dt.time, dt.time, str]]]:
    """The hall's opening periods on a day: `on(day, service weekday)` → [(start, end, kind)]
    in the table's order, for the rows valid that day. One pass over the table per hall: a
    polars filter per day took 0.2 s of a cold forecast and plan (a year of days, twice)."""
    by_weekday: dict[int, list[tuple]] = {}
    for weekday, start, end, kind, valid_from, valid_to in (
        hours.filter(pl.col("hall_id") == hall_id)
        .select("weekday", "start", "end", "kind", "valid_from", "valid_to")
        .iter_rows()
    ):
        by_weekday.setdefault(weekday, []).append((start, end, kind, valid_from, valid_to))

    def on(day: dt.date, weekday: int) -> list[tuple[dt.time, dt.time, str]]:
        return [
            (start, end, kind)
            for start, end, kind, valid_from, valid_to in by_weekday.get(weekday, ())
            if (valid_from is None or valid_from <= day) and (valid_to is None or valid_to >= day)
        ]

    return on


def day_features(
    calendar: pl.DataFrame,
    service_hours: pl.DataFrame,
    hall_id: str,
    first: dt.date,
    last: dt.date,
) -> pl.DataFrame:
    """One row per date first..last: date, open, day_type, weekday (whose hours apply) and the
    regressors of `REGRESSORS` (0/1): service_weekday_2 … _7 mark the weekday whose hours the
    date follows (Monday is the base), so that the weekly pattern follows 调休; and

    holiday_open: a statutory day off on which the hall is nevertheless open; makeup_workday: a
    调休 working weekend; pre_holiday: one of the two days before a holiday break; post_holiday:
    one of the three days after one; first_after: the first day after one; month_start: one of
    the first two open days of a month (pensions, salaries, monthly deadlines). A hall is closed for
    a whole holiday break (`workdays.holiday_closures`) and when it has no hours that weekday.
    Raises `ForecastError` when the calendar does not cover the dates.
    """
    margin = dt.timedelta(days=40)
    cal = calendar.filter(pl.col("date").is_between(first - margin, last + margin)).sort("date")
    have = set(cal["date"].to_list())
    missing = [d for d in _dates(first, last) if d not in have]
    if missing:
        raise ForecastError(
            f"the calendar table has no row for {missing[0]}"
            + (f" (and {len(missing) - 1} more dates)" if len(missing) > 1 else "")
            + ": run `hall db init` or import the calendar"
        )
    closed = holiday_closures(cal)
    rows = []
    hours_on = _hours_lookup(service_hours, hall_id)
    workday = dict(zip(cal["date"].to_list(), cal["is_workday"].to_list(), strict=True))
    names = dict(zip(cal["date"].to_list(), cal["name"].to_list(), strict=True))
    closure_days = sorted(closed)
    for day in _dates(first, last):
        is_work = workday[day]
        weekday = service_weekday(day, is_work)
        has_hours = bool(hours_on(day, weekday))
        is_open = has_hours and day not in closed
        before = _days_to(closure_days, day, +1)
        after = _days_to(closure_days, day, -1)
        makeup = is_work and day.isoweekday() > 5
        if not is_open:
            day_type = "closed"
        elif after == 1:
            day_type = "after_holiday"
        elif is_work:
            day_type = "weekday"
        else:
            day_type = "saturday" if day.isoweekday() == 6 else "sunday"
        rows.append(
            {
                "date": day,
                "open": is_open,
                "day_type": day_type,
                "weekday": weekday,
                "holiday_open": float(is_open and not is_work and bool(names[day])),
                "makeup_workday": float(makeup),
                "pre_holiday": float(before is not None and before <= 2),
                "post_holiday": float(after is not None and after <= 3),
                "first_after": float(after == 1),
                **{f"service_weekday_{d}": float(weekday == d) for d in range(2, 8)},
            }
        )
    # the first two open days of each month (days of the month before `first` count too)
    seen_open: dict[tuple[int, int], int] = {}
    for day in _dates(first.replace(day=1), first - dt.timedelta(days=1)):
        if day in workday and day not in closed:
            weekday = service_weekday(day, workday[day])
            if hours_on(day, weekday):
                seen_open[(day.year, day.month)] = seen_open.get((day.year, day.month), 0) + 1
    starts = set()
    for row in rows:
        if row["open"]:
            key = (row["date"].year, row["date"].month)
            seen_open[key] = seen_open.get(key, 0) + 1
            if seen_open[key] <= 2:
                starts.add(row["date"])
    for row in rows:
        row["month_start"] = float(row["date"] in starts)
    return pl.DataFrame(
        rows,
        schema={
            "date": pl.Date,
            "open": pl.Boolean,
            "day_type": pl.String,
            "weekday": pl.Int32,
            **{r: pl.Float64 for r in REGRESSORS},
        },
    )


def _dates(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    for i in range((last - first).days + 1):
        yield first + dt.timedelta(days=i)


def _days_to(closures: list[dt.date], day: dt.date, direction: int) -> int | None:
    """Days from `day` to the nearest closure day ahead (+1) or behind (−1), within a week."""
    if day in closures:
        return None
    for k in range(1, 8):
        if day + dt.timedelta(days=direction * k) in closures:
            return k
    return None


# --- daily Prophet --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProphetOptions:
    uncertainty_samples: int = 300
    log: bool = False  # fit log(1 + y) instead (additive in logs); backtests favour multiplicative
    seasonality_mode: str = "multiplicative"
    changepoint_prior_scale: float = 0.05
    seed: int = 0
    # widen the intervals by the errors of a fit that did not see the last N open days
    # (Prophet's own intervals only know the in-sample noise); 0 turns it off
    calibrate_days: int = 20


DEFAULT_OPTIONS = ProphetOptions()


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


def _quiet() -> None:
    """Prophet and cmdstanpy log every fit at INFO; only errors are worth a line. A filter,
    because cmdstanpy resets its logger's level when it first logs."""
    for name in ("prophet", "cmdstanpy"):
        logger = logging.getLogger(name)
        if _errors_only not in logger.filters:
            logger.addFilter(_errors_only)


def _no_plots(*args, **kwargs):
    raise RuntimeError(
        "Prophet's own plots are not loaded in HallPulse (charts are drawn in charts/)"
    )


def prophet_class() -> type:
    """Prophet, imported without its plotting module.

    `prophet.forecaster` imports `prophet.plot`, which imports matplotlib.pyplot and Plotly's
    graph objects at once: about 1 s of a cold forecast (0.03 s is Prophet itself once pandas
    is in). HallPulse never draws with Prophet's `plot`/`plot_components`, so before Prophet's
    first import `prophet.plot` is registered as a small module whose two functions say so.
    Where Prophet was imported already (its plots included), it is used as it is."""
    if "prophet.forecaster" not in sys.modules and "prophet.plot" not in sys.modules:
        plots = types.ModuleType("prophet.plot", "Prophet's plots, not loaded (see prophet_class)")
        plots.plot = plots.plot_components = _no_plots
        sys.modules["prophet.plot"] = plots
    from prophet import Prophet

    return Prophet


def fit_predict(
    train: pl.DataFrame, future: pl.DataFrame, options: ProphetOptions = DEFAULT_OPTIONS
) -> pl.DataFrame:
    """One Prophet series: `train` has date, y and the regressors; `future` date and the
    regressors. Returns date, yhat, yhat_lower, yhat_upper (80%, clipped at 0)."""
    import pandas as pd

    Prophet = prophet_class()
    _quiet()
    if train.height < MIN_FIT_DAYS:
        raise ForecastError(
            f"only {train.height} open days of history: at least {MIN_FIT_DAYS} are needed"
        )
    span_days = (train["date"].max() - train["date"].min()).days
    regressors = [r for r in REGRESSORS if train[r].max() > 0 and train[r].min() == 0]
    model = Prophet(
        weekly_seasonality=False,  # service-weekday regressors instead (调休 follows Monday)
        yearly_seasonality=10 if span_days >= 360 else False,
        daily_seasonality=False,
        seasonality_mode=options.seasonality_mode,
        changepoint_prior_scale=options.changepoint_prior_scale,
        interval_width=INTERVAL_WIDTH,
        uncertainty_samples=options.uncertainty_samples,
    )
    for name in regressors:
        model.add_regressor(name, mode=options.seasonality_mode, standardize=False)
    cols = ["date", *regressors]
    y = pl.col("y").log1p() if options.log else pl.col("y")
    df = train.select(*cols, y).to_pandas().rename(columns={"date": "ds"})
    df["ds"] = pd.to_datetime(df["ds"])
    np.random.seed(options.seed)  # Prophet samples its intervals with numpy's global state
    fut = future.select(cols).to_pandas().rename(columns={"date": "ds"})
    fut["ds"] = pd.to_datetime(fut["ds"])
    with warnings.catch_warnings():  # Prophet's own use of deprecated pandas arguments
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        model.fit(df)
        out = model.predict(fut)
    back = np.expm1 if options.log else (lambda v: v)
    bounds = ("yhat_lower", "yhat_upper") if options.uncertainty_samples else ("yhat", "yhat")
    return pl.DataFrame(
        {
            "date": future["date"],
            "yhat": back(out["yhat"].to_numpy()),
            "yhat_lower": back(out[bounds[0]].to_numpy()),
            "yhat_upper": back(out[bounds[1]].to_numpy()),
        }
    ).with_columns(pl.col("yhat", "yhat_lower", "yhat_upper").clip(lower_bound=0.0))


def _calibrated(pred: pl.DataFrame, train: pl.DataFrame, options: ProphetOptions) -> pl.DataFrame:
    """Widen (never narrow) the intervals so that they would have covered 80% of the last
    `calibrate_days` open days, forecast from a fit that did not see them."""
    n = options.calibrate_days
    if n <= 0 or train.height < MIN_FIT_DAYS + n:
        return pred
    recent = train.tail(n)
    held = fit_predict(train.head(train.height - n), recent, options)
    sigma = ((held["yhat_upper"] - held["yhat_lower"]) / (2 * Z80)).clip(lower_bound=1e-9)
    # the z-score that would have covered 80% of those days, against the normal's 1.28
    needed = ((recent["y"] - held["yhat"]).abs() / sigma).quantile(INTERVAL_WIDTH)
    factor = max(1.0, needed / Z80) if needed is not None else 1.0
    return pred.with_columns(
        (pl.col("yhat") - factor * (pl.col("yhat") - pl.col("yhat_lower")))
        .clip(lower_bound=0.0)
        .alias("yhat_lower"),
        (pl.col("yhat") + factor * (pl.col("yhat_upper") - pl.col("yhat"))).alias("yhat_upper"),
    )


def forecast_demand(
    history: pl.DataFrame,
    features: dict[str, pl.DataFrame],
    first: dt.date,
    last: dt.date,
    options: ProphetOptions = DEFAULT_OPTIONS,
    method: str = "auto",
    choices: dict | None = None,
    known: dict | None = None,
) -> pl.DataFrame:
    """Daily arrivals per series for first..last.

    `method` "auto" (the default) takes, per series, the candidate of `forecasting.select`
    that did best on the series' own rolling-origin backtest, with intervals from that
    backtest's errors; "prophet" is Prophet alone with its own (calibrated) intervals; another
    name of `forecasting.select.METHODS` forces that candidate. `choices`, when given, receives
    the `forecasting.select.Choice` of each (hall_id, queue_id); `known` gives choices made
    before from the same history, whose backtest is then not run again.

    `history`: hall_id, queue_id (null for a whole hall), date, arrivals — days without tickets
    may be absent (a zero on an open day counts). `features[hall_id]`: `day_features` covering
    the history and first..last. Fitted on open days only; intervals widened when a fit without
    the last `options.calibrate_days` open days would have under-covered them. Returns
    `DAILY_SCHEMA`: hall_id, queue_id, date, open, yhat, yhat_lower, yhat_upper (80% interval;
    all 0 on closed days).
    """
    if "queue_id" not in history.columns:
        history = history.with_columns(pl.lit(None, pl.String).alias("queue_id"))
    parts = []
    keys = history.select("hall_id", "queue_id").unique(maintain_order=True)
    for hall_id, queue_id in keys.iter_rows():
        feats = features[hall_id]
        series = history.filter(
            (pl.col("hall_id") == hall_id)
            & (pl.col("queue_id").is_null() if queue_id is None else pl.col("queue_id") == queue_id)
        )
        hist_first, hist_last = series["date"].min(), series["date"].max()
        train = (
            feats.filter(pl.col("date").is_between(hist_first, hist_last) & pl.col("open"))
            .join(series.select("date", "arrivals"), on="date", how="left")
            .with_columns(pl.col("arrivals").fill_null(0).cast(pl.Float64).alias("y"))
        )
        future = feats.filter(pl.col("date").is_between(first, last))
        open_future = future.filter(pl.col("open"))
        if method == "prophet" and not open_future.is_empty():
            # Prophet alone, with its own intervals widened by a held-out check
            pred = _calibrated(fit_predict(train, open_future, options), train, options)
        else:
            from forecasting.select import forecast_series

            pred, choice, _ = forecast_series(
                train, open_future, options, method, known=(known or {}).get((hall_id, queue_id))
            )
            if choices is not None:
                choices[(hall_id, queue_id)] = choice
        parts.append(
            future.select("date", "open")
            .join(pred, on="date", how="left")
            .with_columns(
                pl.col("yhat", "yhat_lower", "yhat_upper").fill_null(0.0),
                pl.lit(hall_id).alias("hall_id"),
                pl.lit(queue_id, pl.String).alias("queue_id"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=DAILY_SCHEMA)
    return pl.concat(parts).select(list(DAILY_SCHEMA)).cast(DAILY_SCHEMA)


def daily_sigma() -> pl.Expr:
    """The standard deviation implied by an 80% interval (normal approximation)."""
    return ((pl.col("yhat_upper") - pl.col("yhat_lower")) / (2 * Z80)).alias("sigma")


def quantile_expr(q: float, mean: str = "yhat", sigma: str = "sigma") -> pl.Expr:
    """The q-quantile of a normal forecast, not below 0."""
    z = _normal_quantile(q)
    return (pl.col(mean) + z * pl.col(sigma)).clip(lower_bound=0.0)


def _normal_quantile(q: float) -> float:
    """Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9)."""
    if not 0 < q < 1:
        raise ValueError(f"quantile must be between 0 and 1, not {q}")
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690,
         -30.66479806614716, 2.506628277459239)  # fmt: skip
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
         -13.28068155288572)  # fmt: skip
    c = (-7.784894002430293e-03, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
         4.374664141464968, 2.938163982698783)  # fmt: skip
    d = (7.784695709041462e-03, 0.3224671290700398, 2.445134137142996, 3.754408661907416)
    low = 0.02425
    if q < low:
        r = math.sqrt(-2 * math.log(q))
        return (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / (
            (((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1
        )
    if q > 1 - low:
        return -_normal_quantile(1 - q)
    r = q - 0.5
    s = r * r
    return (
        (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5])
        * r
        / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1)
    )


# --- half-hour profiles -------------------------------------------------------------------


def open_slots(hours: pl.DataFrame, hall_id: str, features: pl.DataFrame) -> pl.DataFrame:
    """Half-hours within opening hours of each open date: date, slot, kind (regular/extended)."""
    rows = []
    hours_on = _hours_lookup(hours, hall_id)
    for day, weekday in features.filter(pl.col("open")).select("date", "weekday").iter_rows():
        for start, end, kind in hours_on(day, weekday):
            lo = (start.hour * 60 + start.minute) // INTERVAL_MIN
            hi = math.ceil((end.hour * 60 + end.minute) / INTERVAL_MIN)
            rows.extend((day, slot, kind) for slot in range(lo, hi))
    return pl.DataFrame(
        rows, schema={"date": pl.Date, "slot": pl.Int32, "kind": pl.String}, orient="row"
    ).unique(subset=["date", "slot"], keep="first", maintain_order=True)


def profile_days(features: pl.DataFrame, until: dt.date) -> list[dt.date]:
    """The days before `until` that `intraday_profile` learns from: the last `PROFILE_DAYS`
    and every first day after a holiday (`features`: date, day_type). Reading only these
    half-hours leaves the profile unchanged (a year of half-hours took seconds on SQLite)."""
    recent = until - dt.timedelta(days=PROFILE_DAYS)
    return (
        features.filter(
            (pl.col("date") < until)
            & ((pl.col("date") >= recent) | (pl.col("day_type") == "after_holiday"))
        )
        .get_column("date")
        .to_list()
    )


def intraday_profile(
    slots: pl.DataFrame, features: pl.DataFrame, hours: pl.DataFrame, hall_id: str, until: dt.date
) -> pl.DataFrame:
    """Shares of a day's arrivals per half-hour by day type, learned before `until`.

    `slots`: date, slot, arrivals of one hall (one queue or all). Uses the last `PROFILE_DAYS`
    days for weekday, Saturday and Sunday, and every first day after a holiday (falling back to
    the weekday shape when fewer than three were seen). Returns day_type, slot, share, share_sd.
    """
    feats = features.filter(pl.col("open") & (pl.col("date") < until))
    grid = open_slots(hours, hall_id, feats)
    data = (
        grid.join(slots.select("date", "slot", "arrivals"), on=["date", "slot"], how="left")
        .with_columns(pl.col("arrivals").fill_null(0))
        .join(feats.select("date", "day_type"), on="date")
    )
    recent = until - dt.timedelta(days=PROFILE_DAYS)
    data = data.filter((pl.col("date") >= recent) | (pl.col("day_type") == "after_holiday"))
    totals = data.group_by("date").agg(pl.col("arrivals").sum().alias("total"))
    data = data.join(totals.filter(pl.col("total") > 0), on="date").with_columns(
        (pl.col("arrivals") / pl.col("total")).alias("share")
    )
    profile = data.group_by("day_type", "slot").agg(
        pl.col("share").mean().alias("share"),
        pl.col("share").std().fill_null(0.0).alias("share_sd"),
        pl.col("date").n_unique().alias("days"),
    )
    seen = profile.group_by("day_type").agg(pl.col("days").max())
    thin = set(seen.filter(pl.col("days") < 3)["day_type"].to_list())
    missing = {t for t in DAY_TYPES if t not in set(seen["day_type"].to_list())}
    profile = profile.filter(~pl.col("day_type").is_in(list(thin)))
    fallback = profile.filter(pl.col("day_type") == "weekday")
    extra = [fallback.with_columns(pl.lit(t).alias("day_type")) for t in sorted(thin | missing)]
    return pl.concat([profile, *extra]).select("day_type", "slot", "share", "share_sd")


def hourly_totals(halves: pl.DataFrame) -> pl.DataFrame:
    """Half-hourly forecasts (`intraday_forecast`) summed to whole hours: start (the hour),
    yhat, yhat_lower, yhat_upper (80%). The half-hours of a day share the day's error (their
    `sigma_day` add up) and each has its own (`sigma_share`, added in quadrature). Summing the
    half-hours' bounds instead would give a band wider than 80%. The big screen's hourly line
    and the backtest's hourly score use this one band."""
    sigma = (pl.col("sigma_day").sum() ** 2 + (pl.col("sigma_share") ** 2).sum()).sqrt()
    return (
        halves.group_by(pl.col("start").dt.truncate("1h").alias("start"))
        .agg(pl.col("yhat").sum(), sigma.alias("sigma"))
        .with_columns(
            (pl.col("yhat") - Z80 * pl.col("sigma")).clip(lower_bound=0.0).alias("yhat_lower"),
            (pl.col("yhat") + Z80 * pl.col("sigma")).alias("yhat_upper"),
        )
        .sort("start")
    )


def intraday_forecast(
    daily: pl.DataFrame,
    profile: pl.DataFrame,
    features: pl.DataFrame,
    hours: pl.DataFrame,
) -> pl.DataFrame:
    """Half-hourly arrivals within opening hours: hall_id, queue_id, date, slot, start, kind,
    yhat, yhat_lower, yhat_upper, sigma (= √(sigma_day² + sigma_share²)), sigma_day (the
    day's error, shared by its half-hours), sigma_share (the half-hour's own).

    `daily`: one series of `forecast_demand`. The day's forecast is spread by the profile of its
    day type, renormalised over that day's open half-hours; the interval combines the day's
    uncertainty with the day-to-day spread of the half-hour's share (normal approximation).
    """
    hall_id = daily["hall_id"][0]
    grid = open_slots(
        hours, hall_id, features.filter(pl.col("date").is_in(daily["date"].to_list()))
    )
    frame = (
        grid.join(features.select("date", "day_type"), on="date")
        .join(profile, on=["day_type", "slot"], how="left")
        .with_columns(
            pl.col("share").fill_null(pl.col("share").mean()).fill_null(0.0),
            pl.col("share_sd").fill_null(0.0),
        )
        .with_columns(
            (pl.col("share") / pl.col("share").sum().over("date")).fill_nan(0.0).alias("w")
        )
        .join(daily.with_columns(daily_sigma()), on="date")
    )
    mean = pl.col("w") * pl.col("yhat")
    var = (pl.col("w") * pl.col("sigma")) ** 2 + (pl.col("share_sd") * pl.col("yhat")) ** 2
    return (
        frame.with_columns(
            mean.alias("y_slot"),
            var.sqrt().alias("s_slot"),
            (pl.col("w") * pl.col("sigma")).alias("sigma_day"),
            (pl.col("share_sd") * pl.col("yhat")).alias("sigma_share"),
        )
        .select(
            "hall_id",
            "queue_id",
            "date",
            "slot",
            (
                pl.col("date").cast(pl.Datetime("us"))
                + pl.duration(minutes=pl.col("slot") * INTERVAL_MIN)
            ).alias("start"),
            "kind",
            pl.col("y_slot").alias("yhat"),
            (pl.col("y_slot") - Z80 * pl.col("s_slot")).clip(lower_bound=0.0).alias("yhat_lower"),
            (pl.col("y_slot") + Z80 * pl.col("s_slot")).alias("yhat_upper"),
            pl.col("s_slot").alias("sigma"),
            "sigma_day",
            "sigma_share",
        )
        .sort("date", "slot")
    )
