"""The real app in headless Chromium: one Streamlit server for the module, one page a test.

Screenshots go to artifacts/ for a person to look at (layout, CJK glyphs, clipped text).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import NO_SIGN_IN, VIEWPORT
from playwright.sync_api import Locator, Page, expect

from metrics.settings import CONFIG_ENV
from queries.db import URL_ENV

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
DATAFRAME = '[data-testid="stDataFrame"]'
EXCEPTION = '[data-testid="stException"]'
START_TIMEOUT_S = 60
HALLS = 7


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


@contextmanager
def streamlit_server(
    url: str,
    log: Path,
    env: dict[str, str] | None = None,
    port: int | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[str]:
    """The app served as `make run` serves it (`python -m dashboard.serve`, which warms up
    and runs `streamlit run streamlit_app.py`) on a free port over `url`; yields its base URL
    and stops it afterwards (the browser test modules share this). Without a HALLPULSE_CONFIG
    in `env` the server runs without sign-in (`[access] auth = "none"`); `args` are more
    `streamlit run` options (e.g. `--secrets.files=…`)."""
    env = dict(env or {})
    if CONFIG_ENV not in env:
        env[CONFIG_ENV] = str(log.parent / "no-sign-in.toml")
        Path(env[CONFIG_ENV]).write_text(NO_SIGN_IN, encoding="utf-8")
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "dashboard.serve",
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        *args,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, URL_ENV: url, **env},
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
def server(demo_db: tuple[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app on a free port, serving the demo database."""
    url, _ = demo_db
    with streamlit_server(url, tmp_path_factory.mktemp("streamlit") / "server.log") as base:
        yield base


def open_rendered(page: Page, path: str) -> None:
    """Go to `path` and wait until the script has finished and the per-hall table is drawn."""
    page.goto(path)
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector(DATAFRAME)
    page.wait_for_selector(IDLE, state="attached")
    # the accessible rows of glide-data-grid appear after the canvas has been painted
    expect(data_rows(page)).to_have_count(HALLS)


def data_rows(page: Page, index: int = 0) -> Locator:
    return page.locator(DATAFRAME).nth(index).locator('[role="row"]:has([role="gridcell"])')


def body_text(page: Page) -> str:
    return page.locator("body").inner_text()


def grid_rows(page: Page, index: int = 0) -> list[list[str]]:
    """The cells of a dataframe's data rows, read from glide-data-grid's accessible table.

    The grid paints on a canvas; its hidden `role=grid` table carries the rendered rows (all of
    them for a short table), so get_by_role (visible elements only) does not find it.
    """
    rows = data_rows(page, index).all()
    return [row.locator('[role="gridcell"]').all_text_contents() for row in rows]


def screenshot_whole_page(page: Page, path: Path) -> None:
    """A screenshot of the whole page, rendered at 1600 px wide.

    Streamlit scrolls inside `stMain`, not the document, so Playwright's full_page=True alone
    stops at the viewport: grow the viewport to the content's height first, let the grids
    repaint, then shoot.
    """
    main = page.locator('[data-testid="stMain"]')
    height = main.evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
    page.wait_for_function(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m.scrollHeight <= m.clientHeight; }"
    )
    for index in range(page.locator(DATAFRAME).count()):
        expect(data_rows(page, index).first).to_be_attached()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(VIEWPORT)


def grid_headers(page: Page, index: int = 0) -> list[str]:
    grid = page.locator(DATAFRAME).nth(index).locator('[role="grid"]')
    return grid.locator('[role="columnheader"]').all_text_contents()


def test_data_overview_zh(page: Page, artifacts: Path, demo_db: tuple[str, int]) -> None:
    _, tickets = demo_db
    open_rendered(page, "/data")

    text = body_text(page)
    assert "数据概况" in text
    assert "演示数据" in text
    assert "取号记录" in text
    assert f"{tickets:,}" in text
    assert page.locator(DATAFRAME).count() == 3

    headers = grid_headers(page)
    rows = grid_rows(page)
    assert len(rows) == HALLS
    by_name = {row[headers.index("大厅")]: row for row in rows}
    assert "示范区政务服务中心" in by_name
    assert sum(int(row[headers.index("取号叫号")]) for row in rows) == tickets
    assert page.locator(EXCEPTION).count() == 0
    screenshot_whole_page(page, artifacts / "data_overview_zh.png")


def test_data_overview_en(page: Page, artifacts: Path) -> None:
    open_rendered(page, "/data?lang=en")

    text = body_text(page)
    assert "Data overview" in text
    assert "Demo data" in text
    assert page.locator(EXCEPTION).count() == 0
    screenshot_whole_page(page, artifacts / "data_overview_en.png")


def test_switch_language_in_sidebar(page: Page) -> None:
    open_rendered(page, "/data")
    assert page.locator('[data-testid="stHeading"]').first.inner_text().strip() == "数据概况"

    sidebar = page.locator('[data-testid="stSidebar"]')
    english = sidebar.get_by_role("radio", name="English")
    assert english.get_attribute("aria-checked") == "false"
    english.click()
    page.get_by_role("heading", name="Data overview").wait_for()
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_url("**lang=en*")

    assert "lang=en" in page.url
    assert "Demo data" in body_text(page)
    assert sidebar.get_by_role("radio", name="English").get_attribute("aria-checked") == "true"
    assert page.locator(EXCEPTION).count() == 0
