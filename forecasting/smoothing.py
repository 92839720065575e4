"""Holt-Winters exponential smoothing with a season and no trend, in numpy.

The model (Holt-Winters in the form statsmodels and Hyndman & Athanasopoulos use), for a
series y_1…y_n with season length m, level l and seasonal states s:

    additive         fitted_t = l_{t−1} + s_{t−m}
                     l_t = α(y_t − s_{t−m}) + (1 − α)·l_{t−1}
                     s_t = γ(y_t − l_{t−1}) + (1 − γ)·s_{t−m}
    multiplicative   fitted_t = l_{t−1} · s_{t−m}
                     l_t = α·y_t / s_{t−m} + (1 − α)·l_{t−1}
                     s_t = γ·y_t / l_{t−1} + (1 − γ)·s_{t−m}

and the forecast h steps after the last observation is l_n (+ or ·) the latest seasonal state
of that position in the season. The weights are chosen by least squares of the one-step-ahead
errors, with 0 ≤ α ≤ 1 and 0 ≤ γ ≤ 1 − α (statsmodels' bounds): every pair of a coarse grid
runs at once, as one vector of states, then a finer grid around the best pair. The initial
level is the mean of the first season and the initial seasonal states are the average ratio
(or difference) of each position to its season's mean over the first seasons (up to four).

This is what the forecast's `ets` candidate used statsmodels for. Importing statsmodels (and
scipy under it) took longer than everything else in a cold forecast, and the fit itself needs
no more than this: two parameters on a few hundred days.
"""

from __future__ import annotations

import numpy as np

INIT_SEASONS = 4  # seasons averaged for the initial seasonal states
COARSE_STEP = 0.04
FINE_STEP = 0.01


def _initial(y: np.ndarray, m: int, multiplicative: bool) -> tuple[float, np.ndarray]:
    seasons = max(1, min(INIT_SEASONS, y.size // m))
    block = y[: seasons * m].reshape(seasons, m)
    means = block.mean(axis=1, keepdims=True)
    if multiplicative:
        state = (block / means).mean(axis=0)
        state = state / state.mean()
    else:
        state = (block - means).mean(axis=0)
        state = state - state.mean()
    return float(means[0, 0]), state


def _run(
    y: np.ndarray,
    m: int,
    multiplicative: bool,
    alpha: np.ndarray,
    gamma: np.ndarray,
    level0: float,
    season0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run every (α, γ) pair over the series at once: the sum of squared one-step errors,
    the last level and the last seasonal states of each pair."""
    pairs = alpha.size
    level = np.full(pairs, level0)
    season = np.tile(season0, (pairs, 1))
    sse = np.zeros(pairs)
    keep_a, keep_g = 1.0 - alpha, 1.0 - gamma
    for t, value in enumerate(y):
        k = t % m
        s = season[:, k]
        if multiplicative:
            error = value - level * s
            new_level = alpha * value / s + keep_a * level
            season[:, k] = gamma * value / level + keep_g * s
        else:
            error = value - level - s
            new_level = alpha * (value - s) + keep_a * level
            season[:, k] = gamma * (value - level) + keep_g * s
        sse += error * error
        level = new_level
    return sse, level, season


def _grid(alphas: np.ndarray, gammas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, g = np.meshgrid(alphas, gammas, indexing="ij")
    a, g = a.ravel(), g.ravel()
    inside = g <= 1.0 - a + 1e-12
    return a[inside], g[inside]


def holt_winters(y, period: int, horizon: int, *, multiplicative: bool = False) -> np.ndarray:
    """Fit the model to `y` (no gaps: fill them first) with season length `period` (1: no
    season, simple exponential smoothing) and forecast `horizon` steps. A multiplicative season
    needs every value positive."""
    y = np.asarray(y, dtype=float)
    if period < 1:
        raise ValueError(f"season length must be ≥ 1, not {period}")
    if y.size < 2 * period or y.size < 2 or not np.all(np.isfinite(y)):
        raise ValueError("too short, or gaps: needs two full seasons of finite values")
    if multiplicative and y.min() <= 0:
        raise ValueError("a multiplicative season needs positive values")
    if horizon <= 0:
        return np.array([])
    multiplicative = multiplicative and period > 1
    level0, season0 = _initial(y, period, multiplicative)
    if period == 1:
        season0 = np.ones(1) if multiplicative else np.zeros(1)
    coarse = np.arange(0.0, 1.0 + 1e-9, COARSE_STEP)
    gammas = coarse if period > 1 else np.zeros(1)
    alpha, gamma = _grid(coarse, gammas)
    sse, _, _ = _run(y, period, multiplicative, alpha, gamma, level0, season0)
    best = int(np.argmin(sse))
    a0, g0 = alpha[best], gamma[best]
    offsets = np.arange(-COARSE_STEP, COARSE_STEP + 1e-9, FINE_STEP)
    fine_a = np.clip(a0 + offsets, 0.0, 1.0)
    fine_g = np.clip(g0 + offsets, 0.0, 1.0) if period > 1 else np.zeros(1)
    alpha, gamma = _grid(np.unique(fine_a), np.unique(fine_g))
    sse, level, season = _run(y, period, multiplicative, alpha, gamma, level0, season0)
    best = int(np.argmin(sse))
    positions = (y.size + np.arange(horizon)) % period
    states = season[best, positions]
    return level[best] * states if multiplicative else level[best] + states
