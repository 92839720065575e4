"""The analysis pages in headless Chromium over the two-week demo: every page renders without
an error, the window table drills down to a window's page, and a screenshot of every page goes
to artifacts/ for a person to look at (cut labels, overlapping legends, empty charts, English
in the Chinese interface)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import VIEWPORT
from playwright.sync_api import Page, expect
from test_browser import DATAFRAME, EXCEPTION, IDLE, streamlit_server

from i18n.text import t

pytestmark = pytest.mark.browser

PLOT = ".js-plotly-plot"
# Latin words a Chinese page may show: Material icon names (drawn as glyphs, read as text),
# CSV, the App channel, and the command in the data-quality hint
LATIN_ALLOWED = {
    "science", "table", "download", "arrow", "forward", "check", "circle", "info",
    "CSV", "App", "hall", "quality", "from", "json",
}  # fmt: skip
# page path, query, title key, what must be drawn
PAGES = [
    ("", "", "nav.overview", PLOT),
    ("windows", "hall=H01&level=window", "nav.windows", DATAFRAME),
    ("window", "window=H01-A01", "nav.window", PLOT),
    ("cases", "", "nav.cases", PLOT),
    ("evaluations", "", "nav.evaluations", PLOT),
    ("attendance", "hall=H01", "nav.attendance", PLOT),
    ("quality", "", "nav.quality", DATAFRAME),
]


@pytest.fixture(scope="module")
def server(demo_db: tuple[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, _ = demo_db
    with streamlit_server(url, tmp_path_factory.mktemp("pages") / "server.log") as base:
        yield base


def rendered(page: Page, path: str, drawn: str) -> str:
    """Open `path`, wait until the script is idle and `drawn` is on the page; the page text."""
    page.goto(path)
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector(drawn)
    page.wait_for_selector(IDLE, state="attached")
    return page.locator("body").inner_text()


def screenshot_whole_page(page: Page, path: Path) -> None:
    """The whole page at 1600 px wide (Streamlit scrolls inside stMain: grow the viewport to
    the content first); waits for the visible tables to paint, not those in closed expanders."""
    main = page.locator('[data-testid="stMain"]')
    height = main.evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
    page.wait_for_function(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m.scrollHeight <= m.clientHeight; }"
    )
    visible = page.locator(f"{DATAFRAME}:visible")
    for index in range(visible.count()):
        expect(visible.nth(index).locator('[role="row"]').first).to_be_attached()
    page.wait_for_timeout(300)  # Plotly's resize after the viewport change
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(VIEWPORT)


def no_error(page: Page, text: str) -> None:
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
    for marker in ("Traceback", "Error", "KeyError", "StreamlitAPIException"):
        assert marker not in text


@pytest.mark.parametrize(("name", "query", "title", "drawn"), PAGES)
def test_page_renders_in_chinese(
    page: Page, artifacts: Path, name: str, query: str, title: str, drawn: str
) -> None:
    text = rendered(page, f"/{name}?{query}", drawn)
    no_error(page, text)
    expect(page.get_by_role("heading", name=t(title, "zh"), exact=True)).to_be_visible()
    assert "演示数据" in text
    # no English leaking into the Chinese interface: page text and every chart's text
    shown = page.locator('[data-testid="stMain"]').inner_text()
    shown += " ".join(page.locator(f"{PLOT} .main-svg text").all_text_contents())
    assert set(re.findall(r"[A-Za-z]{3,}", shown)) <= LATIN_ALLOWED
    screenshot_whole_page(page, artifacts / f"page_{name or 'overview'}_zh.png")


@pytest.mark.parametrize("name", ["overview", "windows"])
def test_page_renders_in_english(page: Page, artifacts: Path, name: str) -> None:
    path = "/?lang=en" if name == "overview" else "/windows?hall=H01&level=window&lang=en"
    text = rendered(page, path, PLOT if name == "overview" else DATAFRAME)
    no_error(page, text)
    expect(page.get_by_role("heading", name=t(f"nav.{name}", "en"), exact=True)).to_be_visible()
    assert "Demo data" in text
    screenshot_whole_page(page, artifacts / f"page_{name}_en.png")


def test_window_table_drills_down_to_a_window(page: Page, artifacts: Path) -> None:
    """Click the first row's link in the window table: the window page opens on that window."""
    rendered(page, "/windows?hall=H01&level=window&period=this_week", DATAFRAME)
    grid = page.locator(DATAFRAME).first
    first_row = grid.locator('[role="row"]:has([role="gridcell"])').first
    expect(first_row).to_be_attached()
    cells = first_row.locator('[role="gridcell"]').all_text_contents()
    label = cells[1]  # link, window label, ...
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the canvas paints after the accessible rows exist
    box = grid.bounding_box()
    assert box is not None
    row = 35  # glide-data-grid's row height in Streamlit: header, then the first row
    x, y = box["x"] + 24, box["y"] + row * 1.5
    page.mouse.move(x, y)  # the grid finds the link under the pointer on hover
    page.wait_for_timeout(300)
    with page.context.expect_page() as opened:  # a link column opens a new tab
        page.mouse.click(x, y)
    window_page = opened.value
    window_page.wait_for_load_state()
    window_page.wait_for_selector(IDLE, state="attached")
    window_page.wait_for_selector(PLOT)
    window_page.wait_for_selector(IDLE, state="attached")
    assert "window=" in window_page.url
    heading = window_page.locator('[data-testid="stHeading"]').nth(1).inner_text()
    assert f"窗口 {label}" in heading
    no_error(window_page, window_page.locator("body").inner_text())
    screenshot_whole_page(window_page, artifacts / "page_window_drilldown_zh.png")
    window_page.close()
