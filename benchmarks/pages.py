"""Server-side render time of every dashboard page over a year of the demo district centre.

    python benchmarks/pages.py [--db URL] [--now "2026-11-27 18:00"] [--hall H01]

Each page script runs in Streamlit's AppTest (the same code the server runs for a browser,
without the websocket): "cold" right after the caches are cleared (a fresh server), "warm" for
the same view again (what a second visitor or a rerun costs). Periods: this month (the
month-scale view managers use) and the whole year (custom range). "Now" is fixed with
HALLPULSE_NOW so the run is repeatable on a database that ends on a known day.
Each figure is wall seconds with the process's CPU seconds beside it (the machine is shared:
the CPU figure is the steadier one) and its target. Targets: this month warm ≤ 0.5 s, cold ≤
2 s; the 365-day view (issue 15) warm ≤ 0.3 s, cold ≤ 1.5 s. Sign-in is turned off for the run
(`[access] auth = "none"` in a temporary HALLPULSE_CONFIG) unless HALLPULSE_CONFIG is set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "windows", "window", "cases", "evaluations", "attendance", "quality")
TARGET_WARM_S, TARGET_COLD_S = 0.5, 2.0
TARGET_YEAR_WARM_S, TARGET_YEAR_COLD_S = 0.3, 1.5


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


def render(page: str, params: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to run the page once (navigation included), failing on an
    exception or when the page drew no heading (a sign-in form instead of the page)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"dashboard/pages/{page}.py")
    start, cpu = time.perf_counter(), time.process_time()
    at.run()
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    if not (at.title or at.header or at.subheader):
        raise RuntimeError(f"{page}: the page drew no heading (signed out?)")
    return seconds, cpu_s


def main() -> int:
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
    with tempfile.TemporaryDirectory() as tmp:
        if "HALLPULSE_CONFIG" not in os.environ:  # the pages as an admin sees them, no sign-in
            config = Path(tmp) / "hallpulse.toml"
            config.write_text('[access]\nauth = "none"\n', encoding="utf-8")
            os.environ["HALLPULSE_CONFIG"] = str(config)
        return run(args)


def run(args: argparse.Namespace) -> int:
    import streamlit as st

    _scan_components_once()
    now = dt.datetime.fromisoformat(args.now)
    periods = {"this month": ({"period": "this_month"}, TARGET_COLD_S, TARGET_WARM_S)}
    if args.year:
        first = now.date() - dt.timedelta(days=364)
        periods["365 days"] = (
            {"period": "custom", "from": first.isoformat(), "to": now.date().isoformat()},
            TARGET_YEAR_COLD_S,
            TARGET_YEAR_WARM_S,
        )
    print(f"database {args.db}, now {args.now}, hall {args.hall}; {load()}")
    render("quality", {})  # import every module once, as a running server has

    print(
        f"{'page':<12} {'period':<11} {'cold s':>7} {'cpu':>6} {'target':>7}"
        f" {'warm s':>7} {'cpu':>6} {'target':>7}"
    )
    failures = []
    for label, (period, cold_target, warm_target) in periods.items():
        for page in args.pages.split(","):
            params = {**period, "hall": args.hall}
            if page == "window":
                params = {**period, "window": args.window}
            st.cache_data.clear()
            st.cache_resource.clear()
            cold, cold_cpu = render(page, params)
            warm, warm_cpu = render(page, params)
            flag = ""
            if cold > cold_target or warm > warm_target:
                flag = "  over target"
                failures.append(f"{page} ({label})")
            print(
                f"{page:<12} {label:<11} {cold:>7.2f} {cold_cpu:>6.2f} {cold_target:>7.1f}"
                f" {warm:>7.2f} {warm_cpu:>6.2f} {warm_target:>7.1f}{flag}",
                flush=True,
            )
    print(
        f"targets: this month cold ≤ {TARGET_COLD_S} s, warm ≤ {TARGET_WARM_S} s; 365 days cold "
        f"≤ {TARGET_YEAR_COLD_S} s, warm ≤ {TARGET_YEAR_WARM_S} s; over target: "
        f"{', '.join(failures) or 'none'}; {load()}"
    )
    return 1 if failures else 0


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f}"


if __name__ == "__main__":
    sys.exit(main())
