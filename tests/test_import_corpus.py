"""A corpus of bad inputs for `hall import`: every one gets a precise message and leaves the
database exactly as it was.

Each test starts from a small hall database (one hall, department, queue, window, staff member
and one ticket), writes its input file byte by byte (so encoding, BOM and line endings are what
the test says), imports it, and compares every contract table with a snapshot taken before.
The few cases that touch the database's own behaviour (rollback of a mixed file, duplicate
keys, unknown references, the longest comment a TEXT column holds) run on SQLite, PostgreSQL
and MariaDB; the rest run on SQLite only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from sqlalchemy.engine import Engine

from imports.contract import IMPORT_ORDER
from imports.importer import FileRejected, ImportReport, import_file
from imports.sources import SourceError
from imports.validate import Problem
from queries import schema
from queries.db import init_schema, make_engine
from queries.tables import read_table

HEADER = "ticket_id,hall_id,queue_id,issued_at,called_at,status,source"
EVAL_HEADER = "eval_id,hall_id,evaluated_at,rating,channel,comment"
STATUS_CODES = (
    "waiting (等候中), called (已叫号), serving (办理中), served (已办理), no_show (过号), "
    "cancelled (已取消), transferred (已转办)"
)
UNKNOWN_STATUS = f"unknown value; expected {STATUS_CODES}"
NOT_A_DATETIME = "not a date-time (expected e.g. 2026-03-02 09:14:05)"
NO_SUCH_DATETIME = "no such date or time"
UNKNOWN_HALL = "unknown hall: not in halls (import halls first)"
UNKNOWN_QUEUE = "unknown queue: not in queues in that hall (import queues first)"
SAVE_AS = "save the export as UTF-8 or GBK CSV, or as .xlsx"
TICKET_COLUMNS = ("ticket_id", "hall_id", "queue_id", "issued_at", "called_at", "status", "source")
REJECT_HEADER = ["行号 line", "错误原因 reason", *HEADER.split(",")]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def row(
    ticket_id: str,
    issued: str = "2026-03-02 09:00:00",
    *,
    hall: str = "H01",
    queue: str = "Q1",
    called: str = "",
    status: str = "waiting",
    source: str = "walk_in",
) -> str:
    return ",".join((ticket_id, hall, queue, issued, called, status, source))


def csv_bytes(
    *rows: str, header: str = HEADER, eol: str = "\n", encoding: str = "utf-8", bom: bool = False
) -> bytes:
    text = "".join(line + eol for line in (header, *rows))
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --- the hall database ----------------------------------------------------------------------


def seed(engine: Engine) -> None:
    """Reference rows of one hall and one ticket that is already there."""
    init_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            schema.halls.insert(),
            [
                {
                    "hall_id": "H01",
                    "name": "示范区政务服务中心",
                    "level": "district",
                    "timezone": "Asia/Shanghai",
                }
            ],
        )
        conn.execute(
            schema.departments.insert(), [{"dept_id": "D01", "name": "人力资源和社会保障局"}]
        )
        conn.execute(
            schema.queues.insert(),
            [
                {
                    "queue_id": "Q1",
                    "hall_id": "H01",
                    "name": "综合业务",
                    "prefix": "A",
                    "dept_id": "D01",
                }
            ],
        )
        conn.execute(
            schema.windows.insert(),
            [{"window_id": "W1", "hall_id": "H01", "label": "A01", "kind": "comprehensive"}],
        )
        conn.execute(
            schema.staff.insert(),
            [
                {
                    "staff_id": "S1",
                    "name": "张敏",
                    "hall_id": "H01",
                    "dept_id": "D01",
                    "role": "front",
                }
            ],
        )
        conn.execute(
            schema.tickets.insert(),
            [
                {
                    "ticket_id": "T0",
                    "hall_id": "H01",
                    "queue_id": "Q1",
                    "ticket_no": "A001",
                    "issued_at": at("2026-03-02 08:31:00"),
                    "called_at": at("2026-03-02 08:40:00"),
                    "finished_at": at("2026-03-02 08:52:00"),
                    "window_id": "W1",
                    "staff_id": "S1",
                    "status": "served",
                    "source": "walk_in",
                }
            ],
        )


def snapshot(engine: Engine) -> dict[str, pl.DataFrame]:
    with engine.connect() as conn:
        return {name: read_table(conn, name) for name in IMPORT_ORDER}


def assert_unchanged(engine: Engine, before: dict[str, pl.DataFrame]) -> None:
    after = snapshot(engine)
    for name in IMPORT_ORDER:
        assert_frame_equal(after[name], before[name], check_row_order=True)


def tickets(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return read_table(conn, "tickets").select(TICKET_COLUMNS).rows()


@pytest.fixture
def hall(engine: Engine) -> Engine:
    """The hall database on each backend in turn."""
    seed(engine)
    return engine


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Engine]:
    """The hall database on SQLite only (a file in tmp_path)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    seed(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def before(lite: Engine) -> dict[str, pl.DataFrame]:
    return snapshot(lite)


def rejected(engine: Engine, path: Path, **kwargs) -> str:
    with pytest.raises(FileRejected) as info:
        import_file(engine, kwargs.pop("table", "tickets"), path, **kwargs)
    return str(info.value)


def refused(report: ImportReport, rows_read: int, bad: int) -> None:
    """The report of a file refused for its rows in the default all-or-nothing mode: chunks
    written before a later chunk turned up a bad row were rolled back and count as nothing."""
    assert (report.rows_read, report.rejected) == (rows_read, bad)
    assert report.imported == 0
    assert not report.ok
    assert not report.committed
    assert report.new_rows == 0


# --- 1-3: empty, header only, a missing column ----------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"\r\n\r\n", b"  \t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"], ids=repr
)
def test_an_empty_file_is_rejected_by_name(lite, before, tmp_path, data):
    path = write(tmp_path, "取号记录.csv", data)
    assert rejected(lite, path) == "取号记录.csv: the file is empty"
    assert_unchanged(lite, before)


def test_the_name_given_by_the_caller_is_the_name_in_the_message(lite, before, tmp_path):
    path = write(tmp_path, "3f2a9c.csv", b"")
    assert rejected(lite, path, name="三月取号.csv") == "三月取号.csv: the file is empty"
    assert_unchanged(lite, before)


@pytest.mark.parametrize(
    ("data", "header_line"),
    [
        (csv_bytes(), 1),
        (csv_bytes(eol="\r\n", bom=True), 1),
        (csv_bytes("", " , , ", ",,,,,,", eol="\r\n"), 1),  # blank and empty rows are no data
        ("取号记录导出\n".encode() + csv_bytes(), 2),  # a title row above the header
    ],
    ids=["header", "bom-crlf", "blank-rows", "title-row"],
)
def test_a_header_without_rows_is_rejected_and_leaves_no_rejects_file(
    lite, before, tmp_path, data, header_line
):
    path = write(tmp_path, "t.csv", data)
    rejects = tmp_path / "out" / "rejects.csv"
    message = rejected(lite, path, skip_bad=True, rejects=rejects)
    assert message == f"t.csv: the file has a header (line {header_line}) but no data rows"
    assert list(rejects.parent.iterdir()) == []  # neither the file nor its temporary
    assert_unchanged(lite, before)


def test_a_missing_required_column_is_named_with_the_files_columns(lite, before, tmp_path):
    data = csv_bytes("T1,H01,Q1,served,walk_in", header="ticket_id,hall_id,queue_id,status,source")
    path = write(tmp_path, "t.csv", data)
    assert rejected(lite, path) == (
        "t.csv: line 1: tickets needs the column(s) issued_at (取号时间, 取票时间, 排队时间), "
        "which the file does not have. The file's columns: ticket_id, hall_id, queue_id, "
        'status, source. Name them in a mapping file ([columns] contract_column = "header") '
        "or give a [constants] value."
    )
    assert_unchanged(lite, before)


def test_an_unknown_table_and_a_mapping_to_a_missing_header_are_rejected(lite, before, tmp_path):
    path = write(tmp_path, "t.csv", csv_bytes(row("T1")))
    message = rejected(lite, path, table="ticket")
    assert message == f"no contract table 'ticket'; tables: {', '.join(IMPORT_ORDER)}"
    declared = {"columns": {"issued_at": "取号日期"}}
    assert rejected(lite, path, declared=declared) == (
        "mapping: [columns] issued_at = '取号日期': the file has no such column "
        f"(it has: {HEADER.replace(',', ', ')})"
    )
    assert_unchanged(lite, before)


# --- 4: encodings -----------------------------------------------------------------------------


def neither_message(name: str, data: bytes, bad: bytes, line: int) -> str:
    """The message for bytes that are neither encoding, the bad byte first found at `bad`."""
    offset = data.index(bad)
    assert data.count(b"\n", 0, offset) + 1 == line  # the test's own arithmetic
    return (
        f"{name}: line {line}: the bytes are neither UTF-8 nor GB18030/GBK (first bad byte at "
        f"offset {offset:,}; as GB18030 at line {line}); {SAVE_AS}"
    )


ENCODING_CASES = {
    # two 0xFF bytes: not UTF-8, and no GB18030 sequence starts with 0xFF
    "ff-bytes": (
        csv_bytes(row("T1")) + row("T2", source="walk").encode() + b"\xff\xff\n",
        b"\xff",
        3,
    ),
    # a lone 0x80: a UTF-8 continuation byte without a lead, and no GB18030 lead byte either
    "lone-0x80": (csv_bytes() + row("T1", status="").encode() + b"\x80served\n", b"\x80", 2),
    # Latin-1 (a European Excel's "CSV"): é followed by a comma is neither
    "latin-1": (csv_bytes(row("T1"), row("T2", source="café"), encoding="latin-1"), b"\xe9", 3),
    # Shift-JIS half-width katakana ｱｲｳ at the end of a line: 0xB3 0x0A is no GB18030 pair
    "shift-jis": (
        csv_bytes(row("T1"), row("T2"), row("T3"))
        + row("T4", source="ｱｲｳ").encode("shift_jis")
        + b"\n",
        b"\xb1",
        5,
    ),
}


@pytest.mark.parametrize("case", list(ENCODING_CASES))
def test_bytes_that_are_neither_utf8_nor_gbk_are_rejected_naming_the_line(
    lite, before, tmp_path, case
):
    data, bad, line = ENCODING_CASES[case]
    path = write(tmp_path, "t.csv", data)
    assert rejected(lite, path) == neither_message("t.csv", data, bad, line)
    assert_unchanged(lite, before)


BOM_THEN_GBK = b"\xef\xbb\xbf" + csv_bytes(row("T1", queue="综合业务"), encoding="gbk")


def test_a_bom_followed_by_gbk_text_is_rejected_as_mixed(lite, before, tmp_path):
    message = rejected(lite, write(tmp_path, "t.csv", BOM_THEN_GBK))
    assert message.startswith("t.csv: line 2: the file starts with a UTF-8 BOM but byte ")
    assert message.endswith(" is not UTF-8 (mixed encodings?)")
    assert_unchanged(lite, before)


def test_the_offset_after_a_bom_counts_the_bom(lite, before, tmp_path):
    offset = BOM_THEN_GBK.index("综".encode("gbk"))
    assert rejected(lite, write(tmp_path, "t.csv", BOM_THEN_GBK)) == (
        f"t.csv: line 2: the file starts with a UTF-8 BOM but byte {offset:,} is not UTF-8 "
        "(mixed encodings?)"
    )
    assert_unchanged(lite, before)


def test_full_width_shift_jis_reads_as_gbk_and_the_row_is_still_refused(lite, before, tmp_path):
    """Shift-JIS です is also valid GB18030 (偱偡): the file decodes, but no code matches."""
    data = csv_bytes(row("T1"), row("T2", source="です"), encoding="shift_jis")
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data))
    refused(report, rows_read=2, bad=1)
    assert report.notes == ["encoding: GB18030/GBK"]
    assert report.problems == [
        Problem(
            3,
            "source",
            "偱偡",
            "unknown value; expected walk_in (现场取号), appointment (预约), priority (绿色通道)",
        )
    ]
    assert_unchanged(lite, before)


def test_a_gbk_export_with_chinese_headers_imports(lite, tmp_path):
    """The contrast to the cases above: GBK is an accepted encoding, named in the notes."""
    data = csv_bytes(
        "G1,示范区政务服务中心,综合业务,2026/3/2 9:05,已完成,现场",
        header="取号流水号,大厅,业务类型,取号时间,状态,取号方式",
        encoding="gbk",
        eol="\r\n",
    )
    report = import_file(lite, "tickets", write(tmp_path, "取号记录.csv", data))
    assert report.committed
    assert report.notes == ["encoding: GB18030/GBK"]
    assert ("G1", "H01", "Q1", at("2026-03-02 09:05"), None, "served", "walk_in") in tickets(lite)


def test_the_bad_byte_after_a_character_split_by_the_read_boundary_is_placed_exactly(
    lite, before, tmp_path
):
    data = bytearray(csv_bytes())
    n = 0
    while len(data) < (1 << 20) - 100:
        data += (row(f"T{n:06d}", source="现场") + "\n").encode()
        n += 1
    prefix = row("T999999", source="").encode()
    # 好 is three bytes: put two of them before the 1 MiB boundary and one after it
    data += prefix + b"x" * ((1 << 20) - 2 - len(data) - len(prefix)) + "好\n".encode()
    assert data[(1 << 20) - 2 : (1 << 20) + 1] == "好".encode()
    data += row("T888888", source="walk").encode() + b"\xff\n" + row("T777777").encode() + b"\n"
    path = write(tmp_path, "big.csv", bytes(data))
    offset = bytes(data).index(b"\xff")
    line = bytes(data).count(b"\n", 0, offset) + 1
    message = rejected(lite, path)
    assert message.startswith(f"big.csv: line {line}: the bytes are neither UTF-8 nor GB18030")
    assert f"first bad byte at offset {offset:,};" in message
    assert_unchanged(lite, before)


def test_a_bad_utf16_sequence_is_reported_on_its_own_line(lite, before, tmp_path):
    text = csv_bytes(row("T1", issued="2026-03-02 上午"), eol="\r\n").decode()
    data = (
        b"\xff\xfe"
        + text.encode("utf-16-le")
        + "T3,H01,Q1,2026-03-02 09:00,,waiting,".encode("utf-16-le")
        + b"\x00\xd8"  # a high surrogate without its low half
        + "x\r\n".encode("utf-16-le")
    )
    offset = data.index(b"\x00\xd8")
    message = rejected(lite, write(tmp_path, "t.csv", data))
    assert message == f"t.csv: line 3: byte {offset:,} is not valid UTF-16"
    assert_unchanged(lite, before)


# --- 5-8: values ------------------------------------------------------------------------------


def test_malformed_and_impossible_timestamps_name_line_column_value_and_kind(
    lite, before, tmp_path
):
    data = csv_bytes(
        row("T1", "yesterday"),
        row("T2", "2026-13-45x"),
        row("T3", "2026-02-30 09:00"),
        row("T4", "2026-03-02 25:00"),
        row("T5", "2026-03-02 09:12:00"),
        row("T6", "2026-03-02 09:13", called="2026-03-02 9:6o"),
        row("T7", "2026-02-29 08:00:00"),  # 2026 is not a leap year
        eol="\r\n",
    )
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data))
    refused(report, rows_read=7, bad=6)
    assert report.problems == [
        Problem(2, "issued_at", "yesterday", NOT_A_DATETIME),
        Problem(3, "issued_at", "2026-13-45x", NOT_A_DATETIME),
        Problem(4, "issued_at", "2026-02-30 09:00", NO_SUCH_DATETIME),
        Problem(5, "issued_at", "2026-03-02 25:00", NO_SUCH_DATETIME),
        Problem(7, "called_at", "2026-03-02 9:6o", NOT_A_DATETIME),
        Problem(8, "issued_at", "2026-02-29 08:00:00", NO_SUCH_DATETIME),
    ]
    assert report.problems[0].text("t.csv") == f"t.csv:2: issued_at = 'yesterday': {NOT_A_DATETIME}"
    assert report.problem_counts == Counter(
        {
            ("issued_at", NOT_A_DATETIME): 2,
            ("issued_at", NO_SUCH_DATETIME): 3,
            ("called_at", NOT_A_DATETIME): 1,
        }
    )
    lines = report.summary_lines()
    assert lines[:2] == [
        f"t.csv:2: issued_at = 'yesterday': {NOT_A_DATETIME}",
        f"t.csv:3: issued_at = '2026-13-45x': {NOT_A_DATETIME}",
    ]
    assert "nothing was written" in lines[-2]
    assert lines[-1].startswith("t.csv → tickets: 7 rows read, 6 rejected; NOT imported in ")
    assert_unchanged(lite, before)


@pytest.mark.parametrize("value", ["2026-03-02 09:14:60", "2026-03-02 23:59:60"])
def test_second_sixty_is_no_such_time(lite, before, tmp_path, value):
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", csv_bytes(row("T1", value))))
    assert report.problems == [Problem(2, "issued_at", value, NO_SUCH_DATETIME)]
    assert_unchanged(lite, before)


@pytest.mark.parametrize("column", ["issued_at", "called_at"])
def test_year_zero_is_no_such_date(lite, before, tmp_path, column):
    year0 = "0000-01-01 00:00:00"
    line = row("T1", year0) if column == "issued_at" else row("T1", called=year0)
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", csv_bytes(line)))
    assert report.problems == [Problem(2, column, year0, "the year is outside 1970–2099")]
    assert_unchanged(lite, before)


def test_a_timestamp_at_the_end_of_time_does_not_crash_the_import(lite, tmp_path):
    data = csv_bytes(row("T1", "9999-12-31 23:59:59"))
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data))
    assert report.rows_read == 1


def test_an_unknown_status_lists_the_valid_codes(lite, before, tmp_path):
    data = csv_bytes(row("T1"), row("T2", status="finished"), row("T3", status="已作废"))
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data))
    refused(report, rows_read=3, bad=2)
    assert report.problems == [
        Problem(3, "status", "finished", UNKNOWN_STATUS),
        Problem(4, "status", "已作废", UNKNOWN_STATUS),
    ]
    assert_unchanged(lite, before)


def test_a_duplicate_id_rejects_the_second_occurrence(hall, tmp_path):
    before = snapshot(hall)
    data = csv_bytes(row("T1"), row("T2"), row("T1", "2026-03-02 09:05:00"), row(" T2 "))
    report = import_file(hall, "tickets", write(tmp_path, "t.csv", data))
    refused(report, rows_read=4, bad=2)
    assert report.problems == [
        Problem(4, "ticket_id", "T1", "duplicate key: already on line 2"),
        Problem(5, "ticket_id", "T2", "duplicate key: already on line 3"),
    ]
    assert_unchanged(hall, before)


def test_a_duplicate_in_a_later_chunk_names_the_first_line(lite, before, tmp_path):
    data = csv_bytes(*(row(f"T{i}") for i in range(1, 6)), row("T2"))
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data), chunk_rows=2)
    refused(report, rows_read=6, bad=1)
    assert report.problems == [Problem(7, "ticket_id", "T2", "duplicate key: already on line 3")]
    assert_unchanged(lite, before)


def test_ids_that_differ_only_in_case_are_two_tickets(hall, tmp_path):
    data = csv_bytes(row("T1", "2026-03-02 09:00:00"), row("t1", "2026-03-02 09:05:00"))
    report = import_file(hall, "tickets", write(tmp_path, "t.csv", data))
    assert (report.imported, report.new_rows, report.rejected) == (2, 2, 0)
    stored = {r[0]: r[3] for r in tickets(hall)}
    assert stored == {
        "T0": at("2026-03-02 08:31:00"),
        "T1": at("2026-03-02 09:00:00"),
        "t1": at("2026-03-02 09:05:00"),
    }


def test_unknown_hall_and_queue_are_rejected(hall, tmp_path):
    before = snapshot(hall)
    data = csv_bytes(row("T1"), row("T2", hall="H99"), row("T3", queue="不动产登记"))
    report = import_file(hall, "tickets", write(tmp_path, "t.csv", data))
    refused(report, rows_read=3, bad=2)
    assert report.problems == [
        Problem(3, "hall_id", "H99", UNKNOWN_HALL),
        Problem(
            4,
            "queue_id",
            "不动产登记",
            UNKNOWN_QUEUE,
        ),
    ]
    assert_unchanged(hall, before)


# --- 9-11: what is accepted: extra columns, BOM and CRLF, quoted line breaks -------------------


def test_extra_columns_are_ignored_and_named_in_a_note(lite, tmp_path):
    data = csv_bytes(
        "T1,H01,综合业务,2026-03-02 09:00:00,2026-03-02 09:04:00,已完成,现场,13800000000,A01,张敏",
        header=f"{HEADER},手机号,窗口,备注",
    )
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data))
    assert report.committed and report.ok
    assert (report.rows_read, report.imported, report.new_rows) == (1, 1, 1)
    assert report.notes == [
        "ignored columns (not in the contract): 备注",
        "personal data not stored (个人信息未保存): 手机号 (phone)",
    ]
    assert report.personal == ["手机号"]
    with lite.connect() as conn:
        got = read_table(conn, "tickets").filter(pl.col("ticket_id") == "T1")
    assert got.select(*TICKET_COLUMNS, "window_id").rows() == [
        (
            "T1",
            "H01",
            "Q1",
            at("2026-03-02 09:00"),
            at("2026-03-02 09:04"),
            "served",
            "walk_in",
            "W1",
        )
    ]


@pytest.mark.parametrize(("bom", "eol"), [(True, "\r\n"), (True, "\n"), (False, "\r\n")])
def test_a_bom_and_crlf_line_ends_do_not_reach_the_values(lite, tmp_path, bom, eol):
    data = csv_bytes(row("T1", called="2026-03-02 09:03:00", status="called"), bom=bom, eol=eol)
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data))
    assert report.committed
    assert report.source is not None
    assert report.source.header == HEADER.split(",")
    assert report.source.encoding == ("utf-8-sig" if bom else "utf-8")
    assert report.notes == []
    t1 = ("T1", "H01", "Q1", at("2026-03-02 09:00"), at("2026-03-02 09:03"), "called", "walk_in")
    assert t1 in tickets(lite)


RATING = "rating: must be between 1 and 5"


def test_quoted_line_breaks_keep_the_value_and_the_line_numbers(lite, tmp_path):
    """A quoted value may hold line breaks (LF or CRLF), commas and doubled quotes: it is kept
    as it was, and the rows after it are still named by the physical line they start on."""
    data = (
        f"{EVAL_HEADER}\r\n"
        'E1,H01,2026-03-02 09:30:00,5,device,"窗口A01办事快,\r\n态度好"\r\n'  # lines 2-3
        'E2,H01,2026-03-02 09:31:00,4,sms,"第一行\n第二行, 有逗号\n""引号""第三行"\r\n'  # 4-6
        "E3,H01,2026-03-02 09:32:00,9,qr,ok\r\n"  # line 7
        'E4,H01,2026-03-02 09:33:00,6,app,"两行\r\n评价"\r\n'  # lines 8-9
        "E5,H01,2026-03-02 09:34:00,3,web,\r\n"  # line 10
    ).encode()
    rejects = tmp_path / "rejects.csv"
    path = write(tmp_path, "评价.csv", data)
    report = import_file(lite, "evaluations", path, skip_bad=True, rejects=rejects)
    assert report.problems == [
        Problem(7, "rating", "9", "must be between 1 and 5"),
        Problem(8, "rating", "6", "must be between 1 and 5"),
    ]
    assert (report.rows_read, report.imported, report.rejected) == (5, 3, 2)
    with lite.connect() as conn:
        got = read_table(conn, "evaluations").select("eval_id", "rating", "comment").rows()
    assert got == [
        ("E1", 5, "窗口A01办事快,\r\n态度好"),
        ("E2", 4, '第一行\n第二行, 有逗号\n"引号"第三行'),
        ("E5", 3, None),
    ]
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [
            ["行号 line", "错误原因 reason", *EVAL_HEADER.split(",")],
            ["7", RATING, "E3", "H01", "2026-03-02 09:32:00", "9", "qr", "ok"],
            ["8", RATING, "E4", "H01", "2026-03-02 09:33:00", "6", "app", "两行\r\n评价"],
        ]


# --- 12: huge fields ---------------------------------------------------------------------------


UNCLOSED = (
    "an unclosed quote: the quote opened in field 7 is not closed on this line (the lines after "
    "it were read on their own)"
)


def unclosed_quote_after(good: int, after: int = 40_000) -> bytes:
    """`good` good rows, then one whose quote never closes, then more than 1 MiB of rows."""
    return (
        csv_bytes(*(row(f"T{i}") for i in range(1, good + 1)))
        + b'TX,H01,Q1,2026-03-02 09:00:00,,waiting,"walk_in\n'
        + "".join(row(f"T{100_000 + i}") + "\n" for i in range(after)).encode()
    )


@pytest.mark.parametrize(
    "good",
    [
        pytest.param(2, id="while-finding-the-header"),
        pytest.param(12, id="while-importing"),
    ],
)
def test_an_unclosed_quote_is_blamed_on_its_line_and_the_lines_after_it_import(
    lite, before, tmp_path, good
):
    """The quote opened on one line used to swallow the rest of the file (refused as one
    field longer than 1 MiB); now that line alone is rejected, as an unclosed quote, in the
    column it opened in, and the 40,000 lines after it are read and imported on their own."""
    path = write(tmp_path, "t.csv", unclosed_quote_after(good))
    assert path.stat().st_size > 1 << 20
    report = import_file(lite, "tickets", path)
    refused(report, rows_read=good + 1 + 40_000, bad=1)
    assert report.problems == [Problem(good + 2, "source", "walk_in", UNCLOSED)]
    assert_unchanged(lite, before)
    rejects = tmp_path / "rejects.csv"
    report = import_file(lite, "tickets", path, skip_bad=True, rejects=rejects)
    assert (report.imported, report.rejected, report.committed) == (good + 40_000, 1, True)
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [
            REJECT_HEADER,
            [
                str(good + 2),
                f"source: {UNCLOSED}",
                *["TX", "H01", "Q1", "2026-03-02 09:00:00", "", "waiting"],
                "walk_in\n",
            ],
        ]


def test_an_unclosed_quote_in_a_short_file_keeps_the_next_lines(lite, before, tmp_path):
    """The HTML-era case: a stray quote in a comment takes the next lines into one record,
    rejected for the wrong cause (too many fields); the cause is the quote, on its line."""
    data = csv_bytes(row("T1")) + b'T2,H01,Q1,2026-03-02 09:01:00,,waiting,"walk_in\n'
    data += (row("T3") + "\n" + row("T4") + "\n").encode()
    rejects = tmp_path / "rejects.csv"
    report = import_file(
        lite, "tickets", write(tmp_path, "t.csv", data), skip_bad=True, rejects=rejects
    )
    assert report.problems == [Problem(3, "source", "walk_in", UNCLOSED)]
    assert sorted(r[0] for r in tickets(lite)) == ["T0", "T1", "T3", "T4"]


def test_a_file_that_breaks_after_written_chunks_leaves_nothing_behind(lite, before, tmp_path):
    """12 good rows are upserted one chunk at a time before the reader fails on line 14 (a
    line longer than [imports] max_line_kb): the transaction rolls back even with skip_bad,
    and the rejects file is not left half-written."""
    data = csv_bytes(*(row(f"T{i}") for i in range(1, 13)))
    data += b"T13,H01,Q1,2026-03-02 09:00:00,,waiting," + b"x" * (5 << 20) + b"\n"
    path = write(tmp_path, "t.csv", data)
    rejects = tmp_path / "out" / "rejects.csv"
    with pytest.raises(
        (FileRejected, SourceError),
        match=r"^t\.csv: line 14: the line is longer than 4,096 KiB \(\[imports\] max_line_kb\)",
    ):
        import_file(lite, "tickets", path, skip_bad=True, rejects=rejects, chunk_rows=1)
    assert list(rejects.parent.glob("*")) == []  # neither the rejects file nor its temporary
    assert_unchanged(lite, before)


def test_a_refused_file_reports_nothing_imported_after_a_rollback(lite, before, tmp_path):
    data = csv_bytes(row("T1"), row("T2"), row("T3", hall="H99"))
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data), chunk_rows=2)
    assert not report.committed
    assert_unchanged(lite, before)
    assert report.to_json()["imported"] == 0
    assert report.imported == 0


def evaluation(comment: str) -> bytes:
    return f"{EVAL_HEADER}\nE1,H01,2026-03-02 09:30:00,5,device,{comment}\n".encode()


@pytest.mark.parametrize("comment", ["评" * 20_000, "x" * 65_535], ids=["60000-bytes", "65535"])
def test_a_long_comment_within_a_text_column_imports_intact(lite, tmp_path, comment):
    report = import_file(lite, "evaluations", write(tmp_path, "e.csv", evaluation(comment)))
    assert report.committed
    with lite.connect() as conn:
        assert read_table(conn, "evaluations")["comment"].to_list() == [comment]


@pytest.mark.parametrize(
    "comment", ["x" * 65_536, "好" * 21_846], ids=["65536-ascii", "21846-chinese-65538-bytes"]
)
def test_a_comment_longer_than_65535_bytes_is_rejected(lite, before, tmp_path, comment):
    report = import_file(lite, "evaluations", write(tmp_path, "e.csv", evaluation(comment)))
    refused(report, rows_read=1, bad=1)
    # the value a problem shows is cut at 200 characters (1,000 problems of 1 MiB would not fit
    # in memory); the rejects file has the row whole
    assert report.problems == [Problem(2, "comment", comment[:200], "longer than 65,535 bytes")]
    assert report.summary_lines()[0] == (
        f"e.csv:2: comment = {comment[:57] + '…'!r}: longer than 65,535 bytes"
    )
    assert_unchanged(lite, before)


def test_the_longest_comment_fits_every_backend(hall, tmp_path):
    comment = "好" * 21_845  # 65,535 bytes of UTF-8: MariaDB's TEXT holds exactly this
    report = import_file(hall, "evaluations", write(tmp_path, "e.csv", evaluation(comment)))
    assert report.committed
    with hall.connect() as conn:
        assert read_table(conn, "evaluations")["comment"].to_list() == [comment]


# --- 13: files that are not tables -------------------------------------------------------------


def zip_of(**files: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buf.getvalue()


EDIT_AND_SAVE = "open it in Excel or WPS and save it as .xlsx or CSV"
NOT_TABLES = [
    (
        "报表.pdf",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "a PDF document, not a CSV or .xlsx table",
    ),
    ("截图.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image, not a CSV or .xlsx table"),
    ("照片.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image, not a CSV or .xlsx table"),
    ("t.csv.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "a gzip archive, not a CSV or .xlsx table"),
    ("t.rar", b"Rar!\x1a\x07\x01\x00", "a RAR archive, not a CSV or .xlsx table"),
    ("t.7z", b"7z\xbc\xaf\x27\x1c\x00\x04", "a 7-Zip archive, not a CSV or .xlsx table"),
    ("hall.db", b"SQLite format 3\x00\x10\x00", "an SQLite database, not a CSV or .xlsx table"),
    (
        "取号记录.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
        f"an old Excel .xls workbook; {EDIT_AND_SAVE}",
    ),
    (
        "网页导出.xls",
        b"<html><head><meta charset=utf-8></head><body><table><tr><td>ticket_id</td></tr>"
        b"</table></body></html>",
        f"an HTML/XML page (some systems save web tables as .xls); {EDIT_AND_SAVE}",
    ),
    (
        "表格.xls",
        b'\xef\xbb\xbf\r\n  <table border="1"><tr><th>\xe5\x8f\x96\xe5\x8f\xb7</th></tr></table>',
        f"an HTML/XML page (some systems save web tables as .xls); {EDIT_AND_SAVE}",
    ),
    (
        "ss.xml.xls",
        b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
        f"an HTML/XML page (some systems save web tables as .xls); {EDIT_AND_SAVE}",
    ),
    (
        "程序.csv",
        b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4,
        "a binary file (it contains NUL bytes), not a CSV table",
    ),
    (
        "t.csv",
        b"ticket_id,hall_id\nT1\x00\x00\x00,H01\n",
        "a binary file (it contains NUL bytes), not a CSV table",
    ),
]


@pytest.mark.parametrize(("name", "data", "what"), NOT_TABLES, ids=[c[0] for c in NOT_TABLES])
def test_a_file_that_is_not_a_table_is_named_for_what_it_is(
    lite, before, tmp_path, name, data, what
):
    assert rejected(lite, write(tmp_path, name, data)) == f"{name}: {what}"
    assert_unchanged(lite, before)


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (
            zip_of(**{"readme.txt": "hello"}),
            "\"There is no item named '[Content_Types].xml' in the archive\"",
        ),
        (b"PK\x03\x04" + b"\x00" * 100, "File is not a zip file"),
    ],
    ids=["zip-of-text", "broken-zip"],
)
def test_a_zip_that_is_not_a_workbook_is_rejected(lite, before, tmp_path, data, detail):
    message = rejected(lite, write(tmp_path, "取号.xlsx", data))
    assert message == f"取号.xlsx: a ZIP file that is not a readable .xlsx workbook ({detail})"
    assert_unchanged(lite, before)


def test_a_folder_and_a_missing_file_are_rejected(lite, before, tmp_path):
    (tmp_path / "导出").mkdir()
    assert rejected(lite, tmp_path / "导出") == "导出: a folder, not a file"
    assert rejected(lite, tmp_path / "nope.csv") == "nope.csv: no such file"
    assert_unchanged(lite, before)


def workbook_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ticket_id", "hall_id", "queue_id", "issued_at", "status", "source"])
    ws.append(["X1", "H01", "Q1", "2026-03-02 09:00:00", "waiting", "walk_in"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_bad_row_of_a_workbook_is_named_by_its_excel_row(lite, before, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["示范区政务服务中心 取号记录"])  # a title row above the header
    ws.append(["取号流水号", "大厅", "业务类型", "取号时间", "状态", "取号方式"])
    ws.append(["X1", "H01", "综合业务", dt.datetime(2026, 3, 2, 9, 0), "已完成", "现场"])
    ws.append(["X2", "H01", "综合业务", "2026-02-30 09:00", "已完成", "现场"])
    ws.append(["X3", "H99", "综合业务", dt.datetime(2026, 3, 2, 9, 5), "finished"])
    wb.save(tmp_path / "取号.xlsx")
    report = import_file(lite, "tickets", tmp_path / "取号.xlsx")
    refused(report, rows_read=3, bad=2)
    assert report.source is not None and report.source.header_line == 2
    assert report.problems == [
        Problem(4, "issued_at", "2026-02-30 09:00", NO_SUCH_DATETIME),
        Problem(5, "status", "finished", UNKNOWN_STATUS),
        Problem(5, "source", "", "required, but empty"),  # the trailing empty cell
        Problem(5, "hall_id", "H99", UNKNOWN_HALL),
        Problem(5, "queue_id", "综合业务", UNKNOWN_QUEUE),  # no such queue in hall H99
    ]
    assert_unchanged(lite, before)


@pytest.mark.parametrize("name", ["取号记录.csv", "取号记录", "取号记录.zip"])
@pytest.mark.parametrize("content", ["workbook", "zip-of-text"])
def test_a_zip_is_judged_by_its_content_not_its_name(lite, before, tmp_path, name, content):
    data = workbook_bytes() if content == "workbook" else zip_of(**{"readme.txt": "hello"})
    path = write(tmp_path, name, data)
    try:  # a workbook is best read; rejecting it by name would do too; crashing will not
        report = import_file(lite, "tickets", path, dry_run=True)
    except FileRejected as exc:
        assert str(exc).startswith(f"{name}: ")
    else:
        assert content == "workbook"
        assert (report.rows_read, report.rejected) == (1, 0)
    assert_unchanged(lite, before)


# --- 14: field counts ------------------------------------------------------------------------


def test_rows_with_the_wrong_number_of_fields_give_both_counts(lite, before, tmp_path):
    data = csv_bytes(
        row("T1"),
        "T2,H01,Q1,2026-03-02 09:00:00,,waiting",  # 6 fields
        row("T3") + ",13800000000,备注",  # 9 fields, the extra ones not empty
        row("T4") + ",,  ,",  # 10 fields, the extra ones empty: fine
        "T5,H01,Q1,2026-03-02 09:00:00,,waiting,walk_in,",  # 8 fields, one empty extra: fine
        "T6 H01 Q1",  # 1 field
    )
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data))
    refused(report, rows_read=6, bad=3)
    hint = " (a line break inside an unquoted value?)"
    assert report.problems == [
        Problem(3, "", "", f"the row has 6 fields but the header has 7{hint}"),
        Problem(4, "", "", "the row has 9 fields but the header has 7"),
        Problem(7, "", "", f"the row has 1 fields but the header has 7{hint}"),
    ]
    assert report.problems[1].text("t.csv") == "t.csv:4: the row has 9 fields but the header has 7"
    assert_unchanged(lite, before)


# --- 15-16: all-or-nothing, skip-bad with rejects, dry run --------------------------------------

MIXED = [
    row("T0", "2026-03-02 08:31:00", called="2026-03-02 08:45:00", status="no_show"),  # 2
    row("T1", "2026-03-02 09:00:00"),  # 3
    row("T2", "2026-03-02 09:10:00", hall="H99"),  # 4
    row("T3", "2026-03-02 09:20:00", queue="综合业务", source="现场"),  # 5
    row("T1", "2026-03-02 09:30:00"),  # 6
    row("T4", "2026-03-02 09:40:00", status="finished"),  # 7
]
MIXED_PROBLEMS = [
    Problem(4, "hall_id", "H99", UNKNOWN_HALL),
    Problem(6, "ticket_id", "T1", "duplicate key: already on line 3"),
    Problem(7, "status", "finished", UNKNOWN_STATUS),
]


def test_one_bad_row_and_nothing_is_written(hall, tmp_path):
    """Good rows (an update of T0, new T1 and T3) are upserted chunk by chunk before the bad
    ones turn up: the transaction is rolled back on every backend."""
    before = snapshot(hall)
    path = write(tmp_path, "t.csv", csv_bytes(*MIXED))
    report = import_file(hall, "tickets", path, chunk_rows=2)
    refused(report, rows_read=6, bad=3)
    assert report.problems == MIXED_PROBLEMS
    assert report.calendar_added == 0
    assert_unchanged(hall, before)


def test_skip_bad_writes_the_good_rows_and_the_bad_ones_to_rejects(hall, tmp_path):
    path = write(tmp_path, "t.csv", csv_bytes(*MIXED, eol="\r\n"))
    rejects = tmp_path / "rejects" / "t.rejects.csv"
    report = import_file(hall, "tickets", path, skip_bad=True, rejects=rejects, chunk_rows=2)
    assert report.ok and report.committed
    assert (report.rows_read, report.imported, report.new_rows, report.rejected) == (6, 3, 2, 3)
    assert report.problems == MIXED_PROBLEMS
    assert report.rejects_file == rejects
    assert tickets(hall) == [
        ("T0", "H01", "Q1", at("2026-03-02 08:31"), at("2026-03-02 08:45"), "no_show", "walk_in"),
        ("T1", "H01", "Q1", at("2026-03-02 09:00"), None, "waiting", "walk_in"),
        ("T3", "H01", "Q1", at("2026-03-02 09:20"), None, "waiting", "walk_in"),
    ]
    raw = rejects.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [
            REJECT_HEADER,
            ["4", f"hall_id: {UNKNOWN_HALL}", *MIXED[2].split(",")],
            ["6", "ticket_id: duplicate key: already on line 3", *MIXED[4].split(",")],
            ["7", f"status: {UNKNOWN_STATUS}", *MIXED[5].split(",")],
        ]
    assert sorted(p.name for p in rejects.parent.iterdir()) == ["t.rejects.csv"]


def test_rejects_hold_short_rows_padded_and_every_reason_of_a_row(lite, tmp_path):
    data = csv_bytes(row("T1"), "T2,H01,Q1", row("T3", "yesterday", hall="H99", status="done"))
    rejects = tmp_path / "rejects.csv"
    path = write(tmp_path, "t.csv", data)
    report = import_file(lite, "tickets", path, skip_bad=True, rejects=rejects)
    assert (report.imported, report.rejected) == (1, 2)
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        got = list(csv.DictReader(fh))
    assert [(r["ticket_id"], r["行号 line"], r["错误原因 reason"]) for r in got] == [
        (
            "T2",
            "3",
            "the row has 3 fields but the header has 7 (a line break inside an unquoted value?)",
        ),
        (
            "T3",
            "4",
            f"issued_at: {NOT_A_DATETIME}; status: {UNKNOWN_STATUS}; hall_id: {UNKNOWN_HALL}",
        ),
    ]


def test_rejects_keep_line_and_reason_under_their_headers_for_a_too_long_row(lite, tmp_path):
    data = csv_bytes(row("T1"), row("T2") + ",13800000000,备注")
    rejects = tmp_path / "rejects.csv"
    import_file(lite, "tickets", write(tmp_path, "t.csv", data), skip_bad=True, rejects=rejects)
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        got = list(csv.DictReader(fh))
    assert len(got) == 1
    assert got[0]["ticket_id"] == "T2"
    assert got[0]["行号 line"] == "3"
    assert got[0]["错误原因 reason"] == "the row has 9 fields but the header has 7"


def test_a_dry_run_writes_nothing_even_for_a_good_file(lite, before, tmp_path):
    data = csv_bytes(row("T1"), row("T2", queue="综合业务"))
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data), dry_run=True)
    assert report.ok and not report.committed
    assert (report.rows_read, report.rejected, report.imported, report.new_rows) == (2, 0, 0, 0)
    assert report.calendar_added == 0
    assert report.summary_lines()[-1].startswith(
        "t.csv → tickets: 2 rows read, 0 rejected; checked (dry run) in "
    )
    assert_unchanged(lite, before)


def test_a_dry_run_does_not_create_the_schema(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        data = csv_bytes(row("T1"))
        report = import_file(engine, "tickets", write(tmp_path, "t.csv", data), dry_run=True)
        assert report.problems == [
            Problem(2, "hall_id", "H01", UNKNOWN_HALL),
            Problem(
                2,
                "queue_id",
                "Q1",
                UNKNOWN_QUEUE,
            ),
        ]
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


# --- 17: suspicious but possible ---------------------------------------------------------------


def test_called_before_issued_is_imported_and_counted_as_a_warning(lite, tmp_path):
    data = csv_bytes(
        row("T1", "2026-03-02 09:00:00", called="2026-03-02 09:02:00", status="called"),
        row("T2", "2026-03-02 09:10:00", called="2026-03-02 09:01:00", status="called"),
    )
    report = import_file(lite, "tickets", write(tmp_path, "t.csv", data))
    assert report.committed and report.ok
    assert (report.imported, report.rejected) == (2, 0)
    assert report.warnings == Counter({"called before it was issued": 1})
    assert report.warning_lines == {"called before it was issued": [3]}
    assert (
        "data-quality warning: 1 rows called before it was issued (imported; lines 3)"
        in report.summary_lines()
    )
    t2 = ("T2", "H01", "Q1", at("2026-03-02 09:10"), at("2026-03-02 09:01"), "called", "walk_in")
    assert t2 in tickets(lite)


# --- 18: the command line ----------------------------------------------------------------------

HALL = Path(sys.executable).parent / "hall"


def hall_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(HALL), *args], capture_output=True, text=True, encoding="utf-8", timeout=60
    )


def test_cli_rejects_a_bad_file_with_file_and_line_and_exit_1(lite, before, tmp_path):
    path = write(tmp_path, "取号.csv", csv_bytes(*MIXED))
    result = hall_cli("import", "--db", str(lite.url), "tickets", str(path))
    assert result.returncode == 1, result.stderr
    out = result.stdout.splitlines()
    assert out[:3] == [
        f"取号.csv:4: hall_id = 'H99': {UNKNOWN_HALL}",
        "取号.csv:6: ticket_id = 'T1': duplicate key: already on line 3",
        f"取号.csv:7: status = 'finished': {UNKNOWN_STATUS}",
    ]
    assert out[-2] == (
        "nothing was written: fix the rows above, or import the good rows with --skip-bad "
        "--rejects FILE"
    )
    assert out[-1].startswith("取号.csv → tickets: 6 rows read, 3 rejected; NOT imported in ")
    assert_unchanged(lite, before)


def test_cli_rejects_a_file_that_is_not_a_table_with_exit_1(lite, before, tmp_path):
    path = write(tmp_path, "取号.csv", b"")
    result = hall_cli("import", "--db", str(lite.url), "tickets", str(path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["hall import: 取号.csv: the file is empty"]
    assert result.stdout == ""
    assert_unchanged(lite, before)


def test_cli_skip_bad_without_rejects_exits_1_and_writes_nothing(lite, before, tmp_path):
    path = write(tmp_path, "取号.csv", csv_bytes(*MIXED))
    result = hall_cli("import", "--db", str(lite.url), "tickets", str(path), "--skip-bad")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "hall import: --skip-bad needs --rejects FILE, so that no row is lost"
    ]
    assert_unchanged(lite, before)
