"""The big screen in headless Chromium: one Streamlit server for the module over a copy of the
busy demo (clock pinned at 10:40 with HALLPULSE_NOW, a 2-second refresh from hallpulse.toml).

It loads without error text or scrollbars, its numbers move when tickets are written between
two refreshes, and screenshots at 1920×1080 and 3840×2160 go to artifacts/ to be looked at.
"""

from __future__ import annotations

import datetime as dt
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from screen_support import BUSY_NOW, HALL, HALL_NAME, busy_demo
from test_browser import EXCEPTION, IDLE, streamlit_server

from access import kiosk
from metrics.live import NOW_ENV
from metrics.settings import CONFIG_ENV
from queries import schema
from queries.db import make_engine

pytestmark = pytest.mark.browser
__all__ = ["busy_demo"]  # the fixture, imported for pytest

FULL_HD = {"width": 1920, "height": 1080}
REFRESH_S = 2
SCREEN = f"/screen?hall={HALL}"


@pytest.fixture(scope="module")
def screen_db(busy_demo: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the busy demo this module may write tickets into."""
    path = tmp_path_factory.mktemp("screen") / "hall.db"
    shutil.copy(busy_demo.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def server(screen_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with sign-in on (the default); the screen opens through a kiosk link."""
    folder = tmp_path_factory.mktemp("streamlit")
    config = folder / "hallpulse.toml"
    config.write_text(f"[screen]\nrefresh_s = {REFRESH_S}\n", encoding="utf-8")
    env = {NOW_ENV: BUSY_NOW.isoformat(), CONFIG_ENV: str(config)}
    engine = make_engine(screen_db)
    with engine.begin() as conn:
        _, KIOSK_TOKENS[screen_db] = kiosk.add(conn, HALL, by="test", label="大厅东屏")
    engine.dispose()
    with streamlit_server(screen_db, folder / "server.log", env) as base:
        KIOSK_TOKENS[base] = KIOSK_TOKENS[screen_db]
        yield base


KIOSK_TOKENS: dict[str, str] = {}  # the server's (and its database's) kiosk link token


def open_screen(browser, server: str, path: str = SCREEN, scale: float = 1) -> Page:
    context = browser.new_context(
        viewport=FULL_HD, device_scale_factor=scale, base_url=server, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{path}&{urlencode({'kiosk': KIOSK_TOKENS[server]})}")
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector(".bs-chart-svg")
    page.wait_for_selector('[data-key="waiting_now"]')
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return page


def tile(page: Page, key: str) -> str:
    return page.locator(f'[data-key="{key}"] .bs-value').first.inner_text().split("\n")[0]


def png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def assert_fits(page: Page, size: dict[str, int] = FULL_HD) -> None:
    """Nothing scrolls, nothing sticks out of the 16:9 screen, the three columns stand side by
    side."""
    sizes = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
        const panels = [...document.querySelectorAll('.bs-panel, .bs-kpis')];
        return {main: [m.scrollHeight, m.clientHeight],
                doc: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
                bottom: Math.max(...panels.map(p => p.getBoundingClientRect().bottom)),
                right: Math.max(...panels.map(p => p.getBoundingClientRect().right)),
                columns: [...document.querySelectorAll('[data-testid="stColumn"]')]
                    .map(c => Math.round(c.getBoundingClientRect().top))}; }"""
    )
    assert sizes["main"][0] <= sizes["main"][1], sizes
    assert sizes["doc"] == [size["width"], size["height"]], sizes
    assert sizes["bottom"] <= size["height"] and sizes["right"] <= size["width"], sizes
    assert len(set(sizes["columns"])) == 1, sizes


def test_big_screen_full_hd(browser, server: str, artifacts: Path) -> None:
    page = open_screen(browser, server)
    text = page.locator("body").inner_text()
    for expected in (HALL_NAME, "演示数据", "今日取号量", "当前等候", "各业务队列", "部门排名",
                     "最新叫号", "今日分时取号", "上周同日", "服务质量", "10:40"):  # fmt: skip
        assert expected in text, expected
    assert page.locator(EXCEPTION).count() == 0
    assert "Error" not in text and "Traceback" not in text
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stSidebarNav"]').is_visible()
    assert page.locator(".modebar").count() == 0
    assert_fits(page)
    page.screenshot(path=artifacts / "big_screen_1920x1080.png")
    page.context.close()


def test_big_screen_4k(browser, server: str, artifacts: Path) -> None:
    page = open_screen(browser, server, scale=2)
    assert_fits(page)
    path = artifacts / "big_screen_3840x2160.png"
    page.screenshot(path=path)
    assert png_size(path) == (3840, 2160)
    # a 4K screen driven at 100 %: the same layout in a 3840 px wide page (sizes are in vw)
    page.set_viewport_size({"width": 3840, "height": 2160})
    page.wait_for_function("() => document.documentElement.scrollWidth === 3840")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert_fits(page, {"width": 3840, "height": 2160})
    page.context.close()


def test_big_screen_english(browser, server: str, artifacts: Path) -> None:
    page = open_screen(browser, server, path=f"{SCREEN}&lang=en")
    text = page.locator("body").inner_text()
    for expected in ("Tickets issued (today)", "Waiting now", "Queues", "Latest calls"):
        assert expected in text, expected
    assert_fits(page)
    page.screenshot(path=artifacts / "big_screen_en_1920x1080.png")
    page.context.close()


def test_numbers_move_when_tickets_arrive(browser, server: str, screen_db: str) -> None:
    page = open_screen(browser, server)
    waiting, issued = int(tile(page, "waiting_now")), int(tile(page, "issued").replace(",", ""))
    engine = make_engine(screen_db)
    with engine.begin() as conn:
        conn.execute(
            schema.tickets.insert(),
            [
                {
                    "ticket_id": f"{HALL}-browser-{i}",
                    "hall_id": HALL,
                    "queue_id": f"{HALL}-B",
                    "ticket_no": f"B9{i:02d}",
                    "issued_at": BUSY_NOW - dt.timedelta(minutes=2, seconds=i),
                    "status": "waiting",
                    "source": "walk_in",
                }
                for i in range(3)
            ],
        )
    engine.dispose()
    # the fragment redraws itself (no reload, no click) within a few refreshes
    expect(page.locator('[data-key="waiting_now"] .bs-value')).to_have_text(
        str(waiting + 3), timeout=REFRESH_S * 1000 * 6
    )
    # issued and waiting are two reads of one redraw: a write between them shows in the
    # second one first, and in both by the next redraw
    expect(page.locator('[data-key="issued"] .bs-value').first).to_contain_text(
        f"{issued + 3:,}", timeout=REFRESH_S * 1000 * 3
    )
    assert page.locator(EXCEPTION).count() == 0
    page.context.close()
