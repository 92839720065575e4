"""`hall forecast` and `hall staffing`: demand forecasts, backtests, staffing plans, what-if.

    hall forecast [--db URL] [--hall H] [--queue Q] --horizon DAYS [--json] [--as LOGIN]
    hall forecast backtest [--db URL] [--hall H] [--origins 8] [--days 14] [--series CSV] [--json]
    hall staffing [--db URL] [--hall H] --from DATE --to DATE [--no-sim] [--by-group|--roster]
                  [--json]
    hall staffing review [--db URL] [--hall H] --from DATE --to DATE [--json]
    hall staffing calc --arrivals-per-hour X --service-min Y --windows N --target-min T
                       [--patience-min P] [--json]

Every command but calc takes `--as LOGIN`: it then reads in that account's scope (its halls;
a department manager's department's demand, staff and windows), refuses a --hall outside it
(exit 2), and the call is audited, as `hall metrics --as`.

A subcommand (backtest, review, calc) is optional: without one, `hall forecast` forecasts and
`hall staffing` plans. Options shared with the parent are accepted on either side of it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from pathlib import Path

from cli import args as args_

DB_HELP = "database URL (default: $HALL_DB_URL, else sqlite:///data/hall.db)"


def _shared(parser: argparse.ArgumentParser, default) -> None:
    """--db, --hall and --json on a command and on its subcommand; a subcommand's default is
    SUPPRESS so that it never overwrites what was given before the subcommand's name."""
    parser.add_argument("--db", help=DB_HELP, default=default)
    parser.add_argument("--hall", help="only this hall (its id); default: all", default=default)
    parser.add_argument("--json", action="store_true", help="print JSON", default=default or False)
    parser.add_argument(
        "--as",
        dest="as_login",
        metavar="LOGIN",
        default=default,
        help="this account's scope (its halls; a manager's department's demand); a --hall "
        "outside it: exit 2; audited",
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add `forecast` and `staffing` to the `hall` parser."""
    fc = sub.add_parser(
        "forecast",
        help="daily and half-hourly demand forecasts (Prophet on China's calendar)",
        description="Forecast tickets per day and per half-hour, starting the day after the "
        "last ticket in the database. `hall forecast backtest` scores the forecast on the past.",
    )
    _shared(fc, None)
    fc.add_argument("--queue", help="only this queue of the hall (its id)")
    fc.add_argument("--horizon", type=args_.positive_int, help="days to forecast")
    fc.set_defaults(handler=cmd_forecast)
    fc_sub = fc.add_subparsers(dest="forecast_command")
    bt = fc_sub.add_parser(
        "backtest",
        help="rolling-origin backtest against same-weekday baselines",
        description="Forecast from several past origins and compare with what happened: MAE, "
        "RMSE, MASE and 80%% interval coverage, daily and hourly, of the forecast as made (auto: "
        "the model each series chooses by its own backtest) and of every candidate (Prophet, "
        "exponential smoothing, their ensemble, the same weekday last week, the mean of the last "
        "four same weekdays); with the model chosen on the whole series and the runner-up.",
    )
    _shared(bt, argparse.SUPPRESS)
    bt.add_argument("--origins", type=args_.positive_int, default=8, help="origins (8)")
    bt.add_argument(
        "--days", type=args_.positive_int, default=14, help="days after each origin (14)"
    )
    bt.add_argument(
        "--series",
        type=Path,
        help="backtest a CSV of counts instead of the database: a timestamp column and a "
        "count column (e.g. a call centre's 5-minute arrivals)",
    )
    bt.set_defaults(handler=cmd_backtest)

    st = sub.add_parser(
        "staffing",
        help="windows per half-hour for a service-level target (Erlang C/A, simulated)",
        description="Staffing plan for days after the last ticket: windows needed per half-hour "
        "(Erlang A with the hall's patience, else Erlang C), against the roster, checked by "
        "simulation. `hall staffing calc` is the what-if calculator.",
    )
    _shared(st, None)
    st.add_argument("--from", dest="first", type=args_.date, help="first day")
    st.add_argument("--to", dest="last", type=args_.date, help="last day")
    st.add_argument("--no-sim", action="store_true", help="skip the simulation check")
    st.add_argument(
        "--roster",
        action="store_true",
        help="a roster proposal for the extended hours from the hall's staff pool (shifts, "
        "people, who; rotated fairly, within weekly hours), next to today's roster",
    )
    st.add_argument(
        "--by-group",
        action="store_true",
        help="windows per half-hour per queue group (comprehensive windows and each set of "
        "dedicated ones), instead of the pooled plan",
    )
    st.set_defaults(handler=cmd_staffing)
    st_sub = st.add_subparsers(dest="staffing_command")
    calc = st_sub.add_parser(
        "calc",
        help="service level of N windows for a steady load (Erlang C, or A with patience)",
    )
    calc.add_argument("--arrivals-per-hour", type=args_.non_negative, required=True)
    calc.add_argument(
        "--service-min", type=args_.positive, required=True, help="mean service minutes"
    )
    calc.add_argument("--windows", type=args_.non_negative_int, required=True)
    calc.add_argument(
        "--target-min",
        type=args_.non_negative,
        required=True,
        help="called within this many minutes",
    )
    calc.add_argument(
        "--patience-min", type=args_.positive, help="mean patience: Erlang A (else Erlang C)"
    )
    calc.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    calc.set_defaults(handler=cmd_calc)
    rv = st_sub.add_parser(
        "review",
        help="past half-hours: the model given the actual arrivals and open windows, next to "
        "what was observed",
        description="For past days, per half-hour: the service level, wait and abandonment the "
        "model predicts from the actual arrivals and the windows actually open (from the calls), "
        "next to what the hall observed; and the share of staffed half-hours where the two "
        "service levels agree within ±5 points.",
    )
    _shared(rv, argparse.SUPPRESS)
    rv.add_argument("--from", dest="first", type=args_.date, required=True, help="first day")
    rv.add_argument("--to", dest="last", type=args_.date, required=True, help="last day")
    rv.add_argument(
        "--replications", type=args_.positive_int, default=20, help="simulated runs a day (20)"
    )
    rv.set_defaults(handler=cmd_review)


def _fail(command: str, message: str) -> int:
    print(f"hall {command}: {message}", file=sys.stderr)
    return 1


def _num(value, digits: int = 3):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(value, digits) if isinstance(value, float) else value


def _rows(frame, columns: list[str], digits: int = 2) -> list[dict]:
    out = []
    for row in frame.select(columns).iter_rows(named=True):
        out.append(
            {
                k: v.isoformat(sep=" ")
                if isinstance(v, dt.datetime)
                else v.isoformat()
                if isinstance(v, dt.date)
                else _num(v, digits)
                for k, v in row.items()
            }
        )
    return out


def _engine_or_fail(command: str, db: str | None):
    from queries.db import has_schema, make_engine, redact, resolve_url

    engine = make_engine(db)
    if not has_schema(engine):
        _fail(command, f"{redact(resolve_url(db))} has no HallPulse tables")
        return None
    return engine


def _scope(args: argparse.Namespace, engine, command: str):
    """The scope the command reads in (`cli.main.reader_scope`: everything without --as), or
    None after the refusal was printed (exit 2)."""
    from cli.main import reader_scope

    hall = getattr(args, "hall", None)
    return reader_scope(
        engine, getattr(args, "as_login", None), f"hall {command}", {"hall": hall} if hall else {}
    )


def _halls(conn, hall: str | None, scope) -> list[str]:
    from forecasting.demand import ForecastError
    from forecasting.service import hall_ids

    halls = hall_ids(conn, scope=scope)
    if hall is None:
        if not halls:
            raise ForecastError("the database has no tickets yet: import or simulate some first")
        return halls
    if hall not in halls:
        listed = ", ".join(halls)
        raise ForecastError(f"hall {hall!r} has no tickets (halls with tickets: {listed})")
    return [hall]


def cmd_forecast(args: argparse.Namespace) -> int:
    import polars as pl

    from forecasting.demand import ForecastError
    from forecasting.service import forecast_hall

    if args.horizon is None:
        return _fail("forecast", "--horizon DAYS is required (or use `hall forecast backtest`)")
    if args.queue and not args.hall:
        return _fail("forecast", "--queue needs --hall")
    engine = _engine_or_fail("forecast", args.db)
    if engine is None:
        return 1
    scope = _scope(args, engine, "forecast")
    if scope is None:
        return 2
    try:
        with engine.connect() as conn:
            runs = [
                forecast_hall(conn, hall, args.horizon, args.queue, scope=scope)
                for hall in _halls(conn, args.hall, scope)
            ]
    except ForecastError as exc:
        return _fail("forecast", str(exc))
    daily = pl.concat([r.daily for r in runs])
    intraday = pl.concat([r.intraday for r in runs])
    keys = ["hall_id"] + (["queue_id"] if args.queue else [])
    for line in runs[0].warnings["zh"] + runs[0].warnings["en"]:
        print(line, file=sys.stderr)
    if args.json:
        out = {
            "last_ticket": runs[0].last_ticket.isoformat(sep=" "),
            "daily": _rows(daily, [*keys, "date", "yhat", "yhat_lower", "yhat_upper"]),
            "intraday": _rows(intraday, [*keys, "start", "yhat", "yhat_lower", "yhat_upper"]),
            "warnings": runs[0].warnings["en"],
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    print(
        f"forecast from {runs[0].last_ticket.date() + dt.timedelta(days=1)} "
        f"(last ticket {runs[0].last_ticket:%Y-%m-%d %H:%M}); 80% intervals"
    )
    with pl.Config(tbl_rows=400, tbl_cols=12, tbl_width_chars=160, float_precision=1):
        print(daily.drop("queue_id") if not args.queue else daily)
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    import polars as pl

    from forecasting.backtest import backtest, counts_series
    from forecasting.demand import ForecastError, day_features
    from forecasting.service import HISTORY_DAYS, hall_ids, last_ticket
    from queries import forecast_queries as fq
    from queries.db import calendar_frame
    from queries.overview import service_hours_frame

    results = {}
    try:
        if args.series:
            frame = _read_series(args.series)
            daily, slots, features, hours = counts_series(frame, "SERIES")
            results[args.series.name] = backtest(
                daily, slots, features, hours, "SERIES", origins=args.origins, horizon=args.days
            )
        else:
            engine = _engine_or_fail("forecast backtest", args.db)
            if engine is None:
                return 1
            scope = _scope(args, engine, "forecast backtest")
            if scope is None:
                return 2
            with engine.connect() as conn:
                last = last_ticket(conn, scope=scope).date()
                first = last - dt.timedelta(days=HISTORY_DAYS)
                calendar, hours = calendar_frame(conn), service_hours_frame(conn)
                halls = [args.hall] if args.hall else hall_ids(conn, scope=scope)
                for hall in halls:
                    daily = fq.daily_arrivals(conn, first, last, hall, scope=scope)
                    if daily.is_empty():
                        raise ForecastError(f"hall {hall!r} has no tickets")
                    slots = fq.slot_arrivals(conn, first, last, hall, scope=scope)
                    features = day_features(calendar, hours, hall, daily["date"].min(), last)
                    results[hall] = backtest(
                        daily, slots, features, hours, hall,
                        origins=args.origins, horizon=args.days,
                    )  # fmt: skip
    except (ForecastError, ValueError, OSError) as exc:
        return _fail("forecast backtest", str(exc))
    if args.json:
        print(json.dumps({k: v.to_json() for k, v in results.items()}, indent=1))
        return 0
    with pl.Config(tbl_rows=50, tbl_cols=10, tbl_width_chars=160, float_precision=3):
        for name, result in results.items():
            fits = result.fit_seconds
            print(
                f"{name}: {len(fits)} origins × {args.days} days; fit {sum(fits):.1f} s "
                f"(max {max(fits):.1f} s)"
            )
            if result.choice is not None:
                print(f"  {result.choice.summary('en')}")
                print(f"  {result.choice.summary('zh')}")
            print(f"  chosen at each origin: {', '.join(result.chosen_at)}")
            print(pl.concat([result.daily, result.hourly], how="diagonal"))
    return 0


def _read_series(path: Path):
    """A CSV with a timestamp column and a count column, whatever their names."""
    import polars as pl

    if not path.exists():
        raise OSError(f"{path}: no such file")
    frame = pl.read_csv(path, try_parse_dates=True)
    stamps = [c for c, t in frame.schema.items() if t == pl.Datetime or isinstance(t, pl.Datetime)]
    counts = [c for c, t in frame.schema.items() if t.is_integer()]
    if not stamps or not counts:
        raise ValueError(f"{path}: needs a timestamp column and a whole-number count column")
    return frame.select(pl.col(stamps[0]).alias("start"), pl.col(counts[0]).alias("count"))


def cmd_staffing(args: argparse.Namespace) -> int:
    import polars as pl

    from forecasting.demand import ForecastError
    from forecasting.service import staffing_hall
    from metrics.settings import SettingsError, load_settings

    if args.first is None or args.last is None:
        return _fail("staffing", "--from DATE and --to DATE are required (or `hall staffing calc`)")
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail("staffing", str(exc))
    engine = _engine_or_fail("staffing", args.db)
    if engine is None:
        return 1
    scope = _scope(args, engine, "staffing")
    if scope is None:
        return 2
    try:
        with engine.connect() as conn:
            halls = _halls(conn, args.hall, scope)
            runs = [
                staffing_hall(
                    conn, hall, args.first, args.last, settings, not args.no_sim, scope=scope
                )
                for hall in halls
            ]
    except (ForecastError, ValueError) as exc:
        return _fail("staffing", str(exc))
    plan = pl.concat([r.plan for r in runs])
    for line in runs[0].forecast.warnings["zh"] + runs[0].forecast.warnings["en"]:
        print(line, file=sys.stderr)
    columns = [
        "hall_id", "start", "kind", "arrivals", "windows_needed", "staff_needed",
        "windows_rostered", "roster_source", "service_level", "expected_wait_min",
        "sim_service_level", "service_level_rostered", "expected_wait_rostered_min",
        "sim_service_level_rostered", "sim_wait_rostered_min", "staff_hours", "flag",
    ]  # fmt: skip
    if args.roster:
        from forecasting.service import roster_proposal

        try:
            with engine.connect() as conn:
                proposal = pl.concat(
                    [
                        roster_proposal(conn, r, h, scope=scope)
                        for r, h in zip(runs, halls, strict=True)
                    ]
                )
        except (ForecastError, ValueError) as exc:
            return _fail("staffing", str(exc))
        if args.json:
            print(json.dumps(_rows(proposal, proposal.columns, 3), ensure_ascii=False, indent=1))
            return 0
        with pl.Config(tbl_rows=1000, tbl_cols=10, tbl_width_chars=220, float_precision=3):
            print(proposal)
        return 0
    if args.by_group:
        groups = pl.concat([r.groups for r in runs if r.groups is not None], how="vertical")
        group_columns = [
            "start", "kind", "group", "windows_in_group", "arrivals", "windows_needed",
            "windows_wanted", "short", "windows_rostered", "windows_expected",
            "sim_service_level", "sim_service_level_rostered",
        ]  # fmt: skip
        if args.json:
            print(json.dumps(_rows(groups, group_columns, 3), ensure_ascii=False, indent=1))
            return 0
        with pl.Config(tbl_rows=4000, tbl_cols=12, tbl_width_chars=220, float_precision=2):
            print(groups.select(group_columns))
        return 0
    if args.json:
        print(json.dumps(_rows(plan, columns, 3), ensure_ascii=False, indent=1))
        return 0
    for r in runs:
        q = r.queueing
        median = q.patience_median_min
        patience = f"median patience {median:.0f} min" if median else "few give up (Erlang C)"
        groups = len(r.calibration.groups) if r.calibration else 0
        print(
            f"{r.plan['hall_id'][0] if r.plan.height else ''}: service {q.service_min:.1f} min, "
            f"{patience} (Kaplan–Meier), shrinkage {q.shrinkage:.0%}, {groups} window groups "
            f"of {r.windows_in_hall} windows; {r.seconds:.1f} s"
        )
        if r.slots_over_capacity:
            print(
                f"  {r.slots_over_capacity} half-hours where a window group would need more "
                "windows than it has (the target cannot be met there):"
            )
            for g in r.shortfalls.iter_rows(named=True):
                print(
                    f"    {g['group_name']} ({g['windows_in_group']} windows): "
                    f"{g['half_hours']} half-hours, up to {g['most_wanted']} wanted"
                )
    with pl.Config(tbl_rows=2000, tbl_cols=20, tbl_width_chars=220, float_precision=2):
        print(plan.select(columns))
    return 0


REVIEW_COLUMNS = [
    "hall_id", "start", "arrivals", "windows_open", "predicted_service_level",
    "observed_service_level", "predicted_wait_min", "observed_wait_min", "predicted_abandon",
    "observed_abandon", "windows_needed", "flag",
]  # fmt: skip


def cmd_review(args: argparse.Namespace) -> int:
    import polars as pl

    from forecasting.demand import ForecastError
    from forecasting.service import review_hall
    from metrics.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail("staffing review", str(exc))
    engine = _engine_or_fail("staffing review", args.db)
    if engine is None:
        return 1
    scope = _scope(args, engine, "staffing review")
    if scope is None:
        return 2
    try:
        with engine.connect() as conn:
            runs = [
                review_hall(
                    conn, hall, args.first, args.last, settings, args.replications, scope=scope
                )
                for hall in _halls(conn, getattr(args, "hall", None), scope)
            ]
    except (ForecastError, ValueError) as exc:
        return _fail("staffing review", str(exc))
    frame = pl.concat([r.frame for r in runs])
    if getattr(args, "json", False):
        out = {
            "half_hours": _rows(frame, REVIEW_COLUMNS, 4),
            "agreement": {
                r.frame["hall_id"][0]: {k: _num(v, 4) for k, v in r.agreement.items()}
                | {"patience_median_min": _num(r.patience.median(), 1)}
                for r in runs
                if r.frame.height
            },
            "plan_check": {
                r.frame["hall_id"][0]: {k: _num(v, 4) for k, v in r.plan_check.summary.items()}
                for r in runs
                if r.frame.height and r.plan_check is not None
            },
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    for r in runs:
        if not r.frame.height:
            continue
        a = r.agreement
        median = r.patience.median()
        print(
            f"{r.frame['hall_id'][0]}: {a['half_hours']} staffed half-hours; predicted service "
            f"level within ±5 points of the observed in {a['within'] or 0:.0%} "
            f"(mean gap {a['mean_abs_pp'] or 0:.1f} points); patience (Kaplan–Meier) median "
            + (f"{median:.0f} min" if median is not None else "not reached (few give up)")
            + f"; {r.seconds:.1f} s"
        )
        c = r.plan_check.summary if r.plan_check is not None else {}
        if c.get("half_hours"):
            print(
                f"  the plan's model with these days' roster (learned from the weeks before): "
                f"service level {c['predicted_service_level']:.1%} against "
                f"{c['observed_service_level']:.1%} observed ({c['gap_pp']:+.1f} points), "
                f"mean wait {c['predicted_wait_min']:.1f} against "
                f"{c['observed_wait_min']:.1f} min"
            )
    with pl.Config(tbl_rows=2000, tbl_cols=12, tbl_width_chars=220, float_precision=2):
        print(frame.select(REVIEW_COLUMNS))
    return 0


def cmd_calc(args: argparse.Namespace) -> int:
    from forecasting.erlang import queue_figures

    try:
        figures = queue_figures(
            args.arrivals_per_hour / 60,
            args.service_min,
            args.windows,
            args.target_min,
            args.patience_min,
        )
    except ValueError as exc:
        return _fail("staffing calc", str(exc))
    values = {k: _num(v, 6) for k, v in figures.as_dict().items()}
    if getattr(args, "json", False):
        print(json.dumps(values))
        return 0
    model = "Erlang A" if args.patience_min else "Erlang C"
    print(
        f"{model}: {args.windows} windows, {args.arrivals_per_hour:g}/h, "
        f"{args.service_min:g} min service, target {args.target_min:g} min"
    )
    for key, value in values.items():
        print(f"  {key:<14} {'∞' if value is None else value}")
    return 0
