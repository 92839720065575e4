"""Benchmark: `hall sync` from a vendor-style queue table into a hall database.

    python benchmarks/sync_feed.py [--rows 200000] [--days 90] [--target URL]

Prints (1) the first round: every vendor row read by its update time, checked and upserted in
`batch_rows` transactions, rows per second; (2) a steady round of a live day: 300 tickets
called or finished and 200 new ones since the last round, read again within a 5-minute
look-back, with the rollups of the days involved rebuilt (the other rolled days are kept).
The vendor table is SQLite (pinyin columns, numeric status codes, as queue systems lay them
out); the target is a SQLite file unless --target names another database (emptied first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from queries import rollups, schema  # noqa: E402
from queries.db import drop_schema, init_schema, make_engine  # noqa: E402
from sync.config import load_sync_config  # noqa: E402
from sync.runner import Runner  # noqa: E402

START = dt.datetime(2026, 1, 5, 8, 30)
MAPPING = """
[columns]
ticket_id = "lsh"
ticket_no = "pdhm"
hall_id = "dtbh"
queue_id = "ywlx"
issued_at = "qhsj"
called_at = "jhsj"
finished_at = "wcsj"
window_id = "ckh"
status = "zt"
[constants]
source = "walk_in"
[values.status]
"0" = "waiting"
"1" = "called"
"2" = "served"
"3" = "no_show"
"""


def fmt(t: dt.datetime | None) -> str | None:
    return t.strftime("%Y-%m-%d %H:%M:%S") if t else None


def vendor(path: Path, rows: int, days: int) -> dt.datetime:
    """rows tickets over `days` days, all finished; returns the newest update time."""
    per_day = max(1, rows // days)
    out, newest = [], START
    for n in range(rows):
        day, k = divmod(n, per_day)
        issued = START + dt.timedelta(days=day, seconds=k * 28_800 // per_day)
        called = issued + dt.timedelta(minutes=5 + n % 17)
        done = called + dt.timedelta(minutes=3 + n % 11)
        newest = max(newest, done)
        out.append(
            (f"L{n:09d}", f"A{n % 1000:03d}", "H01", "综合业务", fmt(issued), fmt(called),
             fmt(done), "A01" if n % 2 else "A02", 2, fmt(done))
        )  # fmt: skip
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE qh_record (lsh TEXT PRIMARY KEY, pdhm TEXT, dtbh TEXT, ywlx TEXT, "
            "qhsj TEXT, jhsj TEXT, wcsj TEXT, ckh TEXT, zt INTEGER, gxsj TEXT)"
        )
        db.execute("CREATE INDEX ix_gxsj ON qh_record (gxsj)")
        db.executemany("INSERT INTO qh_record VALUES (?,?,?,?,?,?,?,?,?,?)", out)
    return newest


def seed(engine) -> None:
    init_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            schema.halls.insert(), [{"hall_id": "H01", "name": "示范中心", "level": "district"}]
        )
        conn.execute(
            schema.queues.insert(),
            [{"queue_id": "Q1", "hall_id": "H01", "name": "综合业务", "prefix": "A"}],
        )
        conn.execute(
            schema.windows.insert(),
            [
                {"window_id": "W1", "hall_id": "H01", "label": "A01", "kind": "comprehensive"},
                {"window_id": "W2", "hall_id": "H01", "label": "A02", "kind": "comprehensive"},
            ],
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--target", help="target database URL (emptied); default a SQLite file")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hallpulse-sync-bench-"))
    src = tmp / "qms.db"
    newest = vendor(src, args.rows, args.days)
    (tmp / "m.toml").write_text(MAPPING, encoding="utf-8")
    config = tmp / "hallpulse.toml"
    config.write_text(
        f'[[sync.sources]]\nname = "queue"\nkind = "sql"\ntable = "tickets"\n'
        f'url = "sqlite:///{src}"\nsource_table = "qh_record"\nwatermark = "gxsj"\n'
        'lookback_min = 5\nmapping = "m.toml"\n',
        encoding="utf-8",
    )
    os.environ["HALLPULSE_CONFIG"] = str(config)
    url = args.target or f"sqlite:///{tmp / 'hall.db'}"
    engine = make_engine(url)
    drop_schema(engine)
    seed(engine)
    runner = Runner(engine, load_sync_config(config))

    t0 = time.perf_counter()
    (out,) = runner.run(once=True, stop=threading.Event())
    first = time.perf_counter() - t0
    print(
        f"first round: {out.rows:,} rows in {first:.1f} s = {out.rows / first:,.0f} rows/s "
        f"({engine.dialect.name} target, batches of 10,000)"
    )
    t0 = time.perf_counter()
    with engine.begin() as conn:
        days = rollups.rebuild_all(conn, wait_target_s=20 * 60)
    print(f"rollups of {days} days built in {time.perf_counter() - t0:.1f} s (as `hall db rollup`)")

    # a live afternoon: the last 300 tickets change, 200 new ones arrive
    with sqlite3.connect(src) as db:
        now = newest + dt.timedelta(minutes=1)
        db.execute(
            "UPDATE qh_record SET zt = 3, gxsj = ? WHERE lsh IN "
            "(SELECT lsh FROM qh_record ORDER BY gxsj DESC LIMIT 300)",
            (fmt(now),),
        )
        db.executemany(
            "INSERT INTO qh_record VALUES (?,?,?,?,?,NULL,NULL,NULL,0,?)",
            [(f"N{n:06d}", f"B{n:03d}", "H01", "综合业务", fmt(now), fmt(now)) for n in range(200)],
        )
    t0 = time.perf_counter()
    (out,) = runner.run(once=True, stop=threading.Event())
    steady = time.perf_counter() - t0
    with engine.connect() as conn:
        held = conn.execute(sa.select(sa.func.count()).select_from(schema.rollup_days)).scalar()
    print(
        f"steady round: {out.rows:,} rows (changed, new and re-read in the look-back) in "
        f"{steady:.2f} s; {held} rolled days kept"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
