"""The 一件事一次办 section of 办件时效 in headless Chromium over the two-week demo, in Chinese
and in English: tiles, the slowest package and the package table; a screenshot of the section
goes to artifacts/ for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_browser import IDLE, streamlit_server
from test_browser_pages import PLOT, no_error, rendered

from i18n.text import t
from metrics.catalog import BY_KEY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(demo_db: tuple[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, _ = demo_db
    with streamlit_server(url, tmp_path_factory.mktemp("bundles") / "server.log") as base:
        yield base


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_packages_section(page: Page, artifacts: Path, lang: str) -> None:
    text = rendered(page, "/cases" + ("?lang=en" if lang == "en" else ""), PLOT)
    no_error(page, text)
    heading = page.get_by_role("heading", name=t("pk.title", lang), exact=True)
    expect(heading).to_be_attached()
    heading.scroll_into_view_if_needed()
    page.wait_for_selector(IDLE, state="attached")
    for key in ("bundle_applications", "bundle_on_time_rate", "bundle_one_visit_rate"):
        assert BY_KEY[key].label(lang) in text
    slowest = t("pk.slowest", lang).split("{")[0]
    assert slowest in text
    table = page.locator('[data-testid="stElementContainer"]:has([data-testid="stDataFrame"])')
    package_table = table.last
    expect(package_table.locator('[role="columnheader"]').first).to_be_attached()
    headers = " ".join(package_table.locator('[role="columnheader"]').all_text_contents())
    assert t("pk.package", lang) in headers and t("pk.slowest_days", lang) in headers
    expect(package_table.locator('[role="row"]:has([role="gridcell"])').first).to_be_attached()
    # the section: from its heading to the end of the page
    main = page.locator('[data-testid="stMain"]')
    height = main.evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": 1600, "height": max(height, 900)})
    page.wait_for_timeout(500)
    top = heading.bounding_box()
    bottom = package_table.bounding_box()
    assert top is not None and bottom is not None
    page.screenshot(
        path=artifacts / f"packages_section_{lang}.png",
        clip={
            "x": 0,
            "y": top["y"] - 10,
            "width": 1600,
            "height": bottom["y"] + bottom["height"] - top["y"] + 70,
        },
        full_page=True,
    )
