"""`hall`: HallPulse's command line.

    hall db init     [--db URL]                 create the schema, seed China's calendar
    hall db overview [--db URL] [--json]        rows, first/last timestamps, freshness per hall
    hall demo        [--db URL] [--days D] [--end DATE] [--now DATETIME] [--seed S] [--replace]

The database URL comes from --db, else $HALL_DB_URL, else sqlite:///data/hall.db.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError, SQLAlchemyError


def _date(text: str) -> dt.date:
    if text == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _datetime(text: str) -> dt.datetime:
    if text == "now":
        return dt.datetime.now().replace(microsecond=0)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date-time (YYYY-MM-DD HH:MM[:SS]): {text!r}"
        ) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hall", description="HallPulse (厅脉): operations of government service halls."
    )
    db_help = "database URL (default: $HALL_DB_URL, else sqlite:///data/hall.db)"
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="create and inspect the database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    init = db_sub.add_parser("init", help="create the schema and seed China's calendar")
    init.add_argument("--db", help=db_help)
    overview = db_sub.add_parser("overview", help="rows and freshness per hall and table")
    overview.add_argument("--db", help=db_help)
    overview.add_argument("--json", action="store_true", help="print JSON")

    demo = sub.add_parser("demo", help="fill the database with a simulated district network")
    demo.add_argument("--db", help=db_help)
    demo.add_argument("--days", type=_positive, default=120, help="days to simulate (120)")
    demo.add_argument("--end", type=_date, default=None, help="last day (default: today)")
    demo.add_argument(
        "--now",
        type=_datetime,
        default=None,
        help="cut-off time (default: now when --end is today, else the end of --end)",
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (7)")
    demo.add_argument(
        "--replace", action="store_true", help="drop existing data and write the demo"
    )
    return parser


def cmd_db_init(args: argparse.Namespace) -> int:
    from queries.db import ensure_calendar, init_schema, make_engine, redact, resolve_url
    from workdays import unannounced_warnings

    engine = make_engine(args.db)
    init_schema(engine)
    today = dt.date.today()
    first, last = dt.date(today.year - 1, 1, 1), dt.date(today.year + 1, 12, 31)
    with engine.begin() as conn:
        added = ensure_calendar(conn, first, last)
    print(f"schema ready at {redact(resolve_url(args.db))}; calendar: {added} dates added")
    for line in unannounced_warnings(first, last):
        print(line, file=sys.stderr)
    return 0


def cmd_db_overview(args: argparse.Namespace) -> int:
    from metrics.freshness import with_freshness
    from queries.db import has_schema, make_engine, redact, resolve_url
    from queries.overview import table_overview

    engine = make_engine(args.db)
    if not has_schema(engine):
        print(
            f"hall: {redact(resolve_url(args.db))} has no HallPulse tables yet: "
            "run `hall db init` or `hall demo` first",
            file=sys.stderr,
        )
        return 1
    with engine.connect() as conn:
        frame = with_freshness(table_overview(conn), dt.datetime.now())
    if args.json:
        print(json.dumps(frame.to_dicts(), ensure_ascii=False, default=str, indent=1))
    else:
        import polars as pl

        with pl.Config(tbl_rows=200, tbl_cols=20, tbl_width_chars=200):
            print(frame)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from queries.db import make_engine, redact, resolve_url
    from simulation.demo import DemoOptions
    from simulation.writer import DemoRefused, write_demo

    end = args.end or dt.date.today()
    now = args.now
    if now is None and end == dt.date.today():
        now = dt.datetime.now().replace(microsecond=0)
    options = DemoOptions(end=end, days=args.days, seed=args.seed, now=now)
    url = resolve_url(args.db)
    print(
        f"simulating {options.days} days ({options.first} … {options.end}, cut at "
        f"{options.cutoff:%Y-%m-%d %H:%M}) into {redact(url)}",
        file=sys.stderr,
    )
    try:
        summary = write_demo(
            make_engine(args.db),
            options,
            replace=args.replace,
            log=lambda msg: print(msg, file=sys.stderr),
        )
    except DemoRefused as exc:
        print(f"hall demo: {exc}", file=sys.stderr)
        return 1
    for line in summary.warnings:
        print(line, file=sys.stderr)
    counts = ", ".join(f"{name} {rows:,}" for name, rows in summary.rows.items())
    print(f"done in {summary.seconds:.1f} s: {counts}")
    return 0


COMMANDS = {
    ("db", "init"): cmd_db_init,
    ("db", "overview"): cmd_db_overview,
    ("demo", None): cmd_demo,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = COMMANDS[(args.command, getattr(args, "db_command", None))]
    try:
        return handler(args)
    except OperationalError as exc:
        from queries.db import redact, resolve_url

        print(
            f"hall: cannot reach the database {redact(resolve_url(args.db))}: "
            f"{str(exc.orig).strip().splitlines()[0]}",
            file=sys.stderr,
        )
        return 2
    except SQLAlchemyError as exc:
        print(f"hall: database error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
