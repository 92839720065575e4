"""Benchmark: import a 1,000,000-row tickets export (Chinese headers and values) with `hall
import`, into SQLite and PostgreSQL, and print wall time and the importer's peak memory.

    python benchmarks/import_million.py [--rows 1000000] [--pg URL] [--no-pg] [--mariadb URL]
        [--no-sqlite]

Targets: issue 3, ≤ 60 s and ≤ 1 GB on SQLite; issue 15, ≤ 10 s for 1,000,000 rows with the
daily rollups of the days the file spans rebuilt (in the import's transaction, after the rows
are written; both times are printed), on SQLite and PostgreSQL, memory bounded by the batch
size. The importing process's CPU time (user + system) and the load average are printed beside
the wall time: on a shared machine the wall time alone misleads. On PostgreSQL the CPU of the
server's backends for the import is printed too (read from /proc: the server must run on this
machine).
The reference tables come from a short demo run; the tickets file is synthetic but shaped
like a queue system's export: 取号流水号, 大厅编号, 业务类型 as queue names, 窗口号 as window
labels, 状态 in Chinese, one year of timestamps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imports.contract import IMPORT_ORDER  # noqa: E402
from imports.export import export_table  # noqa: E402
from queries.db import drop_schema, make_engine  # noqa: E402
from queries.tables import read_table  # noqa: E402
from simulation.demo import DemoOptions  # noqa: E402
from simulation.writer import write_demo  # noqa: E402

TARGET_S = 10.0  # issue 15: a million tickets, rollups included (scaled for --rows)
STATUS_ZH = {"served": "已办理", "no_show": "过号", "cancelled": "已取消", "transferred": "已转办"}


def tickets_file(path: Path, rows: int, windows: pl.DataFrame, queues: pl.DataFrame) -> None:
    rng = np.random.default_rng(3)
    w = windows.filter(pl.col("hall_id") == "H01")
    q = queues.filter(pl.col("hall_id") == "H01")
    start = np.datetime64("2025-11-01T08:30:00", "ms")
    issued = start + (np.sort(rng.integers(0, 365 * 86_400, rows))).astype("timedelta64[s]")
    wait = rng.gamma(2.0, 360.0, rows).astype("int64")
    service = rng.gamma(2.0, 240.0, rows).astype("int64")
    called = issued + wait.astype("timedelta64[s]")
    finished = called + service.astype("timedelta64[s]")
    status = rng.choice(list(STATUS_ZH), rows, p=[0.9, 0.05, 0.04, 0.01])
    served = status == "served"
    frame = pl.DataFrame(
        {
            "取号流水号": [f"T{i:08d}" for i in range(rows)],
            "大厅编号": ["H01"] * rows,
            "业务类型": q["name"].to_numpy()[rng.integers(0, q.height, rows)],
            "票号": [f"A{i % 1000:03d}" for i in range(rows)],
            "取号时间": issued,
            "叫号时间": np.where(status == "cancelled", np.datetime64("NaT"), called),
            "办结时间": np.where(served, finished, np.datetime64("NaT")),
            "窗口号": np.where(
                served, w["label"].to_numpy()[rng.integers(0, w.height, rows)], None
            ),
            "状态": [STATUS_ZH[s] for s in status],
            "取号方式": rng.choice(["现场取号", "预约", "绿色通道"], rows, p=[0.8, 0.17, 0.03]),
        }
    )
    frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S")


# `hall import` in a child process that reports its own peak resident memory and CPU at exit,
# and the CPU of the PostgreSQL backends it used (read from /proc just before each connection
# closes, and at exit: the server must run on this machine)
CHILD = """
import os, resource, sys
import sqlalchemy as sa
backends, server = {}, {}
def cpu(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return
    server[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
@sa.event.listens_for(sa.pool.Pool, "connect")
def connected(dbapi_conn, _record):
    pid = getattr(getattr(dbapi_conn, "info", None), "backend_pid", None)
    if pid:
        backends[id(dbapi_conn)] = pid
@sa.event.listens_for(sa.pool.Pool, "close")
def closing(dbapi_conn, _record):
    if id(dbapi_conn) in backends:
        cpu(backends[id(dbapi_conn)])
from cli.main import main
code = main(sys.argv[1:])
for pid in backends.values():
    cpu(pid)
use = resource.getrusage(resource.RUSAGE_SELF)
print("PEAK_KIB", use.ru_maxrss, use.ru_utime + use.ru_stime, sum(server.values()), file=sys.stderr)
sys.exit(code)
"""


@dataclass
class Run:
    seconds: float  # wall, the whole process
    cpu: float  # user + system of the importing process
    server_cpu: float  # user + system of the PostgreSQL backends it used (SQLite: in `cpu`)
    peak_mib: float
    committed_s: float | None  # until the rows were committed
    rollup_s: float | None  # rebuilding the rollups after that
    line: str


def run_import(url: str, table: str, path: Path) -> Run:
    """`hall import` in a child process: its wall and CPU time, peak memory and report."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "import", "--db", url, table, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"import failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    peak, cpu, server_cpu = next(
        (int(line.split()[1]), float(line.split()[2]), float(line.split()[3]))
        for line in proc.stderr.splitlines()
        if line.startswith("PEAK_KIB")
    )
    lines = proc.stdout.strip().splitlines()
    rollup = [line for line in lines if line.startswith("daily rollups:")]
    vacuum = [line for line in lines if "vacuumed and analysed" in line]  # PostgreSQL
    committed = rolled = None
    if rollup and (
        m := re.search(
            r"in ([\d.]+) s in the import's transaction \(rows written after ([\d.]+) s", rollup[0]
        )
    ):
        rolled, committed = float(m.group(1)), float(m.group(2))
    return Run(
        seconds,
        cpu,
        server_cpu,
        peak / 1024,
        committed,
        rolled,
        "\n            ".join([lines[-1], *rollup, *vacuum]),
    )


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument(
        "--mariadb",
        default=None,
        help="also MariaDB, e.g. mysql+pymysql://root@127.0.0.1:3306/test",
    )
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ref_url = f"sqlite:///{tmp / 'ref.db'}"
        ref = make_engine(ref_url)
        write_demo(ref, DemoOptions(end=dt.date(2025, 11, 3), days=1, seed=7), replace=True)
        for table in IMPORT_ORDER[:8]:
            export_table(ref, table, tmp / f"{table}.csv")
        with ref.connect() as conn:
            windows, queues = read_table(conn, "windows"), read_table(conn, "queues")
        big = tmp / "取号记录.csv"
        t0 = time.perf_counter()
        tickets_file(big, args.rows, windows, queues)
        size = big.stat().st_size / 2**20
        print(f"wrote {args.rows:,} tickets ({size:,.0f} MiB) in {time.perf_counter() - t0:.1f} s")

        targets = [] if args.no_sqlite else [("sqlite", f"sqlite:///{tmp / 'bench.db'}")]
        if not args.no_pg:
            targets.append(("postgresql", args.pg))
        if args.mariadb:
            targets.append(("mariadb", args.mariadb))
        for label, url in targets:
            engine = make_engine(url)
            drop_schema(engine)
            engine.dispose()
            for table in IMPORT_ORDER[:8]:
                run_import(url, table, tmp / f"{table}.csv")
            before = load()
            run = run_import(url, "tickets", big)
            target = TARGET_S * args.rows / 1_000_000
            verdict = "met" if run.seconds <= target else "NOT met"
            print(
                f"{label:>10}: {args.rows:,} rows in {run.seconds:.1f} s wall, rollups included "
                f"(target ≤ {target:.1f} s: {verdict}); CPU {run.cpu:.1f} s"
                + (f" + server {run.server_cpu:.1f} s" if label == "postgresql" else "")
                + f"; peak {run.peak_mib:,.0f} MiB"
            )
            if run.committed_s is not None:
                print(
                    f"            rows written after {run.committed_s:.1f} s, "
                    f"rollups {run.rollup_s:.1f} s"
                )
            print(f"            {run.line}")
            print(f"            {before} before, {load()} after")
            again = run_import(url, "tickets", big)
            print(
                f"{label:>10}: again (all rows already there) in {again.seconds:.1f} s, "
                f"CPU {again.cpu:.1f} s"
                + (f" + server {again.server_cpu:.1f} s" if label == "postgresql" else "")
                + f"; peak {again.peak_mib:,.0f} MiB"
            )
            if label != "sqlite":
                drop_schema(make_engine(url))


if __name__ == "__main__":
    main()
