"""`hall demo --follow`: keep a demo database's today alive, event by event.

The demo network's days are deterministic (each hall-day has its own random stream), so the
whole of today is simulated once and the database is brought to what `cut_at` says it holds at
each moment: every step moves a simulated clock forward and writes the rows that changed since
the last step — tickets issued, waiting tickets called, served tickets finished, cases accepted
and completed (also those of earlier days), evaluations, return calls, punches. A database that
`hall demo --now T` wrote and `--follow` then carried from T to T' holds exactly what
`hall demo --now T'` writes.

Each step is one small transaction (an upsert by primary key), so the app reads concurrently
(SQLite in WAL mode). At midnight the next day is simulated and followed the same way.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from metrics.settings import load_settings
from queries import rollups, schema
from queries.db import UNREACHABLE, first_line, get_meta, has_schema, set_meta, wait_for
from queries.upsert import upsert
from simulation.demo import DAY, DayFacts, DemoCalendar, HallDaySimulator, build_network, cut_at
from simulation.network import TIMEZONE
from workdays import clock

LOOKBACK_DAYS = 30  # earlier days whose cases and follow-ups may still change today
RETRY_CAP_S = 60.0  # the longest wait between two tries of a write the database refused
TABLES = (
    (schema.tickets, ("ticket_id",)),
    (schema.cases, ("case_id",)),
    (schema.evaluations, ("eval_id",)),
    (schema.attendance, ("staff_id", "work_date", "shift_kind")),
)


class FollowRefused(RuntimeError):
    """The database does not hold the demo network (never write simulated facts elsewhere)."""


@dataclass
class FollowOptions:
    start: dt.datetime  # the simulated clock at the first step
    speed: float = 1.0  # simulated seconds per real second
    interval_s: float = 5.0  # real seconds between steps
    steps: int | None = None  # stop after this many steps …
    seconds: float | None = None  # … or after this many real seconds (else: until interrupted)


@dataclass
class FollowSummary:
    steps: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    clock: dt.datetime | None = None  # the simulated time written last


class Follower:
    """Today's facts of the demo network and what has been written of them so far."""

    def __init__(self, engine: Engine):
        if not has_schema(engine):
            raise FollowRefused("the database has no HallPulse tables: run `hall demo` first")
        with engine.connect() as conn:
            meta = get_meta(conn)
        if "demo_seed" not in meta:
            raise FollowRefused(
                "the database does not hold demo data (no demo_seed): --follow only writes "
                "into a database made by `hall demo`"
            )
        self.engine = engine
        self.wait_target_s = load_settings().wait_target_min * 60
        self.seed = int(meta["demo_seed"])
        end = dt.date.fromisoformat(meta.get("demo_end") or clock.today(TIMEZONE).isoformat())
        days = int(meta.get("demo_days", "1"))
        self.demo_first = end - dt.timedelta(days=days - 1)
        self.network = build_network(self.seed)
        self.day: dt.date | None = None
        self.facts: DayFacts | None = None
        self.written: DayFacts | None = None

    def newest_ticket(self) -> dt.datetime | None:
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(sa.func.max(schema.tickets.c.issued_at))).scalar()
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else value

    def _simulate(self, day: dt.date) -> DayFacts:
        """The uncut facts of `day` and of the earlier demo days still changing."""
        first = max(self.demo_first, day - dt.timedelta(days=LOOKBACK_DAYS))
        sim = HallDaySimulator(self.network, DemoCalendar(min(self.demo_first, day), day))
        parts = []
        d = first
        while d <= day:
            parts.extend(sim.run(hall, d) for hall in self.network.halls)
            d += DAY
        return DayFacts(
            *(pl.concat([getattr(p, name) for p in parts]) for name in DayFacts.__annotations__)
        )

    def step(self, now: dt.datetime) -> dict[str, int]:
        """Write what changed up to `now` in one transaction; rows written per table."""
        if self.day != now.date():
            self.day = now.date()
            self.facts = self._simulate(self.day)
            self.written = None  # a new day: write its state at `now` in full
        current = cut_at(self.facts, now)
        changed = {}
        touched: set[dt.date] = set()
        with self.engine.begin() as conn:
            for table, key in TABLES:
                frame = getattr(current, table.name)
                if self.written is not None:
                    before = getattr(self.written, table.name)
                    frame = frame.join(before, on=frame.columns, how="anti", nulls_equal=True)
                else:
                    frame = frame.filter(_of_day(table.name, self.day))
                upsert(conn, table, frame, key)
                changed[table.name] = frame.height
                touched.update(self._closed_days(table.name, frame))
            # a change to a closed day (a late rating of yesterday's ticket) keeps its rollup
            rollups.refresh_days(conn, touched, wait_target_s=self.wait_target_s, today=self.day)
            if self.written is None:
                end = get_meta(conn).get("demo_end", "")
                if end < self.day.isoformat():
                    set_meta(conn, {"demo_end": self.day.isoformat()})
        self.written = current
        return changed

    def _closed_days(self, table: str, frame: pl.DataFrame) -> set[dt.date]:
        """The days before today that rows written to `table` place themselves in the daily
        rollups by (for an evaluation, also its ticket's day: coverage; for a case, the days
        its application may be done on)."""
        columns = [c for c in rollups.FACTS.get(table, ()) if c in frame.columns]
        days = {d for c in columns for d in frame[c].dt.date().drop_nulls().unique()}
        if table == "evaluations" and frame.height:
            tickets = self.facts.tickets.join(
                frame.select("ticket_id").drop_nulls(), on="ticket_id", how="semi"
            )
            days |= set(tickets["issued_at"].dt.date().unique())
        if table == "cases" and frame.height:
            days |= self._application_days(frame)
        return {d for d in days if d < self.day}

    def _application_days(self, frame: pl.DataFrame) -> set[dt.date]:
        """Every day from the first to the last completion of the packaged cases of the
        applications `frame`'s cases belong to: a case written can make its application
        done on another day than before (the bundles rollup counts it on its last)."""
        apps = frame.select("application_id").drop_nulls().unique()
        cases = self.facts.cases.filter(pl.col("bundle_id").is_not_null())
        done = cases.join(apps, on="application_id", how="semi")["completed_at"].drop_nulls()
        if done.is_empty():
            return set()
        first, last = done.min().date(), done.max().date()
        return {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}


DAY_COLUMN = {
    "tickets": "issued_at",
    "cases": "accepted_at",
    "evaluations": "evaluated_at",
    "attendance": "work_date",
}


def _of_day(table: str, day: dt.date) -> pl.Expr:
    """The rows of a day's first write: the day's own facts (earlier days are in the database
    already; only their changes are written from then on)."""
    column = pl.col(DAY_COLUMN[table])
    return (column if table == "attendance" else column.dt.date()) == day


def follow(
    engine: Engine,
    options: FollowOptions,
    log: Callable[[str], None] = lambda _msg: None,
    sleep: Callable[[float], None] = time.sleep,
) -> FollowSummary:
    """Follow the demo in `engine` (see `step_clock`); KeyboardInterrupt goes to the caller:
    a step is one transaction, so an interrupt leaves whole steps."""
    # a database that cannot be reached is waited for (with back-off, logged), at the start
    # as at every write
    follower = wait_for(lambda: Follower(engine), "follow", log=log, sleep=sleep)
    ahead = wait_for(follower.newest_ticket, "follow", log=log, sleep=sleep)
    if ahead is not None and ahead > options.start:
        log(
            f"note: the database already holds tickets up to {ahead:%Y-%m-%d %H:%M:%S}, after "
            f"{options.start:%H:%M:%S}; they stay as they are (follow adds and updates rows, it "
            "never deletes)"
        )
    return step_clock(follower.step, options, log, sleep)


def step_clock(
    step: Callable[[dt.datetime], dict[str, int]],
    options: FollowOptions,
    log: Callable[[str], None] = lambda _msg: None,
    sleep: Callable[[float], None] = time.sleep,
) -> FollowSummary:
    """Call `step(clock)` with a simulated clock from `options.start`, moved by interval ×
    speed each step, until `steps` or `seconds` (real time from the first write) is reached,
    or KeyboardInterrupt, which the caller catches. `step` returns rows written per table."""
    summary = FollowSummary()
    advance = dt.timedelta(seconds=options.interval_s * options.speed)
    clock = options.start
    started = None  # the real time of the first write (after simulating the day)
    failures = 0
    while True:
        try:
            changed = step(clock)
        except UNREACHABLE as exc:  # wait and write again: a step is one transaction
            failures += 1
            delay = min(options.interval_s * 2 ** (failures - 1), RETRY_CAP_S)
            log(
                f"{clock:%Y-%m-%d %H:%M:%S}  write failed, database unreachable "
                f"({first_line(exc)}); try {failures + 1} in {delay:.0f} s"
            )
            sleep(delay)
            # the simulated clock keeps pace with real time; the schedule moves by the wait
            clock += dt.timedelta(seconds=delay * options.speed)
            if started is not None:
                started += delay
            continue
        if failures:
            log(
                f"{clock:%Y-%m-%d %H:%M:%S}  database reachable again after {failures} failed tries"
            )
            failures = 0
        started = started or time.monotonic()
        summary.steps += 1
        summary.clock = clock
        for name, n in changed.items():
            summary.rows[name] = summary.rows.get(name, 0) + n
        log(f"{clock:%Y-%m-%d %H:%M:%S}  " + ", ".join(f"{k} {v}" for k, v in changed.items()))
        if options.steps is not None and summary.steps >= options.steps:
            return summary
        elapsed = time.monotonic() - started
        if options.seconds is not None and elapsed + options.interval_s > options.seconds:
            return summary
        sleep(max(0.0, started + summary.steps * options.interval_s - time.monotonic()))
        clock += advance
