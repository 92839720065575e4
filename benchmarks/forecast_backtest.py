"""Benchmark: the forecast's rolling-origin backtest against the targets of issue 14.

    .venv/bin/python benchmarks/forecast_backtest.py [--series calls_5min.csv] [--db URL]
        [--hall H01 ...] [--origins 8] [--days 14] [--short 3,5,8]

On the US bank call-centre series (`../shared/data/us_bank_calls/calls_5min.csv` by default)
and on each given hall of a demo database: the method each series chooses by its own backtest,
the runner-up, and the forecast as made (`auto`) scored on the later origins: daily MASE
against the same weekday last week (target ≤ 0.75), hourly (≤ 0.8), and the coverage of the
80% intervals (75–85%). `--short` also cuts the bank series to the last N weeks before each
origin (a newly onboarded hall's history): there the rule is "never worse than the baseline".
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from access.scope import Scope

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BANK = ROOT.parent / "shared/data/us_bank_calls/calls_5min.csv"
TARGETS = {"daily": 0.75, "hourly": 0.8}


ALL = Scope.everything()  # the unrestricted scope, as the command line without --as
SUMMARY: list[dict] = []  # one row per series, printed at the end


def _line(name: str, result, seconds: float) -> None:
    import polars as pl

    choice = result.choice
    print(f"\n{name}: {len(result.origins)} origins; {seconds:.1f} s")
    if choice is not None:
        print(f"  {choice.summary('en')}")
    print(f"  chosen at the origins: {', '.join(result.chosen_at)}")
    with pl.Config(tbl_rows=20, tbl_cols=10, tbl_width_chars=140, float_precision=3):
        print(pl.concat([result.daily, result.hourly], how="diagonal"))
    SUMMARY.append(
        {
            "series": name,
            "chosen": choice.method if choice else None,
            "runner_up": choice.runner_up if choice else None,
            **{
                f"{level}_{key}": result.score(level, "auto", column)
                for level in TARGETS
                for key, column in (
                    ("mase", "mase"),
                    ("floor", "floor_mase"),
                    ("cover", "coverage_80"),
                )
            },
        }
    )
    for level, target in TARGETS.items():
        mase = result.score(level, "auto")
        rel = result.score(level, "auto", "relative_mae")
        if mase is None:
            continue
        cov = result.score(level, "auto", "coverage_80")
        ok = "met" if mase <= target else "MISSED"
        ok_rel = "met" if rel <= target else "MISSED"
        print(
            f"  {level:<6} auto: MASE {mase:.3f} (target ≤ {target}: {ok}); MAE / the same "
            f"weekday last week's on the same days {rel:.3f} ({ok_rel}); 80% interval coverage "
            f"{cov:.1%} "
            f"(target 75–85%: {'met' if 0.75 <= cov <= 0.85 else 'MISSED'})"
        )


def _short(daily, features, weeks: int, origins: int, horizon: int):
    """The backtest of `auto` when only the last `weeks` weeks before each origin are known."""
    import numpy as np
    import polars as pl

    from forecasting.select import forecast_series

    observed = (
        features.filter(pl.col("open") & (pl.col("date") <= daily["date"].max()))
        .join(daily.select("date", "arrivals"), on="date", how="left")
        .with_columns(pl.col("arrivals").fill_null(0).cast(pl.Float64).alias("y"))
    )
    last = observed["date"].max()
    err_auto, err_naive, covered, chosen = [], [], [], []
    for i in range(origins, 0, -1):
        origin = last - dt.timedelta(days=horizon * i)
        train = observed.filter(
            pl.col("date").is_between(origin - dt.timedelta(days=7 * weeks - 1), origin)
        )
        test = observed.filter(
            pl.col("date").is_between(
                origin + dt.timedelta(days=1), origin + dt.timedelta(days=horizon)
            )
        )
        pred, choice, every = forecast_series(train, test, every=True)
        chosen.append(choice.method)
        naive = every["naive_week"]
        ok = ~np.isnan(naive)
        y = test["y"].to_numpy()
        err_auto.extend(np.abs(pred["yhat"].to_numpy() - y)[ok])
        err_naive.extend(np.abs(naive - y)[ok])
        covered.extend(
            ((y >= pred["yhat_lower"].to_numpy()) & (y <= pred["yhat_upper"].to_numpy()))[ok]
        )
    rel = float(np.mean(err_auto) / np.mean(err_naive))
    print(
        f"  {weeks} weeks of history: auto MAE / same-weekday-last-week {rel:.3f} "
        f"({'never worse: met' if rel <= 1.0 + 1e-9 else 'WORSE than the baseline'}), "
        f"coverage {np.mean(covered):.1%}; chosen: {', '.join(chosen)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=Path, default=BANK)
    parser.add_argument("--db", help="a demo database URL, to backtest its halls too")
    parser.add_argument("--hall", action="append", help="hall(s) of --db (default: all)")
    parser.add_argument("--origins", type=int, default=8)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--short", default="3,5,8", help="weeks of history to cut the series to")
    args = parser.parse_args()

    import polars as pl

    from forecasting.backtest import backtest, counts_series

    if args.series.exists():
        frame = pl.read_csv(args.series, try_parse_dates=True)
        frame = frame.select(
            pl.col(frame.columns[0]).alias("start"), pl.col(frame.columns[1]).alias("count")
        )
        daily, slots, features, hours = counts_series(frame, "BANK")
        t0 = time.perf_counter()
        result = backtest(
            daily, slots, features, hours, "BANK", origins=args.origins, horizon=args.days
        )
        _line(f"bank series {args.series.name}", result, time.perf_counter() - t0)
        if args.short:
            print("  short histories (same origins):")
            for weeks in (int(w) for w in args.short.split(",") if w):
                _short(daily, features, weeks, args.origins, args.days)
    else:
        print(f"bank series not found at {args.series}: skipped")

    if args.db:
        from forecasting.demand import day_features
        from forecasting.service import HISTORY_DAYS, hall_ids, last_ticket
        from queries import forecast_queries as fq
        from queries.db import calendar_frame, make_engine
        from queries.overview import service_hours_frame

        engine = make_engine(args.db)
        with engine.connect() as conn:
            last = last_ticket(conn, scope=ALL).date()
            first = last - dt.timedelta(days=HISTORY_DAYS)
            calendar, hours = calendar_frame(conn), service_hours_frame(conn)
            for hall in args.hall or hall_ids(conn, scope=ALL):
                daily = fq.daily_arrivals(conn, first, last, hall, scope=ALL)
                slots = fq.slot_arrivals(conn, first, last, hall, scope=ALL)
                features = day_features(calendar, hours, hall, daily["date"].min(), last)
                t0 = time.perf_counter()
                result = backtest(
                    daily, slots, features, hours, hall, origins=args.origins, horizon=args.days
                )
                _line(f"demo hall {hall}", result, time.perf_counter() - t0)
    _summary()
    return 0


def _summary() -> None:
    """Every series in one table: the forecast as made, its Poisson floor and coverage."""
    import polars as pl

    if not SUMMARY:
        return
    frame = pl.DataFrame(SUMMARY)
    print("\nsummary (auto; floor: a forecast of the exact mean with Poisson counts)")
    with pl.Config(tbl_rows=50, tbl_cols=12, tbl_width_chars=160, float_precision=3):
        print(frame)
    mase = frame["daily_mase"].drop_nulls()
    cover = frame["daily_cover"].drop_nulls()
    print(
        f"  mean daily MASE over {mase.len()} series {mase.mean():.3f} (target ≤ 0.75 each: "
        f"{(mase <= 0.75).sum()} met); daily coverage {cover.min():.1%}–{cover.max():.1%} "
        f"({((cover >= 0.75) & (cover <= 0.85)).sum()} of {cover.len()} within 75–85%)"
    )
    h_mase, h_cover = frame["hourly_mase"].drop_nulls(), frame["hourly_cover"].drop_nulls()
    if h_mase.len():
        print(
            f"  hourly MASE {h_mase.min():.3f}–{h_mase.max():.3f} (target ≤ 0.8 each: "
            f"{(h_mase <= 0.8).sum()} of {h_mase.len()} met); hourly coverage "
            f"{h_cover.min():.1%}–{h_cover.max():.1%} "
            f"({((h_cover >= 0.75) & (h_cover <= 0.85)).sum()} of {h_cover.len()} within 75–85%)"
        )
    near = frame.filter(pl.col("daily_floor") >= 0.9 * 0.75)["series"].to_list()
    if near:
        print(f"  mostly noise (Poisson floor ≥ 0.675): {', '.join(near)}")


if __name__ == "__main__":
    sys.exit(main())
