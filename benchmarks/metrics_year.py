"""Benchmark: `hall metrics` over a year of the demo district centre (H01), against the naive way.

    .venv/bin/python benchmarks/metrics_year.py [--days 365] [--end 2026-11-20]
        [--pg URL] [--no-pg] [--reuse DIR] [--repeats 3] [--rebuild-rollups]

Writes `--days` days of the demo network (seed 7, ending `--end`) into a SQLite file and into
PostgreSQL (`--pg`, default the `test` database; its tables are dropped and rewritten), then
times three operations for hall H01, with `as_of` at the end of the last day as the CLI does:

    year    the whole period, no grouping
    month   the 30 days ending `--end`, one result per window (`--by window`)
    day     `--end` alone

each two ways: the engine (`metrics.figures.compute`: aggregation in SQL, finished in polars),
and the naive way: every row of the period for H01 (tickets, cases including the ones still
open, evaluations, attendance, items, calendar, service hours) loaded with plain SELECTs and
the figures of metrics.md computed from them in polars / Python. Each operation runs once cold
(a new SQLAlchemy engine: empty connection pool and statement cache) and then `--repeats` times
warm, best kept. The naive results must equal the engine's for every key (quantiles within
0.1 min as metrics.md allows, other floats within 1e-9 relative, counts exactly); any
difference is printed and makes the script exit 1. `hall metrics ... --json` is also run once
per operation in a child process (Python start-up included) and its JSON compared with the
in-process result.

The engine reads the daily rollups that `hall demo` builds for the closed days (see
queries/rollups.py); a reused database without them gets them built first, and
`--rebuild-rollups` times a full rebuild.

Targets (issue): whole year ≤ 2 s, one day ≤ 0.3 s, engine ≥ 10× faster than naive on the year;
issue 15: `hall metrics` as a whole process (the child above, wall and CPU seconds) year ≤ 0.5 s,
one day ≤ 0.4 s.

With `--reuse DIR` the SQLite file is kept in DIR and generated only when missing; PostgreSQL is
then also reused when its `hallpulse_meta` says it holds the same demo (seed, end, days).
Generating a year takes about 90 s per database.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access.scope import Scope as AccessScope  # noqa: E402
from metrics.figures import compute  # noqa: E402
from metrics.settings import CONFIG_ENV, Settings, load_settings  # noqa: E402
from queries import rollups, schema  # noqa: E402
from queries.db import get_meta, has_schema, make_engine, redact  # noqa: E402
from queries.metric_queries import Filters as Scope  # noqa: E402
from queries.tables import polars_schema  # noqa: E402
from simulation.demo import DemoOptions  # noqa: E402
from simulation.writer import write_demo  # noqa: E402

HALL = "H01"
SEED = 7
HALL_BIN = Path(sys.executable).parent / "hall"
END_OF_DAY = dt.time(23, 59, 59)
TERMINAL = ("returned", "rejected", "withdrawn")
QUANTILE_KEYS = {"wait_median_min", "wait_p90_min", "service_median_min"}
QUANTILE_TOL_MIN = 0.1
REL_TOL = 1e-9
TARGET_YEAR_S, TARGET_DAY_S, TARGET_SPEEDUP = 2.0, 0.3, 10.0
# issue 15: `hall metrics` as a whole process (Python start-up and imports included)
TARGET_CLI_YEAR_S, TARGET_CLI_DAY_S = 0.5, 0.4


# --- the naive way: plain SELECTs, then the definitions of metrics.md row by row -------------


def select_frame(conn: sa.Connection, table: sa.Table, *where) -> pl.DataFrame:
    """`SELECT * FROM table WHERE …` as a typed frame."""
    types = polars_schema(table)
    rows = [tuple(r) for r in conn.execute(sa.select(table).where(*where))]
    return pl.DataFrame(rows, schema=types, orient="row", infer_schema_length=None)


@dataclass
class Raw:
    """Every row the figures of one scope need, as the database holds them."""

    tickets: pl.DataFrame  # issued in the period
    linked_evaluations: pl.DataFrame  # evaluations whose ticket_id is one of those tickets
    cases: pl.DataFrame  # accepted or completed in the period, or possibly open at as_of
    evaluations: pl.DataFrame  # evaluated in the period
    attendance: pl.DataFrame  # work_date in the period
    items: pl.DataFrame
    calendar: pl.DataFrame
    service_hours: pl.DataFrame

    def rows(self) -> int:
        return sum(
            f.height
            for f in (
                self.tickets,
                self.linked_evaluations,
                self.cases,
                self.evaluations,
                self.attendance,
            )
        )


def load_raw(conn: sa.Connection, scope: Scope, hall: str) -> Raw:
    t, c, e, a = schema.tickets, schema.cases, schema.evaluations, schema.attendance
    start, end, as_of = scope.start, scope.end, scope.as_of
    in_period = (t.c.hall_id == hall, t.c.issued_at >= start, t.c.issued_at < end)
    period_ids = sa.select(t.c.ticket_id).where(*in_period)
    return Raw(
        tickets=select_frame(conn, t, *in_period),
        linked_evaluations=select_frame(conn, e, e.c.ticket_id.in_(period_ids)),
        cases=select_frame(
            conn,
            c,
            c.c.hall_id == hall,
            sa.or_(
                sa.and_(c.c.accepted_at >= start, c.c.accepted_at < end),
                sa.and_(c.c.completed_at >= start, c.c.completed_at < end),
                sa.and_(
                    c.c.accepted_at <= as_of,
                    sa.or_(c.c.completed_at.is_(None), c.c.completed_at > as_of),
                ),
            ),
        ),
        evaluations=select_frame(
            conn, e, e.c.hall_id == hall, e.c.evaluated_at >= start, e.c.evaluated_at < end
        ),
        attendance=select_frame(
            conn, a, a.c.hall_id == hall, a.c.work_date >= scope.first, a.c.work_date <= scope.last
        ),
        items=select_frame(conn, schema.items),
        calendar=select_frame(conn, schema.calendar),
        service_hours=select_frame(
            conn, schema.service_hours, schema.service_hours.c.hall_id == hall
        ),
    )


class Calendar:
    """Working days from the `calendar` rows, by bisection over the sorted working days."""

    def __init__(self, frame: pl.DataFrame):
        frame = frame.sort("date")
        self.workdays = frame.filter(pl.col("is_workday"))["date"].to_list()
        self.is_workday = dict(
            zip(frame["date"].to_list(), frame["is_workday"].to_list(), strict=True)
        )
        self.last = frame["date"].max()
        # days off in a run of days off that contains a named public holiday: the hall is shut
        self.closed: set[dt.date] = set()
        run: list[dt.date] = []
        named = False
        for day, work, name in frame.select("date", "is_workday", "name").iter_rows():
            if work:
                if named:
                    self.closed.update(run)
                run, named = [], False
            else:
                run.append(day)
                named = named or bool(name)
        if named:
            self.closed.update(run)

    def nth_after(self, day: dt.date, n: int) -> dt.date | None:
        """The n-th working day after `day` (n = 0: `day`); None past the calendar's end."""
        if n == 0:
            return day
        i = bisect.bisect_right(self.workdays, day) + n - 1
        return self.workdays[i] if i < len(self.workdays) else None

    def end_of_nth_after(self, day: dt.date, n: int) -> dt.datetime | None:
        d = self.nth_after(day, n)
        return None if d is None else dt.datetime.combine(d, END_OF_DAY)

    def used(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`."""
        return bisect.bisect_right(self.workdays, end) - bisect.bisect_right(self.workdays, start)

    def service_weekday(self, day: dt.date) -> int:
        """A 调休 working weekend follows Monday's hours; any other day its own weekday."""
        wd = day.isoweekday()
        return 1 if wd > 5 and self.is_workday.get(day, False) else wd


def ratio(num: float, den: float) -> float | None:
    return None if not den else num / den


@dataclass
class Prepared:
    """The raw rows with the per-row facts the definitions need (wait, due, deadlines …)."""

    tickets: pl.DataFrame
    intake: pl.DataFrame
    completed: pl.DataFrame
    open_cases: pl.DataFrame
    evaluations: pl.DataFrame
    covered_ids: pl.Series
    attendance: pl.DataFrame
    soon_end: dt.datetime | None
    notes: dict = field(default_factory=dict)


def _extended_flags(tickets: pl.DataFrame, raw: Raw, cal: Calendar) -> pl.DataFrame:
    """Per ticket: issued inside an extended slot of the hours the hall kept that day, and
    (for the notes) inside one of its literal weekday with no holiday closure."""
    slots = raw.service_hours.filter(pl.col("kind") == "extended")
    out = []
    by_key: dict[tuple[str, int], list[tuple]] = {}
    for hall, weekday, start, end, vf, vt in slots.select(
        "hall_id", "weekday", "start", "end", "valid_from", "valid_to"
    ).iter_rows():
        by_key.setdefault((hall, weekday), []).append((start, end, vf, vt))

    def inside(hall: str, weekday: int, day: dt.date, tod: dt.time) -> bool:
        return any(
            s <= tod < e and (vf is None or vf <= day) and (vt is None or day <= vt)
            for s, e, vf, vt in by_key.get((hall, weekday), ())
        )

    for hall, issued in tickets.select("hall_id", "issued_at").iter_rows():
        day, tod = issued.date(), issued.time()
        kept = day not in cal.closed and inside(hall, cal.service_weekday(day), day, tod)
        literal = inside(hall, day.isoweekday(), day, tod)
        out.append((kept, literal))
    return tickets.with_columns(
        pl.Series("extended", [k for k, _ in out], dtype=pl.Boolean),
        pl.Series("extended_literal", [lit for _, lit in out], dtype=pl.Boolean),
    )


def prepare(raw: Raw, scope: Scope, settings: Settings) -> Prepared:
    cal = Calendar(raw.calendar)
    as_of, start, end = scope.as_of, scope.start, scope.end

    # tickets: wait (from the later of issue and a late appointment slot, floored at 0) of a
    # served ticket called after it was issued; service time of a served ticket with both times
    tk = raw.tickets
    late_slot = (pl.col("source") == "appointment") & (
        pl.col("appointment_start") > pl.col("issued_at")
    )
    start_ref = pl.when(late_slot).then(pl.col("appointment_start")).otherwise(pl.col("issued_at"))
    served = pl.col("status") == "served"
    valid = (
        served & pl.col("called_at").is_not_null() & (pl.col("called_at") >= pl.col("issued_at"))
    )
    wait_s = (pl.col("called_at") - start_ref).dt.total_seconds().clip(lower_bound=0)
    has_service = served & pl.col("called_at").is_not_null() & pl.col("finished_at").is_not_null()
    service_s = (pl.col("finished_at") - pl.col("called_at")).dt.total_seconds()
    tk = tk.with_columns(
        pl.when(valid).then(wait_s).otherwise(None).alias("wait_s"),
        pl.when(has_service).then(service_s).otherwise(None).alias("service_s"),
    )
    tk = _extended_flags(tk, raw, cal)

    # cases: the item's kind and allowances; due_at, else derived from the calendar
    cases = raw.cases.join(
        raw.items.select("item_id", "kind", "promised_workdays", "legal_workdays"),
        on="item_id",
        how="left",
    )
    due = []
    for due_at, accepted, kind, promised, suspended in cases.select(
        "due_at", "accepted_at", "kind", "promised_workdays", "suspended_workdays"
    ).iter_rows():
        if due_at is not None:
            due.append(due_at)
        else:
            n = 0 if kind == "instant" else promised + (suspended or 0)
            due.append(cal.end_of_nth_after(accepted.date(), n))
    cases = cases.with_columns(pl.Series("due", due, dtype=pl.Datetime("us")))
    intake = cases.filter((pl.col("accepted_at") >= start) & (pl.col("accepted_at") < end))
    completed = cases.filter(
        (pl.col("status") == "completed")
        & (pl.col("completed_at") >= start)
        & (pl.col("completed_at") < end)
    )
    used = [
        cal.used(a.date(), c.date()) if kind == "promised" and legal is not None else None
        for a, c, kind, legal in completed.select(
            "accepted_at", "completed_at", "kind", "legal_workdays"
        ).iter_rows()
    ]
    completed = completed.with_columns(pl.Series("used", used, dtype=pl.Int64))
    open_cases = cases.filter(
        (pl.col("accepted_at") <= as_of)
        & ~pl.col("status").is_in(TERMINAL)
        & (pl.col("completed_at").is_null() | (pl.col("completed_at") > as_of))
    )
    first_after = cal.nth_after(as_of.date(), 1)
    soon_end = None if first_after is None else dt.datetime.combine(first_after, END_OF_DAY)

    # evaluations: active = not system-filled; bad reviews get their two deadlines
    ev = raw.evaluations.with_columns(
        (~pl.col("is_default").fill_null(False)).alias("active")
    ).with_columns((pl.col("active") & (pl.col("rating") <= 2)).alias("bad"))
    rv, rc = [], []
    for evaluated, bad in ev.select("evaluated_at", "bad").iter_rows():
        day = evaluated.date()
        rv.append(cal.end_of_nth_after(day, settings.revisit_workdays) if bad else None)
        rc.append(cal.end_of_nth_after(day, settings.rectify_workdays) if bad else None)
    ev = ev.with_columns(
        pl.Series("revisit_due", rv, dtype=pl.Datetime("us")),
        pl.Series("rectify_due", rc, dtype=pl.Datetime("us")),
    )
    linked = raw.linked_evaluations.filter(
        ~pl.col("is_default").fill_null(False) & (pl.col("evaluated_at") <= as_of)
    )
    notes = {"extended_literal": int(tk["extended_literal"].sum())}
    return Prepared(
        tickets=tk,
        intake=intake,
        completed=completed,
        open_cases=open_cases,
        evaluations=ev,
        covered_ids=linked["ticket_id"].unique(),
        attendance=raw.attendance,
        soon_end=soon_end,
        notes=notes,
    )


def _minutes(series: pl.Series, how: str) -> float | None:
    if series.is_empty():
        return None
    values = series.cast(pl.Float64) / 60
    if how == "mean":
        return values.mean()
    if how == "max":
        return values.max()
    return values.quantile({"median": 0.5, "p90": 0.9}[how], interpolation="linear")


def naive_sections(p: Prepared, scope: Scope, settings: Settings) -> dict:
    """The four sections of metrics.md from prepared rows (already narrowed to one group)."""
    as_of = scope.as_of
    tk = p.tickets
    issued = tk.height
    served_tk = tk.filter(pl.col("status") == "served")
    served = served_tk.height
    no_show = tk.filter(pl.col("status") == "no_show").height
    cancelled = tk.filter(pl.col("status") == "cancelled").height
    waits = tk["wait_s"].drop_nulls()
    services = tk["service_s"].drop_nulls()
    tickets = {
        "issued": issued,
        "served": served,
        "no_show": no_show,
        "cancelled": cancelled,
        "abandon_rate": ratio(no_show + cancelled, issued),
        "wait_mean_min": _minutes(waits, "mean"),
        "wait_median_min": _minutes(waits, "median"),
        "wait_p90_min": _minutes(waits, "p90"),
        "wait_max_min": _minutes(waits, "max"),
        "wait_within_target_rate": ratio(
            int((waits <= settings.wait_target_min * 60).sum()), waits.len()
        ),
        "service_mean_min": _minutes(services, "mean"),
        "service_median_min": _minutes(services, "median"),
        "appointment_share": ratio(tk.filter(pl.col("source") == "appointment").height, issued),
        "extended_hours_issued": int(tk["extended"].sum()),
    }

    intake, done, opened = p.intake, p.completed, p.open_cases
    accepted = intake.height
    completed = done.height
    on_time = done.filter(
        pl.col("due").is_not_null() & (pl.col("completed_at") <= pl.col("due"))
    ).height
    overdue = opened.filter(pl.col("due").is_not_null() & (pl.col("due") < as_of))
    soon = opened.filter(
        pl.col("due").is_not_null() & (pl.col("due") >= as_of) & (pl.col("due") <= p.soon_end)
        if p.soon_end is not None
        else pl.lit(False)
    )
    visits_known = done.filter(pl.col("visits").is_not_null())
    speed = done.filter((pl.col("kind") == "promised") & pl.col("legal_workdays").is_not_null())
    legal_mean = speed["legal_workdays"].mean() if speed.height else None
    cases = {
        "accepted": accepted,
        "completed": completed,
        "on_time_rate": ratio(on_time, completed),
        "overdue_open": overdue.height,
        "due_soon_open": soon.height,
        "one_visit_rate": ratio(
            visits_known.filter(pl.col("visits") <= 1).height, visits_known.height
        ),
        "online_rate": ratio(intake.filter(pl.col("channel") == "online").height, accepted),
        "instant_share": ratio(intake.filter(pl.col("kind") == "instant").height, accepted),
        "tolerance_accepted": intake.filter(pl.col("tolerance").fill_null(False)).height,
        "speedup_rate": None if not legal_mean else 1 - speed["used"].mean() / legal_mean,
    }

    ev = p.evaluations
    active = ev.filter(pl.col("active"))
    n = active.height
    bad = ev.filter(pl.col("bad"))
    rv_ok = rv_known = rc_ok = rc_known = bad_overdue = 0
    for rv_at, rc_at, rv_due, rc_due in bad.select(
        "revisited_at", "rectified_at", "revisit_due", "rectify_due"
    ).iter_rows():
        revisited = rv_at is not None and rv_at <= as_of
        rectified = rc_at is not None and rc_at <= as_of
        rv_known += revisited or (rv_due is not None and as_of > rv_due)
        rv_ok += revisited and rv_due is not None and rv_at <= rv_due
        rc_known += rectified or (rc_due is not None and as_of > rc_due)
        rc_ok += rectified and rc_due is not None and rc_at <= rc_due
        bad_overdue += (not rectified) and rc_due is not None and as_of > rc_due
    covered = served_tk.filter(pl.col("ticket_id").is_in(p.covered_ids.implode())).height
    evaluations = {
        "count": n,
        "default_count": ev.height - n,
        "satisfaction_rate": ratio(active.filter(pl.col("rating") >= 3).height, n),
        "very_satisfied_rate": ratio(active.filter(pl.col("rating") == 5).height, n),
        "mean_rating": active["rating"].mean() if n else None,
        "bad_count": bad.height,
        "bad_revisited_on_time_rate": ratio(rv_ok, rv_known),
        "bad_rectified_on_time_rate": ratio(rc_ok, rc_known),
        "bad_overdue": bad_overdue,
        "coverage_rate": ratio(covered, served),
    }

    att = p.attendance
    punched = att.filter(pl.col("clock_in").is_not_null() & pl.col("clock_out").is_not_null())
    staffed = float((punched["clock_out"] - punched["clock_in"]).dt.total_seconds().sum()) / 3600
    busy = float(services.sum()) / 3600 if services.len() else 0.0
    scheduled = att.filter(pl.col("scheduled_start").is_not_null())
    judged = scheduled.filter(pl.col("clock_in").is_not_null())
    late = judged.filter(
        (pl.col("clock_in") - pl.col("scheduled_start")).dt.total_seconds()
        > settings.late_grace_min * 60
    )
    absent = scheduled.filter(pl.col("clock_in").is_null() & pl.col("leave").is_null())
    attendance = {
        "staffed_hours": staffed,
        "busy_hours": busy,
        "utilization": ratio(busy, staffed),
        "late_rate": ratio(late.height, judged.height),
        "absence_rate": ratio(absent.height, scheduled.height),
        "served_per_staffed_hour": ratio(served, staffed),
    }
    return {
        "tickets": tickets,
        "cases": cases,
        "evaluations": evaluations,
        "attendance": attendance,
    }


def naive_compute(
    conn: sa.Connection, scope: Scope, settings: Settings, dimension: str | None
) -> tuple[dict, dict]:
    """(figures shaped like `compute`'s, notes). Supports the hall filter and `window`."""
    raw = load_raw(conn, scope, scope.filters["hall"])
    p = prepare(raw, scope, settings)
    p.notes["rows_loaded"] = raw.rows()
    if dimension is None:
        return naive_sections(p, scope, settings), p.notes
    if dimension != "window":
        raise ValueError("the naive way groups by window only")
    frames = (p.tickets, p.intake, p.completed, p.open_cases, p.evaluations, p.attendance)
    keys = sorted(set().union(*(set(f["window_id"].drop_nulls().to_list()) for f in frames)))
    groups = []
    for key in keys:

        def only(frame: pl.DataFrame, key: str = key) -> pl.DataFrame:
            return frame.filter(pl.col("window_id") == key)

        part = Prepared(
            tickets=only(p.tickets),
            intake=only(p.intake),
            completed=only(p.completed),
            open_cases=only(p.open_cases),
            evaluations=only(p.evaluations),
            covered_ids=p.covered_ids,
            attendance=only(p.attendance),
            soon_end=p.soon_end,
        )
        groups.append({"window_id": key, **naive_sections(part, scope, settings)})
    return {"groups": groups}, p.notes


# --- comparing ---------------------------------------------------------------------------------


@dataclass
class Check:
    mismatches: list[str] = field(default_factory=list)
    compared: int = 0
    # figures the naive way does not compute (added to the engine after it was written):
    # printed as not compared, not counted as differences
    unchecked: set[str] = field(default_factory=set)
    max_quantile_diff: float = 0.0


def compare(engine: object, naive: object, path: str, check: Check) -> None:
    key = path.rsplit(".", 1)[-1]
    if isinstance(engine, dict) and isinstance(naive, dict):
        for k in sorted(set(engine) | set(naive), key=str):
            if k not in naive:
                check.unchecked.add(str(k))
                continue
            if k not in engine:
                check.mismatches.append(f"{path}.{k}: only in naive")
                continue
            compare(engine[k], naive[k], f"{path}.{k}", check)
        return
    if isinstance(engine, list) and isinstance(naive, list):
        labels_e = [g.get("window_id") for g in engine]
        labels_n = [g.get("window_id") for g in naive]
        if labels_e != labels_n:
            only_e = sorted(set(labels_e) - set(labels_n))
            only_n = sorted(set(labels_n) - set(labels_e))
            check.mismatches.append(f"{path}: groups only in engine {only_e}, only naive {only_n}")
        by_label = {g.get("window_id"): g for g in naive}
        for g in engine:
            if g.get("window_id") in by_label:
                compare(g, by_label[g["window_id"]], f"{path}[{g.get('window_id')}]", check)
        return
    check.compared += 1
    if engine is None or naive is None:
        ok = engine is None and naive is None
    elif key in QUANTILE_KEYS:
        diff = abs(engine - naive)
        check.max_quantile_diff = max(check.max_quantile_diff, diff)
        ok = diff <= QUANTILE_TOL_MIN + 1e-9
    elif isinstance(engine, float) or isinstance(naive, float):
        ok = math.isclose(engine, naive, rel_tol=REL_TOL, abs_tol=1e-12)
    else:
        ok = engine == naive
    if not ok:
        check.mismatches.append(f"{path}: engine {engine!r} ≠ naive {naive!r}")


# --- timing ------------------------------------------------------------------------------------


@dataclass
class Timing:
    cold: float
    warm: float
    result: object


def measure(url: str, fn: Callable[[sa.Connection], object], repeats: int) -> Timing:
    """Once on a new engine (cold), then the best of `repeats` on that engine (warm)."""
    engine = make_engine(url)
    try:
        runs = []
        result = None
        for _ in range(1 + repeats):
            t0 = time.perf_counter()
            with engine.connect() as conn:
                result = fn(conn)
            runs.append(time.perf_counter() - t0)
        return Timing(runs[0], min(runs[1:]) if repeats else runs[0], result)
    finally:
        engine.dispose()


def run_cli(url: str, scope: Scope, dimension: str | None) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds of the child process, its JSON) of one `hall metrics`."""
    cmd = [
        str(HALL_BIN), "metrics", "--db", url, "--from", scope.first.isoformat(),
        "--to", scope.last.isoformat(), "--hall", scope.filters["hall"], "--json",
    ]  # fmt: skip
    if dimension:
        cmd += ["--by", dimension]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, cpu, json.loads(proc.stdout)


# --- the databases -----------------------------------------------------------------------------


def holds_demo(url: str, options: DemoOptions) -> bool:
    engine = make_engine(url)
    try:
        if not has_schema(engine):
            return False
        with engine.connect() as conn:
            meta = get_meta(conn)
            tickets = conn.execute(sa.select(sa.func.count()).select_from(schema.tickets))
            demo = {k: v for k, v in meta.items() if k.startswith("demo_")}
            return tickets.scalar_one() > 0 and demo == {
                "demo_seed": str(options.seed),
                "demo_end": options.end.isoformat(),
                "demo_days": str(options.days),
            }
    finally:
        engine.dispose()


def generate(url: str, options: DemoOptions) -> float:
    t0 = time.perf_counter()
    engine = make_engine(url)
    try:
        summary = write_demo(engine, options, replace=True)
    finally:
        engine.dispose()
    rows = ", ".join(f"{summary.rows.get(t.name, 0):,} {t.name}" for t in schema.FACT_TABLES)
    print(f"  wrote {rows} in {time.perf_counter() - t0:.0f} s")
    return time.perf_counter() - t0


def ensure_rollups(url: str, settings: Settings, rebuild: bool) -> None:
    """Build the daily rollups when the database has none (or when asked), and say how long
    it took: `hall demo` and `hall import` keep them at write time, this is their full cost."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            span = rollups.rolled_span(conn)
            if span is not None and not rebuild:
                print(f"  daily rollups held for {span[0]} … {span[1]}")
                return
            t0 = time.perf_counter()
            days = rollups.rebuild_all(conn, wait_target_s=settings.wait_target_min * 60)
            print(f"  daily rollups: {days} days built in {time.perf_counter() - t0:.1f} s")
    finally:
        engine.dispose()


def sqlite_db(folder: Path, options: DemoOptions, reuse: bool) -> str:
    path = folder / f"demo_{options.end}_{options.days}d_seed{options.seed}.db"
    url = f"sqlite:///{path}"
    if reuse and path.exists() and holds_demo(url, options):
        print(f"sqlite: reusing {path}")
        return url
    print(f"sqlite: generating {options.days} days into {path} …", flush=True)
    partial = path.with_name(path.name + ".partial")
    for p in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        p.unlink(missing_ok=True)
    generate(f"sqlite:///{partial}", options)
    os.replace(partial, path)  # a run stopped half-way leaves no file that looks complete
    return url


def pg_db(url: str, options: DemoOptions, reuse: bool) -> str:
    if reuse and holds_demo(url, options):
        print(f"postgresql: reusing {redact(url)}")
    else:
        print(f"postgresql: generating {options.days} days into {redact(url)} …", flush=True)
        generate(url, options)
    engine = make_engine(url)
    with engine.connect() as conn:  # fresh planner statistics, as autovacuum would leave them
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    engine.dispose()
    return url


# --- main --------------------------------------------------------------------------------------


@dataclass
class Row:
    db: str
    op: str
    engine: Timing
    naive: Timing
    cli_s: float
    rows_loaded: int
    check: Check
    notes: dict
    cli_cpu: float = 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--reuse", type=Path, metavar="DIR", help="keep the SQLite file here")
    parser.add_argument("--repeats", type=int, default=3, help="warm runs, best kept (3)")
    parser.add_argument(
        "--rebuild-rollups", action="store_true", help="time a full rebuild of the rollups"
    )
    args = parser.parse_args()

    options = DemoOptions(end=args.end, days=args.days, seed=SEED)
    config = os.environ.get(CONFIG_ENV)
    settings = load_settings(Path(config) if config else ROOT / "hallpulse.toml")
    end = args.end
    as_of = dt.datetime.combine(end, END_OF_DAY)
    hall = {"hall": HALL}
    ops = [
        ("year", Scope(options.first, end, as_of, hall), None),
        ("month --by window", Scope(end - dt.timedelta(days=29), end, as_of, hall), "window"),
        ("day", Scope(end, end, as_of, hall), None),
    ]

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.reuse or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        dbs = [("sqlite", sqlite_db(folder, options, args.reuse is not None))]
        if not args.no_pg:
            dbs.append(("postgresql", pg_db(args.pg, options, args.reuse is not None)))

        for _db, url in dbs:
            ensure_rollups(url, settings, args.rebuild_rollups)

        rows: list[Row] = []
        for db, url in dbs:
            print(f"\n{db}: hall {HALL}, as_of = end of the last day, {args.repeats} warm runs")
            for op, scope, dim in ops:
                eng = measure(
                    url,
                    lambda c, s=scope, d=dim: compute(
                        c, s, settings, d, scope=AccessScope.everything()
                    ),
                    args.repeats,
                )
                nai = measure(
                    url, lambda c, s=scope, d=dim: naive_compute(c, s, settings, d), args.repeats
                )
                naive_result, notes = nai.result
                check = Check()
                compare(eng.result, naive_result, op.split()[0], check)
                cli_s, cli_cpu, cli_json = run_cli(url, scope, dim)
                in_process = json.loads(json.dumps(eng.result, ensure_ascii=False, default=str))
                if cli_json != in_process:
                    # the same figures within the comparison's tolerances (sums of floats in
                    # another order) are equal; anything else is named
                    where = Check()
                    compare(in_process, cli_json, "cli", where)
                    if where.mismatches:
                        check.mismatches.append(
                            f"{op}: `hall metrics --json` ≠ compute() in-process: "
                            + "; ".join(where.mismatches[:3])
                        )
                row = Row(db, op, eng, nai, cli_s, notes["rows_loaded"], check, notes, cli_cpu)
                rows.append(row)
                print(
                    f"  {op:<18} {scope.first}..{scope.last}  engine {eng.cold:6.3f} / "
                    f"{eng.warm:6.3f} s   naive {nai.cold:6.3f} / {nai.warm:6.3f} s   "
                    f"CLI {cli_s:5.2f} s   {check.compared} figures, "
                    f"{len(check.mismatches)} mismatches",
                    flush=True,
                )
                for m in check.mismatches[:40]:
                    print(f"    MISMATCH {m}")
                if len(check.mismatches) > 40:
                    print(f"    … {len(check.mismatches) - 40} more")

    print_table(rows, args)
    return 1 if any(r.check.mismatches for r in rows) else 0


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print(f"\nhall metrics for {HALL}, demo seed {SEED}, {args.days} days ending {args.end}")
    print("times in seconds; cold = first run on a new engine, warm = best of", args.repeats)
    header = (
        f"{'database':<11}{'operation':<19}{'engine cold':>12}{'warm':>8}"
        f"{'naive cold':>12}{'warm':>8}{'naive/engine':>14}{'CLI':>7}"
        f"{'rows naive':>12}{'check':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        speedup = r.naive.warm / r.engine.warm
        status = "ok" if not r.check.mismatches else f"{len(r.check.mismatches)} diff"
        print(
            f"{r.db:<11}{r.op:<19}{r.engine.cold:12.3f}{r.engine.warm:8.3f}"
            f"{r.naive.cold:12.3f}{r.naive.warm:8.3f}{speedup:13.1f}×{r.cli_s:7.2f}"
            f"{r.rows_loaded:12,}{status:>10}"
        )
    print("\ntargets (warm in-process; cold and CLI shown for reference)")
    for r in rows:
        if r.op == "year":
            lines = [
                (
                    f"whole year ≤ {TARGET_YEAR_S:g} s",
                    r.engine.warm,
                    r.engine.warm <= TARGET_YEAR_S,
                ),
                (
                    f"engine ≥ {TARGET_SPEEDUP:g}× naive (year)",
                    r.naive.warm / r.engine.warm,
                    r.naive.warm / r.engine.warm >= TARGET_SPEEDUP,
                ),
            ]
        elif r.op == "day":
            lines = [
                (f"one day ≤ {TARGET_DAY_S:g} s", r.engine.warm, r.engine.warm <= TARGET_DAY_S)
            ]
        else:
            continue
        for label, value, ok in lines:
            unit = "×" if "naive" in label else " s"
            extra = "" if unit == "×" else f"  (cold {r.engine.cold:.3f} s, CLI {r.cli_s:.2f} s)"
            print(f"  {r.db:<11}{label:<28}{value:8.3f}{unit}  {'PASS' if ok else 'FAIL'}{extra}")
    print(f"\nhall metrics as a whole process (issue 15); {load_average()}")
    for r in rows:
        target = {"year": TARGET_CLI_YEAR_S, "day": TARGET_CLI_DAY_S}.get(r.op)
        if target is None:
            continue
        ok = "PASS" if r.cli_s <= target else "FAIL"
        print(
            f"  {r.db:<11}{r.op:<19}{r.cli_s:6.2f} s wall  {r.cli_cpu:6.2f} CPU-s   "
            f"target ≤ {target:g} s  {ok}"
        )
    print("\nchecks")
    for r in rows:
        print(
            f"  {r.db:<11}{r.op:<19}{r.check.compared:5} figures compared, "
            f"{len(r.check.mismatches)} mismatches, max quantile difference "
            f"{r.check.max_quantile_diff:.3f} min"
        )
    unchecked = sorted(set().union(*(r.check.unchecked for r in rows)))
    if unchecked:
        print(f"  not computed the naive way, so not compared: {', '.join(unchecked)}")
    year = [r for r in rows if r.op == "year"]
    for r in year:
        engine_ext = r.engine.result["tickets"]["extended_hours_issued"]
        literal = r.notes["extended_literal"]
        if literal != engine_ext:
            print(
                f"  note {r.db}: extended_hours_issued {engine_ext:,} follows the hours the hall "
                f"kept (调休 weekend → Monday, holiday breaks closed); reading metrics.md "
                f"literally (the date's own weekday) gives {literal:,}"
            )


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f}"


if __name__ == "__main__":
    sys.exit(main())
