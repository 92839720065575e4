"""A city network past one server: the 1+12+137 network, month partitions, shards by hall.

Small data only: a few halls for a few days. The figures of the same demo are computed on a
plain PostgreSQL database, then on the month-partitioned layout, then on the layout sharded
by hall onto a second local cluster (postgres_fdw), and must be equal. The second cluster
(`15 shard2`, port 5442) is created when missing; a machine without pg_createcluster skips
those tests with a message (CI=true fails them).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from conftest import SERVER_URLS, demo_facts, empty_database, server_engine, unavailable

from access.scope import Scope
from cli.main import main
from metrics.figures import compute
from metrics.settings import Settings
from queries import metric_queries, partitioning
from queries import schema as s
from queries.db import make_engine
from queries.metric_queries import Filters
from queries.upsert import upsert
from simulation.city import CityOptions, city_halls, write_city
from simulation.demo import (
    DayFacts,
    DemoCalendar,
    DemoOptions,
    HallDaySimulator,
    build_network,
    cut_at,
)
from simulation.writer import write_demo

ALL = Scope.everything("test")
D = dt.date
FIRST, END = D(2026, 11, 16), D(2026, 11, 18)
SHARD_PORT = int(os.environ.get("HALL_TEST_SHARD_PORT", "5442"))
SHARD_DB = "hp_city_shard"
SHARD_HALLS = ("H02", "H04", "H05")  # a street and its two communities on the second server
PERIOD = Filters(FIRST, END, dt.datetime.combine(END, dt.time(23, 59, 59)))


# --- the network -----------------------------------------------------------------------------


def test_city_network_is_a_1_12_137_tree():
    halls = city_halls()
    assert len(halls) == 150
    by_id = {h.hall_id: h for h in halls}
    assert len(by_id) == 150
    levels = [h.level for h in halls]
    assert levels.count("district") == 1 and levels.count("street") == 12
    assert levels.count("community") == 137
    for h in halls:
        if h.level == "district":
            assert h.parent_hall_id is None
        elif h.level == "street":
            assert h.parent_hall_id == "H001"
        else:
            assert by_id[h.parent_hall_id].level == "street"
    per_street = {}
    for h in halls:
        if h.level == "community":
            per_street[h.parent_hall_id] = per_street.get(h.parent_hall_id, 0) + 1
    assert set(per_street.values()) <= {11, 12}
    # about 20 million tickets in two years: ~36,000 an ordinary weekday (measured: 35,900)
    assert 30_000 < sum(h.weekday_tickets for h in halls) < 40_000
    names = [h.name for h in halls]
    assert len(set(names)) == 150


def _serial(options: CityOptions, halls: int) -> dict[str, int]:
    """The same slice simulated hall-day by hall-day in one process: what workers must write."""
    demo = options.demo
    network = build_network(demo.seed, city_halls())
    sim = HallDaySimulator(network, DemoCalendar(demo.first, demo.end), demo.staffing)
    parts = [
        sim.run(network.halls[i], demo.first + dt.timedelta(days=d))
        for d in range(demo.days)
        for i in range(halls)
    ]
    facts = cut_at(
        DayFacts(
            *(pl.concat([getattr(p, f) for p in parts]) for f in DayFacts.__dataclass_fields__)
        ),
        demo.cutoff,
    )
    return {
        "tickets": facts.tickets.height,
        "cases": facts.cases.height,
        "evaluations": facts.evaluations.height,
        "attendance": facts.attendance.height,
    }


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in s.FACT_TABLES
        }


def test_city_slice_written_by_parallel_workers_equals_the_serial_simulation(db_url: str):
    """Two worker processes write the same rows one process simulates; on every backend."""
    halls = 4
    options = CityOptions(
        DemoOptions(end=END, days=1, now=dt.datetime.combine(END, dt.time(16, 0))),
        workers=2,
        halls=halls,
    )
    summary = write_city(db_url, options)
    expected = _serial(options, halls)
    engine = make_engine(db_url)
    try:
        assert _counts(engine) == expected
        assert {k: summary.rows[k] for k in expected} == expected
        with engine.connect() as conn:
            hall_ids = set(conn.execute(sa.select(s.halls.c.hall_id)).scalars())
            assert hall_ids == {"H001", "H002", "H003", "H004"}
            in_tickets = set(conn.execute(sa.select(s.tickets.c.hall_id).distinct()).scalars())
            assert in_tickets == hall_ids
            waiting = conn.execute(
                sa.select(sa.func.count()).where(s.tickets.c.status == "waiting")
            ).scalar_one()
            assert waiting > 0  # cut at 16:00: the afternoon's queue is still there
    finally:
        engine.dispose()


def test_partitioning_needs_postgresql(tmp_path: Path, capsys):
    assert (
        main(["db", "init", "--db", f"sqlite:///{tmp_path / 'h.db'}", "--partition", "month"]) == 1
    )
    assert "PostgreSQL" in capsys.readouterr().err


# --- one demo, three layouts -----------------------------------------------------------------


def _figures(engine) -> dict:
    settings = Settings()
    with engine.connect() as conn:
        return {
            "all": compute(conn, PERIOD, settings, scope=ALL),
            "by_hall": compute(conn, PERIOD, settings, "hall", scope=ALL),
            "by_window": compute(conn, PERIOD, settings, "window", scope=ALL),
            "raw": compute(conn, PERIOD, settings, use_rollups=False, scope=ALL),
            "street": compute(
                conn,
                PERIOD,
                settings,
                scope=Scope(who="t", role="director", hall_ids=frozenset({"H02", "H04", "H05"})),
            ),
        }


DEMO = DemoOptions(end=END, days=(END - FIRST).days + 1, seed=5)


def _demo(engine) -> None:
    write_demo(engine, DEMO, facts=demo_facts(DEMO))


@pytest.fixture(scope="module")
def plain_figures() -> dict:
    engine = server_engine("postgresql")
    try:
        empty_database(engine)
        partitioning.forget_layout()
        _demo(engine)
        return {"figures": _figures(engine), "counts": _counts(engine)}
    finally:
        empty_database(engine)
        engine.dispose()


def _explain_ticket_counts(engine, first: dt.date, last: dt.date, dimension: str | None) -> str:
    """EXPLAIN of the SQL `ticket_counts` sends for first..last."""
    period = Filters(first, last, dt.datetime.combine(last, dt.time(23, 59, 59)))
    seen: list[tuple[str, object]] = []
    with engine.connect() as conn:

        def grab(_conn, _cursor, statement, parameters, _context, _many):
            seen.append((statement, parameters))

        sa.event.listen(conn, "before_cursor_execute", grab)
        partitioning.note_layout(conn)
        metric_queries.ticket_counts(conn, period, dimension, 900, scope=ALL)
        sa.event.remove(conn, "before_cursor_execute", grab)
        statement, parameters = seen[-1]
        rows = conn.exec_driver_sql(f"EXPLAIN (VERBOSE, COSTS OFF) {statement}", parameters)
        return "\n".join(r[0] for r in rows)


def test_month_partitions_give_the_same_figures_and_upserts(plain_figures: dict, capsys):
    url = SERVER_URLS["postgresql"]
    engine = server_engine("postgresql")
    try:
        empty_database(engine)
        args = ["db", "init", "--db", url, "--partition", "month"]
        assert main([*args, "--months-from", "2026-09-01", "--months-to", "2026-12-31"]) == 0
        assert "partitioned by month" in capsys.readouterr().out
        engine.dispose()  # new sessions take the database's partition-wise settings
        with engine.connect() as conn:
            assert partitioning.layout(conn) == "month"
        _demo(engine)
        assert _counts(engine) == plain_figures["counts"]
        assert _figures(engine) == plain_figures["figures"]
        with engine.connect() as conn:
            where = conn.execute(
                sa.text("SELECT DISTINCT tableoid::regclass::text FROM tickets")
            ).scalars()
            assert set(where) == {"tickets_2026_11"}
        plan = _explain_ticket_counts(engine, D(2026, 11, 1), D(2026, 11, 30), "hall")
        print(plan)
        assert "tickets_2026_11" in plan and "tickets_2026_10" not in plan  # pruned
        # the partial and block-range indexes are made on the partitioned cases too (as a
        # month gets them)
        names = {i["name"] for i in sa.inspect(engine).get_indexes("cases")}
        assert {p.name for p in s.DIALECT_INDEXES if p.table == "cases"} <= names, names
        _check_upserts(engine)
        # a month that did not exist: the row waits in the default partition, then moves in
        with engine.begin() as conn:
            row = _a_ticket(conn) | {"ticket_id": "T-LATE", "issued_at": dt.datetime(2029, 3, 2, 9)}
            upsert(conn, s.tickets, pl.DataFrame([row]), ("ticket_id",))
            assert _where(conn, "T-LATE") == "tickets_default"
        assert partitioning.ensure_months(engine, D(2029, 3, 1), D(2029, 3, 31)) == 4
        with engine.connect() as conn:
            assert _where(conn, "T-LATE") == "tickets_2029_03"
        # --replace keeps the layout
        _demo_replace(engine)
        with engine.connect() as conn:
            assert partitioning.layout(conn) == "month"
        assert _counts(engine) == plain_figures["counts"]
    finally:
        empty_database(engine)
        partitioning.forget_layout()
        engine.dispose()


def _demo_replace(engine) -> None:
    write_demo(engine, DEMO, replace=True, facts=demo_facts(DEMO))


def _a_ticket(conn, hall: str | None = None) -> dict:
    stmt = sa.select(s.tickets).order_by(s.tickets.c.ticket_id).limit(1)
    if hall:
        stmt = stmt.where(s.tickets.c.hall_id == hall)
    return dict(conn.execute(stmt).mappings().one())


def _where(conn, ticket_id: str) -> str:
    return conn.execute(
        sa.text("SELECT tableoid::regclass::text FROM tickets WHERE ticket_id = :t"),
        {"t": ticket_id},
    ).scalar_one()


def _check_upserts(engine, hall: str | None = None) -> None:
    """Import semantics on the partitioned key: same id → updated, moved in time → moved (not
    duplicated), a partial frame leaves other columns alone, a second run changes nothing."""
    before = _counts(engine)["tickets"]
    with engine.begin() as conn:
        row = _a_ticket(conn, hall)
        tid = row["ticket_id"]
        changed = row | {"ticket_no": "X999"}
        upsert(conn, s.tickets, pl.DataFrame([changed]), ("ticket_id",))
        moved = row | {"issued_at": dt.datetime(2026, 10, 20, 9, 30), "called_at": None}
        frame = pl.DataFrame([moved]).drop("ticket_no")  # a file without the column
        upsert(conn, s.tickets, frame, ("ticket_id",))
        upsert(conn, s.tickets, frame, ("ticket_id",))
        rows = conn.execute(sa.select(s.tickets).where(s.tickets.c.ticket_id == tid)).mappings()
        rows = [dict(r) for r in rows]
        assert len(rows) == 1
        assert rows[0]["issued_at"] == dt.datetime(2026, 10, 20, 9, 30)
        assert rows[0]["ticket_no"] is None  # the moved row is the file's row
        new = row | {"ticket_id": f"T-NEW-{hall}", "issued_at": dt.datetime(2026, 11, 17, 10)}
        upsert(conn, s.tickets, pl.DataFrame([new]), ("ticket_id",))
        upsert(conn, s.tickets, pl.DataFrame([new | {"ticket_no": "N1"}]), ("ticket_id",))
        got = conn.execute(
            sa.select(s.tickets.c.ticket_no).where(s.tickets.c.ticket_id == f"T-NEW-{hall}")
        ).scalar_one()
        assert got == "N1"
        att = dict(conn.execute(sa.select(s.attendance).limit(1)).mappings().one())
        upsert(
            conn,
            s.attendance,
            pl.DataFrame([att | {"leave": "training"}]),
            ("staff_id", "work_date", "shift_kind"),
        )
    assert _counts(engine)["tickets"] == before + 1


# --- a second server -------------------------------------------------------------------------


def _shard_cluster() -> str:
    """The URL of the shard's database on the local cluster `15 shard2`, created if missing."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{SHARD_PORT}/{SHARD_DB}"
    admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{SHARD_PORT}/postgres"

    def reachable() -> bool:
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.OperationalError:
            return False
        finally:
            engine.dispose()

    if not reachable():
        if not shutil.which("pg_createcluster") or os.geteuid() != 0:
            unavailable(
                "no second PostgreSQL server: as root, `pg_createcluster 15 shard2 --port "
                f"{SHARD_PORT}`, trust 127.0.0.1 in its pg_hba.conf, "
                "`pg_ctlcluster 15 shard2 start`"
            )
        conf = Path("/etc/postgresql/15/shard2")
        if not conf.exists():
            subprocess.run(
                ["pg_createcluster", "15", "shard2", "--port", str(SHARD_PORT)],
                check=True,
                capture_output=True,
            )
        hba = conf / "pg_hba.conf"
        text = hba.read_text()
        if "hallpulse shard" not in text:
            hba.write_text(
                "# hallpulse shard: trust local TCP\nhost all all 127.0.0.1/32 trust\n" + text
            )
        subprocess.run(["pg_ctlcluster", "15", "shard2", "start"], capture_output=True)
        subprocess.run(["pg_ctlcluster", "15", "shard2", "reload"], capture_output=True)
        if not reachable():
            unavailable(f"the cluster 15 shard2 does not answer on port {SHARD_PORT}")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {SHARD_DB} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {SHARD_DB}"))
    finally:
        admin.dispose()
    return url


def test_sharded_by_hall_gives_the_same_figures(plain_figures: dict, capsys):
    shard = _shard_cluster()
    url = SERVER_URLS["postgresql"]
    engine = server_engine("postgresql")
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SERVER IF EXISTS {partitioning.SERVER} CASCADE"))
        empty_database(engine)
        args = ["db", "init", "--db", url, "--partition", "shard", "--shard-url", shard]
        args += ["--shard-halls", ",".join(SHARD_HALLS), "--months-from", "2026-09-01"]
        assert main([*args, "--months-to", "2026-12-31"]) == 0
        assert "H02, H04, H05" in capsys.readouterr().out
        engine.dispose()  # new sessions take the database's partition-wise settings
        with engine.connect() as conn:
            assert partitioning.layout(conn) == "shard"
        _demo(engine)
        assert _counts(engine) == plain_figures["counts"]
        assert _figures(engine) == plain_figures["figures"]
        remote = sa.create_engine(shard)
        try:
            with remote.connect() as conn:
                on_shard = set(
                    conn.execute(sa.text("SELECT DISTINCT hall_id FROM tickets_s2")).scalars()
                )
                assert on_shard == set(SHARD_HALLS)
        finally:
            remote.dispose()
        with engine.connect() as conn:
            local = set(conn.execute(sa.text("SELECT DISTINCT hall_id FROM tickets_s1")).scalars())
            assert local.isdisjoint(SHARD_HALLS) and local
        partitioning.vacuum_analyze(engine)
        plan = _explain_ticket_counts(engine, D(2026, 11, 1), D(2026, 11, 30), "hall")
        print(plan)
        # partition-wise: one aggregate per shard under the Append, the shard scanned
        # concurrently; November's partition only (pruned) on this server
        assert plan.startswith("Append") and "Foreign Scan on public.tickets_s2" in plan
        assert plan.count("Aggregate") >= 2
        assert "tickets_s1_2026_11" in plan and "tickets_s1_2026_10" not in plan
        with engine.connect() as conn:  # what the shard can compute, it computes
            counted = partitioning.plan(
                conn,
                "SELECT hall_id, count(*), sum(CASE WHEN status = 'served' THEN 1 ELSE 0 END) "
                "FROM tickets WHERE issued_at >= '2026-11-01' AND issued_at < '2026-12-01' "
                "GROUP BY hall_id",
            )
        print(counted)
        assert "Relations: Aggregate on (public.tickets_s2 tickets)" in counted
        _check_upserts(engine, hall="H04")  # a row on the second server
        _check_upserts(engine, hall="H01")
        _demo_replace(engine)  # --replace empties both servers and keeps the layout
        assert _counts(engine) == plain_figures["counts"]
        assert _figures(engine) == plain_figures["figures"]
    finally:
        empty_database(engine)
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SERVER IF EXISTS {partitioning.SERVER} CASCADE"))
        partitioning.forget_layout()
        engine.dispose()
