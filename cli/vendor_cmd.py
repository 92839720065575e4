"""`hall demo --vendor-db URL`: the demo hall written into a vendor's queue-system database (see
simulation/vendor.py), and the HallPulse database prepared to receive it through `hall sync run`.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(demo: argparse.ArgumentParser) -> None:
    group = demo.add_argument_group(
        "vendor feed (--vendor-db)",
        "write one demo hall's today into a vendor-style queue system (qh_record, jh_log, …) "
        "instead of HallPulse's tables; --db then only gets the reference tables and the days "
        "before today (when it holds no data yet), and `hall sync run` carries the vendor's "
        "rows over (examples/vendor/)",
    )
    group.add_argument("--vendor-db", metavar="URL", help="the vendor database to write")
    group.add_argument("--hall", default="H01", help="the demo hall the vendor system serves (H01)")


def run(args: argparse.Namespace) -> int:
    from queries.db import make_engine, redact, resolve_url
    from simulation.follow import FollowOptions
    from simulation.vendor import VendorRefused, VendorWriter, prepare_target, vendor_follow
    from workdays import clock

    if args.end is not None:
        print(
            "hall demo: --vendor-db writes the day of --now (default: now), not --end",
            file=sys.stderr,
        )
        return 1
    vendor = make_engine(args.vendor_db)
    try:
        writer = VendorWriter(vendor, args.hall, args.seed)
    except VendorRefused as exc:
        print(f"hall demo: {exc}", file=sys.stderr)
        return 1
    start = args.now or clock.now(writer.timezone)  # the hall's clock, not the server's
    target_url = resolve_url(args.db)
    target = make_engine(target_url)
    try:
        prepared = prepare_target(
            target,
            start.date(),
            args.days,
            args.seed,
            replace=args.replace,
            log=lambda msg: print(msg, file=sys.stderr),
        )
    finally:
        target.dispose()
    if prepared is None:
        print(
            f"{redact(target_url)} already holds data: left as it is (the feed updates "
            f"{args.hall}'s tickets of today in it; --replace rewrites it)",
            file=sys.stderr,
        )
    else:
        print(
            f"{redact(target_url)}: reference tables and {args.days} days before "
            f"{start:%Y-%m-%d} written in {prepared.seconds:.1f} s",
            file=sys.stderr,
        )
    try:
        writer.create()
        if not args.follow:
            step = writer.step(start)
            counts = ", ".join(f"{name} {n:,}" for name, n in step.rows.items())
            print(
                f"{args.hall}'s {start:%Y-%m-%d} up to {start:%H:%M:%S} written to "
                f"{redact(args.vendor_db)}: {counts}"
            )
            return 0
        print(
            f"following {args.hall} in {redact(args.vendor_db)} from {start:%Y-%m-%d %H:%M:%S} "
            f"at {args.speed:g}× (a write every {args.interval:g} s; Ctrl-C stops)",
            file=sys.stderr,
        )
        options = FollowOptions(
            start=start,
            speed=args.speed,
            interval_s=args.interval,
            steps=args.steps,
            seconds=args.for_seconds,
        )
        summary = vendor_follow(writer, options, log=lambda msg: print(msg, file=sys.stderr))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0
    finally:
        vendor.dispose()
    counts = ", ".join(f"{name} {rows:,}" for name, rows in summary.rows.items())
    print(f"followed {summary.steps} steps up to {summary.clock:%Y-%m-%d %H:%M:%S}: {counts}")
    return 0
