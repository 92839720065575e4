"""Benchmark: one pass of the alert rules (`alerts.service.run_once`) with every rule kind on.

    .venv/bin/python benchmarks/alerts_pass.py [--db URL | --days 30] [--now 2026-12-03T10:30]
        [--repeats 5]

Without --db, a demo network of --days days ending at --now is written to a temporary SQLite
file. Messages go to an HTTP receiver on 127.0.0.1 started here (nothing leaves the machine).

    first     the first pass: every condition opens an episode and is sent
    steady    the next passes: every episode stays open, nothing is sent (what happens every
              minute in a hall) — best and median of --repeats
    evaluate  reading and evaluating alone (no bookkeeping), best of --repeats

A pass runs once a minute by default, so anything well under a second per network is fine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main() -> int:
    from alerts import service
    from alerts.rules import parse_alerts
    from queries.db import make_engine
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="an existing database (default: a fresh demo)")
    parser.add_argument("--days", type=int, default=30, help="demo days (30)")
    parser.add_argument("--now", type=dt.datetime.fromisoformat, default="2026-12-03T10:30")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    settings = parse_alerts(
        {
            "app_url": "http://hall.example:8501",
            "channels": [{"name": "ops", "kind": "wecom", "url": url, "max_per_hour": 100_000}],
            "rules": [
                {"kind": "queue_wait", "threshold_min": 10, "channels": ["ops"]},
                {"kind": "queue_length", "threshold_waiting": 3, "channels": ["ops"]},
                {"kind": "window_idle", "threshold_min": 15, "channels": ["ops"]},
                {"kind": "bad_review", "within_min": 600, "channels": ["ops"]},
                {"kind": "case_due", "channels": ["ops"]},
                {"kind": "feed_stale", "threshold_min": 10, "channels": ["ops"]},
            ],
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or f"sqlite:///{Path(folder) / 'hall.db'}"
        engine = make_engine(db)
        if not args.db:
            started = time.perf_counter()
            write_demo(engine, DemoOptions(end=args.now.date(), days=args.days, now=args.now))
            print(f"demo of {args.days} days written in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        first = service.run_once(engine, settings, args.now)
        first_s = time.perf_counter() - started
        print(f"first     {first_s:6.3f} s  ({first.line()})")
        steady = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            summary = service.run_once(engine, settings, args.now)
            steady.append(time.perf_counter() - started)
        print(
            f"steady    {min(steady):6.3f} s best, {statistics.median(steady):.3f} s median "
            f"({summary.halls} halls, {summary.conditions} conditions open, "
            f"{summary.sent} sent)"
        )
        evaluate = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            with engine.connect() as conn:
                found, _, _ = service.evaluate_all(
                    conn, settings, args.now, service.Summary(at=args.now)
                )
            evaluate.append(time.perf_counter() - started)
        print(f"evaluate  {min(evaluate):6.3f} s best ({len(found)} conditions)")
        engine.dispose()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
