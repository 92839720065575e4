"""`hall demo --network city`: a city's 1+12+137 network, written in bulk and in parallel.

The network: one city centre (市级政务服务中心, the district centre's kinds of window, four
times as many), 12 street centres (街道便民服务中心, three times a street's windows) and 137
community stations (社区党群服务站), `halls.parent_hall_id` forming the 区-街道-社区 tree. Each
hall-day is simulated by the demo's own generator (simulation.demo), so the figures look like
the district demo's, at city scale: about 27,000 tickets an average day, 20 million in two
years, with the cases, evaluations and punches that go with them.

Writing: the reference tables first, then the halls are dealt round-robin to `workers`
processes; each simulates its halls chunk by chunk of days and writes them with COPY on
PostgreSQL (executemany elsewhere) in its own transaction per chunk, while the others do the
same. On a fresh, empty database the fact tables' secondary indexes are dropped during the
load and built once at the end. The daily rollups are built last, for the whole range.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

import polars as pl
import sqlalchemy as sa

from metrics.settings import load_settings
from queries import partitioning, rollups, schema
from queries.db import (
    bulk_insert,
    drop_schema,
    ensure_calendar,
    init_schema,
    make_engine,
    set_meta,
)
from simulation import network as net
from simulation.demo import (
    DAY,
    DayFacts,
    DemoCalendar,
    DemoOptions,
    HallDaySimulator,
    build_network,
    calendar_span,
    cut_at,
)
from simulation.writer import DemoRefused, DemoSummary, existing_fact_rows
from workdays import unannounced_warnings

STREETS = 12
COMMUNITIES = 137

STREET_NAMES = (
    "新安", "西乡", "福永", "沙井", "松岗", "石岩", "航城", "福海", "新桥", "燕罗", "海湾", "滨海",
)  # fmt: skip
COMMUNITY_NAMES = (
    "海湾", "灵芝", "固戍", "盐田", "翻身", "上川", "文汇", "兴东", "安乐",
    "建安", "宝民", "布心", "大浪", "洪浪", "流塘", "臣田", "劳动", "凤凰",
    "塘尾", "桥头", "白石厦", "和平", "新田", "怀德", "沙头", "沙一", "后亭",
    "蚝乡", "衙边", "东塘", "朗下", "塘下涌", "罗田", "官田", "龙腾", "径贝",
)  # fmt: skip


def _scaled(groups: tuple[net.WindowGroup, ...], factor: int) -> tuple[net.WindowGroup, ...]:
    return tuple(
        replace(
            g,
            count=g.count * factor,
            lunch=g.lunch * factor,
            evening=g.evening * factor,
            saturday=g.saturday * factor,
            sunday=g.sunday * factor,
        )
        for g in groups
    )


COMMUNITY_THREE = (replace(net.COMMUNITY_WINDOWS[0], count=3),)


def city_halls(streets: int = STREETS, communities: int = COMMUNITIES) -> tuple[net.HallSpec, ...]:
    """The city network's halls: H001 the centre, then streets, then communities; the
    communities dealt to the streets in turn. Demand varies by hall, deterministically."""
    centre = net.HALLS[0]
    halls = [
        replace(
            centre,
            hall_id="H001",
            name="示范市政务服务中心",
            weekday_tickets=5600.0,
            windows=_scaled(centre.windows, 4),
            guides=centre.guides * 4,
            back_office=centre.back_office * 4,
            spares=centre.spares * 4,
        )
    ]
    street_ids = [f"H{n + 2:03d}" for n in range(streets)]
    street = net.HALLS[1]
    for n, hall_id in enumerate(street_ids):
        halls.append(
            replace(
                street,
                hall_id=hall_id,
                name=f"{STREET_NAMES[n % len(STREET_NAMES)]}街道便民服务中心"
                + ("" if n < len(STREET_NAMES) else str(n // len(STREET_NAMES) + 1)),
                parent_hall_id="H001",
                weekday_tickets=650.0 + 55.0 * (n * 7 % 11),
                windows=_scaled(street.windows, 3),
                guides=2,
                spares=2,
            )
        )
    community = net.HALLS[3]
    for n in range(communities):
        hall_id = f"H{streets + 2 + n:03d}"
        base = COMMUNITY_NAMES[n % len(COMMUNITY_NAMES)]
        suffix = "" if n < len(COMMUNITY_NAMES) else f"{n // len(COMMUNITY_NAMES) + 1}"
        halls.append(
            replace(
                community,
                hall_id=hall_id,
                name=f"{base}{suffix}社区党群服务站",
                parent_hall_id=street_ids[n % streets] if streets else "H001",
                weekday_tickets=85.0 + 9.0 * (n * 5 % 9),
                windows=_scaled(community.windows, 2) if n % 3 == 0 else COMMUNITY_THREE,
                proxy_cases_per_day=4.0 + (n % 4),
            )
        )
    return tuple(halls)


@dataclass(frozen=True)
class CityOptions:
    demo: DemoOptions
    workers: int = 1
    streets: int = STREETS
    communities: int = COMMUNITIES
    halls: int | None = None  # only the first N halls of the network (small slices)


@dataclass
class _Part:
    rows: dict[str, int] = field(default_factory=dict)


def _simulate_halls(
    url: str, options: CityOptions, hall_indices: list[int], chunk_days: int
) -> dict[str, int]:
    """A worker: simulate `hall_indices` over the whole range and write them, chunk by chunk."""
    demo = options.demo
    network = build_network(demo.seed, city_halls(options.streets, options.communities))
    calendar = DemoCalendar(demo.first, demo.end)
    sim = HallDaySimulator(network, calendar, demo.staffing)
    engine = make_engine(url)
    rows: dict[str, int] = {}
    try:
        day = demo.first
        while day <= demo.end:
            chunk_end = min(demo.end, day + dt.timedelta(days=chunk_days - 1))
            parts: list[DayFacts] = []
            d = day
            while d <= chunk_end:
                parts.extend(sim.run(network.halls[i], d) for i in hall_indices)
                d += DAY
            facts = cut_at(
                DayFacts(
                    pl.concat([p.tickets for p in parts]),
                    pl.concat([p.cases for p in parts]),
                    pl.concat([p.evaluations for p in parts]),
                    pl.concat([p.attendance for p in parts]),
                ),
                demo.cutoff,
            )
            with engine.begin() as conn:
                for table, frame in (
                    (schema.tickets, facts.tickets),
                    (schema.cases, facts.cases),
                    (schema.evaluations, facts.evaluations),
                    (schema.attendance, facts.attendance),
                ):
                    bulk_insert(conn, table, frame)
                    rows[table.name] = rows.get(table.name, 0) + frame.height
            day = chunk_end + DAY
    finally:
        engine.dispose()
    return rows


def _fact_indexes() -> list[sa.Index]:
    return [i for t in schema.FACT_TABLES for i in t.indexes]


def write_city(
    url: str,
    options: CityOptions,
    *,
    replace_data: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
) -> DemoSummary:
    """Create the schema (keeping a partitioned or sharded layout) and fill it with the city."""
    started = time.perf_counter()
    demo = options.demo
    engine = make_engine(url)
    try:
        if replace_data:
            if not partitioning.clear_facts(engine):
                drop_schema(engine)
        elif existing_fact_rows(engine):
            raise DemoRefused(
                "the database already holds tickets, cases, evaluations or attendance; "
                "use --replace to drop them and write the demo instead"
            )
        init_schema(engine)
        first, last = calendar_span(options.demo)
        partitioning.ensure_months(engine, demo.first, last)
        network = build_network(demo.seed, city_halls(options.streets, options.communities))
        count = (
            len(network.halls) if options.halls is None else min(options.halls, len(network.halls))
        )
        keep = {h.spec.hall_id for h in network.halls[:count]}
        summary = DemoSummary(warnings=unannounced_warnings(first, last))
        network_tables = [t for t in schema.REFERENCE_TABLES if t is not schema.calendar]
        with engine.begin() as conn:
            for table in reversed(network_tables):
                conn.execute(table.delete())
            for table in network_tables:
                frame = network.reference[table.name]
                if "hall_id" in frame.columns:
                    frame = frame.filter(pl.col("hall_id").is_in(list(keep)))
                bulk_insert(conn, table, frame)
                summary.rows[table.name] = frame.height
            summary.rows["calendar"] = ensure_calendar(conn, first, last)
            set_meta(
                conn,
                {
                    "demo_seed": str(demo.seed),
                    "demo_end": demo.end.isoformat(),
                    "demo_days": str(demo.days),
                    "demo_network": "city",
                },
            )
            postgres = conn.dialect.name == "postgresql"
            if postgres:  # a load into empty tables: the indexes are built once, at the end
                for index in _fact_indexes():
                    conn.execute(sa.text(f"DROP INDEX IF EXISTS {index.name}"))
        workers = max(1, min(options.workers, count))
        # the busiest halls first, each to the least loaded worker
        shares: list[list[int]] = [[] for _ in range(workers)]
        load = [0.0] * workers
        for i in sorted(range(count), key=lambda i: -network.halls[i].spec.weekday_tickets):
            w = load.index(min(load))
            shares[w].append(i)
            load[w] += network.halls[i].spec.weekday_tickets
        # a worker holds one chunk of its halls' days in memory: about 60k tickets a chunk
        per_day = sum(network.halls[i].spec.weekday_tickets for i in range(count)) / workers
        chunk_days = max(1, min(demo.chunk_days, int(60_000 // max(per_day, 1.0)) or 1))
        log(f"  {count} halls, {workers} worker(s), chunks of {chunk_days} day(s)")
        if workers == 1:
            results = [_simulate_halls(url, options, shares[0], chunk_days)]
        else:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                futures = [
                    pool.submit(_simulate_halls, url, options, share, chunk_days)
                    for share in shares
                ]
                results = []
                for future in as_completed(futures):
                    results.append(future.result())
                    log(f"  … worker done: {results[-1].get('tickets', 0):,} tickets")
        for part in results:
            for name, n in part.items():
                summary.rows[name] = summary.rows.get(name, 0) + n
        with engine.begin() as conn:
            if postgres:
                log("  building indexes")
                for index in _fact_indexes():
                    index.create(conn, checkfirst=True)
            log("  building daily rollups")
            summary.rollup_days = rollups.rebuild(
                conn,
                demo.first,
                demo.end,
                wait_target_s=load_settings().wait_target_min * 60,
                today=demo.now.date() if demo.now else None,
            )
        if postgres:
            partitioning.vacuum_analyze(engine)
    finally:
        engine.dispose()
    summary.seconds = time.perf_counter() - started
    return summary
