"""Benchmark: a busy district hall fed live from its vendor queue system through `hall sync run`.

    .venv/bin/python benchmarks/sync_live.py [--minutes 30] [--speed 10] [--interval-s 5]
        [--db URL] [--vendor-db URL] [--day 2026-11-30] [--start 09:00] [--hall H01]

The demo's district centre (H01) on a Monday — its busiest weekday — is written into a vendor
queue system (simulation/vendor.py: qh_record, jh_log, pj_record) at `--speed` simulated
seconds per second for `--minutes` of wall time, a write every `--write-every` seconds. `hall
sync run` (a subprocess; its config generated from examples/vendor/ into a temporary folder,
`interval_s` = --interval-s) carries the rows into the HallPulse database, which the benchmark
prepares with the demo's reference tables and the days before (--db is OVERWRITTEN; default: a
temporary SQLite file; --vendor-db's vendor tables too; default: a temporary SQLite file).

A probe reads the target every --probe-s with the big screen's own queries
(`queries.live.queue_today` and `waiting_tickets`: issued, served, being served and waiting per
queue, what the screen's queue board and hall figures show) at the simulated clock of the newest
vendor write, and

- figure lag: for each vendor write that changes those figures, wall time from its commit to
  the first probe that shows the figures of that write (or of a later one);
- row lag: for each ticket change (new ticket, call, finish, no-show …), wall time from the
  commit to the first probe that sees the ticket with that status in the target.

After the writer stops, the sync is stopped (SIGTERM) and one `hall sync run --once` runs; then
rows lost (vendor tickets and ratings missing from the target or with another status),
duplicates (target rows per id, and counts), the tickets compared field by field with the
demo's own, and the CPU time of the writer and of the sync.

The sync runs with HALLPULSE_NOW pinned to the end of the simulated day, so that the day it
feeds is "today" for it as it is for a hall's real feed (a past day would count as closed and
have its daily rollups rebuilt after every round). Each run names its sources afresh
(`queue-<run>`), so a watermark stored by an earlier run is never used.

Target (issue): p95 lag ≤ 2 polling intervals, rows lost 0, duplicates 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HALL = ROOT / ".venv" / "bin" / "hall"


@dataclass
class Write:
    """One committed vendor write: its wall time, clock, figures and ticket changes."""

    committed: float
    clock: dt.datetime
    figures: tuple
    changes: list[tuple[str, str]]  # (ticket_id, status)
    visible: float | None = None


@dataclass
class Shared:
    writes: list[Write] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    cpu_s: float = 0.0


def figures_of(tickets) -> tuple:
    """(queue_id, issued, served, serving, waiting) per queue: the screen's queue board."""
    import polars as pl

    frame = (
        tickets.group_by("queue_id")
        .agg(
            pl.len().alias("issued"),
            (pl.col("status") == "served").sum().alias("served"),
            pl.col("status").is_in(["called", "serving"]).sum().alias("serving"),
            (pl.col("status") == "waiting").sum().alias("waiting"),
        )
        .sort("queue_id")
    )
    return tuple(tuple(int(v) if not isinstance(v, str) else v for v in r) for r in frame.rows())


def screen_figures(conn, hall_id: str, now: dt.datetime) -> tuple:
    """The same figures as the big screen reads them (queries.live), at `now`."""
    import polars as pl

    from access.scope import Scope
    from queries import live as q

    start = dt.datetime.combine(now.date(), dt.time())
    screen = Scope.kiosk(0, hall_id)  # what a kiosk link's screen may read
    per_queue = q.queue_today(conn, hall_id, start, now, scope=screen)
    waiting = q.waiting_tickets(conn, hall_id, start, now, scope=screen)
    waiting = waiting.group_by("queue_id").len("waiting")
    frame = (
        per_queue.join(waiting, on="queue_id", how="full", coalesce=True)
        .with_columns(pl.col("issued", "served", "serving", "waiting").fill_null(0))
        .select("queue_id", "issued", "served", "serving", "waiting")
        .sort("queue_id")
    )
    return tuple(tuple(int(v) if not isinstance(v, str) else v for v in r) for r in frame.rows())


def last_monday(today: dt.date) -> dt.date:
    from simulation.demo import DemoCalendar

    day = today - dt.timedelta(days=today.weekday() or 7)
    calendar = DemoCalendar(day - dt.timedelta(days=60), today)
    while not calendar.kind(day).is_workday:
        day -= dt.timedelta(days=7)
    return day


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="wall minutes of feed (30)")
    parser.add_argument("--speed", type=float, default=10.0, help="simulated s per s (10)")
    parser.add_argument("--interval-s", type=float, default=5.0, help="sync polling interval (5)")
    parser.add_argument("--write-every", type=float, default=1.0, help="s between vendor writes")
    parser.add_argument("--probe-s", type=float, default=0.25, help="s between probes (0.25)")
    parser.add_argument("--lookback-min", type=float, help="sync lookback (the example's: 60)")
    parser.add_argument("--db", help="HallPulse database URL (OVERWRITTEN; default: temp SQLite)")
    parser.add_argument("--vendor-db", help="vendor database URL (default: temp SQLite)")
    parser.add_argument("--day", type=dt.date.fromisoformat, help="default: the last Monday")
    parser.add_argument("--start", default="09:00", help="simulated start time (09:00)")
    parser.add_argument("--hall", default="H01")
    parser.add_argument("--history-days", type=int, default=14)
    args = parser.parse_args()

    import sqlalchemy as sa

    from queries import schema
    from queries.db import make_engine, redact
    from queries.frames import read_frame
    from simulation.follow import FollowOptions
    from simulation.vendor import (
        VendorWriter,
        example_config,
        prepare_target,
        query_rows,
        vendor_follow,
    )
    from simulation.vendor_schema import VENDOR_TABLES, ZT_STATUS, vendor_meta
    from workdays import clock

    tmp = Path(tempfile.mkdtemp(prefix="hall-sync-live-"))
    target_url = args.db or f"sqlite:///{tmp / 'hall.db'}"
    vendor_url = args.vendor_db or f"sqlite:///{tmp / 'qms.db'}"
    run = time.strftime("%Y%m%d%H%M%S")
    vendor = make_engine(vendor_url)
    writer = VendorWriter(vendor, args.hall)
    day = args.day or last_monday(clock.today(writer.timezone))
    start = dt.datetime.combine(day, dt.time.fromisoformat(args.start))
    end_of_day = dt.datetime.combine(day, dt.time(23, 59, 59))
    interval = args.interval_s
    print(
        f"{args.hall} on {day:%a %Y-%m-%d} from {start:%H:%M} at {args.speed:g}× for "
        f"{args.minutes:g} min; sync every {interval:g} s; target {redact(target_url)}, "
        f"vendor {redact(vendor_url)}",
        flush=True,
    )

    started = time.perf_counter()
    target = make_engine(target_url)
    prepare_target(target, day, args.history_days, replace=True)
    vendor_meta.drop_all(vendor, tables=list(VENDOR_TABLES), checkfirst=True)
    writer.create()
    config = example_config(
        tmp,
        vendor_url,
        args.hall,
        interval_s=interval,
        lookback_min=args.lookback_min,
        suffix=f"-{run}",
    )
    print(f"prepared in {time.perf_counter() - started:.1f} s; config {config}", flush=True)

    env = dict(os.environ, HALLPULSE_CONFIG=str(config), HALLPULSE_NOW=end_of_day.isoformat())
    sync_log = (tmp / "sync.log").open("w")
    sync = subprocess.Popen(
        [str(HALL), "sync", "run", "--db", target_url], env=env, stderr=sync_log, cwd=tmp
    )

    shared = Shared()

    def on_step(step) -> None:
        state = writer.written.tickets
        write = Write(
            committed=step.committed,
            clock=step.clock,
            figures=figures_of(state),
            changes=list(step.changes.iter_rows()),
        )
        with shared.lock:
            shared.writes.append(write)

    def feed() -> None:
        cpu = time.thread_time()
        try:
            options = FollowOptions(
                start=start,
                speed=args.speed,
                interval_s=args.write_every,
                seconds=args.minutes * 60,
            )
            vendor_follow(writer, options, on_step=on_step)
        except BaseException as exc:  # reported by the main thread
            shared.error = exc
        finally:
            shared.cpu_s = time.thread_time() - cpu
            shared.done.set()

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()

    # -- the probe -----------------------------------------------------------------------------
    row_seen: dict[tuple[str, str], float] = {}
    probes, probe_s = 0, []
    t = schema.tickets
    day_start = dt.datetime.combine(day, dt.time())
    drain_until = None
    while True:
        with shared.lock:
            writes = list(shared.writes)
        if writes:
            now = writes[-1].clock
            t0 = time.perf_counter()
            with target.connect() as conn:
                shown = screen_figures(conn, args.hall, now)
                rows = conn.execute(
                    sa.select(t.c.ticket_id, t.c.status).where(
                        t.c.hall_id == args.hall, t.c.issued_at >= day_start
                    )
                ).all()
            seen_at = time.time()
            probe_s.append(time.perf_counter() - t0)
            probes += 1
            for key in rows:
                row_seen.setdefault(tuple(key), seen_at)
            match = max(
                (i for i, w in enumerate(writes) if w.figures == shown),
                default=None,
            )
            if match is not None:
                for w in writes[: match + 1]:
                    if w.visible is None:
                        w.visible = seen_at
        if shared.done.is_set():
            drain_until = drain_until or time.time() + 3 * interval
            if time.time() > drain_until or (writes and writes[-1].visible is not None):
                break
        time.sleep(args.probe_s)
    thread.join()
    if shared.error is not None:
        raise shared.error
    sync_cpu = cpu_seconds(sync.pid)
    sync.send_signal(signal.SIGTERM)
    sync.wait(timeout=120)
    final = subprocess.run(
        [str(HALL), "sync", "run", "--once", "--db", target_url],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
    )
    sync_log.close()
    if final.returncode != 0:
        print(final.stderr, file=sys.stderr)

    # -- figures --------------------------------------------------------------------------------
    writes = shared.writes
    visible_writes = [
        w
        for prev, w in zip([None, *writes], writes, strict=False)
        if prev is None or w.figures != prev.figures
    ]
    figure_lags = [w.visible - w.committed for w in visible_writes if w.visible is not None]
    unseen_writes = sum(1 for w in visible_writes if w.visible is None)
    row_lags, unseen_rows = [], 0
    for w in writes:
        for change in w.changes:
            at = row_seen.get(tuple(change))
            if at is None:
                unseen_rows += 1  # overtaken by a later change before a probe saw it, or lost
            else:
                row_lags.append(max(0.0, at - w.committed))

    config_sources = tomllib.loads(config.read_text(encoding="utf-8"))["sync"]["sources"]
    queue_query = next(s["query"] for s in config_sources if s["table"] == "tickets")
    rating_query = next(s["query"] for s in config_sources if s["table"] == "evaluations")
    headers, vendor_rows = query_rows(vendor, queue_query)
    vendor_state = {
        r[headers.index("lsh")]: ZT_STATUS[int(r[headers.index("zt")])] for r in vendor_rows
    }
    _, rating_rows = query_rows(vendor, rating_query)
    vendor_ratings = {r[0] for r in rating_rows}
    e = schema.evaluations
    with target.connect() as conn:
        target_rows = conn.execute(
            sa.select(t.c.ticket_id, t.c.status).where(
                t.c.hall_id == args.hall, t.c.issued_at >= day_start
            )
        ).all()
        per_id = conn.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(t.c.ticket_id))).where(
                t.c.hall_id == args.hall, t.c.issued_at >= day_start
            )
        ).one()
        target_ratings = set(
            conn.execute(
                sa.select(e.c.eval_id).where(
                    e.c.hall_id == args.hall, e.c.evaluated_at >= day_start, e.c.channel == "device"
                )
            ).scalars()
        )
        columns = [c.name for c in t.columns if c.name != "case_id"]
        got = read_frame(
            conn,
            sa.select(*(t.c[c] for c in columns)).where(
                t.c.hall_id == args.hall, t.c.issued_at >= day_start
            ),
            dict(writer.written.tickets.select(columns).schema),
        )
    target_state = dict(target_rows)
    lost = sum(1 for k in vendor_state if k not in target_state)
    stale = sum(1 for k, v in vendor_state.items() if k in target_state and target_state[k] != v)
    extra = sum(1 for k in target_state if k not in vendor_state)
    duplicates = per_id[0] - per_id[1]
    expected = writer.written.tickets.select(columns)
    differing = got.join(expected, on=columns, how="anti", nulls_equal=True).height
    differing += expected.join(got, on=columns, how="anti", nulls_equal=True).height
    ratings_lost = len(vendor_ratings - target_ratings)
    wall = time.perf_counter() - started

    def line(name: str, lags: list[float]) -> str:
        if not lags:
            return f"{name}: no measurements"
        p95 = percentile(lags, 95)
        verdict = "PASS" if p95 <= 2 * interval else "FAIL"
        return (
            f"{name}: n={len(lags):,}  p50 {statistics.median(lags):.2f} s  p95 {p95:.2f} s  "
            f"max {max(lags):.2f} s   target p95 ≤ {2 * interval:g} s (2 × interval): {verdict}"
        )

    print()
    print(
        f"vendor: {len(writes):,} writes, {sum(len(w.changes) for w in writes):,} ticket "
        f"changes, simulated {writes[0].clock:%H:%M:%S} … {writes[-1].clock:%H:%M:%S}; "
        f"{len(vendor_state):,} tickets, {len(vendor_ratings):,} ratings"
    )
    print(
        line("figure lag (screen queries)", figure_lags)
        + f"; {len(visible_writes):,} writes changed the figures, {unseen_writes} never shown"
    )
    print(
        line("row lag (ticket changes)", row_lags)
        + f"; {unseen_rows:,} changes overtaken before a probe saw them"
    )
    print(
        f"rows lost: {lost} tickets, {ratings_lost} ratings; status behind the vendor: {stale}; "
        f"rows the vendor does not have: {extra}"
    )
    print(
        f"duplicates: {duplicates} (target {per_id[0]:,} rows, {per_id[1]:,} ids; vendor "
        f"{len(vendor_state):,}); rows differing from the demo's own: {differing}"
    )
    print(
        f"rows synced: {len(target_state):,} tickets, {len(target_ratings):,} ratings; final "
        f"--once exit {final.returncode}"
    )
    minutes = args.minutes * 60
    print(
        f"CPU: sync {sync_cpu:.1f} s ({100 * sync_cpu / minutes:.0f}% of one core over the feed), "
        f"vendor writer {shared.cpu_s:.1f} s, probes {probes:,} (median "
        f"{1000 * statistics.median(probe_s):.0f} ms); whole run {wall:.0f} s; logs in {tmp}"
    )
    ok = (
        figure_lags
        and percentile(figure_lags, 95) <= 2 * interval
        and lost == 0
        and ratings_lost == 0
        and duplicates == 0
        and stale == 0
        and differing == 0
    )
    vendor.dispose()
    target.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
