"""Every page opens by its own URL in headless Chromium, with the filters the URL carries:
`/overview?period=…&hall=…` is 总览 on that view (not "Page not found"), `/` still opens 总览
and keeps its query, and each page of streamlit_app.py answers at its URL path."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from test_browser import EXCEPTION, IDLE, streamlit_server

from i18n.text import t
from metrics.periods import resolve
from queries import schema
from queries.db import make_engine
from workdays import clock

pytestmark = pytest.mark.browser

HALL, HALL_NAME, DEPT = "H01", "示范区政务服务中心", "D01"
# URL path → the page's heading (title key); the big screen has no heading but its hall
PAGES = {
    "overview": "nav.overview",
    "windows": "nav.windows",
    "window": "nav.window",
    "cases": "nav.cases",
    "evaluations": "nav.evaluations",
    "attendance": "nav.attendance",
    "network": "nav.network",
    "screen": None,
    "forecast": "nav.forecast",
    "weekly-report": "nav.weekly",
    "data": "nav.data",
    "quality": "nav.quality",
    "import": "nav.import",
    "alerts": "nav.alerts",
    "audit": "nav.audit",
}


def test_the_list_is_every_page_of_the_app() -> None:
    source = (Path(__file__).resolve().parent.parent / "streamlit_app.py").read_text()
    paths = set(re.findall(r'url_path="([^"]+)"', source))
    # home: the hidden start page behind /; kiosk: the start page of a kiosk link's navigation;
    # public: the page without sign-in, with its own navigation (tests/test_browser_public.py)
    assert paths - {"home", "kiosk", "public", "public-home"} == set(PAGES)


@pytest.fixture(scope="module")
def server(demo_db: tuple[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, _ = demo_db
    with streamlit_server(url, tmp_path_factory.mktemp("links") / "server.log") as base:
        yield base


def opened(page: Page, path: str) -> str:
    """Open `path` as a typed URL, wait until the app is idle; the page text."""
    page.goto(path)
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stHeading"], .bs-hall')
    page.wait_for_selector(IDLE, state="attached")
    text = page.locator("body").inner_text()
    assert "Page not found" not in text, path
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
    return text


def heading(page: Page, key: str) -> None:
    expect(page.get_by_role("heading", name=t(key, "zh"), exact=True)).to_be_visible()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens_by_its_url(page: Page, path: str) -> None:
    text = opened(page, f"/{path}")
    if PAGES[path]:
        heading(page, PAGES[path])
    else:
        assert HALL_NAME in text  # the screen of the first district centre
    assert page.url.split("?")[0].endswith(f"/{path}")


def selected(page: Page, label: str) -> str:
    """The value shown in the select box labelled `label`."""
    return page.get_by_role("combobox", name=label, exact=True).input_value()


def test_overview_by_url_applies_its_filters(page: Page, artifacts: Path) -> None:
    today = clock.today()
    first, last = today - dt.timedelta(days=9), today - dt.timedelta(days=3)
    query = f"period=custom&from={first}&to={last}&hall={HALL}"
    text = opened(page, f"/overview?{query}")
    heading(page, "nav.overview")
    assert f"{first.isoformat()} – {last.isoformat()}" in text  # the period's caption
    assert HALL_NAME in selected(page, t("f.hall", "zh"))
    assert f"hall={HALL}" in page.url and "period=custom" in page.url
    page.wait_for_selector(".js-plotly-plot")
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_timeout(500)
    page.screenshot(path=artifacts / "deep_link_overview.png", full_page=True)


def test_the_root_opens_the_overview_with_its_query(page: Page) -> None:
    text = opened(page, f"/?period=last_week&hall={HALL}")
    heading(page, "nav.overview")
    week = resolve("last_week", clock.now())
    assert f"{week.first.isoformat()} – {week.last.isoformat()}" in text
    assert HALL_NAME in selected(page, t("f.hall", "zh"))
    assert "period=last_week" in page.url and f"hall={HALL}" in page.url
    # the hidden start page is not in the sidebar; 总览 is, once
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert nav.count(t("nav.overview", "zh")) == 1


def test_windows_by_url_applies_its_filters(page: Page, demo_db: tuple[str, int]) -> None:
    text = opened(page, f"/windows?period=last_week&hall={HALL}&dept={DEPT}&level=window")
    heading(page, "nav.windows")
    week = resolve("last_week", clock.now())
    assert f"{week.first.isoformat()} – {week.last.isoformat()}" in text
    assert HALL_NAME in selected(page, t("f.hall", "zh"))
    engine = make_engine(demo_db[0])
    with engine.connect() as conn:
        dept_name = conn.execute(
            sa.select(schema.departments.c.name).where(schema.departments.c.dept_id == DEPT)
        ).scalar_one()
    engine.dispose()
    assert selected(page, t("f.dept", "zh")) == dept_name
    assert "period=last_week" in page.url and f"dept={DEPT}" in page.url
