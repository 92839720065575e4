"""`hall demo --follow` on SQLite, PostgreSQL and MariaDB: carrying a demo from 10:00 to 10:03
must leave exactly what `hall demo --now 10:03` writes; it refuses non-demo databases, stops
after --steps / --for, and Ctrl-C ends it cleanly while the app reads along (SQLite WAL)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from test_rollups import same

from access.scope import Scope
from cli.main import main
from metrics.figures import compute
from metrics.settings import Settings
from queries import rollups, schema
from queries.db import init_schema, make_engine
from queries.frames import read_frame
from queries.metric_queries import Filters
from simulation.demo import DemoOptions, generate
from simulation.follow import FollowOptions, follow
from simulation.writer import write_demo

ALL = Scope.everything("test")  # unrestricted reads, as an admin

END = dt.date(2026, 11, 27)
START = dt.datetime(2026, 11, 27, 10, 0)
DAYS = 2
COLUMNS = {
    "tickets": ("ticket_id", "status", "called_at", "finished_at", "window_id", "case_id"),
    "cases": ("case_id", "status", "accepted_at", "completed_at"),
    "evaluations": ("eval_id", "evaluated_at", "revisited_at", "rectified_at"),
    "attendance": ("staff_id", "work_date", "shift_kind", "clock_in", "clock_out"),
}


def state(url: str) -> dict[str, pl.DataFrame]:
    engine = make_engine(url)
    out = {}
    with engine.connect() as conn:
        for name, columns in COLUMNS.items():
            table = schema.metadata.tables[name]
            frame = read_frame(
                conn,
                sa.select(*(table.c[c] for c in columns)),
                {c: _dtype(c) for c in columns},
            )
            out[name] = frame.sort(columns[0], *columns[1:3])
    engine.dispose()
    return out


def _dtype(column: str) -> pl.DataType:
    if column == "work_date":
        return pl.Date()
    if column.endswith("_at") or column.startswith("clock_"):
        return pl.Datetime("us")
    return pl.String()


def expected(now: dt.datetime) -> dict[str, pl.DataFrame]:
    (facts,) = generate(DemoOptions(end=END, days=DAYS, now=now, chunk_days=DAYS))
    return {
        name: getattr(facts, name)
        .select(columns)
        .cast({c: _dtype(c) for c in columns})
        .sort(columns[0], *columns[1:3])
        for name, columns in COLUMNS.items()
    }


def test_follow_reproduces_the_simulation(db_url: str) -> None:
    engine = make_engine(db_url)
    write_demo(engine, DemoOptions(end=END, days=DAYS, now=START))
    engine.dispose()
    before = state(db_url)

    code = main(
        ["demo", "--follow", "--db", db_url, "--now", "2026-11-27T10:00:00", "--steps", "4",
         "--interval", "0.05", "--speed", "1200"]
    )  # fmt: skip

    assert code == 0
    after = state(db_url)
    want = expected(START + dt.timedelta(minutes=3))  # 3 steps of 0.05 s × 1200 = 60 s
    for name in COLUMNS:
        assert after[name].equals(want[name]), name
    assert after["tickets"].height > before["tickets"].height  # new tickets were issued
    # the rollups of the closed days still give the figures of the rows
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert rollups.rolled_span(conn)[1] == START.date() - dt.timedelta(days=1)
        period = Filters(END - dt.timedelta(days=DAYS - 1), END, START + dt.timedelta(minutes=3))
        rolled = compute(conn, period, Settings(), "date", scope=ALL)
        assert not same(
            rolled, compute(conn, period, Settings(), "date", use_rollups=False, scope=ALL)
        )
    engine.dispose()
    called = before["tickets"].join(after["tickets"], on="ticket_id", suffix="_after")
    assert called.filter(
        (pl.col("status") == "waiting") & (pl.col("status_after") != "waiting")
    ).height  # and waiting ones called


def test_follow_refuses_a_database_without_the_demo(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'real.db'}"
    engine = make_engine(url)
    init_schema(engine)
    engine.dispose()
    assert main(["demo", "--follow", "--db", url, "--steps", "1"]) == 1
    assert "does not hold demo data" in capsys.readouterr().err


def test_follow_over_midnight(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url)
    write_demo(engine, DemoOptions(end=END, days=1, now=dt.datetime(2026, 11, 27, 23, 59)))
    start = dt.datetime(2026, 11, 27, 23, 59, 30)
    summary = follow(engine, FollowOptions(start=start, speed=600, interval_s=0.1, steps=3))
    assert summary.clock == dt.datetime(2026, 11, 28, 0, 1, 30)  # 23:59:30 + 2 × 60 s
    with engine.connect() as conn:
        meta = dict(conn.execute(sa.select(schema.meta.c.key, schema.meta.c.value)).all())
        days = conn.execute(
            sa.select(sa.func.count(sa.distinct(schema.attendance.c.work_date)))
        ).scalar_one()
    engine.dispose()
    assert meta["demo_end"] == "2026-11-28"  # the banner says the demo reaches today
    assert days == 2  # the next day's roster was written


def test_follow_for_seconds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url)
    write_demo(engine, DemoOptions(end=END, days=1, now=START))
    messages: list[str] = []
    earlier = START - dt.timedelta(hours=1)
    summary = follow(
        engine, FollowOptions(start=earlier, interval_s=0.2, seconds=0.5), messages.append
    )
    engine.dispose()
    assert messages[0].startswith("note: the database already holds tickets up to 2026-11-27 09:")
    # writes at 0, 0.2 and 0.4 s after the first; the next would end after 0.5 s (a loaded
    # machine may fall behind by one)
    assert 2 <= summary.steps <= 3
    assert summary.clock == earlier + dt.timedelta(seconds=0.2 * (summary.steps - 1))


def test_ctrl_c_ends_cleanly_while_the_app_reads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url)
    write_demo(engine, DemoOptions(end=END, days=1, now=START))
    command = [
        str(Path(sys.executable).parent / "hall"), "demo", "--follow", "--db", url,
        "--now", "2026-11-27T10:00:00", "--speed", "60", "--interval", "0.2",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    counts = []
    try:
        lines = []
        while len(lines) < 4:  # the banner and three steps
            line = proc.stderr.readline()
            assert line, "follow ended early"
            lines.append(line)
            with engine.connect() as conn:  # a reader while the follower writes
                counts.append(
                    conn.execute(sa.select(sa.func.count()).select_from(schema.tickets)).scalar()
                )
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    engine.dispose()
    assert proc.returncode == 0
    assert "stopped" in err and "Traceback" not in err
    assert counts == sorted(counts) and counts[-1] > counts[0]
