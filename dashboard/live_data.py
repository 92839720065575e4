"""Cached reads of the big screen, keyed by plain values (URL, hall, time).

The live figures are keyed by the second they describe and kept two seconds, so every refresh
reads the database again (a few index-served queries of today) while screens showing the same
hall at the same moment share one read. The month's figures are read once per five-minute slot,
in the background once the screen is up (`period`). Every read takes the screen's scope (a
kiosk link's, or the signed-in reader's): it is part of every cache key.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

import polars as pl
import streamlit as st
from sqlalchemy.engine import Engine

from access.scope import Scope
from dashboard.outage import remembered
from dashboard.state import engine_for
from metrics import screen
from metrics.live import ScreenSettings, load_screen_settings
from metrics.settings import Settings, load_settings
from queries import live as q
from workdays import clock

PERIOD_SLOT_MIN = 5
_LOG = logging.getLogger(__name__)


@st.cache_data(ttl=60, show_spinner=False)
def settings() -> tuple[Settings, ScreenSettings]:
    """hallpulse.toml's [metrics] and [screen] (re-read once a minute)."""
    return load_settings(), load_screen_settings()


@remembered  # the last good result while the database cannot be reached
@st.cache_data(ttl=300, show_spinner=False)
def halls(url: str, *, scope: Scope) -> pl.DataFrame:
    with engine_for(url).connect() as conn:
        return q.hall_list(conn, scope=scope)


@remembered
@st.cache_data(ttl=300, show_spinner=False)
def zone(url: str, hall_id: str) -> str:
    """The hall's time zone (`halls.timezone`): the screen's clock runs in it."""
    with engine_for(url).connect() as conn:
        return q.hall_zones(conn).get(hall_id, clock.DEFAULT_TZ)


LIVE_SLOT_S = 5


def live_slot(now: dt.datetime, refresh_s: float) -> dt.datetime:
    """`now` rounded down to the slot the live figures are read for: five seconds, or the
    screen's refresh interval when that is shorter."""
    step = max(1, min(LIVE_SLOT_S, int(refresh_s)))
    return now.replace(second=now.second - now.second % step, microsecond=0)


def live(url: str, hall_id: str, now: dt.datetime, *, scope: Scope) -> screen.LiveFigures:
    """The hall's figures as of `now`'s slot (`live_slot`), read once for all the readers of the
    whole hall (`hall_scope`): screens that refresh within the same five seconds — every screen
    of a hall reconnecting after a restart — share one read, and the screen says the time it
    was read ("更新于 …"). A screen refreshes every 30 s by default, so figures at most 5 s old
    change nothing a viewer can see."""
    slot = live_slot(now, settings()[1].refresh_s)
    return _live(url, hall_id, slot, scope=hall_scope(scope, hall_id))


@st.cache_data(ttl=2, show_spinner=False, max_entries=64)
def _live(url: str, hall_id: str, now: dt.datetime, *, scope: Scope) -> screen.LiveFigures:
    metric_settings, screen_settings = settings()
    with engine_for(url).connect() as conn:
        return screen.live_figures(
            conn, hall_id, now, metric_settings, screen_settings, scope=scope
        )


def period_slot(now: dt.datetime) -> dt.datetime:
    """`now` rounded down to the five-minute slot the month's figures are read for."""
    return now.replace(minute=now.minute - now.minute % PERIOD_SLOT_MIN, second=0)


@dataclass
class _Month:
    slot: dt.datetime
    figures: screen.PeriodFigures
    reading: threading.Thread | None = None


@st.cache_resource(show_spinner=False)
def _months() -> tuple[dict[tuple[str, str, Scope], _Month], threading.Lock, dict]:
    """The month's figures per (URL, hall, scope), shared by every session of the server, the
    lock that guards them, and one lock per key for its first read."""
    return {}, threading.Lock(), {}


def hall_scope(scope: Scope, hall_id: str) -> Scope:
    """The scope one hall's figures are read and kept in. Every reader who may see the whole
    hall — each of its kiosk links, its director, an admin — reads the same figures: they
    share one scope (with the reader's right to names), so twenty screens of a hall make one
    read, not one per link. A narrower reader (a department, a staff member) or one outside
    the hall keeps their own scope, and with it their own figures or refusal."""
    whole = scope.dept_ids is None and scope.staff_id is None and scope.window_ids is None
    if not (whole and scope.allows_hall(hall_id)):
        return scope
    return Scope(
        who=f"hall:{hall_id}",
        role="kiosk" if not scope.names_visible else "reader",
        hall_ids=frozenset({hall_id}),
        names_visible=scope.names_visible,
    )


def _read_month(
    engine: Engine, hall_id: str, slot: dt.datetime, scope: Scope
) -> screen.PeriodFigures:
    metric_settings, screen_settings = load_settings(), load_screen_settings()
    with engine.connect() as conn:
        return screen.period_figures(
            conn, hall_id, slot, metric_settings, screen_settings.rank_key, scope=scope
        )


def period(url: str, hall_id: str, now: dt.datetime, *, scope: Scope) -> screen.PeriodFigures:
    """The month's figures as of now's five-minute slot.

    The first read waits for them — once per hall: screens that open at the same moment wait
    for the one read under way instead of each making its own. When a new slot begins they
    are read again in a background thread while the screen keeps showing the previous slot's
    (at most five minutes old), so a refresh never waits for the month.
    """
    slot = period_slot(now)
    scope = hall_scope(scope, hall_id)
    months, lock, first_reads = _months()
    key = (url, hall_id, scope)
    with lock:
        month = months.get(key)
        if month is None:
            first_read = first_reads.setdefault(key, threading.Lock())
        else:
            busy = month.reading is not None and month.reading.is_alive()
            if month.slot != slot and not busy:
                month.reading = threading.Thread(
                    target=_refresh_month,
                    args=(months, lock, key, engine_for(url), slot),
                    name="hallpulse-month",
                    daemon=True,
                )
                month.reading.start()
            return month.figures
    with first_read:
        with lock:
            month = months.get(key)
        if month is not None:  # read by the screen this one waited for
            return month.figures
        figures = _read_month(engine_for(url), hall_id, slot, scope)
        with lock:
            months[key] = _Month(slot, figures)
    return figures


def _refresh_month(months: dict, lock: threading.Lock, key: tuple, engine: Engine, slot) -> None:
    try:
        figures = _read_month(engine, key[1], slot, key[2])
    except Exception:  # the screen keeps the previous figures; the next refresh tries again
        _LOG.exception("reading the month's figures for %s failed", key[1])
        return
    with lock:
        months[key] = _Month(slot, figures)


@st.cache_resource(show_spinner=False)
def _forecasts() -> tuple[dict[tuple, pl.DataFrame | None], threading.Lock]:
    """Today's hourly forecast per (URL, hall, day, scope), shared by every session of the
    server that reads in the same scope (`hall_scope`: all the readers of a whole hall)."""
    return {}, threading.Lock()


def hourly_forecast(url: str, hall_id: str, day: dt.date, *, scope: Scope) -> pl.DataFrame | None:
    """Tickets expected per hour of `day` (hour, yhat, yhat_lower, yhat_upper), forecast from
    the days before. Fitted once a day in a background thread: None until it is ready, and
    for a hall that cannot be forecast (too little history); the screen then shows no line."""
    store, lock = _forecasts()
    key = (url, hall_id, day, hall_scope(scope, hall_id))
    with lock:
        if key in store:
            return store[key]
        store[key] = None
    _queue_fit((store, lock, key, engine_for(url)))
    return None


# Fits wait in one queue and run one at a time in one background thread (started when a fit
# is queued, gone when the queue is empty): at start-up every hall's forecast is asked for at
# once, and seven fits in seven threads took both cores from the first visitors.
_pending: collections.deque = collections.deque()
_pending_lock = threading.Lock()
_fitter: threading.Thread | None = None

# A fit (a second or two of CPU) waits until no page has been opened for QUIET_S and no
# page's script is still running, so that the pages opened at one moment — every screen of the
# hall after a restart, the morning's first visitors — are served first; it waits at most
# MAX_WAIT_S, so that a server that is never quiet still draws its forecast lines. The screen
# shows no forecast line until then.
QUIET_S = 2.0
MAX_WAIT_S = 30.0
_last_open = 0.0  # time.monotonic() of the last page run (`note_page_run`)
# Streamlit runs each session's script in a thread of this name, alive while the script (or a
# fragment's timed refresh) runs (streamlit/runtime/scriptrunner/script_runner.py). Thirty
# pages opened at once run for seconds after the last was opened: with only QUIET_S, the fit
# took 1.4 CPU-s of a 6.4 s cold open (py-spy, 2026-12-06). Were the name to change, no thread
# would match and the fit would wait for QUIET_S alone, as before.
SCRIPT_THREAD = "ScriptRunner.scriptThread"


def note_page_run() -> None:
    """A page was opened or run again (the app's script, not a screen's timed refresh)."""
    global _last_open
    _last_open = time.monotonic()


def scripts_running() -> int:
    """Page scripts (and fragment refreshes) running in this process now."""
    return sum(t.name == SCRIPT_THREAD and t.is_alive() for t in threading.enumerate())


def _wait_for_quiet() -> None:
    deadline = time.monotonic() + MAX_WAIT_S
    while (now := time.monotonic()) < deadline and (
        now - _last_open < QUIET_S or scripts_running()
    ):
        time.sleep(min(0.05, deadline - now))


def _queue_fit(job: tuple) -> None:
    global _fitter
    with _pending_lock:
        _pending.append(job)
        if _fitter is None or not _fitter.is_alive():
            _fitter = threading.Thread(target=_fit_queued, name="hallpulse-forecast", daemon=True)
            _fitter.start()


def _fit_queued() -> None:
    global _fitter
    while True:
        with _pending_lock:
            if not _pending:
                _fitter = None
                return
            job = _pending.popleft()
        _wait_for_quiet()
        _fit_forecast(*job)


def _fit_forecast(store: dict, lock: threading.Lock, key: tuple, engine: Engine) -> None:
    from forecasting.demand import ForecastError
    from forecasting.service import hourly_forecast as forecast

    try:
        with engine.connect() as conn:
            frame = forecast(conn, key[1], key[2], scope=key[3])
    except ForecastError as exc:  # too little history, no service hours: no forecast line
        _LOG.info("no forecast for %s on %s: %s", key[1], key[2], exc)
        return
    except Exception:
        _LOG.exception("forecasting %s on %s failed", key[1], key[2])
        return
    with lock:
        store[key] = frame
