"""Server-side render time of every dashboard page over a year of the demo district centre.

    python benchmarks/pages.py [--db URL] [--now "2026-11-27 18:00"] [--hall H01]

Each page script runs in Streamlit's AppTest (the same code the server runs for a browser,
without the websocket): "cold" right after the caches are cleared (a fresh server), "warm" for
the same view again (what a second visitor or a rerun costs). Periods: this month (the
month-scale view managers use) and the whole year (custom range). "Now" is fixed with
HALLPULSE_NOW so the run is repeatable on a database that ends on a known day.
Targets: warm ≤ 0.5 s, cold ≤ 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "windows", "window", "cases", "evaluations", "attendance", "quality")
TARGET_WARM_S, TARGET_COLD_S = 0.5, 2.0


def _scan_components_once() -> None:
    """AppTest scans every installed package for Streamlit components on each run (≈0.7 s
    here); a server does it once at start-up, so the benchmark does it once too."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    scan = BidiComponentManager.discover_and_register_components
    done: set[int] = set()

    def once(self, *args, **kwargs):
        if not done:
            done.add(1)
            scan(self, *args, **kwargs)

    BidiComponentManager.discover_and_register_components = once


def render(page: str, params: dict[str, str]) -> float:
    """Seconds to run the page once (navigation included), failing on an exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"dashboard/pages/{page}.py")
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:///data/year.db")
    parser.add_argument("--now", default="2026-11-27 18:00")
    parser.add_argument("--hall", default="H01")
    parser.add_argument("--window", default="H01-A01")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--year", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()

    os.environ["HALL_DB_URL"] = args.db
    os.environ["HALLPULSE_NOW"] = args.now
    import streamlit as st

    _scan_components_once()
    now = dt.datetime.fromisoformat(args.now)
    periods = {"this month": {"period": "this_month"}}
    if args.year:
        first = now.date() - dt.timedelta(days=364)
        periods["365 days"] = {
            "period": "custom",
            "from": first.isoformat(),
            "to": now.date().isoformat(),
        }
    print(f"database {args.db}, now {args.now}, hall {args.hall}")
    render("quality", {})  # import every module once, as a running server has

    print(f"{'page':<12} {'period':<11} {'cold s':>8} {'warm s':>8}")
    failures = []
    for label, period in periods.items():
        for page in args.pages.split(","):
            params = {**period, "hall": args.hall}
            if page == "window":
                params = {**period, "window": args.window}
            st.cache_data.clear()
            st.cache_resource.clear()
            cold = render(page, params)
            warm = render(page, params)
            flag = ""
            if label == "this month" and (cold > TARGET_COLD_S or warm > TARGET_WARM_S):
                flag = "  over target"
                failures.append(page)
            print(f"{page:<12} {label:<11} {cold:>8.2f} {warm:>8.2f}{flag}", flush=True)
    print(
        f"targets (this month): warm ≤ {TARGET_WARM_S} s, cold ≤ {TARGET_COLD_S} s; "
        f"over target: {', '.join(failures) or 'none'}"
    )


if __name__ == "__main__":
    main()
