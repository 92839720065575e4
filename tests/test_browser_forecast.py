"""The 预测与排班 page in headless Chromium on the synthetic hall: chart, plan, screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_browser import (
    DATAFRAME,
    EXCEPTION,
    IDLE,
    body_text,
    data_rows,
    grid_headers,
    grid_rows,
    screenshot_whole_page,
    streamlit_server,
)
from test_forecast import HALL, synthetic_hall

from queries.db import make_engine

pytestmark = pytest.mark.browser
PLOT = ".js-plotly-plot"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fc_browser")
    url = f"sqlite:///{folder / 'hall.db'}"
    engine = make_engine(url)
    synthetic_hall(engine)
    engine.dispose()
    with streamlit_server(url, folder / "server.log") as base:
        yield base


def open_forecast(page: Page, query: str) -> None:
    page.goto(f"/forecast?{query}")
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_selector(PLOT, timeout=90_000)
    page.wait_for_selector(DATAFRAME)
    page.wait_for_selector(IDLE, state="attached", timeout=90_000)
    expect(data_rows(page, 1).first).to_be_attached()


def test_forecast_page_zh(page: Page, artifacts: Path) -> None:
    open_forecast(page, f"hall={HALL}")
    text = body_text(page)
    assert "预测与排班" in text
    assert "延时服务排班建议" in text
    assert page.locator(PLOT).count() == 4  # demand, trade-off, one day, plan vs actual
    models = grid_rows(page, 0)  # the candidates' backtest, best first
    assert grid_headers(page, 0) == ["方法", "回测天数", "平均绝对误差", "相对上周同日"]
    assert any(row[0] == "上周同日" for row in models)
    headers = grid_headers(page, 1)
    rows = grid_rows(page, 1)
    assert rows and "判断" in headers
    verdicts = {row[headers.index("判断")] for row in rows}
    assert verdicts <= {"under", "over", "ok"}  # the grid's text holds the codes
    assert page.locator(EXCEPTION).count() == 0
    assert f"hall={HALL}" in page.url
    screenshot_whole_page(page, artifacts / "forecast_zh.png")
