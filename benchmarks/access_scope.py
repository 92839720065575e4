"""Benchmark: what who-sees-what costs — argon2id sign-in, and scope_filter on the facts.

    .venv/bin/python benchmarks/access_scope.py [--db URL | --days 28] [--repeats 5]

Without --db a demo of --days days (ending 2026-11-27) is written to a temporary SQLite file.
Prints the median time of:

    hash / verify     one argon2id hash and one verification (the sign-in's cost; an unknown
                      login costs the same)
    facts             per table, a period's rows counted by hall: unscoped, and with the
                      scope_filter of an admin, a director (H02 and below), a department
                      manager (D01 in H01, H02) and a window staff member, each with the rows
                      it keeps — the department filter goes through the queue (tickets), the
                      item (cases) or item-else-window (evaluations) like the metrics
    compute           the last 7 days' figures (metrics.figures.compute, rollups on) in each
                      scope, beside the same explicit filter read as an admin: what the scope
                      costs a page (a department or staff scope reads the hall-level wait
                      histograms from the rows, not the rollups)
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL to use as it is (with the demo network)")
    parser.add_argument("--days", type=int, default=28, help="days of demo without --db (28)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import sqlalchemy as sa

    from access import passwords
    from access.scope import Scope, scope_filter
    from queries import schema as s
    from queries.db import make_engine
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo

    hash_s, stored = _median(lambda: passwords.hash_password("a long pass phrase"), args.repeats)
    verify_s, _ = _median(lambda: passwords.verify(stored, "a long pass phrase"), args.repeats)
    print(
        f"argon2id: hash {hash_s * 1000:.0f} ms, verify {verify_s * 1000:.0f} ms ({stored[:30]}…)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db
        if not url:
            url = f"sqlite:///{Path(tmp) / 'demo.db'}"
            started = time.perf_counter()
            write_demo(make_engine(url), DemoOptions(end=dt.date(2026, 11, 27), days=args.days))
            print(f"demo of {args.days} days written in {time.perf_counter() - started:.1f} s")
        engine = make_engine(url)
        with engine.connect() as conn:
            staff_id = conn.execute(
                sa.select(s.tickets.c.staff_id).where(s.tickets.c.staff_id.is_not(None)).limit(1)
            ).scalar_one()
            staff_hall = conn.execute(
                sa.select(s.staff.c.hall_id).where(s.staff.c.staff_id == staff_id)
            ).scalar_one()
            scopes = {
                "admin": Scope.everything("root"),
                "director H02": Scope("d2", "director", frozenset({"H02", "H04", "H05"})),
                "manager D01": Scope(
                    "m1", "manager", frozenset({"H01", "H02"}), frozenset({"D01"})
                ),
                f"staff {staff_id}": Scope(
                    "w1", "staff", frozenset({staff_hall}), staff_id=staff_id
                ),
            }
            for table, when in (
                (s.tickets, s.tickets.c.issued_at),
                (s.cases, s.cases.c.accepted_at),
                (s.evaluations, s.evaluations.c.evaluated_at),
                (s.attendance, s.attendance.c.work_date),
            ):
                base = (
                    sa.select(table.c.hall_id, sa.func.count())
                    .where(when.is_not(None))
                    .group_by(table.c.hall_id)
                )
                plain_s, rows = _median(lambda b=base: conn.execute(b).all(), args.repeats)
                total = sum(n for _, n in rows)
                print(f"{table.name}: {total:,} rows, unscoped {plain_s * 1000:.1f} ms")
                for name, scope in scopes.items():
                    stmt = base.where(scope_filter(scope, table))
                    took, rows = _median(lambda q=stmt: conn.execute(q).all(), args.repeats)
                    kept = sum(n for _, n in rows)
                    print(f"  {name:<16} {took * 1000:7.1f} ms  {kept:>9,} rows kept")
            _compute_costs(conn, scopes, staff_id, staff_hall, args.repeats)
        engine.dispose()
    return 0


def _compute_costs(conn, scopes: dict, staff_id: str, staff_hall: str, repeats: int) -> None:
    import sqlalchemy as sa

    from access.scope import Scope
    from metrics.figures import compute
    from metrics.settings import Settings
    from queries import schema as s
    from queries.metric_queries import Filters

    last = conn.execute(sa.select(sa.func.max(s.tickets.c.issued_at))).scalar()
    last = (dt.datetime.fromisoformat(last) if isinstance(last, str) else last).date()
    last -= dt.timedelta(days=1)  # a closed day: the rollups hold the week
    first = last - dt.timedelta(days=6)
    as_of = dt.datetime.combine(last, dt.time(23, 59, 59))
    same_filter = {
        "admin": {},
        "director H02": None,  # three halls: no single filter says it
        "manager D01": None,
        f"staff {staff_id}": {"hall": staff_hall, "staff": staff_id},
    }
    print(f"compute, {first} … {last} (rollups on):")
    admin = Scope.everything("root")
    for name, scope in scopes.items():
        took, _ = _median(
            lambda sc=scope: compute(conn, Filters(first, last, as_of), Settings(), scope=sc),
            repeats,
        )
        line = f"  {name:<16} {took * 1000:7.1f} ms in scope"
        filters = same_filter[name]
        if filters is not None:
            plain, _ = _median(
                lambda f=filters: compute(
                    conn, Filters(first, last, as_of, f), Settings(), scope=admin
                ),
                repeats,
            )
            line += f"   {plain * 1000:7.1f} ms as the admin with the same filter"
        print(line)
    for label, filters in (("H01 + D01 filter", {"hall": "H01", "department": "D01"}),):
        took, _ = _median(
            lambda f=filters: compute(
                conn, Filters(first, last, as_of, f), Settings(), scope=admin
            ),
            repeats,
        )
        print(f"  admin {label:<10} {took * 1000:7.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
