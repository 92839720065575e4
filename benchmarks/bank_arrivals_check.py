"""Benchmark: what the staffing review can check on the real US bank call-centre series.

    .venv/bin/python benchmarks/bank_arrivals_check.py [--csv CSV]

(`../shared/data/us_bank_calls/calls_5min.csv` by default.)

The series holds arrival counts only (5-minute bins): no waits, service times, agents or
abandonment, so a half-hour's service level cannot be replayed or compared there. What can be
checked is the arrival assumption under the staffing model (Erlang C and the simulation draw a
half-hour's arrivals as a Poisson process with one rate): the six 5-minute counts of a
half-hour should then vary about as much as their mean (index of dispersion ≈ 1). Printed: the
index over all half-hours, raw and after removing a straight-line trend inside the half-hour
(the morning ramp), next to the same for Poisson counts with the same rates and trends.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT.parent / "shared/data/us_bank_calls/calls_5min.csv"


def dispersion(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of six 5-minute counts: variance over mean, raw and about a fitted line."""
    x = np.arange(counts.shape[1]) - (counts.shape[1] - 1) / 2
    mean = counts.mean(axis=1)
    raw = counts.var(axis=1, ddof=1) / mean
    slope = (counts * x).sum(axis=1) / (x**2).sum()
    residual = counts - mean[:, None] - slope[:, None] * x
    detrended = (residual**2).sum(axis=1) / (counts.shape[1] - 2) / mean
    return raw, detrended


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=BANK)
    args = parser.parse_args()
    frame = pl.read_csv(args.csv, try_parse_dates=True).with_columns(
        pl.col("interval_start").dt.truncate("30m").alias("half_hour")
    )
    rows = (
        frame.sort("interval_start")
        .group_by("half_hour", maintain_order=True)
        .agg(pl.col("calls"))
        .filter(pl.col("calls").list.len() == 6)
    )
    counts = np.array(rows["calls"].to_list(), dtype=float)
    counts = counts[counts.mean(axis=1) > 0]
    raw, detrended = dispersion(counts)
    # Poisson counts with each half-hour's own rate and straight-line trend
    x = np.arange(6) - 2.5
    slope = (counts * x).sum(axis=1) / (x**2).sum()
    rate = np.clip(counts.mean(axis=1)[:, None] + slope[:, None] * x, 0.1, None)
    sim_raw, sim_detrended = dispersion(np.random.default_rng(0).poisson(rate).astype(float))
    print(f"{args.csv.name}: {counts.shape[0]} half-hours, {counts.mean() * 6:.0f} calls each")
    for name, real, sim in (("raw", raw, sim_raw), ("detrended", detrended, sim_detrended)):
        print(
            f"  index of dispersion, {name}: mean {real.mean():.2f} (Poisson {sim.mean():.2f}), "
            f"median {np.median(real):.2f} ({np.median(sim):.2f}), "
            f"share > 2: {np.mean(real > 2):.1%} ({np.mean(sim > 2):.1%})"
        )
    print(
        "  not checkable here: waits, service level, service times, patience, agents "
        "(the series holds arrival counts only)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
