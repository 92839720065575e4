"""Monthly rollups: a whole month's daily rollup rows summed per hall and members, read for
the whole months of a period (a year: 12 rows per group instead of 365), on every backend.

The demo here runs from 2026-09-24 to 2026-11-05, so October is the one whole month. The
figures of every period and grouping equal the raw rows'; the month rows equal the daily rows
summed; a write to a day of October drops the month until the rebuild builds it again; a
database rolled before the monthly rollups existed gets them from `hall db init`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from conftest import BACKENDS, demo_facts, empty_url, server_sample
from polars.testing import assert_frame_equal
from sqlalchemy.engine import Engine
from test_rollups import _rows, _write_csv, same

from access.scope import Scope
from cli.main import main
from imports.importer import import_file
from metrics.figures import compute
from metrics.settings import Settings
from queries import rollups
from queries import schema as s
from queries.db import make_engine
from queries.frames import read_frame
from queries.metric_queries import Filters
from simulation.demo import DemoOptions
from simulation.writer import write_demo

ALL = Scope.everything("test")
D = dt.date
FIRST, END = D(2026, 9, 24), D(2026, 11, 5)
OCTOBER = D(2026, 10, 1)
EOD = dt.time(23, 59, 59)
MONTHLY = [SPEC for SPEC in rollups.SPECS.values() if SPEC.table.name in s.MONTHLY_ROLLUPS]


def period(first: dt.date, last: dt.date, **filters: str) -> Filters:
    return Filters(first, last, dt.datetime.combine(last, EOD), filters)


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    url = empty_url(request.param, tmp_path_factory.mktemp("months"))
    engine = make_engine(url)
    engine.info = {"url": url}
    options = DemoOptions(end=END, days=(END - FIRST).days + 1, seed=5)
    write_demo(engine, options, facts=demo_facts(options))
    yield engine
    engine.dispose()


def months_built(engine: Engine) -> set[dt.date]:
    with engine.connect() as conn:
        return {rollups._day(d) for d in conn.execute(sa.select(s.rollup_months.c.day)).scalars()}


def month_differences(engine: Engine) -> list[str]:
    """Where a monthly rollup differs from its daily rows of the built months summed."""
    out = []
    with engine.connect() as conn:
        for month in sorted(months_built(engine)):
            end = rollups._month_end(month)
            for spec in MONTHLY:
                daily, monthly = spec.table, s.MONTHLY_ROLLUPS[spec.table.name]
                keys = [c.name for c in daily.c if c.name not in (*spec.sums, *spec.maxima)]
                keys.remove("day")
                schema = {c.name: pl.Int64() for c in daily.c if c.name in spec.sums}
                schema |= {c: pl.Int64() for c in spec.maxima}
                schema |= {k: pl.String() if k != "bucket" else pl.Int64() for k in keys}
                rows = read_frame(
                    conn,
                    sa.select(*(daily.c[c] for c in schema)).where(
                        daily.c.day >= month, daily.c.day <= end
                    ),
                    schema,
                )
                expected = rows.group_by(keys).agg(
                    *(pl.col(v).sum() for v in spec.sums), *(pl.col(v).max() for v in spec.maxima)
                )
                stored = read_frame(
                    conn,
                    sa.select(*(monthly.c[c] for c in schema)).where(monthly.c.day == month),
                    schema,
                )
                order = list(expected.columns)
                try:
                    assert_frame_equal(
                        stored.select(order).sort(keys, nulls_last=True),
                        expected.sort(keys, nulls_last=True),
                        check_exact=True,
                    )
                except AssertionError as exc:
                    out.append(f"{month} {spec.name}: {exc}")
    return out


def assert_same_as_rows(engine: Engine, p: Filters, dimension=None, scope: Scope = ALL) -> dict:
    with engine.connect() as conn:
        rolled = compute(conn, p, Settings(), dimension, scope=scope)
        raw = compute(conn, p, Settings(), dimension, use_rollups=False, scope=scope)
    differences = same(rolled, raw)
    assert not differences, differences[:10]
    return rolled


class Statements:
    """The SQL an engine runs while in a `with` block."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.seen = engine, []

    def _record(self, conn, cursor, statement, *args) -> None:
        self.seen.append(statement)

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def read(self, table: sa.Table) -> bool:
        return any(
            f"FROM {table.name}" in sql.replace('"', "").replace("`", "") for sql in self.seen
        )


def test_the_demo_builds_the_whole_months_only_and_they_sum_the_days(demo: Engine):
    assert months_built(demo) == {OCTOBER}  # September and November are cut by the demo
    assert not month_differences(demo)
    with demo.connect() as conn:
        for spec in MONTHLY:
            monthly = s.MONTHLY_ROLLUPS[spec.table.name]
            days = conn.execute(sa.select(sa.func.count()).select_from(spec.table)).scalar()
            month = conn.execute(sa.select(sa.func.count()).select_from(monthly)).scalar()
            assert 0 < month < days, spec.name


@pytest.mark.parametrize("dimension", [None, "hall", "queue", "window", "staff", "department"])
def test_figures_of_whole_months_and_their_edges_equal_the_rows(demo: Engine, dimension):
    # a grouping is a column of the monthly table like any other: the servers run a sample
    server_sample(demo.dialect.name, dimension in (None, "window", "department"))
    for first, last in ((OCTOBER, D(2026, 10, 31)), (D(2026, 9, 26), D(2026, 11, 3))):
        assert_same_as_rows(demo, period(first, last), dimension)


def test_whole_months_are_read_from_the_monthly_rollups(demo: Engine):
    tickets_months = s.MONTHLY_ROLLUPS[s.rollup_tickets.name]
    with Statements(demo) as sql, demo.connect() as conn:
        compute(conn, period(D(2026, 9, 26), D(2026, 11, 3)), Settings(), "window", scope=ALL)
    assert sql.read(tickets_months) and sql.read(s.rollup_tickets)  # October, and its edges
    # by date or weekday a month row has no day to go by: the days are read
    with Statements(demo) as sql, demo.connect() as conn:
        compute(conn, period(OCTOBER, D(2026, 10, 31)), Settings(), "date", scope=ALL)
    assert not sql.read(tickets_months) and sql.read(s.rollup_tickets)


def test_scopes_and_filters_hold_on_the_monthly_rollups(demo: Engine):
    with demo.connect() as conn:
        hall, dept, window = conn.execute(
            sa.select(s.windows.c.hall_id, s.windows.c.dept_id, s.windows.c.window_id)
            .where(s.windows.c.dept_id.isnot(None))
            .order_by(s.windows.c.window_id)
            .limit(1)
        ).one()
    p = period(D(2026, 9, 28), D(2026, 11, 2))
    manager = Scope(who="m", role="manager", hall_ids=frozenset({hall}), dept_ids=frozenset({dept}))
    figures = assert_same_as_rows(demo, p, "window", scope=manager)
    assert figures  # the manager sees figures, only of the department's windows
    assert_same_as_rows(demo, period(D(2026, 9, 28), D(2026, 11, 2), hall=hall), "staff")
    assert_same_as_rows(demo, period(D(2026, 9, 28), D(2026, 11, 2), window=window))


def test_a_write_to_a_day_of_the_month_reads_raw_until_rebuilt(demo: Engine, tmp_path: Path):
    day = D(2026, 10, 15)
    start = dt.datetime.combine(day, dt.time(0))
    served = _rows(
        demo,
        s.tickets,
        s.tickets.c.status == "served",
        s.tickets.c.issued_at >= start,
        s.tickets.c.issued_at < start + dt.timedelta(days=1),
    )[:10]
    # marked stale in the writing transaction (committed here without its rebuild): every
    # period, the month's too, read raw, still exact
    with demo.begin() as conn:
        stale = rollups.invalidate_after_write(
            conn, "tickets", [dt.datetime(2026, 10, 15, 10)], changed_existing=False
        )
    assert (stale.first, stale.last) == (day, day)
    with demo.connect() as conn:
        assert rollups.plan(conn, period(OCTOBER, D(2026, 10, 31))) is None
    assert_same_as_rows(demo, period(OCTOBER, D(2026, 10, 31)), "window")
    with demo.begin() as conn:  # the tickets' rollups of the day, every month of October
        assert stale.rebuild(conn, wait_target_s=1200) == 1
    assert months_built(demo) == {OCTOBER} and not month_differences(demo)
    # an import of new tickets that day: the month is built again with them
    new = [{**row, "ticket_id": f"MONTH{i}", "case_id": None} for i, row in enumerate(served)]
    report = import_file(demo, "tickets", _write_csv(tmp_path / "new.csv", new))
    assert report.committed and report.rollup_days == 1
    assert months_built(demo) == {OCTOBER} and not month_differences(demo)
    october = assert_same_as_rows(demo, period(OCTOBER, D(2026, 10, 31)))
    assert october  # with the ten tickets: the same figures from the month as from the rows


def test_db_init_builds_the_months_of_a_database_rolled_before_them(demo: Engine, capsys):
    with demo.begin() as conn:
        for table in s.ROLLUP_MONTH_TABLES:
            conn.execute(table.delete())
    assert months_built(demo) == set()
    assert_same_as_rows(demo, period(OCTOBER, D(2026, 10, 31)), "hall")  # the days serve
    assert main(["db", "init", "--db", demo.info["url"]]) == 0
    assert "monthly rollups: built for 1 whole months" in capsys.readouterr().out
    assert months_built(demo) == {OCTOBER} and not month_differences(demo)
    assert main(["db", "init", "--db", demo.info["url"]]) == 0  # nothing more to build
    assert "monthly rollups" not in capsys.readouterr().out
