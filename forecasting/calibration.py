"""The hall's calibrated queue model, shared by the staffing review and the forward plan.

`calibrate(tickets, shifts)` learns from a hall's recent ticket rows
(`queries.forecast_queries.ticket_rows`) and attendance (`queries.forecast_queries.shifts`)
what `forecasting.review` learns to replay a past day, and what a plan needs besides:

- the window groups as the hall works them (`review.window_groups`): each set of queues served
  by the same windows — the comprehensive windows (一窗受理) and each department's dedicated
  windows, which cannot help one another — with the windows it physically has;
- per queue, the minutes a window spends per ticket (busy cycles, `review.busy_cycles`), the
  share of its calls each group takes (a queue may be served by comprehensive and dedicated
  windows), and its share of the hall's tickets per half-hour of the day (at lunch and in the
  evening only some queues are open);
- patience as a Kaplan–Meier curve (`review.patience_curve`: abandonment is censored by
  service), the minutes a window loses on a visitor who is gone, and how often leavers cancel;
- per group and half-hour of the day, the share of rostered windows that were really open
  (from the calls: `review.window_intervals`) — lunch rotas, breaks, lateness and absence
  that the roster itself does not show.

`simulate_groups` runs one day of expected arrivals per queue against open windows per group
through the same discrete-event queue (`simulation.queueing.simulate`) the review replays: the
backlog of one half-hour carries into the next, a dedicated window serves only its queues, and
each visitor's service minutes and patience are drawn from the hall's own. `size_groups` is
the plan: per group and half-hour the fewest windows for the service-level target (Erlang A
with the group's own service minutes and an exponential patience of the curve's median), never
more than the group has — the shortfall is said, not hidden.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from forecasting.demand import INTERVAL_MIN, SLOTS_PER_DAY
from forecasting.erlang import queue_figures, windows_needed
from forecasting.review import (
    GAVE_UP,
    KaplanMeier,
    busy_cycles,
    handling_minutes,
    patience_curve,
    recall_minutes,
    window_groups,
    window_intervals,
)
from forecasting.simcheck import Tally, run_day
from simulation.queueing import NO_SHOW, SERVED, Window

CALIBRATION_DAYS = 28  # the recent weeks the model learns from
MIN_SERVICE_SAMPLES = 20  # fewer handled visitors: the queue's busy cycles stand in
MIN_SHARE_TICKETS = 30  # a half-hour's queue mix needs this many tickets, else the day's mix


def day_class(day: dt.date) -> str:
    """Which days share a queue mix and a lunch rota: weekdays, Saturdays, Sundays."""
    return {6: "saturday", 7: "sunday"}.get(day.isoweekday(), "weekday")


@dataclass(frozen=True)
class QueueGroup:
    """Windows serving the same queues: `queues` (ids, sorted) and the `windows` it has."""

    queues: tuple[str, ...]
    windows: tuple[str, ...]

    @property
    def key(self) -> str:
        return "+".join(self.queues)


@dataclass(frozen=True, eq=False)
class Calibration:
    """What a hall's recent weeks say about its queue (see the module)."""

    queues: tuple[str, ...]
    groups: tuple[QueueGroup, ...]
    service: dict[str, np.ndarray]  # minutes per ticket at the window, per queue
    patience: KaplanMeier
    recall_min: float
    cancel_share: float  # of the visitors who leave, the share who cancel (no window time)
    routing: dict[str, dict[str, float]]  # queue → group key → share of its calls
    queue_mix: dict[tuple[str, int], dict[str, float]]  # (day class, slot) → queue → share
    queue_shares: dict[str, float]  # queue → share of all tickets
    open_share: dict[tuple[str, str, int], float] = field(default_factory=dict)
    # (group key, day class, slot) → windows open / windows rostered
    days: int = 0

    @property
    def patience_median_min(self) -> float | None:
        """The Kaplan–Meier median: half of the visitors would have left by then."""
        return self.patience.median()

    @property
    def erlang_patience_min(self) -> float | None:
        """The mean of the exponential patience with the curve's median (for Erlang A); None
        when too few give up for a median (Erlang C is then close enough)."""
        median = self.patience_median_min
        return median / math.log(2) if median else None

    @property
    def service_min(self) -> float:
        """Minutes per ticket over the hall, each queue weighted by its tickets."""
        return self.mean_service(self.queue_shares)

    def mean_service(self, weights: dict[str, float]) -> float:
        """Minutes per ticket of a mix of queues (`weights`: queue → visitors or share)."""
        means = self.queue_means
        pairs = [(w, means[q]) for q, w in weights.items() if w > 0 and q in means]
        total = sum(w for w, _ in pairs)
        return sum(w * m for w, m in pairs) / total if total else 10.0

    @functools.cached_property
    def queue_means(self) -> dict[str, float]:
        return {q: float(np.mean(v)) for q, v in self.service.items() if v.size}

    def window_group(self) -> dict[str, str]:
        """Window id → its group's key."""
        return {w: g.key for g in self.groups for w in g.windows}

    def mix(self, day: dt.date, slot: int) -> dict[str, float]:
        """The queue shares of a half-hour of `day`'s class (else the hall's overall shares)."""
        return self.queue_mix.get((day_class(day), slot)) or self.queue_shares

    def open_rate(self, key: str, day: dt.date, slot: int, default: float) -> float:
        return self.open_share.get((key, day_class(day), slot), default)


def _minutes(tickets: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    midnight = dt.datetime.combine(day, dt.time(0))

    def minutes(col: str) -> pl.Expr:
        return ((pl.col(col) - midnight).dt.total_seconds() / 60).alias(f"{col.split('_')[0]}_min")

    return tickets.with_columns(
        minutes("issued_at"), minutes("called_at"), minutes("finished_at")
    ).with_columns(pl.col("issued_min").alias("ready_min"))


def open_windows(
    tickets: pl.DataFrame, groups: dict[str, tuple[str, ...]]
) -> dict[dt.date, dict[str, list[tuple[float, float]]]]:
    """Per day, when each window was really open (minutes after midnight), from its calls
    (`review.window_intervals`). `tickets` with handling_min (`review.handling_minutes`)."""
    out = {}
    for (day,), part in tickets.sort("issued_at").group_by(
        pl.col("issued_at").dt.date(), maintain_order=True
    ):
        out[day] = window_intervals(_minutes(part, day), groups)
    return out


def open_by_slot(spans: dict[str, list[tuple[float, float]]], window_group: dict[str, str]):
    """Window-half-hours open in each half-hour of the day, per group: {key: array(48)} (a
    window open for 20 of the 30 minutes counts 2/3)."""
    out: dict[str, np.ndarray] = {}
    for window, intervals in spans.items():
        key = window_group.get(window)
        if key is None:
            continue
        row = out.setdefault(key, np.zeros(SLOTS_PER_DAY))
        for a, b in intervals:
            first = max(0, int(a // INTERVAL_MIN))
            for slot in range(first, min(SLOTS_PER_DAY, int(b // INTERVAL_MIN) + 1)):
                lo, hi = slot * INTERVAL_MIN, (slot + 1) * INTERVAL_MIN
                row[slot] += max(0.0, min(b, hi) - max(a, lo)) / INTERVAL_MIN
    return out


def rostered_by_slot(shifts: pl.DataFrame, window_group: dict[str, str]):
    """Windows on the roster for more than half of each half-hour, per date and group:
    {(date, key): array(48)} (scheduled shifts at serving windows, leave or not)."""
    out: dict[tuple[dt.date, str], np.ndarray] = {}
    desk = shifts.filter(
        pl.col("window_id").is_not_null() & pl.col("scheduled_start").is_not_null()
    )
    if "window_kind" in desk.columns:
        desk = desk.filter(
            pl.col("window_kind").is_null() | (pl.col("window_kind") != "self_service")
        )
    seen: dict[tuple[dt.date, str], set] = {}
    for day, start, end, window in desk.select(
        "work_date", "scheduled_start", "scheduled_end", "window_id"
    ).iter_rows():
        key = window_group.get(window)
        if key is None or end is None:
            continue
        midnight = dt.datetime.combine(day, dt.time(0))
        lo = (start - midnight).total_seconds() / 60
        hi = (end - midnight).total_seconds() / 60
        for slot in range(max(0, int(lo // INTERVAL_MIN)), min(SLOTS_PER_DAY, math.ceil(hi / 30))):
            overlap = min(hi, (slot + 1) * INTERVAL_MIN) - max(lo, slot * INTERVAL_MIN)
            if overlap > INTERVAL_MIN / 2:
                seen.setdefault((day, key), set()).add((slot, window))
    for (day, key), pairs in seen.items():
        row = np.zeros(SLOTS_PER_DAY, dtype=int)
        for slot, _ in pairs:
            row[slot] += 1
        out[(day, key)] = row
    return out


def calibrate(tickets: pl.DataFrame, shifts: pl.DataFrame | None = None) -> Calibration:
    """The model of one hall from its ticket rows (`TICKET_ROWS_SCHEMA`) of the recent weeks
    and, when given, the attendance rows of the same days (for the open share)."""
    groups = window_groups(tickets)
    by_set: dict[tuple[str, ...], list[str]] = {}
    for window, queues in sorted(groups.items()):
        by_set.setdefault(queues, []).append(window)
    qgroups = tuple(QueueGroup(q, tuple(w)) for q, w in sorted(by_set.items()))
    window_group = {w: g.key for g in qgroups for w in g.windows}
    queues = tuple(sorted(q for q in tickets["queue_id"].unique().to_list() if q is not None))
    tickets = handling_minutes(tickets) if "handling_min" not in tickets.columns else tickets
    # the minutes each served visitor really took at the window (with the wrap-up before the
    # next call when someone was waiting); busy cycles alone over-weight long services (a
    # queue forms behind them), so they only stand in for a queue with too few
    cycles = busy_cycles(tickets)
    handled = tickets.filter(pl.col("handling_min").is_not_null())
    service = {q: part["handling_min"].to_numpy() for (q,), part in handled.group_by("queue_id")}
    for q, v in cycles.items():
        if service.get(q, np.array([])).size < MIN_SERVICE_SAMPLES:
            service[q] = v
    everyone = np.concatenate([v for v in service.values() if v.size] or [np.array([10.0])])
    service = {q: service[q] if service.get(q, np.array([])).size else everyone for q in queues}
    status = tickets["status"].to_numpy()
    gave_up = np.isin(status, GAVE_UP)
    cancel_share = float(np.mean(status[gave_up] == "cancelled")) if gave_up.any() else 0.5
    # routing: which group's windows took each queue's calls
    called = tickets.filter(pl.col("window_id").is_in(list(window_group)))
    routing: dict[str, dict[str, float]] = {}
    if called.height:
        counts = (
            called.with_columns(
                pl.col("window_id").replace_strict(window_group, return_dtype=pl.String).alias("g")
            )
            .group_by("queue_id", "g")
            .len()
        )
        for (queue,), part in counts.group_by("queue_id"):
            total = part["len"].sum()
            routing[queue] = {g: n / total for g, n in part.select("g", "len").iter_rows()}
    # queue mix per day class and half-hour
    keyed = tickets.with_columns(
        pl.col("issued_at").dt.date().alias("_date"),
        (
            (pl.col("issued_at").dt.hour().cast(pl.Int32) * 60 + pl.col("issued_at").dt.minute())
            // INTERVAL_MIN
        )
        .cast(pl.Int32)
        .alias("_slot"),
    ).filter(pl.col("queue_id").is_not_null())
    total = keyed.height
    shares = (
        {q: n / total for q, n in keyed.group_by("queue_id").len().iter_rows()} if total else {}
    )
    mix: dict[tuple[str, int], dict[str, float]] = {}
    classes = keyed.with_columns(
        pl.col("_date").map_elements(day_class, return_dtype=pl.String).alias("_class")
    )
    cells = classes.group_by("_class", "_slot", "queue_id").len()
    for (klass, slot), part in cells.group_by("_class", "_slot"):
        n = part["len"].sum()
        if n >= MIN_SHARE_TICKETS:
            mix[(klass, int(slot))] = {
                q: c / n for q, c in part.select("queue_id", "len").iter_rows()
            }
    # the share of rostered windows really open, per group, day class and half-hour
    open_share: dict[tuple[str, str, int], float] = {}
    if shifts is not None and shifts.height and called.height:
        spans = open_windows(tickets, groups)
        rostered = rostered_by_slot(shifts, window_group)
        opened_sum: dict[tuple[str, str], np.ndarray] = {}
        roster_sum: dict[tuple[str, str], np.ndarray] = {}
        for day, windows in spans.items():
            opened = open_by_slot(windows, window_group)
            for g in qgroups:
                r = rostered.get((day, g.key))
                if r is None:
                    continue
                cell = (g.key, day_class(day))
                roster_sum[cell] = roster_sum.get(cell, 0) + r
                o = np.minimum(opened.get(g.key, np.zeros(SLOTS_PER_DAY)), r)
                opened_sum[cell] = opened_sum.get(cell, 0) + o
        for (key, klass), r in roster_sum.items():
            o = opened_sum[(key, klass)]
            for slot in np.nonzero(r)[0]:
                open_share[(key, klass, int(slot))] = float(o[slot] / r[slot])
    days = tickets["issued_at"].dt.date().n_unique() if tickets.height else 0
    return Calibration(
        queues=queues,
        groups=qgroups,
        service=service,
        patience=patience_curve(tickets),
        recall_min=recall_minutes(tickets),
        cancel_share=cancel_share,
        routing=routing,
        queue_mix=mix,
        queue_shares=shares,
        open_share=open_share,
        days=days,
    )


# --- one day through the model ----------------------------------------------------------------


@dataclass(frozen=True)
class DaySim:
    """One simulated day, per half-hour k of the span (by the half-hour a visitor arrived):
    expected arrivals, the share called within the target (and served), the mean wait of
    those called and the share who left; the same share within target per group (over the
    visitors of the queues the group serves)."""

    arrivals: np.ndarray
    service_level: np.ndarray
    mean_wait_min: np.ndarray
    abandon: np.ndarray
    group_service_level: dict[str, np.ndarray]


def simulate_groups(
    cal: Calibration,
    arrivals: dict[str, np.ndarray],
    windows: dict[str, np.ndarray],
    *,
    start_slot: int,
    target_min: float,
    replications: int = 10,
    seed: int = 0,
) -> DaySim:
    """`arrivals[queue][k]`: expected visitors of the queue in half-hour `start_slot + k`;
    `windows[group key][k]`: windows of the group open in it; a fraction is a window open for
    that part of the half-hour."""
    queues = list(cal.queues)
    index = {q: i for i, q in enumerate(queues)}
    span = len(next(iter(arrivals.values()))) if arrivals else 0
    start_min = start_slot * INTERVAL_MIN
    pools = [cal.service[q] for q in queues]
    group_windows = []
    for g in cal.groups:
        opened = windows.get(g.key)
        if opened is None:
            continue
        serves = tuple(index[q] for q in g.queues if q in index)
        opened = np.asarray(opened, dtype=float)
        for j in range(math.ceil(max(opened.max(initial=0.0) - 1e-9, 0.0))):
            # window j is open for the part of the half-hour the count covers beyond j (a
            # window that opens late in it, or is away for part of it), at the half-hour's end
            spans = [
                (start_min + (k + 1 - part) * INTERVAL_MIN, start_min + (k + 1) * INTERVAL_MIN)
                for k in range(span)
                if (part := min(1.0, opened[k] - j)) > 1e-9
            ]
            group_windows.append(Window(serves, spans))
    rng = np.random.default_rng(seed)
    tally = Tally(span)
    group_within = {g.key: np.zeros(span) for g in cal.groups}
    group_count = {g.key: np.zeros(span) for g in cal.groups}
    members = {g.key: np.array([index[q] for q in g.queues if q in index]) for g in cal.groups}
    for _ in range(replications):
        issued_parts, queue_parts = [], []
        for q in queues:  # in a fixed order: the same draws whatever order `arrivals` has
            expected = arrivals.get(q)
            if expected is None:
                continue
            n_k = rng.poisson(np.maximum(np.asarray(expected, dtype=float), 0.0))
            total = int(n_k.sum())
            if not total:
                continue
            base = np.repeat(start_min + np.arange(span) * INTERVAL_MIN, n_k)
            issued_parts.append(base + rng.uniform(0, INTERVAL_MIN, total))
            queue_parts.append(np.full(total, index[q]))
        if not issued_parts:
            continue
        issued = np.concatenate(issued_parts)
        queue = np.concatenate(queue_parts)
        order = np.argsort(issued, kind="stable")
        issued, queue = issued[order], queue[order]
        n = issued.size
        service = np.empty(n)
        for qi, pool in enumerate(pools):
            mask = queue == qi
            if mask.any():
                service[mask] = rng.choice(pool, size=int(mask.sum()))
        patience = cal.patience.draw(rng, n)
        cancels = rng.uniform(size=n) < cal.cancel_share
        served, wait, ok = run_day(
            issued,
            queue,
            service,
            patience,
            cancels,
            group_windows,
            target_min=target_min,
            recall_min=cal.recall_min,
            offer_every_free_window=True,
            wait_statuses=(SERVED, NO_SHOW),
        )
        slot = np.clip(((issued - start_min) // INTERVAL_MIN).astype(int), 0, span - 1)
        tally.add(slot, served, wait, ok)
        # visitors and those within target per (queue, half-hour), then each group's queues
        cell = queue * span + slot
        by_queue = np.bincount(cell, minlength=len(queues) * span).reshape(len(queues), span)
        ok_by_queue = np.bincount(cell, weights=ok, minlength=len(queues) * span).reshape(
            len(queues), span
        )
        for key, qs in members.items():
            if qs.size:
                group_count[key] += by_queue[qs].sum(axis=0)
                group_within[key] += ok_by_queue[qs].sum(axis=0)
    count = tally.count
    with np.errstate(invalid="ignore", divide="ignore"):
        return DaySim(
            arrivals=count / max(replications, 1),
            service_level=np.where(count > 0, tally.within / np.maximum(count, 1), np.nan),
            mean_wait_min=tally.mean_wait(),
            abandon=np.where(count > 0, tally.left / np.maximum(count, 1), np.nan),
            group_service_level={
                k: np.where(
                    group_count[k] > 0, group_within[k] / np.maximum(group_count[k], 1), np.nan
                )
                for k in group_count
            },
        )


# --- sizing -----------------------------------------------------------------------------------


def group_arrivals(
    cal: Calibration, queue_arrivals: dict[str, float]
) -> dict[str, dict[str, float]]:
    """Group key → queue → expected visitors the group's windows take (by `routing`)."""
    out: dict[str, dict[str, float]] = {g.key: {} for g in cal.groups}
    keys = {g.key for g in cal.groups}
    for q, n in queue_arrivals.items():
        route = cal.routing.get(q) or {}
        route = {g: s for g, s in route.items() if g in keys}
        if not route:  # a queue no window served lately: the groups serving it share it
            serving = [g.key for g in cal.groups if q in g.queues]
            route = {g: 1 / len(serving) for g in serving}
        for g, s in route.items():
            out[g][q] = out[g].get(q, 0.0) + n * s
    return out


def size_group(
    cal: Calibration,
    group: QueueGroup,
    arrivals: dict[str, float],
    target_min: float,
    service_level: float,
    occupancy_cap: float,
) -> tuple[int, int]:
    """(windows needed, capped at the group's windows; windows the target would need) for
    one half-hour's expected visitors of the group per queue."""
    total = sum(arrivals.values())
    if total <= 0.05:
        return 0, 0
    needed = _needed(
        round(total, 1),
        round(cal.mean_service(arrivals), 1),
        target_min,
        service_level,
        occupancy_cap,
        cal.erlang_patience_min,
    )
    return min(needed, len(group.windows)), needed


@functools.lru_cache(maxsize=65536)
def _needed(
    arrivals: float,
    service_min: float,
    target_min: float,
    service_level: float,
    occupancy_cap: float,
    patience_min: float | None,
) -> int:
    """`windows_needed` for a half-hour's visitors (at least one window), memoised: a plan
    asks again and again for the same rounded load."""
    n = windows_needed(
        arrivals / INTERVAL_MIN, service_min, target_min, service_level, occupancy_cap, patience_min
    )
    return max(n, 1)


@functools.lru_cache(maxsize=65536)
def erlang_figures(
    arrivals: float, service_min: float, windows: int, target_min: float, patience: float | None
) -> tuple[float, float | None]:
    """(service level, mean wait or None) of `windows` for a half-hour's `arrivals`, Erlang A
    with an exponential patience of mean `patience` (Erlang C without), memoised."""
    f = queue_figures(arrivals / INTERVAL_MIN, service_min, windows, target_min, patience)
    return f.service_level, (f.asa_min if math.isfinite(f.asa_min) else None)


def group_figures(
    cal: Calibration, arrivals: dict[str, float], windows: int, target_min: float
) -> tuple[float, float | None]:
    """(service level, mean wait) of `windows` for one half-hour's visitors of a group, by
    the formula (Erlang A with the curve's median patience)."""
    total = sum(arrivals.values())
    if total <= 0:
        return 1.0, 0.0
    service = round(cal.mean_service(arrivals), 1)
    return erlang_figures(round(total, 1), service, windows, target_min, cal.erlang_patience_min)
