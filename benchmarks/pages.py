"""Server-side render time of every dashboard page over a year of the demo district centre.

    python benchmarks/pages.py [--db URL] [--now "2026-11-27 18:00"] [--hall H01|all]
        [--window ID] [--pages overview,…] [--no-year] [--explain] [--queries N] [--city]

Each page script runs in Streamlit's AppTest (the same code the server runs for a browser,
without the websocket): "cold" right after the caches are cleared (a fresh server), "warm" for
the same view again (what a second visitor or a rerun costs). Periods: this month (the
month-scale view managers use) and the whole year (custom range). "Now" is fixed with
HALLPULSE_NOW so the run is repeatable on a database that ends on a known day.
Each figure is wall seconds with the process's CPU seconds beside it (the machine is shared:
the CPU figure is the steadier one) and its target. With --explain, each cold view's slowest
query follows its line, with its plan as the database runs it (EXPLAIN (ANALYZE, BUFFERS) on
PostgreSQL, ANALYZE on MariaDB, EXPLAIN QUERY PLAN on SQLite); with --queries N, its N slowest
statements with their seconds (a page runs its reads side by side: they overlap). `--hall all`
shows every hall (the city level of a network). Targets: this month warm ≤ 0.5 s, cold ≤ 2 s;
the 365-day view (issue 15) warm ≤ 0.3 s, cold ≤ 1.5 s; with --city, the city network's (issue
15: every page warm ≤ 0.5 s and cold ≤ 2 s for a month and a year, at hall, street and city
level). Sign-in is turned off for the run (`[access] auth = "none"` in a temporary
HALLPULSE_CONFIG) unless HALLPULSE_CONFIG is set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "windows", "window", "cases", "evaluations", "attendance", "quality")
TARGET_WARM_S, TARGET_COLD_S = 0.5, 2.0
TARGET_YEAR_WARM_S, TARGET_YEAR_COLD_S = 0.3, 1.5


def _scan_components_once() -> None:
    """AppTest scans every installed package for Streamlit components on each run (≈0.7 s
    here); a server does it once at start-up, so the benchmark does it once too."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    scan = BidiComponentManager.discover_and_register_components
    done: set[int] = set()

    def once(self, *args, **kwargs):
        if not done:
            done.add(1)
            scan(self, *args, **kwargs)

    BidiComponentManager.discover_and_register_components = once


def render(page: str, params: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to run the page once (navigation included), failing on an
    exception or when the page drew no heading (a sign-in form instead of the page)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"dashboard/pages/{page}.py")
    start, cpu = time.perf_counter(), time.process_time()
    at.run()
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    if not (at.title or at.header or at.subheader):
        raise RuntimeError(f"{page}: the page drew no heading (signed out?)")
    return seconds, cpu_s


class Statements:
    """Every SELECT the process sends while `on`, with its duration (SQLAlchemy's cursor
    events on every engine), to find a page's slowest query and show how the database runs it."""

    def __init__(self) -> None:
        import sqlalchemy as sa

        self.on = False
        self.seen: list[tuple[float, str, object, str]] = []  # seconds, SQL, parameters, URL
        sa.event.listen(sa.Engine, "before_cursor_execute", self._before)
        sa.event.listen(sa.Engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        started = conn.info["bench_started"].pop()
        head = statement.lstrip()[:7].split(maxsplit=1)[0].upper() if statement.strip() else ""
        if self.on and not executemany and head in ("SELECT", "WITH"):
            self.seen.append((time.perf_counter() - started, statement, parameters, conn.engine))

    def slowest(self) -> tuple[float, str, object, object] | None:
        return max(self.seen, key=lambda s: s[0]) if self.seen else None

    def listing(self, n: int) -> None:
        """The n slowest statements, one line each."""
        for seconds, statement, _, _ in sorted(self.seen, key=lambda s: -s[0])[:n]:
            flat = " ".join(statement.split())
            print(f"    {seconds:6.3f} s  {flat[:150]}")
        print(f"    ({len(self.seen)} statements, {sum(s[0] for s in self.seen):.2f} s in all)")


def explain(found: tuple[float, str, object, object], lines: int = 30) -> None:
    """The slowest statement's plan as its database runs it: EXPLAIN (ANALYZE, BUFFERS) on
    PostgreSQL, EXPLAIN ANALYZE on MariaDB, EXPLAIN QUERY PLAN on SQLite."""
    seconds, statement, parameters, engine = found
    dialect = engine.dialect.name
    prefix = {
        "postgresql": "EXPLAIN (ANALYZE, BUFFERS) ",
        "mysql": "ANALYZE ",
        "sqlite": "EXPLAIN QUERY PLAN ",
    }.get(dialect, "EXPLAIN ")
    flat = " ".join(statement.split())
    print(f"    slowest query {seconds:.3f} s: {flat[:300]}{'…' if len(flat) > 300 else ''}")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, parameters).fetchall()
    text = [" | ".join(str(v) for v in row) for row in rows]
    for line in text[:lines]:
        print(f"      {line}")
    if len(text) > lines:
        print(f"      … {len(text) - lines} more lines")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:///data/year.db")
    parser.add_argument("--now", default="2026-11-27 18:00")
    parser.add_argument("--hall", default="H01", help="the hall's pages ('all': every hall)")
    parser.add_argument("--window", help="the window page's window (default: --hall's first)")
    parser.add_argument(
        "--explain", action="store_true", help="each cold view's slowest query and its plan"
    )
    parser.add_argument(
        "--queries", type=int, default=0, help="each cold view's N slowest statements"
    )
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--year", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--city", action="store_true", help="the city network's targets: 2 s cold, 0.5 s warm"
    )
    args = parser.parse_args()

    os.environ["HALL_DB_URL"] = args.db
    os.environ["HALLPULSE_NOW"] = args.now
    with tempfile.TemporaryDirectory() as tmp:
        if "HALLPULSE_CONFIG" not in os.environ:  # the pages as an admin sees them, no sign-in
            config = Path(tmp) / "hallpulse.toml"
            config.write_text('[access]\nauth = "none"\n', encoding="utf-8")
            os.environ["HALLPULSE_CONFIG"] = str(config)
        return run(args)


def run(args: argparse.Namespace) -> int:
    import streamlit as st

    _scan_components_once()
    now = dt.datetime.fromisoformat(args.now)
    periods = {"this month": ({"period": "this_month"}, TARGET_COLD_S, TARGET_WARM_S)}
    if args.year:
        first = now.date() - dt.timedelta(days=364)
        periods["365 days"] = (
            {"period": "custom", "from": first.isoformat(), "to": now.date().isoformat()},
            TARGET_COLD_S if args.city else TARGET_YEAR_COLD_S,
            TARGET_WARM_S if args.city else TARGET_YEAR_WARM_S,
        )
    window = args.window or first_window(args.db, args.hall)
    statements = Statements() if args.explain or args.queries else None
    print(f"database {args.db}, now {args.now}, hall {args.hall}; {load()}")
    render("quality", {})  # import every module once, as a running server has

    print(
        f"{'page':<12} {'period':<11} {'cold s':>7} {'cpu':>6} {'target':>7}"
        f" {'warm s':>7} {'cpu':>6} {'target':>7}"
    )
    failures = []
    for label, (period, cold_target, warm_target) in periods.items():
        for page in args.pages.split(","):
            params = {**period} if args.hall == "all" else {**period, "hall": args.hall}
            if page == "window":
                params = {**period, "window": window}
            st.cache_data.clear()
            st.cache_resource.clear()
            if statements:
                statements.seen.clear()
                statements.on = True
            cold, cold_cpu = render(page, params)
            if statements:
                statements.on = False
            warm, warm_cpu = render(page, params)
            flag = ""
            if cold > cold_target or warm > warm_target:
                flag = "  over target"
                failures.append(f"{page} ({label})")
            print(
                f"{page:<12} {label:<11} {cold:>7.2f} {cold_cpu:>6.2f} {cold_target:>7.1f}"
                f" {warm:>7.2f} {warm_cpu:>6.2f} {warm_target:>7.1f}{flag}",
                flush=True,
            )
            if statements and args.queries:
                statements.listing(args.queries)
            if args.explain and (found := statements.slowest()):
                explain(found)
    year_cold, year_warm = periods.get("365 days", (None, None, None))[1:]
    print(
        f"targets: this month cold ≤ {TARGET_COLD_S} s, warm ≤ {TARGET_WARM_S} s; 365 days cold "
        f"≤ {year_cold} s, warm ≤ {year_warm} s; over target: "
        f"{', '.join(failures) or 'none'}; {load()}"
    )
    return 1 if failures else 0


def first_window(url: str, hall: str) -> str:
    """The first window of `hall` (of any hall for 'all'), for the window page."""
    import sqlalchemy as sa

    from queries import schema as s
    from queries.db import make_engine

    engine = make_engine(url)
    query = sa.select(sa.func.min(s.windows.c.window_id))
    if hall != "all":
        query = query.where(s.windows.c.hall_id == hall)
    with engine.connect() as conn:
        found = conn.execute(query).scalar()
    engine.dispose()
    if found is None:
        raise SystemExit(f"hall {hall} has no window in {url}")
    return found


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f}"


if __name__ == "__main__":
    sys.exit(main())
