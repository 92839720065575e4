"""`hall sync`: the feeds declared in hallpulse.toml ([[sync.sources]]).

    hall sync run    [--db URL] [--once] [--source NAME]   every source once, or keep running
    hall sync status [--db URL] [--json]                   last success, rows, lag, last error

`run` keeps running until Ctrl-C or SIGTERM, which let the transaction under way commit and
exit 0. With --once every source runs one round (back-off ignored); the exit code is 1 when a
source failed. A source that fails is retried with back-off and never stops the others. After
a sweep the alert rules ([[alerts.rules]]) are evaluated too, at most every `[alerts]
interval_s`; --no-alerts leaves them to `hall alerts run`.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

DB_HELP = "database URL (default: $HALL_DB_URL, else sqlite:///data/hall.db)"


def register(sub: argparse._SubParsersAction) -> None:
    sync = sub.add_parser("sync", help="feeds that keep the database current ([[sync.sources]])")
    sync_sub = sync.add_subparsers(dest="sync_command", required=True)
    run = sync_sub.add_parser(
        "run",
        help="run the feeds: every source once (--once) or until Ctrl-C/SIGTERM",
        description="Sources come from [[sync.sources]] in $HALLPULSE_CONFIG (else "
        "./hallpulse.toml) and run in the order declared.",
    )
    run.add_argument("--db", help=DB_HELP)
    run.add_argument("--once", action="store_true", help="one round of every source, then exit")
    run.add_argument("--source", metavar="NAME", help="only this source")
    run.add_argument(
        "--no-alerts",
        action="store_true",
        help="leave the [[alerts.rules]] to `hall alerts run` instead of each sweep",
    )
    run.set_defaults(handler=cmd_sync_run)
    status = sync_sub.add_parser("status", help="per source: last success, rows, lag, last error")
    status.add_argument("--db", help=DB_HELP)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=cmd_sync_status)


def _log(message: str) -> None:
    from workdays import clock

    print(f"{clock.now():%Y-%m-%d %H:%M:%S} {message}", file=sys.stderr, flush=True)


def _alerts_hook(engine):
    """The alert rules of hallpulse.toml, evaluated after a sweep at most every
    `[alerts] interval_s`; None when no rule is configured."""
    from alerts.rules import load_alert_settings
    from alerts.service import run_once

    settings = load_alert_settings()
    if not settings.rules:
        return None
    last = [float("-inf")]

    def hook() -> None:
        if time.monotonic() - last[0] < settings.interval_s:
            return
        last[0] = time.monotonic()
        _log(f"alerts: {run_once(engine, settings).line()}")

    return hook


def cmd_sync_run(args: argparse.Namespace) -> int:
    from cli.main import operator
    from metrics.settings import SettingsError
    from queries.db import make_engine, redact, resolve_url
    from sync.changes import note_config
    from sync.config import SyncConfigError, load_sync_config
    from sync.runner import Runner

    try:
        config = load_sync_config()
        if not config.sources:
            where = config.path or "hallpulse.toml ($HALLPULSE_CONFIG)"
            print(f"hall sync: no [[sync.sources]] in {where}", file=sys.stderr)
            return 1
        engine = make_engine(args.db)
        hook = None if args.no_alerts else _alerts_hook(engine)
        runner = Runner(engine, config, only=args.source, log=_log, after_sweep=hook)
    except (SyncConfigError, SettingsError) as exc:
        print(f"hall sync: {exc}", file=sys.stderr)
        return 1
    try:  # a feed added, removed or changed since the last run: in the audit trail
        changed = note_config(engine, config, who=operator())
    except Exception as exc:
        _log(f"feed settings not audited yet: {exc}")
    else:
        if changed:
            _log("feed settings changed: " + json.dumps(changed, ensure_ascii=False))
    stop = threading.Event()

    def request_stop(signum, _frame):
        if not stop.is_set():
            _log(f"{signal.Signals(signum).name}: stopping after the transaction under way")
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    names = ", ".join(cfg.name for cfg, _ in runner.sources)
    _log(f"syncing {names} into {redact(resolve_url(args.db))}" + (" (once)" if args.once else ""))
    try:
        outcomes = runner.run(once=args.once, stop=stop)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    for o in outcomes:
        if o.ok:
            extra = f", {o.rejected:,} rejected" if o.rejected else ""
            _log(f"{o.name}: ok, {o.rows:,} rows taken{extra}")
    if args.once and any(not o.ok for o in outcomes):
        return 1
    return 0


def _status_rows(db: str | None) -> tuple[list[dict], list[str]]:
    from access.scope import Scope
    from cli.main import operator
    from queries.db import make_engine
    from queries.sync_status import sync_status
    from sync.config import SyncConfigError, load_sync_config

    warnings = []
    try:
        declared = [(s.name, s.kind, s.table) for s in load_sync_config().sources]
    except SyncConfigError as exc:
        declared = []
        warnings.append(str(exc))
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            frame = sync_status(conn, scope=Scope.everything(operator()))
    finally:
        engine.dispose()
    by_name = {r["name"]: r for r in frame.to_dicts()}
    rows = []
    for name, kind, table in declared:
        row = by_name.pop(name, None) or {"name": name, "kind": kind, "table_name": table}
        row["declared"] = True
        rows.append(row)
    for row in by_name.values():  # in the database, no longer in the config
        row["declared"] = False
        rows.append(row)
    return rows, warnings


def _fmt_time(value) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value is not None else "—"


def _fmt_lag(minutes) -> str:
    if minutes is None:
        return "—"
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


def cmd_sync_status(args: argparse.Namespace) -> int:
    rows, warnings = _status_rows(args.db)
    for w in warnings:
        print(f"hall sync: {w}", file=sys.stderr)
    if args.json:
        out = []
        for r in rows:
            out.append(
                {
                    "name": r["name"],
                    "kind": r.get("kind"),
                    "table": r.get("table_name"),
                    "declared": r["declared"],
                    "last_run_at": _iso(r.get("last_run_at")),
                    "last_success_at": _iso(r.get("last_success_at")),
                    "rows_last": r.get("rows_last"),
                    "rows_total": r.get("rows_total"),
                    "rejected_total": r.get("rejected_total"),
                    "newest_source_at": _iso(r.get("newest_source_at")),
                    "lag_min": None if r.get("lag_min") is None else round(r["lag_min"], 1),
                    "watermark": r.get("watermark"),
                    "last_error": r.get("last_error"),
                    "last_error_at": _iso(r.get("last_error_at")),
                    "failures": r.get("failures") or 0,
                    "next_try_at": _iso(r.get("next_try_at")),
                }
            )
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("no sync sources declared and none has run")
        return 0
    for r in rows:
        head = f"{r['name']} ({r.get('kind') or '?'} → {r.get('table_name') or '?'})"
        if not r["declared"]:
            head += " [no longer declared]"
        print(head)
        if r.get("last_run_at") is None:
            print("  never run")
            continue
        print(f"  last success: {_fmt_time(r.get('last_success_at'))}")
        print(
            f"  rows taken:   {r.get('rows_last') or 0:,} last round, "
            f"{r.get('rows_total') or 0:,} in all"
            + (f" ({r['rejected_total']:,} rejected)" if r.get("rejected_total") else "")
        )
        print(
            f"  lag:          {_fmt_lag(r.get('lag_min'))} (newest source row "
            f"{_fmt_time(r.get('newest_source_at'))})"
        )
        if r.get("watermark"):
            print(f"  watermark:    {r['watermark']}")
        if r.get("failures"):
            print(
                f"  FAILING:      {r['failures']} consecutive failures, next try "
                f"{_fmt_time(r.get('next_try_at'))}"
            )
        if r.get("last_error"):
            print(f"  last error:   {_fmt_time(r.get('last_error_at'))} {r['last_error']}")
    return 0


def _iso(value) -> str | None:
    return value.isoformat(sep=" ") if value is not None else None
