"""The 数据导入 page without a browser: AppTest uploads vendor exports into a small SQLite database.

Every test gets its own database (hall H01, queue 综合业务, window A01) and its own upload folder
(tempfile.tempdir points into tmp_path), so no test sees another's files or rows.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from conftest import first_run_on
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from i18n.text import t
from queries import schema
from queries.db import URL_ENV, init_schema, make_engine

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"

HEADER = "取号流水号,大厅编号,业务类型,票号,取号时间,叫号时间,办结时间,窗口号,状态,取号方式"
DAY = "2026-03-02"
GOOD_ROWS = [
    f"T001,H01,综合业务,A001,{DAY} 09:00:00,{DAY} 09:05:00,{DAY} 09:12:00,A01,已完成,现场取号",
    f"T002,H01,综合业务,A002,{DAY} 09:03:00,{DAY} 09:15:00,{DAY} 09:30:00,A01,已完成,预约取号",
    # called ten minutes before it was issued: imported, counted as a data-quality warning
    f"T003,H01,综合业务,A003,{DAY} 09:20:00,{DAY} 09:10:00,,A01,过号,现场取号",
]
BAD_DATE = "T004,H01,综合业务,A004,2026-02-30 09:40:00,,,,等待,现场取号"  # no 30 February
BAD_WINDOW = f"T005,H01,综合业务,A005,{DAY} 09:45:00,,,Z99,等待,现场取号"  # no window Z99

MAPPING_HEADERS = {  # contract column → header of the file, as the page must list them
    "ticket_id": "取号流水号",
    "hall_id": "大厅编号",
    "queue_id": "业务类型",
    "ticket_no": "票号",
    "issued_at": "取号时间",
    "called_at": "叫号时间",
    "finished_at": "办结时间",
    "window_id": "窗口号",
    "status": "状态",
    "source": "取号方式",
}


def gbk_csv(*rows: str) -> bytes:
    return "\r\n".join([HEADER, *rows, ""]).encode("gbk")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fresh Streamlit caches, and the page's upload folder inside tmp_path."""
    st.cache_data.clear()
    st.cache_resource.clear()
    uploads = tmp_path / "tmp"
    uploads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))


def reference_db(url: str) -> None:
    """The schema and the reference rows a ticket export points at: hall H01, its queue
    综合业务 (Q01) and its window labelled A01 (W01)."""
    engine = make_engine(url)
    init_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.halls),
            [{"hall_id": "H01", "name": "示范区政务服务中心", "level": "district"}],
        )
        conn.execute(
            sa.insert(schema.queues),
            [{"queue_id": "Q01", "hall_id": "H01", "name": "综合业务", "prefix": "A"}],
        )
        conn.execute(
            sa.insert(schema.windows),
            [{"window_id": "W01", "hall_id": "H01", "label": "A01", "kind": "comprehensive"}],
        )
    engine.dispose()


@pytest.fixture
def db_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    reference_db(url)
    monkeypatch.setenv(URL_ENV, url)
    return url


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes behind every download button, by file id (AppTest drops its media store)."""
    stored: dict[str, bytes] = {}

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None) -> str:
            file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
            stored[file_id] = self.get_file(file_id).content
            return file_id

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", Recording)
    return stored


def tickets_in(url: str) -> list[dict]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(schema.tickets).order_by(schema.tickets.c.ticket_id))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def open_page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    if lang:
        at.query_params["lang"] = lang
    first_run_on(at, "data_import").run()
    no_exception(at)
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> None:
    at.file_uploader(key="upload").set_value((name, data, mime)).run()
    no_exception(at)


def click(at: AppTest, key: str) -> None:
    at.button(key=key).click().run()
    no_exception(at)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame_with(at: AppTest, *columns: str):
    """The (pandas) frame of the one st.dataframe with exactly these columns (in any order)."""
    found = [df.value for df in at.dataframe if set(df.value.columns) == set(columns)]
    assert len(found) == 1, [list(df.value.columns) for df in at.dataframe]
    return found[0]


def table_choice(at: AppTest) -> str:
    [choice] = [s for s in at.selectbox if s.label == t("imp.table", "zh")]
    return choice.value


def button_keys(at: AppTest) -> list[str | None]:
    return [b.key for b in at.button]


@pytest.mark.parametrize(
    ("lang", "title", "hint"),
    [(None, "数据导入", t("imp.empty", "zh")), ("en", "Import data", t("imp.empty", "en"))],
)
def test_page_without_upload(db_url: str, lang: str | None, title: str, hint: str) -> None:
    at = open_page(lang)

    assert [x.value for x in at.title] == [title]
    assert [x.body for x in at.info] == [hint]
    assert at.file_uploader(key="upload").label == t("imp.upload", lang or "zh")
    assert at.file_uploader(key="mapping").label == t("imp.mapping.file", lang or "zh")
    assert not at.error
    assert not at.selectbox
    assert not at.button
    assert tickets_in(db_url) == []


def test_gbk_tickets_check_and_import(db_url: str) -> None:
    at = open_page()
    upload(at, "取号记录.csv", gbk_csv(*GOOD_ROWS))

    assert table_choice(at) == "tickets"
    assert any("gb18030" in c.value for c in at.caption)
    columns = frame_with(at, "标准列", "必填", "文件中的列", "方式")
    recognised = dict(zip(columns["标准列"], columns["文件中的列"], strict=True))
    for column, header in MAPPING_HEADERS.items():
        assert recognised[column] == header
    how = dict(zip(columns["标准列"], columns["方式"], strict=True))
    assert {how[c] for c in MAPPING_HEADERS} == {t("imp.how.preset", "zh")}
    assert how["staff_id"] == t("imp.how.absent", "zh")
    preview = frame_with(at, "行号", *MAPPING_HEADERS)
    assert list(preview["行号"]) == [2, 3, 4]
    assert list(preview["ticket_id"]) == ["T001", "T002", "T003"]
    assert button_keys(at) == ["check"]  # nothing to confirm before a check

    click(at, "check")
    assert metrics(at) == {"读取行数": "3", "可导入": "3", "错误行": "0", "数据质量提示": "1"}
    quality = frame_with(at, "提示", "行数", "示例行号")
    assert quality.to_dict("records") == [
        {"提示": "叫号时间早于取号时间", "行数": 1, "示例行号": "4"}
    ]
    assert not at.error
    assert not at.download_button
    assert tickets_in(db_url) == []  # a check writes nothing

    click(at, "confirm")
    done = t(
        "imp.done", "zh", n=3, new=3, changed=0, same=0, table=t("table.tickets", "zh"), rejected=0
    )
    assert [s.body for s in at.success] == [done]
    rows = tickets_in(db_url)
    assert [r["ticket_id"] for r in rows] == ["T001", "T002", "T003"]
    first = rows[0]
    assert first["queue_id"] == "Q01"  # 业务类型 综合业务 resolved by name within the hall
    assert first["window_id"] == "W01"  # 窗口号 A01 resolved by label within the hall
    assert (first["status"], first["source"]) == ("served", "walk_in")
    assert first["issued_at"] == dt.datetime(2026, 3, 2, 9, 0)
    assert [r["status"] for r in rows] == ["served", "served", "no_show"]
    assert [r["source"] for r in rows] == ["walk_in", "appointment", "walk_in"]

    at.run()  # the confirmation is used up: a second import needs a second check
    no_exception(at)
    assert not at.success
    assert button_keys(at) == ["check"]


def test_bad_rows_block_until_skipped(db_url: str, downloads: dict[str, bytes]) -> None:
    at = open_page()
    upload(at, "取号记录.csv", gbk_csv(*GOOD_ROWS, BAD_DATE, BAD_WINDOW))
    click(at, "check")

    assert metrics(at) == {"读取行数": "5", "可导入": "3", "错误行": "2", "数据质量提示": "1"}
    problems = frame_with(at, "行号", "标准列", "值", "原因")
    assert problems.to_dict("records") == [
        {
            "行号": 5,
            "标准列": "issued_at",
            "值": "2026-02-30 09:40:00",
            "原因": "不存在的日期或时刻",
        },
        {
            "行号": 6,
            "标准列": "window_id",
            "值": "Z99",
            "原因": "找不到该窗口：本大厅的窗口表中没有（请先导入窗口）",
        },
    ]
    assert [e.body for e in at.error] == [t("imp.blocked", "zh", n=2)]
    assert "confirm" not in button_keys(at)
    assert tickets_in(db_url) == []

    at.checkbox(key="skip_bad").check().run()
    no_exception(at)
    assert not at.metric  # another option: the earlier check no longer counts
    assert "confirm" not in button_keys(at)

    click(at, "check")
    assert metrics(at) == {"读取行数": "5", "可导入": "3", "错误行": "2", "数据质量提示": "1"}
    assert not at.error
    [download] = at.download_button
    assert download.label == t("imp.download_rejects", "zh")
    file_id = download.proto.url.rsplit("/", 1)[-1].split(".")[0]
    rejects = downloads[file_id].decode("utf-8-sig").splitlines()
    assert rejects == [
        f"行号 line,错误原因 reason,{HEADER}",
        f"5,issued_at: no such date or time,{BAD_DATE}",
        "6,window_id: unknown window: not in windows in that hall (import windows first),"
        f"{BAD_WINDOW}",
    ]
    assert tickets_in(db_url) == []

    click(at, "confirm")
    done = t(
        "imp.done", "zh", n=3, new=3, changed=0, same=0, table=t("table.tickets", "zh"), rejected=2
    )
    assert [s.body for s in at.success] == [done]
    assert [r["ticket_id"] for r in tickets_in(db_url)] == ["T001", "T002", "T003"]


def test_pdf_is_named_not_raised(db_url: str) -> None:
    at = open_page()
    upload(at, "取号记录.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n")

    assert [e.body for e in at.error] == ["取号记录.xlsx: a PDF document, not a CSV or .xlsx table"]
    assert not at.dataframe
    assert not at.button
    assert tickets_in(db_url) == []


def test_header_only_file(db_url: str) -> None:
    """A header without rows is refused at the check, with the reason, not with a traceback."""
    at = open_page()
    upload(at, "取号记录.csv", gbk_csv())
    click(at, "check")
    assert [e.body for e in at.error] == [
        "取号记录.csv: the file has a header (line 1) but no data rows"
    ]
    assert not at.metric
    assert "confirm" not in button_keys(at)


def test_broken_mapping_file(db_url: str) -> None:
    """A mapping file that is not TOML is named by its uploaded name, not the temporary path."""
    at = open_page()
    at.file_uploader(key="mapping").set_value(("映射.toml", b"[columns\n", "application/toml"))
    upload(at, "取号记录.csv", gbk_csv(*GOOD_ROWS))

    [error] = at.error
    assert error.body.startswith("映射.toml: not a valid TOML mapping: ")
    assert "hallpulse-uploads" not in error.body
    assert not at.selectbox


def test_second_file_gets_its_own_table_guess(db_url: str) -> None:
    at = open_page()
    at.file_uploader(key="upload").set_value(("取号记录.csv", gbk_csv(*GOOD_ROWS), "text/csv"))
    at.run()
    queues = "业务类型编号,大厅编号,业务名称,号码前缀\r\nQ02,H01,社保业务,B\r\n".encode("gbk")
    upload(at, "业务类型.csv", queues)

    assert table_choice(at) == "queues"
    assert not at.error


def test_confirm_that_commits_nothing_is_not_a_success(db_url: str) -> None:
    at = open_page()
    upload(at, "取号记录.csv", gbk_csv(GOOD_ROWS[0]))
    click(at, "check")
    assert metrics(at)["错误行"] == "0"

    engine = make_engine(db_url)  # meanwhile, window A01 is relabelled B09
    with engine.begin() as conn:
        conn.execute(sa.update(schema.windows).values(label="B09"))
    engine.dispose()
    click(at, "confirm")

    assert tickets_in(db_url) == []
    assert not at.success
    assert [e.body for e in at.error] == [t("imp.blocked", "zh", n=1)]


# --- hostile and broken files (issue 16) ------------------------------------------------------


def uploads_left() -> list[str]:
    """What the page left in its upload folder (tempfile.tempdir is inside tmp_path)."""
    folder = Path(tempfile.gettempdir()) / "hallpulse-uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_uploads_are_removed_when_the_import_ends(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Imported, refused or failed: nothing stays in the temporary folder (it used to keep
    every upload, and every rejects file, for ever)."""
    at = open_page()
    upload(at, "取号记录.csv", gbk_csv(*GOOD_ROWS, BAD_DATE))
    assert uploads_left() == []
    at.checkbox(key="skip_bad").check().run()
    click(at, "check")
    assert at.download_button  # the rejects file was read into the page, then removed
    assert uploads_left() == []
    click(at, "confirm")
    assert at.success
    assert uploads_left() == []

    upload(at, "取号记录.xlsx", b"<!-- saved by the queue system -->\n<html><table></table>")
    assert [e.body for e in at.error] == [
        "取号记录.xlsx：这是 HTML/XML 网页（有些系统把网页表格存成 .xls）；请用 Excel 或 WPS "
        "打开后另存为 .xlsx 或 CSV"
    ]
    assert uploads_left() == []

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("imports.importer.import_file", broken)
    upload(at, "取号记录2.csv", gbk_csv(*GOOD_ROWS[:1]))
    at.button(key="check").click().run()
    # the server shows no error details (showErrorDetails = "none"): one redacted exception
    assert len(at.exception) == 1
    assert uploads_left() == []


def test_a_completed_case_without_completion_time_is_explained_and_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.items),
            [{"item_id": "I1", "name": "社保卡补办", "kind": "promised", "promised_workdays": 5}],
        )
    engine.dispose()
    at = open_page()
    data = (
        "case_id,hall_id,item_id,channel,accepted_at,completed_at,status\r\n"
        f"C1,H01,I1,window,{DAY} 09:00:00,{DAY} 10:00:00,completed\r\n"
        f"C2,H01,I1,window,{DAY} 09:00:00,,completed\r\n"
    ).encode()
    upload(at, "办件.csv", data)
    assert table_choice(at) == "cases"
    assert t("imp.cases_completed", "zh") in [c.value for c in at.caption]
    click(at, "check")
    problems = frame_with(at, "行号", "标准列", "值", "原因")
    assert problems.to_dict("records") == [
        {"行号": 3, "标准列": "completed_at", "值": "", "原因": "状态为已办结时必填（办结时间）"}
    ]
    assert [e.body for e in at.error] == [t("imp.blocked", "zh", n=1)]


def test_the_page_names_lines_read_as_gbk(db_url: str) -> None:
    """A row pasted from a GBK export into a UTF-8 file: read as GBK, and the page says so."""
    data = f"{HEADER}\r\n{GOOD_ROWS[0]}\r\n".encode() + GOOD_ROWS[1].encode("gbk") + b"\r\n"
    at = open_page()
    upload(at, "取号记录.csv", data)
    said = "编码：UTF-8，但有 1 行是 GB18030/GBK 编码，已按 GBK 读取：第 3 行（编码混用，请核对这些行）"  # noqa: E501
    notes = t("imp.notes", "zh", notes=said)
    assert notes in [c.value for c in at.caption]
