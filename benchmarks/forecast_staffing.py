"""Benchmark: forecast + staffing plan of one hall for 28 days, cold, then from the page's cache.

    .venv/bin/python benchmarks/forecast_staffing.py --db sqlite:///data/year.db [--hall H01]
        [--days 28] [--backtest] [--series calls_5min.csv]

A fresh interpreter is the cold case (imports, Prophet's first model load, queries, fit, the
calibrated model, Erlang per group and half-hour, the simulation of every day with the plan
and with the roster). Wall and CPU seconds are printed with the load average: on a busy
machine the wall time says little. The second call goes through the page's `st.cache_data`
function the way a second visitor would. Target (issue 14): ≤ 5 s cold.

It then checks the plan's model against the hall's last complete week: learned from the four
weeks before it, given the week's actual visitors and actual roster, the service level and
wait it expects next to those observed (`forecasting.service.plan_check_hall`).
With --backtest it also runs the rolling-origin backtest (8 origins × 14 days) on the hall and,
given --series, on a CSV of counts (e.g. the US bank call-centre series).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()
STARTED_CPU = time.process_time()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from access.scope import Scope  # noqa: E402

ALL = Scope.everything()  # the unrestricted scope, as the command line without --as


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (a demo year, say)")
    parser.add_argument("--hall", default="H01")
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--backtest", action="store_true", help="also run the backtests")
    parser.add_argument("--series", type=Path, help="a CSV of counts to backtest as well")
    args = parser.parse_args()

    import polars as pl

    from forecasting import service
    from metrics.settings import load_settings
    from queries.db import make_engine

    imported = time.perf_counter()
    engine = make_engine(args.db)
    settings = load_settings()
    timings: dict[str, float] = {}
    with engine.connect() as conn:
        newest = service.last_ticket(conn, scope=ALL).date()
        first, last = newest + dt.timedelta(days=1), newest + dt.timedelta(days=args.days)
        t0 = time.perf_counter()
        run = service.staffing_hall(conn, args.hall, first, last, settings, scope=ALL)
        timings["plan with simulation (cold)"] = time.perf_counter() - t0
        cold = time.perf_counter() - STARTED
        cold_cpu = time.process_time() - STARTED_CPU
        load = os.getloadavg()
        t0 = time.perf_counter()
        forecast = service.forecast_hall(conn, args.hall, args.days, scope=ALL)
        timings["forecast alone (queries, Prophet fit, profiles)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        service.staffing_hall(conn, args.hall, first, last, settings, False, scope=ALL)
        timings["plan without simulation (forecast, Erlang)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        service.staffing_hall(conn, args.hall, first, last, settings, scope=ALL)
        timings["plan with simulation (warm)"] = time.perf_counter() - t0
    simulation = (
        timings["plan with simulation (warm)"]
        - timings["plan without simulation (forecast, Erlang)"]
    )

    from dashboard import forecast_data

    url = args.db
    t0 = time.perf_counter()
    forecast_data.page_plan(url, args.hall, args.days, settings.staffing_quantile, scope=ALL)
    first_page = time.perf_counter() - t0
    t0 = time.perf_counter()
    forecast_data.page_plan(url, args.hall, args.days, settings.staffing_quantile, scope=ALL)
    cached_page = time.perf_counter() - t0

    plan = run.plan
    print(f"hall {args.hall}, {first} … {last} ({args.days} days), {plan.height} half-hours")
    print(f"  imports                                        {imported - STARTED:6.1f} s")
    for name, seconds in timings.items():
        print(f"  {name:<46} {seconds:6.1f} s")
    print(
        f"  of which the simulation ({settings.staffing_sim_replications} runs a day)"
        f"{'':<8}{simulation:6.1f} s"
    )
    print(
        f"  cold: process start to simulated plan{'':<10}{cold:6.1f} s wall, {cold_cpu:.1f} s CPU"
        f"   (target ≤ 5 s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})"
    )
    print(f"  page: first call {first_page:.1f} s, cached call {cached_page * 1000:.1f} ms")
    ext = plan.filter(pl.col("kind") == "extended")
    print(
        f"  forecast {forecast.daily['yhat'].sum():,.0f} tickets; extended half-hours "
        f"{ext.height}: {int((ext['flag'] == 'under').sum())} under, "
        f"{int((ext['flag'] == 'over').sum())} over; staff-hours {ext['staff_hours'].sum():,.1f}"
    )
    q = run.queueing
    print(
        f"  model: {len(run.calibration.groups)} window groups of {run.windows_in_hall} windows,"
        f" {q.service_min:.1f} min a ticket, median patience "
        + (f"{q.patience_median_min:.0f} min" if q.patience_median_min else "not reached")
        + f" (Kaplan–Meier); {run.slots_over_capacity} half-hours with a group short of windows"
    )
    for g in run.shortfalls.iter_rows(named=True):
        print(
            f"    {g['group']:<24} {g['windows_in_group']:>3} windows: {g['half_hours']:>4} "
            f"half-hours short, up to {g['most_wanted']} wanted"
        )
    weight = plan["arrivals"]
    rostered = plan.drop_nulls(["sim_service_level_rostered"])
    print(
        "  expected service level with the roster "
        f"{_mean(rostered, 'sim_service_level_rostered'):.3f}"
        f", with the plan {_mean(plan, 'sim_service_level'):.3f} (simulated, by arrivals; "
        f"{float(weight.sum()):,.0f} expected)"
    )
    both = plan.drop_nulls(["sim_service_level"])
    print(
        f"  service level: formula {both['service_level'].mean():.3f}, simulated "
        f"{both['sim_service_level'].mean():.3f} (mean over half-hours)"
    )

    with engine.connect() as conn:
        monday = newest - dt.timedelta(days=newest.weekday() + 7)
        t0 = time.perf_counter()
        check = service.plan_check_hall(
            conn, args.hall, monday, monday + dt.timedelta(days=6), settings, scope=ALL
        )
        c = check.summary
    print(
        f"  plan's model on the week of {monday} with its actual roster ({c['half_hours']} "
        f"half-hours, {time.perf_counter() - t0:.1f} s): service level "
        f"{c['predicted_service_level']:.1%} expected, {c['observed_service_level']:.1%} "
        f"observed ({c['gap_pp']:+.1f} points); mean wait {c['predicted_wait_min']:.1f} "
        f"expected, {c['observed_wait_min']:.1f} min observed"
    )

    if args.backtest:
        from cli.main import main as hall

        print()
        hall(["forecast", "--db", url, "backtest", "--hall", args.hall])
        if args.series:
            hall(["forecast", "backtest", "--series", str(args.series)])
    return 0


def _mean(frame, column: str) -> float:
    """`column` weighted by the half-hours' expected arrivals."""
    w = frame["arrivals"]
    return float((frame[column] * w).sum() / w.sum()) if w.sum() else float("nan")


if __name__ == "__main__":
    sys.exit(main())
