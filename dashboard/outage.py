"""When the database goes away: no traceback, the last good figures, and recovery by itself.

- `DB_DOWN` are the errors of a database that cannot be reached (a closed port, a server
  restarting, an unreadable SQLite file) — not the errors of a wrong query.
- `remembered(reader)` wraps a cached reader: every good result is remembered process-wide
  (the last `KEEP` distinct calls); when the database cannot be reached the remembered result
  is returned instead and the session is marked stale (`stale_since`), so a page keeps its
  figures and says since when they are stale. Without a remembered result the error goes on.
- `database_down(lang, url)` is what a page shows instead of a traceback: a message, and a
  check every few seconds that reruns the page once the database answers again.
- `stale_note(lang)` is the warning over a page whose figures are stale.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections import OrderedDict

import sqlalchemy as sa
import streamlit as st

from i18n.text import t
from queries.db import UNREACHABLE

_LOG = logging.getLogger(__name__)
DB_DOWN = (*UNREACHABLE, ConnectionError)
KEEP = 512  # remembered results, over all readers and sessions
RETRY_S = 5  # how often a page that could not read checks the database again
STALE = "hall_db_stale_since"  # session state: when this session's figures went stale


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: OrderedDict[tuple, tuple[object, dt.datetime]] = OrderedDict()

    def put(self, key: tuple, value: object) -> None:
        with self.lock:
            self.values[key] = (value, dt.datetime.now())
            self.values.move_to_end(key)
            while len(self.values) > KEEP:
                self.values.popitem(last=False)

    def get(self, key: tuple) -> tuple[object, dt.datetime] | None:
        with self.lock:
            return self.values.get(key)


@st.cache_resource(show_spinner=False)
def _store() -> _Store:
    return _Store()


def _key(name: str, args: tuple, kwargs: dict) -> tuple | None:
    key = (name, args, tuple(sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def remembered(reader):
    """`reader` (a cached read of the database) that falls back to its last good result for
    the same arguments while the database cannot be reached."""
    name = f"{reader.__module__}.{reader.__qualname__}"

    @functools.wraps(reader)
    def call(*args, **kwargs):
        key = _key(name, args, kwargs)
        try:
            value = reader(*args, **kwargs)
        except DB_DOWN:
            kept = _store().get(key) if key is not None else None
            if kept is None:
                raise
            _LOG.warning("database unreachable: %s shows figures read at %s", name, kept[1])
            mark_stale(kept[1])
            return kept[0]
        if key is not None:
            _store().put(key, value)
        return value

    if hasattr(reader, "clear"):
        call.clear = reader.clear
    return call


def keep(key: tuple, value: object) -> None:
    """Remember `value` as the last good reading for `key` (shared by every session)."""
    _store().put(key, value)


def kept(key: tuple) -> tuple[object, dt.datetime] | None:
    """The last good reading for `key` and when it was read, if any."""
    return _store().get(key)


def mark_stale(at: dt.datetime) -> None:
    """This session shows figures read at `at` (the oldest such moment is kept)."""
    try:
        since = st.session_state.get(STALE)
        st.session_state[STALE] = at if since is None else min(since, at)
    except Exception:  # no session (a background thread, a bare script): nothing to say
        pass


def stale_since() -> dt.datetime | None:
    return st.session_state.get(STALE)


def stale_note(lang: str) -> None:
    """The warning over a page whose figures were kept from before the database went away."""
    since = st.session_state.pop(STALE, None)
    if since is not None:
        st.warning(
            t("db.down.stale", lang, at=since.strftime("%Y-%m-%d %H:%M")),
            icon=":material/cloud_off:",
        )


def reachable(url: str) -> bool:
    from dashboard.state import engine_for

    try:
        with engine_for(url).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except DB_DOWN:
        return False
    return True


def log_down(exc: BaseException) -> None:
    """The error's first line in the server's log (never on a page)."""
    text = str(exc).strip()
    _LOG.warning("database unreachable: %s", text.splitlines()[0] if text else type(exc).__name__)


def database_down(lang: str, url: str, exc: BaseException) -> None:
    """Instead of a traceback: the message, and a check every RETRY_S seconds that reruns the
    page as soon as the database answers (the details go to the server's log only)."""
    log_down(exc)
    st.session_state.pop(STALE, None)
    st.error(t("db.down", lang), icon=":material/cloud_off:")

    @st.fragment(run_every=RETRY_S)
    def _wait() -> None:
        if reachable(url):
            st.rerun(scope="app")

    _wait()
