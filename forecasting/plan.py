"""The forward plan with the calibrated model (`forecasting.calibration`): windows per
half-hour per queue group, the roster's expected service level, and the shortfalls.

Per open half-hour of the forecast, the hall's expected arrivals are split into queues by the
queue mix of that half-hour (its day class), and each queue's visitors between the groups
whose windows took its calls. Each group is sized on its own (`calibration.size_group`),
never beyond the windows it has: where the target would need more, the group is short and the
plan says so. Every day then runs through the calibrated queue (`calibration.simulate_groups`)
twice (half of the policy's replications each, on the same simulated visitors): with the
plan's windows, and with the roster's — the windows rostered per group, times
the share of them the hall really had open at that half-hour of such a day (lunch rotas,
breaks, lateness, absence), learned from the calls.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from forecasting.calibration import (
    Calibration,
    DaySim,
    QueueGroup,
    erlang_figures,
    group_arrivals,
    group_figures,
    rostered_by_slot,
    simulate_groups,
    size_group,
)
from forecasting.demand import INTERVAL_MIN, quantile_expr
from forecasting.review import SERVED_STATUSES
from forecasting.staffing import GROUP_SLOT_SCHEMA, PLAN_SCHEMA, StaffingPolicy

GROUP_PLAN_SCHEMA = GROUP_SLOT_SCHEMA | {
    "service_min": pl.Float64,  # minutes per ticket of the group's queue mix
    "windows_needed": pl.Int64,  # capped at windows_in_group
    "windows_wanted": pl.Int64,  # what the target would need (see `_wanted`)
    "short": pl.Boolean,  # demand beyond the group's windows
    "windows_rostered": pl.Int64,
    "windows_expected": pl.Float64,  # rostered × the share really open
    "sim_service_level": pl.Float64,
    "sim_service_level_rostered": pl.Float64,
}
ALL_WINDOWS = "*"
PLAN_EXTRA = {"windows_wanted": pl.Int64, "groups_short": pl.Int64}


def roster_by_group(
    shifts: pl.DataFrame,
    cal: Calibration,
    days: list[dt.date],
    weekday: dict[dt.date, int],
    weeks: int = 4,
) -> dict[tuple[dt.date, str], tuple[np.ndarray, str]]:
    """(date, group key) → (windows rostered per half-hour of the day, "scheduled" or
    "typical"), and under `ALL_WINDOWS` every serving desk of the hall: a date with scheduled
    shifts counts them; one without takes the median of the
    last `weeks` dates with shifts of the same service weekday (`weekday`: date → the weekday
    whose hours it follows)."""
    counts = rostered_by_slot(shifts, cal.window_group())
    desks = shifts.filter(pl.col("window_id").is_not_null())["window_id"].unique().to_list()
    # the whole hall ("*"): every serving desk on the roster, in a group or not
    counts |= rostered_by_slot(shifts, dict.fromkeys(desks, ALL_WINDOWS))
    scheduled = sorted({d for d, _ in counts})
    keys = [g.key for g in cal.groups] + [ALL_WINDOWS]
    out = {}
    for day in days:
        if day in scheduled:
            for key in keys:
                out[(day, key)] = (counts.get((day, key), np.zeros(48, dtype=int)), "scheduled")
            continue
        similar = [
            d for d in reversed(scheduled) if d < day and weekday.get(d) == weekday.get(day)
        ][:weeks]
        if not similar:
            continue
        for g in [*cal.groups, QueueGroup((ALL_WINDOWS,), ())]:
            g_key = g.key
            rows = [counts.get((d, g_key), np.zeros(48, dtype=int)) for d in similar]
            out[(day, g_key)] = (np.round(np.median(rows, axis=0)).astype(int), "typical")
    return out


def plan_with_model(
    intraday: pl.DataFrame,
    cal: Calibration,
    roster: dict[tuple[dt.date, str], tuple[np.ndarray, str]],
    policy: StaffingPolicy,
    shrinkage: float,
    simulate: bool = True,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the hall's plan, `PLAN_SCHEMA` and `PLAN_EXTRA`; the groups', `GROUP_PLAN_SCHEMA`).

    `intraday`: one hall's `intraday_forecast`; `roster`: `roster_by_group`; `shrinkage`: the
    share of rostered time staff are away, for a group and half-hour the calls say nothing
    about and for staff_needed. Hall columns: windows_needed is the groups' sum (each capped
    at its windows), windows_wanted what the target would need (where the formula wants more
    than a group has and the simulation confirms it), groups_short how many groups
    lack windows; service_level / expected_wait_min the formula's (Erlang A per group, the
    curve's median patience), sim_* the calibrated simulation's; flag "under" when the
    roster's expected service level (simulated, else the formula's) misses the target, "over"
    when it meets it with the hall's expected open windows more than one window and 20% above
    the need, else "ok"."""
    if intraday.is_empty():
        return (
            pl.DataFrame(schema=PLAN_SCHEMA | PLAN_EXTRA),
            pl.DataFrame(schema=GROUP_PLAN_SCHEMA),
        )
    frame = intraday.with_columns(quantile_expr(policy.quantile).alias("arrivals_staffed")).sort(
        "start"
    )
    target = policy.wait_target_min
    available = 1.0 - shrinkage
    hall_rows, group_rows = [], []
    for (day,), part in frame.group_by("date", maintain_order=True):
        slots = part["slot"].to_list()
        first = min(slots)
        span = max(slots) - first + 1
        mean_q = {q: np.zeros(span) for q in cal.queues}
        plan_w = {g.key: np.zeros(span) for g in cal.groups}
        roster_w = {g.key: np.zeros(span) for g in cal.groups}
        rows = []
        for slot, start, kind, mean, staffed in part.select(
            "slot", "start", "kind", "yhat", "arrivals_staffed"
        ).iter_rows():
            k = slot - first
            mix = cal.mix(day, slot)
            for q, share in mix.items():
                if q in mean_q:
                    mean_q[q][k] += mean * share
            by_group_mean = group_arrivals(cal, {q: mean * s for q, s in mix.items()})
            by_group_staffed = group_arrivals(cal, {q: staffed * s for q, s in mix.items()})
            slot_groups = []
            for g in cal.groups:
                need, want = size_group(
                    cal,
                    g,
                    by_group_staffed[g.key],
                    target,
                    policy.service_level,
                    policy.occupancy_cap,
                )
                plan_w[g.key][k] = need
                rostered = roster.get((day, g.key))
                on_roster = int(rostered[0][slot]) if rostered else None
                expected = (
                    on_roster * cal.open_rate(g.key, day, slot, available)
                    if on_roster is not None
                    else None
                )
                roster_w[g.key][k] = expected or 0.0
                slot_groups.append((g, need, want, on_roster, expected, by_group_mean[g.key]))
            rows.append((slot, start, kind, mean, staffed, slot_groups))
        sim_plan = sim_roster = None
        if simulate:
            # the two runs share the replications (and, by the seed, their visitors: common
            # random numbers, so plan and roster differ by the windows alone)
            common = {
                "start_slot": first,
                "target_min": target,
                "replications": max(2, math.ceil(policy.sim_replications / 2)),
                "seed": policy.seed + day.toordinal(),
            }
            sim_plan = simulate_groups(cal, mean_q, plan_w, **common)
            if any((day, g.key) in roster for g in cal.groups):
                sim_roster = simulate_groups(cal, mean_q, roster_w, **common)
        for slot, start, kind, mean, staffed, slot_groups in rows:
            k = slot - first
            # a group is short where the formula wants more windows than it has and the day
            # simulated with all of them open still misses the target there (the formula's
            # steady state overstates a short peak that the backlog absorbs)
            slot_groups = [
                (g, need, _wanted(g, need, want, sim_plan, k, policy), r, e, a)
                for g, need, want, r, e, a in slot_groups
            ]
            needed = sum(n for _, n, _, _, _, _ in slot_groups)
            wanted = sum(w for _, _, w, _, _, _ in slot_groups)
            short = sum(1 for g, _, w, _, _, _ in slot_groups if w > len(g.windows))
            rostered = [r for _, _, _, r, _, _ in slot_groups]
            have_roster = all(r is not None for r in rostered)
            served = wait_sum = served_r = wait_r = 0.0
            total = 0.0
            under = False
            for _g, need, _want, _r, expected, arrivals in slot_groups:
                n = sum(arrivals.values())
                total += n
                sl, wait = group_figures(cal, arrivals, need, target)
                served += n * sl
                wait_sum += n * (wait if wait is not None else 0.0)
                if have_roster:
                    open_n = round(expected or 0.0)
                    slr, waitr = group_figures(cal, arrivals, open_n, target)
                    served_r += n * slr
                    wait_r += n * (waitr if waitr is not None else float(target) * 3)
                    under = under or open_n < need
            expected_total = sum(e or 0.0 for _, _, _, _, e, _ in slot_groups)
            slack = max(1, math.ceil(needed * 0.2))
            flag = None
            if have_roster:
                level = _at(sim_roster.service_level, k) if sim_roster else None
                if level is None:
                    level = served_r / total if total else 1.0
                if level < policy.service_level - 1e-9 or (under and not simulate):
                    flag = "under"
                elif round(expected_total) > needed + slack:
                    flag = "over"
                else:
                    flag = "ok"
            sources = {roster[(day, g.key)][1] for g in cal.groups if (day, g.key) in roster}
            hall_rows.append(
                {
                    "hall_id": part["hall_id"][0],
                    "date": day,
                    "start": start,
                    "kind": kind,
                    "arrivals": mean,
                    "arrivals_staffed": staffed,
                    "windows_needed": needed,
                    "staff_needed": math.ceil(needed / available - 1e-9)
                    if available > 0
                    else needed,
                    "windows_rostered": int(whole[0][slot])
                    if (whole := roster.get((day, ALL_WINDOWS)))
                    else (sum(rostered) if have_roster else None),
                    "roster_source": sources.pop() if len(sources) == 1 else "unknown",
                    "service_level": served / total if total else 1.0,
                    "expected_wait_min": wait_sum / total if total else 0.0,
                    "sim_service_level": _at(sim_plan.service_level, k) if sim_plan else None,
                    "service_level_rostered": served_r / total if have_roster and total else None,
                    "expected_wait_rostered_min": wait_r / total if have_roster and total else None,
                    "sim_service_level_rostered": _at(sim_roster.service_level, k)
                    if sim_roster
                    else None,
                    "sim_wait_rostered_min": _at(sim_roster.mean_wait_min, k)
                    if sim_roster
                    else None,
                    "staff_hours": math.ceil(needed / available - 1e-9) * INTERVAL_MIN / 60
                    if available > 0
                    else needed * INTERVAL_MIN / 60,
                    "flag": flag,
                    "windows_wanted": wanted,
                    "groups_short": short,
                }
            )
            for g, need, want, on_roster, expected, arrivals in slot_groups:
                group_rows.append(
                    {
                        "date": day,
                        "start": start,
                        "kind": kind,
                        "group": g.key,
                        "windows_in_group": len(g.windows),
                        "arrivals": sum(arrivals.values()),
                        "service_min": cal.mean_service(arrivals),
                        "windows_needed": need,
                        "windows_wanted": want,
                        "short": want > len(g.windows),
                        "windows_rostered": on_roster,
                        "windows_expected": expected,
                        "sim_service_level": _at(sim_plan.group_service_level[g.key], k)
                        if sim_plan
                        else None,
                        "sim_service_level_rostered": _at(sim_roster.group_service_level[g.key], k)
                        if sim_roster
                        else None,
                    }
                )
    plan = pl.DataFrame(hall_rows, schema=PLAN_SCHEMA | PLAN_EXTRA)
    groups = pl.DataFrame(group_rows, schema=GROUP_PLAN_SCHEMA)
    return plan, groups


def _wanted(
    group: QueueGroup, need: int, want: int, sim: DaySim | None, k: int, policy: StaffingPolicy
) -> int:
    """The windows the target wants of a group: the formula's, unless the simulation shows
    its windows meet the target after all (then what the plan gives it)."""
    if want <= len(group.windows) or sim is None:
        return want
    level = _at(sim.group_service_level[group.key], k)
    return want if level is None or level < policy.service_level else need


def _at(values: np.ndarray, k: int) -> float | None:
    v = float(values[k]) if k < values.size else float("nan")
    return v if math.isfinite(v) else None


CHECK_SCHEMA = {
    "start": pl.Datetime("us"),
    "arrivals": pl.Int64,
    "windows_rostered": pl.Int64,
    "windows_expected": pl.Float64,
    "predicted_service_level": pl.Float64,
    "observed_service_level": pl.Float64,
    "predicted_wait_min": pl.Float64,
    "observed_wait_min": pl.Float64,
}


def check_days(
    cal: Calibration,
    tickets: pl.DataFrame,
    shifts: pl.DataFrame,
    target_min: float,
    shrinkage: float,
    replications: int = 10,
    seed: int = 0,
) -> pl.DataFrame:
    """The plan's model on past days (`CHECK_SCHEMA`, one row per half-hour with tickets):
    given each half-hour's actual visitors per queue (as the expected arrivals) and the
    windows the roster of those days (`shifts`) put at each group, times the share of them
    the calibration says are really open — what a plan for those days would have expected —
    next to the service level and wait the hall observed. `cal` should be learned from the
    weeks before (`calibrate`), `tickets` are the days' `TICKET_ROWS_SCHEMA` rows."""
    if tickets.is_empty():
        return pl.DataFrame(schema=CHECK_SCHEMA)
    rostered = rostered_by_slot(shifts, cal.window_group())
    t = tickets.with_columns(
        pl.col("issued_at").dt.date().alias("_date"),
        (
            (
                pl.col("issued_at").dt.hour().cast(pl.Int32) * 60
                + pl.col("issued_at").dt.minute().cast(pl.Int32)
            )
            // INTERVAL_MIN
        ).alias("_slot"),
        ((pl.col("called_at") - pl.col("issued_at")).dt.total_seconds() / 60).alias("_wait"),
    )
    rows = []
    for (day,), part in t.sort("issued_at").group_by("_date", maintain_order=True):
        first, last = int(part["_slot"].min()), int(part["_slot"].max())
        span = last - first + 1
        arrivals = {}
        for (queue,), q in part.group_by("queue_id"):
            counts = np.zeros(span)
            np.add.at(counts, q["_slot"].to_numpy() - first, 1)
            arrivals[queue] = counts
        windows = {}
        on_roster = np.zeros(span, dtype=int)
        for g in cal.groups:
            r = rostered.get((day, g.key))
            if r is None:
                continue
            on_roster += r[first : last + 1]
            windows[g.key] = np.array(
                [r[s] * cal.open_rate(g.key, day, s, 1 - shrinkage) for s in range(first, last + 1)]
            )
        sim = simulate_groups(
            cal,
            arrivals,
            windows,
            start_slot=first,
            target_min=target_min,
            replications=replications,
            seed=seed + day.toordinal(),
        )
        observed = (
            part.group_by("_slot")
            .agg(
                pl.len().alias("n"),
                (pl.col("status").is_in(SERVED_STATUSES) & (pl.col("_wait") <= target_min + 1e-9))
                .mean()
                .alias("sl"),
                pl.col("_wait").filter(pl.col("_wait") >= 0).mean().alias("wait"),
            )
            .sort("_slot")
        )
        midnight = dt.datetime.combine(day, dt.time(0))
        expected = sum(windows.values()) if windows else np.zeros(span)
        for slot, n, sl, wait in observed.iter_rows():
            k = slot - first
            rows.append(
                (
                    midnight + dt.timedelta(minutes=int(slot) * INTERVAL_MIN),
                    int(n),
                    int(on_roster[k]),
                    float(expected[k]),
                    _at(sim.service_level, k),
                    sl,
                    _at(sim.mean_wait_min, k),
                    wait,
                )
            )
    return pl.DataFrame(rows, schema=CHECK_SCHEMA, orient="row")


def check_summary(frame: pl.DataFrame) -> dict:
    """Arrival-weighted service level and mean wait, predicted and observed, over the
    half-hours with a roster: half_hours, predicted_service_level, observed_service_level,
    gap_pp (predicted − observed, points), predicted_wait_min, observed_wait_min."""
    part = frame.filter(
        (pl.col("windows_rostered") > 0) & pl.col("predicted_service_level").is_not_null()
    )
    if part.is_empty():
        return {"half_hours": 0}
    w = part["arrivals"].cast(pl.Float64)

    def mean(col: str) -> float | None:
        ok = part[col].is_not_null()
        return float((part[col].filter(ok) * w.filter(ok)).sum() / w.filter(ok).sum())

    out = {
        "half_hours": part.height,
        "predicted_service_level": mean("predicted_service_level"),
        "observed_service_level": mean("observed_service_level"),
        "predicted_wait_min": mean("predicted_wait_min"),
        "observed_wait_min": mean("observed_wait_min"),
    }
    out["gap_pp"] = 100 * (out["predicted_service_level"] - out["observed_service_level"])
    return out


TRADEOFF_SCHEMA = {
    "option": pl.String,
    "delta": pl.Int64,
    "staff_hours": pl.Float64,
    "service_level": pl.Float64,
}


def tradeoff_by_group(
    groups: pl.DataFrame,
    cal: Calibration,
    policy: StaffingPolicy,
    shrinkage: float,
    deltas: tuple[int, ...] = (-2, -1, 0, 1, 2, 3),
    kind: str = "extended",
) -> pl.DataFrame:
    """Staff-hours against expected service level for the `kind` half-hours of a plan, per
    window group (`GROUP_PLAN_SCHEMA`): every group with demand given `delta` windows more or
    fewer than the plan (at least one, never more than it has), and today's roster (its
    expected open windows, delta None). Service level: the share of the expected visitors
    called within the target, Erlang A per group with the curve's median patience.
    Returns `TRADEOFF_SCHEMA`."""
    part = groups.filter((pl.col("kind") == kind) & (pl.col("arrivals") > 0))
    if part.is_empty():
        return pl.DataFrame(schema=TRADEOFF_SCHEMA)
    available = 1.0 - shrinkage
    rows = part.select(
        "arrivals", "service_min", "windows_needed", "windows_in_group", "windows_expected"
    ).rows()
    target = policy.wait_target_min

    def level(windows: list[int]) -> tuple[float, float]:
        served = total = 0.0
        for (arrivals, service, *_), n in zip(rows, windows, strict=True):
            sl, _ = erlang_figures(
                round(arrivals, 1), round(service, 1), n, target, cal.erlang_patience_min
            )
            served += arrivals * sl
            total += arrivals
        hours = sum(windows) / available * INTERVAL_MIN / 60 if available > 0 else 0.0
        return hours, served / total if total else 1.0

    out = []
    for delta in deltas:
        windows = [min(max(1, need + delta), size) for _, _, need, size, _ in rows]
        out.append(("plan", delta, *level(windows)))
    if all(r[4] is not None for r in rows):
        _, sl = level([round(r[4]) for r in rows])
        hours = sum(r[4] for r in rows) / available * INTERVAL_MIN / 60 if available > 0 else 0
        out.append(("roster", None, hours, sl))
    return pl.DataFrame(out, schema=TRADEOFF_SCHEMA, orient="row")


def needed_by_slot(
    cal: Calibration, tickets: pl.DataFrame, policy: StaffingPolicy
) -> dict[dt.datetime, int]:
    """Half-hour start → the windows the actual visitors of `tickets` (per queue) needed for
    the target, each group sized on its own and capped at its windows (`size_group`)."""
    t = tickets.filter(pl.col("queue_id").is_not_null()).with_columns(
        pl.col("issued_at").dt.truncate(f"{INTERVAL_MIN}m").alias("_start")
    )
    out = {}
    for (start,), part in t.group_by("_start"):
        counts = dict(part.group_by("queue_id").len().iter_rows())
        by_group = group_arrivals(cal, {q: float(n) for q, n in counts.items()})
        out[start] = sum(
            size_group(
                cal,
                g,
                by_group[g.key],
                policy.wait_target_min,
                policy.service_level,
                policy.occupancy_cap,
            )[0]
            for g in cal.groups
        )
    return out
