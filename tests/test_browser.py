"""The real app in headless Chromium: one Streamlit server for the module, one page a test.

Screenshots go to artifacts/ for a person to look at (layout, CJK glyphs, clipped text).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from queries.db import URL_ENV, make_engine
from simulation.demo import DemoOptions
from simulation.writer import write_demo
from tests.conftest import unavailable

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1600, "height": 1000}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
DATAFRAME = '[data-testid="stDataFrame"]'
EXCEPTION = '[data-testid="stException"]'
START_TIMEOUT_S = 60
RENDER_TIMEOUT_MS = 45_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit not healthy after {START_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def demo_tickets(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """A three-day demo database: (URL, number of tickets)."""
    today = dt.date.today()
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'hall.db'}"
    engine = make_engine(url)
    try:
        write_demo(
            engine,
            DemoOptions(end=today, days=3, now=dt.datetime.combine(today, dt.time(10, 30))),
        )
        with engine.connect() as conn:
            tickets = conn.execute(sa.text("select count(*) from tickets")).scalar_one()
    finally:
        engine.dispose()
    return url, tickets


@pytest.fixture(scope="module")
def server(
    demo_tickets: tuple[str, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of `streamlit run streamlit_app.py` on a free port, serving the demo database."""
    url, _ = demo_tickets
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    streamlit = Path(sys.executable).parent / "streamlit"
    command = [
        str(streamlit),
        "run",
        "streamlit_app.py",
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, URL_ENV: url},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        unavailable("Chromium not found: apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server: str):
    context = browser.new_context(viewport=VIEWPORT, base_url=server, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_MS)
    yield page
    context.close()


def open_rendered(page, path: str) -> None:
    """Go to `path` and wait until the script has finished and the tables are drawn."""
    page.goto(path)
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector(DATAFRAME)
    page.wait_for_selector(IDLE, state="attached")


def body_text(page) -> str:
    return page.locator("body").inner_text()


def test_data_overview_zh(page, artifacts: Path, demo_tickets: tuple[str, int]) -> None:
    _, tickets = demo_tickets
    open_rendered(page, "/")

    text = body_text(page)
    assert "数据概况" in text
    assert "演示数据" in text
    assert "取号记录" in text
    assert f"{tickets:,}" in text
    assert page.locator(DATAFRAME).count() == 3
    assert page.locator(EXCEPTION).count() == 0
    page.screenshot(path=artifacts / "data_overview_zh.png", full_page=True)


def test_data_overview_en(page, artifacts: Path) -> None:
    open_rendered(page, "/?lang=en")

    text = body_text(page)
    assert "Data overview" in text
    assert "Demo data" in text
    assert page.locator(EXCEPTION).count() == 0
    page.screenshot(path=artifacts / "data_overview_en.png", full_page=True)


def test_switch_language_in_sidebar(page) -> None:
    open_rendered(page, "/")
    assert page.locator('[data-testid="stHeading"]').first.inner_text().strip() == "数据概况"

    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Data overview").wait_for()
    page.wait_for_selector(IDLE, state="attached")

    assert "lang=en" in page.url
    assert "Demo data" in body_text(page)
    assert page.locator(EXCEPTION).count() == 0
