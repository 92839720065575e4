"""Hostile and broken files (issue 16): each is refused early, or its bad rows are refused by
line, with the rest of the file intact, on every database.

The big files (an .xlsx whose one cell inflates to 256 MiB, 64 KiB of rows before a NUL byte)
are written by the tests themselves; none is committed. The hall database has two halls in two
time zones (H01 in Beijing, H02 in Ürümqi, two hours behind), each with its own queue and its
own window labelled A01, and the clock is pinned to 12:00 in Beijing (10:00 in Ürümqi).
"""

from __future__ import annotations

import csv
import datetime as dt
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from hostile_files import SHEET, lie_about_sizes, workbook
from sqlalchemy.engine import Engine

from imports.importer import FileRejected, import_file
from imports.limits import ImportLimits, load_import_limits
from imports.messages import note_text, reason_text, refusal_text
from imports.validate import COMPLETED_REASON, NUL_REASON, Problem
from metrics.settings import load_settings
from queries import schema
from queries.db import init_schema, make_engine
from queries.tables import read_table
from workdays import clock

NOW = "2026-03-02T04:00:00Z"  # 12:00 in Beijing, 10:00 in Ürümqi
FUTURE = "in the future: later than the hall's current time plus 15 minutes"
TICKETS = "ticket_id,hall_id,queue_id,issued_at,window_id,status,source"
EVALS = "eval_id,hall_id,evaluated_at,rating,channel,comment"
CASES = "case_id,hall_id,item_id,channel,accepted_at,completed_at,status"
REJECTS_HEAD = ["行号 line", "错误原因 reason"]


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.NOW_ENV, NOW)


def seed(engine: Engine) -> None:
    init_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            schema.halls.insert(),
            [
                {"hall_id": "H01", "name": "示范区政务服务中心", "timezone": "Asia/Shanghai"},
                {"hall_id": "H02", "name": "天山区政务服务中心", "timezone": "Asia/Urumqi"},
            ],
        )
        conn.execute(schema.departments.insert(), [{"dept_id": "D01", "name": "人社局"}])
        conn.execute(
            schema.queues.insert(),
            [
                {"queue_id": "Q1", "hall_id": "H01", "name": "综合业务"},
                {"queue_id": "Q2", "hall_id": "H02", "name": "综合业务"},
            ],
        )
        conn.execute(
            schema.windows.insert(),
            [
                {"window_id": "W1", "hall_id": "H01", "label": "A01"},
                {"window_id": "W2", "hall_id": "H02", "label": "A01"},
            ],
        )
        conn.execute(
            schema.items.insert(),
            [
                {
                    "item_id": "I1",
                    "name": "社保卡补办",
                    "dept_id": "D01",
                    "kind": "promised",
                    "promised_workdays": 5,
                }
            ],
        )


@pytest.fixture
def hall(engine: Engine) -> Engine:
    """The two-hall database on SQLite, PostgreSQL and MariaDB in turn."""
    seed(engine)
    return engine


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    seed(engine)
    yield engine
    engine.dispose()


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def lines(header: str, *rows: str) -> bytes:
    return "".join(f"{r}\n" for r in (header, *rows)).encode()


def refused_file(engine: Engine, path: Path, table: str = "tickets") -> str:
    with pytest.raises(FileRejected) as info:
        import_file(engine, table, path)
    return str(info.value)


def rejects_rows(path: Path) -> list[list[str]]:
    csv.field_size_limit(1 << 30)  # the rejects file keeps a huge field whole
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def table_rows(engine: Engine, table: str) -> pl.DataFrame:
    with engine.connect() as conn:
        return read_table(conn, table)


def limits_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    config = tmp_path / "hallpulse.toml"
    config.write_text('[access]\nauth = "none"\n\n[imports]\n' + text, encoding="utf-8")
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))


# --- the .xlsx bomb ----------------------------------------------------------------------------


def test_a_cell_that_inflates_to_256_mib_is_refused_before_parsing(lite, tmp_path):
    """0.26 MB of ZIP whose sheet holds one 256 MiB cell: refused from the sizes the archive
    declares, without inflating it; the unguarded importer parsed it into gigabytes."""
    path = workbook(tmp_path / "取号.xlsx", big_cell_mb=256)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    started = time.perf_counter()
    try:
        message = refused_file(lite, path)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith(
        f"取号.xlsx: the workbook's part {SHEET} declares 256 MB uncompressed ("
    )
    assert message.endswith(
        "the limit is 200 MB ([imports] max_member_mb): refused before reading it"
    )
    assert seconds < 5
    assert peak < 32 << 20  # Python allocations of the whole import_file call
    assert table_rows(lite, "tickets").is_empty()


def test_a_bomb_with_forged_sizes_is_measured_by_what_it_inflates_to(lite, tmp_path, monkeypatch):
    """The sizes in the ZIP's headers are the sender's word: a forged one is caught by
    inflating the member in pieces and counting, stopping just past the limit."""
    limits_file(tmp_path, monkeypatch, "max_member_mb = 16\n")
    path = workbook(tmp_path / "t.xlsx", big_cell_mb=40)
    lie_about_sizes(path)
    tracemalloc.start()
    try:
        message = refused_file(lite, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == (
        f"t.xlsx: the workbook's part {SHEET} declares 4,096 bytes uncompressed but inflates to "
        "more than 16 MB: a forged archive (the limit is 16 MB, [imports] max_member_mb), "
        "refused before reading it"
    )
    assert peak < 32 << 20


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"big_cell_mb": 2},
            f"t.xlsx: cell D2 of {SHEET}: a text longer than 1,024 KiB ([imports] "
            "max_cell_kb); refused before reading the workbook",
        ),
        (
            {"big_shared_mb": 2},
            "t.xlsx: shared text no. 2 (xl/sharedStrings.xml): a text longer than 1,024 KiB "
            "([imports] max_cell_kb); refused before reading the workbook",
        ),
        (
            {"big_shared_mb": 60},
            "t.xlsx: the workbook's part xl/sharedStrings.xml declares 60 MB uncompressed",
        ),
        (
            {"far_column": 5000},
            "t.xlsx: sheet Sheet1: a row has a cell in column 5,000; the limit is 1,000 "
            "columns ([imports] max_columns)",
        ),
    ],
    ids=["cell", "shared-string", "shared-strings-part", "far-column"],
)
def test_cells_rows_and_parts_past_the_limits_are_named(lite, tmp_path, kwargs, expected):
    message = refused_file(lite, workbook(tmp_path / "t.xlsx", **kwargs))
    assert message.startswith(expected)


@pytest.mark.parametrize(
    ("make", "limits", "zh"),
    [
        (
            {"big_cell_mb": 256},
            "",
            f"t.xlsx：工作簿的组成部分 {SHEET} 声明解压后有 256 MB（压缩后 ",
        ),
        (
            {"big_cell_mb": 40, "forged": True},
            "max_member_mb = 16\n",
            f"t.xlsx：工作簿的组成部分 {SHEET} 声明解压后 4,096 字节，实际解压后超过 16 MB："
            "压缩包的大小被篡改（上限 16 MB，[imports] max_member_mb），未读取即拒绝",
        ),
        (
            {"big_cell_mb": 40},
            "max_workbook_mb = 16\n",
            "t.xlsx：工作簿声明解压后共 40 MB，超过上限 16 MB（[imports] max_workbook_mb）",
        ),
        (
            {"big_cell_mb": 2},
            "",
            f"t.xlsx：{SHEET} 的单元格 D2：文本超过 1,024 KiB（[imports] max_cell_kb），"
            "未读取即拒绝",
        ),
        (
            {"big_shared_mb": 2},
            "",
            "t.xlsx：共享文本第 2 条（xl/sharedStrings.xml）：文本超过 1,024 KiB（[imports] "
            "max_cell_kb），未读取即拒绝",
        ),
        (
            {"far_column": 5000},
            "",
            "t.xlsx：工作表 Sheet1：有一行在第 5,000 列有单元格，上限为 1,000 列（[imports] "
            "max_columns）",
        ),
    ],
    ids=["declared", "forged", "workbook", "cell", "shared-string", "far-column"],
)
def test_refusals_read_in_chinese_on_the_page(lite, tmp_path, monkeypatch, make, limits, zh):
    if limits:
        limits_file(tmp_path, monkeypatch, limits)
    forged = make.pop("forged", False)
    path = workbook(tmp_path / "t.xlsx", **make)
    if forged:
        lie_about_sizes(path)
    message = refused_file(lite, path)
    assert refusal_text(message, "en") == message
    assert refusal_text(message, "zh").startswith(zh)


def test_the_limits_come_from_the_settings_file(lite, tmp_path, monkeypatch):
    path = workbook(tmp_path / "t.xlsx", rows=2000)  # about 400 KB of sheet
    assert import_file(lite, "tickets", path, dry_run=True).rows_read == 2000
    limits_file(tmp_path, monkeypatch, "max_member_mb = 0.1\n")
    assert load_settings().wait_target_min == 20  # the section is known to the settings file
    assert load_import_limits().max_member_mb == 0.1
    assert "the limit is 0 MB ([imports] max_member_mb)" in refused_file(lite, path)
    limits_file(tmp_path, monkeypatch, "max_member = 10\n")
    assert refused_file(lite, path).endswith(
        "unknown setting(s) max_member; known: [imports] chunk_mb, future_tolerance_min, "
        "max_cell_kb, max_columns, max_line_kb, max_member_mb, max_shared_strings_mb, "
        "max_workbook_mb"
    )


def test_a_normal_workbook_imports_as_before(lite, tmp_path):
    report = import_file(lite, "tickets", workbook(tmp_path / "t.xlsx", rows=50))
    assert (report.rows_read, report.rejected, report.committed) == (50, 0, True)
    assert ImportLimits() == load_import_limits()


def test_a_csv_field_longer_than_the_cell_limit_is_a_bad_row(lite, tmp_path):
    """One huge field on one line is that row's problem, not the file's."""
    big = "x" * (1100 << 10)
    data = lines(
        EVALS,
        "E1,H01,2026-03-02 09:00:00,5,device,好",
        f"E2,H01,2026-03-02 09:01:00,5,device,{big}",
        "E3,H01,2026-03-02 09:02:00,4,device,还行",
    )
    rejects = tmp_path / "rejects.csv"
    path = write(tmp_path, "e.csv", data)
    report = import_file(lite, "evaluations", path, skip_bad=True, rejects=rejects)
    reason = "a field is longer than 1,024 KiB ([imports] max_cell_kb)"
    assert report.problems == [Problem(3, "", "", reason)]
    assert (report.imported, report.rejected) == (2, 1)
    assert rejects_rows(rejects)[1][:2] == ["3", reason]
    assert rejects_rows(rejects)[1][2].endswith(big)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_csv_line_of_64_mib_is_refused_in_bounded_memory(lite, tmp_path, encoding):
    """A line with no end (a binary dump, a runaway export) is read at most `max_line_kb` at a
    time: also while deciding the encoding of a file that is not pure UTF-8."""
    data = lines(EVALS, "E1,H01,2026-03-02 09:00:00,5,device,好") + (
        b"E2,H01,2026-03-02 09:01:00,5,device," + "好".encode(encoding) * (32 << 20)
    )
    path = write(tmp_path, "e.csv", data)
    tracemalloc.start()
    try:
        message = refused_file(lite, path, "evaluations")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == (
        "e.csv: line 3: the line is longer than 4,096 KiB ([imports] max_line_kb); is this "
        "really a CSV export?"
    )
    assert peak < 48 << 20


# --- encodings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "comments",
    [
        # the UTF-8 lines are also valid GB18030: the file used to be read whole as GBK and
        # every Chinese comment garbled, exit 0
        ["窗口人员态度很好", "服务态度好，办事快", "大厅环境干净整洁"],
        # they are not: the file used to be refused as neither encoding
        ["窗口人员很耐心", "服务态度好，办事快", "等候时间有点长"],
    ],
    ids=["utf8-lines-also-valid-gbk", "utf8-lines-not-gbk"],
)
def test_one_gbk_line_in_a_utf8_file_garbles_nothing(lite, tmp_path, comments):
    data = (
        (EVALS + "\n").encode()
        + f"E1,H01,2026-03-02 09:00:00,5,device,{comments[0]}\n".encode()
        + f"E2,H01,2026-03-02 09:01:00,5,qr,{comments[1]}\n".encode("gbk")
        + f"E3,H01,2026-03-02 09:02:00,3,sms,{comments[2]}\n".encode()
    )
    report = import_file(lite, "evaluations", write(tmp_path, "评价.csv", data))
    assert report.committed
    note = (
        "encoding: UTF-8, but 1 line(s) are GB18030/GBK and were read as GBK: line(s) 3 "
        "(mixed encodings: check those lines)"
    )
    assert report.notes == [note]
    assert note_text(note, "zh") == (
        "编码：UTF-8，但有 1 行是 GB18030/GBK 编码，已按 GBK 读取：第 3 行"
        "（编码混用，请核对这些行）"
    )
    assert table_rows(lite, "evaluations").sort("eval_id")["comment"].to_list() == comments


def test_a_gbk_file_stays_gbk(lite, tmp_path):
    """The contrast: a GBK file whose one line also happens to be valid UTF-8 (联通) is GBK."""
    data = lines(EVALS, "E1,H01,2026-03-02 09:00:00,5,device,联通").replace(
        "联通".encode(), "联通".encode("gbk")
    ) + "E2,H01,2026-03-02 09:01:00,5,qr,服务很好\nE3,H01,2026-03-02 09:02:00,5,qr,不错\n".encode(
        "gbk"
    )
    report = import_file(lite, "evaluations", write(tmp_path, "e.csv", data))
    assert report.notes == ["encoding: GB18030/GBK"]
    assert table_rows(lite, "evaluations").sort("eval_id")["comment"].to_list() == [
        "联通",
        "服务很好",
        "不错",
    ]


# --- HTML saved as .xls --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"<!-- exported by the case system 2026-03-02 -->\r\n<html><body><table>",
        b"\xef\xbb\xbf<!-- a -->\n<!--\n b \n-->\n<table border=1><tr><td>ticket_id</td>",
        b"<!-- x -->" + b" " * 100 + b"<head><meta charset=utf-8>",
    ],
    ids=["comment-html", "bom-two-comments-table", "comment-head"],
)
def test_an_html_page_starting_with_a_comment_is_named_as_html(lite, tmp_path, head):
    path = write(tmp_path, "办件.xls", head + b"<tr><td>1</td></tr></table></body></html>\n")
    assert refused_file(lite, path) == (
        "办件.xls: an HTML/XML page (some systems save web tables as .xls); open it in Excel or "
        "WPS and save it as .xlsx or CSV"
    )


# --- NUL bytes, other halls, the future: on every database ------------------------------------


def test_a_nul_byte_after_64_kib_is_a_bad_value_of_its_row(hall, tmp_path):
    good = [f"E{i},H01,2026-03-02 09:{i % 60:02d}:00,5,device,{'很好' * 30}" for i in range(800)]
    data = lines(EVALS, *good) + "E900,H01,2026-03-02 10:00:00,4,qr,坏\x00掉\n".encode()
    assert data.index(b"\x00") > 1 << 16
    path = write(tmp_path, "e.csv", data)
    report = import_file(hall, "evaluations", path)
    assert report.problems == [Problem(802, "comment", "坏\x00掉", NUL_REASON)]
    assert (report.rejected, report.committed) == (1, False)
    assert table_rows(hall, "evaluations").is_empty()
    rejects = tmp_path / "rejects.csv"
    report = import_file(hall, "evaluations", path, skip_bad=True, rejects=rejects)
    assert (report.imported, report.rejected, report.committed) == (800, 1, True)
    assert rejects_rows(rejects)[1] == [
        "802",
        f"comment: {NUL_REASON}",
        "E900",
        "H01",
        "2026-03-02 10:00:00",
        "4",
        "qr",
        "坏\x00掉",
    ]
    stored = table_rows(hall, "evaluations")
    assert stored.height == 800
    assert not stored["comment"].str.contains("\x00", literal=True).any()
    assert reason_text(NUL_REASON, "zh") == "含有 NUL 字节（零字节）：导出文件已损坏，不是文本"


TICKET_ROWS = [
    "T1,H01,Q1,2026-03-02 09:00:00,W1,served,walk_in",
    "T2,H01,Q1,2026-03-02 09:00:00,W2,served,walk_in",  # H02's window
    "T3,H01,Q2,2026-03-02 09:00:00,W1,served,walk_in",  # H02's queue
    "T4,H02,Q2,2026-03-02 09:00:00,A01,served,walk_in",  # A01 of H02 (by label): W2
    "T5,H01,Q1,2031-01-01 09:00:00,W1,waiting,walk_in",  # 2031
    "T6,H01,Q1,2026-03-02 12:10:00,,waiting,walk_in",  # 10 minutes ahead: clocks differ
    "T7,H01,Q1,2026-03-02 12:20:00,,waiting,walk_in",  # 20 minutes ahead
    "T8,H02,Q2,2026-03-02 11:00:00,,waiting,walk_in",  # 10:00 in Ürümqi: an hour ahead
    "T9,H01,Q1,2026-03-02 11:00:00,,waiting,walk_in",  # an hour ago in Beijing
]


def test_other_halls_windows_and_queues_and_future_times_are_refused_by_line(hall, tmp_path):
    path = write(tmp_path, "取号.csv", lines(TICKETS, *TICKET_ROWS))
    rejects = tmp_path / "rejects.csv"
    report = import_file(hall, "tickets", path, skip_bad=True, rejects=rejects)
    assert report.problems == [
        Problem(3, "window_id", "W2", "this window is in hall H02, not in the row's hall H01"),
        Problem(4, "queue_id", "Q2", "this queue is in hall H02, not in the row's hall H01"),
        Problem(6, "issued_at", "2031-01-01 09:00:00", FUTURE),
        Problem(8, "issued_at", "2026-03-02 12:20:00", FUTURE),
        Problem(9, "issued_at", "2026-03-02 11:00:00", FUTURE),
    ]
    assert (report.imported, report.rejected, report.committed) == (4, 5, True)
    stored = table_rows(hall, "tickets").sort("ticket_id")
    assert stored.select("ticket_id", "window_id").rows() == [
        ("T1", "W1"),
        ("T4", "W2"),
        ("T6", None),
        ("T9", None),
    ]
    assert [r[0] for r in rejects_rows(rejects)[1:]] == ["3", "4", "6", "8", "9"]
    with hall.connect() as conn:  # no calendar years for 2031
        last_day = conn.execute(sa.select(sa.func.max(schema.calendar.c.date))).scalar_one()
    assert last_day <= dt.date(2026, 12, 31)
    assert reason_text(f"window_id: {report.problems[0].reason}", "zh") == (
        "window_id：该窗口属于大厅 H02，不属于本行的大厅 H01"
    )
    assert reason_text(FUTURE, "zh") == "时间在未来：晚于大厅当前时间 15 分钟以上"


def test_an_evaluation_dated_2099_refuses_the_file_without_skip_bad(hall, tmp_path):
    data = lines(
        EVALS,
        "E1,H01,2026-03-02 09:00:00,5,device,好",
        "E2,H02,2099-01-01 00:00:00,5,device,好",
    )
    report = import_file(hall, "evaluations", write(tmp_path, "e.csv", data))
    assert report.problems == [Problem(3, "evaluated_at", "2099-01-01 00:00:00", FUTURE)]
    assert not report.committed
    assert table_rows(hall, "evaluations").is_empty()
    assert table_rows(hall, "calendar").is_empty()


def test_the_future_tolerance_is_a_setting(lite, tmp_path, monkeypatch):
    limits_file(tmp_path, monkeypatch, "future_tolerance_min = 30\n")
    path = write(tmp_path, "t.csv", lines(TICKETS, TICKET_ROWS[6]))
    assert import_file(lite, "tickets", path).committed


# --- completed cases need their completion time ---------------------------------------------


def test_a_completed_case_without_completed_at_is_refused_by_line(lite, tmp_path):
    data = lines(
        CASES,
        "C1,H01,I1,window,2026-03-02 09:00:00,2026-03-02 10:00:00,completed",
        "C2,H01,I1,window,2026-03-02 09:00:00,,completed",
        "C3,H01,I1,window,2026-03-02 09:00:00,,in_progress",
    )
    path = write(tmp_path, "办件.csv", data)
    report = import_file(lite, "cases", path)
    assert report.problems == [Problem(3, "completed_at", "", COMPLETED_REASON)]
    assert not report.committed
    assert not report.warnings  # no longer a warning that imports the row
    rejects = tmp_path / "rejects.csv"
    report = import_file(lite, "cases", path, skip_bad=True, rejects=rejects)
    assert (report.imported, report.rejected) == (2, 1)
    assert rejects_rows(rejects)[1][:3] == ["3", f"completed_at: {COMPLETED_REASON}", "C2"]
    assert sorted(table_rows(lite, "cases")["case_id"]) == ["C1", "C3"]
    assert reason_text(f"completed_at: {COMPLETED_REASON}", "zh") == (
        "completed_at：状态为已办结时必填（办结时间）"
    )


def test_a_cases_file_without_the_completion_column_refuses_its_completed_rows(lite, tmp_path):
    header = "case_id,hall_id,item_id,channel,accepted_at,status"
    data = lines(
        header,
        "C1,H01,I1,window,2026-03-02 09:00:00,completed",
        "C2,H01,I1,window,2026-03-02 09:00:00,in_progress",
    )
    report = import_file(lite, "cases", write(tmp_path, "c.csv", data))
    assert report.problems == [Problem(2, "completed_at", "", COMPLETED_REASON)]
