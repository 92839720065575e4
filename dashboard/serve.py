"""Serve HallPulse with the libraries imported and every hall's big-screen figures read before
the first visitor: `python -m dashboard.serve [streamlit options]` (what `make run` does).

`streamlit run streamlit_app.py` runs nothing until a visitor opens a page, so the first
visitors paid for everything at once: importing pandas, Plotly and polars (about 1.5 s), each
hall's month figures (0.2 s a hall) and today's demand forecast. Twenty screens reconnecting
after a restart queued behind that work (cold open p95 7.4 s with 20 screens and 10 analysts).
Here the imports run before the port opens, and as soon as the server is up a background
thread reads the month figures of each hall with a screen (a live kiosk link; every hall when
none has one) and starts its forecast, into the same caches the big screen reads
(`dashboard.live_data`). A screen that arrives first waits for the read under
way instead of making its own.

Options are Streamlit's own (`--server.port 8501`, …), passed through unchanged.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

from dashboard import warmup

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
RUNTIME_WAIT_S = 60.0
_LOG = logging.getLogger(__name__)


def screen_halls(conn, halls: list[str], sign_in: bool = True) -> list[str]:
    """Those of `halls` whose screens are warmed: with sign-in on, those with a live kiosk
    link (the wall screens that reconnect after a restart); all of them when sign-in is off (a
    screen needs no link) or no hall has a link. A city of 150 halls with twenty screens warms
    twenty halls, not 150 (0.2 s each, on the cores the first visitors need)."""
    from access import kiosk

    linked = kiosk.live_halls(conn) if sign_in else set()
    return [h for h in halls if h in linked] or halls


def warm_screens(url: str) -> list[str]:
    """Read the month figures of each hall with a screen (`screen_halls`, in a kiosk's scope,
    the one the wall screens share) and start today's forecast. Returns the halls warmed; a hall
    that fails is logged and skipped (its screen reads it on first visit)."""
    from access.scope import Scope
    from access.settings import load_access_settings
    from dashboard import live_data
    from dashboard.state import engine_for
    from metrics import live
    from queries import live as q

    sign_in = load_access_settings().auth != "none"
    with engine_for(url).connect() as conn:
        zones = q.hall_zones(conn)
        halls = screen_halls(conn, sorted(zones), sign_in)
    warmed = []
    for hall_id in halls:
        zone = zones[hall_id]
        kiosk = Scope.kiosk(0, hall_id)  # every kiosk link of the hall reads in this scope
        now = live.now(zone)
        try:
            live_data.period(url, hall_id, now, scope=kiosk)
            live_data.hourly_forecast(url, hall_id, now.date(), scope=kiosk)
        except Exception:  # a warm-up never stops the server
            _LOG.exception("warm-up: reading hall %s failed", hall_id)
            continue
        warmed.append(hall_id)
    return warmed


def _warm_when_running() -> None:
    from streamlit import runtime

    from dashboard.state import db_url

    deadline = time.monotonic() + RUNTIME_WAIT_S
    while not runtime.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.perf_counter()
    try:
        halls = warm_screens(db_url())
    except Exception:  # no database, no schema yet: the pages will say so
        _LOG.exception("warm-up: the halls could not be read")
        return
    seconds = time.perf_counter() - started
    _LOG.info("warm-up: %d halls' screens read in %.1f s", len(halls), seconds)


def main(argv: list[str] | None = None) -> None:
    warmup.warm()  # before the port opens: no visitor waits for the imports
    threading.Thread(target=_warm_when_running, name="hallpulse-warm-screens", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
