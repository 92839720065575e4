"""Benchmark: one hall-week's report (PDF and .xlsx) on a year of demo data, stage by stage.

    .venv/bin/python benchmarks/weekly_report.py [--source data/year.db] [--db URL]
                                                 [--week 2026-W47] [--hall H01] [--lang zh]

Make the year with `hall demo --db sqlite:///data/year.db --days 365 --end 2026-11-27`.

Without --db it copies the SQLite file --source to a temporary folder first (the source is
never opened for writing) and reports on the copy. Prints the time of each stage (reading the
figures, the lists, the chart data, the workbook, the PDF), the total, and the files' sizes.
Target (issue 7): ≤ 15 s for one hall-week on 365 days of demo data.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_S = 15.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("data/year.db"))
    parser.add_argument("--db", help="database URL (default: a copy of --source)")
    parser.add_argument("--week", default="2026-W47")
    parser.add_argument("--hall", default="H01")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    args = parser.parse_args()

    from access.scope import Scope
    from queries.db import make_engine
    from reports.weekly import Week, build_weekly, write_files

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db
        if url is None:
            if not args.source.exists():
                print(
                    f"no {args.source}: hall demo --db sqlite:///{args.source} --days 365 "
                    "--end 2026-11-27",
                    file=sys.stderr,
                )
                return 1
            copy = Path(tmp) / "year.db"
            started = time.perf_counter()
            shutil.copyfile(args.source, copy)
            print(f"copied {args.source} in {time.perf_counter() - started:.1f} s (not timed)")
            url = f"sqlite:///{copy}"
        engine = make_engine(url)
        week = Week.parse(args.week)
        started, cpu = time.perf_counter(), time.process_time()
        files = build_weekly(
            engine, args.hall, week, lang=args.lang, scope=Scope.everything("benchmark")
        )
        write_started = time.perf_counter()
        paths = write_files([files], Path(tmp) / "out")
        stages = {**files.timings, "write files": time.perf_counter() - write_started}
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu
        engine.dispose()
        print(f"weekly report {args.hall} {week} ({args.lang}) on {url.split('///')[-1]}:")
        for stage, seconds in stages.items():
            print(f"  {stage:<62} {seconds:6.2f} s")
        print(f"  {'total':<62} {total:6.2f} s   (budget {BUDGET_S:.0f} s)")
        print(f"  {'CPU time of this process':<62} {cpu:6.2f} s")
        for path in paths:
            print(f"  {path.name}: {path.stat().st_size / 1024:,.0f} KiB")
    return 0 if total <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
