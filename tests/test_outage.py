"""The database goes away and comes back (AppTest over streamlit_app.py).

PostgreSQL is reached through a small TCP relay that the test closes (every connection cut,
the port refusing) and opens again. The big screen keeps its last good figures greyed out
under 数据库连接中断 and the time of those figures, an analysis page keeps its figures under a
note saying since when they are stale, a page with nothing to show says the database is
unreachable — never a traceback, a host, a port or a database name — and all of them are
back to live figures at the next refresh once the database answers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time

import pytest
import streamlit as st
from conftest import first_run_on, server_engine
from screen_support import BUSY_NOW, HALL, figures_in, project_root
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from i18n.text import t
from metrics.live import NOW_ENV
from queries.db import URL_ENV, make_engine

APP = project_root() / "streamlit_app.py"
LEAKS = ("Traceback", "psycopg", "5432", "OperationalError", "127.0.0.1", 'File "')


class Relay:
    """A TCP relay from a local port to the database server that can be cut and restored."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener: socket.socket | None = None
        self.open_sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            server = socket.create_connection(self.target)
            with self.lock:
                self.open_sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        """Refuse new connections and cut every open one (as a server that went away)."""
        if self.listener is not None:
            with contextlib.suppress(OSError):  # wakes the accepting thread (Linux)
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for s in self.open_sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.open_sockets.clear()


@pytest.fixture(scope="module")
def relayed() -> tuple[str, Relay]:
    """A two-day demo up to BUSY_NOW on PostgreSQL, and its URL through a relay."""
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo

    engine = server_engine("postgresql")
    try:
        write_demo(engine, DemoOptions(end=BUSY_NOW.date(), days=2, now=BUSY_NOW), replace=True)
        url = make_url(engine.url.render_as_string(hide_password=False))
    finally:
        engine.dispose()
    relay = Relay((url.host or "127.0.0.1", url.port or 5432))
    relay.start()
    yield url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False), relay
    relay.stop()


@pytest.fixture(autouse=True)
def clear_caches(relayed) -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    _, relay = relayed
    if relay.listener is None:
        relay.start()


def shown_text(at: AppTest) -> str:
    kinds = ("html", "markdown", "error", "warning", "info", "caption", "exception", "code")
    return "\n".join(
        getattr(e.proto, "body", "") or str(e.proto) for kind in kinds for e in at.get(kind)
    )


def assert_no_leak(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    text = shown_text(at)
    for leak in LEAKS:
        assert leak not in text, leak


def open_screen(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv(URL_ENV, url)
    monkeypatch.setenv(NOW_ENV, BUSY_NOW.isoformat())
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.query_params["hall"] = HALL
    first_run_on(at, "big_screen").run()
    return at


def tick(at: AppTest, monkeypatch, minutes: int) -> None:
    """The screen's next refresh, `minutes` later (AppTest runs no timers)."""
    monkeypatch.setenv(NOW_ENV, (BUSY_NOW + dt.timedelta(minutes=minutes)).isoformat())
    at.run()


def block_ids(node) -> list[str]:
    ids = [getattr(node.proto, "id", "")] if getattr(node, "proto", None) is not None else []
    for child in getattr(node, "children", {}).values():
        ids += block_ids(child)
    return ids


def greyed(at: AppTest) -> bool:
    """The screen's figures are inside the greyed-out container (`.st-key-bs-greyed`)."""
    return any(i.endswith("-bs-greyed") for i in block_ids(at.main))


def test_the_screen_keeps_its_figures_greyed_out_and_recovers(monkeypatch, relayed):
    url, relay = relayed
    at = open_screen(monkeypatch, url)
    assert_no_leak(at)
    before = figures_in(shown_text(at))
    assert before["issued"], "the screen shows no figures"
    assert t("db.down.screen", "zh") not in shown_text(at)

    relay.stop()
    tick(at, monkeypatch, 1)
    assert_no_leak(at)
    html = shown_text(at)
    assert t("db.down.screen", "zh") in html, html[-3000:]
    assert t("db.down.screen_at", "zh", at="10:40:00") in html  # the time of the figures shown
    assert figures_in(html)["issued"] == before["issued"]  # the last good figures, still there
    assert greyed(at)

    relay.start()
    tick(at, monkeypatch, 2)
    assert_no_leak(at)
    html = shown_text(at)
    assert t("db.down.screen", "zh") not in html
    assert figures_in(html)["issued"]
    assert not greyed(at)


def test_a_screen_opened_while_the_database_is_away_says_so(monkeypatch, relayed):
    url, relay = relayed
    relay.stop()
    at = open_screen(monkeypatch, url)
    assert_no_leak(at)
    assert [e.proto.body for e in at.error] == [t("db.down", "zh")]
    relay.start()
    at.run()  # the check that runs every few seconds found the database: the page again
    assert_no_leak(at)
    assert figures_in(shown_text(at))["issued"]
    assert not at.error


def test_an_analysis_page_says_its_figures_are_stale(monkeypatch, relayed):
    url, relay = relayed
    monkeypatch.setenv(URL_ENV, url)
    monkeypatch.setenv(NOW_ENV, BUSY_NOW.isoformat())
    at = AppTest.from_file(str(APP), default_timeout=90)
    for step in ("first", "switch"):
        at.query_params.update({"period": "custom", "from": "2026-11-26", "to": "2026-11-27"})
        if step == "switch":
            at.switch_page("dashboard/pages/overview.py")
        at.run()
    assert_no_leak(at)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles and not at.warning

    relay.stop()
    st.cache_data.clear()  # the pages' five-minute cache has run out
    at.run()
    assert_no_leak(at)
    notes = [w.proto.body for w in at.warning]
    assert len(notes) == 1 and notes[0].startswith("数据库连接中断"), notes
    assert {m.label: m.value for m in at.metric} == tiles  # the figures read before

    relay.start()
    at.run()
    assert_no_leak(at)
    assert not at.warning
    assert {m.label: m.value for m in at.metric} == tiles


def _wait_until(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_demo_follow_waits_for_the_database_and_goes_on(relayed):
    """`hall demo --follow` logs a failed write, waits with back-off and writes again."""
    from simulation.follow import FollowOptions, follow

    url, relay = relayed
    engine = make_engine(url)
    messages: list[str] = []
    done: dict = {}
    options = FollowOptions(start=BUSY_NOW + dt.timedelta(minutes=30), interval_s=0.3, steps=8)
    worker = threading.Thread(
        target=lambda: done.update(summary=follow(engine, options, messages.append)), daemon=True
    )
    worker.start()
    _wait_until(lambda: sum("tickets" in m for m in messages) >= 2)
    relay.stop()
    _wait_until(lambda: any("database unreachable" in m for m in messages))
    time.sleep(1.0)
    relay.start()
    worker.join(timeout=90)
    engine.dispose()
    assert not worker.is_alive() and done["summary"].steps == 8, messages
    assert any("reachable again" in m for m in messages), messages
    failed = [m for m in messages if "database unreachable" in m]
    assert all("try " in m and " s" in m for m in failed)  # each says when it tries again


def test_sync_run_waits_for_its_target(relayed, tmp_path, monkeypatch):
    """`hall sync run` started while the target is away waits for it instead of exiting."""
    from test_sync import PLAIN_MAPPING, SQLITE_SOURCE, vendor_file, write_config

    from sync import state
    from sync.config import load_sync_config
    from sync.runner import Runner

    url, relay = relayed
    source = tmp_path / "vendor.db"
    vendor_file(source, 20)
    (tmp_path / "plain.toml").write_text(PLAIN_MAPPING, encoding="utf-8")
    config = write_config(tmp_path, SQLITE_SOURCE.format(name="q", path=source, batch=100))
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    relay.stop()
    engine = make_engine(url)
    messages: list[str] = []
    runner = Runner(engine, load_sync_config(config), log=messages.append)
    stop = threading.Event()
    loop = threading.Thread(target=runner.run, kwargs={"stop": stop}, daemon=True)
    loop.start()
    _wait_until(lambda: sum("database unreachable" in m for m in messages) >= 2)
    assert loop.is_alive()  # waiting, not gone
    relay.start()

    def synced() -> bool:
        with engine.connect() as conn:
            row = state.load(conn, "q")
        return bool(row and row.get("last_success_at"))

    _wait_until(lambda: _quietly(synced))
    stop.set()
    loop.join(timeout=30)
    engine.dispose()
    assert not loop.is_alive()


def _quietly(check) -> bool:
    try:
        return check()
    except Exception:
        return False
