"""The vendor example without the sync engine: `hall demo --vendor-db` writes the demo hall into
a vendor queue system (SQLite always, MariaDB when reachable); the example's queries
(examples/vendor/hallpulse.toml), read in full and then incrementally past a watermark as a
sync does, written as CSV and imported with the example's mappings, give back the demo's own
ticket and rating rows of that day — same ids, times, statuses, windows, staff and queues."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from cli.main import main
from imports.importer import import_file
from queries import schema
from queries.db import make_engine
from queries.frames import read_frame
from simulation.demo import DemoOptions, generate
from simulation.vendor import VendorWriter, example_config, prepare_target, write_csv
from simulation.vendor_schema import VENDOR_TABLES, jh_log, qh_record, vendor_meta
from tests.conftest import HOW_TO_GET, SERVER_URLS, unavailable

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "vendor"
DAY = dt.date(2026, 11, 30)  # a Monday: the district centre's busiest weekday
FIRST, LATER = dt.datetime(2026, 11, 30, 10, 5), dt.datetime(2026, 11, 30, 11, 30)
TICKET_COLUMNS = [c.name for c in schema.tickets.columns if c.name != "case_id"]
RATING_COLUMNS = [
    "eval_id",
    "hall_id",
    "evaluated_at",
    "rating",
    "channel",
    "is_default",
    "ticket_id",
    "window_id",
    "staff_id",
]


def vendor_mariadb_url() -> str:
    """$HALL_TEST_VENDOR_MYSQL_URL, else the MariaDB test server's database + `_qms`
    (created when missing): the vendor's database is not HallPulse's."""
    if os.environ.get("HALL_TEST_VENDOR_MYSQL_URL"):
        return os.environ["HALL_TEST_VENDOR_MYSQL_URL"]
    server = make_url(SERVER_URLS["mariadb"])
    url = server.set(database=f"{server.database}_qms")
    engine = make_engine(server.set(database=None).render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{url.database}`"))
    except sa.exc.OperationalError as exc:
        first_line = str(exc.orig).strip().splitlines()[0]
        unavailable(f"mariadb not reachable ({first_line}): {HOW_TO_GET['mariadb']}")
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "mariadb"])
def vendor(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty vendor database."""
    url = f"sqlite:///{tmp_path / 'qms.db'}" if request.param == "sqlite" else vendor_mariadb_url()
    engine = make_engine(url)
    vendor_meta.drop_all(engine, tables=list(VENDOR_TABLES), checkfirst=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def config() -> dict:
    return {
        s["name"]: s
        for s in tomllib.loads((EXAMPLE / "hallpulse.toml").read_text())["sync"]["sources"]
    }


@pytest.fixture(scope="module")
def expected() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The demo's own H01 tickets and device ratings of DAY as `hall demo --now LATER` writes
    them (the vendor knows no case ids, return calls or default ratings)."""
    facts = list(generate(DemoOptions(end=DAY, days=1, now=LATER)))
    tickets = pl.concat([f.tickets for f in facts]).filter(pl.col("hall_id") == "H01")
    ratings = pl.concat([f.evaluations for f in facts]).filter(
        (pl.col("hall_id") == "H01")
        & (pl.col("channel") == "device")
        & ~pl.col("is_default")
        & pl.col("ticket_id").is_not_null()
    )
    return (
        tickets.select(TICKET_COLUMNS).sort("ticket_id"),
        ratings.select(RATING_COLUMNS).sort("eval_id"),
    )


def _import(target: Engine, vendor: Engine, source: dict, csv: Path, since=None) -> int:
    """Run the source's query (past `since` on its watermark, as a sync pass would), write
    the rows as CSV and import them with the source's mapping; rows imported."""
    stmt = sa.text(source["query"])
    if since is not None:  # a bound date-time: each dialect stores and compares its own way
        stmt = sa.select(sa.text("*")).select_from(
            stmt.columns(sa.column(source["watermark"], sa.DateTime)).subquery("q")
        )
        stmt = stmt.where(sa.column(source["watermark"], sa.DateTime) > since)
    with vendor.connect() as conn:
        result = conn.execute(stmt)
        headers, rows = list(result.keys()), [tuple(r) for r in result]
    write_csv(csv, headers, rows)
    report = import_file(target, source["table"], csv, mapping_file=EXAMPLE / source["mapping"])
    assert report.rejected == 0, report.problems[:5]
    return report.imported


def _read(target: Engine, table: sa.Table, columns: list[str], like: pl.DataFrame) -> pl.DataFrame:
    start = dt.datetime.combine(DAY, dt.time())
    time_column = table.c.issued_at if table is schema.tickets else table.c.evaluated_at
    with target.connect() as conn:
        return read_frame(
            conn,
            sa.select(*(table.c[c] for c in columns)).where(time_column >= start),
            dict(like.schema),
        ).sort(columns[0])


def test_vendor_rows_import_as_the_demo(vendor, config, expected, tmp_path: Path) -> None:
    engine = vendor
    target = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    prepare_target(target, DAY, days=1)

    writer = VendorWriter(engine, "H01")
    writer.create()
    writer.step(FIRST)
    first = {
        name: _import(target, engine, source, tmp_path / f"{name}-1.csv")
        for name, source in config.items()
    }
    with engine.connect() as conn:
        watermark = conn.execute(sa.select(sa.func.max(qh_record.c.update_time))).scalar_one()
        waiting = set(conn.execute(sa.select(qh_record.c.lsh).where(qh_record.c.zt == 0)).scalars())
    assert first["queue"] > 200 and waiting

    # the day goes on: rows seen at FIRST change (called, finished) and new ones come
    for minute in range(15, 90, 15):
        writer.step(FIRST.replace(minute=0) + dt.timedelta(minutes=minute))
    writer.step(LATER)
    with engine.connect() as conn:
        still = set(conn.execute(sa.select(qh_record.c.lsh).where(qh_record.c.zt == 0)).scalars())
        calls = conn.execute(sa.select(sa.func.count()).select_from(jh_log)).scalar_one()
    assert waiting - still, "tickets waiting at 10:05 were called by 11:30"
    later = {
        name: _import(target, engine, source, tmp_path / f"{name}-2.csv", since=watermark)
        for name, source in config.items()
    }
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(qh_record)).scalar_one()
    # only rows past the watermark were read: the changed ones and the new ones
    assert len(waiting - still) < later["queue"] < total

    tickets, ratings = expected
    got_tickets = _read(target, schema.tickets, TICKET_COLUMNS, tickets)
    assert got_tickets.equals(tickets), tickets.join(
        got_tickets, on=TICKET_COLUMNS, how="anti", nulls_equal=True
    )
    assert calls >= tickets.filter(pl.col("called_at").is_not_null()).height
    got_ratings = _read(target, schema.evaluations, RATING_COLUMNS, ratings)
    assert got_ratings.equals(ratings)
    target.dispose()


def test_hall_demo_vendor_db(tmp_path: Path, capsys) -> None:
    """The command: prepares the HallPulse database once, writes the vendor's day up to --now,
    and --follow carries it on (the day is rewritten, never doubled)."""
    target, qms = f"sqlite:///{tmp_path / 'hall.db'}", f"sqlite:///{tmp_path / 'qms.db'}"
    base = ["demo", "--db", target, "--vendor-db", qms, "--days", "1"]
    assert main([*base, "--now", "2026-11-30T10:00:00"]) == 0
    assert "qh_record 245" in capsys.readouterr().out
    assert main([*base, "--now", "2026-11-30T10:00:00", "--follow", "--speed", "600",
                 "--interval", "0.05", "--steps", "3"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "already holds data: left as it is" in err
    engine = make_engine(target)
    with engine.connect() as conn:  # the HallPulse side got history, not today's tickets
        days = conn.execute(sa.select(sa.func.max(schema.tickets.c.issued_at))).scalar_one()
    assert str(days) < "2026-11-30"
    engine.dispose()
    vendor = make_engine(qms)
    with vendor.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(qh_record.c.qhsj))).scalar_one()
        tickets = conn.execute(sa.select(sa.func.count()).select_from(qh_record)).scalar_one()
    vendor.dispose()
    assert "2026-11-30 10:00" < str(newest) <= "2026-11-30 10:20:00"
    assert 245 < tickets < 400
    assert main([*base, "--hall", "H99", "--now", "2026-11-30T10:00:00"]) == 1
    assert "no hall 'H99'" in capsys.readouterr().err


def test_hall_sync_carries_the_vendor_rows(vendor, tmp_path: Path, monkeypatch) -> None:
    """The example through `hall sync run --once`: a first round, rows changing and new ones
    in the vendor system, a second round → the demo's own tickets and ratings, none doubled."""
    pytest.importorskip("sync.runner", reason="needs the `hall sync` engine (package sync/)")
    early, late = dt.datetime(2026, 11, 30, 9, 10), dt.datetime(2026, 11, 30, 9, 25)
    target_url = f"sqlite:///{tmp_path / 'hall.db'}"
    target = make_engine(target_url)
    prepare_target(target, DAY, days=1)
    writer = VendorWriter(vendor, "H01")
    writer.create()
    writer.step(early)
    config = example_config(tmp_path, vendor.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    monkeypatch.setenv("HALLPULSE_NOW", f"{DAY}T23:59:59")  # the fed day is the hall's today
    assert main(["sync", "run", "--once", "--db", target_url]) == 0
    today = schema.tickets.c.issued_at >= dt.datetime.combine(DAY, dt.time())
    with target.connect() as conn:
        first = conn.execute(sa.select(sa.func.count()).where(today)).scalar_one()
    for minutes in (5, 10, 15):  # tickets seen waiting are called and finished, others come
        writer.step(early + dt.timedelta(minutes=minutes))
    assert main(["sync", "run", "--once", "--db", target_url]) == 0

    facts = list(generate(DemoOptions(end=DAY, days=1, now=late)))
    tickets = pl.concat([f.tickets for f in facts]).filter(pl.col("hall_id") == "H01")
    tickets = tickets.select(TICKET_COLUMNS).sort("ticket_id")
    got = _read(target, schema.tickets, TICKET_COLUMNS, tickets)
    assert got.height > first > 0
    assert got.equals(tickets), tickets.join(got, on=TICKET_COLUMNS, how="anti", nulls_equal=True)
    ratings = pl.concat([f.evaluations for f in facts]).filter(
        (pl.col("hall_id") == "H01")
        & (pl.col("channel") == "device")
        & ~pl.col("is_default")
        & pl.col("ticket_id").is_not_null()
    )
    ratings = ratings.select(RATING_COLUMNS).sort("eval_id")
    assert _read(target, schema.evaluations, RATING_COLUMNS, ratings).equals(ratings)
    target.dispose()
