"""The daily model of each series chosen by its own rolling-origin backtest.

Candidates: Prophet on China's calendar (`forecasting.demand.fit_predict`), exponential
smoothing with a weekly season (Holt-Winters, `holt_winters`, on the grid of the hall's
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
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from forecasting.demand import DEFAULT_OPTIONS, MIN_FIT_DAYS, ProphetOptions, fit_predict

METHODS = ("prophet", "ets", "glm", "ensemble", "naive_week", "mean_4weeks")
MODELS = ("prophet", "ets", "glm")  # fitted models: need MIN_FIT_DAYS open days
BASELINES = ("naive_week", "mean_4weeks")
ENSEMBLE_PARTS = ("prophet", "ets", "glm")
CALENDAR_PARTS = ("prophet", "glm")  # the parts that know the holiday calendar
HOLIDAY_FLAGS = ("holiday_open", "makeup_workday", "pre_holiday", "post_holiday", "first_after")
# simpler wins a tie
TIE_ORDER = ("naive_week", "mean_4weeks", "glm", "ets", "prophet", "ensemble")
INNER_ORIGINS = 6
INNER_STEP = 7
INNER_HORIZON = 14
MIN_SCORED_ORIGINS = 2
MAIN_MARGIN = 0.05
ENSEMBLE_MARGIN = 0.10  # the ensemble stays unless a single model is 10% better
# ensemble parts worse than 1.25× the best part's MAE are left out when all `INNER_ORIGINS`
# origins were scored; with fewer the MAE ranking is noisier and the limit widens linearly to
# 1.5× at `MIN_SCORED_ORIGINS` (see `part_limit`)
PART_LIMIT = 1.25
PART_LIMIT_FEW = 1.5
# 80% intervals: split-conformal quantiles of the backtest's relative errors, shaped by horizon
# and calibrated on held-out origins (see `_interval`)
INTERVAL_COVER = 0.8
CALIBRATION_LIMITS = (0.8, 2.0)
HORIZON_BUCKETS = (7,)  # days ahead 1–7, then 8 and later
MIN_INTERVAL_POINTS = 10
CONFIDENT_POINTS = 40
SCALE_FLOOR = 5.0  # errors are relative to max(forecast, 5): small counts are not blown up
TARGET_DAILY_MASE = 0.75
NOISE_NEAR = 0.9  # "mostly noise" when the Poisson floor is above 0.9× the target
GLM_HALF_LIFE_DAYS = 84.0  # the level: older days count less (half the weight 12 weeks back)
GLM_RIDGE = 1.0
MONTH_EARLY_DAYS = 5  # the glm's month-start rush: days 1–5 of a month (social insurance, tax)

LABELS = {
    "prophet": {"zh": "Prophet（中国日历）", "en": "Prophet (China's calendar)"},
    "ets": {"zh": "指数平滑（周季节）", "en": "exponential smoothing (weekly)"},
    "glm": {"zh": "泊松回归（星期、节假日）", "en": "Poisson regression (weekday, holidays)"},
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
    # relative error quantiles (lower, upper) of the method per horizon bucket (days ahead
    # 1–7, then 8 and later): see `_interval`
    interval: tuple[tuple[float, float], ...] | None = None
    # what a forecast of the exact mean would score, relative to the same weekday last week's
    # MAE on the backtest's days, when the counts are Poisson: no forecast can do better
    floor: float | None = None

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
        if interval and not isinstance(interval[0], list | tuple):
            interval = [interval]  # one pair for every horizon
        return cls(
            data["method"],
            data["runner_up"],
            scores,
            data["reason"],
            float(data["history_weeks"]),
            dict(data.get("weights") or {}),
            tuple((float(lo), float(hi)) for lo, hi in interval) if interval else None,
            None if data.get("floor") is None else float(data["floor"]),
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
            if self.floor is not None:
                text += f"；泊松噪声下限 {self.floor:.2f}"
                if self.mostly_noise():
                    text += (
                        f"。该序列的波动主要是随机噪声：即使准确预测均值，误差也约为上周同日的 "
                        f"{self.floor:.2f} 倍，接近 {TARGET_DAILY_MASE} 的目标，任何预测都难以更好"
                    )
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
        if self.floor is not None:
            text += f"; Poisson noise floor {self.floor:.2f}"
            if self.mostly_noise():
                text += (
                    ". This series is mostly noise: even a forecast of the exact mean would "
                    f"score about {self.floor:.2f}× the same weekday last week's error, near the "
                    f"{TARGET_DAILY_MASE} target; no forecast can do much better"
                )
        return text

    def mostly_noise(self) -> bool:
        """The Poisson floor is near the daily target (above `NOISE_NEAR` × it)."""
        return self.floor is not None and self.floor >= NOISE_NEAR * TARGET_DAILY_MASE

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
            "interval": [list(pair) for pair in self.interval] if self.interval else None,
            "floor": None if self.floor is None else round(self.floor, 4),
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
    """Holt-Winters (`holt_winters`) with a multiplicative weekly season (additive when there
    are zeros) on the grid of the hall's regular opening weekdays, its weights fitted to the
    errors up to `INNER_HORIZON` days ahead; days of the grid without data (holidays) are
    filled with the mean of the last four same weekdays."""
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
    multiplicative = bool(y.min() > 0)
    ahead = []
    day = last + dt.timedelta(days=1)
    end = future["date"].max()
    while day <= end:
        if day.isoweekday() in regular:
            ahead.append(day)
        day += dt.timedelta(days=1)
    fit_steps = max(1, min(len(ahead), round(period * INNER_HORIZON / 7)))
    path = holt_winters(y, period, len(ahead), multiplicative, fit_steps)
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


# smoothing weights tried for the level (alpha) and the season (gamma): a coarse grid, then a
# finer one around the best pair
HW_ALPHA = np.linspace(0.01, 0.99, 15)
HW_GAMMA = np.linspace(0.0, 0.6, 13)
HW_INIT_CYCLES = 4  # the initial season: the mean of the first four cycles, by position


def _hw_run(
    y: np.ndarray,
    period: int,
    alpha: np.ndarray,
    gamma: np.ndarray,
    multiplicative: bool,
    horizon: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Holt-Winters without trend, for many (alpha, gamma) pairs at once: the sum of squared
    errors of the forecasts 1 to `horizon` steps ahead from every step, the last level and the
    last `period` seasonal indices of each pair."""
    cycles = max(1, min(HW_INIT_CYCLES, y.size // period))
    first = y[: cycles * period].reshape(cycles, period).mean(axis=0)
    level0 = float(first.mean())
    if multiplicative:
        season0 = first / level0 if level0 > 0 else np.ones(period)
    else:
        season0 = first - level0
    n = alpha.size
    level = np.full(n, level0)
    season = np.tile(season0, (n, 1))  # season[:, t % period]
    sse = np.zeros(n)
    for t, value in enumerate(y):
        s = season[:, t % period]
        for h in range(1, min(horizon, y.size - t) + 1):
            ahead = season[:, (t + h - 1) % period]
            guess = level * ahead if multiplicative else level + ahead
            sse += (y[t + h - 1] - guess) ** 2
        if multiplicative:
            new_level = alpha * value / np.maximum(s, 1e-9) + (1 - alpha) * level
            season[:, t % period] = gamma * value / np.maximum(level, 1e-9) + (1 - gamma) * s
        else:
            new_level = alpha * (value - s) + (1 - alpha) * level
            season[:, t % period] = gamma * (value - level) + (1 - gamma) * s
        level = new_level
    # the seasonal index of the next step first
    order = (np.arange(period) + y.size) % period
    return sse, level, season[:, order]


def holt_winters(
    y: np.ndarray, period: int, steps: int, multiplicative: bool, horizon: int = 1
) -> np.ndarray:
    """Holt-Winters exponential smoothing without trend and with a season of `period` steps
    (multiplicative or additive; none when `period` is 1): the level and season weights that
    minimise the squared errors of the forecasts 1 to `horizon` steps ahead from every point
    of `y`, searched on a grid and refined around the best pair; the initial season is the
    mean of the first `HW_INIT_CYCLES` cycles. Returns the forecasts of the next `steps`
    values. Weights fitted to one-step errors follow the last days' noise into a level that
    is wrong for the next two weeks (the bank series' exponential smoothing: MASE 1.08 fitted
    one step ahead, 0.87 fitted to the two weeks it forecasts). Own numpy code: importing
    statsmodels for it took a sixth of a cold forecast."""
    y = np.asarray(y, dtype=float)
    if period <= 1:
        period, gammas = 1, np.array([0.0])
    else:
        gammas = HW_GAMMA
    alpha, gamma = (g.ravel() for g in np.meshgrid(HW_ALPHA, gammas))
    sse, *_ = _hw_run(y, period, alpha, gamma, multiplicative, horizon)
    best = int(np.argmin(sse))
    step_a = (HW_ALPHA[1] - HW_ALPHA[0]) / 2
    step_g = (gammas[1] - gammas[0]) / 2 if gammas.size > 1 else 0.0
    fine_a = np.clip(alpha[best] + np.linspace(-step_a, step_a, 7), 0.001, 0.999)
    fine_g = np.clip(gamma[best] + np.linspace(-step_g, step_g, 7), 0.0, 0.999)
    alpha, gamma = (g.ravel() for g in np.meshgrid(fine_a, fine_g))
    sse, level, season = _hw_run(y, period, alpha, gamma, multiplicative, horizon)
    best = int(np.argmin(sse))
    index = season[best, np.arange(steps) % period]
    return level[best] * index if multiplicative else level[best] + index


def _glm(train: pl.DataFrame, future: pl.DataFrame) -> np.ndarray:
    """Poisson regression with a log link: the weekday whose hours the day follows (调休
    included), the holiday flags of `day_features` (`workdays`) and `month_early` — days 1 to
    `MONTH_EARLY_DAYS` of a month, when halls see a rush (social insurance, tax; wider than the
    two open days of `month_start`) — at the recent level: days weigh less with age (half-life
    `GLM_HALF_LIFE_DAYS`), which follows a drift without extrapolating it. No week-of-year
    terms: a few months of history cannot learn them. No linear trend either: extrapolated, it
    made the bank series' backtest worse (MASE 0.69 → 0.75). Fitted by Newton steps
    (iteratively reweighted least squares) with a small ridge penalty, so that flags seen once
    or twice do not explode."""
    from forecasting.demand import REGRESSORS

    columns = [
        r for r in REGRESSORS if r in train.columns and train[r].max() > 0 and train[r].min() == 0
    ]
    train, future = _with_month_early(train), _with_month_early(future)
    if train["month_early"].max() > 0 and train["month_early"].min() == 0:
        columns.append("month_early")
    last = train["date"].max()
    x = np.column_stack([np.ones(train.height), *(train[c].to_numpy() for c in columns)])
    y = train["y"].to_numpy().astype(float)
    age = np.asarray([(last - d).days for d in train["date"].to_list()], dtype=float)
    w = 0.5 ** (age / GLM_HALF_LIFE_DAYS)
    penalty = np.full(x.shape[1], GLM_RIDGE)
    penalty[0] = 0.0
    beta = np.zeros(x.shape[1])
    beta[0] = math.log(max(float(np.average(y, weights=w)), 0.5))
    for _ in range(50):
        eta = np.clip(x @ beta, -20.0, 20.0)
        mu = np.exp(eta)
        # Newton step of the penalised weighted Poisson log-likelihood
        grad = x.T @ (w * (y - mu)) - penalty * beta
        hess = (x * (w * mu)[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-7:
            break
    if not np.all(np.isfinite(beta)):
        raise ValueError("the Poisson regression did not converge")
    xf = np.column_stack([np.ones(future.height), *(future[c].to_numpy() for c in columns)])
    return np.exp(np.clip(xf @ beta, -20.0, 20.0))


def _with_month_early(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `month_early`: 1.0 on days 1 to `MONTH_EARLY_DAYS` of a month, else 0.0."""
    return frame.with_columns(
        (pl.col("date").dt.day() <= MONTH_EARLY_DAYS).cast(pl.Float64).alias("month_early")
    )


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
        if method == "glm":
            return _glm(train, future)
        if method == "prophet":
            return _prophet(train, future, options)
    except (ValueError, np.linalg.LinAlgError, RuntimeError):
        return nan
    raise ValueError(f"unknown method {method!r}")


def part_limit(origins: int) -> float:
    """How many times the best part's MAE an ensemble part may have, when the parts were scored
    on `origins` origins: `PART_LIMIT` at `INNER_ORIGINS`, widening linearly to
    `PART_LIMIT_FEW` at `MIN_SCORED_ORIGINS` — the MAEs of a few origins rank the parts by
    luck as much as by skill, so a part that looks a little worse there is not dropped."""
    if origins >= INNER_ORIGINS:
        return PART_LIMIT
    few = max(origins, MIN_SCORED_ORIGINS)
    share = (INNER_ORIGINS - few) / (INNER_ORIGINS - MIN_SCORED_ORIGINS)
    return PART_LIMIT + share * (PART_LIMIT_FEW - PART_LIMIT)


def _weights(errors: dict[str, np.ndarray], origins: int = INNER_ORIGINS) -> dict[str, float]:
    """Inverse squared MAE of the ensemble's parts that could forecast, leaving out those worse
    than `part_limit(origins)` × the best part's MAE (a bad part only adds its error);
    `origins`: how many backtest origins the errors come from."""
    mae = {m: max(float(np.mean(np.abs(e))), 1e-9) for m, e in errors.items()}
    if not mae:
        return {}
    best = min(mae.values())
    limit = part_limit(origins)
    inv = {m: 1.0 / v**2 for m, v in mae.items() if v <= limit * best}
    total = sum(inv.values())
    return {m: v / total for m, v in inv.items()} if total else {}


def holiday_days(frame: pl.DataFrame) -> np.ndarray:
    """Whether each row of `frame` is a day of the holiday calendar (`HOLIDAY_FLAGS`: open on
    a holiday, a 调休 working weekend, just before or after a break)."""
    flags = [c for c in HOLIDAY_FLAGS if c in frame.columns]
    if not flags:
        return np.zeros(frame.height, dtype=bool)
    return (frame.select(flags).to_numpy() > 0).any(axis=1)


def _combine(
    preds: dict[str, np.ndarray], weights: dict[str, float], holiday: np.ndarray | None = None
) -> np.ndarray:
    """The weighted ensemble; on `holiday` days only its parts that know the calendar
    (`CALENDAR_PARTS`, their weights scaled up to 1) when it has any: a model without the
    calendar (exponential smoothing) forecasts the day after a break like any other day and
    only pulls the ensemble away from the surge the others expect."""
    if not weights:
        return np.full(len(next(iter(preds.values()))), np.nan)
    out = sum(w * preds[m] for m, w in weights.items())
    aware = {m: w for m, w in weights.items() if m in CALENDAR_PARTS}
    if holiday is not None and holiday.any() and aware and len(aware) < len(weights):
        total = sum(aware.values())
        out = np.where(holiday, sum(w / total * preds[m] for m, w in aware.items()), out)
    return out


def poisson_mad(mean: np.ndarray) -> np.ndarray:
    """E|Y − μ| for Y ~ Poisson(μ): 2 μ^(m+1) e^(−μ) / m!, m = ⌊μ⌋ — the mean absolute error
    of a forecast that knows the exact mean, when the counts are Poisson."""
    mu = np.clip(np.asarray(mean, dtype=float), 0.0, None)
    m = np.floor(mu)
    with np.errstate(divide="ignore"):
        out = np.exp(math.log(2.0) + (m + 1) * np.log(mu) - mu - _lgamma(m + 1).astype(float))
    return np.where(mu > 0, out, 0.0)


_lgamma = np.frompyfunc(math.lgamma, 1, 1)  # log Γ elementwise (floats out)


def poisson_ppf(q: float, mean: np.ndarray) -> np.ndarray:
    """The q-quantile of Poisson(μ) for each μ of `mean`: the smallest k with P(Y ≤ k) ≥ q.
    Summed from the probabilities over μ ± 8√μ (what lies outside is below 1e-14), with the
    standard library's log Γ — no scipy import (a second and more) on the forecast's path."""
    out = np.zeros(len(np.atleast_1d(mean)))
    for i, mu in enumerate(np.atleast_1d(np.asarray(mean, dtype=float))):
        if mu <= 0:
            continue
        spread = 8 * math.sqrt(mu) + 10
        k = np.arange(max(0, math.floor(mu - spread)), math.ceil(mu + spread) + 1, dtype=float)
        log_pmf = k * math.log(mu) - mu - _lgamma(k + 1).astype(float)
        cdf = np.cumsum(np.exp(log_pmf))
        out[i] = k[min(int(np.searchsorted(cdf, q * (1 - 1e-12))), len(k) - 1)]
    return out


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
    weights = _weights(
        {m: e for m, e in errors.items() if m in ENSEMBLE_PARTS}, common["origin"].n_unique()
    )
    models_in = [m for m in MODELS if m in eligible]
    if models_in and len(weights) >= 2:
        flagged = set(train.filter(pl.Series(holiday_days(train)))["date"].to_list())
        on_holiday = [
            np.asarray([d in flagged for d in f["date"].to_list()]) for f in (common, inner)
        ]
        ens = _combine({m: common[m].to_numpy() for m in weights}, weights, on_holiday[0])
        errors["ensemble"] = ens - common["y"].to_numpy()
        every = _combine(
            {m: inner[m].cast(pl.Float64).fill_null(np.nan).to_numpy() for m in weights},
            weights,
            on_holiday[1],
        )
        inner = inner.with_columns(pl.Series("ensemble", every, pl.Float64).fill_nan(None))
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
    # the ensemble stays unless a single model is `ENSEMBLE_MARGIN` better (never when it does
    # worse than the baseline); else Prophet on China's calendar, the main model, stays unless
    # another is clearly better (by `MAIN_MARGIN`), and never when it does worse than the baseline
    mae = {r["method"]: r["mae"] for r in rows}
    single = min(v for m, v in mae.items() if m != "ensemble")
    if (
        ENSEMBLE_MARGIN > 0
        and "ensemble" in mae
        and mae["ensemble"] <= mae["naive_week"]
        and single > (1 - ENSEMBLE_MARGIN) * mae["ensemble"]
    ):
        rows.insert(0, rows.pop([r["method"] for r in rows].index("ensemble")))
    elif (
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
    floor = None
    if base > 0:
        mean = common["y"].to_numpy() + errors[method]  # the chosen forecast on those days
        floor = float(np.mean(poisson_mad(mean))) / base
    return Choice(
        method,
        runner_up,
        scores,
        reason,
        weeks,
        weights if "ensemble" in errors else {},
        floor=floor,
    ), inner


def _bucket(ahead: np.ndarray) -> np.ndarray:
    """Horizon bucket of each number of days ahead (0: 1–7 days, 1: 8 and later)."""
    return np.searchsorted(np.asarray(HORIZON_BUCKETS), ahead, side="left")


def _conformal(rel: np.ndarray, n: int | None = None) -> tuple[float, float]:
    """Split-conformal bounds of an `INTERVAL_COVER` interval from relative errors: the
    ⌊(m+1)·0.1⌋-th and ⌈(m+1)·0.9⌉-th smallest of m. When the backtest had fewer than
    `CONFIDENT_POINTS` errors in all (`n`, default m), the bounds are widened by
    √(CONFIDENT_POINTS / n): a few weeks of errors under-state the spread (short histories)."""
    lo, hi = _ranks(rel)
    widen = max(1.0, math.sqrt(CONFIDENT_POINTS / (n or rel.size)))
    return lo * widen, hi * widen


def _ranks(rel: np.ndarray) -> tuple[float, float]:
    """The ⌊(m+1)·0.1⌋-th and ⌈(m+1)·0.9⌉-th smallest of the m relative errors `rel` (the
    split-conformal bounds of an `INTERVAL_COVER` interval), never excluding 0."""
    s = np.sort(rel)
    m = s.size
    alpha = (1 - INTERVAL_COVER) / 2
    lo = s[min(max(math.floor(alpha * (m + 1)) - 1, 0), m - 1)]
    hi = s[min(max(math.ceil((1 - alpha) * (m + 1)) - 1, 0), m - 1)]
    return float(min(lo, 0.0)), float(max(hi, 0.0))


def _shaped(rel: np.ndarray, ahead: np.ndarray) -> np.ndarray:
    """Relative bounds per horizon bucket (rows of (lower, upper)): the conformal bounds of all
    the errors `rel` (made `ahead` days ahead), times each bucket's mean absolute error over
    the mean of all. The tails of 20–40 errors per bucket are too few to place an 80% bound
    on their own (their extreme ranks over-covered, by about 3 points in the backtests); the
    mean absolute error of a bucket is steady enough to say how much wider it is."""
    lo, hi = _ranks(rel)
    bucket = _bucket(ahead)
    mae = float(np.mean(np.abs(rel)))
    rows = []
    for b in range(len(HORIZON_BUCKETS) + 1):
        part = rel[bucket == b]
        enough = part.size >= MIN_INTERVAL_POINTS and mae > 0
        ratio = float(np.mean(np.abs(part))) / mae if enough else 1.0
        rows.append((lo * ratio, hi * ratio))
    return np.asarray(rows, dtype=float)


def calibration(rel: np.ndarray, ahead: np.ndarray, origin: np.ndarray) -> float:
    """How much the bounds of `_shaped` must be scaled to cover `INTERVAL_COVER` of errors
    they did not see: each backtest origin's errors are held out in turn, the bounds built
    from the other origins', and the factor each held-out error needs to fall inside is
    taken at the conformal rank. The days of one origin share its misses (a level the fit
    had wrong stays wrong for the whole horizon), so the errors are not exchangeable point
    by point and the bounds of all of them under- or over-state the spread of a new origin;
    held out by origin, they show by how much. Within `CALIBRATION_LIMITS`; 1 when fewer
    than two origins leave `MIN_INTERVAL_POINTS` errors to build from."""
    need = []
    for o in np.unique(origin):
        out = origin == o
        if (~out).sum() < MIN_INTERVAL_POINTS:
            return 1.0
        pairs = _shaped(rel[~out], ahead[~out])
        bucket = np.minimum(_bucket(ahead[out]), len(pairs) - 1)
        lo, hi = pairs[bucket, 0], pairs[bucket, 1]
        r = rel[out]
        need.extend(np.where(r < 0, r / np.minimum(lo, -1e-9), r / np.maximum(hi, 1e-9)))
    if len(np.unique(origin)) < 2:
        return 1.0
    s = np.sort(np.asarray(need))
    factor = s[min(math.ceil(INTERVAL_COVER * (s.size + 1)) - 1, s.size - 1)]
    return float(np.clip(factor, *CALIBRATION_LIMITS))


def _interval(
    inner: pl.DataFrame, method: str, train: pl.DataFrame
) -> tuple[tuple[float, float], ...]:
    """Relative error bounds (y − ŷ) / max(ŷ, `SCALE_FLOOR`) of `method` on its own backtest,
    one pair per horizon bucket (`HORIZON_BUCKETS`): the conformal bounds of all its errors
    shaped by horizon (`_shaped`), scaled by the `calibration` of the held-out origins and
    widened by √(CONFIDENT_POINTS / n) below `CONFIDENT_POINTS` errors (a few weeks of
    errors under-state the spread); with too few points, those of the same weekday last week
    over the whole history."""
    if method in inner.columns:
        part = inner.drop_nulls([method])
        if part.height >= MIN_INTERVAL_POINTS:
            pred = part[method].to_numpy()
            rel = (part["y"].to_numpy() - pred) / np.maximum(pred, SCALE_FLOOR)
            ahead = np.asarray([(d - o).days for o, d in part.select("origin", "date").iter_rows()])
            origin = np.asarray([o.toordinal() for o in part["origin"].to_list()])
            widen = max(1.0, math.sqrt(CONFIDENT_POINTS / rel.size))
            factor = calibration(rel, ahead, origin) * widen
            return tuple((float(lo), float(hi)) for lo, hi in _shaped(rel, ahead) * factor)
    lag = same_weekday(train, train["date"].to_list(), 1)
    ok = ~np.isnan(lag)
    if ok.sum() >= 5:
        rel = (train["y"].to_numpy()[ok] - lag[ok]) / np.maximum(lag[ok], SCALE_FLOOR)
        return (_conformal(rel),) * (len(HORIZON_BUCKETS) + 1)
    return ((-0.5, 0.5),) * (len(HORIZON_BUCKETS) + 1)


def interval_bounds(
    yhat: np.ndarray, ahead: np.ndarray, interval: tuple[tuple[float, float], ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The 80% interval of forecasts `yhat` made `ahead` days ahead: the relative bounds of
    their horizon bucket times max(ŷ, `SCALE_FLOOR`), never narrower than the Poisson
    10%–90% quantiles of ŷ (small counts vary at least that much)."""
    pairs = np.asarray(interval, dtype=float)
    bucket = np.minimum(_bucket(ahead), len(pairs) - 1)
    scale = np.maximum(yhat, SCALE_FLOOR)
    lower = yhat + pairs[bucket, 0] * scale
    upper = yhat + pairs[bucket, 1] * scale
    alpha = (1 - INTERVAL_COVER) / 2
    mu = np.maximum(yhat, 1e-9)
    lower = np.minimum(lower, poisson_ppf(alpha, mu))
    upper = np.maximum(upper, poisson_ppf(1 - alpha, mu))
    return np.clip(np.minimum(lower, yhat), 0.0, None), np.maximum(upper, yhat)


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
            method,
            choice.method,
            choice.scores,
            "forced",
            choice.history_weeks,
            choice.weights,
            floor=choice.floor,
        )
    chosen = choice.method
    needed = set(MODELS + BASELINES) if every else set()
    if chosen == "ensemble":
        needed |= set(choice.weights)
    elif chosen != "ensemble":
        needed.add(chosen)
    preds = {m: candidate(m, train, future, options) for m in sorted(needed)}
    if chosen == "ensemble" or (every and choice.weights):
        weights = choice.weights or {}
        if weights and all(m in preds and not np.isnan(preds[m]).any() for m in weights):
            preds["ensemble"] = _combine(preds, weights, holiday_days(future))
    yhat = preds.get(chosen)
    if yhat is None or (yhat.size and np.isnan(yhat).any()):
        # the chosen model failed on the full history: fall back to the baseline
        yhat = preds.get("naive_week", candidate("naive_week", train, future, options))
        chosen = "naive_week"
    yhat = np.nan_to_num(np.clip(yhat, 0.0, None), nan=0.0)
    if inner is None:
        interval = choice.interval
    else:
        interval = _interval(inner, chosen, train)
        choice.interval = interval
    last = train["date"].max()
    ahead = np.asarray([(d - last).days for d in future["date"].to_list()], dtype=int)
    lower, upper = interval_bounds(yhat, ahead, interval)
    frame = pl.DataFrame(
        {
            "date": future["date"],
            "yhat": yhat,
            "yhat_lower": lower,
            "yhat_upper": upper,
        },
        schema={
            "date": pl.Date,
            "yhat": pl.Float64,
            "yhat_lower": pl.Float64,
            "yhat_upper": pl.Float64,
        },
    )
    return frame, choice, preds
