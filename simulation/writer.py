"""Writing the simulated network into a database, in bulk and chunk by chunk."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from metrics.settings import load_settings
from queries import partitioning, rollups, schema
from queries.db import bulk_insert, drop_schema, ensure_calendar, init_schema, set_meta
from simulation.demo import DayFacts, DemoOptions, build_network, calendar_span, generate
from workdays import unannounced_warnings


class DemoRefused(RuntimeError):
    """The database already holds facts and the caller did not ask to replace them."""


@dataclass
class DemoSummary:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    rollup_days: int = 0


def existing_fact_rows(engine: Engine) -> int:
    """How many fact rows the database holds (0 when the schema is missing)."""
    names = set(sa.inspect(engine).get_table_names())
    total = 0
    with engine.connect() as conn:
        for table in schema.FACT_TABLES:
            if table.name in names:
                total += conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return total


def write_demo(
    engine: Engine,
    options: DemoOptions,
    *,
    replace: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
    facts: Iterable[DayFacts] | None = None,
) -> DemoSummary:
    """Create the schema and fill it with the demo network for `options`.

    `facts` are the chunks to write when they were generated already for the same options
    (`generate(options)`: one simulation written to several databases); by default they are
    generated here.

    Refuses (DemoRefused) when the database already holds facts, unless `replace`, which drops
    and recreates every table of the contract. Each chunk of days is one transaction.
    """
    started = time.perf_counter()
    if replace:
        if not partitioning.clear_facts(engine):  # a partitioned layout keeps its tables
            drop_schema(engine)
    elif existing_fact_rows(engine):
        raise DemoRefused(
            "the database already holds tickets, cases, evaluations or attendance; "
            "use --replace to drop them and write the demo instead"
        )
    init_schema(engine)
    partitioning.ensure_months(engine, options.first, calendar_span(options)[1])
    network = build_network(options.seed)
    summary = DemoSummary()
    first, last = calendar_span(options)
    summary.warnings = unannounced_warnings(first, last)
    network_tables = [t for t in schema.REFERENCE_TABLES if t is not schema.calendar]
    with engine.begin() as conn:
        for table in reversed(network_tables):  # children first
            conn.execute(table.delete())
        for table in network_tables:
            frame = network.reference[table.name]
            bulk_insert(conn, table, frame)
            summary.rows[table.name] = frame.height
        summary.rows["calendar"] = ensure_calendar(conn, first, last)
        set_meta(
            conn,
            {
                "demo_seed": str(options.seed),
                "demo_end": options.end.isoformat(),
                "demo_days": str(options.days),
            },
        )
    for chunk in generate(options, network) if facts is None else facts:
        with engine.begin() as conn:
            for table, frame in (
                (schema.tickets, chunk.tickets),
                (schema.cases, chunk.cases),
                (schema.evaluations, chunk.evaluations),
                (schema.attendance, chunk.attendance),
            ):
                bulk_insert(conn, table, frame)
                summary.rows[table.name] = summary.rows.get(table.name, 0) + frame.height
        last_day = chunk.attendance["work_date"].max() if chunk.attendance.height else None
        log(f"  … {last_day}: {summary.rows.get('tickets', 0):,} tickets")
    with engine.begin() as conn:  # the daily rollups of the closed days, for fast figures
        summary.rollup_days = rollups.rebuild(
            conn,
            options.end - dt.timedelta(days=options.days - 1),
            options.end,
            wait_target_s=load_settings().wait_target_min * 60,
            today=options.now.date() if options.now else None,  # a day cut at `now` is open
        )
    if engine.dialect.name == "postgresql":  # the figures read at full speed from the start
        partitioning.vacuum_analyze(engine)
    summary.seconds = time.perf_counter() - started
    return summary
