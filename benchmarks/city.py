"""Benchmark: the 1+12+137 city network on PostgreSQL — generation, figures, big screen.

    .venv/bin/python benchmarks/city.py --db postgresql+psycopg://…/city [--days 730]
        [--end 2026-11-27] [--workers 2] [--halls N] [--skip-generate] [--repeats 3]

1. `hall demo --network city --days D --replace` (a child process, as a user runs it): wall
   time and rows, and the same extrapolated to 150 halls × 730 days (two years: ~20 million
   tickets). Whatever layout `hall db init --partition …` gave the database is kept.
2. `metrics.figures.compute` (what `hall metrics` and the pages compute, as they do: its reads
   on a few connections at once, `queries.parallel`) for the last month and
   the last year of the data, at hall (a community station), street (a street centre and its
   stations: a director's scope) and city level: cold (a new engine and session, first
   query) and warm (best of --repeats), each next to its target: warm ≤ 0.5 s, cold ≤ 2 s.
   `hall metrics` itself (a fresh process) is timed for the city's month too.
3. The big screen's live read of one hall (`metrics.screen.live_figures`, the queries of
   queries/live.py) at the last minutes of the last day: target ≤ 0.2 s.

Run it at scale on an idle machine; on a busy one, only on a slice (`--days 3 --halls 20`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

TARGETS = {"warm": 0.5, "cold": 2.0, "screen": 0.2}
FULL_HALLS, FULL_DAYS, FULL_TICKETS = 150, 730, 20_000_000


def _line(label: str, seconds: float, target: float) -> str:
    mark = "ok" if seconds <= target else "SLOW"
    return f"  {label:<42} {seconds:7.3f} s   (target ≤ {target:.1f} s) {mark}"


def generate(url: str, days: int, end: dt.date, workers: int, halls: int | None) -> None:
    cmd = [
        str(BIN / "hall"), "demo", "--network", "city", "--db", url, "--days", str(days),
        "--end", end.isoformat(), "--now", f"{end.isoformat()}T19:55:00", "--replace",
        "--workers", str(workers),
    ]  # fmt: skip
    if halls:
        cmd += ["--halls", str(halls)]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    out = done.stdout.strip()
    print(f"hall demo --network city --days {days} --workers {workers}"
          + (f" --halls {halls}" if halls else ""))  # fmt: skip
    print(f"  wall time {seconds:,.1f} s; {out}")
    found = re.search(r"tickets ([\d,]+)", out)
    tickets = int(found.group(1).replace(",", "")) if found else 0
    if tickets:  # the work grows with the tickets (the slice's halls are the busiest ones)
        print(
            f"  {tickets / seconds:,.0f} tickets/s with their cases, evaluations and punches: "
            f"~{FULL_TICKETS / tickets * seconds / 60:,.0f} min for {FULL_TICKETS:,} tickets "
            f"({FULL_HALLS} halls × {FULL_DAYS} days) at this machine's present load"
        )


def figures(url: str, end: dt.date, repeats: int) -> None:
    from access.scope import Scope, halls_below
    from metrics.figures import compute
    from metrics.settings import load_settings
    from queries import schema as s
    from queries.db import make_engine
    from queries.metric_queries import Filters

    settings = load_settings()
    engine = make_engine(url)
    with engine.connect() as conn:
        ids = list(conn.execute(s.halls.select().order_by(s.halls.c.hall_id)).mappings())
        street = next((h["hall_id"] for h in ids if h["level"] == "street"), None)
        community = next(
            (h["hall_id"] for h in ids if h["level"] == "community"), ids[0]["hall_id"]
        )
        street_halls = halls_below(conn, [street]) if street else frozenset()
        first_day = conn.execute(sa.select(sa.func.min(s.tickets.c.issued_at))).scalar()
    engine.dispose()
    levels = {
        f"hall {community}": Scope(who="bench", role="director", hall_ids=frozenset({community})),
        f"street {street} ({len(street_halls)} halls)": Scope(
            who="bench", role="director", hall_ids=street_halls
        ),
        "city": Scope.everything("bench"),
    }
    as_of = dt.datetime.combine(end, dt.time(19, 55))
    periods = {
        "month": Filters(end.replace(day=1), end, as_of),
        "year": Filters(end - dt.timedelta(days=364), end, as_of),
    }
    if first_day is not None:
        print(f"figures (data from {first_day:%Y-%m-%d} to {end})")
    for pname, period in periods.items():
        for lname, scope in levels.items():
            engine = make_engine(url)  # cold: a new pool, a new session
            started = time.perf_counter()
            with engine.connect() as conn:
                compute(conn, period, settings, scope=scope, parallel=True)
            cold = time.perf_counter() - started
            warm = []
            with engine.connect() as conn:
                for _ in range(repeats):
                    started = time.perf_counter()
                    compute(conn, period, settings, scope=scope, parallel=True)
                    warm.append(time.perf_counter() - started)
            engine.dispose()
            print(_line(f"{pname} · {lname} · cold", cold, TARGETS["cold"]))
            print(_line(f"{pname} · {lname} · warm", min(warm), TARGETS["warm"]))
    month = periods["month"]
    cmd = [
        str(BIN / "hall"), "metrics", "--db", url, "--from", month.first.isoformat(),
        "--to", month.last.isoformat(), "--json",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    print(_line("hall metrics (process) · month · city", seconds, TARGETS["cold"]))


def screen(url: str, end: dt.date, repeats: int) -> None:
    from access.scope import Scope
    from metrics.live import ScreenSettings
    from metrics.screen import live_figures
    from metrics.settings import Settings
    from queries import schema as s
    from queries.db import make_engine

    engine = make_engine(url)
    now = dt.datetime.combine(end, dt.time(19, 55))
    with engine.connect() as conn:
        hall = (
            conn.execute(
                sa.select(s.halls.c.hall_id).where(s.halls.c.level == "street").limit(1)
            ).scalar()
            or conn.execute(sa.select(s.halls.c.hall_id).limit(1)).scalar()
        )
        kiosk = Scope.kiosk(0, hall)
        times = []
        for _ in range(repeats + 1):
            started = time.perf_counter()
            live_figures(conn, hall, now, Settings(), ScreenSettings(), scope=kiosk)
            times.append(time.perf_counter() - started)
    engine.dispose()
    print(_line(f"big screen live read · {hall} · first", times[0], TARGETS["screen"]))
    print(_line(f"big screen live read · {hall} · warm", min(times[1:]), TARGETS["screen"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL (its data is replaced)")
    parser.add_argument("--days", type=int, default=FULL_DAYS)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 11, 27))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--halls", type=int, default=None, help="only the first N halls")
    parser.add_argument("--skip-generate", action="store_true", help="measure the data there")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not args.db.startswith("postgresql"):
        parser.error("--db must be a PostgreSQL URL")
    if not args.skip_generate:
        generate(args.db, args.days, args.end, args.workers, args.halls)
    figures(args.db, args.end, args.repeats)
    screen(args.db, args.end, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
