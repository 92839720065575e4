"""The daily model of each series chosen by its own rolling-origin backtest.

Candidates: Prophet on China's calendar (`forecasting.demand.fit_predict`), exponential
smoothing with a weekly season (Holt-Winters from `statsmodels`, on the grid of the hall's
regular opening weekdays), a weighted ensemble of the two models and the mean of the last four
same weekdays, and the two seasonal-naive baselines: the same weekday last week
(`naive_week`) and the mean of the last four same weekdays (`mean_4weeks`).

`choose(train)` backtests every candidate inside the history it is given (origins
`INNER_STEP` days apart, each forecasting `INNER_HORIZON` days) and keeps the one with the
lowest mean absolute error over the days every eligible candidate forecast. The baselines are
always candidates, so the choice is never worse than the same weekday last week on the
series' own backtest. A model needs `MIN_FIT_DAYS` open days before an origin and scores on at
least `MIN_SCORED_ORIGINS` origins to compete: with less history the choice is a baseline and
`Choice.reason` says the history is too short.

`forecast_series(train, future)` fits the chosen candidate on all of the history; its 80%
interval comes from the chosen candidate's own backtest errors (relative to the forecast,
10% and 90% quantiles), so that it covers what that model really missed by.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from forecasting.demand import DEFAULT_OPTIONS, MIN_FIT_DAYS, ProphetOptions, fit_predict

METHODS = ("prophet", "ets", "ensemble", "naive_week", "mean_4weeks")
MODELS = ("prophet", "ets")  # fitted models: need MIN_FIT_DAYS open days
BASELINES = ("naive_week", "mean_4weeks")
ENSEMBLE_PARTS = ("prophet", "ets", "mean_4weeks")
TIE_ORDER = ("naive_week", "mean_4weeks", "ets", "prophet", "ensemble")  # simpler wins a tie
INNER_ORIGINS = 6
INNER_STEP = 7
INNER_HORIZON = 14
MIN_SCORED_ORIGINS = 2
MAIN_MARGIN = 0.05
LOWER_Q, UPPER_Q = 0.075, 0.925  # the backtest of the chosen method flatters it: wider
MIN_INTERVAL_POINTS = 10
CONFIDENT_POINTS = 40
SCALE_FLOOR = 5.0  # errors are relative to max(forecast, 5): small counts are not blown up

LABELS = {
    "prophet": {"zh": "Prophet（中国日历）", "en": "Prophet (China's calendar)"},
    "ets": {"zh": "指数平滑（周季节）", "en": "exponential smoothing (weekly)"},
    "ensemble": {"zh": "加权组合", "en": "weighted ensemble"},
    "naive_week": {"zh": "上周同日", "en": "same weekday last week"},
    "mean_4weeks": {"zh": "近四周同日均值", "en": "mean of the last four same weekdays"},
}


@dataclass
class Choice:
    """The chosen daily method of one series, the runner-up, and the backtest behind them.

    scores: method, points, mae, relative_mae (MAE / the same-weekday-last-week MAE on the
    same days) for every eligible candidate, best first. reason: "backtest" (a model won),
    "baseline_best" (a baseline beat the models), "short_history" (too little history for a
    model to compete). history_weeks: weeks of history the choice saw."""

    method: str
    runner_up: str | None
    scores: pl.DataFrame
    reason: str
    history_weeks: float
    weights: dict[str, float] = field(default_factory=dict)  # the ensemble's
    interval: tuple[float, float] | None = None  # relative error quantiles of the method

    @classmethod
    def from_json(cls, data: dict) -> Choice:
        scores = pl.DataFrame(
            data["scores"],
            schema={
                "method": pl.String,
                "points": pl.Int64,
                "mae": pl.Float64,
                "relative_mae": pl.Float64,
            },
        )
        interval = data.get("interval")
        return cls(
            data["method"],
            data["runner_up"],
            scores,
            data["reason"],
            float(data["history_weeks"]),
            dict(data.get("weights") or {}),
            (float(interval[0]), float(interval[1])) if interval else None,
        )

    def relative(self, method: str | None = None) -> float | None:
        method = method or self.method
        row = self.scores.filter(pl.col("method") == method)
        return None if row.is_empty() else float(row["relative_mae"][0])

    def summary(self, lang: str = "en") -> str:
        name = LABELS[self.method][lang]
        rel = self.relative()
        second = LABELS[self.runner_up][lang] if self.runner_up else "—"
        rel2 = self.relative(self.runner_up) if self.runner_up else None
        if lang == "zh":
            text = f"选用 {name}"
            if rel is not None:
                text += f"（回测误差为上周同日的 {rel:.2f} 倍）"
            text += f"；次优 {second}" + (f"（{rel2:.2f}）" if rel2 is not None else "")
            if self.reason == "short_history":
                text += f"。历史仅 {self.history_weeks:.1f} 周，不足以让模型胜过基线，暂用基线"
            elif self.reason == "baseline_best":
                text += "。在本序列的回测中，模型未胜过基线，故用基线"
            return text
        text = f"chosen: {name}"
        if rel is not None:
            text += f" (backtest error {rel:.2f}× the same weekday last week's)"
        text += f"; runner-up: {second}" + (f" ({rel2:.2f})" if rel2 is not None else "")
        if self.reason == "short_history":
            text += (
                f". Only {self.history_weeks:.1f} weeks of history: too short for a model "
                "to beat the baseline, so the baseline is used"
            )
        elif self.reason == "baseline_best":
            text += ". On this series' backtest no model beat the baseline, so it is used"
        return text

    def to_json(self) -> dict:
        return {
            "method": self.method,
            "runner_up": self.runner_up,
            "reason": self.reason,
            "history_weeks": round(self.history_weeks, 1),
            "scores": [
                {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
                for row in self.scores.to_dicts()
            ],
            "summary": self.summary("en"),
            "weights": self.weights,
            "interval": list(self.interval) if self.interval else None,
        }


# --- the candidates ---------------------------------------------------------------------------


def same_weekday(train: pl.DataFrame, dates: list[dt.date], k: int) -> np.ndarray:
    """Mean of the last `k` values 7, 14, … days before each date (up to 20 weeks back) among
    the days of `train` (date, y); NaN where there is none."""
    known = dict(zip(train["date"].to_list(), train["y"].to_list(), strict=True))
    out = []
    for day in dates:
        found = []
        for j in range(1, 21):
            earlier = day - dt.timedelta(days=7 * j)
            if earlier in known:
                found.append(known[earlier])
                if len(found) == k:
                    break
        out.append(float(np.mean(found)) if found else np.nan)
    return np.asarray(out, dtype=float)


def _baseline(train: pl.DataFrame, future: pl.DataFrame, k: int) -> np.ndarray:
    """Same weekday a week (k=1) or the last four weeks back; a date without one (a 调休
    Saturday) takes the last values of the weekday whose hours it follows."""
    dates = future["date"].to_list()
    values = same_weekday(train, dates, k)
    if np.isnan(values).any() and "weekday" in train.columns:
        for i, (day, weekday) in enumerate(future.select("date", "weekday").iter_rows()):
            if np.isnan(values[i]):
                same = train.filter((pl.col("weekday") == weekday) & (pl.col("date") < day))
                if same.height:
                    values[i] = float(same["y"].tail(k).mean())
    return values


def _ets(train: pl.DataFrame, future: pl.DataFrame) -> np.ndarray:
    """Holt-Winters with a multiplicative weekly season (additive when there are zeros) on the
    grid of the hall's regular opening weekdays; days of the grid without data (holidays) are
    filled with the mean of the last four same weekdays."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    regular_rows = (
        train.filter(pl.col("makeup_workday") == 0) if "makeup_workday" in train.columns else train
    )
    counts = regular_rows.group_by(pl.col("date").dt.weekday().alias("wd")).len()
    regular = sorted(counts.filter(pl.col("len") >= 2)["wd"].to_list())
    if not regular:
        raise ValueError("no regular weekday")
    known = dict(zip(train["date"].to_list(), train["y"].to_list(), strict=True))
    first, last = train["date"].min(), train["date"].max()
    grid, values = [], []
    day = first
    while day <= last:
        if day.isoweekday() in regular:
            grid.append(day)
            if day in known:
                values.append(known[day])
            else:
                prev = [
                    known[day - dt.timedelta(days=7 * j)]
                    for j in range(1, 5)
                    if day - dt.timedelta(days=7 * j) in known
                ]
                values.append(float(np.mean(prev)) if prev else np.nan)
        day += dt.timedelta(days=1)
    y = np.asarray(values, dtype=float)
    y = np.where(np.isnan(y), np.nanmean(y), y)
    period = len(regular)
    if y.size < 2 * period + 2:
        raise ValueError("too short")
    seasonal = "mul" if y.min() > 0 else "add"
    ahead = []
    day = last + dt.timedelta(days=1)
    end = future["date"].max()
    while day <= end:
        if day.isoweekday() in regular:
            ahead.append(day)
        day += dt.timedelta(days=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            y,
            trend=None,
            seasonal=seasonal if period > 1 else None,
            seasonal_periods=period if period > 1 else None,
            initialization_method="estimated",
        ).fit()
        path = np.asarray(model.forecast(len(ahead)), dtype=float) if ahead else np.array([])
    by_day = dict(zip(ahead, path, strict=True))
    out = []
    for day, weekday in future.select("date", "weekday").iter_rows():
        if day in by_day:
            out.append(by_day[day])
            continue
        # a day off the regular grid (a 调休 Saturday): the nearest grid day of its weekday
        same = [v for d, v in by_day.items() if d.isoweekday() == weekday]
        out.append(same[0] if same else float(np.mean(path)) if path.size else np.nan)
    return np.clip(np.asarray(out, dtype=float), 0.0, None)


def _prophet(train: pl.DataFrame, future: pl.DataFrame, options: ProphetOptions) -> np.ndarray:
    return fit_predict(train, future, options)["yhat"].to_numpy()


def candidate(
    method: str, train: pl.DataFrame, future: pl.DataFrame, options: ProphetOptions
) -> np.ndarray:
    """Point forecasts of one candidate (not the ensemble) for the rows of `future`; NaN when
    it cannot forecast from this history."""
    if future.is_empty():
        return np.array([])
    nan = np.full(future.height, np.nan)
    if method == "naive_week":
        return _baseline(train, future, 1)
    if method == "mean_4weeks":
        return _baseline(train, future, 4)
    if train.height < MIN_FIT_DAYS:
        return nan
    try:
        if method == "ets":
            return _ets(train, future)
        if method == "prophet":
            return _prophet(train, future, options)
    except (ValueError, np.linalg.LinAlgError, RuntimeError):
        return nan
    raise ValueError(f"unknown method {method!r}")


def _weights(errors: dict[str, np.ndarray]) -> dict[str, float]:
    """Inverse squared MAE of the ensemble's parts that could forecast."""
    inv = {m: 1.0 / max(float(np.mean(np.abs(e))), 1e-9) ** 2 for m, e in errors.items()}
    total = sum(inv.values())
    return {m: v / total for m, v in inv.items()} if total else {}


def _combine(preds: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    if not weights:
        return np.full(len(next(iter(preds.values()))), np.nan)
    return sum(w * preds[m] for m, w in weights.items())


# --- the choice -----------------------------------------------------------------------------


def inner_backtest(train: pl.DataFrame, options: ProphetOptions) -> pl.DataFrame:
    """Every candidate's forecasts at origins inside `train` (date, y, regressors; open days):
    origin, date, y and one column per method of `METHODS` but the ensemble (NaN where a
    method could not forecast)."""
    inner = ProphetOptions(
        uncertainty_samples=0,
        log=options.log,
        seasonality_mode=options.seasonality_mode,
        changepoint_prior_scale=options.changepoint_prior_scale,
        seed=options.seed,
        calibrate_days=0,
    )
    last = train["date"].max()
    parts = []
    for k in range(INNER_ORIGINS):
        origin = last - dt.timedelta(days=INNER_HORIZON + INNER_STEP * k)
        sub = train.filter(pl.col("date") <= origin)
        test = train.filter(
            pl.col("date").is_between(
                origin + dt.timedelta(days=1), origin + dt.timedelta(days=INNER_HORIZON)
            )
        )
        if sub.height < 5 or test.is_empty():
            continue
        cols = {m: candidate(m, sub, test, inner) for m in (*MODELS, *BASELINES)}
        parts.append(
            pl.DataFrame(
                {"origin": [origin] * test.height, "date": test["date"], "y": test["y"]}
                | {m: pl.Series(m, v, pl.Float64) for m, v in cols.items()}
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={"origin": pl.Date, "date": pl.Date, "y": pl.Float64}
            | {m: pl.Float64 for m in (*MODELS, *BASELINES)}
        )
    return pl.concat(parts).with_columns(pl.col(*MODELS, *BASELINES).fill_nan(None))


def choose(
    train: pl.DataFrame, options: ProphetOptions = DEFAULT_OPTIONS
) -> tuple[Choice, pl.DataFrame]:
    """The method of `train` by its own backtest, and that backtest (with an `ensemble` column
    and the errors of every method)."""
    weeks = ((train["date"].max() - train["date"].min()).days + 1) / 7 if train.height else 0.0
    inner = inner_backtest(train, options)
    scored = {
        m: inner.filter(pl.col(m).is_not_null())["origin"].n_unique() for m in (*MODELS, *BASELINES)
    }
    eligible = [m for m in (*MODELS, *BASELINES) if scored[m] >= MIN_SCORED_ORIGINS]
    if "naive_week" not in eligible:
        empty = pl.DataFrame(
            schema={
                "method": pl.String,
                "points": pl.Int64,
                "mae": pl.Float64,
                "relative_mae": pl.Float64,
            }
        )
        return Choice("naive_week", None, empty, "short_history", weeks), inner
    common = inner.drop_nulls(eligible)
    errors = {m: (common[m] - common["y"]).to_numpy() for m in eligible}
    weights = _weights({m: e for m, e in errors.items() if m in ENSEMBLE_PARTS})
    models_in = [m for m in MODELS if m in eligible]
    if models_in and len(weights) >= 2:
        ens = _combine({m: common[m].to_numpy() for m in weights}, weights)
        errors["ensemble"] = ens - common["y"].to_numpy()
        inner = inner.with_columns(sum(pl.col(m) * w for m, w in weights.items()).alias("ensemble"))
    base = float(np.mean(np.abs(errors["naive_week"])))
    rows = [
        {
            "method": m,
            "points": int(e.size),
            "mae": float(np.mean(np.abs(e))),
            "relative_mae": float(np.mean(np.abs(e))) / base if base > 0 else 1.0,
        }
        for m, e in errors.items()
    ]
    rows.sort(key=lambda r: (round(r["mae"], 9), TIE_ORDER.index(r["method"])))
    # Prophet on China's calendar is the main model: it stays unless another is clearly
    # better (by `MAIN_MARGIN`), and never when it does worse than the baseline
    mae = {r["method"]: r["mae"] for r in rows}
    if (
        "prophet" in mae
        and rows[0]["method"] not in ("prophet", *BASELINES)
        and mae["prophet"] <= mae["naive_week"]
        and mae["prophet"] <= (1 + MAIN_MARGIN) * rows[0]["mae"]
    ):
        rows.insert(0, rows.pop([r["method"] for r in rows].index("prophet")))
    scores = pl.DataFrame(rows)
    method = rows[0]["method"]
    runner_up = rows[1]["method"] if len(rows) > 1 else None
    if not models_in:
        reason = "short_history"
    elif method in BASELINES:
        reason = "baseline_best"
    else:
        reason = "backtest"
    return Choice(
        method, runner_up, scores, reason, weeks, weights if "ensemble" in errors else {}
    ), inner


def _interval(inner: pl.DataFrame, method: str, train: pl.DataFrame) -> tuple[float, float]:
    """Relative `LOWER_Q` and `UPPER_Q` error quantiles of `method` on its backtest; with too
    few points, those of the same weekday last week over the whole history. Quantiles from
    fewer than `CONFIDENT_POINTS` errors are widened by √(CONFIDENT_POINTS / points): a few
    weeks of errors under-state the spread (short histories)."""

    def quantiles(rel: np.ndarray) -> tuple[float, float]:
        widen = max(1.0, math.sqrt(CONFIDENT_POINTS / rel.size))
        return (
            float(np.quantile(rel, LOWER_Q)) * widen,
            float(np.quantile(rel, UPPER_Q)) * widen,
        )

    if method in inner.columns:
        part = inner.drop_nulls([method])
        if part.height >= MIN_INTERVAL_POINTS:
            pred = part[method].to_numpy()
            return quantiles((part["y"].to_numpy() - pred) / np.maximum(pred, SCALE_FLOOR))
    lag = same_weekday(train, train["date"].to_list(), 1)
    ok = ~np.isnan(lag)
    if ok.sum() >= 5:
        rel = (train["y"].to_numpy()[ok] - lag[ok]) / np.maximum(lag[ok], SCALE_FLOOR)
        return quantiles(rel)
    return -0.5, 0.5


def forecast_series(
    train: pl.DataFrame,
    future: pl.DataFrame,
    options: ProphetOptions = DEFAULT_OPTIONS,
    method: str = "auto",
    every: bool = False,
    known: Choice | None = None,
) -> tuple[pl.DataFrame, Choice, dict[str, np.ndarray]]:
    """Forecast the open days of `future` (date, weekday, regressors) from `train` (date, y,
    weekday, regressors; open days only).

    `method`: "auto" chooses by backtest; a name of `METHODS` forces it (its interval still
    comes from its backtest). Returns (date, yhat, yhat_lower, yhat_upper), the `Choice`, and
    with `every` the point forecasts of every candidate that could forecast (for scoring).
    `known`: the choice made before from the same history (with its interval): no backtest."""
    if known is not None and known.interval is not None and method == "auto" and not every:
        choice, inner = known, None
    else:
        choice, inner = choose(train, options)
    if method != "auto":
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)} or auto")
        choice = Choice(
            method, choice.method, choice.scores, "forced", choice.history_weeks, choice.weights
        )
    chosen = choice.method
    needed = set(METHODS[:2] + BASELINES) if every else set()
    if chosen == "ensemble":
        needed |= set(choice.weights)
    elif chosen != "ensemble":
        needed.add(chosen)
    preds = {m: candidate(m, train, future, options) for m in sorted(needed)}
    if chosen == "ensemble" or (every and choice.weights):
        weights = choice.weights or {}
        if weights and all(m in preds and not np.isnan(preds[m]).any() for m in weights):
            preds["ensemble"] = _combine(preds, weights)
    yhat = preds.get(chosen)
    if yhat is None or (yhat.size and np.isnan(yhat).any()):
        # the chosen model failed on the full history: fall back to the baseline
        yhat = preds.get("naive_week", candidate("naive_week", train, future, options))
        chosen = "naive_week"
    yhat = np.nan_to_num(np.clip(yhat, 0.0, None), nan=0.0)
    if inner is None:
        lo, hi = choice.interval
    else:
        lo, hi = _interval(inner, chosen, train)
        choice.interval = (lo, hi)
    scale = np.maximum(yhat, SCALE_FLOOR)
    frame = pl.DataFrame(
        {
            "date": future["date"],
            "yhat": yhat,
            "yhat_lower": np.clip(np.minimum(yhat + lo * scale, yhat), 0.0, None),
            "yhat_upper": np.maximum(yhat + hi * scale, yhat),
        },
        schema={
            "date": pl.Date,
            "yhat": pl.Float64,
            "yhat_lower": pl.Float64,
            "yhat_upper": pl.Float64,
        },
    )
    return frame, choice, preds
