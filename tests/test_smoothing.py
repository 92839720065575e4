"""Holt-Winters without statsmodels (`forecasting.smoothing`): the recursions, the fit of the
weights and the forecast, on series whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.smoothing import _grid, _run, holt_winters

PATTERN = np.array([1.3, 1.1, 1.0, 0.9, 0.7])  # five weekdays: Monday busiest


def test_a_steady_season_is_forecast_exactly() -> None:
    y = np.tile(200 * PATTERN, 12)
    path = holt_winters(y, 5, 10, multiplicative=True)
    np.testing.assert_allclose(path, np.tile(200 * PATTERN, 2), rtol=1e-9)
    add = holt_winters(y, 5, 10)
    np.testing.assert_allclose(add, np.tile(200 * PATTERN, 2), rtol=1e-9)


def test_the_forecast_continues_at_the_position_after_the_last_day() -> None:
    y = np.tile(200 * PATTERN, 12)[:-2]  # ends on the third weekday
    path = holt_winters(y, 5, 5, multiplicative=True)
    np.testing.assert_allclose(path, 200 * np.roll(PATTERN, 2), rtol=1e-9)


def test_a_level_shift_is_followed() -> None:
    """After the level doubles for good, the forecast follows it with the season kept."""
    y = np.concatenate([np.tile(100 * PATTERN, 10), np.tile(200 * PATTERN, 10)])
    path = holt_winters(y, 5, 5, multiplicative=True)
    np.testing.assert_allclose(path, 200 * PATTERN, rtol=0.03)


def test_noise_is_smoothed_and_the_weights_stay_in_bounds() -> None:
    rng = np.random.default_rng(3)
    truth = np.tile(300 * PATTERN, 40)
    y = rng.poisson(truth).astype(float)
    path = holt_winters(y, 5, 10, multiplicative=True)
    # a forecast of a steady Poisson series lands near its mean, much nearer than one day's noise
    assert np.abs(path - truth[:10]).mean() < 0.5 * np.abs(y - truth).mean()
    alpha, gamma = _grid(np.arange(0, 1.01, 0.25), np.arange(0, 1.01, 0.25))
    assert np.all(gamma <= 1 - alpha + 1e-12) and alpha.size == 15


def test_the_vectorised_run_equals_the_textbook_recursion() -> None:
    rng = np.random.default_rng(5)
    y = rng.uniform(50, 150, 37)
    level0, season0 = 100.0, np.array([1.2, 0.9, 0.9])
    for multiplicative in (True, False):
        sse, level, season = _run(
            y, 3, multiplicative, np.array([0.3]), np.array([0.2]), level0, season0
        )
        l_, s_, total = level0, list(season0), 0.0
        for t, v in enumerate(y):
            s = s_[t % 3]
            fitted = l_ * s if multiplicative else l_ + s
            total += (v - fitted) ** 2
            new_l = 0.3 * (v / s if multiplicative else v - s) + 0.7 * l_
            s_[t % 3] = 0.2 * (v / l_ if multiplicative else v - l_) + 0.8 * s
            l_ = new_l
        assert sse[0] == pytest.approx(total)
        assert level[0] == pytest.approx(l_)
        np.testing.assert_allclose(season[0], s_)


def test_without_a_season_it_is_simple_exponential_smoothing() -> None:
    y = np.array([10.0, 12, 11, 13, 12, 40, 41, 39, 40, 40])
    path = holt_winters(y, 1, 3)
    assert np.all(path == path[0]) and 35 < path[0] < 42


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="two full seasons"):
        holt_winters([1.0, 2, 3], 5, 3)
    with pytest.raises(ValueError, match="gaps"):
        holt_winters([1.0, np.nan] * 10, 2, 3)
    with pytest.raises(ValueError, match="positive"):
        holt_winters([0.0, 2] * 10, 2, 3, multiplicative=True)
    assert holt_winters([1.0, 2] * 10, 2, 0).size == 0
