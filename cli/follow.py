"""`hall demo --follow`: the options and the command (see simulation/follow.py)."""

from __future__ import annotations

import argparse
import sys

from cli import args as args_
from workdays import clock
from workdays.clock import DEFAULT_TZ as DEMO_TZ  # the demo halls keep Beijing time


def add_arguments(demo: argparse.ArgumentParser) -> None:
    group = demo.add_argument_group("live demo (--follow)")
    group.add_argument(
        "--follow",
        action="store_true",
        help="keep today alive: append tickets, calls, cases and evaluations as they happen "
        "(until Ctrl-C); --now sets the simulated clock's start",
    )
    group.add_argument(
        "--speed", type=args_.positive, default=1.0, help="simulated seconds per second (1)"
    )
    group.add_argument(
        "--interval", type=args_.positive, default=5.0, help="seconds between writes (5)"
    )
    bound = group.add_mutually_exclusive_group()
    bound.add_argument("--for", dest="for_seconds", type=args_.positive, help="stop after S s")
    bound.add_argument("--steps", type=int, help="stop after N writes")


def run(args: argparse.Namespace) -> int:
    from queries.db import make_engine, redact, resolve_url
    from simulation.follow import FollowOptions, FollowRefused, follow

    start = args.now or clock.now(DEMO_TZ)  # the demo halls' clock, not the server's
    options = FollowOptions(
        start=start,
        speed=args.speed,
        interval_s=args.interval,
        steps=args.steps,
        seconds=args.for_seconds,
    )
    url = resolve_url(args.db)
    print(
        f"following the demo in {redact(url)} from {start:%Y-%m-%d %H:%M:%S} at {args.speed:g}× "
        f"(a write every {args.interval:g} s; Ctrl-C stops)",
        file=sys.stderr,
    )
    engine = make_engine(args.db)
    summary = None
    try:
        summary = follow(engine, options, log=lambda msg: print(msg, file=sys.stderr))
    except FollowRefused as exc:
        print(f"hall demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0
    finally:
        engine.dispose()
    counts = ", ".join(f"{name} {rows:,}" for name, rows in summary.rows.items())
    print(f"followed {summary.steps} steps up to {summary.clock:%Y-%m-%d %H:%M:%S}: {counts}")
    return 0
