"""Deadlines in working days over the `calendar` table, and completed cases judged by them.

`Deadlines` answers, for many dates at once, the N-th working day after a date and the working
days between two dates. `judge_completion` turns the completion partial of
`queries.metric_queries.case_completion` (cases grouped by the facts their on-time test needs:
acceptance and completion days, item kind, working days allowed, legal limit) into the sums the
figures need, so that the daily rollups can keep them judged: on time by the calendar, working
days used and allowed by law for the speed-up. A rollup judged so is valid for the calendar it
was judged with (`calendar_key`). `applications_done` and `judge_applications` do the same for
the 一件事 packages: the applications done in a period, judged on their remaining cases.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import polars as pl

# the sums `judge_completion` adds to the completion partial's own
JUDGED = ("on_time_derived", "speed_used", "speed_legal")


class Deadlines:
    """N-th working day after a date, over the `calendar` table, for many dates at once."""

    def __init__(self, calendar: pl.DataFrame):
        cal = calendar.sort("date").with_columns(
            pl.col("is_workday").cast(pl.Int64).cum_sum().alias("idx")
        )
        self.index = cal.select("date", "idx")
        self.workdays = cal.filter(pl.col("is_workday")).select(
            pl.col("idx").alias("target"), pl.col("date").alias("__nth")
        )

    def add(self, frame: pl.DataFrame, day: str, n: str, out: str) -> pl.DataFrame:
        """Add column `out`: the `n`-th working day after column `day` (n = 0: that day).
        Null where the calendar does not reach."""
        joined = frame.join(
            self.index.rename({"date": day, "idx": "__idx"}), on=day, how="left"
        ).with_columns((pl.col("__idx") + pl.col(n)).alias("target"))
        joined = joined.join(self.workdays, on="target", how="left")
        due = pl.when(pl.col(n) == 0).then(pl.col(day)).otherwise(pl.col("__nth"))
        return joined.with_columns(due.alias(out)).drop("__idx", "target", "__nth")

    def used(self, frame: pl.DataFrame, start: str, end: str, out: str) -> pl.DataFrame:
        """Working days after `start` up to and including `end`."""
        a = self.index.rename({"date": start, "idx": "__a"})
        b = self.index.rename({"date": end, "idx": "__b"})
        joined = frame.join(a, on=start, how="left").join(b, on=end, how="left")
        return joined.with_columns((pl.col("__b") - pl.col("__a")).alias(out)).drop("__a", "__b")


def derived_due(cases: pl.DataFrame, deadlines: Deadlines) -> pl.DataFrame:
    """The rows without a `due_at` (allowed ≥ 0), with `due_day` from the calendar: an
    instant item is due the day it is accepted, a promised one `allowed` working days later."""
    derived = cases.filter(pl.col("allowed") >= 0)
    if derived.is_empty():
        return derived
    n = pl.when(pl.col("kind") == "instant").then(0).otherwise(pl.col("allowed"))
    return deadlines.add(derived.with_columns(n.alias("__n")), "accepted_day", "__n", "due_day")


def judge_completion(frame: pl.DataFrame, deadlines: Deadlines, keys: list[str]) -> pl.DataFrame:
    """The completion partial summed per `keys` (none: one row): its counts (n, on_time_known,
    one_visit, visits_known) and, from the calendar, `on_time_derived` (cases without a due_at
    completed by the working day their item allows), `speed_used` and `speed_legal` (working
    days used and allowed by law, weighted by cases, over the promised items with a legal
    limit: the speed-up is 1 − used / legal; a case the calendar does not reach adds its legal
    days and no days used)."""
    n = pl.col("n")
    rows = frame.with_row_index("__row")
    derived = derived_due(rows, deadlines)
    if derived.height:
        ok = (pl.col("completed_day") <= pl.col("due_day")).fill_null(False)
        derived = derived.select("__row", (n * ok).alias("on_time_derived"))
        rows = rows.join(derived, on="__row", how="left")
    speed = rows.filter(pl.col("legal").is_not_null() & (pl.col("kind") == "promised"))
    if speed.height:
        speed = deadlines.used(speed, "accepted_day", "completed_day", "__used").select(
            "__row",
            (n * pl.col("__used")).alias("speed_used"),
            (n * pl.col("legal")).alias("speed_legal"),
        )
        rows = rows.join(speed, on="__row", how="left")
    sums = [
        (pl.col(c).sum() if c in rows.columns else pl.lit(0)).cast(pl.Int64).alias(c)
        for c in ("n", "on_time_known", "one_visit", "visits_known", *JUDGED)
    ]
    if not keys:
        return rows.select(sums)
    return rows.group_by(keys, maintain_order=True).agg(sums)


END_OF_DAY = dt.time(23, 59, 59)
# the counts `judge_applications` gives per group of the applications done in a period
APPLICATION_COUNTS = ("done", "on_time", "one_visit", "visits_known")


def applications_done(
    cases: pl.DataFrame, period_start: dt.datetime, period_end: dt.datetime, deadlines: Deadlines
) -> pl.DataFrame:
    """The applications completed in [start, end) from their remaining cases (see
    `queries.metric_queries.bundle_cases`), one row each: group (where the cases have one),
    hall_id, application_id, bundle_id, cases, last_completed_at, latest_due, on_time,
    visits_known, one_visit, and the slowest case (slowest_case_id, slowest_item_id,
    slowest_days: accepted → completed, in days).

    metrics.md: every remaining case `completed`, at least one remaining, the last
    `completed_at` in the period; on time when that is no later than the latest due of the
    remaining cases (a case without `due_at` is due as the calendar says); one visit when
    every remaining case has visits ≤ 1, known when every remaining case has visits. An
    application is judged in each hall on that hall's cases (an application is taken in at
    one hall's window: the hall is part of what names it), so that a hall's figures summed
    over halls are the network's, and the daily rollup can keep them per hall."""
    grouped = "group" in cases.columns
    schema = {
        **({"group": cases.schema["group"]} if grouped else {}),
        "hall_id": pl.String(),
        "application_id": pl.String(),
        "bundle_id": pl.String(),
        "cases": pl.Int64(),
        "last_completed_at": pl.Datetime("us"),
        "latest_due": pl.Datetime("us"),
        "on_time": pl.Boolean(),
        "visits_known": pl.Boolean(),
        "one_visit": pl.Boolean(),
        "slowest_case_id": pl.String(),
        "slowest_item_id": pl.String(),
        "slowest_days": pl.Float64(),
    }
    if cases.is_empty():
        return pl.DataFrame(schema=schema)
    given = cases.filter(pl.col("due_at").is_not_null()).with_columns(
        pl.col("due_at").alias("__due")
    )
    derived = derived_due(
        cases.filter(pl.col("due_at").is_null()).with_columns(
            pl.when(pl.col("kind") == "instant")
            .then(0)
            .otherwise(pl.col("allowed"))
            .alias("allowed")
        ),
        deadlines,
    )
    if derived.height:
        derived = derived.with_columns(
            pl.col("due_day").dt.combine(pl.lit(END_OF_DAY)).alias("__due")
        ).drop("due_day")
    frame = pl.concat([given, derived], how="diagonal_relaxed")
    days = (pl.col("completed_at") - pl.col("accepted_at")).dt.total_seconds() / 86_400
    frame = frame.with_columns(days.alias("__days"))
    done = (pl.col("status") == "completed") & pl.col("completed_at").is_not_null()
    keys = [*(["group"] if grouped else []), "hall_id", "application_id"]
    apps = frame.group_by(keys).agg(
        pl.col("bundle_id").first(),
        pl.len().cast(pl.Int64).alias("cases"),
        done.all().alias("__all_done"),
        pl.col("completed_at").max().alias("last_completed_at"),
        pl.col("__due").max().alias("latest_due"),
        pl.col("visits").is_not_null().all().alias("visits_known"),
        (pl.col("visits") <= 1).fill_null(False).all().alias("__le1"),
        pl.col("case_id")
        .sort_by("__days", descending=True, nulls_last=True)
        .first()
        .alias("slowest_case_id"),
        pl.col("item_id")
        .sort_by("__days", descending=True, nulls_last=True)
        .first()
        .alias("slowest_item_id"),
        pl.col("__days").max().alias("slowest_days"),
    )
    apps = apps.filter(
        pl.col("__all_done")
        & (pl.col("last_completed_at") >= period_start)
        & (pl.col("last_completed_at") < period_end)
    ).with_columns(
        (pl.col("last_completed_at") <= pl.col("latest_due")).fill_null(False).alias("on_time"),
        (pl.col("visits_known") & pl.col("__le1")).alias("one_visit"),
    )
    return apps.select(list(schema)).cast(schema)


def judge_applications(
    cases: pl.DataFrame,
    period_start: dt.datetime,
    period_end: dt.datetime,
    deadlines: Deadlines,
    keys: list[str],
) -> pl.DataFrame:
    """The applications done in [start, end) (`applications_done`) counted per `keys` (none:
    one row; "day": the hall-local day of an application's last completion, as the daily
    rollup keeps them): done, on_time, one_visit, visits_known. With keys, only groups with
    an application done have a row; without, the one row may count none."""
    apps = applications_done(cases, period_start, period_end, deadlines)
    if "day" in keys:
        apps = apps.with_columns(pl.col("last_completed_at").dt.date().alias("day"))
    sums = [
        pl.len().cast(pl.Int64).alias("done"),
        *(pl.col(c).sum().cast(pl.Int64).alias(c) for c in APPLICATION_COUNTS[1:]),
    ]
    if not keys:
        return apps.select(sums)
    return apps.group_by(keys, maintain_order=True).agg(sums)


def calendar_key(calendar: pl.DataFrame) -> str:
    """A fingerprint of the calendar's working days (each date and whether it is one): a
    rollup judged with another calendar is not served."""
    rows = calendar.select("date", "is_workday").sort("date")
    text = "".join(
        f"{d}{'w' if w else 'o'}" for d, w in zip(rows["date"], rows["is_workday"], strict=True)
    )
    return hashlib.sha1(text.encode()).hexdigest()
