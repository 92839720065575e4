"""Finishing the figures of metrics.md from the database's partial aggregates (pure functions).

`finish(inputs, settings)` turns a `MetricInputs` (see `queries.metric_inputs.collect`) into
`{"tickets": {...}, "cases": {...}, "evaluations": {...}, "attendance": {...}}`, or with a
grouping dimension into `{"groups": [{"<x>_id": key, "tickets": {...}, ...}, ...]}`.
Rates are fractions, durations minutes (hours for `*_hours`), an empty denominator gives None.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence

import polars as pl

from metrics.catalog import KEYS
from metrics.settings import Settings
from queries.metric_inputs import MetricInputs
from queries.metric_queries import closing_boundaries
from workdays import holiday_closures, service_weekday
from workdays.deadlines import APPLICATION_COUNTS, END_OF_DAY, Deadlines, derived_due

TOTAL = "__total__"


def ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def group_label(dimension: str | None) -> str | None:
    if dimension is None:
        return None
    return dimension if dimension in ("date", "hour", "weekday") else f"{dimension}_id"


# --- quantiles from histograms -----------------------------------------------------------------


def quantile(values: Sequence[float], counts: Sequence[int], q: float) -> float | None:
    """Linear interpolation between order statistics (numpy/polars "linear") over values
    given with their multiplicities, sorted by value. (Plain Python over a few hundred
    buckets: `hall metrics` need not import numpy.)"""
    cum = list(itertools.accumulate(int(c) for c in counts))
    total = cum[-1] if cum else 0
    if total == 0:
        return None
    h = (total - 1) * q
    lo, hi = math.floor(h), math.ceil(h)
    v_lo = values[bisect.bisect_left(cum, lo + 1)]
    v_hi = values[bisect.bisect_left(cum, hi + 1)]
    return float(v_lo + (h - lo) * (v_hi - v_lo))


def _histogram_quantiles(hist: pl.DataFrame) -> dict[tuple, dict[str, float]]:
    """{(group, kind): {"median": min, "p90": min}} from (group, kind, bucket, n, sum_s)."""
    out: dict[tuple, dict[str, float]] = {}
    if hist.is_empty():
        return out
    keys = ["group", "kind"]
    frame = (  # one row per bucket (partials of several days or sources merge), in order
        hist.group_by([*keys, "bucket"])
        .agg(pl.col("n").sum(), pl.col("sum_s").sum())
        .with_columns((pl.col("sum_s") / pl.col("n") / 60).alias("value"))
        .sort([*keys, "bucket"])
    )
    for key, part in frame.group_by(keys, maintain_order=True):
        values = part["value"].to_list()
        counts = part["n"].to_list()
        out[(key[0], key[1])] = {
            "median": quantile(values, counts, 0.5),
            "p90": quantile(values, counts, 0.9),
        }
    return out


# --- extended hours ----------------------------------------------------------------------------


def _extended_issued(inputs: MetricInputs) -> pl.DataFrame:
    """(group, extended): tickets issued inside the extended slots the hall followed that day
    (a 调休 working weekend follows Monday's hours; a public-holiday break is closed)."""
    seg = inputs.segments
    empty = pl.DataFrame(schema={"group": seg.schema["group"], "extended": pl.Int64})
    if seg.is_empty() or not inputs.boundaries:
        return empty
    bounds = [0, *inputs.boundaries, 86_400]
    slots = inputs.service_hours.filter(pl.col("kind") == "extended")
    rows = []
    for hall, weekday, start, end, valid_from, valid_to in slots.select(
        "hall_id", "weekday", "start", "end", "valid_from", "valid_to"
    ).iter_rows():
        s = start.hour * 3600 + start.minute * 60 + start.second
        e = end.hour * 3600 + end.minute * 60 + end.second
        for i in range(len(bounds) - 1):  # segment i = [bounds[i], bounds[i+1])
            if s <= bounds[i] and bounds[i + 1] <= e:
                rows.append((hall, weekday, i, valid_from, valid_to))
    covered = pl.DataFrame(
        rows,
        schema={
            "hall_id": pl.String,
            "weekday": pl.Int64,
            "segment": pl.Int64,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },
        orient="row",
    )
    calendar = inputs.calendar.sort("date")
    closed = holiday_closures(calendar)
    days = pl.DataFrame(
        [
            (d, service_weekday(d, bool(w)), d in closed)
            for d, w in calendar.select("date", "is_workday").iter_rows()
        ],
        schema={"day": pl.Date, "weekday": pl.Int64, "closed": pl.Boolean},
        orient="row",
    )
    joined = (
        seg.join(days, on="day", how="left")
        .filter(~pl.col("closed").fill_null(False))
        .join(covered, on=["hall_id", "weekday", "segment"], how="inner")
        .filter(
            (pl.col("valid_from").is_null() | (pl.col("valid_from") <= pl.col("day")))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("day")))
        )
        .unique(subset=["group", "hall_id", "day", "segment"])  # overlapping versions count once
    )
    return joined.group_by("group").agg(pl.col("n").sum().alias("extended"))


# --- 延时办: served after closing -----------------------------------------------------------------


def service_days(calendar: pl.DataFrame) -> pl.DataFrame:
    """(day, weekday, closed): whose service hours each calendar date follows (a 调休 working
    weekend follows Monday's) and whether the hall is shut for a public-holiday break."""
    calendar = calendar.sort("date")
    closed = holiday_closures(calendar)
    return pl.DataFrame(
        [
            (d, service_weekday(d, bool(w)), d in closed)
            for d, w in calendar.select("date", "is_workday").iter_rows()
        ],
        schema={"day": pl.Date, "weekday": pl.Int64, "closed": pl.Boolean},
        orient="row",
    )


def closing_times(hours: pl.DataFrame, calendar: pl.DataFrame, days: pl.DataFrame) -> pl.DataFrame:
    """(hall_id, day, closing_s) for the (hall_id, day) rows of `days`: the end of the hall's
    last service interval (regular or extended) valid that day on its service weekday.
    A day without any interval (no service that weekday, a holiday break) has no closing
    time and is left out."""
    schema = {"hall_id": pl.String, "day": pl.Date, "closing_s": pl.Int64}
    if days.is_empty() or hours.is_empty():
        return pl.DataFrame(schema=schema)
    slots = hours.select(
        "hall_id",
        pl.col("weekday").cast(pl.Int64),
        (
            pl.col("end").dt.hour().cast(pl.Int64) * 3600
            + pl.col("end").dt.minute().cast(pl.Int64) * 60
            + pl.col("end").dt.second().cast(pl.Int64)
        ).alias("end_s"),
        "valid_from",
        "valid_to",
    )
    return (
        days.select("hall_id", "day")
        .unique()
        .join(service_days(calendar), on="day", how="inner")
        .filter(~pl.col("closed"))
        .join(slots, on=["hall_id", "weekday"], how="inner")
        .filter(
            (pl.col("valid_from").is_null() | (pl.col("valid_from") <= pl.col("day")))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("day")))
            & (pl.col("end_s") > 0)
        )
        .group_by("hall_id", "day")
        .agg(pl.col("end_s").max().alias("closing_s"))
        .select(list(schema))
    )


def after_close_days(inputs: MetricInputs) -> pl.DataFrame:
    """(group, hall_id, day, closing_s, served_after, last_end, minutes_after) for the
    hall-days of each group with at least one ticket called after closing (metrics.md:
    `after_close_served`, `after_close_minutes_mean`; the latest end is that day's, over the
    group's served tickets)."""
    frame = inputs.after_close
    schema = {
        "group": frame.schema.get("group", pl.String),
        "hall_id": pl.String,
        "day": pl.Date,
        "closing_s": pl.Int64,
        "served_after": pl.Int64,
        "last_end": pl.Datetime("us"),
        "minutes_after": pl.Float64,
    }
    if frame.is_empty():
        return pl.DataFrame(schema=schema)
    closing = closing_times(inputs.service_hours, inputs.calendar, frame)
    bounds = closing_boundaries(inputs.service_hours)
    index = {b: i for i, b in enumerate(bounds)}
    closing = closing.with_columns(
        pl.col("closing_s").replace_strict(index, default=None, return_dtype=pl.Int64).alias("j")
    )
    joined = frame.join(closing, on=["hall_id", "day"], how="inner")
    per_day = joined.group_by("group", "hall_id", "day").agg(
        pl.col("closing_s").first(),
        pl.col("n").filter(pl.col("segment") > pl.col("j")).sum().alias("served_after"),
        pl.col("last_end").max(),
    )
    closes_at = pl.col("day").cast(pl.Datetime("us")) + pl.duration(seconds=pl.col("closing_s"))
    return (
        per_day.filter(pl.col("served_after") > 0)
        .with_columns(
            ((pl.col("last_end") - closes_at).dt.total_seconds(fractional=True) / 60).alias(
                "minutes_after"
            )
        )
        .select(list(schema))
    )


def _after_close(inputs: MetricInputs) -> pl.DataFrame:
    """(group, after_close_served, after_close_minutes_mean)."""
    days = after_close_days(inputs)
    return days.group_by("group").agg(
        pl.col("served_after").sum().alias("after_close_served"),
        pl.col("minutes_after").mean().alias("after_close_minutes_mean"),
    )


# --- per section -------------------------------------------------------------------------------


def _rows(frame: pl.DataFrame) -> dict:
    """group → its partials summed (maxima for `*_max_s`)."""
    if frame.is_empty():
        return {}
    numeric = [c for c, t in frame.schema.items() if c != "group" and t.is_numeric()]
    summed = frame.group_by("group").agg(
        *[pl.col(c).sum() for c in numeric if not c.endswith("_max_s")],
        *[pl.col(c).max() for c in numeric if c.endswith("_max_s")],
    )
    return {r["group"]: r for r in summed.iter_rows(named=True)}


def _tickets(inputs: MetricInputs) -> dict:
    counts = _rows(inputs.tickets)
    quantiles = _histogram_quantiles(inputs.histograms)
    extended = _rows(_extended_issued(inputs))
    late = {r["group"]: r for r in _after_close(inputs).iter_rows(named=True)}
    out = {}
    for g in set(counts) | set(extended):
        r = defaultdict(int, counts.get(g, {}))
        issued, served = r["issued"], r["served"]
        wait = quantiles.get((g, "wait"), {})
        service = quantiles.get((g, "service"), {})
        out[g] = {
            "issued": issued,
            "served": served,
            "no_show": r["no_show"],
            "cancelled": r["cancelled"],
            "abandon_rate": ratio(r["no_show"] + r["cancelled"], issued),
            "wait_mean_min": _minutes(ratio(r["wait_sum_s"], r["wait_n"])),
            "wait_median_min": wait.get("median"),
            "wait_p90_min": wait.get("p90"),
            "wait_max_min": _minutes(r["wait_max_s"] if r["wait_n"] else None),
            "wait_within_target_rate": ratio(r["wait_within"], r["wait_n"]),
            "service_mean_min": _minutes(ratio(r["service_sum_s"], r["service_n"])),
            "service_median_min": service.get("median"),
            "appointment_share": ratio(r["appointment"], issued),
            "extended_hours_issued": int(extended.get(g, {}).get("extended", 0) or 0),
            "after_close_served": int(late.get(g, {}).get("after_close_served", 0) or 0),
            "after_close_minutes_mean": late.get(g, {}).get("after_close_minutes_mean"),
        }
    return out


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _cases(inputs: MetricInputs, deadlines: Deadlines) -> dict:
    intake = _rows(inputs.intake)
    key = ["group"]

    # judged on the calendar already (`workdays.deadlines.judge_completion`): raw days when
    # read, rolled days when their rollup was built
    completion = _rows(inputs.completion)

    opened = inputs.open_cases
    soon_day = inputs.soon_end.date()
    open_derived = derived_due(opened, deadlines)
    if open_derived.height:
        as_of_day = inputs.period.as_of.date()
        overdue = (pl.col("due_day") < as_of_day).fill_null(False)
        soon = (~overdue & (pl.col("due_day") <= soon_day)).fill_null(False)
        open_sum = open_derived.group_by(key).agg(
            (pl.col("n") * overdue).sum().alias("overdue_derived"),
            (pl.col("n") * soon).sum().alias("soon_derived"),
        )
    else:
        open_sum = pl.DataFrame()
    open_known = _rows(opened.select(*key, "overdue_known", "soon_known"))
    open_rows = _rows(open_sum)

    bundles = _bundles(inputs)
    out = {}
    groups = set(intake) | set(completion) | set(open_known) | set(bundles)
    for g in groups:
        i = defaultdict(int, intake.get(g, {}))
        cp = defaultdict(int, completion.get(g, {}))
        ok = defaultdict(int, open_known.get(g, {}))
        od = defaultdict(int, open_rows.get(g, {}))
        completed = cp["n"]
        out[g] = {
            "accepted": i["accepted"],
            "completed": completed,
            "on_time_rate": ratio(cp["on_time_known"] + cp["on_time_derived"], completed),
            "overdue_open": ok["overdue_known"] + od["overdue_derived"],
            "due_soon_open": ok["soon_known"] + od["soon_derived"],
            "one_visit_rate": ratio(cp["one_visit"], cp["visits_known"]),
            "online_rate": ratio(i["online"], i["accepted"]),
            "instant_share": ratio(i["instant"], i["accepted"]),
            "tolerance_accepted": i["tolerance"],
            "speedup_rate": (
                None if not cp["speed_legal"] else 1 - cp["speed_used"] / cp["speed_legal"]
            ),
        }
        b = defaultdict(int, bundles.get(g, {}))
        out[g].update(
            {
                "bundle_applications": b["applications"],
                "bundle_case_share": ratio(b["bundled"], i["accepted"]),
                "bundles_completed": b["done"],
                "bundle_on_time_rate": ratio(b["on_time"], b["done"]),
                "bundle_one_visit_rate": ratio(b["one_visit"], b["visits_known"]),
            }
        )
    return out


def _bundles(inputs: MetricInputs) -> dict:
    """group → applications, bundled (cases), done, on_time, one_visit, visits_known."""
    out: dict = defaultdict(lambda: defaultdict(int))
    intake = inputs.bundle_intake
    if intake.height:
        # counted distinct in the database, or per application where groups were merged
        # afterwards (`queries.metric_queries.bundle_intake`)
        distinct = (
            pl.col("application_id").drop_nulls().n_unique()
            if "application_id" in intake.columns
            else pl.col("applications").sum()
        )
        for g, applications, bundled in (
            intake.group_by("group")
            .agg(distinct.alias("a"), pl.col("cases").sum().alias("b"))
            .iter_rows()
        ):
            out[g]["applications"] = applications
            out[g]["bundled"] = bundled
    # judged already (`workdays.deadlines.judge_applications`): the raw days when read, the
    # rolled days when their rollup was built
    for g, counts in _rows(inputs.bundles).items():
        if counts["done"]:
            out[g].update({k: counts[k] for k in APPLICATION_COUNTS})
    return dict(out)


def bad_review_status(
    bad: pl.DataFrame, as_of: dt.datetime, settings: Settings, deadlines: Deadlines
) -> pl.DataFrame:
    """Each bad review with its deadlines and where it stands at as_of: revisit_due,
    rectify_due (end of day), revisit_known / revisit_on_time, rectify_known /
    rectify_on_time, overdue (not rectified and past its rectification deadline)."""
    frame = bad.with_columns(
        pl.col("evaluated_at").dt.date().alias("__day"),
        pl.lit(settings.revisit_workdays).alias("__rv"),
        pl.lit(settings.rectify_workdays).alias("__rc"),
    )
    frame = deadlines.add(frame, "__day", "__rv", "__rv_day")
    frame = deadlines.add(frame, "__day", "__rc", "__rc_day")
    end = pl.lit(END_OF_DAY)
    revisit_due = pl.col("__rv_day").dt.combine(end)
    rectify_due = pl.col("__rc_day").dt.combine(end)
    revisited = pl.col("revisited_at").is_not_null() & (pl.col("revisited_at") <= as_of)
    rectified = pl.col("rectified_at").is_not_null() & (pl.col("rectified_at") <= as_of)
    return frame.with_columns(
        revisit_due.alias("revisit_due"),
        rectify_due.alias("rectify_due"),
        (revisited | (pl.lit(as_of) > revisit_due)).fill_null(revisited).alias("revisit_known"),
        (revisited & (pl.col("revisited_at") <= revisit_due))
        .fill_null(False)
        .alias("revisit_on_time"),
        (rectified | (pl.lit(as_of) > rectify_due)).fill_null(rectified).alias("rectify_known"),
        (rectified & (pl.col("rectified_at") <= rectify_due))
        .fill_null(False)
        .alias("rectify_on_time"),
        (~rectified & (pl.lit(as_of) > rectify_due)).fill_null(False).alias("overdue"),
    ).drop("__day", "__rv", "__rc", "__rv_day", "__rc_day")


def _evaluations(inputs: MetricInputs, settings: Settings, deadlines: Deadlines) -> dict:
    counts = _rows(inputs.evaluations)
    key = ["group"]
    status = bad_review_status(inputs.bad_reviews, inputs.period.as_of, settings, deadlines)
    bad = _rows(
        status.group_by(key).agg(
            pl.col("revisit_known").sum().alias("rv_known"),
            pl.col("revisit_on_time").sum().alias("rv_ok"),
            pl.col("rectify_known").sum().alias("rc_known"),
            pl.col("rectify_on_time").sum().alias("rc_ok"),
            pl.col("overdue").sum().alias("overdue"),
        )
        if status.height
        else pl.DataFrame()
    )
    served = _rows(inputs.tickets.select(*key, "served"))
    covered = _rows(inputs.coverage)
    out = {}
    with_served = {g for g, r in served.items() if r["served"]}  # coverage 0 of them, not None
    for g in set(counts) | set(bad) | set(covered) | with_served:
        r = defaultdict(int, counts.get(g, {}))
        b = defaultdict(int, bad.get(g, {}))
        n = r["count"]
        out[g] = {
            "count": n,
            "default_count": r["default_count"],
            "satisfaction_rate": ratio(r["satisfied"], n),
            "very_satisfied_rate": ratio(r["very"], n),
            "mean_rating": ratio(r["rating_sum"], n),
            "bad_count": r["bad"],
            "bad_revisited_on_time_rate": ratio(b["rv_ok"], b["rv_known"]),
            "bad_rectified_on_time_rate": ratio(b["rc_ok"], b["rc_known"]),
            "bad_overdue": b["overdue"],
            "coverage_rate": ratio(
                covered.get(g, {}).get("covered", 0), served.get(g, {}).get("served", 0)
            ),
        }
    return out


def _attendance(inputs: MetricInputs) -> dict:
    rows = _rows(inputs.attendance)
    key = ["group"]
    tickets = _rows(inputs.tickets.select(*key, "served", "service_sum_s"))
    out = {}
    for g in set(rows) | set(tickets):
        r = defaultdict(int, rows.get(g, {}))
        tk = defaultdict(int, tickets.get(g, {}))
        staffed = r["staffed_s"] / 3600
        busy = tk["service_sum_s"] / 3600
        out[g] = {
            "staffed_hours": staffed,
            "busy_hours": busy,
            "utilization": ratio(busy, staffed),
            "late_rate": ratio(r["late"], r["judged"]),
            "absence_rate": ratio(r["absent"], r["scheduled"]),
            "served_per_staffed_hour": ratio(tk["served"], staffed),
        }
    return out


def _empty(section: str) -> dict:
    """A section with no rows: counts 0, every ratio None."""
    zero_keys = {
        "issued",
        "served",
        "no_show",
        "cancelled",
        "extended_hours_issued",
        "after_close_served",
        "accepted",
        "completed",
        "overdue_open",
        "due_soon_open",
        "tolerance_accepted",
        "bundle_applications",
        "bundles_completed",
        "count",
        "default_count",
        "bad_count",
        "bad_overdue",
        "staffed_hours",
        "busy_hours",
    }
    return {k: (0 if k in zero_keys else None) for k in KEYS[section]}


PARTIALS = (
    "tickets",
    "histograms",
    "segments",
    "coverage",
    "intake",
    "completion",
    "open_cases",
    "evaluations",
    "bad_reviews",
    "attendance",
    "after_close",
    "bundle_intake",
    "bundles",
)


def _regroup(inputs: MetricInputs, key: pl.Expr) -> MetricInputs:
    """Every partial with its `group` column replaced by `key` (computed from it)."""

    def one(frame: pl.DataFrame) -> pl.DataFrame:
        if "group" in frame.columns:
            return frame.with_columns(key.alias("group"))
        return frame.with_columns(pl.lit(TOTAL).alias("group"))

    return dataclasses.replace(inputs, **{f: one(getattr(inputs, f)) for f in PARTIALS})


# the partials of MetricInputs each figure is finished from (the counts of its section's rows
# always: they decide which groups a section has)
_TICKETS, _EVALS = ("tickets",), ("evaluations",)
NEEDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "issued",
            "served",
            "no_show",
            "cancelled",
            "abandon_rate",
            "wait_mean_min",
            "wait_max_min",
            "wait_within_target_rate",
            "service_mean_min",
            "appointment_share",
        ),
        _TICKETS,
    ),
    # the histograms of one kind each ("wait_histogram", "service_histogram": which kinds
    # `queries.metric_inputs.collect` reads)
    **dict.fromkeys(
        ("wait_median_min", "wait_p90_min"), (*_TICKETS, "histograms", "wait_histogram")
    ),
    "service_median_min": (*_TICKETS, "histograms", "service_histogram"),
    "extended_hours_issued": (*_TICKETS, "segments"),
    **dict.fromkeys(("after_close_served", "after_close_minutes_mean"), (*_TICKETS, "after_close")),
    # each case figure from its own partials ("speedup": the completion partial with the days
    # and legal limits of the cases a due_at judges, for `speedup_rate` alone)
    **dict.fromkeys(
        ("accepted", "online_rate", "instant_share", "tolerance_accepted"), ("intake",)
    ),
    **dict.fromkeys(("completed", "on_time_rate", "one_visit_rate"), ("completion",)),
    "speedup_rate": ("completion", "speedup"),
    **dict.fromkeys(("overdue_open", "due_soon_open"), ("open_cases",)),
    "bundle_applications": ("bundle_intake",),
    "bundle_case_share": ("intake", "bundle_intake"),
    **dict.fromkeys(
        ("bundles_completed", "bundle_on_time_rate", "bundle_one_visit_rate"), ("bundles",)
    ),
    **dict.fromkeys(
        (
            "count",
            "default_count",
            "satisfaction_rate",
            "very_satisfied_rate",
            "mean_rating",
            "bad_count",
        ),
        _EVALS,
    ),
    **dict.fromkeys(
        ("bad_revisited_on_time_rate", "bad_rectified_on_time_rate", "bad_overdue"),
        (*_EVALS, "bad_reviews"),
    ),
    "coverage_rate": (*_EVALS, "coverage", "tickets"),
    **dict.fromkeys(KEYS["attendance"], ("attendance", "tickets")),
}


def needs(keys) -> tuple[tuple[str, ...], frozenset[str]]:
    """The sections and the partials (`MetricInputs` fields) the figures `keys` are finished
    from: `queries.metric_inputs.collect` reads only those."""
    unknown = [k for k in keys if k not in NEEDS]
    if unknown:
        raise ValueError(f"unknown metric key(s) {unknown}")
    sections = tuple(s for s in KEYS if any(k in KEYS[s] for k in keys))
    return sections, frozenset(p for k in keys for p in NEEDS[k])


def finish(inputs: MetricInputs, settings: Settings) -> dict:
    """Every figure of metrics.md for the scope (see the module docstring for the shape)."""
    dimension = inputs.dimension
    if dimension is None:
        inputs = _regroup(inputs, pl.lit(TOTAL))
    elif dimension == "weekday":  # grouped by date in SQL: ISO weekday, 1 = Monday
        inputs = _regroup(inputs, pl.col("group").dt.weekday().cast(pl.Int32))
    deadlines = Deadlines(inputs.calendar)
    sections = {
        "tickets": _tickets(inputs),
        "cases": _cases(inputs, deadlines),
        "evaluations": _evaluations(inputs, settings, deadlines),
        "attendance": _attendance(inputs),
    }
    if dimension is None:
        return {name: values.get(TOTAL, _empty(name)) for name, values in sections.items()}
    keys = sorted(set().union(*(set(v) for v in sections.values())), key=_sort_key)
    label = group_label(dimension)
    groups = []
    for k in keys:
        item = {label: k.isoformat() if isinstance(k, dt.date) else k}
        for name, values in sections.items():
            item[name] = values.get(k, _empty(name))
        groups.append(item)
    return {"groups": groups}


def _sort_key(value):
    return (str(type(value)), value)
