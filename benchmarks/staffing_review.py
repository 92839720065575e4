"""Benchmark: the staffing model against what the demo halls really did (issue 14).

    .venv/bin/python benchmarks/staffing_review.py --db sqlite:///data/year.db [--days 7]
        [--hall H01 ...] [--replications 20]

For the last `--days` days of each hall: the share of staffed half-hours whose predicted
service level (the replay given the actual visitors, their real handling minutes and the open
windows) lies within ±5 points of the observed one (target ≥ 80%), the mean gap, the same at the
day level; next to it the same share when every visitor's minutes are drawn from their queue's
busy cycles instead (what a plan for a future day can know), and the noise floor of that drawn
model: the share a model that is exactly right would reach, because a half-hour's observed
service level depends on that day's luck in service times (one simulated day against the mean
of ten others, the same visitors and windows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from access.scope import Scope

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


ALL = Scope.everything()  # the unrestricted scope, as the command line without --as


def noise_floor(tickets, hall: str, target: float, runs: int = 10) -> float:
    import numpy as np
    import polars as pl

    from forecasting import review as rv

    patience = rv.patience_curve(tickets)
    groups = rv.window_groups(tickets)
    service = rv.busy_cycles(tickets)
    recall = rv.recall_minutes(tickets)
    tickets = rv.handling_minutes(tickets)
    hits = []
    for _, part in tickets.sort("issued_at").group_by(
        pl.col("issued_at").dt.date(), maintain_order=True
    ):
        kw = {"real_service": False, "recall_min": recall}
        one = rv.review_day(part, hall, target, service, patience, groups, 1, seed=10_000, **kw)
        rest = rv.review_day(part, hall, target, service, patience, groups, runs, **kw)
        ok = (one["windows_open"] > 0).to_numpy()
        gap = np.abs(
            one["predicted_service_level"].to_numpy() - rest["predicted_service_level"].to_numpy()
        )
        hits.extend((gap[ok] * 100) <= rv.TOLERANCE_PP)
    return float(np.mean(hits)) if hits else float("nan")


def drawn_minutes(tickets, hall: str, target: float, runs: int) -> float:
    """The share within ±5 points when every visitor's minutes are drawn from the queue's
    busy cycles (no real handling minutes)."""
    import polars as pl

    from forecasting import review as rv

    patience = rv.patience_curve(tickets)
    groups = rv.window_groups(tickets)
    service = rv.busy_cycles(tickets)
    recall = rv.recall_minutes(tickets)
    parts = [
        rv.review_day(
            part, hall, target, service, patience, groups, runs,
            real_service=False, recall_min=recall,
        )
        for _, part in tickets.sort("issued_at").group_by(
            pl.col("issued_at").dt.date(), maintain_order=True
        )
    ]  # fmt: skip
    return rv.agreement(pl.concat(parts))["within"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--hall", action="append")
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()

    import polars as pl

    from forecasting.service import hall_ids, last_ticket, review_hall
    from metrics.settings import load_settings
    from queries import forecast_queries as fq
    from queries.db import make_engine

    settings = load_settings()
    engine = make_engine(args.db)
    total_hits = drawn_hits = total = 0
    with engine.connect() as conn:
        last = last_ticket(conn, scope=ALL).date() - dt.timedelta(days=1)  # a whole day
        first = last - dt.timedelta(days=args.days - 1)
        print(f"{first} … {last}, target: called within {settings.wait_target_min:g} min")
        for hall in args.hall or hall_ids(conn, scope=ALL):
            t0 = time.perf_counter()
            run = review_hall(conn, hall, first, last, settings, args.replications, scope=ALL)
            seconds = time.perf_counter() - t0
            a = run.agreement
            if not a["half_hours"]:
                print(f"  {hall}: no staffed half-hours")
                continue
            frame = run.frame.filter(pl.col("windows_open") > 0)
            days = frame.group_by(pl.col("start").dt.date()).agg(
                (
                    (pl.col("predicted_service_level") * pl.col("arrivals")).sum()
                    / pl.col("arrivals").sum()
                ).alias("p"),
                (
                    (pl.col("observed_service_level") * pl.col("arrivals")).sum()
                    / pl.col("arrivals").sum()
                ).alias("o"),
            )
            day_within = float((((days["p"] - days["o"]).abs() * 100) <= 5).mean())
            rows = fq.ticket_rows(conn, hall, first, last, scope=ALL)
            floor = noise_floor(rows, hall, settings.wait_target_min)
            drawn = drawn_minutes(rows, hall, settings.wait_target_min, args.replications)
            total_hits += round(a["within"] * a["half_hours"])
            drawn_hits += round(drawn * a["half_hours"])
            total += a["half_hours"]
            median = run.patience.median()
            print(
                f"  {hall}: {a['half_hours']:>4} staffed half-hours, within ±5 pp "
                f"{a['within']:.0%} (minutes drawn: {drawn:.0%}, its noise floor {floor:.0%}), "
                f"mean gap {a['mean_abs_pp']:.1f} pp; "
                f"service level observed {a['observed_service_level']:.1%} / predicted "
                f"{a['predicted_service_level']:.1%}; days within ±5 pp {day_within:.0%}; "
                f"patience median "
                + (f"{median:.0f} min" if median is not None else "not reached")
                + f"; {seconds:.1f} s"
            )
    if total:
        share = total_hits / total
        print(
            f"all halls: {total} staffed half-hours, within ±5 pp {share:.1%} "
            f"(target ≥ 80%: {'met' if share >= 0.8 else 'MISSED'}); minutes drawn "
            f"{drawn_hits / total:.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
