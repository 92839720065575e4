"""The choice of the daily model by backtest: the Poisson regression candidate, the ensemble's
parts, the calibrated 80% intervals and the Poisson noise floor, on simulated series."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from forecasting.demand import DEFAULT_OPTIONS, REGRESSORS
from forecasting.select import (
    CALIBRATION_LIMITS,
    INNER_ORIGINS,
    Choice,
    _combine,
    _interval,
    _shaped,
    _weights,
    calibration,
    candidate,
    choose,
    forecast_series,
    holiday_days,
    holt_winters,
    interval_bounds,
    part_limit,
    poisson_mad,
)

ROOT = Path(__file__).resolve().parents[1]
WEEKLY = {1: 160.0, 2: 120.0, 3: 110.0, 4: 115.0, 5: 90.0}  # Monday busiest, Friday quiet


def _series(weeks: int, seed: int, scale: float = 1.0, trend: float = 0.0) -> pl.DataFrame:
    """Poisson counts on weekdays with a weekly pattern (and a trend per week, relative):
    date, weekday, the regressors of `day_features`, y — and `mean`, the true mean."""
    rng = np.random.default_rng(seed)
    first = dt.date(2026, 1, 5)  # a Monday
    rows = []
    for k in range(weeks * 7):
        day = first + dt.timedelta(days=k)
        wd = day.isoweekday()
        if wd > 5:
            continue
        mean = WEEKLY[wd] * scale * (1 + trend * k / 7)
        row = {"date": day, "weekday": wd} | {r: 0.0 for r in REGRESSORS}
        if wd > 1:
            row[f"service_weekday_{wd}"] = 1.0
        rows.append(row | {"y": float(rng.poisson(mean)), "mean": mean})
    return pl.DataFrame(rows)


def test_poisson_regression_beats_the_baselines() -> None:
    """On Poisson counts with a weekly pattern, the Poisson regression's two
    weeks ahead are closer than the same weekday last week's and the four-week mean's, at every
    one of six origins taken together, and near the true means."""
    data = _series(26, seed=1)
    errors = {"glm": [], "naive_week": [], "mean_4weeks": []}
    truth = []
    for origin in range(100, 130, 5):  # open days
        train, test = data.head(origin), data.slice(origin, 10)
        for method, errs in errors.items():
            pred = candidate(method, train, test.drop("y", "mean"), DEFAULT_OPTIONS)
            errs.extend(np.abs(pred - test["y"].to_numpy()))
            if method == "glm":
                truth.extend(np.abs(pred - test["mean"].to_numpy()) / test["mean"].to_numpy())
    mae = {m: float(np.mean(e)) for m, e in errors.items()}
    assert mae["glm"] < 0.8 * mae["naive_week"]
    assert mae["glm"] < mae["mean_4weeks"]
    assert float(np.mean(truth)) < 0.06  # within 6% of the true mean on average


def test_poisson_regression_follows_the_holiday_flags() -> None:
    """A flag (the first day after a holiday) that doubles demand each time it is seen is
    learned: the forecast of the next such day is about double its weekday."""
    data = _series(20, seed=2)
    flagged = data.with_columns(
        (pl.col("date").dt.ordinal_day() % 21 == 5).cast(pl.Float64).alias("first_after")
    ).with_columns(
        pl.when(pl.col("first_after") == 1).then(pl.col("y") * 2).otherwise(pl.col("y")).alias("y")
    )
    future = flagged.tail(15).filter(pl.col("first_after") == 1).drop("y", "mean")
    assert future.height >= 1
    train = flagged.head(flagged.height - 15)
    pred = candidate("glm", train, future, DEFAULT_OPTIONS)
    base = np.asarray([WEEKLY[wd] for wd in future["weekday"].to_list()])
    assert pred / base == pytest.approx(np.full(future.height, 2.0), rel=0.2)


def test_ensemble_leaves_out_parts_far_behind() -> None:
    """Weights 1/MAE² over the parts within 1.25× the best part's MAE; a worse part gets none."""
    errors = {
        "prophet": np.array([10.0, -10.0]),
        "glm": np.array([12.0, -12.0]),
        "ets": np.array([13.0, -13.0]),  # 1.3× the best: left out
    }
    weights = _weights(errors)
    assert set(weights) == {"prophet", "glm"}
    assert weights["prophet"] / weights["glm"] == pytest.approx(1.44)
    assert sum(weights.values()) == pytest.approx(1.0)


def test_part_limit_widens_with_few_scored_origins() -> None:
    """With all six origins scored a part 1.3× the best part's MAE is left out; scored on two
    origins (a noisy ranking) it stays. The limit widens from 1.25 to 1.5 as origins drop."""
    assert part_limit(INNER_ORIGINS) == pytest.approx(1.25)
    assert part_limit(INNER_ORIGINS + 3) == pytest.approx(1.25)
    assert part_limit(2) == pytest.approx(1.5)
    assert part_limit(1) == pytest.approx(1.5)
    limits = [part_limit(n) for n in range(2, INNER_ORIGINS + 1)]
    assert limits == sorted(limits, reverse=True)
    errors = {
        "prophet": np.array([10.0, -10.0]),
        "glm": np.array([12.0, -12.0]),
        "ets": np.array([13.0, -13.0]),
    }
    assert set(_weights(errors, INNER_ORIGINS)) == {"prophet", "glm"}
    few = _weights(errors, 2)
    assert set(few) == {"prophet", "glm", "ets"}
    assert few["prophet"] / few["ets"] == pytest.approx(1.69)
    assert sum(few.values()) == pytest.approx(1.0)


def test_poisson_regression_learns_the_month_start_rush() -> None:
    """Days 1–5 of a month bring 40% more visitors (social insurance, tax): the Poisson
    regression learns it from the date alone (no flag in the frame) and forecasts the next
    month's first days about 1.4× their weekday, the days after at their weekday."""
    data = _series(30, seed=4)
    rushed = data.with_columns(
        pl.when(pl.col("date").dt.day() <= 5)
        .then(pl.col("mean") * 1.4)
        .otherwise(pl.col("mean"))
        .alias("mean")
    )
    rng = np.random.default_rng(5)
    rushed = rushed.with_columns(
        pl.Series("y", rng.poisson(rushed["mean"].to_numpy()).astype(float))
    )
    cut = dt.date(2026, 6, 28)
    train = rushed.filter(pl.col("date") <= cut)
    future = rushed.filter(
        pl.col("date").is_between(cut + dt.timedelta(days=1), dt.date(2026, 7, 14))
    )
    pred = candidate("glm", train, future.drop("y", "mean"), DEFAULT_OPTIONS)
    ratio = pred / future["mean"].to_numpy()
    early = future["date"].dt.day().to_numpy() <= 5
    assert early.any() and (~early).any()
    assert ratio[early] == pytest.approx(np.ones(early.sum()), rel=0.1)
    assert ratio[~early] == pytest.approx(np.ones((~early).sum()), rel=0.1)


def test_calibrated_intervals_cover_about_80_percent() -> None:
    """The forecast as made at twelve origins of a simulated series (weekly pattern, Poisson
    counts): its 80% intervals cover 70–90% of the next two weeks' days, and they are wider two
    weeks ahead than one."""
    data = _series(36, seed=3, scale=0.3)  # 27–48 a day: Poisson noise matters
    covered, width = [], {0: [], 1: []}
    for origin in range(60, 176, 10):
        train, test = data.head(origin), data.slice(origin, 10)
        pred, choice, _ = forecast_series(train, test.drop("y", "mean"))
        y = test["y"].to_numpy()
        covered.extend((y >= pred["yhat_lower"].to_numpy()) & (y <= pred["yhat_upper"].to_numpy()))
        assert choice.interval is not None and len(choice.interval) == 2
        rel = (pred["yhat_upper"] - pred["yhat_lower"]) / pred["yhat"]
        width[0].extend(rel[:5].to_list())
        width[1].extend(rel[5:].to_list())
    assert 0.70 <= float(np.mean(covered)) <= 0.90
    assert np.mean(width[1]) >= np.mean(width[0]) * 0.98


def _errors(origin_shift: np.ndarray, noise: float, seed: int = 0):
    """Relative errors of six backtest origins with 14 days each: a shared miss per origin
    (`origin_shift[k]`) plus independent noise; (rel, ahead, origin)."""
    rng = np.random.default_rng(seed)
    ahead = np.tile(np.arange(1, 15), 6)
    origin = np.repeat(np.arange(6), 14)
    rel = origin_shift[origin] + rng.normal(0.0, noise, origin.size)
    return rel, ahead, origin


def test_calibration_from_held_out_origins() -> None:
    """Errors that are independent day by day need no correction (factor near 1); errors that
    one origin shares (a level the fit had wrong for the whole horizon) are wider for a new
    origin than all the errors together say, and the held-out origins widen the bounds."""
    rel, ahead, origin = _errors(np.zeros(6), 0.1)
    assert 0.8 <= calibration(rel, ahead, origin) <= 1.25
    shifts = np.array([0.25, -0.2, 0.0, 0.15, -0.25, 0.05])
    rel, ahead, origin = _errors(shifts, 0.03)
    assert calibration(rel, ahead, origin) > 1.2
    assert CALIBRATION_LIMITS[0] <= calibration(rel, ahead, origin) <= CALIBRATION_LIMITS[1]
    # one origin only: nothing to hold out
    assert calibration(rel[:14], ahead[:14], origin[:14]) == 1.0


def test_interval_narrows_with_small_backtest_errors() -> None:
    """The interval follows the series' own backtest: errors a quarter as large give bounds
    about a quarter as wide, later horizons with larger errors get wider bounds, and the
    bounds never exclude the forecast."""
    first = dt.date(2026, 3, 1)
    for noise in (0.2, 0.05):
        rng = np.random.default_rng(7)
        rows = []
        for k in range(6):
            origin = first + dt.timedelta(days=7 * k)
            for a in range(1, 15):
                pred = 100.0
                grow = 1.0 + (a > 7)  # the second week misses twice as much
                rows.append(
                    (
                        origin,
                        origin + dt.timedelta(days=a),
                        pred * (1 + rng.normal(0, noise * grow)),
                        pred,
                    )
                )
        inner = pl.DataFrame(rows, schema=["origin", "date", "y", "glm"], orient="row")
        bounds = np.asarray(_interval(inner, "glm", inner.select("date", "y")))
        assert (bounds[:, 0] <= 0).all() and (bounds[:, 1] >= 0).all()
        assert bounds[1, 1] - bounds[1, 0] > 1.4 * (bounds[0, 1] - bounds[0, 0])
        width = bounds[0, 1] - bounds[0, 0]
        # an 80% normal interval is ±1.28σ: about 2.56 × the noise wide
        assert 1.6 * noise <= width <= 4.0 * noise
    rel, ahead, _ = _errors(np.zeros(6), 0.1)
    wide, narrow = _shaped(rel, ahead), _shaped(rel / 4, ahead)
    assert narrow == pytest.approx(wide / 4)


def test_interval_never_narrower_than_poisson() -> None:
    """A series the backtest forecast perfectly still gets the Poisson 10%–90% band, per
    horizon bucket."""
    yhat = np.array([4.0, 4.0, 100.0])
    lower, upper = interval_bounds(yhat, np.array([1, 9, 3]), ((0.0, 0.0), (0.0, 0.0)))
    assert lower.tolist() == [2.0, 2.0, 87.0]  # scipy's Poisson quantiles
    assert upper.tolist() == [7.0, 7.0, 113.0]
    lower, upper = interval_bounds(yhat, np.array([1, 9, 3]), ((-0.1, 0.1), (-0.5, 0.5)))
    assert upper.tolist() == [7.0, 7.0, 113.0]  # Poisson is wider at 4 a day
    lower, upper = interval_bounds(yhat, np.array([1, 9, 9]), ((-0.1, 0.1), (-0.5, 0.5)))
    assert upper[2] == pytest.approx(150.0)  # the second bucket's bounds, wider than Poisson


def test_poisson_noise_floor() -> None:
    """poisson_mad is E|Y − μ| of Poisson counts; a pure Poisson series sits near its floor
    (≈ 1/√2 of the same weekday last week's error) and says it is mostly noise, a series of
    large counts with a real weekly pattern does not."""
    rng = np.random.default_rng(4)
    for mu in (0.4, 3.0, 7.5, 40.0):
        draws = rng.poisson(mu, 200_000)
        assert poisson_mad(np.array([mu]))[0] == pytest.approx(np.abs(draws - mu).mean(), rel=0.02)
    assert poisson_mad(np.array([0.0]))[0] == 0.0
    noisy, _ = choose(_series(20, seed=5, scale=0.25))  # the weekly pattern and noise only
    assert noisy.floor == pytest.approx(0.7, abs=0.12)
    assert noisy.mostly_noise() and "mostly noise" in noisy.summary("en")
    assert "随机噪声" in noisy.summary("zh")
    big = _series(20, seed=6, scale=20.0, trend=0.06)
    clear, _ = choose(big)
    assert clear.floor < 0.4 and not clear.mostly_noise()
    assert "Poisson noise floor" in clear.summary("en") and "mostly noise" not in clear.summary(
        "en"
    )


def test_choice_round_trip_and_old_intervals() -> None:
    """A choice survives JSON with its per-horizon interval and floor; one stored with a single
    pair of bounds (before horizons) reads as that pair for every horizon."""
    _, choice, _ = forecast_series(_series(16, seed=7), _series(18, seed=7).tail(10))
    again = Choice.from_json(choice.to_json())
    assert again.method == choice.method and again.floor == pytest.approx(choice.floor, abs=1e-4)
    assert np.ravel(again.interval).tolist() == pytest.approx(np.ravel(choice.interval).tolist())
    old = choice.to_json() | {"interval": [-0.2, 0.3]}
    assert Choice.from_json(old).interval == ((-0.2, 0.3),)


def test_poisson_quantiles_without_scipy():
    """The interval's Poisson floor: exact quantiles (the smallest k with P(Y ≤ k) ≥ q), from
    tiny to large means — the values a statistics library gives — and the mean absolute
    deviation of a Poisson count."""
    from forecasting.select import poisson_mad, poisson_ppf

    mu = np.array([1e-9, 0.3, 1, 2.5, 7, 13.2, 50, 199.7, 1500, 12000.5])
    assert poisson_ppf(0.1, mu).tolist() == [0, 0, 0, 1, 4, 9, 41, 182, 1450, 11860]
    assert poisson_ppf(0.9, mu).tolist() == [0, 1, 2, 5, 10, 18, 59, 218, 1550, 12141]
    # E|Y − 1| for Y ~ Poisson(1) is 2/e; E|Y − 2| for Poisson(2) is 2·2³·e⁻²/2! = 8/e²
    assert poisson_mad(np.array([1.0, 2.0, 0.0])) == pytest.approx([2 / np.e, 8 / np.e**2, 0])


def test_a_cold_forecast_imports_neither_statsmodels_nor_plotting() -> None:
    """Prophet and Holt-Winters fitted in a fresh interpreter: statsmodels (with scipy) and
    Prophet's plots (matplotlib.pyplot, Plotly's graph objects) were over half of a cold
    forecast's imports; the fits need none of them."""
    import textwrap

    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, "tests")
        from test_select import _series
        from forecasting.demand import DEFAULT_OPTIONS
        from forecasting.select import candidate
        data = _series(20, seed=4)
        train, test = data.head(80), data.slice(80, 10).drop("y", "mean")
        for method in ("prophet", "ets"):
            assert candidate(method, train, test, DEFAULT_OPTIONS).size == 10
        heavy = ("statsmodels", "scipy", "matplotlib.pyplot", "plotly.graph_objs")
        print(",".join(m for m in heavy if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""


def test_holt_winters_learns_the_season_and_follows_the_level() -> None:
    """The own Holt-Winters: a weekly pattern of five open days is forecast within the noise,
    multiplicative and additive; after a lasting step up in the level the forecast follows."""
    rng = np.random.default_rng(11)
    pattern = np.array(list(WEEKLY.values()))
    for multiplicative in (True, False):
        y = rng.poisson(np.tile(pattern, 30)).astype(float)
        path = holt_winters(y, 5, 10, multiplicative, horizon=10)
        assert path.shape == (10,)
        assert np.abs(path - np.tile(pattern, 2)).mean() < 0.06 * pattern.mean()
    stepped = np.concatenate([np.tile(pattern, 20), 1.5 * np.tile(pattern, 10)])
    y = rng.poisson(stepped).astype(float)
    path = holt_winters(y, 5, 5, True, horizon=10)
    assert np.abs(path / pattern - 1.5).mean() < 0.08
    flat = holt_winters(np.full(40, 7.0), 1, 3, True)  # no season
    assert flat == pytest.approx([7.0, 7.0, 7.0])


def test_ensemble_leaves_holiday_days_to_the_calendar_models() -> None:
    """On the days around a break the ensemble takes only its parts that know the calendar
    (their weights scaled up to 1); other days keep every part's weight."""
    frame = pl.DataFrame(
        {r: [0.0, 0.0, 0.0] for r in REGRESSORS}
        | {"date": [dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 13)]}
    ).with_columns(
        pl.Series("first_after", [1.0, 0.0, 0.0]), pl.Series("makeup_workday", [0.0, 1.0, 0.0])
    )
    holiday = holiday_days(frame)
    assert holiday.tolist() == [True, True, False]
    preds = {"prophet": np.full(3, 300.0), "glm": np.full(3, 200.0), "ets": np.full(3, 100.0)}
    weights = {"prophet": 0.25, "glm": 0.25, "ets": 0.5}
    out = _combine(preds, weights, holiday)
    assert out.tolist() == pytest.approx([250.0, 250.0, 175.0])
    assert _combine(preds, weights).tolist() == pytest.approx([175.0] * 3)
    only_ets = _combine({"ets": preds["ets"], "glm": preds["glm"]}, {"ets": 1.0}, holiday)
    assert only_ets.tolist() == pytest.approx([100.0] * 3)  # no calendar part: unchanged
