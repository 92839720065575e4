"""Daily rollups give exactly the figures of the raw rows, and writers keep them current.

The demo network around the end of National Day 2026 (closed days, the 调休 Saturday 10-10) is
written once on each backend; `hall demo` builds the rollups of its closed days. Every figure,
for every grouping and filter, must equal the one computed from the raw rows (quantiles too:
the same buckets).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import math
import re
import time
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from conftest import BACKENDS, demo_facts, empty_url
from polars.testing import assert_frame_equal
from sqlalchemy.engine import Engine

from access.scope import Scope
from cli.main import main
from imports.importer import import_file
from metrics.engine import group_label
from metrics.figures import compute
from metrics.settings import Settings
from queries import details, metric_inputs, rollups
from queries import schema as s
from queries.db import calendar_frame, get_meta, make_engine
from queries.frames import read_frame
from queries.metric_queries import DIMENSIONS, Filters
from simulation.demo import DemoOptions
from simulation.writer import write_demo
from workdays.deadlines import JUDGED, calendar_key

ALL = Scope.everything("test")  # unrestricted reads, as an admin

D = dt.date
FIRST, END = D(2026, 10, 5), D(2026, 10, 13)
EOD = dt.time(23, 59, 59)


def same(a, b, path: str = "") -> list[str]:
    """Differences between two results: floats to 1e-9, everything else exactly."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in same(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in same(x, y, path + f"[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def both(engine: Engine, period: Filters, dimension=None, settings=None) -> tuple[dict, dict]:
    settings = settings or Settings()
    with engine.connect() as conn:
        rolled = compute(conn, period, settings, dimension, scope=ALL)
        raw = compute(conn, period, settings, dimension, use_rollups=False, scope=ALL)
    return rolled, raw


def assert_same(engine: Engine, period: Filters, dimension=None, settings=None) -> dict:
    rolled, raw = both(engine, period, dimension, settings)
    differences = same(rolled, raw)
    assert not differences, differences[:10]
    return rolled


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One demo per backend for the module: the tests below run in order on it, the later
    ones writing to it."""
    url = empty_url(request.param, tmp_path_factory.mktemp("rollups"))
    engine = make_engine(url)
    engine.info = {"url": url}
    options = DemoOptions(end=END, days=(END - FIRST).days + 1, seed=11)
    write_demo(engine, options, facts=demo_facts(options))
    yield engine
    engine.dispose()


def _one(engine: Engine, column: sa.Column):
    with engine.connect() as conn:
        return conn.execute(sa.select(column).where(column.isnot(None)).limit(1)).scalar_one()


def test_demo_builds_rollups_and_every_figure_equals_the_raw_rows(demo: Engine):
    with demo.connect() as conn:
        assert rollups.rolled_span(conn) == (FIRST, END)
        plan = rollups.plan(conn, Filters(FIRST, END, dt.datetime.combine(END, EOD)))
        assert plan is not None and not plan.raw_periods  # every day from the rollups
    whole = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    total = assert_same(demo, whole)
    assert total["tickets"]["issued"] > 1000 and total["cases"]["completed"] > 0
    # every grouping on SQLite; on a server those read their own way (a join, a package, the
    # hourly rollup, the calendar), not the plain member columns read the same way as these
    sqlite = demo.dialect.name == "sqlite"
    sample = ("department", "item", "bundle", "hour", "weekday")
    for dimension in DIMENSIONS if sqlite else sample:
        assert_same(demo, Filters(FIRST, END, whole.as_of, {"hall": "H01"}), dimension)
    window = _one(demo, s.tickets.c.window_id)
    department = _one(demo, s.queues.c.dept_id)
    item = _one(demo, s.cases.c.item_id)
    queue = _one(demo, s.tickets.c.queue_id)
    for filters in (
        {"window": window},
        {"department": department},
        {"item": item},
        {"queue": queue},
    ):
        assert_same(demo, Filters(FIRST, END, whole.as_of, filters), "date")
    # the National Day break alone, a week around the 调休 Saturday, one day, and an as_of
    # inside a day (coverage: the days before from the rollup, that day's first evaluations
    # up to as_of from the rows)
    assert_same(demo, Filters(D(2026, 10, 1), D(2026, 10, 7), dt.datetime(2026, 10, 7, 23, 59, 59)))
    assert_same(
        demo,
        Filters(D(2026, 10, 8), D(2026, 10, 12), dt.datetime(2026, 10, 12, 23, 59, 59)),
        "weekday",
    )
    assert_same(demo, Filters(END, END, dt.datetime.combine(END, EOD), {"hall": "H01"}))
    assert_same(demo, Filters(D(2026, 10, 8), END, dt.datetime(2026, 10, 13, 11, 30)), "hall")
    for as_of in (dt.datetime(2026, 10, 12, 0, 0), dt.datetime(2026, 10, 12, 15, 45, 30)):
        in_day = Filters(D(2026, 10, 5), D(2026, 10, 12), as_of)
        with demo.connect() as conn:
            plan = rollups.plan(conn, in_day)
        # the rollup answers, corrected by the rows of as_of's day (not the rows of the period)
        assert rollups.serves(
            "coverage", plan, in_day, None, wait_target_s=0, boundaries=[], scope=ALL
        )
        assert_same(demo, in_day)
        for dimension in ("window", "staff", "department", "date") if sqlite else ("window",):
            assert_same(demo, in_day, dimension)
        assert_same(demo, Filters(in_day.first, in_day.last, as_of, {"window": window}), "date")
    # a period reaching past the rolled days reads those raw
    assert_same(
        demo, Filters(D(2026, 10, 9), D(2026, 10, 20), dt.datetime(2026, 10, 20, 23, 59, 59))
    )


def test_a_bulk_build_leaves_the_rollups_analyzed_on_postgresql(demo: Engine):
    """The demo's days are rolled in one rebuild, which ANALYZEs the rollup and reference
    tables on PostgreSQL before it commits: the planner knows their sizes from the first
    read (without statistics it sorted a city's year of histograms on disk)."""
    if demo.dialect.name != "postgresql":
        pytest.skip("statistics for the planner: PostgreSQL")
    assert (END - FIRST).days + 1 >= rollups.ANALYZE_AFTER_DAYS
    names = [s.rollup_histograms.name, s.rollup_completion.name, s.halls.name, s.items.name]
    with demo.connect() as conn:
        analyzed = conn.execute(
            sa.text("SELECT DISTINCT tablename FROM pg_stats WHERE tablename = ANY(:names)"),
            {"names": names},
        ).scalars()
        assert sorted(analyzed) == sorted(names)


def test_cases_by_item_bundle_and_channel_come_from_the_rollups_and_equal_the_rows(demo: Engine):
    """办件时效's year view: intake by bundle and channel, completion by item and bundle are
    rollup members, so those groupings read no case row for the rolled days; each equals the
    rows, inside a department scope too (scope stays in SQL on the rollups)."""
    whole = Filters(FIRST, END, dt.datetime.combine(END, EOD), {"hall": "H01"})
    department = _one(demo, s.items.c.dept_id)
    manager = Scope(who="m", role="manager", hall_ids=frozenset({"H01"}), dept_ids={department})
    with demo.connect() as conn:
        plan = rollups.plan(conn, whole)
        for name, dimension in (
            ("intake", "bundle"),
            ("intake", "channel"),
            ("intake", "item"),
            ("completion", "item"),
            ("completion", "bundle"),
        ):
            assert rollups.serves(
                name,
                plan,
                whole,
                dimension,
                wait_target_s=0,
                boundaries=[],
                scope=manager,
                calendar=plan.calendar,  # the calendar completion was judged on: unchanged
            ), (name, dimension)
        for scope in (ALL, manager):
            channels = metric_inputs.case_channels(conn, whole, scope=scope)
            raw = metric_inputs.case_channels(conn, whole, scope=scope, use_rollups=False)
            rows = details.case_breakdown(conn, whole, scope=scope).sort("channel")
            assert channels.height > 0
            assert_frame_equal(channels.sort("channel"), rows)
            assert_frame_equal(raw.sort("channel"), rows)
    for dimension in ("item", "bundle"):
        for scope in (ALL, manager):
            with demo.connect() as conn:
                rolled = compute(conn, whole, Settings(), dimension, ("cases",), scope=scope)
                raw = compute(
                    conn, whole, Settings(), dimension, ("cases",), use_rollups=False, scope=scope
                )
            assert rolled["groups"] and not same(rolled, raw)


def older_table(table: sa.Table, without: tuple[str, ...], *extra: sa.Column) -> sa.Table:
    """`table` as an older release made it: without the columns `without`, with `extra`."""
    kept = [sa.Column(c.name, c.type, nullable=c.nullable) for c in table.c]
    kept = [c for c in kept if c.name not in without]
    return sa.Table(table.name, sa.MetaData(), *kept, *extra)


def test_rollups_built_before_the_case_members_are_read_raw_until_rebuilt(demo: Engine):
    """A database whose rollups were built before intake and completion had their bundle,
    channel and item members: its tables lack those columns and its meta lacks
    `rollup_members`. It is read from the rows where those members are needed (same
    figures), and the next rebuild makes the tables again and rolls every day."""
    whole = Filters(FIRST, END, dt.datetime.combine(END, EOD), {"hall": "H01"})
    old_intake = older_table(s.rollup_intake, ("bundle", "channel"))
    with demo.begin() as conn:  # as the rollups were before: no new columns, no record
        kept = [c.name for c in old_intake.c]
        rows = [
            dict(r._mapping) for r in conn.execute(sa.select(*(s.rollup_intake.c[n] for n in kept)))
        ]
        s.rollup_intake.drop(conn)
        old_intake.create(conn)
        conn.execute(old_intake.insert(), rows)
        conn.execute(s.meta.delete().where(s.meta.c.key == rollups.MEMBERS_KEY))
    rebuilt = Filters(FIRST, END, whole.as_of)
    with demo.connect() as conn:
        plan = rollups.plan(conn, whole)
        assert plan is not None and plan.held("intake") == ("item", "department")
        kw = {"wait_target_s": 0, "boundaries": [], "scope": ALL, "calendar": plan.calendar}
        assert not rollups.serves("completion", plan, whole, "item", **kw)
        assert rollups.serves("completion", plan, whole, "department", **kw)  # the members it had
    for dimension in (None, "item", "bundle", "department"):
        assert_same(demo, whole, dimension)
    with demo.connect() as conn:  # the channels read raw (the table has no channel column)
        assert_frame_equal(
            metric_inputs.case_channels(conn, whole, scope=ALL).sort("channel"),
            details.case_breakdown(conn, whole, scope=ALL).sort("channel"),
        )
    with demo.begin() as conn:  # a write's rebuild of one day: the tables made again, all rolled
        stale = rollups.invalidate_after_write(conn, "cases", [END], changed_existing=False)
        # every day the remade tables held, every rollup
        assert (stale.first, stale.last, stale.only) == (FIRST, END, None)
        target = Settings().wait_target_min * 60
        rollups.rebuild(
            conn, stale.first, stale.last, wait_target_s=target, today=END + dt.timedelta(days=1)
        )
    with demo.connect() as conn:
        assert rollups.rolled_span(conn) == (FIRST, END)
        plan = rollups.plan(conn, rebuilt)
        assert not plan.raw_periods and plan.held("intake") == rollups.INTAKE_MEMBERS
        assert rollups.serves(
            "intake", plan, whole, "channel", wait_target_s=0, boundaries=[], scope=ALL
        )
    for dimension in (None, "item", "bundle"):
        assert_same(demo, whole, dimension)


def test_another_wait_target_reads_tickets_raw(demo: Engine):
    period = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    settings = Settings(wait_target_min=7)
    with demo.connect() as conn:
        plan = rollups.plan(conn, period)
    assert not rollups.serves(
        "tickets", plan, period, None, wait_target_s=420, boundaries=plan.boundaries, scope=ALL
    )
    assert rollups.serves(
        "tickets", plan, period, None, wait_target_s=1200, boundaries=plan.boundaries, scope=ALL
    )
    assert_same(demo, period, "department", settings)


def _both_in(engine: Engine, period: Filters, dimension, scope: Scope, keys=None) -> None:
    with engine.connect() as conn:
        rolled = compute(conn, period, Settings(), dimension, scope=scope, keys=keys)
        raw = compute(
            conn, period, Settings(), dimension, use_rollups=False, scope=scope, keys=keys
        )
    differences = same(rolled, raw)
    assert not differences, (period, dimension, differences[:10])


COVERAGE = ("coverage_rate", "served")  # the coverage, and the served tickets it is a share of


@pytest.mark.parametrize(
    "as_of",
    [
        dt.datetime(2026, 10, 13, 9, 0),  # the last day in progress, early
        dt.datetime(2026, 10, 13, 15, 30),  # … in the afternoon
        dt.datetime(2026, 10, 10, 11, 0),  # inside the 调休 Saturday, days after it rolled
        dt.datetime(2026, 10, 9, 0, 0),  # midnight: nothing of that day yet
    ],
)
def test_coverage_inside_a_day_comes_from_the_rollups_and_equals_the_rows(demo: Engine, as_of):
    """An as_of inside a day (a page's "now", the big screen): the coverage rollup answers
    for the tickets first evaluated before that day, that day's evaluations up to as_of for
    the rest; every figure equals the rows', and the coverage does for each grouping, filter
    and a manager's scope (the other figures by grouping: `test_demo_builds_rollups_…`)."""
    period = Filters(FIRST, END, as_of)
    with demo.connect() as conn:
        plan = rollups.plan(conn, period)
        assert rollups.serves(
            "coverage", plan, period, None, wait_target_s=1200, boundaries=[], scope=ALL
        )
        department = conn.execute(
            sa.select(s.queues.c.dept_id).where(s.queues.c.dept_id.isnot(None)).limit(1)
        ).scalar_one()
    _both_in(demo, period, None, ALL)
    for dimension in ("hall", "department", "window", "staff", "date", "weekday"):
        _both_in(demo, period, dimension, ALL, COVERAGE)
    _both_in(demo, Filters(FIRST, END, as_of, {"hall": "H01"}), "queue", ALL, COVERAGE)
    manager = Scope(who="m", role="manager", hall_ids=frozenset({"H01"}), dept_ids={department})
    _both_in(demo, period, "window", manager, COVERAGE)
    # a period starting on as_of's day, and one of the days before it only
    _both_in(demo, Filters(as_of.date(), END, as_of, {"hall": "H01"}), None, ALL)
    _both_in(demo, Filters(FIRST, as_of.date() - dt.timedelta(days=1), as_of), "hall", ALL)


def test_a_long_period_reads_packaged_cases_through_their_index(demo: Engine):
    """Periods of two months and more read the packaged cases through the application index
    (SQLite: the hall kept from the index choice); the figures equal the short path's."""
    long = Filters(END - dt.timedelta(days=90), END, dt.datetime.combine(END, EOD))
    with demo.connect() as conn:
        for filters in ({}, {"hall": "H01"}):
            period = Filters(long.first, long.last, long.as_of, filters)
            for dimension in (None, "hall", "bundle", "date"):
                result = compute(conn, period, Settings(), dimension, ("cases",), scope=ALL)
                raw = compute(
                    conn, period, Settings(), dimension, ("cases",), use_rollups=False, scope=ALL
                )
                assert not same(result, raw)
        whole = compute(conn, long, Settings(), None, ("cases",), scope=ALL)["cases"]
        # the same cases counted over exactly the demo's days (a short period: hall index)
        short = Filters(FIRST, END, long.as_of)
        assert (FIRST - long.first).days >= 62 > (END - FIRST).days
        part = compute(conn, short, Settings(), None, ("cases",), scope=ALL)["cases"]
    assert whole["bundle_applications"] == part["bundle_applications"] > 0
    assert whole["bundles_completed"] == part["bundles_completed"]
    assert whole["bundle_on_time_rate"] == part["bundle_on_time_rate"]


def test_a_day_reads_its_completions_through_the_hall_index(demo: Engine):
    """A short period finds the day's completed packages through (hall_id, completed_at) and
    reads their cases through the application index: not every packaged case ever written, nor
    every case of the hall (0.5 s for a day of a year's demo before)."""
    from queries import metric_queries

    day = Filters(END, END, dt.datetime.combine(END, EOD), {"hall": "H01"})
    plans: list[str] = []

    def explain(conn, stmt, schema, **kw):
        if conn.dialect.name == "sqlite":
            sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
            plans.extend(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        return read_frame(conn, stmt, schema, **kw)

    with demo.connect() as conn:
        original, metric_queries.read_frame = metric_queries.read_frame, explain
        try:
            frame = metric_queries.bundle_cases(conn, day, None, scope=ALL)
        finally:
            metric_queries.read_frame = original
    if demo.dialect.name == "sqlite":
        text = " | ".join(plans)
        assert "ix_cases_hall_completed" in text and "ix_cases_application" in text, text
        assert "ix_cases_hall_status" not in text and "hall_accepted" not in text, text
    assert frame.height > 0
    assert frame["application_id"].n_unique() <= frame.height


@pytest.mark.parametrize(
    "as_of", [dt.datetime(2026, 10, 13, 15, 30), dt.datetime.combine(END, EOD)]
)
def test_sparklines_and_wait_histogram_from_the_rollups_equal_the_rows(demo: Engine, as_of):
    """总览's wait histogram and 窗口绩效's daily sparklines read the rollups for the rolled days
    (a period reaching past them reads the rest raw) and equal the rows', in a scope too."""
    manager = Scope(who="m", role="manager", hall_ids=frozenset({"H01"}), dept_ids=None)
    key = ["group", "day"]
    with demo.connect() as conn:
        for period in (
            Filters(FIRST, END, as_of),
            Filters(FIRST, END, as_of, {"hall": "H01"}),
            Filters(D(2026, 10, 9), D(2026, 10, 20), as_of),  # past the rolled days
        ):
            assert rollups.serves_daily(rollups.plan(conn, period), period, "window")
            for dimension in ("hall", "department", "window", "staff"):
                for scope in (ALL, manager):
                    rolled = metric_inputs.daily_by(conn, period, dimension, scope=scope)
                    raw = details.daily_by(conn, period, dimension, scope=scope)
                    assert rolled.height > 0
                    assert rolled.sort(key).equals(raw.sort(key)), (period, dimension)
            for scope in (ALL, manager):
                hist = metric_inputs.histograms(conn, period, wait_target_min=20, scope=scope)
                raw = metric_inputs.histograms(
                    conn, period, wait_target_min=20, scope=scope, use_rollups=False
                )
                order = ["kind", "bucket"]
                assert hist.height > 0
                assert (
                    hist.select([*order, "n", "sum_s"])
                    .sort(order)
                    .equals(raw.select([*order, "n", "sum_s"]).sort(order))
                )
                # 总览 reads the waits alone: the same buckets, rolled and raw
                for use_rollups in (True, False):
                    waits = metric_inputs.histograms(
                        conn,
                        period,
                        wait_target_min=20,
                        scope=scope,
                        use_rollups=use_rollups,
                        kinds=("wait",),
                    )
                    assert (
                        waits.select([*order, "n", "sum_s"])
                        .sort(order)
                        .equals(
                            raw.filter(pl.col("kind") == "wait")
                            .select([*order, "n", "sum_s"])
                            .sort(order)
                        )
                    )


@pytest.mark.parametrize(
    "as_of", [dt.datetime(2026, 10, 13, 15, 30), dt.datetime.combine(END, EOD)]
)
def test_hour_by_weekday_heatmap_from_the_hourly_rollup_equals_the_rows(demo: Engine, as_of):
    """总览's heatmap reads the hourly rollup for the rolled days and the rows for the rest
    (today, days past the rolled ones): the same arrivals and waits per day and hour, in a
    hall's scope too; a department's scope or filter (not in the rollup) reads the rows."""
    director = Scope(who="d", role="director", hall_ids=frozenset({"H01"}))
    dept = _one(demo, s.queues.c.dept_id)
    manager = Scope(
        who="m", role="manager", hall_ids=frozenset({"H01"}), dept_ids=frozenset({dept})
    )
    key = ["day", "hour"]
    with demo.connect() as conn:
        for period in (
            Filters(FIRST, END, as_of),
            Filters(FIRST, END, as_of, {"hall": "H01"}),
            Filters(D(2026, 10, 9), D(2026, 10, 20), as_of),  # past the rolled days
            Filters(FIRST, END, as_of, {"department": dept}),
        ):
            plan = rollups.plan(conn, period)
            for scope in (ALL, director, manager):
                rolled = metric_inputs.hour_by_day(conn, period, scope=scope)
                raw = details.hour_by_day(conn, period, scope=scope)
                assert rolled.height > 0
                assert_frame_equal(rolled.sort(key), raw.sort(key))
                served = rollups.serves(
                    "hours", plan, period, "date", wait_target_s=0, boundaries=[], scope=scope
                )
                assert served == (scope is not manager and "department" not in period.filters)


def test_the_hourly_rollup_added_to_rolled_days_is_read_raw_until_db_init_builds_it(
    demo: Engine, capsys
):
    """A database rolled before the hourly rollup existed: `hall db init` makes its table
    (empty) and the record of the rollups lacks it, so the heatmap reads the rows (the same
    figures, never the empty table's zeros); `hall db init` then builds it for every rolled
    day and the rollup answers, equal to the rows."""
    period = Filters(FIRST, END, dt.datetime.combine(END, EOD), {"hall": "H01"})
    with demo.begin() as conn:  # as a release before the hourly rollup left it
        conn.execute(s.rollup_hours.delete())
        record = json.loads(get_meta(conn)[rollups.MEMBERS_KEY])
        del record["hours"]
        conn.execute(
            s.meta.update()
            .where(s.meta.c.key == rollups.MEMBERS_KEY)
            .values(value=json.dumps(record))
        )
    with demo.connect() as conn:
        plan = rollups.plan(conn, period)
        assert not rollups.serves(
            "hours", plan, period, "date", wait_target_s=0, boundaries=[], scope=ALL
        )
        assert rollups.serves(  # the other rollups still answer
            "tickets", plan, period, None, wait_target_s=1200, boundaries=[], scope=ALL
        )
        raw = details.hour_by_day(conn, period, scope=ALL)
        assert_frame_equal(metric_inputs.hour_by_day(conn, period, scope=ALL), raw)
    assert main(["db", "init", "--db", demo.info["url"]]) == 0
    assert "daily rollups: hours built for the rolled days" in capsys.readouterr().out
    with demo.connect() as conn:
        plan = rollups.plan(conn, period)
        assert rollups.serves(
            "hours", plan, period, "date", wait_target_s=0, boundaries=[], scope=ALL
        )
        assert_frame_equal(metric_inputs.hour_by_day(conn, period, scope=ALL), raw)
        assert get_meta(conn)[rollups.MEMBERS_KEY] == rollups._members_record()
    assert not rollup_differences(demo)
    with demo.begin() as conn:  # built once: a second `hall db init` has nothing to build
        assert rollups.build_missing(conn) == []


def test_partials_read_once_for_two_readers_give_the_same_figures(demo: Engine):
    """办件时效 reads the packages' partials once (by package: the completed applications'
    cases, the packaged cases accepted) for its tiles and its packages table, 总览 the
    waits' histogram once for its 90th percentile and its chart (`dashboard.cached`): the
    figures and the table from those `given` partials equal the ones that read their own,
    rolled days and raw, in a scope too."""
    from metrics.bundles import package_table
    from metrics.engine import needs
    from queries.metric_queries import bundle_cases, bundle_intake

    manager = Scope(who="m", role="manager", hall_ids=frozenset({"H01"}), dept_ids=None)
    settings = Settings()
    keys = ("wait_p90_min", "wait_mean_min", "issued")
    kinds = metric_inputs.histogram_kinds(needs(keys)[1])
    assert kinds == ("wait",)
    with demo.connect() as conn:
        for period in (
            Filters(FIRST, END, dt.datetime.combine(END, EOD)),
            Filters(FIRST, END, dt.datetime(2026, 10, 13, 15, 30), {"hall": "H01"}),
        ):
            for scope in (ALL, manager):
                rows = {
                    "bundle_cases": bundle_cases(conn, period, "bundle", scope=scope),
                    "bundle_intake": bundle_intake(conn, period, "bundle", scope=scope),
                }
                assert all(frame.height > 0 for frame in rows.values())
                given = {name: frame.drop("group") for name, frame in rows.items()}
                shared = compute(conn, period, settings, None, ("cases",), scope=scope, given=given)
                own = compute(conn, period, settings, None, ("cases",), scope=scope)
                assert shared["cases"]["bundles_completed"] > 0
                assert shared["cases"]["bundle_applications"] > 0
                assert not same(shared, own)
                table = package_table(conn, period, settings, scope=scope, given=rows)
                assert table.height > 0
                assert_frame_equal(table, package_table(conn, period, settings, scope=scope))
                waits = metric_inputs.histograms(
                    conn, period, wait_target_min=settings.wait_target_min, scope=scope, kinds=kinds
                )
                shared = compute(
                    conn, period, settings, scope=scope, keys=keys, given={"histograms": waits}
                )
                own = compute(conn, period, settings, scope=scope, keys=keys)
                assert shared["tickets"]["wait_p90_min"] is not None
                assert not same(shared, own)


def _rows(engine: Engine, table: sa.Table, *where) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table).where(*where))]


def _write_csv(path: Path, rows: list[dict]) -> Path:
    columns = list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


def test_imports_keep_the_rollups_current(demo: Engine, tmp_path: Path):
    day = D(2026, 10, 9)
    period = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    before = assert_same(demo, period)
    start = dt.datetime.combine(day, dt.time(0))
    served = _rows(demo, s.tickets, s.tickets.c.status == "served", s.tickets.c.issued_at >= start)
    template = served[0]
    # new tickets on a rolled day: that day is rebuilt
    new = [
        {**template, "ticket_id": f"NEW{i}", "case_id": None, "issued_at": template["issued_at"]}
        for i in range(3)
    ]
    report = import_file(demo, "tickets", _write_csv(tmp_path / "new.csv", new))
    assert report.committed and report.rollup_days == 1
    after = assert_same(demo, period)
    assert after["tickets"]["issued"] == before["tickets"]["issued"] + 3
    # an existing ticket changed: the day of its stored values (looked up before the upsert)
    # and of its new ones is rebuilt, not every rolled day (a feed re-reads rows all the time)
    changed = [{**served[1], "status": "no_show", "called_at": None, "finished_at": None}]
    report = import_file(demo, "tickets", _write_csv(tmp_path / "changed.csv", changed))
    assert report.rollup_days == 1
    again = assert_same(demo, period)
    assert again["tickets"]["no_show"] == after["tickets"]["no_show"] + 1
    # a ticket moved to the day before: both days are rebuilt, the figures stay exact
    shift = dt.timedelta(days=1)
    moved = {**served[3]}
    for col in ("issued_at", "called_at", "finished_at"):
        moved[col] = moved[col] - shift if moved[col] else None
    report = import_file(demo, "tickets", _write_csv(tmp_path / "moved.csv", [moved]))
    assert report.rollup_days == 2
    again = assert_same(demo, period)
    # an evaluation of an earlier day's ticket: coverage of the ticket's day changes
    old = served[2]
    evaluation = {
        "eval_id": "NEWEVAL",
        "hall_id": old["hall_id"],
        "rating": 5,
        "channel": "sms",
        "is_default": False,
        "window_id": old["window_id"],
        "ticket_id": old["ticket_id"],
        "evaluated_at": dt.datetime.combine(END, dt.time(10)),
    }
    covered_before = again["evaluations"]["coverage_rate"]
    import_file(demo, "evaluations", _write_csv(tmp_path / "eval.csv", [evaluation]))
    final = assert_same(demo, period)
    has_one = _rows(demo, s.evaluations, s.evaluations.c.ticket_id == old["ticket_id"])
    if len(has_one) == 1:  # the ticket had no evaluation before: coverage rises
        assert final["evaluations"]["coverage_rate"] > covered_before


def test_rows_stored_with_the_same_values_are_not_written_again(demo: Engine, tmp_path: Path):
    """A feed re-reads what it has: rows the table holds unchanged are neither written nor
    make their days' rollups stale; the one changed row among them is, and only its day."""
    period = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    start = dt.datetime.combine(D(2026, 10, 7), dt.time(0))
    stored = _rows(demo, s.tickets, s.tickets.c.issued_at >= start)[:400]
    path = _write_csv(tmp_path / "same.csv", stored)
    with rollups_built(demo) as built:
        report = import_file(demo, "tickets", path)
    assert report.committed and report.unchanged == len(stored) == report.imported
    assert report.rollup_days == 0 and not built
    assert f"{len(stored):,} of them unchanged, not written again" in report.summary_lines()[-1]
    with demo.connect() as conn:
        assert rollups.PENDING_KEY not in get_meta(conn)
    one = next(r for r in stored if r["status"] == "served" and r["issued_at"].date() < END)
    changed = [
        {**r, "status": "no_show", "called_at": None, "finished_at": None, "window_id": None}
        if r is one
        else r
        for r in stored
    ]
    before = assert_same(demo, period)
    with rollups_built(demo) as built:
        report = import_file(demo, "tickets", _write_csv(tmp_path / "one.csv", changed))
    assert report.unchanged == len(stored) - 1 and report.rollup_days == 1
    assert "hallpulse_rollup_tickets" in built
    after = assert_same(demo, period)
    assert after["tickets"]["no_show"] == before["tickets"]["no_show"] + 1


def test_a_reference_import_rebuilds_every_rolled_day(demo: Engine, tmp_path: Path):
    queue = _rows(demo, s.queues)[0]
    other = next(d for d in _rows(demo, s.departments) if d["dept_id"] != queue["dept_id"])
    report = import_file(
        demo, "queues", _write_csv(tmp_path / "q.csv", [{**queue, "dept_id": other["dept_id"]}])
    )
    assert report.rollup_days == (END - FIRST).days + 1
    assert_same(demo, Filters(FIRST, END, dt.datetime.combine(END, EOD)), "department")


def test_hall_db_rollup_rebuilds_after_writes_by_other_means(demo: Engine, capsys):
    with demo.begin() as conn:  # a vendor's job deletes a day behind HallPulse's back
        conn.execute(
            s.tickets.delete().where(
                s.tickets.c.issued_at >= dt.datetime(2026, 10, 9),
                s.tickets.c.issued_at < dt.datetime(2026, 10, 10),
            )
        )
    period = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    rolled, raw = both(demo, period)
    assert rolled["tickets"]["issued"] > raw["tickets"]["issued"]  # stale until rebuilt
    assert main(["db", "rollup", "--db", demo.info["url"]]) == 0
    assert f"{(END - FIRST).days + 1} days rebuilt ({FIRST} … {END})" in capsys.readouterr().out
    assert_same(demo, period)


@contextlib.contextmanager
def rollups_built(engine: Engine):
    """The daily rollup tables written to inside the block (a set, filled as it runs): by
    INSERT … SELECT, or rows inserted from Python (judged completion; COPY on PostgreSQL)."""
    built: set[str] = set()

    def add(name: str) -> None:
        if not name.endswith(("_months", "_days")):
            built.add(name)

    def note(conn, cursor, statement, *_):
        if statement.startswith("INSERT INTO hallpulse_rollup_"):
            add(statement.split()[2].strip('"`'))

    real = rollups.bulk_insert

    def bulk_insert(conn, table, frame, *args, **kwargs):
        if table.name.startswith("hallpulse_rollup_"):
            add(table.name)
        return real(conn, table, frame, *args, **kwargs)

    sa.event.listen(engine, "before_cursor_execute", note)
    rollups.bulk_insert = bulk_insert
    try:
        yield built
    finally:
        rollups.bulk_insert = real
        sa.event.remove(engine, "before_cursor_execute", note)


def test_invalidated_days_read_raw_until_rebuilt(demo: Engine):
    """A write drops the rollups of the days it touches in its own transaction (an import
    rebuilds them before it commits): until rebuilt, those days are read from the rows, still
    exact, and the rebuild builds only the rollups that read what was written."""
    day = D(2026, 10, 9)
    with demo.begin() as conn:
        stale = rollups.invalidate_after_write(
            conn, "tickets", [dt.datetime(2026, 10, 9, 10, 0)], changed_existing=False
        )
    assert (stale.first, stale.last) == (day, day)
    assert stale.only == rollups.stale_rollups("tickets", False)
    assert {"tickets", "histograms", "coverage"} <= stale.only
    assert not stale.only & {"intake", "completion", "evaluations"}
    period = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    with demo.connect() as conn:
        assert rollups.plan(conn, period) is None  # marked: every figure from the rows
    assert_same(demo, period, "date")
    with rollups_built(demo) as built, demo.begin() as conn:
        assert stale.rebuild(conn, wait_target_s=1200) == 1
    assert built == {rollups.SPECS[name].table.name for name in stale.only}
    with demo.connect() as conn:
        assert not rollups.plan(conn, period).raw_periods
    assert_same(demo, period, "date")


def test_a_cases_import_rebuilds_the_case_rollups_alone(demo: Engine, tmp_path: Path):
    """New cases on rolled days rebuild intake, completion, the applications done and the
    unlinked links of those days, not the days' ticket rollups, and every figure still equals
    the rows."""
    period = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    before = assert_same(demo, period)
    done = _rows(
        demo,
        s.cases,
        s.cases.c.status == "completed",
        s.cases.c.bundle_id.is_(None),
        s.cases.c.accepted_at >= dt.datetime.combine(D(2026, 10, 8), dt.time(0)),
        s.cases.c.completed_at < dt.datetime.combine(D(2026, 10, 10), dt.time(0)),
    )
    rows = [{**done[0], "case_id": f"NEWCASE{i}", "application_id": None} for i in range(3)]
    tickets_before = sorted(map(str, _rows(demo, s.rollup_tickets)))
    with rollups_built(demo) as built:
        report = import_file(demo, "cases", _write_csv(tmp_path / "cases.csv", rows))
    assert report.committed and report.rollup_days >= 1
    assert built == {
        "hallpulse_rollup_intake",
        "hallpulse_rollup_completion",
        "hallpulse_rollup_bundles",
        "hallpulse_rollup_unlinked",  # the cases' own links (item, ticket)
    }
    assert sorted(map(str, _rows(demo, s.rollup_tickets))) == tickets_before
    after = assert_same(demo, period)
    assert after["cases"]["completed"] == before["cases"]["completed"] + 3
    assert after["tickets"] == before["tickets"]


def _done_application(engine: Engine, last_before: dt.date) -> dict:
    """A packaged case of an application whose cases are all completed, the last of them on
    a day before `last_before` (and after the first day): that case's row, and the day."""
    with engine.connect() as conn:
        cases = read_frame(
            conn,
            sa.select(
                s.cases.c.hall_id,
                s.cases.c.application_id,
                s.cases.c.status,
                s.cases.c.completed_at,
            ).where(s.cases.c.bundle_id.isnot(None), s.cases.c.application_id.isnot(None)),
            {
                "hall_id": pl.String(),
                "application_id": pl.String(),
                "status": pl.String(),
                "completed_at": pl.Datetime("us"),
            },
        )
    apps = (
        cases.group_by("hall_id", "application_id")
        .agg(
            (pl.col("status") == "completed").all().alias("all_done"),
            pl.col("completed_at").max().dt.date().alias("day"),
        )
        .filter(pl.col("all_done"), pl.col("day") > FIRST, pl.col("day") < last_before)
        .sort("application_id")
    )
    assert apps.height > 0
    app = apps.row(0, named=True)
    row = _rows(engine, s.cases, s.cases.c.application_id == app["application_id"])[0]
    return {**row, "day": app["day"]}


def test_applications_done_come_from_their_rollup_and_move_with_a_late_case(
    demo: Engine, tmp_path: Path
):
    """一件事: the applications done are kept per hall and day of their last completion
    (judged on the calendar, as completion): the whole, by hall, by date and by weekday come
    from that rollup and equal the rows. A case added later to an application done on a
    rolled day, accepted and completed on other days, moves the application to its own
    completion day: the day it was done before is rebuilt too (it is not among the new
    row's days), and every figure still equals the rows."""
    period = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    with demo.connect() as conn:
        plan = rollups.plan(conn, period)
        judged_on = calendar_key(calendar_frame(conn))
        done = conn.execute(sa.select(sa.func.sum(s.rollup_bundles.c.done))).scalar()
    assert rollups.serves(
        "bundles", plan, period, "hall", wait_target_s=0, boundaries=[], scope=ALL,
        calendar=judged_on,
    )  # fmt: skip
    assert not rollups.serves(
        "bundles", plan, period, "department", wait_target_s=0, boundaries=[], scope=ALL,
        calendar=judged_on,
    )  # fmt: skip
    whole = assert_same(demo, period)
    assert whole["cases"]["bundles_completed"] == done > 0
    for dimension in ("hall", "date", "weekday"):
        assert_same(demo, period, dimension)

    app = _done_application(demo, END - dt.timedelta(days=2))
    accepted = dt.datetime.combine(app["day"] + dt.timedelta(days=1), dt.time(10))
    late = {
        **{k: v for k, v in app.items() if k != "day"},
        "case_id": "LATECASE1",
        "status": "completed",
        "accepted_at": accepted,
        "completed_at": dt.datetime.combine(END, dt.time(11)),
        "due_at": None,
        "visits": 1,
    }
    report = import_file(demo, "cases", _write_csv(tmp_path / "late.csv", [late]))
    assert report.committed and report.rollup_days >= 1
    after = assert_same(demo, period)
    assert after["cases"]["bundles_completed"] == whole["cases"]["bundles_completed"]
    one_day = dt.datetime.combine(app["day"], EOD)
    moved = assert_same(demo, Filters(app["day"], app["day"], one_day), "hall")
    assert_same(demo, Filters(END, END, dt.datetime.combine(END, EOD)), "hall")
    assert_same(demo, period, "date")
    with demo.connect() as conn:
        kept = conn.execute(
            sa.select(sa.func.sum(s.rollup_bundles.c.done)).where(
                s.rollup_bundles.c.day == app["day"], s.rollup_bundles.c.hall_id == app["hall_id"]
            )
        ).scalar()
    by_hall = {g["hall_id"]: g["cases"]["bundles_completed"] for g in moved["groups"]}
    assert (kept or 0) == by_hall.get(app["hall_id"], 0)


def test_a_rebuild_takes_in_the_stale_rollups_of_an_earlier_write(demo: Engine):
    """A write committed without its rebuild leaves the database marked (read raw); the next
    rebuild, of whatever days, builds that write's stale rollups too and lifts the mark."""
    period = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    with demo.begin() as conn:
        first = rollups.invalidate_after_write(
            conn, "tickets", [dt.datetime(2026, 10, 6, 9)], changed_existing=False
        )
    with demo.begin() as conn:
        second = rollups.invalidate_after_write(
            conn, "cases", [dt.datetime(2026, 10, 11, 9)], changed_existing=False
        )
    assert (second.first, second.last) == (D(2026, 10, 6), D(2026, 10, 11))
    assert second.only == first.only | rollups.stale_rollups("cases", False)
    with demo.connect() as conn:
        assert rollups.plan(conn, period) is None
    with rollups_built(demo) as built, demo.begin() as conn:
        # told only of the cases' day: the tickets' day comes with it from the mark
        rollups.rebuild(conn, D(2026, 10, 11), D(2026, 10, 11), wait_target_s=1200, only=first.only)
    assert built == {rollups.SPECS[name].table.name for name in second.only}
    with demo.connect() as conn:
        assert not rollups.plan(conn, period).raw_periods
        assert rollups.PENDING_KEY not in get_meta(conn)
    assert_same(demo, period, "date")
    assert not rollup_differences(demo)


# --- built in the database, the same rows as read into frames ----------------------------------


def rollup_differences(engine: Engine) -> list[str]:
    """Where the rollup tables (built by INSERT … SELECT) differ from `_build_frames`, the same
    partials read into frames, over every rolled day: row for row, value for value."""
    with engine.connect() as conn:
        first, last = rollups.rolled_span(conn)
        meta = get_meta(conn)
        expected = rollups._build_frames(
            conn,
            Filters(first, last, dt.datetime.combine(last, EOD)),
            float(meta[rollups.WAIT_TARGET_KEY]),
            json.loads(meta[rollups.BOUNDARIES_KEY]),
            json.loads(meta[rollups.CLOSINGS_KEY]),
        )
        out = []
        for name, frame in expected.items():
            table = rollups.SPECS[name].table
            stmt = sa.select(*(table.c[c] for c in frame.columns)).where(
                table.c.day >= first, table.c.day <= last
            )
            stored = read_frame(conn, stmt, dict(frame.schema)).sort(frame.columns)
            try:
                assert_frame_equal(stored, frame.sort(frame.columns), check_exact=True)
            except AssertionError as exc:
                out.append(f"{name}: {exc}")
        return out


def _tickets_per_day(engine: Engine, *days: dt.date) -> list[int]:
    t = s.rollup_tickets
    with engine.connect() as conn:
        return [
            conn.execute(sa.select(sa.func.sum(t.c.issued)).where(t.c.day == day)).scalar() or 0
            for day in days
        ]


def test_rollups_built_in_sql_equal_the_partials_read_into_frames(demo: Engine, tmp_path: Path):
    assert not rollup_differences(demo)  # `hall demo`'s rollups
    served = [
        _rows(
            demo,
            s.tickets,
            s.tickets.c.status == "served",
            s.tickets.c.issued_at >= dt.datetime.combine(day, dt.time(0)),
            s.tickets.c.issued_at < dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0)),
        )[:20]
        for day in (D(2026, 10, 10), D(2026, 10, 11))  # 10-09 was deleted above
    ]
    # an import of new tickets on two rolled days
    new = [
        {**row, "ticket_id": f"SQL{i}", "case_id": None}
        for i, row in enumerate(served[0] + served[1])
    ]
    report = import_file(demo, "tickets", _write_csv(tmp_path / "new.csv", new))
    assert report.committed and report.rollup_days == 2
    assert not rollup_differences(demo)
    # the same tickets again over overlapping days: some a day later, some cancelled
    later = dt.timedelta(days=1)
    again = [
        {
            **row,
            "issued_at": row["issued_at"] + later,
            "called_at": row["called_at"] + later,
            "finished_at": row["finished_at"] + later if row["finished_at"] else None,
        }
        if i % 2
        else {**row, "status": "cancelled", "called_at": None, "finished_at": None}
        for i, row in enumerate(new)
    ]
    report = import_file(demo, "tickets", _write_csv(tmp_path / "again.csv", again))
    assert report.committed and report.rollup_days == 3  # 10-10 … 10-12
    assert not rollup_differences(demo)
    assert_same(demo, Filters(FIRST, END, dt.datetime.combine(END, EOD)), "date")


def test_rollups_bucket_days_in_hall_local_time_whatever_the_servers_zone(
    demo: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Timestamps are the hall's local time: a ticket at 23:30 and one at 00:30 the next day
    fall on their own local days with the process (and the PostgreSQL session) in UTC."""
    template = _rows(demo, s.tickets, s.tickets.c.status == "served")[0]
    late, early = dt.datetime(2026, 10, 12, 23, 30), dt.datetime(2026, 10, 13, 0, 30)
    rows = [
        {
            **template,
            "ticket_id": f"UTC{i}",
            "case_id": None,
            "issued_at": at,
            "called_at": at + dt.timedelta(minutes=5),
            "finished_at": at + dt.timedelta(minutes=9),
        }
        for i, at in enumerate((late, early))
    ]
    days = (D(2026, 10, 12), D(2026, 10, 13))
    before = _tickets_per_day(demo, *days)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("PGTZ", "UTC")
    time.tzset()
    try:
        engine = make_engine(demo.info["url"])
        report = import_file(engine, "tickets", _write_csv(tmp_path / "midnight.csv", rows))
        assert report.committed and report.rollup_days == 2
        assert _tickets_per_day(engine, *days) == [n + 1 for n in before]
        assert not rollup_differences(engine)
        engine.dispose()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert_same(demo, Filters(FIRST, END, dt.datetime.combine(END, EOD)), "date")


# --- the completion partial without the speed-up's days ----------------------------------------

TABLE_KEYS = ("completed", "on_time_rate", "overdue_open", "due_soon_open", "one_visit_rate")


def test_completion_without_the_speed_up_equals_the_rows_and_the_full_read(demo: Engine):
    """Figures that do not show `speedup_rate` read the completion partial with days only on
    the calendar-judged rows (`case_completion(speed=False)`; the rollup is judged already):
    far fewer rows, the same figures, rolled or raw, grouped or not, inside a department
    scope too. Some cases lose their due_at first (then the calendar judges them, days kept)."""
    with demo.begin() as conn:
        ids = conn.execute(
            sa.select(s.cases.c.case_id)
            .where(s.cases.c.status == "completed", s.cases.c.due_at.isnot(None))
            .order_by(s.cases.c.case_id)
            .limit(60)
        ).scalars()
        conn.execute(s.cases.update().where(s.cases.c.case_id.in_(list(ids))).values(due_at=None))
        rollups.rebuild_all(conn, wait_target_s=Settings().wait_target_min * 60)
    whole = Filters(FIRST, END, dt.datetime.combine(END, EOD), {"hall": "H01"})
    department = _one(demo, s.items.c.dept_id)
    manager = Scope(who="m", role="manager", hall_ids=frozenset({"H01"}), dept_ids={department})
    with demo.connect() as conn:
        for dimension in (None, "department", "item", "bundle", "date"):
            for scope in (ALL, manager):
                full = compute(conn, whole, Settings(), dimension, scope=scope)
                for use_rollups in (True, False):
                    part = compute(
                        conn,
                        whole,
                        Settings(),
                        dimension,
                        scope=scope,
                        keys=TABLE_KEYS,
                        use_rollups=use_rollups,
                    )
                    groups = full["groups"] if dimension else [full]
                    got = {
                        str(g.get(f"{dimension}_id", g.get("date"))): g
                        for g in part.get("groups", [part])
                    }
                    for g in groups:
                        key = str(g.get(f"{dimension}_id", g.get("date")))
                        want = {k: g["cases"][k] for k in TABLE_KEYS}
                        if key in got:
                            assert not same(got[key]["cases"], want), (dimension, key)
                        else:
                            assert not any(want.values()), (dimension, key, want)
        # the rollup was judged on the calendar when built: one row of sums for the period,
        # the same with or without the speed-up (its days only shape the raw read)
        plan = rollups.plan(conn, whole)
        every = rollups.read(conn, "completion", whole, None, scope=ALL)
        assert plan is not None and every.height == 1
        assert every["on_time_derived"][0] > 0 and every["speed_legal"][0] > 0


@pytest.mark.parametrize(
    "keys", [("wait_median_min", "wait_p90_min"), ("service_median_min",)], ids=["wait", "service"]
)
def test_one_kind_of_histogram_equals_the_rows_and_the_full_read(demo: Engine, keys):
    """Figures of one histogram kind read only that kind, from the rollup (`rollups.read`
    with `kinds`) and from the rows (`ticket_histograms(kinds=…)`): the same quantiles as the
    full compute, by date and by window (read raw) too."""
    whole = Filters(FIRST, END, dt.datetime.combine(END, EOD), {"hall": "H01"})
    with demo.connect() as conn:
        for dimension in (None, "date", "window"):
            full = compute(conn, whole, Settings(), dimension, scope=ALL)
            for use_rollups in (True, False):
                part = compute(
                    conn,
                    whole,
                    Settings(),
                    dimension,
                    scope=ALL,
                    keys=keys,
                    use_rollups=use_rollups,
                )
                if dimension is None:
                    want = {k: full["tickets"][k] for k in keys}
                    assert not same(part["tickets"], want)
                    assert all(v is not None for v in want.values())
                    continue
                label = group_label(dimension)
                got = {g[label]: g["tickets"] for g in part["groups"]}
                for g in full["groups"]:
                    want = {k: g["tickets"][k] for k in keys}
                    assert not same(got.get(g[label], dict.fromkeys(keys)), want), g[label]
        kind = "wait" if "wait_p90_min" in keys else "service"
        rolled = rollups.read(conn, "histograms", whole, None, scope=ALL, kinds=(kind,))
        assert rolled.height and set(rolled["kind"]) == {kind}


def test_the_stock_open_at_a_past_moment_is_judged_on_the_completion_index(demo: Engine):
    """The cases open at a past as_of: those completed after it are found among the later
    completions on (hall_id, completed_at, accepted_at) without reading the rows of cases
    accepted after as_of (SQLite's plan names the index); the stock equals a plain count."""
    from queries import metric_queries as mq

    as_of = dt.datetime(2026, 10, 8, 12, 0)
    before = Filters(D(2026, 10, 8), D(2026, 10, 8), as_of, {"hall": "H01"})
    c = s.cases.c
    with demo.connect() as conn:
        stock = mq.case_open(conn, before, None, as_of, scope=ALL)
        plain = conn.execute(
            sa.select(sa.func.count()).where(
                c.hall_id == "H01",
                c.accepted_at <= as_of,
                c.status.in_([*mq.OPEN_STATUSES, "completed"]),
                sa.or_(c.completed_at.is_(None), c.completed_at > as_of),
            )
        ).scalar_one()
        assert plain > 0 and stock["n"].sum() == plain
        if demo.dialect.name == "sqlite":
            where = [*mq.open_case_branches(as_of)[1], c.hall_id == "H01"]
            sql = str(
                sa.select(sa.func.count())
                .select_from(s.cases)
                .where(*where)
                .compile(conn, compile_kwargs={"literal_binds": True})
            )
            plan = " | ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "ix_cases_hall_completed_accepted" in plan, plan


def test_the_open_stock_is_read_on_the_open_cases_index_alone(demo: Engine):
    """The cases still in progress or suspended at as_of, the stock's first branch, for every
    hall: PostgreSQL reads them on their covering partial index alone (an index-only scan, no
    row of the table), not by scanning every case ever accepted (the city's 67 k open among
    2.3 M: 0.40 s by a parallel scan). The stock equals a plain count on every backend."""
    from queries import metric_queries as mq
    from queries import partitioning

    as_of = dt.datetime.combine(END, EOD)
    period = Filters(END, END, as_of)
    statements: list[tuple[str, dict]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "status IN" in statement and "completed_at IS NULL OR" in statement:
            statements.append((statement, parameters))

    c = s.cases.c
    sa.event.listen(demo, "before_cursor_execute", seen)
    try:
        with demo.connect() as conn:
            stock = mq.case_open(conn, period, None, as_of, scope=ALL)
    finally:
        sa.event.remove(demo, "before_cursor_execute", seen)
    with demo.connect() as conn:
        plain = conn.execute(
            sa.select(sa.func.count()).where(
                c.accepted_at <= as_of,
                c.status.in_([*mq.OPEN_STATUSES, "completed"]),
                sa.or_(c.completed_at.is_(None), c.completed_at > as_of),
            )
        ).scalar_one()
    assert plain > 0 and stock["n"].sum() == plain
    if demo.dialect.name != "postgresql":
        return
    partitioning.vacuum_analyze(demo, ["cases"])  # as after a bulk load: pages all-visible
    assert len(statements) == 1, statements
    statement, parameters = statements[0]
    with demo.connect() as conn:
        plan = "\n".join(
            row[0] for row in conn.exec_driver_sql(f"EXPLAIN (COSTS OFF) {statement}", parameters)
        )
    assert "Index Only Scan using ix_cases_open on cases" in plan, plan


def test_figures_read_on_several_connections_equal_the_figures_read_on_one(demo: Engine):
    """`compute(parallel=True)` (the pages' and `hall metrics`' reads: a few connections at
    once on a server) gives the same figures as one connection, for the period's totals and
    by a dimension, and on a server its reads did run on more than one connection."""
    connections: set[int] = set()

    def seen(conn, cursor, statement, parameters, context, executemany):
        connections.add(id(conn.connection.dbapi_connection))

    period = Filters(FIRST, END, dt.datetime.combine(END, dt.time(15, 30)))  # a raw afternoon
    with demo.connect() as conn:
        for dimension in (None, "window", "date"):
            one = compute(conn, period, Settings(), dimension, scope=ALL)
            sa.event.listen(demo, "before_cursor_execute", seen)
            try:
                several = compute(conn, period, Settings(), dimension, scope=ALL, parallel=True)
            finally:
                sa.event.remove(demo, "before_cursor_execute", seen)
            assert not same(one, several), same(one, several)
    assert len(connections) == (1 if demo.dialect.name == "sqlite" else 3)


def test_a_day_s_completions_of_every_hall_are_found_on_the_completion_index(demo: Engine):
    """Today's completions of a whole city (no rollup holds them yet) are found on the
    completed cases' btree (PostgreSQL): cases are written when accepted, so a day's
    completions are scattered, and the block ranges held 185 k candidates, rechecked row by
    row, for the city's 34.5 k of a day. The count equals a plain one on every backend."""
    from queries import metric_queries as mq
    from queries import partitioning

    day = Filters(END, END, dt.datetime.combine(END, EOD))
    statements: list[tuple[str, dict]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    c = s.cases.c
    sa.event.listen(demo, "before_cursor_execute", seen)
    try:
        with demo.connect() as conn:
            done = mq.case_completion(conn, day, None, scope=ALL)
    finally:
        sa.event.remove(demo, "before_cursor_execute", seen)
    with demo.connect() as conn:
        plain = conn.execute(
            sa.select(sa.func.count()).where(
                c.status == "completed", c.completed_at >= day.start, c.completed_at < day.end
            )
        ).scalar_one()
    assert plain > 0 and done["n"].sum() == plain
    if demo.dialect.name != "postgresql":
        return
    partitioning.vacuum_analyze(demo, ["cases"])  # as after a bulk load
    assert len(statements) == 1, statements
    statement, parameters = statements[0]
    with demo.connect() as conn:
        plan = "\n".join(
            row[0] for row in conn.exec_driver_sql(f"EXPLAIN (COSTS OFF) {statement}", parameters)
        )
    # an index scan, or a bitmap of it: either way no block range is rechecked row by row
    assert re.search(r"(Index Scan using|Bitmap Index Scan on) ix_cases_completed\b", plan), plan


def test_every_hall_s_daily_histograms_are_read_on_their_index_alone(demo: Engine):
    """总览's daily 90th percentile of waits over every hall reads the histogram rollup in
    (kind, day, bucket) order on its covering index and sums the halls as it goes
    (PostgreSQL): no row of the table, no sort (the city's year, 775 k rows: 0.63 s by a scan
    and a sort, 0.15-0.2 s on the index). The rollups are vacuumed after the demo's load
    (without that, an index-only scan would read every row from the table as well)."""
    if demo.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL index (SQLite and MariaDB read one hall's days by (day, hall))")
    from queries import partitioning

    statements: list[tuple[str, dict]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM hallpulse_rollup_histograms " in statement and 'AS "group"' in statement:
            statements.append((statement, parameters))

    period = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    sa.event.listen(demo, "before_cursor_execute", seen)
    try:
        with demo.connect() as conn:
            by_date = compute(conn, period, Settings(), "date", keys=("wait_p90_min",), scope=ALL)
    finally:
        sa.event.remove(demo, "before_cursor_execute", seen)
    assert all(g["tickets"]["wait_p90_min"] is not None for g in by_date["groups"])
    assert len(statements) == 1, statements
    statement, parameters = statements[0]
    # as a load leaves them (the tests before this one rebuilt some days since the demo's)
    partitioning.vacuum_analyze(demo, ["hallpulse_rollup_histograms"])
    with demo.connect() as conn:
        # the demo's few thousand buckets fit a hash table; a city's (65 k groups of 775 k
        # rows) do not, and the choice is then a sort or this index's order
        conn.exec_driver_sql("SET enable_hashagg = off")
        plan = "\n".join(
            row[0] for row in conn.exec_driver_sql(f"EXPLAIN (COSTS OFF) {statement}", parameters)
        )
    assert "Index Only Scan using ix_rollup_histograms_kind_day on" in plan, plan
    assert "Sort" not in plan, plan


def test_cases_marked_completed_without_a_time_are_found_on_their_partial_index(demo: Engine):
    """The open stock's third branch (cases marked completed with no completion time, a data
    error kept from older imports) reads its partial index, for a hall and for every hall:
    SQLite without statistics took (hall_id, status) for a hall and read every completed case
    of it (0.09 s a hall of the demo year, whatever the period). The stock counts them."""
    from queries import metric_queries as mq

    as_of = dt.datetime.combine(END, EOD)
    plans: list[list[str]] = []

    def explain(conn, stmt, schema, **kw):
        if conn.dialect.name == "sqlite":
            sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
            plans.append([row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)])
        return read_frame(conn, stmt, schema, **kw)

    with demo.begin() as conn:
        case_id = conn.execute(
            sa.select(s.cases.c.case_id).where(s.cases.c.hall_id == "H01").limit(1)
        ).scalar_one()
        conn.execute(
            s.cases.update()
            .where(s.cases.c.case_id == case_id)
            .values(status="completed", completed_at=None, accepted_at=dt.datetime(2026, 10, 6, 9))
        )
        c = s.cases.c
        for filters in ({"hall": "H01"}, {}):
            period = Filters(END, END, as_of, filters)
            plain = conn.execute(
                sa.select(sa.func.count()).where(
                    c.hall_id == "H01" if filters else sa.true(),
                    c.accepted_at <= as_of,
                    c.status.in_([*mq.OPEN_STATUSES, "completed"]),
                    sa.or_(c.completed_at.is_(None), c.completed_at > as_of),
                )
            ).scalar_one()
            plans.clear()
            original, mq.read_frame = mq.read_frame, explain
            try:
                stock = mq.case_open(conn, period, None, as_of, scope=ALL)
            finally:
                mq.read_frame = original
            assert plain > 0 and stock["n"].sum() == plain
            if demo.dialect.name == "sqlite":
                assert len(plans) == 3, plans
                third = " | ".join(plans[2])
                assert "ix_cases_completed_untimed" in third, third
                assert "ix_cases_hall_status" not in third, third
        conn.rollback()  # the demo stays as it was for the other tests


def test_bad_reviews_are_picked_on_their_own_index(demo: Engine):
    """A period's bad reviews (rating ≤ 2, a few per thousand) are read on their partial index
    (`ix_evaluations_bad`, PostgreSQL and SQLite: the plan names it; on PostgreSQL an
    index-only scan), not among every evaluation of the period; the figure's partial and the
    list hold exactly the active bad reviews of a plain count on every backend."""
    from queries import metric_queries as mq
    from queries import partitioning

    whole = Filters(FIRST, END, dt.datetime.combine(END, EOD), {"hall": "H01"})
    e = s.evaluations.c
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "rating <=" in statement and "eval_id" in statement:
            statements.append((statement, parameters))

    with demo.connect() as conn:
        plain = conn.execute(
            sa.select(sa.func.count()).where(
                e.hall_id == "H01",
                e.evaluated_at >= whole.start,
                e.evaluated_at < whole.end,
                e.rating <= 2,
                sa.or_(e.is_default.is_(None), e.is_default == sa.false()),
            )
        ).scalar_one()
        sa.event.listen(demo, "before_cursor_execute", seen)
        try:
            partial = mq.bad_reviews(conn, whole, None, scope=ALL)
        finally:
            sa.event.remove(demo, "before_cursor_execute", seen)
        listed = details.bad_review_list(conn, whole, scope=ALL)
        assert plain > 0 and partial.height == listed.height == plain
    if demo.dialect.name == "postgresql":
        partitioning.vacuum_analyze(demo, ["evaluations"])
    explain = {"sqlite": "EXPLAIN QUERY PLAN ", "postgresql": "EXPLAIN (COSTS OFF) "}
    if demo.dialect.name in explain:  # MariaDB has no partial index: (hall, evaluated_at, rating)
        statement, parameters = statements[-1]
        with demo.connect() as conn:
            rows = conn.exec_driver_sql(explain[demo.dialect.name] + statement, parameters)
            plan = " | ".join(str(row[-1]) for row in rows)
        assert "ix_evaluations_bad" in plan, plan
        if demo.dialect.name == "postgresql":
            assert "Index Only Scan using ix_evaluations_bad" in plan, plan


def test_completion_judged_on_another_calendar_is_read_raw_until_judged_again(demo: Engine):
    """Completion is kept judged on the calendar it was built with. A calendar that changes
    afterwards (a holiday moved by the State Council, a hall's own closure) makes it read
    from the rows, exact, until the next rebuild of any days judges every rolled day again."""
    whole = Filters(FIRST, END, dt.datetime.combine(END, EOD), {"hall": "H01"})
    before = assert_same(demo, whole, "date")
    cal = s.calendar
    workday = D(2026, 10, 9)  # a Friday inside the rolled days: now a holiday
    with demo.begin() as conn:
        assert conn.execute(sa.select(cal.c.is_workday).where(cal.c.date == workday)).scalar()
        conn.execute(cal.update().where(cal.c.date == workday).values(is_workday=False))
    with demo.connect() as conn:
        plan = rollups.plan(conn, whole)
        current = calendar_key(calendar_frame(conn))
        kw = {"wait_target_s": 0, "boundaries": [], "scope": ALL}
        assert plan.calendar != current
        assert not rollups.serves("completion", plan, whole, None, calendar=current, **kw)
        assert rollups.serves("intake", plan, whole, None, calendar=current, **kw)
    moved = assert_same(demo, whole, "date")  # raw: judged on the new calendar
    assert moved != before
    with rollups_built(demo) as built, demo.begin() as conn:  # a rebuild of one day
        rollups.rebuild(conn, END, END, wait_target_s=Settings().wait_target_min * 60)
    assert "hallpulse_rollup_completion" in built
    with demo.connect() as conn:
        plan = rollups.plan(conn, whole)
        assert plan.calendar == current
        assert rollups.serves("completion", plan, whole, None, calendar=current, **kw)
    assert assert_same(demo, whole, "date") == moved
    assert not rollup_differences(demo)
    with demo.begin() as conn:  # as it was, for the tests after
        conn.execute(cal.update().where(cal.c.date == workday).values(is_workday=True))
        rollups.rebuild(conn, END, END, wait_target_s=Settings().wait_target_min * 60)


def test_db_init_judges_again_after_the_calendar_changed(demo: Engine, capsys):
    """`hall db init` adds next year's dates to the calendar (or a holiday was edited by
    hand): completion and the applications done, judged on the calendar they were built
    with, are judged again on every rolled day there and then, instead of being read from
    the rows until some later write rebuilds a day."""
    whole = Filters(FIRST, END, dt.datetime.combine(END, EOD))
    cal = s.calendar
    workday = D(2026, 10, 9)
    with demo.begin() as conn:
        conn.execute(cal.update().where(cal.c.date == workday).values(is_workday=False))
    try:
        assert main(["db", "init", "--db", demo.info["url"]]) == 0
        assert "judged again on the calendar" in capsys.readouterr().out
        with demo.connect() as conn:
            plan = rollups.plan(conn, whole)
            current = calendar_key(calendar_frame(conn))
            kw = {"wait_target_s": 0, "boundaries": [], "scope": ALL, "calendar": current}
            assert plan.calendar == current
            assert rollups.serves("completion", plan, whole, None, **kw)
            assert rollups.serves("bundles", plan, whole, None, **kw)
        assert_same(demo, whole, "date")
        assert main(["db", "init", "--db", demo.info["url"]]) == 0  # nothing changed since
        assert "judged again" not in capsys.readouterr().out
    finally:
        with demo.begin() as conn:  # as it was, for the tests after
            conn.execute(cal.update().where(cal.c.date == workday).values(is_workday=True))
            rollups.judge_again(conn)


def test_db_init_makes_an_older_completion_rollup_again(demo: Engine, capsys):
    """A database whose completion rollup was kept by acceptance and completion day (before
    it was judged on the calendar) is read from the rows for completion; `hall db init` makes
    that table again and rolls its days again, and the rollup serves."""
    whole = Filters(FIRST, END, dt.datetime.combine(END, EOD), {"hall": "H01"})
    old_completion = older_table(
        s.rollup_completion,
        JUDGED,
        sa.Column("accepted_day", sa.Date),
        sa.Column("completed_day", sa.Date),
        sa.Column("kind", sa.String(20)),
        sa.Column("allowed", sa.Integer),
        sa.Column("legal", sa.Integer),
    )
    with demo.begin() as conn:
        s.rollup_completion.drop(conn)
        old_completion.create(conn)
        conn.execute(s.meta.delete().where(s.meta.c.key == rollups.CALENDAR_KEY))
    kw = {"wait_target_s": 0, "boundaries": [], "scope": ALL}
    with demo.connect() as conn:
        current = calendar_key(calendar_frame(conn))
        plan = rollups.plan(conn, whole)
        assert not rollups.serves("completion", plan, whole, None, calendar=current, **kw)
    before = assert_same(demo, whole)
    assert main(["db", "init", "--db", demo.info["url"]]) == 0
    assert "tables of an older shape made again" in capsys.readouterr().out
    with demo.connect() as conn:
        current = calendar_key(calendar_frame(conn))
        plan = rollups.plan(conn, whole)
        assert rollups.serves("completion", plan, whole, None, calendar=current, **kw)
    assert assert_same(demo, whole)["cases"] == before["cases"]
    assert not rollup_differences(demo)
