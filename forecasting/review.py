"""Staffing checked against what happened: past half-hours replayed through the model.

For each past day the model is given the *actual* visitors — when they took their tickets, into
which queue, of which kind — and the windows that were *actually* open, each serving the queues
it served (a comprehensive window pools every queue it serves; a dedicated window cannot help
another queue). The day runs through the discrete-event queue of `simulation.queueing`, so the
backlog of one half-hour carries into the next, and every window calls as a hall does: priority
tickets (绿色通道) first, then appointments whose slot has started, then walk-ins, each oldest
first; a new ticket goes to any free window serving its queue. A window is open from its first
call to its last finish and closed only while a visitor of its queues waited (`window_intervals`).

A visitor who was served is replayed with their real handling minutes at the window (call to
the window's next call when someone was waiting, else call to finish); only visitors without
them (who left, or were never finished) get minutes drawn from their queue's busy cycles.
Patience comes from a Kaplan–Meier estimate, because abandonment is censored by service: a
visitor who was called had at least that much patience (censored), a no-show gave up before the
call (an event at the wait), and a visitor who left uncalled gave up by about the waits of
those issued with them (an event at that half-hour's median wait). Each visitor's patience is
drawn from the curve *given what was observed*: longer than their wait if they were served,
shorter than it if they were gone when called.

Next to each prediction stands what was observed: the share of the half-hour's tickets called
within the target (and served), the mean wait of those called, the share who gave up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from forecasting.demand import INTERVAL_MIN
from forecasting.simcheck import Tally, run_day
from simulation.queueing import (
    APPOINTMENT,
    NO_SHOW,
    PRIORITY,
    RECALL_MIN,
    SERVED,
    WALK_IN,
    Window,
)

REVIEW_SCHEMA = {
    "hall_id": pl.String,
    "start": pl.Datetime("us"),
    "arrivals": pl.Int64,
    "windows_open": pl.Int64,
    "predicted_service_level": pl.Float64,
    "observed_service_level": pl.Float64,
    "predicted_wait_min": pl.Float64,
    "observed_wait_min": pl.Float64,
    "predicted_abandon": pl.Float64,
    "observed_abandon": pl.Float64,
}
SERVED_STATUSES = ("served", "transferred")
GAVE_UP = ("no_show", "cancelled")
MIN_QUEUE_SHARE = 0.05  # a window "serves" a queue when ≥ 5% of its calls are of that queue
TOLERANCE_PP = 5.0
WAITED_MIN = 2.0  # a window idle while a visitor of its queues waits this long was closed
WRAP_UP_MAX_MIN = 5.0  # call-to-next-call counts as handling up to this much past the finish
KLASS = {"priority": PRIORITY, "appointment": APPOINTMENT}  # anything else is a walk-in


@dataclass(frozen=True)
class KaplanMeier:
    """A survival curve of patience: at `times` (minutes, increasing) the survival `survival`."""

    times: np.ndarray
    survival: np.ndarray

    def median(self) -> float | None:
        below = np.nonzero(self.survival <= 0.5)[0]
        return float(self.times[below[0]]) if below.size else None

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Patience times by inverse transform; beyond the curve's last step (visitors who
        never gave up while watched) patience is infinite."""
        u = rng.uniform(size=n)
        # the first time at which survival falls to u or below
        index = np.searchsorted(-self.survival, -u, side="left")
        out = np.full(n, np.inf)
        ok = index < self.times.size
        out[ok] = self.times[index[ok]]
        return out

    def survival_at(self, t: np.ndarray) -> np.ndarray:
        """S(t): the share still waiting after t minutes (1 before the first step)."""
        if self.times.size == 0:
            return np.ones(np.shape(t))
        index = np.searchsorted(self.times, t, side="right") - 1
        return np.where(index >= 0, self.survival[np.maximum(index, 0)], 1.0)

    def draw_given(
        self, rng: np.random.Generator, longer_than: np.ndarray, gone_by: np.ndarray
    ) -> np.ndarray:
        """Patience drawn from the curve given what was seen of each visitor: longer than
        `longer_than` (a visitor served after that wait) and at most `gone_by` (a visitor gone
        when called then); NaN where nothing is known. A visitor gone by a time before the
        curve's first step gives up at a uniform time up to it."""
        longer_than = np.nan_to_num(np.asarray(longer_than, dtype=float), nan=-1.0)
        gone_by = np.asarray(gone_by, dtype=float)
        n = longer_than.size
        if self.times.size == 0:
            out = np.full(n, np.inf)
        else:
            high = np.where(longer_than >= 0, self.survival_at(np.maximum(longer_than, 0)), 1.0)
            low = np.where(np.isfinite(gone_by), self.survival_at(np.nan_to_num(gone_by)), 0.0)
            low = np.minimum(low, high)
            u = low + (high - low) * rng.uniform(size=n)
            index = np.searchsorted(-self.survival, -u, side="left")
            out = np.full(n, np.inf)
            ok = index < self.times.size
            out[ok] = self.times[index[ok]]
        gone = np.isfinite(gone_by)
        early = gone & (out > gone_by)
        out[early] = np.maximum(gone_by[early], 0) * rng.uniform(size=int(early.sum()))
        return out


def kaplan_meier(times: np.ndarray, events: np.ndarray) -> KaplanMeier:
    """The product-limit estimate from durations and event flags (1 gave up, 0 censored)."""
    times = np.asarray(times, dtype=float)
    events = np.asarray(events, dtype=bool)
    ok = np.isfinite(times) & (times >= 0)
    times, events = times[ok], events[ok]
    if times.size == 0:
        return KaplanMeier(np.array([]), np.array([]))
    event_times = np.unique(times[events])
    order = np.sort(times)
    surv = 1.0
    out_t, out_s = [], []
    for t in event_times:
        at_risk = times.size - np.searchsorted(order, t, side="left")
        d = int(np.sum(events & (times == t)))
        if at_risk > 0:
            surv *= 1 - d / at_risk
        out_t.append(t)
        out_s.append(surv)
    return KaplanMeier(np.asarray(out_t), np.asarray(out_s))


def _slot(col: str) -> pl.Expr:
    return (pl.col(col).dt.hour().cast(pl.Int32) * 60 + pl.col(col).dt.minute().cast(pl.Int32)) // (
        INTERVAL_MIN
    )


def patience_curve(tickets: pl.DataFrame) -> KaplanMeier:
    """Kaplan–Meier of patience from tickets (issued_at, called_at, status): see the module."""
    t = tickets.with_columns(
        ((pl.col("called_at") - pl.col("issued_at")).dt.total_seconds() / 60).alias("wait"),
        pl.col("issued_at").dt.date().alias("date"),
        _slot("issued_at").alias("slot"),
    )
    median_wait = t.group_by("date", "slot").agg(pl.col("wait").median().alias("slot_wait"))
    t = t.join(median_wait, on=["date", "slot"], how="left").with_columns(
        pl.when(pl.col("status") == "cancelled")
        .then(pl.col("slot_wait").fill_null(pl.col("wait").median()))
        .otherwise(pl.col("wait"))
        .alias("time"),
        pl.col("status").is_in(GAVE_UP).alias("event"),
    )
    t = t.filter(pl.col("time").is_not_null() & (pl.col("time") >= 0))
    return kaplan_meier(t["time"].to_numpy(), t["event"].to_numpy())


def window_groups(tickets: pl.DataFrame) -> dict[str, tuple[str, ...]]:
    """Window → the queues it served (each at least `MIN_QUEUE_SHARE` of its calls)."""
    calls = (
        tickets.filter(pl.col("window_id").is_not_null() & pl.col("called_at").is_not_null())
        .group_by("window_id", "queue_id")
        .len()
    )
    calls = calls.with_columns((pl.col("len") / pl.col("len").sum().over("window_id")).alias("s"))
    served = calls.filter(pl.col("s") >= MIN_QUEUE_SHARE).sort("queue_id")
    return {
        w: tuple(part["queue_id"].to_list())
        for (w,), part in served.group_by("window_id", maintain_order=True)
    }


def window_intervals(
    t: pl.DataFrame, groups: dict[str, tuple[str, ...]], waited_min: float = WAITED_MIN
) -> dict[str, list[tuple[float, float]]]:
    """When each window was open on one day (minutes after midnight): from its first call to
    its last finish, closed between a finish and its next call when a visitor of its queues
    waited more than `waited_min` meanwhile (an open, idle window would have called them: the
    desk was away, e.g. at lunch); a window idle because nobody was waiting stays open.

    `t` has issued_min, called_min, finished_min, queue_id, window_id, status and, when known,
    ready_min (when a ticket could first be called) and handling_min (the window's minutes)."""
    ready = (t["ready_min"] if "ready_min" in t.columns else t["issued_min"]).to_numpy()
    called = t["called_min"].fill_null(float("nan")).to_numpy()
    queue = t["queue_id"].fill_null("?").to_numpy()
    columns = ["window_id", "called_min", "finished_min", "status"]
    handling = "handling_min" in t.columns
    rows = (
        t.filter(pl.col("window_id").is_not_null() & pl.col("called_min").is_not_null())
        .sort("window_id", "called_min")
        .select(*columns, *(["handling_min"] if handling else []))
    )
    out: dict[str, list[tuple[float, float]]] = {}
    for (window,), part in rows.group_by("window_id", maintain_order=True):
        mine = np.isin(queue, list(groups.get(window, ()))) if window in groups else None
        mine = np.ones(queue.size, bool) if mine is None else mine
        known = mine & np.isfinite(called)
        r, c = ready[known], called[known]
        spans: list[list[float]] = []
        for row in part.iter_rows(named=True):
            call, finished = row["called_min"], row["finished_min"]
            if handling and row["handling_min"] is not None:
                end = call + row["handling_min"]
            elif finished is not None and finished >= call:
                end = finished
            else:
                end = call  # a no-show: the window is free again at the last call
            if spans and call - spans[-1][1] > waited_min:
                gap_start = spans[-1][1]
                waited = np.minimum(c, call) - np.maximum(r, gap_start)
                if (waited > waited_min).any():
                    spans.append([call, end])
                    continue
            if spans:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([call, end])
        if spans and r.size:
            # open before its first call unless a visitor of its queues waited meanwhile: from
            # the first ticket it could have called, or the end of the last such wait
            first = spans[0][0]
            before = r < first - waited_min
            waited = np.minimum(c[before], first) - r[before] > waited_min
            ends = np.minimum(c[before][waited], first)
            earliest = float(r[before].min()) if before.any() else first
            spans[0][0] = min(first, max([earliest, *ends.tolist()]))
        out[window] = [(a, b) for a, b in spans if b > a] or [(spans[0][0], spans[0][0] + 1.0)]
    return out


def handling_minutes(tickets: pl.DataFrame) -> pl.DataFrame:
    """`tickets` with handling_min: the minutes the window spent on each visitor it served —
    from the call to the window's next call when the next visitor was already waiting at the
    finish (handling and wrap-up, at most `WRAP_UP_MAX_MIN` past the finish), else from the
    call to the finish; null when unknown (gave up, or never finished)."""
    t = (
        tickets.with_row_index("_row")
        .sort("window_id", "called_at")
        .with_columns(
            pl.col("called_at").shift(-1).over("window_id").alias("_next_call"),
            pl.col("issued_at").shift(-1).over("window_id").alias("_next_issued"),
        )
        .with_columns(
            ((pl.col("finished_at") - pl.col("called_at")).dt.total_seconds() / 60).alias("_svc"),
            ((pl.col("_next_call") - pl.col("called_at")).dt.total_seconds() / 60).alias("_cyc"),
        )
    )
    svc_ok = (
        pl.col("status").is_in(SERVED_STATUSES)
        & pl.col("window_id").is_not_null()
        & (pl.col("_svc") > 0)
        & (pl.col("_svc") < 240)
    )
    cycle_ok = (
        (pl.col("_next_issued") <= pl.col("finished_at"))
        & (pl.col("_cyc") >= pl.col("_svc"))
        & (pl.col("_cyc") <= pl.col("_svc") + WRAP_UP_MAX_MIN)
    )
    return (
        t.with_columns(
            pl.when(svc_ok & cycle_ok)
            .then(pl.col("_cyc"))
            .when(svc_ok)
            .then(pl.col("_svc"))
            .otherwise(None)
            .alias("handling_min")
        )
        .sort("_row")
        .drop("_row", "_next_call", "_next_issued", "_svc", "_cyc")
    )


def recall_minutes(tickets: pl.DataFrame) -> float:
    """The minutes a window spends calling a visitor who is not there: the median from the
    window's previous finish to a no-show's (last) call, when the no-show was already waiting;
    `RECALL_MIN` when the data have none."""
    t = (
        tickets.filter(pl.col("window_id").is_not_null() & pl.col("called_at").is_not_null())
        .sort("window_id", "called_at")
        .with_columns(pl.col("finished_at").shift(1).over("window_id").alias("_prev_finish"))
        .filter(
            (pl.col("status") == "no_show")
            & pl.col("_prev_finish").is_not_null()
            & (pl.col("issued_at") <= pl.col("_prev_finish"))
        )
        .select(((pl.col("called_at") - pl.col("_prev_finish")).dt.total_seconds() / 60).alias("m"))
        .filter(pl.col("m").is_between(0, 10))
    )
    return float(t["m"].median()) if t.height >= 5 else RECALL_MIN


def review_day(
    tickets: pl.DataFrame,
    hall_id: str,
    target_min: float,
    service: dict[str, np.ndarray],
    patience: KaplanMeier,
    groups: dict[str, tuple[str, ...]],
    replications: int = 20,
    seed: int = 0,
    *,
    real_service: bool = True,
    recall_min: float = RECALL_MIN,
) -> pl.DataFrame:
    """One day's tickets replayed (`REVIEW_SCHEMA`): every half-hour with arrivals.

    The visitors arrive when they really took their tickets, into their real queues, as
    priority, appointment (callable from their slot) or walk-in; the windows are open when they
    really were (`window_intervals`) and serve the queues they really served. A served visitor
    keeps their real handling minutes (`handling_minutes`) unless `real_service` is false;
    the others' are drawn from their queue's `service` pool; patience is drawn from the
    Kaplan–Meier curve given what was seen of the visitor (`KaplanMeier.draw_given`), and a
    window spends `recall_min` on a visitor who is gone. `replications` runs."""
    if tickets.is_empty():
        return pl.DataFrame(schema=REVIEW_SCHEMA)
    day = tickets["issued_at"].min().date()
    midnight = dt.datetime.combine(day, dt.time(0))

    def minutes(col: str) -> pl.Expr:
        return ((pl.col(col) - midnight).dt.total_seconds() / 60).alias(f"{col.split('_')[0]}_min")

    if "handling_min" not in tickets.columns:
        tickets = handling_minutes(tickets)
    if "source" not in tickets.columns:
        tickets = tickets.with_columns(pl.lit("walk_in").alias("source"))
    if "appointment_start" not in tickets.columns:
        tickets = tickets.with_columns(pl.lit(None, pl.Datetime("us")).alias("appointment_start"))
    t = tickets.sort("issued_at").with_columns(
        _slot("issued_at").alias("slot"),
        ((pl.col("called_at") - pl.col("issued_at")).dt.total_seconds() / 60).alias("wait"),
        minutes("issued_at"),
        minutes("called_at"),
        minutes("finished_at"),
        minutes("appointment_start"),
    )
    t = t.with_columns(
        pl.when(pl.col("source") == "appointment")
        .then(pl.max_horizontal("issued_min", pl.col("appointment_min").fill_null(0.0)))
        .otherwise(pl.col("issued_min"))
        .alias("ready_min")
    )
    # when a visitor who left would have been called: their own first call for a no-show (the
    # recorded one is the last, `recall_min` later);
    # for one who cancelled, the call of the next visitor of the queue (first come, first
    # served), else the half-hour's median wait
    t = (
        t.with_row_index("_row")
        .sort("queue_id", "issued_min")
        .with_columns(
            pl.col("called_min").shift(-1).backward_fill().over("queue_id").alias("_next_call"),
            pl.col("wait").filter(pl.col("wait") >= 0).median().over("slot").alias("_slot_wait"),
        )
        .sort("_row")
        .with_columns(
            pl.when(pl.col("status") == "no_show")
            .then((pl.col("wait") - recall_min).clip(lower_bound=0))
            .when(pl.col("status").is_in(GAVE_UP))
            .then(
                (pl.col("_next_call") - pl.col("issued_min"))
                .clip(lower_bound=0)
                .fill_null(pl.col("_slot_wait"))
                .fill_null(0.0)
            )
            .otherwise(None)
            .alias("gone_by"),
            pl.when(pl.col("status").is_in(SERVED_STATUSES))
            .then(pl.col("wait").clip(lower_bound=0))
            .otherwise(None)
            .alias("longer_than"),
        )
    )
    queues = sorted({q for q in t["queue_id"].to_list() if q is not None} | {"?"})
    index = {q: i for i, q in enumerate(queues)}
    queue_of = np.array([index.get(q, index["?"]) for q in t["queue_id"].fill_null("?")])
    issued = t["issued_min"].to_numpy()
    ready = t["ready_min"].to_numpy()
    klass = [KLASS.get(k, WALK_IN) for k in t["source"].fill_null("walk_in").to_list()]
    real = t["handling_min"].fill_null(float("nan")).to_numpy()
    if not real_service:
        real = np.full(real.size, np.nan)
    longer_than = t["longer_than"].fill_null(float("nan")).to_numpy()
    gone_by = t["gone_by"].fill_null(float("nan")).to_numpy()
    n = issued.size
    opened = window_intervals(t, groups)
    windows = [
        Window(
            tuple(index[q] for q in groups.get(w, tuple(queues)) if q in index)
            or tuple(range(len(queues))),
            spans,
        )
        for w, spans in opened.items()
    ]
    everyone = (
        np.concatenate([v for v in service.values() if v.size])
        if any(v.size for v in service.values())
        else np.array([10.0])
    )
    pools = [
        service.get(q, everyone) if service.get(q, everyone).size else everyone for q in queues
    ]
    rng = np.random.default_rng(seed + day.toordinal())
    slot = t["slot"].to_numpy()
    slots = np.unique(slot)
    pos = np.searchsorted(slots, slot)
    tally = Tally(slots.size)
    unknown = np.isnan(real)
    # a visitor who leaves cancels the ticket (no window time) or is called in vain (a no-show,
    # `recall_min` at the window): as they did, else as often as the hall's leavers did
    status = t["status"].to_numpy()
    gave_up = np.isin(status, GAVE_UP)
    cancel_share = float(np.mean(status[gave_up] == "cancelled")) if gave_up.any() else 0.5
    for _ in range(replications):
        svc = real.copy()
        for q in range(len(queues)):
            mask = unknown & (queue_of == q)
            if mask.any():
                svc[mask] = rng.choice(pools[q], size=int(mask.sum()))
        pat = patience.draw_given(rng, longer_than, gone_by)
        cancels = np.where(gave_up, status == "cancelled", rng.uniform(size=n) < cancel_share)
        served, wait, ok = run_day(
            issued,
            queue_of,
            svc,
            pat,
            cancels,
            windows,
            target_min=target_min,
            klass=klass,
            ready=ready,
            recall_min=recall_min,
            offer_every_free_window=True,
            wait_statuses=(SERVED, NO_SHOW),
        )
        tally.add(pos, served, wait, ok)
    counts = np.bincount(pos, minlength=slots.size)
    predicted_sl = tally.within / np.maximum(counts * replications, 1)
    predicted_wait = tally.mean_wait()
    left = tally.left
    observed = (
        t.group_by("slot")
        .agg(
            pl.len().alias("arrivals"),
            (pl.col("status").is_in(SERVED_STATUSES) & (pl.col("wait") <= target_min + 1e-9))
            .mean()
            .alias("observed_service_level"),
            pl.col("wait").filter(pl.col("wait") >= 0).mean().alias("observed_wait_min"),
            pl.col("status").is_in(GAVE_UP).mean().alias("observed_abandon"),
        )
        .sort("slot")
    )
    rows = []
    for k, (slot_no, count, sl, wait, abandon) in enumerate(observed.iter_rows()):
        lo, hi = slot_no * INTERVAL_MIN, (slot_no + 1) * INTERVAL_MIN
        open_now = sum(
            1
            for spans in opened.values()
            if sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in spans) > INTERVAL_MIN / 2
        )
        rows.append(
            {
                "hall_id": hall_id,
                "start": midnight + dt.timedelta(minutes=int(slot_no) * INTERVAL_MIN),
                "arrivals": int(count),
                "windows_open": open_now,
                "predicted_service_level": float(predicted_sl[k]),
                "observed_service_level": sl,
                "predicted_wait_min": _num(predicted_wait[k]),
                "observed_wait_min": wait,
                "predicted_abandon": float(left[k] / max(counts[k] * replications, 1)),
                "observed_abandon": abandon,
            }
        )
    return pl.DataFrame(rows, schema=REVIEW_SCHEMA)


def _num(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def busy_cycles(tickets: pl.DataFrame) -> dict[str, np.ndarray]:
    """Minutes a window spends per ticket of each queue when it is busy: from the call to the
    window's next call, when the next visitor was already waiting at the finish (so the gap is
    handling, calling and no-show time, not idleness). Queues without such cycles fall back to
    call-to-finish times of served tickets."""
    t = (
        tickets.filter(pl.col("window_id").is_not_null() & pl.col("called_at").is_not_null())
        .sort("window_id", "called_at")
        .with_columns(
            pl.col("called_at").shift(-1).over("window_id").alias("next_call"),
            pl.col("issued_at").shift(-1).over("window_id").alias("next_issued"),
        )
        .with_columns(
            ((pl.col("next_call") - pl.col("called_at")).dt.total_seconds() / 60).alias("cycle"),
            ((pl.col("finished_at") - pl.col("called_at")).dt.total_seconds() / 60).alias("svc"),
        )
    )
    busy = t.filter(
        (pl.col("next_issued") <= pl.col("finished_at").fill_null(pl.col("called_at")))
        & (pl.col("cycle") > 0)
        & (pl.col("cycle") < 240)
    )
    out = {q: part["cycle"].to_numpy() for (q,), part in busy.group_by("queue_id")}
    plain = t.filter(
        pl.col("status").is_in(SERVED_STATUSES) & (pl.col("svc") > 0) & (pl.col("svc") < 240)
    )
    for (q,), part in plain.group_by("queue_id"):
        if q not in out or out[q].size < 20:
            out[q] = part["svc"].to_numpy()
    return out


def review(
    tickets: pl.DataFrame,
    hall_id: str,
    target_min: float,
    replications: int = 20,
) -> tuple[pl.DataFrame, KaplanMeier]:
    """Every day of `tickets` (one hall's, `queries.forecast_queries.ticket_rows`) replayed;
    the patience curve used."""
    patience = patience_curve(tickets)
    groups = window_groups(tickets)
    service = busy_cycles(tickets)
    recall = recall_minutes(tickets)
    tickets = handling_minutes(tickets)
    parts = [
        review_day(
            part, hall_id, target_min, service, patience, groups, replications, recall_min=recall
        )
        for _, part in tickets.sort("issued_at").group_by(
            pl.col("issued_at").dt.date(), maintain_order=True
        )
    ]
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=REVIEW_SCHEMA)
    return frame.sort("start"), patience


def agreement(frame: pl.DataFrame, tolerance_pp: float = TOLERANCE_PP) -> dict:
    """Over the staffed half-hours (a window open, tickets issued): how many, and the share
    whose predicted service level is within ± `tolerance_pp` points of the observed."""
    staffed = frame.filter(
        (pl.col("windows_open") > 0)
        & (pl.col("arrivals") > 0)
        & pl.col("predicted_service_level").is_not_null()
    )
    if staffed.is_empty():
        return {"half_hours": 0, "within": None, "mean_abs_pp": None}
    diff = (staffed["predicted_service_level"] - staffed["observed_service_level"]).abs() * 100
    return {
        "half_hours": staffed.height,
        "within": float((diff <= tolerance_pp).mean()),
        "mean_abs_pp": float(diff.mean()),
        "observed_service_level": float(staffed["observed_service_level"].mean()),
        "predicted_service_level": float(staffed["predicted_service_level"].mean()),
    }


def verdict(
    frame: pl.DataFrame,
    service_min: float,
    target_min: float,
    service_level: float,
    occupancy_cap: float = 0.85,
    needed_at: dict[dt.datetime, int] | None = None,
) -> pl.DataFrame:
    """Where the hall was under- or over-staffed: `frame` (`REVIEW_SCHEMA`) with
    windows_needed — what the actual arrivals needed for the service-level target: from
    `needed_at` (half-hour start → windows, e.g. the plan's model per window group,
    `forecasting.plan.needed_by_slot`) where given, else Erlang C with the period's mean
    service time pooled over the hall — and flag: "under" when fewer windows were open and
    the hall missed the service-level target in that half-hour (or nothing was observed), "over"
    when more than one window and 20% above it, else "ok". A half-hour that met its target with
    fewer windows than the model asks for is not called short: the director acts on what
    visitors met, and the model's need is shown beside it."""
    from forecasting.erlang import windows_needed

    def pooled(n: int) -> int:
        return max(
            1,
            windows_needed(n / INTERVAL_MIN, service_min, target_min, service_level, occupancy_cap),
        )

    needed = [
        (needed_at[start] if needed_at and start in needed_at else pooled(n)) if n else 0
        for start, n in frame.select("start", "arrivals").iter_rows()
    ]
    slack = pl.max_horizontal(pl.lit(1), (pl.col("windows_needed") * 0.2).ceil().cast(pl.Int64))
    missed = (
        pl.col("observed_service_level").is_null()
        | (pl.col("observed_service_level") < service_level)
        if "observed_service_level" in frame.columns
        else pl.lit(True)
    )
    return frame.with_columns(pl.Series("windows_needed", needed, pl.Int64)).with_columns(
        pl.when((pl.col("windows_open") < pl.col("windows_needed")) & missed)
        .then(pl.lit("under"))
        .when(pl.col("windows_open") > pl.col("windows_needed") + slack)
        .then(pl.lit("over"))
        .otherwise(pl.lit("ok"))
        .alias("flag")
    )


def mean_service(service: dict[str, np.ndarray], tickets: pl.DataFrame) -> float:
    """Mean minutes per ticket over the period, weighting each queue by its tickets."""
    counts = dict(tickets.group_by("queue_id").len().iter_rows())
    pairs = [(counts.get(q, 0), float(np.mean(v))) for q, v in service.items() if v.size]
    total = sum(n for n, _ in pairs)
    return sum(n * m for n, m in pairs) / total if total else 10.0


def group_facts(tickets: pl.DataFrame) -> dict[tuple[str, ...], dict]:
    """The hall's window groups as it works them (`window_groups`): queue set → share of the
    hall's tickets it handles, minutes per ticket at its windows (busy cycles), windows."""
    groups = window_groups(tickets)
    if not groups:
        return {}
    called = tickets.filter(pl.col("window_id").is_in(list(groups)))
    keyed = called.with_columns(
        pl.col("window_id")
        .replace_strict({w: "+".join(q) for w, q in groups.items()}, return_dtype=pl.String)
        .alias("group")
    )
    total = keyed.height
    cycles = {}
    by_group = {}
    for (group,), part in keyed.group_by("group"):
        by_group[group] = part.height
        service = busy_cycles(part)
        cycles[group] = mean_service(service, part) if service else 10.0
    out = {}
    for key in sorted(set(groups.values())):
        name = "+".join(key)
        out[key] = {
            "share": by_group.get(name, 0) / total if total else 0.0,
            "service_min": cycles.get(name, 10.0),
            "windows": sum(1 for q in groups.values() if q == key),
        }
    return out
