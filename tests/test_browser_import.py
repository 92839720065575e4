"""The 数据导入 page in headless Chromium: a real upload through the file input, check, import.

One Streamlit server for the module, on a free port, over an SQLite database that holds only the
reference rows (hall H01, queue 综合业务, window A01); uploads land in the module's own TMPDIR.
Screenshots go to artifacts/ for a person to look at (layout, CJK glyphs, clipped text).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect
from test_browser import (
    DATAFRAME,
    EXCEPTION,
    IDLE,
    grid_headers,
    grid_rows,
    screenshot_whole_page,
    streamlit_server,
)
from test_import_page import (
    BAD_DATE,
    GOOD_ROWS,
    MAPPING_HEADERS,
    gbk_csv,
    reference_db,
)

from i18n.text import t
from queries import schema
from queries.db import make_engine

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
METRIC = '[data-testid="stMetric"]'


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('import-db') / 'hall.db'}"
    reference_db(url)
    return url


@pytest.fixture(scope="module")
def server(db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app on a free port over the reference database; uploads land in the
    module's own TMPDIR."""
    home = tmp_path_factory.mktemp("streamlit-import")
    uploads = home / "tmp"
    uploads.mkdir()
    with streamlit_server(db, home / "server.log", {"TMPDIR": str(uploads)}) as base:
        yield base


def gbk_file(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_bytes(gbk_csv(*rows))
    return path


def idle(page: Page) -> None:
    page.wait_for_selector(IDLE, state="attached")


def open_import(page: Page, lang: str = "zh") -> None:
    page.goto("/import?lang=en" if lang == "en" else "/import")
    export_dropzone(page, lang).wait_for()
    idle(page)


def export_dropzone(page: Page, lang: str) -> Locator:
    """The export uploader (the mapping-file uploader in the expander is the second one)."""
    return page.get_by_role("region", name=t("imp.upload", lang))


def upload(page: Page, path: Path, lang: str = "zh") -> None:
    """Send a file through the export uploader's file input and wait for the rerun to end:
    with the recognised-columns table drawn, or with an error or exception."""
    export_dropzone(page, lang).locator('input[type="file"]').set_input_files(path)
    page.wait_for_selector(f'{DATAFRAME}, {EXCEPTION}, [data-testid="stAlertContentError"]')
    idle(page)


def click_and_wait(page: Page, name: str, then: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_selector(then)
    idle(page)


def shoot(page: Page, path: Path) -> None:
    """The whole page; only the viewport when it shows an exception (a RecursionError's
    traceback makes the page 50,000 px tall)."""
    if page.locator(EXCEPTION).count():
        page.screenshot(path=path)
    else:
        screenshot_whole_page(page, path)


def metric_values(page: Page) -> dict[str, str]:
    out = {}
    for metric in page.locator(METRIC).all():
        label = metric.get_by_test_id("stMetricLabel").inner_text().strip()
        out[label] = metric.get_by_test_id("stMetricValue").inner_text().strip()
    return out


def ticket_ids(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ids = conn.execute(sa.select(schema.tickets.c.ticket_id).order_by("ticket_id"))
            return list(ids.scalars())
    finally:
        engine.dispose()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_import_page_before_upload(page: Page, artifacts: Path, lang: str) -> None:
    open_import(page, lang)

    text = page.locator("body").inner_text()
    assert t("nav.import", lang) in text
    assert t("imp.empty", lang) in text
    assert t("imp.upload", lang) in text
    assert page.locator(EXCEPTION).count() == 0
    screenshot_whole_page(page, artifacts / f"import_{lang}_empty.png")


def test_upload_check_import_zh(page: Page, artifacts: Path, db: str, tmp_path: Path) -> None:
    path = gbk_file(tmp_path, "取号记录.csv", [*GOOD_ROWS, BAD_DATE])
    open_import(page)
    upload(page, path)
    shoot(page, artifacts / "import_zh_uploaded.png")
    assert page.locator(EXCEPTION).count() == 0

    headers = grid_headers(page, 0)
    recognised = {
        row[headers.index("标准列")]: row[headers.index("文件中的列")] for row in grid_rows(page, 0)
    }
    assert {c: recognised[c] for c in MAPPING_HEADERS} == MAPPING_HEADERS
    table = page.get_by_role("combobox", name=t("imp.table", "zh"))
    expect(table).to_have_value(f"{t('table.tickets', 'zh')} (tickets)")

    click_and_wait(page, t("imp.check", "zh"), METRIC)
    assert metric_values(page) == {
        "读取行数": "4",
        "可导入": "3",
        "错误行": "1",
        "数据质量提示": "1",
    }
    assert t("imp.blocked", "zh", n=1) in page.locator("body").inner_text()
    assert page.get_by_role("button", name=t("imp.confirm", "zh")).count() == 0
    assert ticket_ids(db) == []

    page.get_by_text(t("imp.skip_bad", "zh")).click()
    expect(page.locator(METRIC)).to_have_count(0)  # another option: check again
    idle(page)
    click_and_wait(page, t("imp.check", "zh"), '[data-testid="stDownloadButton"]')
    assert metric_values(page)["可导入"] == "3"
    expect(page.get_by_test_id("stDownloadButton")).to_contain_text(t("imp.download_rejects", "zh"))
    screenshot_whole_page(page, artifacts / "import_zh_checked.png")

    done = t(
        "imp.done", "zh", n=3, new=3, changed=0, same=0, table=t("table.tickets", "zh"), rejected=1
    )
    click_and_wait(page, t("imp.confirm", "zh"), '[data-testid="stAlertContentSuccess"]')
    success = page.get_by_test_id("stAlertContentSuccess").get_by_test_id("stMarkdownContainer")
    assert success.inner_text().strip() == done
    assert page.locator(EXCEPTION).count() == 0
    assert ticket_ids(db) == ["T001", "T002", "T003"]
    screenshot_whole_page(page, artifacts / "import_zh_done.png")


def test_upload_and_check_en(page: Page, artifacts: Path, tmp_path: Path) -> None:
    path = gbk_file(tmp_path, "tickets-export.csv", [*GOOD_ROWS, BAD_DATE])
    open_import(page, "en")
    upload(page, path, "en")
    shoot(page, artifacts / "import_en.png")  # replaced below once the check has run
    assert page.locator(EXCEPTION).count() == 0

    click_and_wait(page, t("imp.check", "en"), METRIC)
    assert metric_values(page) == {
        "Rows read": "4",
        "Rows OK": "3",
        "Rows rejected": "1",
        "Data-quality warnings": "1",
    }
    assert t("imp.blocked", "en", n=1) in page.locator("body").inner_text()
    screenshot_whole_page(page, artifacts / "import_en.png")


def test_an_xlsx_bomb_is_refused_at_once_and_leaves_nothing_behind(
    page: Page, artifacts: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Issue 16: an 0.8 MB .xlsx whose one cell inflates to 800 MiB froze every page for about
    7 minutes. It is refused from the sizes the archive declares, the page stays usable, and
    the upload leaves the temporary folder."""
    import time

    from hostile_files import workbook

    path = workbook(tmp_path / "取号记录.xlsx", big_cell_mb=800)
    assert path.stat().st_size < 1 << 20
    open_import(page)
    started = time.perf_counter()
    upload(page, path)
    seconds = time.perf_counter() - started
    error = page.get_by_test_id("stAlertContentError").inner_text().split("\n")[-1]
    assert error.startswith(
        "取号记录.xlsx：工作簿的组成部分 xl/worksheets/sheet1.xml 声明解压后有 800 MB（压缩后 "
    )
    assert error.endswith("超过上限 200 MB（[imports] max_member_mb），未读取即拒绝")
    assert seconds < 20
    assert page.locator(EXCEPTION).count() == 0
    shoot(page, artifacts / "import_zh_bomb.png")
    folders = list(tmp_path_factory.getbasetemp().glob("streamlit-import*/tmp/hallpulse-uploads"))
    assert folders
    assert [p.name for f in folders for p in f.iterdir()] == []
