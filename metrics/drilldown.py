"""Finishing the detail lists of `queries.details` (pure polars): case deadlines and ageing,
the hour × weekday pattern, daily sparklines, open windows against people waiting.

The rules are the metrics engine's: an open case's deadline is its `due_at` or, without one,
the end of the working day the calendar gives; overdue and due soon are judged at `as_of`
exactly as `overdue_open` / `due_soon_open` count them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from metrics.engine import END_OF_DAY, Deadlines

# days past the deadline → ageing band (lower bound inclusive)
AGEING_BANDS = ((0, "1-3"), (3, "4-7"), (7, "8-30"), (30, "30+"))


def with_deadlines(
    cases: pl.DataFrame, calendar: pl.DataFrame, as_of: dt.datetime, soon_end: dt.datetime
) -> pl.DataFrame:
    """Open cases (`queries.details.open_case_list`) with `due` (given or derived), `overdue`,
    `due_soon`, `overdue_days` (whole days since the deadline, 0 when not overdue) and
    `ageing` (band of overdue_days: 1-3, 4-7, 8-30, 30+; null when not overdue)."""
    if cases.is_empty():
        return cases.with_columns(
            pl.lit(None, pl.Datetime("us")).alias("due"),
            pl.lit(False).alias("overdue"),
            pl.lit(False).alias("due_soon"),
            pl.lit(0, pl.Int64).alias("overdue_days"),
            pl.lit(None, pl.String).alias("ageing"),
        )
    frame = cases.with_columns(
        pl.col("accepted_at").dt.date().alias("__day"),
        pl.when(pl.col("kind") == "instant").then(0).otherwise(pl.col("allowed")).alias("__n"),
    )
    frame = Deadlines(calendar).add(frame, "__day", "__n", "__due_day")
    due = pl.coalesce(pl.col("due_at"), pl.col("__due_day").dt.combine(pl.lit(END_OF_DAY)))
    frame = frame.with_columns(due.alias("due")).drop("__day", "__n", "__due_day")
    overdue = (pl.col("due") < as_of).fill_null(False)
    days = ((pl.lit(as_of) - pl.col("due")).dt.total_seconds() / 86400).ceil().cast(pl.Int64)
    band = pl.lit(None, pl.String)
    for low, label in AGEING_BANDS:  # the last (widest) test ends up outermost
        band = pl.when(pl.col("overdue_days") > low).then(pl.lit(label)).otherwise(band)
    return (
        frame.with_columns(
            overdue.alias("overdue"),
            (~overdue & (pl.col("due") <= soon_end)).fill_null(False).alias("due_soon"),
        )
        .with_columns(pl.when(pl.col("overdue")).then(days).otherwise(0).alias("overdue_days"))
        .with_columns(pl.when(pl.col("overdue")).then(band).alias("ageing"))
    )


def weekday_hour(by_day_hour: pl.DataFrame, first: dt.date, last: dt.date) -> pl.DataFrame:
    """From `queries.details.hour_by_day`: per ISO weekday (1 = Mon) and hour the mean tickets
    issued per such day in the period (`arrivals`) and the mean wait in minutes (`wait_min`,
    null without served tickets)."""
    days = pl.date_range(first, last, "1d", eager=True)
    per_weekday = (
        pl.DataFrame({"day": days})
        .group_by(pl.col("day").dt.weekday().alias("weekday"))
        .agg(pl.len().alias("days"))
    )
    grouped = (
        by_day_hour.group_by(pl.col("day").dt.weekday().alias("weekday"), "hour")
        .agg(pl.col("issued").sum(), pl.col("wait_n").sum(), pl.col("wait_sum_s").sum())
        .join(per_weekday, on="weekday", how="left")
    )
    return grouped.select(
        pl.col("weekday").cast(pl.Int64),
        "hour",
        (pl.col("issued") / pl.col("days")).alias("arrivals"),
        pl.when(pl.col("wait_n") > 0)
        .then(pl.col("wait_sum_s") / pl.col("wait_n") / 60)
        .alias("wait_min"),
    ).sort("weekday", "hour")


def sparklines(daily: pl.DataFrame, first: dt.date, last: dt.date) -> dict[str, dict[str, list]]:
    """From `queries.details.daily_by`: per group its daily `served` and mean `wait_min` over
    every day of the period (0 served and no wait on days without tickets)."""
    days = pl.date_range(first, last, "1d", eager=True).to_list()
    out: dict[str, dict[str, list]] = {}
    for (group,), rows in daily.group_by("group", maintain_order=True):
        by_day = {r["day"]: r for r in rows.iter_rows(named=True)}
        served, wait = [], []
        for day in days:
            r = by_day.get(day)
            served.append(r["served"] if r else 0)
            wait.append(r["wait_sum_s"] / r["wait_n"] / 60 if r and r["wait_n"] else None)
        out[group] = {"served": served, "wait_min": wait}
    return out


def occupancy(shifts: pl.DataFrame, tickets: pl.DataFrame, step_min: int = 15) -> pl.DataFrame:
    """Open windows against people waiting by time of day, averaged over the days windows were
    staffed: from `queries.details.staffed_intervals` and `ticket_intervals`. Columns `time`
    (time of day, every `step_min` minutes from the first clock-in to the last clock-out),
    `open_windows` (distinct windows staffed at that moment) and `waiting` (tickets issued and
    not yet called), each a mean over those days."""
    if shifts.is_empty():
        return pl.DataFrame(
            schema={"time": pl.Time, "open_windows": pl.Float64, "waiting": pl.Float64}
        )
    step = dt.timedelta(minutes=step_min)
    start_tod = shifts["clock_in"].dt.time().min()
    end_tod = shifts["clock_out"].dt.time().max()
    first_slot = dt.datetime.combine(dt.date(2000, 1, 1), start_tod).replace(second=0)
    first_slot -= dt.timedelta(minutes=first_slot.minute % step_min)
    slots = []
    moment = first_slot
    while moment.time() <= end_tod and moment.date() == first_slot.date():
        slots.append(moment.time())
        moment += step
    days = sorted(set(shifts["work_date"].to_list()))
    issued = np.sort(tickets["issued_at"].to_numpy()) if tickets.height else np.array([], "M8[us]")
    called = np.sort(tickets["called_at"].to_numpy()) if tickets.height else np.array([], "M8[us]")
    open_sum = np.zeros(len(slots))
    wait_sum = np.zeros(len(slots))
    by_day = shifts.partition_by("work_date", as_dict=True)
    for day in days:
        rows = by_day[(day,)]
        moments = np.array(
            [np.datetime64(dt.datetime.combine(day, s), "us") for s in slots], dtype="M8[us]"
        )
        cin = rows["clock_in"].to_numpy()
        cout = rows["clock_out"].to_numpy()
        win = rows["window_id"].to_numpy()
        for i, m in enumerate(moments):
            on = (cin <= m) & (cout > m)
            open_sum[i] += len(set(win[on]))
        wait_sum += np.searchsorted(issued, moments, side="right") - np.searchsorted(
            called, moments, side="right"
        )
    n = len(days)
    return pl.DataFrame(
        {"time": slots, "open_windows": open_sum / n, "waiting": wait_sum / n},
        schema={"time": pl.Time, "open_windows": pl.Float64, "waiting": pl.Float64},
    )


def occupancy_from_counts(counts, step_min: int = 15) -> pl.DataFrame:
    """`occupancy` from `queries.details.occupancy_counts` (the same columns and figures,
    without reading a ticket row): distinct windows staffed per slot summed over the staffed
    days, and waiting tickets from where each (issue day, call day, first slot, call slot)
    group starts and stops waiting, each a mean over the staffed days."""
    schema = {"time": pl.Time, "open_windows": pl.Float64, "waiting": pl.Float64}
    if counts is None:
        return pl.DataFrame(schema=schema)
    n = counts.slots
    step_s = step_min * 60
    slots = [
        (dt.datetime(2000, 1, 1) + dt.timedelta(seconds=counts.first_s + i * step_s)).time()
        for i in range(n)
    ]
    open_sum = np.zeros(n)
    covered = (  # each window once a day per slot, however many of its shifts overlap
        counts.shifts.select(
            "work_date",
            "window_id",
            pl.int_ranges(pl.col("ka").clip(0, n), pl.col("kb").clip(0, n)).alias("k"),
        )
        .explode("k")
        .drop_nulls("k")
        .unique()
        .group_by("k")
        .len()
    )
    for k, count in covered.iter_rows():
        open_sum[k] += count
    staffed = set(counts.days)
    change = np.zeros(n + 1)  # +n where a group starts waiting, -n where it stops (same day)
    waits = counts.waits.filter(pl.col("issue_day").is_in(sorted(staffed)))
    same = waits.filter(pl.col("issue_day") == pl.col("call_day"))
    for col, sign in (("ka", 1), ("kc", -1)):
        part = same.group_by(pl.col(col).clip(0, n).alias("k")).agg(pl.col("n").sum())
        for k, count in part.iter_rows():
            change[k] += sign * count
    wait_sum = np.cumsum(change)[:n]
    later = counts.waits.filter(pl.col("issue_day") < pl.col("call_day"))
    for issue_day, call_day, ka, kc, count in later.iter_rows():  # waits past midnight: rare
        for day in staffed:
            if issue_day < day < call_day:
                wait_sum += count
        if issue_day in staffed:
            wait_sum[min(max(ka, 0), n) :] += count
        if call_day in staffed:
            wait_sum[: min(max(kc, 0), n)] += count
    days = len(counts.days)
    return pl.DataFrame(
        {"time": slots, "open_windows": open_sum / days, "waiting": wait_sum / days},
        schema=schema,
    )
