"""Checking a staffing plan by simulation: the day's intervals run back to back through the
demo's discrete-event queue (`simulation.queueing.simulate`), so a backlog left at the end of a
busy half-hour carries over into the next one, and windows close when the plan says.

Arrivals are Poisson within each interval, service times are drawn from the hall's own history
(an array of observed minutes per queue), patience is exponential. Window groups say which
queues a window serves: one group serving every queue is the comprehensive (一窗受理) pooled
hall; one group per queue is dedicated windows.

`run_day` and `Tally` are the one simulation step every user of the queue shares — this plan
check, the review's replay of past days (`forecasting.review`) and the calibrated plan
(`forecasting.calibration.simulate_groups`): one replication of a day's visitors through the
queue, and the per-half-hour sums of who was called within the target, waits and leavers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulation.queueing import RECALL_MIN, SERVED, WALK_IN, Tickets, Window, simulate


def run_day(
    issued: np.ndarray,
    queue: np.ndarray,
    service: np.ndarray,
    patience: np.ndarray,
    cancels: np.ndarray | list[bool],
    windows: Sequence[Window],
    *,
    target_min: float,
    klass: Sequence[int] | None = None,
    ready: np.ndarray | None = None,
    recall_min: float = RECALL_MIN,
    offer_every_free_window: bool = False,
    wait_statuses: tuple[int, ...] = (SERVED,),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One replication of a day: the n visitors (issue minute, queue index, service and
    patience minutes, whether one who leaves cancels) through `windows` (copied: the queue
    consumes them). Returns per visitor: served, wait (call − issue for the statuses of
    `wait_statuses`, else NaN) and ok (served and called within `target_min`)."""
    n = len(issued)
    outcome = simulate(
        Tickets(
            issued_min=np.asarray(issued, dtype=float).tolist(),
            queue=np.asarray(queue, dtype=int).tolist(),
            klass=list(klass) if klass is not None else [WALK_IN] * n,
            ready_min=np.asarray(ready if ready is not None else issued, dtype=float).tolist(),
            service_min=np.asarray(service, dtype=float).tolist(),
            patience_min=np.asarray(patience, dtype=float).tolist(),
            cancels=[bool(c) for c in cancels],
            misses_call=[False] * n,
            transfer_to=[-1] * n,
        ),
        [Window(w.queues, list(w.intervals)) for w in windows],
        recall_min=recall_min,
        offer_every_free_window=offer_every_free_window,
    )
    status = outcome.status[:n]
    wait = np.array(
        [
            c - i if c is not None and st in wait_statuses else np.nan
            for c, i, st in zip(outcome.called_min[:n], issued, status, strict=True)
        ],
        dtype=float,
    )
    served = np.array([st == SERVED for st in status], dtype=bool)
    ok = served & (np.nan_to_num(wait, nan=np.inf) <= target_min + 1e-9)
    return served, wait, ok


@dataclass
class Tally:
    """Sums over replications per half-hour (by the half-hour a visitor arrived in): visitors,
    those called within the target, waits and the number of them, leavers."""

    size: int

    def __post_init__(self) -> None:
        self.count = np.zeros(self.size)
        self.within = np.zeros(self.size)
        self.waits = np.zeros(self.size)
        self.called = np.zeros(self.size)
        self.left = np.zeros(self.size)

    def add(self, pos: np.ndarray, served: np.ndarray, wait: np.ndarray, ok: np.ndarray) -> None:
        # bincount, not np.add.at: the same sums at a tenth of the cost (a plan adds 560 days)
        size = self.size
        has = ~np.isnan(wait)
        self.count += np.bincount(pos, minlength=size)
        self.within += np.bincount(pos, weights=ok, minlength=size)
        self.waits += np.bincount(pos[has], weights=wait[has], minlength=size)
        self.called += np.bincount(pos[has], minlength=size)
        self.left += np.bincount(pos, weights=~served, minlength=size)

    def mean_wait(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.called > 0, self.waits / np.maximum(self.called, 1), np.nan)


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
    tally = Tally(n_intervals)
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
        served, wait, ok = run_day(
            issued_arr,
            queue_arr,
            service,
            patience,
            [True] * n,  # a visitor who gave up costs the window nothing
            _windows(groups, n_intervals, interval_min, start_min),
            target_min=target_min,
        )
        slot = np.clip(((issued_arr - start_min) // interval_min).astype(int), 0, n_intervals - 1)
        tally.add(slot, served, wait, ok)
        if n:
            day_levels.append(ok.mean())
    arrivals, within = tally.count, tally.within
    with np.errstate(invalid="ignore", divide="ignore"):
        level = np.where(arrivals > 0, within / np.maximum(arrivals, 1), np.nan)
    mean_wait = tally.mean_wait()
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
