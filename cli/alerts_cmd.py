"""`hall alerts`: evaluate the alert rules of hallpulse.toml and list what was sent.

    hall alerts run  [--db URL] [--once] [--interval S]    one pass, or a pass every S seconds
                                                           until Ctrl-C / SIGTERM
    hall alerts list [--db URL] [--from DATE --to DATE] [--hall H] [--status S] [--json]

Exit codes: 0 done; 1 bad settings, no rules or no schema; 2 the database cannot be reached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import threading

from cli import args as args_

DB_HELP = "database URL (default: $HALL_DB_URL, else sqlite:///data/hall.db)"
STATUSES = ("sent", "failed", "rate_limited", "retried", "pending")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `hall alerts run|list` to the `hall` parser."""
    alerts = sub.add_parser("alerts", help="alert rules: evaluate, push, list (预警推送)")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True)
    run = alerts_sub.add_parser(
        "run",
        help="evaluate the [alerts] rules and push new alerts",
        description="Evaluate the rules of [alerts] in hallpulse.toml against the live data "
        "and send each new episode to its channels once. Without --once, a pass every "
        "--interval seconds ([alerts] interval_s, 60) until Ctrl-C or SIGTERM.",
    )
    run.add_argument("--db", help=DB_HELP)
    run.add_argument("--once", action="store_true", help="one pass, then exit")
    run.add_argument(
        "--interval", type=args_.positive, help="seconds between passes ([alerts] interval_s)"
    )
    run.set_defaults(handler=cmd_alerts_run)
    lst = alerts_sub.add_parser("list", help="alerts sent, failed or rate-limited")
    lst.add_argument("--db", help=DB_HELP)
    lst.add_argument("--from", dest="first", type=args_.date, help="first day (a week ago)")
    lst.add_argument("--to", dest="last", type=args_.date, help="last day (today)")
    lst.add_argument("--hall", help="only this hall (its id)")
    lst.add_argument("--status", choices=STATUSES, help="only this status")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=cmd_alerts_list)


def _engine(db: str | None, command: str):
    from queries.db import has_schema, make_engine, redact, resolve_url

    engine = make_engine(db)
    if not has_schema(engine):
        print(f"{command}: {redact(resolve_url(db))} has no HallPulse tables", file=sys.stderr)
        engine.dispose()
        return None
    return engine


def cmd_alerts_run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from alerts.rules import AlertSettingsError, load_alert_settings
    from alerts.service import run_once
    from metrics.settings import config_path

    try:
        settings = load_alert_settings()
    except AlertSettingsError as exc:
        print(f"hall alerts: {exc}", file=sys.stderr)
        return 1
    if not settings.rules:
        print(
            f"hall alerts: no [[alerts.rules]] in {config_path()} (see README: Alerts)",
            file=sys.stderr,
        )
        return 1
    engine = _engine(args.db, "hall alerts")
    if engine is None:
        return 1
    interval = args.interval or settings.interval_s
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while True:
            try:
                print(run_once(engine, settings).line(), flush=True)
            except SQLAlchemyError as exc:
                if args.once:
                    raise  # `hall`'s main says what went wrong, exit code 2
                # a database restarting must not stop the alerts: the next pass tries again
                first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                print(f"hall alerts: this pass failed: {first}", file=sys.stderr, flush=True)
            if args.once:
                break
            if stop.wait(interval):
                print("stopped (SIGTERM)", file=sys.stderr)
                break
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
        engine.dispose()
    return 0


def cmd_alerts_list(args: argparse.Namespace) -> int:
    import polars as pl

    from queries import alert_store
    from queries.live import hall_zones
    from workdays import clock

    engine = _engine(args.db, "hall alerts list")
    if engine is None:
        return 1
    try:
        with engine.connect() as conn:
            today = clock.today(clock.network_zone(hall_zones(conn).values()))
            last = args.last or today
            first = args.first or (last - dt.timedelta(days=6))
            if last < first:
                print("hall alerts list: --to is before --from", file=sys.stderr)
                return 1
            frame = alert_store.alert_list(
                conn, first, last, [args.hall] if args.hall else None, args.status
            )
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(frame.to_dicts(), ensure_ascii=False, indent=1, default=str))
        return 0
    if frame.is_empty():
        print(f"no alerts from {first} to {last}")
        return 0
    shown = frame.select(
        pl.col("fired_at").dt.strftime("%Y-%m-%d %H:%M"),
        "hall_id",
        "rule",
        "channel",
        "status",
        "title",
        pl.col("error").fill_null(""),
    )
    with pl.Config(tbl_rows=-1, tbl_cols=10, tbl_width_chars=200, fmt_str_lengths=60):
        print(shown)
    return 0
