"""Benchmark: what a hostile .xlsx costs the importer, against a normal file of the same kind.

    python benchmarks/import_hostile.py [--bomb-mb 800] [--rows 20000] [--code DIR]

Writes (into a temporary folder, never committed) an .xlsx whose one cell inflates to
`--bomb-mb` MiB — 800 MiB is an 0.8 MB file, the size in issue 16 — the same bomb with forged
member sizes, and a normal tickets workbook of `--rows` rows, then imports each with
`import_file` into a small SQLite hall database, every import in a fresh process, and prints
its wall time, its peak resident memory (ru_maxrss) and how it ended.

Issue 16 measured the unguarded importer at 8.4 GB and 42–55 s for the 800 MB bomb; the
archive check refuses it in well under a second and a few tens of MB (the interpreter and
polars). `--code DIR` runs the importer of another checkout (e.g. an older commit exported
with `git archive`) for a before/after comparison; keep `--bomb-mb` small for an unguarded one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(code: str, table: str, path: str, url: str) -> None:
    """In a fresh process: import one file, print seconds, peak RSS and the outcome as JSON."""
    import resource

    sys.path.insert(0, code)
    from imports.importer import FileRejected, import_file
    from queries.db import make_engine

    engine = make_engine(url)
    started = time.perf_counter()
    try:
        report = import_file(engine, table, Path(path))
        outcome = (
            f"{report.rows_read:,} rows read, {report.rejected:,} rejected, "
            f"{'imported' if report.committed else 'not imported'}"
        )
        if report.problems:
            p = report.problems[0]
            outcome += f"; line {p.line}: {p.column}: {p.reason[:80]}"
    except FileRejected as exc:
        outcome = f"refused: {str(exc)[:160]}"
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "outcome": outcome}))


def _hall(url: str) -> None:
    from queries import schema
    from queries.db import init_schema, make_engine

    engine = make_engine(url)
    init_schema(engine)
    with engine.begin() as conn:
        conn.execute(schema.halls.insert(), [{"hall_id": "H01", "name": "示范区政务服务中心"}])
        conn.execute(
            schema.queues.insert(), [{"queue_id": "Q1", "hall_id": "H01", "name": "综合业务"}]
        )
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bomb-mb", type=int, default=800, help="MiB the one cell inflates to")
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the normal workbook")
    parser.add_argument("--code", default=str(ROOT), help="checkout whose importer runs")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from hostile_files import lie_about_sizes, workbook

    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        files = {
            f"bomb: one cell of {args.bomb_mb} MiB": workbook(
                folder / "bomb.xlsx", big_cell_mb=args.bomb_mb
            ),
            f"forged bomb ({args.bomb_mb} MiB, declares 4 KiB)": workbook(
                folder / "forged.xlsx", big_cell_mb=args.bomb_mb
            ),
            f"normal: {args.rows:,} tickets": workbook(folder / "normal.xlsx", rows=args.rows),
        }
        lie_about_sizes(folder / "forged.xlsx")
        print(f"files written in {time.perf_counter() - started:.1f} s; importer: {args.code}")
        for label, path in files.items():
            url = f"sqlite:///{folder / (path.stem + '.db')}"
            _hall(url)
            out = subprocess.run(
                [sys.executable, __file__, "--child", args.code, "tickets", str(path), url],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": args.code},
            )
            if out.returncode:
                print(f"{label}: the import process failed:\n{out.stderr[-2000:]}")
                continue
            result = json.loads(out.stdout.strip().splitlines()[-1])
            size = path.stat().st_size / 1e6
            print(
                f"{label} ({size:.2f} MB file): {result['seconds']:.2f} s, peak "
                f"{result['peak_mb']:,.0f} MB — {result['outcome']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
