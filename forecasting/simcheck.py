"""Checking a staffing plan by simulation: the day's intervals run back to back through the
demo's discrete-event queue (`simulation.queueing.simulate`), so a backlog left at the end of a
busy half-hour carries over into the next one, and windows close when the plan says.

Arrivals are Poisson within each interval, service times are drawn from the hall's own history
(an array of observed minutes per queue), patience is exponential. Window groups say which
queues a window serves: one group serving every queue is the comprehensive (一窗受理) pooled
hall; one group per queue is dedicated windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulation.queueing import SERVED, WALK_IN, Tickets, Window, simulate


@dataclass(frozen=True)
class WindowGroup:
    """Windows serving the same queues; `open_per_interval[k]` of them are open in interval k."""

    queues: tuple[int, ...]
    open_per_interval: Sequence[int]


@dataclass(frozen=True)
class SimResult:
    """Per interval (by the interval a visitor arrived in): arrivals summed over replications,
    share called within the target, mean wait of those called (minutes); and the standard
    error of the whole day's service level across replications."""

    arrivals: np.ndarray
    service_level: np.ndarray
    mean_wait_min: np.ndarray
    day_service_level: float
    day_standard_error: float


def simulate_plan(
    expected_arrivals: Sequence[Sequence[float]],
    service_samples: Sequence[np.ndarray],
    groups: Sequence[WindowGroup],
    *,
    interval_min: float,
    target_min: float,
    patience_min: float | None = None,
    start_min: float = 0.0,
    replications: int = 20,
    seed: int = 0,
    patience_draw=None,
) -> SimResult:
    """Simulate `replications` days of one plan.

    `expected_arrivals[q][k]`: expected visitors of queue q in interval k; `service_samples[q]`:
    observed service minutes of queue q to draw from; `patience_draw(rng, n)`, when given,
    draws n patience times instead of the exponential. A visitor counts as within target when
    called no later than `target_min` after arriving; one who gives up never is.
    """
    n_queues = len(expected_arrivals)
    n_intervals = len(expected_arrivals[0]) if n_queues else 0
    if len(service_samples) != n_queues:
        raise ValueError("one array of service times is needed per queue")
    for q, samples in enumerate(service_samples):
        if len(samples) == 0 and sum(expected_arrivals[q]) > 0:
            raise ValueError(f"queue {q} has arrivals but no observed service times")
    rng = np.random.default_rng(seed)
    arrivals = np.zeros(n_intervals)
    within = np.zeros(n_intervals)
    waits = np.zeros(n_intervals)
    called = np.zeros(n_intervals)
    day_levels = []
    for _ in range(replications):
        issued, queue = [], []
        for q in range(n_queues):
            for k, mean in enumerate(expected_arrivals[q]):
                count = rng.poisson(max(mean, 0.0))
                t0 = start_min + k * interval_min
                issued.extend(rng.uniform(t0, t0 + interval_min, count).tolist())
                queue.extend([q] * count)
        order = np.argsort(issued, kind="stable")
        issued_arr = np.asarray(issued)[order]
        queue_arr = np.asarray(queue, dtype=int)[order]
        n = len(issued_arr)
        service = np.empty(n)
        for q in range(n_queues):
            mask = queue_arr == q
            if mask.any():
                service[mask] = rng.choice(service_samples[q], size=int(mask.sum()))
        if patience_draw is not None:  # e.g. from a Kaplan–Meier curve (forecasting.review)
            patience = np.asarray(patience_draw(rng, n), dtype=float)
        elif patience_min is not None:
            patience = rng.exponential(patience_min, n)
        else:
            patience = np.full(n, np.inf)
        tickets = Tickets(
            issued_min=issued_arr.tolist(),
            queue=queue_arr.tolist(),
            klass=[WALK_IN] * n,
            ready_min=issued_arr.tolist(),
            service_min=service.tolist(),
            patience_min=patience.tolist(),
            cancels=[True] * n,  # a visitor who gave up costs the window nothing
            misses_call=[False] * n,
            transfer_to=[-1] * n,
        )
        windows = _windows(groups, n_intervals, interval_min, start_min)
        outcome = simulate(tickets, windows)
        slot = np.clip(((issued_arr - start_min) // interval_min).astype(int), 0, n_intervals - 1)
        wait = np.array(
            [
                (c - i) if c is not None and s == SERVED else np.nan
                for c, i, s in zip(outcome.called_min, issued_arr, outcome.status, strict=False)
            ]
        )
        ok = np.nan_to_num(wait, nan=np.inf) <= target_min + 1e-9
        np.add.at(arrivals, slot, 1)
        np.add.at(within, slot, ok)
        has_wait = ~np.isnan(wait)
        np.add.at(waits, slot[has_wait], wait[has_wait])
        np.add.at(called, slot[has_wait], 1)
        if n:
            day_levels.append(ok.mean())
    with np.errstate(invalid="ignore", divide="ignore"):
        level = np.where(arrivals > 0, within / np.maximum(arrivals, 1), np.nan)
        mean_wait = np.where(called > 0, waits / np.maximum(called, 1), np.nan)
    levels = np.asarray(day_levels)
    se = float(levels.std(ddof=1) / np.sqrt(len(levels))) if len(levels) > 1 else float("nan")
    return SimResult(
        arrivals=arrivals,
        service_level=level,
        mean_wait_min=mean_wait,
        day_service_level=float(within.sum() / arrivals.sum()) if arrivals.sum() else float("nan"),
        day_standard_error=se,
    )


def _windows(
    groups: Sequence[WindowGroup], n_intervals: int, interval_min: float, start_min: float
) -> list[Window]:
    """Window j of a group is open in interval k when j < open_per_interval[k]."""
    windows = []
    for group in groups:
        most = max(group.open_per_interval, default=0)
        for j in range(most):
            intervals = [
                (start_min + k * interval_min, start_min + (k + 1) * interval_min)
                for k in range(n_intervals)
                if group.open_per_interval[k] > j
            ]
            windows.append(Window(group.queues, intervals))
    return windows
