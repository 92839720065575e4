"""Everything a set of figures needs, in one call: `collect` runs every partial of
`queries.metric_queries` for a period inside the reader's scope, each from the daily rollups
(`queries.rollups`) for the closed days they hold and from the rows for the rest, and returns
them with the reference data `metrics.engine.finish` needs (`MetricInputs`).

It sits above both modules it combines: `metric_queries` (the partial queries) and `rollups`
(the partials stored per day) import neither it nor each other's callers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy.engine import Connection

from access.scope import Scope
from queries import details, partitioning, rollups
from queries.db import calendar_frame
from queries.metric_queries import (
    _NOTHING,
    DIMENSIONS,
    FILTERS,
    HISTOGRAM_KINDS,
    SECTIONS,
    Filters,
    attendance_counts,
    bad_reviews,
    bundle_cases,
    bundle_intake,
    case_completion,
    case_intake,
    case_open,
    closing_boundaries,
    due_soon_end,
    evaluation_counts,
    extended_boundaries,
    ticket_after_close,
    ticket_counts,
    ticket_coverage,
    ticket_histograms,
    ticket_segments,
)
from queries.overview import service_hours_frame
from queries.parallel import EXTRA_CONNECTIONS, on_connections
from workdays.deadlines import Deadlines, calendar_key, judge_applications, judge_completion


@dataclass
class MetricInputs:
    """The partial aggregates of one period and grouping, plus the reference data to finish them."""

    period: Filters
    scope: Scope  # the reader's (access.scope.Scope)
    dimension: str | None
    calendar: pl.DataFrame  # date, is_workday, name
    soon_end: dt.datetime  # end of the first working day after as_of's date (due soon)
    service_hours: pl.DataFrame  # hall_id, weekday, start, end, kind, valid_from, valid_to
    boundaries: list[int]  # seconds of day where an extended slot starts or ends
    tickets: pl.DataFrame
    histograms: pl.DataFrame
    segments: pl.DataFrame
    coverage: pl.DataFrame
    intake: pl.DataFrame
    completion: pl.DataFrame
    open_cases: pl.DataFrame
    evaluations: pl.DataFrame
    bad_reviews: pl.DataFrame
    attendance: pl.DataFrame
    after_close: pl.DataFrame  # ticket_after_close
    bundle_intake: pl.DataFrame  # (group, applications, cases): packages accepted
    # the applications done in the period, counted (`workdays.deadlines.judge_applications`)
    bundles: pl.DataFrame


# the empty frame of each partial left out (its columns and types, as its query returns them
# for no rows), per dialect, grouping, hours boundaries, speed-up days and histogram kinds
# (everything that can shape its columns): the query runs once per process
_EMPTY: dict[tuple, pl.DataFrame] = {}


def _empty(key: tuple, run) -> pl.DataFrame:
    frame = _EMPTY.get(key)
    if frame is None:
        frame = _EMPTY[key] = run()
    return frame.clear()


def histogram_kinds(partials: frozenset[str] | None) -> tuple[str, ...]:
    """The histograms (of waits, of service times) `collect` reads for `partials`: each only
    where a figure needs it (`metrics.engine.needs` names "wait_histogram", …)."""
    return (
        tuple(k for k in HISTOGRAM_KINDS if partials is None or f"{k}_histogram" in partials)
        or HISTOGRAM_KINDS
    )


def collect(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    *,
    wait_target_min: float,
    late_grace_min: float,
    sections: tuple[str, ...] = SECTIONS,
    partials: frozenset[str] | None = None,
    use_rollups: bool = True,
    scope: Scope,
    given: dict[str, pl.DataFrame] | None = None,
    parallel: bool = False,
) -> MetricInputs:
    """Run every metric query for the period (each an aggregate in the database), inside the
    reader's `scope` (`access.scope`): each query ANDs `scope_filter` into its WHERE, and the
    rollups answer only where their members can express the scope.

    The queries of a section left out of `sections` get an impossible filter: the database
    answers them without reading a row, and their partials are empty (the empty frame is kept
    after the first time, so a left-out partial costs no query after it); so do the partials
    not in `partials` when it is given (the `MetricInputs` fields some figures need,
    `metrics.engine.needs`; it then decides alone). The daily rollups answer for the closed
    days they hold where they can (`queries.rollups`).

    With `parallel`, the partials are read on up to three connections at once on a database
    server (`queries.parallel.on_connections`): for reads only, since the other connections
    see what is committed.

    `given` holds partials the caller has read already (or, as "bundle_cases", the rows
    `bundles` is judged from) for this very period and scope (the
    办件时效 page reads the packages' partials by package once for its tiles and its packages
    table, `dashboard.cached.package_rows`; 总览 the waits' histogram for its 90th percentile
    and its distribution chart, `histograms`): used as they are.
    """
    given = given or {}
    if dimension is not None and dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
    unknown = set(period.filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown filter(s) {sorted(unknown)}; filters: {', '.join(FILTERS)}")
    partitioning.note_layout(conn)
    hours = service_hours_frame(conn)
    boundaries = extended_boundaries(hours)
    closings = closing_boundaries(hours)
    calendar = calendar_frame(conn)
    deadlines = Deadlines(calendar)
    calendar_version = calendar_key(calendar)  # the rollups judged cases on this one
    soon_end = due_soon_end(calendar, period.as_of)
    wait_target_s = wait_target_min * 60
    plan = rollups.plan(conn, period) if use_rollups else None
    nothing = Filters(period.first, period.last, period.as_of, {**period.filters, _NOTHING: ""})

    def wanted(name: str, section: str) -> bool:
        return section in sections if partials is None else name in partials

    # the completion partial carries the speed-up's days only for `speedup_rate`
    # (`metrics.engine.needs` names the pseudo-partial "speedup" for it)
    speed = partials is None or "speedup" in partials
    kinds = histogram_kinds(partials)

    def left_out(c: Connection, name: str, run) -> pl.DataFrame:
        shape = (dimension, tuple(boundaries), tuple(closings), speed, kinds)
        return _empty((c.dialect.name, name, *shape), lambda: run(nothing))

    def part(name: str, section: str, raw, **options):
        """A read of rolled days from the daily rollups where they answer exactly, the rest
        raw (`raw(connection, sub)`); a section or partial left out reads nothing; one
        `given` is used as it is."""

        def read(c: Connection) -> pl.DataFrame:
            if not wanted(name, section):
                return left_out(c, name, lambda sc: raw(c, sc))
            if name in given:
                return given[name]
            return rollups.partial(
                c,
                name,
                plan,
                period,
                dimension,
                lambda sc: raw(c, sc),
                wait_target_s=wait_target_s,
                boundaries=boundaries,
                closings=closings,
                scope=scope,
                calendar=calendar_version,
                **options,
            )

        return read

    def direct(name: str, section: str, run):
        """A read of a partial from the rows only: `run(connection, filters)` (or the one
        `given`), or empty when left out."""

        def read(c: Connection) -> pl.DataFrame:
            if not wanted(name, section):
                return left_out(c, name, lambda f: run(c, f))
            return given[name] if name in given else run(c, period)

        return read

    def judged(cases: pl.DataFrame, sub: Filters) -> pl.DataFrame:
        keys = [] if dimension is None else ["group"]
        return judge_applications(cases, sub.start, sub.end, deadlines, keys)

    def bundles():
        """The applications done, judged on the calendar here for the days read raw (each
        raw run on its own: an application is done on the day of its last completion) and
        as the rollup was when it was built; from the packages' cases the caller has read
        (`given` "bundle_cases") when it has."""
        if "bundle_cases" in given and wanted("bundles", "cases"):
            return lambda c: judged(given["bundle_cases"], period)
        return part(
            "bundles",
            "cases",
            lambda c, sc: judged(bundle_cases(c, sc, dimension, scope=scope), sc),
        )

    reads = {
        "tickets": part(
            "tickets",
            "tickets",
            lambda c, sc: ticket_counts(c, sc, dimension, wait_target_s, scope=scope),
        ),
        "histograms": part(
            "histograms",
            "tickets",
            lambda c, sc: ticket_histograms(c, sc, dimension, scope=scope, kinds=kinds),
            kinds=kinds,
        ),
        "segments": part(
            "segments",
            "tickets",
            lambda c, sc: ticket_segments(c, sc, dimension, boundaries, scope=scope),
        ),
        "coverage": part(
            "coverage",
            "evaluations",
            lambda c, sc: ticket_coverage(c, sc, dimension, scope=scope),
        ),
        "intake": part("intake", "cases", lambda c, sc: case_intake(c, sc, dimension, scope=scope)),
        # judged on the calendar here, as the rollup was when it was built
        "completion": part(
            "completion",
            "cases",
            lambda c, sc: judge_completion(
                case_completion(c, sc, dimension, scope=scope, speed=speed),
                deadlines,
                [] if dimension is None else ["group"],
            ),
        ),
        "open_cases": direct(
            "open_cases",
            "cases",
            lambda c, f: case_open(c, f, dimension, soon_end, scope=scope),
        ),
        "evaluations": part(
            "evaluations",
            "evaluations",
            lambda c, sc: evaluation_counts(c, sc, dimension, scope=scope),
        ),
        "bad_reviews": direct(
            "bad_reviews",
            "evaluations",
            lambda c, f: bad_reviews(c, f, dimension, scope=scope),
        ),
        "attendance": direct(
            "attendance",
            "attendance",
            lambda c, f: attendance_counts(c, f, dimension, late_grace_min * 60, scope=scope),
        ),
        "after_close": part(
            "after_close",
            "tickets",
            lambda c, sc: ticket_after_close(c, sc, dimension, closings, scope=scope),
        ),
        "bundle_intake": direct(
            "bundle_intake",
            "cases",
            lambda c, f: bundle_intake(c, f, dimension, scope=scope),
        ),
        "bundles": bundles(),
    }
    # the slowest reads first, so that the last to start are the short ones
    order = [*SLOW_FIRST, *(name for name in reads if name not in SLOW_FIRST)]
    extra = EXTRA_CONNECTIONS if parallel else 0  # none: one by one on `conn`
    results = on_connections(conn, [reads[name] for name in order], extra)
    frames = dict(zip(order, results, strict=True))
    return MetricInputs(
        period=period,
        scope=scope,
        dimension=dimension,
        calendar=calendar,
        soon_end=soon_end,
        service_hours=hours,
        boundaries=boundaries,
        **frames,
    )


# the partials whose reads take longest at city scale (a month of 150 halls): started first
SLOW_FIRST = ("completion", "coverage", "bundles", "histograms", "open_cases", "evaluations")


def daily_by(
    conn: Connection, period: Filters, dimension: str, *, scope: Scope, use_rollups: bool = True
) -> pl.DataFrame:
    """`queries.details.daily_by` (served tickets and valid waits per group and issue day, for
    sparklines) from the tickets rollup for the rolled days and the rows for the rest."""
    plan = rollups.plan(conn, period) if use_rollups else None
    if not rollups.serves_daily(plan, period, dimension):
        return details.daily_by(conn, period, dimension, scope=scope)
    frames = [rollups.read_daily(conn, period, dimension, scope=scope)]
    frames += [details.daily_by(conn, sub, dimension, scope=scope) for sub in plan.raw_periods]
    return pl.concat(frames).sort("group", "day")


def histograms(
    conn: Connection,
    period: Filters,
    *,
    wait_target_min: float,
    scope: Scope,
    use_rollups: bool = True,
    kinds: tuple[str, ...] = HISTOGRAM_KINDS,
) -> pl.DataFrame:
    """Waits and service times in 0.1-minute buckets for the whole period (kind, bucket, n,
    sum_s), only the `kinds` asked for: `ticket_histograms` from the hall-level rollup for the
    rolled days where it can answer (no department, window or staff in the filters or the
    scope), the rows for the rest."""
    plan = rollups.plan(conn, period) if use_rollups else None
    return rollups.partial(
        conn,
        "histograms",
        plan,
        period,
        None,
        lambda sub: ticket_histograms(conn, sub, None, scope=scope, kinds=kinds),
        wait_target_s=wait_target_min * 60,
        boundaries=[],
        scope=scope,
        kinds=kinds,
    )


def hour_by_day(
    conn: Connection, period: Filters, *, scope: Scope, use_rollups: bool = True
) -> pl.DataFrame:
    """`queries.details.hour_by_day` (tickets issued and valid waits per issue day and hour:
    day, hour, issued, wait_n, wait_sum_s) from the hall-level hourly rollup for the rolled
    days where it can answer (no department, window or staff in the filters or the scope),
    the rows for the rest (today, days not rolled): a year's heatmap reads no ticket row."""
    plan = rollups.plan(conn, period) if use_rollups else None
    frame = rollups.partial(
        conn,
        "hours",
        plan,
        period,
        "date",
        lambda sub: details.hour_by_day(conn, sub, scope=scope).rename({"day": "group"}),
        wait_target_s=0,
        boundaries=[],
        scope=scope,
    )
    return frame.rename({"group": "day"}).sort("day", "hour")


def case_channels(
    conn: Connection, period: Filters, *, scope: Scope, use_rollups: bool = True
) -> pl.DataFrame:
    """`queries.details.case_breakdown` (cases accepted in the period by channel: channel,
    accepted, tolerance; most first) from the intake rollup's `channel` member for the
    rolled days and the rows for the rest."""
    plan = rollups.plan(conn, period) if use_rollups else None
    frame = rollups.partial(
        conn,
        "intake",
        plan,
        period,
        "channel",
        lambda sub: case_intake(conn, sub, "channel", scope=scope),
        wait_target_s=0,
        boundaries=[],
        scope=scope,
    )
    return (
        frame.group_by("group")
        .agg(pl.col("accepted").sum(), pl.col("tolerance").sum())
        .filter(pl.col("accepted") > 0)
        .select(pl.col("group").alias("channel"), "accepted", "tolerance")
        .sort(["accepted", "channel"], descending=[True, False])
    )
