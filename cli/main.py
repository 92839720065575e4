"""`hall`: HallPulse's command line.

    hall db init     [--db URL]                 create the schema, seed China's calendar
    hall db overview [--db URL] [--json]        rows, first/last timestamps, freshness per hall
    hall db rollup   [--db URL]                 rebuild the daily rollups behind fast figures
    hall demo        [--db URL] [--days D] [--end DATE] [--now DATETIME] [--seed S] [--replace]
    hall demo --follow [--db URL] [--now DATETIME] [--speed X] [--interval S] [--for S | --steps N]
    hall demo --network city [--workers N] [--halls N] …   the 1+12+137 city, in bulk
    hall db init --partition month|shard [--shard-url URL --shard-halls H,…]   (PostgreSQL)
    hall demo --vendor-db URL [--hall H01] [--db URL] [--follow …]   a vendor queue system's feed
    hall import      [--db URL] TABLE FILE [--mapping TOML] [--skip-bad --rejects FILE]
                     [--dry-run] [--show-mapping] [--json]
    hall export      [--db URL] TABLE|all --out FILE|DIR
    hall metrics     [--db URL] --from DATE --to DATE [--hall H] [--dept D] [--window W]
                     [--staff S] [--queue Q] [--item I] [--by DIMENSION] [--as-of DATETIME]
                     [--rank KEY] [--json]
    hall quality     [--db URL] [--from DATE --to DATE] [--as-of DATETIME] [--json]
    hall config show
    hall report weekly [--db URL] [--week 2026-W47|last] [--hall H] [--lang zh|en] --out DIR
    hall forecast    [--db URL] [--hall H] [--queue Q] --horizon DAYS [--json]  (and `backtest`)
    hall staffing    [--db URL] [--hall H] --from DATE --to DATE [--json]  (and `calc`, `review`)
    hall user        add|disable|enable|passwd|list|grant   local accounts (see cli/access_cmd.py)
    hall kiosk       add|list|revoke                       big-screen links for one hall
    hall audit       [--from DATE] [--to DATE] [--user WHO] [--json]   the audit trail
    hall alerts run  [--db URL] [--once] [--interval S]
    hall alerts list [--db URL] [--from DATE --to DATE] [--hall H] [--status S] [--json]
    hall sync run    [--db URL] [--once] [--source NAME]       feeds of [[sync.sources]]
    hall sync status [--db URL] [--json]

The database URL comes from --db, else $HALL_DB_URL, else sqlite:///data/hall.db.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from cli import args as args_
from workdays.clock import DEFAULT_TZ as DEMO_TZ  # the demo halls keep Beijing time


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
    from cli import city_cmd

    city_cmd.add_init_arguments(init)
    overview = db_sub.add_parser("overview", help="rows and freshness per hall and table")
    overview.add_argument("--db", help=db_help)
    overview.add_argument("--json", action="store_true", help="print JSON")
    rollup = db_sub.add_parser(
        "rollup", help="rebuild the daily rollups (after writing to the tables by other means)"
    )
    rollup.add_argument("--db", help=db_help)

    demo = sub.add_parser("demo", help="fill the database with a simulated district network")
    demo.add_argument("--db", help=db_help)
    demo.add_argument("--days", type=args_.positive_int, default=120, help="days to simulate (120)")
    demo.add_argument("--end", type=args_.date, default=None, help="last day (default: today)")
    demo.add_argument(
        "--now",
        type=args_.datetime,
        default=None,
        help="cut-off time (default: now when --end is today, else the end of --end)",
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (7)")
    demo.add_argument(
        "--replace", action="store_true", help="drop existing data and write the demo"
    )
    from cli import follow

    follow.add_arguments(demo)
    from cli import vendor_cmd

    vendor_cmd.add_arguments(demo)
    city_cmd.add_demo_arguments(demo)

    from imports.contract import IMPORT_ORDER

    imp = sub.add_parser(
        "import",
        help="import a CSV/XLSX export into a contract table",
        description="Import a CSV (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16) or .xlsx file. "
        "Tables in reference order: " + " → ".join(IMPORT_ORDER) + ". A file is all-or-nothing "
        "unless --skip-bad; rows upsert by primary key.",
    )
    imp.add_argument("--db", help=db_help)
    imp.add_argument("table", choices=IMPORT_ORDER, metavar="TABLE", help="contract table")
    imp.add_argument("file", type=Path, metavar="FILE", help=".csv or .xlsx")
    imp.add_argument("--mapping", type=Path, help="TOML mapping of columns, values, formats")
    imp.add_argument(
        "--skip-bad", action="store_true", help="import the good rows, reject the bad ones"
    )
    imp.add_argument("--rejects", type=Path, help="write rejected rows with their reasons here")
    imp.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    imp.add_argument(
        "--show-mapping", action="store_true", help="print the recognised columns and stop"
    )
    imp.add_argument("--json", action="store_true", help="print the report as JSON")

    exp = sub.add_parser("export", help="write a contract table as CSV or .xlsx")
    exp.add_argument("--db", help=db_help)
    exp.add_argument(
        "table", choices=(*IMPORT_ORDER, "all"), metavar="TABLE", help="contract table, or all"
    )
    exp.add_argument(
        "--out", type=Path, required=True, help="file (.csv/.xlsx), or a folder for all"
    )

    from queries.metric_queries import DIMENSIONS

    met = sub.add_parser("metrics", help="every figure of metrics.md for a period")
    met.add_argument("--db", help=db_help)
    met.add_argument("--from", dest="first", type=args_.date, required=True, help="first day")
    met.add_argument("--to", dest="last", type=args_.date, required=True, help="last day")
    for name, dest in (
        ("hall", "hall"),
        ("dept", "department"),
        ("window", "window"),
        ("staff", "staff"),
        ("queue", "queue"),
        ("item", "item"),
    ):
        met.add_argument(f"--{name}", dest=dest, help=f"only this {dest} (its id)")
    met.add_argument("--by", choices=DIMENSIONS, help="one result per group")
    met.add_argument(
        "--as-of", type=args_.datetime, help="stock figures at this moment (default: end of --to)"
    )
    met.add_argument("--rank", metavar="KEY", help="with --by: rank the groups by this metric")
    met.add_argument("--json", action="store_true", help="print JSON")
    met.add_argument(
        "--as",
        dest="as_login",
        metavar="LOGIN",
        help="exactly this account's scope (refuses --hall/--dept/--window/--staff outside "
        "it, exit 2); audited. Without it: everything, as the operator at the shell",
    )

    qual = sub.add_parser("quality", help="data-quality findings with examples")
    qual.add_argument("--db", help=db_help)
    qual.add_argument("--from", dest="first", type=args_.date, help="first day")
    qual.add_argument("--to", dest="last", type=args_.date, help="last day")
    qual.add_argument(
        "--as-of",
        type=args_.datetime,
        help="judge the punches at this moment (default: now on the halls' clock); a shift "
        "is a finding once it is over",
    )
    qual.add_argument("--json", action="store_true", help="print JSON")
    qual.add_argument("--as", dest="as_login", metavar="LOGIN", help="this account's scope")

    cfg = sub.add_parser("config", help="deployment settings (hallpulse.toml)")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    cfg_sub.add_parser("show", help="print the settings in force and where they come from")

    from cli import report_cmd, sync_cmd

    report_cmd.register(sub)
    sync_cmd.register(sub)
    from cli import forecast_cmd

    forecast_cmd.register(sub)
    from cli import access_cmd

    access_cmd.register(sub)

    from cli import alerts_cmd

    alerts_cmd.register(sub)
    return parser


def rollup_wait_target_s() -> float:
    """The wait target the rollups are built with: the settings', or the default one when the
    settings file cannot be read (its own commands say why)."""
    from metrics.settings import Settings, SettingsError, load_settings

    try:
        return load_settings().wait_target_min * 60
    except SettingsError:
        return Settings().wait_target_min * 60


def cmd_db_init(args: argparse.Namespace) -> int:
    from queries import rollups
    from queries.db import ensure_calendar, init_schema, make_engine, redact, resolve_url
    from workdays import clock, unannounced_warnings

    if args.partition:
        from cli import city_cmd

        return city_cmd.run_init(args)
    engine = make_engine(args.db)
    upgraded = init_schema(engine)
    if upgraded:  # an older database: columns added in place, rows kept
        print("upgraded: added " + ", ".join(upgraded))
    today = clock.today()  # which years to seed: a few hours of zone do not matter
    first, last = dt.date(today.year - 1, 1, 1), dt.date(today.year + 1, 12, 31)
    with engine.begin() as conn:
        added = ensure_calendar(conn, first, last)
        # rollup tables of an older shape: made again, their days rolled again
        remade = rollups.remake_stale(conn, wait_target_s=rollup_wait_target_s())
        # a rollup added since the days were rolled (its table just made, empty): built for
        # every rolled day, so it serves at once instead of after the next write
        built = rollups.build_missing(conn)
        # and the monthly rollups of the months wholly rolled before they were added
        months = rollups.build_missing_months(conn)
        # the dates just added changed the calendar: what was judged on it is judged again
        judged = rollups.judge_again(conn)
    if remade:
        print(f"daily rollups: tables of an older shape made again, {remade:,} days rebuilt")
    if built:
        print(f"daily rollups: {', '.join(built)} built for the rolled days")
    if months:
        print(f"monthly rollups: built for {months} whole months already rolled")
    if judged:
        print(
            f"daily rollups: completion and packages judged again on the calendar ({judged} days)"
        )
    print(f"schema ready at {redact(resolve_url(args.db))}; calendar: {added} dates added")
    for line in unannounced_warnings(first, last):
        print(line, file=sys.stderr)
    return 0


def cmd_db_overview(args: argparse.Namespace) -> int:
    from access.scope import Scope
    from metrics.freshness import with_freshness
    from queries.db import has_schema, make_engine, redact, resolve_url
    from queries.live import hall_zones
    from queries.overview import table_overview
    from workdays import clock

    engine = make_engine(args.db)
    if not has_schema(engine):
        print(
            f"hall: {redact(resolve_url(args.db))} has no HallPulse tables yet: "
            "run `hall db init` or `hall demo` first",
            file=sys.stderr,
        )
        return 1
    with engine.connect() as conn:  # each hall judged on its own clock (halls.timezone)
        frame = with_freshness(
            table_overview(conn, scope=Scope.everything(operator())),
            clock.hall_nows(hall_zones(conn)),
        )
    if args.json:
        print(json.dumps(frame.to_dicts(), ensure_ascii=False, default=str, indent=1))
    else:
        import polars as pl

        with pl.Config(tbl_rows=200, tbl_cols=20, tbl_width_chars=200):
            print(frame)
    return 0


def _settings_and_engine(db: str | None, command: str):
    """(settings, engine) for a command that reads figures, or None after saying why not."""
    from metrics.settings import SettingsError, load_settings
    from queries.db import has_schema, make_engine, redact, resolve_url, schema_gaps

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return None
    engine = make_engine(db)
    if not has_schema(engine):
        gaps = schema_gaps(engine)  # an older release's database: `hall db init` upgrades it
        what = f"lacks {', '.join(gaps)}: run `hall db init`" if gaps else "has no HallPulse tables"
        print(f"{command}: {redact(resolve_url(db))} {what}", file=sys.stderr)
        return None
    return settings, engine


def cmd_db_rollup(args: argparse.Namespace) -> int:
    from queries import rollups

    ready = _settings_and_engine(args.db, "hall db rollup")
    if ready is None:
        return 1
    settings, engine = ready
    started = time.perf_counter()  # a duration, not a time of day
    with engine.begin() as conn:
        days = rollups.rebuild_all(conn, wait_target_s=settings.wait_target_min * 60)
        span = rollups.rolled_span(conn)
    seconds = time.perf_counter() - started
    where = f" ({span[0]} … {span[1]})" if span else ""
    print(f"daily rollups: {days:,} days rebuilt{where} in {seconds:.1f} s")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.vendor_db:
        from cli import vendor_cmd

        return vendor_cmd.run(args)
    if args.follow:
        from cli import follow

        return follow.run(args)
    from queries.db import make_engine, redact, resolve_url
    from simulation.demo import DemoOptions
    from simulation.writer import DemoRefused, write_demo
    from workdays import clock

    today = clock.today(DEMO_TZ)  # the demo's halls keep Beijing time, whatever the server's
    end = args.end or today
    now = args.now
    if now is None and end == today:
        now = clock.now(DEMO_TZ)
    options = DemoOptions(end=end, days=args.days, seed=args.seed, now=now)
    if args.network == "city":
        from cli import city_cmd

        return city_cmd.run_demo(args, options)
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
    print(
        f"done in {summary.seconds:.1f} s: {counts}; daily rollups for {summary.rollup_days} days"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from imports.importer import FileRejected, import_file, inspect_file
    from queries.db import make_engine

    if args.skip_bad and args.rejects is None:
        print(
            "hall import: --skip-bad needs --rejects FILE, so that no row is lost",
            file=sys.stderr,
        )
        return 1
    try:
        if args.show_mapping:
            spec, source, mapping = inspect_file(args.table, args.file, mapping_file=args.mapping)
            _print_mapping(spec, source, mapping, args.json)
            return 0
        bar = ProgressBar(sys.stderr) if not args.json and sys.stderr.isatty() else None
        try:
            report = import_file(
                make_engine(args.db),
                args.table,
                args.file,
                mapping_file=args.mapping,
                skip_bad=args.skip_bad,
                rejects=args.rejects,
                dry_run=args.dry_run,
                log=None if args.json else (bar.log if bar else _stderr_line),
                progress=bar.update if bar else None,
            )
        finally:
            if bar:
                bar.close()
    except FileRejected as exc:
        if not args.dry_run:
            _audit_import(args, {"file": args.file.name, "refused": str(exc)})
        if args.json:
            print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        print(f"hall import: {exc}", file=sys.stderr)
        return 1
    if not args.dry_run:
        _audit_import(args, report.audit_detail())
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        for line in report.summary_lines():
            print(line)
    return 0 if report.ok else 1


def _stderr_line(msg: str) -> None:
    print(msg, file=sys.stderr)


class ProgressBar:
    """`hall import` on a terminal: one line redrawn after each batch (share of the file,
    rows checked and rejected, seconds), the other messages printed below it."""

    WIDTH = 30

    def __init__(self, stream) -> None:
        self.stream = stream
        self.started = time.perf_counter()
        self.drawn = False

    def update(self, report, fraction: float | None) -> None:
        seconds = time.perf_counter() - self.started
        counts = f"{report.rows_read:,} rows checked, {report.rejected:,} rejected, {seconds:.0f} s"
        if fraction is None:
            line = counts
        else:
            fraction = min(max(fraction, 0.0), 1.0)
            done = round(fraction * self.WIDTH)
            line = f"[{'#' * done}{'.' * (self.WIDTH - done)}] {fraction:4.0%}  {counts}"
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def log(self, msg: str) -> None:
        self.close()
        print(msg, file=self.stream)

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def _audit_import(args: argparse.Namespace, detail: dict) -> None:
    """An import from the shell in the audit trail, as `cli:<OS user>` (a write like the
    page's; a database that cannot take the row is said on stderr, the import stands)."""
    from access import audit
    from queries.db import make_engine

    engine = make_engine(args.db)
    try:
        audit.record(
            engine,
            who=operator(),
            role="admin",
            action="import",
            target=f"{args.table} ← {args.file.name}",
            detail=detail,
            client=operator(),
        )
    except Exception as exc:
        print(f"hall import: not audited: {exc}", file=sys.stderr)
    finally:
        engine.dispose()


def _print_mapping(spec, source, mapping, as_json: bool) -> None:
    rows = mapping.describe(spec)
    info = {
        "file": source.name,
        "format": source.format,
        "encoding": source.encoding,
        "delimiter": source.delimiter,
        "sheet": source.sheet,
        "header_line": source.header_line,
        "columns": rows,
        "ignored": mapping.ignored,
        "missing": mapping.missing(spec),
    }
    if as_json:
        print(json.dumps(info, ensure_ascii=False, indent=1))
        return
    where = source.sheet or source.encoding
    print(f"{source.name} ({source.format}, {where}), header on line {source.header_line}:")
    width = max(len(r["column"]) for r in rows)
    for r in rows:
        mark = "*" if r["required"] else " "
        source_text = r["source"] or ("— MISSING" if r["how"] == "missing" else "—")
        how = f"  [{r['how']}]" if r["source"] else ""
        print(f"  {mark} {r['column']:<{width}}  ← {source_text}{how}")
    if mapping.ignored:
        print(f"  ignored: {', '.join(mapping.ignored)}")
    print("  (* required)")


def cmd_export(args: argparse.Namespace) -> int:
    from imports.contract import IMPORT_ORDER
    from imports.export import ExportError, export_table
    from queries.db import has_schema, make_engine, redact, resolve_url

    engine = make_engine(args.db)
    if not has_schema(engine):
        print(
            f"hall export: {redact(resolve_url(args.db))} has no HallPulse tables",
            file=sys.stderr,
        )
        return 1
    if args.table == "all":
        targets = [(t, args.out / f"{t}.csv") for t in IMPORT_ORDER]
    else:
        targets = [(args.table, args.out)]
    try:
        for table, out in targets:
            rows = export_table(engine, table, out)
            print(f"{table}: {rows:,} rows → {out}")
    except ExportError as exc:
        print(f"hall export: {exc}", file=sys.stderr)
        return 1
    return 0


def operator() -> str:
    """Who runs the command line: "cli:<os user>" (the operator at the server's shell)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def reader_scope(engine, login: str | None, command: str, requested: dict[str, str], detail=None):
    """The scope a reading command runs in, or None after saying why it may not run (exit 2).

    Without --as: everything, as `operator()`. With --as LOGIN: the account's scope
    (`access.scope.scope_for`); a --hall/--dept/--window/--staff outside it is refused. Both
    the allowed and the refused call are written to the audit trail (`cli_metrics`)."""
    from access import audit
    from access.scope import OutOfScope, Scope, scope_for

    if login is None:
        return Scope.everything(operator())
    scope = None
    refused = None
    try:
        with engine.connect() as conn:
            scope = scope_for(conn, login)
            scope.narrow(
                hall=requested.get("hall"),
                dept=requested.get("department"),
                window=requested.get("window"),
                staff=requested.get("staff"),
                conn=conn,
            )
    except OutOfScope as exc:
        refused = str(exc)
    audit.record(
        engine,
        who=login,
        role=None if scope is None else scope.role,
        action="cli_metrics",
        target=command,
        scope=scope,
        detail={**(detail or {}), "filters": requested, "refused": refused},
        client=operator(),
    )
    if refused is not None:
        print(f"{command}: {refused}", file=sys.stderr)
        return None
    return scope


def cmd_metrics(args: argparse.Namespace) -> int:
    from metrics.figures import compute, format_table
    from metrics.rankings import rank_groups
    from queries.metric_queries import Filters

    if args.last < args.first:
        print("hall metrics: --to is before --from", file=sys.stderr)
        return 1
    ready = _settings_and_engine(args.db, "hall metrics")
    if ready is None:
        return 1
    settings, engine = ready
    filters = {
        k: getattr(args, k)
        for k in ("hall", "department", "window", "staff", "queue", "item")
        if getattr(args, k)
    }
    as_of = args.as_of or dt.datetime.combine(args.last, dt.time(23, 59, 59))
    detail = {"from": args.first, "to": args.last, "by": args.by}
    scope = reader_scope(engine, args.as_login, "hall metrics", filters, detail)
    if scope is None:
        return 2
    period = Filters(args.first, args.last, as_of, filters)
    with engine.connect() as conn:
        result = compute(conn, period, settings, args.by, scope=scope, parallel=True)
    if args.rank:
        if not args.by:
            print("hall metrics: --rank needs --by", file=sys.stderr)
            return 1
        try:
            result["ranking"] = rank_groups(result["groups"], args.rank, settings)
        except KeyError as exc:
            print(f"hall metrics: {exc.args[0]}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    else:
        print(format_table(result, args.by))
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from access.tables import network_now
    from metrics.quality import format_findings
    from queries.db import has_schema, make_engine, redact, resolve_url
    from queries.quality import quality_findings

    engine = make_engine(args.db)
    if not has_schema(engine):
        print(
            f"hall quality: {redact(resolve_url(args.db))} has no HallPulse tables", file=sys.stderr
        )
        return 1
    scope = reader_scope(engine, args.as_login, "hall quality", {})
    if scope is None:
        return 2
    with engine.connect() as conn:
        as_of = args.as_of or network_now(conn)
        findings = quality_findings(conn, args.first, args.last, scope=scope, as_of=as_of)
    if args.json:
        print(json.dumps(findings, ensure_ascii=False, indent=1, default=str))
    else:
        print(format_findings(findings))
    return 0


def cmd_config_show(args: argparse.Namespace) -> int:
    from metrics.settings import SettingsError, config_path, load_settings

    path = config_path()
    try:
        settings = load_settings(path)
    except SettingsError as exc:
        print(f"hall config: {exc}", file=sys.stderr)
        return 1
    where = str(path) if path.exists() else f"defaults (no {path})"
    print(f"# settings in force: {where}")
    print("[metrics]")
    for key, value in settings.as_dict().items():
        print(f"{key} = {value}")
    return 0


COMMANDS = {
    ("db", "init"): cmd_db_init,
    ("db", "overview"): cmd_db_overview,
    ("db", "rollup"): cmd_db_rollup,
    ("demo", None): cmd_demo,
    ("import", None): cmd_import,
    ("export", None): cmd_export,
    ("metrics", None): cmd_metrics,
    ("quality", None): cmd_quality,
    ("config", "show"): cmd_config_show,
}


def _clock_zone(args: argparse.Namespace) -> str:
    """The zone of `today` / `now` on the command line: the demo's halls keep Beijing time;
    otherwise --hall's zone (halls.timezone), else the network's."""
    from workdays import clock

    if args.command == "demo":
        return DEMO_TZ
    from queries.db import has_schema, make_engine
    from queries.live import hall_zones

    engine = make_engine(getattr(args, "db", None))
    try:
        if not has_schema(engine):
            return clock.DEFAULT_TZ
        with engine.connect() as conn:
            zones = hall_zones(conn)
    finally:
        engine.dispose()
    hall = getattr(args, "hall", None)
    return zones[hall] if hall in zones else clock.network_zone(zones.values())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sub = getattr(args, "db_command", None) or getattr(args, "config_command", None)
    handler = getattr(args, "handler", None) or COMMANDS[(args.command, sub)]
    try:
        args_.on_hall_clock(args, lambda: _clock_zone(args))
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
