"""From a half-hourly forecast to windows: Erlang C/A per half-hour, shrinkage, the forecast
quantile a hall staffs to, the current roster, and a simulated check of every day.

Pure functions over frames; the database side is `forecasting.service`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from forecasting.demand import INTERVAL_MIN, quantile_expr
from forecasting.erlang import queue_figures, windows_needed
from forecasting.simcheck import WindowGroup, simulate_plan

PLAN_SCHEMA = {
    "hall_id": pl.String,
    "date": pl.Date,
    "start": pl.Datetime("us"),
    "kind": pl.String,
    "arrivals": pl.Float64,
    "arrivals_staffed": pl.Float64,
    "windows_needed": pl.Int64,
    "staff_needed": pl.Int64,
    "windows_rostered": pl.Int64,
    "roster_source": pl.String,
    "service_level": pl.Float64,
    "expected_wait_min": pl.Float64,
    "sim_service_level": pl.Float64,
    "service_level_rostered": pl.Float64,
    "expected_wait_rostered_min": pl.Float64,
    "sim_service_level_rostered": pl.Float64,
    "sim_wait_rostered_min": pl.Float64,
    "staff_hours": pl.Float64,
    "flag": pl.String,
}


@dataclass(frozen=True)
class StaffingPolicy:
    """What a plan aims for: `service_level` of visitors called within `wait_target_min`,
    window occupancy at most `occupancy_cap`, arrivals at the `quantile` of the forecast."""

    wait_target_min: float = 20.0
    service_level: float = 0.8
    occupancy_cap: float = 0.85
    quantile: float = 0.7
    sim_replications: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("service_level", "quantile"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if not 0 < self.occupancy_cap <= 1:
            raise ValueError(f"occupancy cap must be in (0, 1], not {self.occupancy_cap}")
        if self.wait_target_min <= 0:
            raise ValueError("the wait target must be positive")


@dataclass(frozen=True)
class HallQueueing:
    """What a hall's history says about its queue: observed service minutes (drawn from in the
    simulation; their mean feeds the formulas), mean patience (None: nobody was seen giving up,
    use Erlang C), shrinkage (share of rostered time not at the desk), and per queue its share
    of the tickets and its service minutes (for dedicated windows)."""

    service_samples: np.ndarray
    patience_min: float | None
    shrinkage: float
    queue_shares: dict[str, float] = field(default_factory=dict)  # of the hall's tickets
    queue_samples: dict[str, np.ndarray] = field(default_factory=dict)  # service minutes
    patience_median_min: float | None = None  # the Kaplan–Meier median, when known

    @property
    def service_min(self) -> float:
        return float(np.mean(self.service_samples))


def estimate_patience(tickets: int, abandoned: int, wait_min: float, called: int) -> float | None:
    """Mean patience (minutes) of an exponential model, from abandonments over time seen waiting.

    Visitors who were called contribute their wait; walk-outs who were never called are counted
    with the mean wait of those who were (their leaving time is not recorded). None when fewer
    than ten visitors gave up: too few to estimate, and Erlang C is then close enough.
    """
    if abandoned < 10 or called == 0:
        return None
    never_called = max(tickets - called, 0)
    exposure = wait_min + never_called * (wait_min / called)
    return exposure / abandoned if exposure > 0 else None


def shrinkage_from_attendance(shifts: pl.DataFrame, break_share: float = 0.0) -> float:
    """1 − (minutes at the desk within scheduled shifts) / (scheduled minutes), combined with a
    break allowance: 1 − (1 − absence)(1 − break_share). Leave and missing punches count as
    absent; late arrival and early leaving count by the minute. `shifts`: scheduled_start,
    scheduled_end, clock_in, clock_out, leave."""
    rows = shifts.filter(
        pl.col("scheduled_start").is_not_null() & pl.col("scheduled_end").is_not_null()
    )
    if rows.is_empty():
        return break_share
    scheduled = (pl.col("scheduled_end") - pl.col("scheduled_start")).dt.total_seconds()
    present = (
        pl.min_horizontal("clock_out", "scheduled_end")
        - pl.max_horizontal("clock_in", "scheduled_start")
    ).dt.total_seconds()
    present = (
        pl.when(pl.col("leave").is_null() & pl.col("clock_in").is_not_null())
        .then(present.clip(lower_bound=0).fill_null(scheduled))
        .otherwise(0)
    )
    totals = rows.select(scheduled.sum().alias("s"), present.sum().alias("p")).row(0)
    absence = 1 - totals[1] / totals[0] if totals[0] else 0.0
    return 1 - (1 - max(absence, 0.0)) * (1 - break_share)


def roster_by_slot(
    shifts: pl.DataFrame, slots: pl.DataFrame, features: pl.DataFrame, weeks: int = 4
) -> pl.DataFrame:
    """Windows on the roster per half-hour: date, slot, windows_rostered, roster_source.

    A date with scheduled shifts counts the distinct windows whose shift covers most of the
    half-hour ("scheduled"); a date without any takes, per half-hour, the median count of the
    last `weeks` dates with shifts of the same weekday — the weekday whose hours it follows, so
    a 调休 Saturday looks at Mondays — or, when there are none, of the same day type
    ("typical"). `slots`: date, slot to fill; `features`: date, day_type[, weekday].
    """
    desk = shifts.filter(
        pl.col("window_id").is_not_null()
        & (pl.col("window_kind").is_null() | (pl.col("window_kind") != "self_service"))
        & pl.col("scheduled_start").is_not_null()
    )
    counts: dict[tuple[dt.date, int], int] = {}
    for day, start, end, window in desk.select(
        "work_date", "scheduled_start", "scheduled_end", "window_id"
    ).iter_rows():
        lo = (start - dt.datetime.combine(day, dt.time(0))).total_seconds() / 60
        hi = (end - dt.datetime.combine(day, dt.time(0))).total_seconds() / 60
        for slot in range(int(lo // INTERVAL_MIN), math.ceil(hi / INTERVAL_MIN)):
            # the shift covers the half-hour when it is on for most of it
            overlap = min(hi, (slot + 1) * INTERVAL_MIN) - max(lo, slot * INTERVAL_MIN)
            if overlap > INTERVAL_MIN / 2:
                counts.setdefault((day, slot), set()).add(window)
    rostered_days = {d for d, _ in counts}
    day_type = dict(features.select("date", "day_type").iter_rows())
    weekday = (
        dict(features.select("date", "weekday").iter_rows())
        if "weekday" in features.columns
        else {d: d.isoweekday() for d in day_type}
    )
    out = []
    for day, slot in slots.select("date", "slot").iter_rows():
        if day in rostered_days:
            out.append((day, slot, len(counts.get((day, slot), ())), "scheduled"))
            continue
        earlier = sorted((d for d in rostered_days if d < day), reverse=True)
        similar = [d for d in earlier if weekday.get(d) == weekday.get(day)][:weeks] or [
            d for d in earlier if day_type.get(d) == day_type.get(day)
        ][:weeks]
        if not similar:
            out.append((day, slot, None, "unknown"))
            continue
        values = [len(counts.get((d, slot), ())) for d in similar]
        out.append((day, slot, round(float(np.median(values))), "typical"))
    return pl.DataFrame(
        out,
        schema={
            "date": pl.Date,
            "slot": pl.Int32,
            "windows_rostered": pl.Int64,
            "roster_source": pl.String,
        },
        orient="row",
    )


def plan_staffing(
    intraday: pl.DataFrame,
    roster: pl.DataFrame,
    queueing: HallQueueing,
    policy: StaffingPolicy,
    simulate: bool = True,
) -> pl.DataFrame:
    """One row per open half-hour (`PLAN_SCHEMA`).

    `intraday`: one hall's `intraday_forecast` (hall_id, date, slot, start, kind, yhat, sigma);
    `roster`: `roster_by_slot`. Windows are sized for the forecast's `policy.quantile`
    (arrivals_staffed) with Erlang A when the hall's patience is known, else Erlang C;
    staff_needed adds shrinkage. service_level / expected_wait_min are the formula's at the
    expected arrivals under the recommendation, sim_service_level the simulation's (the day's
    half-hours back to back, service times drawn from history); *_rostered the formula's under
    the roster, discounted by shrinkage. flag compares the windows the roster can be expected
    to open (rostered × (1 − shrinkage), rounded) with the windows needed: "under" when fewer,
    "over" when more than one window and 20% above, else "ok".
    """
    if intraday.is_empty():
        return pl.DataFrame(schema=PLAN_SCHEMA)
    service = queueing.service_min
    patience = queueing.patience_min
    available = 1.0 - queueing.shrinkage
    frame = (
        intraday.with_columns(quantile_expr(policy.quantile).alias("arrivals_staffed"))
        .join(roster, on=["date", "slot"], how="left")
        .sort("start")
    )
    per_min = 1.0 / INTERVAL_MIN
    target = policy.wait_target_min
    needed, sl, wait, sl_r, wait_r, staff = [], [], [], [], [], []
    for q_arrivals, mean_arrivals, rostered in frame.select(
        "arrivals_staffed", "yhat", "windows_rostered"
    ).iter_rows():
        n = windows_needed(
            q_arrivals * per_min,
            service,
            target,
            policy.service_level,
            policy.occupancy_cap,
            patience,
        )
        n = max(n, 1)  # an open hall keeps at least one window open
        needed.append(n)
        staff.append(math.ceil(n / available - 1e-9))
        f = queue_figures(mean_arrivals * per_min, service, n, target, patience)
        sl.append(f.service_level)
        wait.append(f.asa_min)
        if rostered is None:
            sl_r.append(None)
            wait_r.append(None)
            continue
        effective = round(rostered * available)
        fr = queue_figures(mean_arrivals * per_min, service, effective, target, patience)
        sl_r.append(fr.service_level)
        wait_r.append(fr.asa_min if math.isfinite(fr.asa_min) else None)
    frame = frame.with_columns(
        pl.Series("windows_needed", needed, pl.Int64),
        pl.Series("staff_needed", staff, pl.Int64),
        pl.Series("service_level", sl, pl.Float64),
        pl.Series("expected_wait_min", wait, pl.Float64),
        pl.Series("service_level_rostered", sl_r, pl.Float64),
        pl.Series("expected_wait_rostered_min", wait_r, pl.Float64),
    )
    sim = (
        _simulate_days(frame, queueing, policy)
        if simulate
        else pl.Series("sim_service_level", [None] * frame.height, pl.Float64)
    )
    # the windows the roster can be expected to open, after absence and breaks
    effective = (pl.col("windows_rostered") * available).round(0).cast(pl.Int64)
    frame = frame.with_columns(effective.alias("windows_effective"))
    sim_waits: list = []
    sim_rostered = (
        _simulate_days(
            frame, queueing, policy, "windows_effective", "sim_service_level_rostered", sim_waits
        )
        if simulate and frame["windows_rostered"].null_count() == 0
        else pl.Series("sim_service_level_rostered", [None] * frame.height, pl.Float64)
    )
    frame = frame.with_columns(
        sim_rostered,
        pl.Series("sim_wait_rostered_min", sim_waits or [None] * frame.height, pl.Float64),
    )
    over = effective > pl.col("windows_needed") + pl.max_horizontal(
        pl.lit(1), (pl.col("windows_needed") * 0.2).ceil().cast(pl.Int64)
    )
    return (
        frame.with_columns(
            sim,
            pl.col("yhat").alias("arrivals"),
            (pl.col("staff_needed") * INTERVAL_MIN / 60).cast(pl.Float64).alias("staff_hours"),
            pl.when(pl.col("windows_rostered").is_null())
            .then(pl.lit(None, pl.String))
            .when(effective < pl.col("windows_needed"))
            .then(pl.lit("under"))
            .when(over)
            .then(pl.lit("over"))
            .otherwise(pl.lit("ok"))
            .alias("flag"),
        )
        .select(list(PLAN_SCHEMA))
        .cast(PLAN_SCHEMA)
    )


def _simulate_days(
    frame: pl.DataFrame,
    queueing: HallQueueing,
    policy: StaffingPolicy,
    windows_column: str = "windows_needed",
    name: str = "sim_service_level",
    waits: list | None = None,
) -> pl.Series:
    """Each day's half-hours run back to back (gaps such as a lunch closure stay closed), with
    the windows of `windows_column` open, pooled over the hall's queues; a backlog carries into
    the next half-hour. `waits`, when given, receives the mean wait per row."""
    values = np.full(frame.height, np.nan)
    wait_values = np.full(frame.height, np.nan)
    index = 0
    for (day,), part in frame.group_by("date", maintain_order=True):
        slots = part["slot"].to_list()
        first, last = min(slots), max(slots)
        span = last - first + 1
        arrivals = [0.0] * span
        windows = [0] * span
        for slot, mean, n in part.select("slot", "yhat", windows_column).iter_rows():
            arrivals[slot - first] = mean
            windows[slot - first] = int(n or 0)
        result = simulate_plan(
            [arrivals],
            [queueing.service_samples],
            [WindowGroup((0,), windows)],
            interval_min=INTERVAL_MIN,
            target_min=policy.wait_target_min,
            patience_min=queueing.patience_min,
            start_min=first * INTERVAL_MIN,
            replications=policy.sim_replications,
            seed=policy.seed + day.toordinal(),
        )
        for i, slot in enumerate(slots):
            values[index + i] = result.service_level[slot - first]
            wait_values[index + i] = result.mean_wait_min[slot - first]
        index += len(slots)
    if waits is not None:
        waits.extend(None if np.isnan(v) else float(v) for v in wait_values)
    return pl.Series(name, values, pl.Float64).fill_nan(None)


def compare_pooling(day: pl.DataFrame, queueing: HallQueueing, policy: StaffingPolicy) -> dict:
    """One day of a plan: comprehensive windows (一窗受理, every window serves every queue)
    against dedicated windows (each queue its own).

    `day`: the plan's rows of one date. Returns windows_pooled and windows_dedicated (window-
    half-hours for the target: pooled from the plan, dedicated as the sum of each queue's own
    Erlang figure, at least one window per queue with demand), and the simulated service level
    of the pooled plan and of the same number of windows split between the queues by load.
    """
    shares = {q: v for q, v in queueing.queue_shares.items() if v > 0}
    if day.is_empty() or not shares:
        return {}
    queues = sorted(shares)
    day = day.with_columns(
        (pl.col("start").dt.hour().cast(pl.Int32) * 60 + pl.col("start").dt.minute().cast(pl.Int32))
        .floordiv(INTERVAL_MIN)
        .alias("slot")
    )
    slots = day["slot"].to_list()
    first = min(slots)
    span = max(slots) - first + 1
    per_min = 1.0 / INTERVAL_MIN
    dedicated_total = 0
    arrivals = [[0.0] * span for _ in queues]
    split = [[0] * span for _ in queues]
    pooled = [0] * span
    for slot, mean, q_arrivals, n in day.select(
        "slot", "arrivals", "arrivals_staffed", "windows_needed"
    ).iter_rows():
        k = slot - first
        pooled[k] = n
        loads = []
        for i, q in enumerate(queues):
            samples = queueing.queue_samples.get(q, queueing.service_samples)
            service = float(np.mean(samples))
            arrivals[i][k] = mean * shares[q]
            loads.append(mean * shares[q] * service)
            dedicated_total += max(
                1,
                windows_needed(
                    q_arrivals * shares[q] * per_min,
                    service,
                    policy.wait_target_min,
                    policy.service_level,
                    policy.occupancy_cap,
                    queueing.patience_min,
                ),
            )
        for i, w in enumerate(_split(n, loads)):
            split[i][k] = w
    common = {
        "interval_min": INTERVAL_MIN,
        "target_min": policy.wait_target_min,
        "patience_min": queueing.patience_min,
        "start_min": first * INTERVAL_MIN,
        "replications": policy.sim_replications,
        "seed": policy.seed,
    }
    samples = [queueing.queue_samples.get(q, queueing.service_samples) for q in queues]
    sim_pooled = simulate_plan(
        arrivals, samples, [WindowGroup(tuple(range(len(queues))), pooled)], **common
    )
    sim_split = simulate_plan(
        arrivals,
        samples,
        [WindowGroup((i,), split[i]) for i in range(len(queues))],
        **common,
    )
    return {
        "windows_pooled": int(sum(pooled)),
        "windows_dedicated": int(dedicated_total),
        "sim_service_level_pooled": sim_pooled.day_service_level,
        "sim_service_level_split": sim_split.day_service_level,
    }


def _split(n: int, loads: list[float]) -> list[int]:
    """n windows between queues in proportion to their load (largest remainders), giving
    every queue with load one window first when there are enough."""
    busy = [i for i, v in enumerate(loads) if v > 0]
    out = [0] * len(loads)
    if n <= 0 or not busy:
        return out
    if n >= len(busy):
        for i in busy:
            out[i] = 1
        n -= len(busy)
    total = sum(loads)
    quotas = [n * v / total for v in loads]
    for i, q in enumerate(quotas):
        out[i] += int(q)
    rest = n - sum(int(q) for q in quotas)
    for i in sorted(range(len(loads)), key=lambda i: quotas[i] - int(quotas[i]), reverse=True)[
        :rest
    ]:
        out[i] += 1
    return out


def tradeoff(
    plan: pl.DataFrame,
    queueing: HallQueueing,
    policy: StaffingPolicy,
    deltas: tuple[int, ...] = (-2, -1, 0, 1, 2, 3),
    kind: str = "extended",
) -> pl.DataFrame:
    """Staff-hours against expected service level for the `kind` half-hours of a plan: the
    recommendation with `delta` windows more (or fewer, at least one) in every such half-hour,
    and today's roster (delta None). Returns option ("plan" / "roster"), delta, staff_hours,
    service_level (the share of the expected visitors called within the target, Erlang A/C at
    the expected arrivals)."""
    part = plan.filter(pl.col("kind") == kind)
    if part.is_empty():
        return pl.DataFrame(
            schema={
                "option": pl.String,
                "delta": pl.Int64,
                "staff_hours": pl.Float64,
                "service_level": pl.Float64,
            }
        )
    available = 1.0 - queueing.shrinkage
    rows = []

    def level(windows: list[int]) -> tuple[float, float]:
        served = total = hours = 0.0
        for (arrivals,), n in zip(part.select("arrivals").iter_rows(), windows, strict=True):
            f = queue_figures(
                arrivals / INTERVAL_MIN,
                queueing.service_min,
                n,
                policy.wait_target_min,
                queueing.patience_min,
            )
            served += arrivals * f.service_level
            total += arrivals
            hours += math.ceil(n / available - 1e-9) * INTERVAL_MIN / 60
        return hours, served / total if total else 1.0

    needed = part["windows_needed"].to_list()
    for delta in deltas:
        hours, sl = level([max(1, n + delta) for n in needed])
        rows.append(("plan", delta, hours, sl))
    rostered = part["windows_rostered"].to_list()
    if all(r is not None for r in rostered):
        effective = [round(r * available) for r in rostered]
        _, sl = level(effective)
        hours = sum(r * INTERVAL_MIN / 60 for r in rostered)
        rows.append(("roster", None, hours, sl))
    return pl.DataFrame(
        rows,
        schema={
            "option": pl.String,
            "delta": pl.Int64,
            "staff_hours": pl.Float64,
            "service_level": pl.Float64,
        },
        orient="row",
    )


# a window group's half-hour: the columns every per-group plan starts with (`plan.py` too)
GROUP_SLOT_SCHEMA = {
    "date": pl.Date,
    "start": pl.Datetime("us"),
    "kind": pl.String,
    "group": pl.String,
    "windows_in_group": pl.Int64,
    "arrivals": pl.Float64,
}
GROUP_SCHEMA = GROUP_SLOT_SCHEMA | {"windows_needed": pl.Int64}


def plan_by_group(
    plan: pl.DataFrame,
    groups: dict[tuple[str, ...], dict],
    policy: StaffingPolicy,
    patience_min: float | None,
) -> pl.DataFrame:
    """Windows per half-hour per queue group (`GROUP_SCHEMA`): the hall's comprehensive
    windows and each set of dedicated windows, which cannot help one another.

    `groups`: queue set → {"share": its share of the hall's tickets, "service_min": minutes
    per ticket at its windows, "windows": how many windows form it}. Each group is sized on its
    own (Erlang A/C at the plan's staffed quantile of arrivals times the group's share, at least
    one window where the group has demand), so the groups' sum shows what the split costs
    against the pooled `windows_needed` of the plan."""
    if plan.is_empty() or not groups:
        return pl.DataFrame(schema=GROUP_SCHEMA)
    per_min = 1.0 / INTERVAL_MIN
    rows = []
    for day, start, kind, staffed in plan.select(
        "date", "start", "kind", "arrivals_staffed"
    ).iter_rows():
        for key, g in groups.items():
            arrivals = staffed * g["share"]
            n = windows_needed(
                arrivals * per_min,
                g["service_min"],
                policy.wait_target_min,
                policy.service_level,
                policy.occupancy_cap,
                patience_min,
            )
            rows.append(
                (
                    day,
                    start,
                    kind,
                    "+".join(key),
                    g["windows"],
                    arrivals,
                    max(n, int(arrivals > 0.05)),
                )
            )
    return pl.DataFrame(rows, schema=GROUP_SCHEMA, orient="row")
