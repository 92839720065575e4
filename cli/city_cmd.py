"""`hall db init --partition month|shard …` and `hall demo --network city …`.

hall db init --partition month [--months-from DATE] [--months-to DATE]
hall db init --partition shard --shard-url URL --shard-halls H002,H003,… [--months-…]
hall demo --network city [--workers N] [--halls N] [--days D] … [--replace]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from cli import args as args_


def add_init_arguments(init: argparse.ArgumentParser) -> None:
    init.add_argument(
        "--partition",
        choices=("month", "shard"),
        help="PostgreSQL only: partition the fact tables by month, or shard them by hall "
        "onto a second server (postgres_fdw) and partition each shard by month",
    )
    init.add_argument("--shard-url", help="the second server's database (with --partition shard)")
    init.add_argument(
        "--shard-halls", help="comma-separated hall ids held by the second server (the rest stay)"
    )
    init.add_argument(
        "--months-from", type=args_.date, help="first month to create (default: 2 years back)"
    )
    init.add_argument(
        "--months-to", type=args_.date, help="last month to create (default: next year's end)"
    )


def add_demo_arguments(demo: argparse.ArgumentParser) -> None:
    demo.add_argument(
        "--network",
        choices=("district", "city"),
        default="district",
        help="district: the 1+2+4 demo (default); city: 1+12+137 halls, written in bulk",
    )
    demo.add_argument(
        "--workers",
        type=args_.positive_int,
        default=1,
        help="processes simulating halls in parallel (--network city)",
    )
    demo.add_argument(
        "--halls",
        type=args_.positive_int,
        default=None,
        help="only the first N halls of the city (a small slice)",
    )


def run_init(args: argparse.Namespace) -> int:
    """The partitioned or sharded layout, then the calendar; 1 with a message when refused."""
    from queries import partitioning
    from queries.db import ensure_calendar, make_engine, redact, resolve_url
    from workdays import clock

    today = clock.today()
    first = args.months_from or dt.date(today.year - 2, 1, 1)
    last = args.months_to or dt.date(today.year + 1, 12, 31)
    shard = None
    try:
        if args.partition == "shard":
            if not args.shard_url or not args.shard_halls:
                raise partitioning.PartitionError(
                    "--partition shard needs --shard-url and --shard-halls"
                )
            shard = partitioning.ShardSpec(
                args.shard_url, partitioning.parse_halls(args.shard_halls)
            )
        engine = make_engine(args.db)
        partitioning.create_layout(engine, args.partition, first, last, shard)
    except partitioning.PartitionError as exc:
        print(f"hall db init: {exc}", file=sys.stderr)
        return 1
    from cli.main import rollup_wait_target_s
    from queries import rollups

    with engine.begin() as conn:
        added = ensure_calendar(
            conn, dt.date(today.year - 1, 1, 1), dt.date(today.year + 1, 12, 31)
        )
        # rollup tables of an older shape: made again, their days rolled again
        remade = rollups.remake_stale(conn, wait_target_s=rollup_wait_target_s())
        # as `hall db init` does: a rollup added since the days were rolled is built for them
        built = rollups.build_missing(conn)
        # and the monthly rollups of the months wholly rolled before they were added
        months = rollups.build_missing_months(conn)
    if remade:
        print(f"daily rollups: tables of an older shape made again, {remade:,} days rebuilt")
    if built:
        print(f"daily rollups: {', '.join(built)} built for the rolled days")
    if months:
        print(f"monthly rollups: built for {months} whole months already rolled")
    where = f"; halls {', '.join(shard.halls)} on {redact(shard.url)}" if shard else ""
    print(
        f"schema ready at {redact(resolve_url(args.db))}, fact tables partitioned by "
        f"{args.partition} ({first:%Y-%m} … {last:%Y-%m}){where}; calendar: {added} dates added"
    )
    return 0


def run_demo(args: argparse.Namespace, options) -> int:
    """The city network into the database of `args` for the demo's `options`."""
    from queries.db import redact, resolve_url
    from simulation.city import CityOptions, write_city
    from simulation.writer import DemoRefused

    url = resolve_url(args.db)
    print(
        f"simulating the city network for {options.days} days ({options.first} … "
        f"{options.end}) into {redact(url)} with {args.workers} worker(s)",
        file=sys.stderr,
    )
    try:
        summary = write_city(
            url,
            CityOptions(options, workers=args.workers, halls=args.halls),
            replace_data=args.replace,
            log=lambda msg: print(msg, file=sys.stderr),
        )
    except DemoRefused as exc:
        print(f"hall demo: {exc}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{name} {rows:,}" for name, rows in summary.rows.items())
    print(
        f"done in {summary.seconds:.1f} s: {counts}; daily rollups for {summary.rollup_days} days"
    )
    return 0
