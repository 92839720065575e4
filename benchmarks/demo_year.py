"""Benchmark: how long `hall demo --days 365` takes and how much memory it needs.

    .venv/bin/python benchmarks/demo_year.py [--db URL] [--days 365] [--end 2026-11-22]

Runs the real command in a child process (a fresh interpreter, as a user would) and prints the
wall time, the peak resident memory of the child and the rows written. Target (issue 2): a year in
≤ 3 min and ≤ 4 GB. Without --db it writes a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end", default="2026-11-22")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.db"
        cmd = [
            str(BIN / "hall"), "demo", "--db", url, "--days", str(args.days),
            "--end", args.end, "--now", f"{args.end}T23:59:59", "--replace",
        ]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        size = (
            Path(url.removeprefix("sqlite:///")).stat().st_size
            if url.startswith("sqlite:///")
            else None
        )
    print(f"hall demo --days {args.days} --end {args.end} into {url.split('://')[0]}")
    print(f"  wall time      {seconds:8.1f} s   (target ≤ 180 s)")
    print(f"  peak memory    {peak_mib:8.0f} MiB (target ≤ 4096 MiB)")
    if size is not None:
        print(f"  database file  {size / 2**20:8.0f} MiB")
    print(f"  {done.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
