"""The public waits page (`/public`) in headless Chromium at phone size (390×844), with sign-in
ON: it opens without signing in, lists every hall and station of the network, and its numbers
are the big screen's for the same moment (clock pinned with HALLPULSE_NOW on the busy demo).
The screenshot goes to artifacts/public_390x844.png to be looked at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from screen_support import BUSY_NOW, busy_demo
from test_browser import EXCEPTION, IDLE, streamlit_server

from access.scope import Scope
from metrics import live
from metrics.live import NOW_ENV
from metrics.public import public_board
from metrics.screen import live_figures
from metrics.settings import CONFIG_ENV, Settings
from queries import schema
from queries.db import make_engine

pytestmark = pytest.mark.browser
__all__ = ["busy_demo"]  # the fixture, imported for pytest

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(busy_demo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("public")
    config = folder / "hallpulse.toml"
    config.write_text('[access]\nauth = "local"\n', encoding="utf-8")  # sign-in on
    env = {NOW_ENV: BUSY_NOW.isoformat(), CONFIG_ENV: str(config)}
    with streamlit_server(busy_demo, folder / "server.log", env) as base:
        yield base


def expected(url: str) -> tuple[dict, dict]:
    """(hall_id → (open, waiting, {queue name: waiting})) from the public figures, and the
    same from the big screen's live figures, at BUSY_NOW."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            board = public_board(conn, lambda zone: BUSY_NOW, 30.0)
            mine, screen = {}, {}
            for hall in board.halls.iter_rows(named=True):
                h = hall["hall_id"]
                q = board.queues.filter(board.queues["hall_id"] == h)
                mine[h] = (
                    hall["is_open"],
                    hall["waiting"],
                    dict(zip(q["name"], q["waiting"], strict=True)),
                )
                live_now = live_figures(
                    conn, h, BUSY_NOW, Settings(), live.ScreenSettings(), scope=Scope.kiosk(1, h)
                )
                sq = live_now.queues
                screen[h] = (
                    live_now.is_open,
                    live_now.hall["waiting_now"],
                    dict(zip(sq["name"], sq["waiting"], strict=True)),
                )
    finally:
        engine.dispose()
    return mine, screen


def test_public_page_on_a_phone_without_sign_in(
    browser, server: str, busy_demo: str, artifacts: Path
) -> None:
    mine, screen = expected(busy_demo)
    assert mine == screen  # the public figures are the big screen's
    assert sum(w for _, w, _ in mine.values()) > 0  # a busy moment: people are waiting
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
        base_url=server, locale="zh-CN",
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto("/public")
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector(".pw-card")
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator('input[type="password"]').count() == 0  # no sign-in form
    text = page.locator("body").inner_text()
    assert "政务服务网点" in text and "预计等候" in text and "10:40" in text
    cards = page.locator(".pw-card")
    assert cards.count() == len(mine) == 7
    for i in range(cards.count()):
        card = cards.nth(i)
        hall = card.get_attribute("data-hall")
        is_open, waiting, queues = mine[hall]
        body = card.inner_text()
        assert ("办理中" if is_open else "已闭厅") in body, hall
        assert f"共 {waiting} 人等候" in body, hall
        for row in card.locator("tbody tr").all():
            cells = row.locator("td").all_inner_texts()
            assert cells[1] == f"{queues[cells[0]]} 人", (hall, cells)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing sticks out sideways on a phone
    assert not re.search(r"[A-Z]\d{3}", text)  # no ticket numbers
    engine = make_engine(busy_demo)
    with engine.connect() as conn:
        staff = [n for (n,) in conn.execute(sa.select(schema.staff.c.name)) if n]
    engine.dispose()
    assert staff and not [n for n in staff if n in text]  # no staff names
    page.screenshot(path=artifacts / "public_390x844.png")
    page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
        m.scrollTop = m.scrollHeight; }"""
    )
    page.wait_for_timeout(300)
    page.screenshot(path=artifacts / "public_390x844_bottom.png")
    page.goto("/public?lang=en")
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector(".pw-card")
    english = page.locator("body").inner_text()
    assert "Expected wait" in english and "Open" in english
    page.screenshot(path=artifacts / "public_390x844_en.png")
    page.goto("/overview")  # every other page still asks for sign-in
    page.wait_for_selector('input[type="password"]')
    assert page.locator(".pw-card").count() == 0
    context.close()


@pytest.fixture(scope="module")
def open_server(busy_demo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app without sign-in (everything in view), for the network page."""
    folder = tmp_path_factory.mktemp("network")
    with streamlit_server(
        busy_demo, folder / "server.log", {NOW_ENV: BUSY_NOW.isoformat()}
    ) as base:
        yield base


def test_network_page_renders(browser, open_server: str, artifacts: Path) -> None:
    context = browser.new_context(
        viewport={"width": 1600, "height": 3000}, base_url=open_server, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto("/network?period=custom&from=2026-11-20&to=2026-11-26")
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    page.wait_for_selector('[data-testid="stDataFrame"]')
    assert page.locator(EXCEPTION).count() == 0
    text = page.locator("body").inner_text()
    for expected in (
        "15分钟服务圈",
        "下沉率",
        "各级承接量",
        "服务网络",
        "同级比较",
        "各级办理的事项",
    ):
        assert expected in text, expected
    assert page.locator(".js-plotly-plot").count() == 2  # the level bars and the sunburst
    page.screenshot(path=artifacts / "network_1600x3000.png")
    context.close()


def test_overview_shows_served_past_closing(browser, open_server: str, artifacts: Path) -> None:
    context = browser.new_context(
        viewport={"width": 1600, "height": 1400}, base_url=open_server, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto("/overview?period=custom&from=2026-11-20&to=2026-11-26&hall=H01")
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    # the 延时办 tiles come after the first chart: under a loaded machine (the whole suite on
    # two cores) the body was read before they were drawn
    for expected in ("延时办", "延时服务取号", "闭厅后办理", "闭厅后平均延时"):
        page.get_by_text(expected).first.wait_for()
    assert page.locator(EXCEPTION).count() == 0
    text = page.locator("body").inner_text()
    for expected in ("延时办", "延时服务取号", "闭厅后办理", "闭厅后平均延时"):
        assert expected in text, expected
    page.screenshot(path=artifacts / "overview_after_close.png")
    context.close()
