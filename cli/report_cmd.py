"""`hall report weekly`: the weekly PDF and Excel report, made unattended (e.g. from cron).

    hall report weekly [--db URL] [--week 2026-W47|last] [--hall H] [--lang zh|en]
                       [--as LOGIN] --out DIR

Writes DIR/<hall>-<week>.pdf and .xlsx for the hall, or for every hall with tickets, cases or
evaluations that week. Exit codes: 0 written; 1 nothing to report (no such hall, no data that
week, bad settings); 2 the database cannot be reached (from `hall`'s main), or --as LOGIN may
not see --hall (audited, like every --as call). The report says whose scope it contains.
Files appear only when every report was built: nothing half-written is ever left in DIR.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _week(text: str):
    """An ISO week, or "last" (resolved on the hall's clock once the hall is known)."""
    from reports.weekly import Week

    if text == "last":
        return text
    try:
        return Week.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:
    """Add `hall report weekly` to the `hall` parser."""
    report = sub.add_parser("report", help="the weekly report (PDF and Excel)")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    weekly = report_sub.add_parser(
        "weekly",
        help="last week's (or a given ISO week's) report per hall, as PDF and .xlsx",
        description="Write DIR/<hall>-<week>.pdf and .xlsx. Without --hall: one report per hall "
        "with tickets, cases or evaluations that week. Weeks are ISO weeks (Monday–Sunday); "
        "stock figures are as of the end of Sunday.",
    )
    weekly.add_argument(
        "--db", help="database URL (default: $HALL_DB_URL, else sqlite:///data/hall.db)"
    )
    weekly.add_argument(
        "--week",
        type=_week,
        default="last",
        help="ISO week, e.g. 2026-W47, or 'last' (the week before this one; default)",
    )
    weekly.add_argument("--hall", help="only this hall (its id)")
    weekly.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (zh)")
    weekly.add_argument("--out", type=Path, required=True, help="folder for the files")
    weekly.add_argument(
        "--as",
        dest="as_login",
        metavar="LOGIN",
        help="this account's scope (a --hall outside it: exit 2); audited",
    )
    weekly.set_defaults(handler=cmd_report_weekly)


def cmd_report_weekly(args: argparse.Namespace) -> int:
    from metrics.settings import SettingsError, load_settings
    from queries.db import has_schema, make_engine, redact, resolve_url
    from queries.live import hall_zones
    from reports.charts import FontMissing
    from reports.weekly import ReportError, Week, build_weekly, halls_for_week, write_files
    from workdays import clock

    if args.out.exists() and not args.out.is_dir():  # say so before minutes of work
        print(f"hall report: cannot write to {args.out}: not a folder", file=sys.stderr)
        return 1
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"hall report: {exc}", file=sys.stderr)
        return 1
    engine = make_engine(args.db)
    try:
        if not has_schema(engine):
            print(
                f"hall report: {redact(resolve_url(args.db))} has no HallPulse tables",
                file=sys.stderr,
            )
            return 1
        from cli.main import reader_scope

        requested = {"hall": args.hall} if args.hall else {}
        scope = reader_scope(
            engine, args.as_login, "hall report weekly", requested, {"week": str(args.week)}
        )
        if scope is None:
            return 2
        week = args.week
        if week == "last":  # the week before this one on the hall's clock (halls.timezone)
            with engine.connect() as conn:
                zones = hall_zones(conn)
            zone = zones.get(args.hall) or clock.network_zone(zones.values())
            week = Week.parse("last", clock.today(zone))
        if args.hall:
            halls = [args.hall]
        else:
            with engine.connect() as conn:
                halls = halls_for_week(conn, week, scope=scope)["hall_id"].to_list()
            if not halls:
                print(
                    f"hall report: no hall has tickets, cases or evaluations in week {week} "
                    f"({week.first} … {week.last}); nothing written",
                    file=sys.stderr,
                )
                return 1
        reports = []
        for hall_id in halls:
            started = time.perf_counter()
            try:
                files = build_weekly(
                    engine, hall_id, week, lang=args.lang, settings=settings, scope=scope
                )
            except (ReportError, FontMissing) as exc:
                print(f"hall report: {exc}; nothing written", file=sys.stderr)
                return 1
            reports.append(files)
            print(
                f"{hall_id} {week}: built in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
    finally:
        engine.dispose()
    try:
        paths = write_files(reports, args.out)
    except OSError as exc:
        print(f"hall report: cannot write to {args.out}: {exc}; nothing written", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0
