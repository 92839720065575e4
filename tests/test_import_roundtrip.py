"""Import ↔ export: round trips on every backend, and what the importer promises.

- export → import in contract order reproduces every table exactly (CSV, and a fact table
  through .xlsx), on SQLite, PostgreSQL and MariaDB;
- importing a file twice changes nothing; a corrected file updates exactly its rows; a file
  without an optional column never wipes that column;
- a hall's service hours are replaced per hall, overlapping slots are rejected, seasonal
  versions of a slot coexist;
- vendor exports (GBK CSV, .xlsx, DingTalk clock times) import with the presets alone, odd ones
  with a TOML mapping; timestamps with an offset land in the hall's local time;
- nothing is half-written: a database error midway or `kill -9` leaves every table as it was;
- importing facts adds China's calendar for their years without touching rows already there;
- the `hall export` / `hall import` commands reproduce a database, print JSON, exit 0/1.

The source is a small demo network (3 days to 2026-03-06, seed 7) built once per module.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import sqlalchemy as sa
from conftest import empty_database, server_engine
from polars.testing import assert_frame_equal
from sqlalchemy.engine import Engine

from cli.main import main
from imports import importer
from imports.contract import IMPORT_ORDER
from imports.export import export_table
from imports.importer import FileRejected, import_file, inspect_file
from imports.validate import Problem
from queries import db, schema, upsert
from queries.db import make_engine
from queries.tables import polars_schema, read_table
from simulation.demo import DemoOptions
from simulation.writer import write_demo
from workdays import china_calendar

ROOT = Path(__file__).resolve().parent.parent
END = dt.date(2026, 3, 6)
REFERENCE = IMPORT_ORDER[: IMPORT_ORDER.index("calendar")]  # halls … service_hours
SH_COLUMNS = ["hall_id", "weekday", "start", "end", "kind", "valid_from", "valid_to"]
SH_HEADER = ",".join(SH_COLUMNS)
D = dt.date
T = dt.time


def DT(*parts: int) -> dt.datetime:
    return dt.datetime(*parts)


# --- fixtures and helpers --------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    raw_url: str  # exactly as write_demo left it
    url: str  # the same data, timestamps at the contract's resolution (whole seconds)
    csv: Path  # every table of `url` exported to <table>.csv
    frames: dict[str, pl.DataFrame]  # every table of `url`, as read_table gives it
    reference_db: Path  # an SQLite file holding only halls … service_hours, imported
    sample: dict[str, pl.DataFrame]  # a few thousand tickets and cases, for quicker tests
    sample_csv: Path  # the sample as <table>.csv


def _copy_sqlite(src: Path, dst: Path) -> None:
    with (
        contextlib.closing(sqlite3.connect(src)) as a,
        contextlib.closing(sqlite3.connect(dst)) as b,
    ):
        a.backup(b)


def _whole_seconds(db: Path) -> None:
    """Cut every timestamp to the second, in SQLAlchemy's SQLite storage format."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        for table in schema.ALL_TABLES:
            for col in table.columns:
                if isinstance(col.type, sa.DateTime):
                    conn.execute(
                        f'UPDATE "{table.name}" SET "{col.name}" = '
                        f"substr(\"{col.name}\", 1, 19) || '.000000' "
                        f'WHERE "{col.name}" IS NOT NULL'
                    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("roundtrip")
    raw = root / "raw.db"
    engine = make_engine(f"sqlite:///{raw}")
    write_demo(engine, DemoOptions(end=END, days=3, seed=7), replace=True)
    engine.dispose()
    source = root / "source.db"
    _copy_sqlite(raw, source)
    _whole_seconds(source)

    url = f"sqlite:///{source}"
    out = root / "csv"
    engine = make_engine(url)
    try:
        for name in IMPORT_ORDER:
            export_table(engine, name, out / f"{name}.csv")
        frames = snapshot(engine)
    finally:
        engine.dispose()
    assert all(frames[name].height > 0 for name in IMPORT_ORDER)

    reference_db = root / "reference.db"
    engine = make_engine(f"sqlite:///{reference_db}")
    try:
        load_reference(engine, out)
    finally:
        engine.dispose()

    cases = frames["cases"]
    tolerant = cases.filter(pl.col("tolerance") & pl.col("completed_at").is_not_null()).head(5)
    sample = {
        "tickets": frames["tickets"].head(2_000),
        "cases": pl.concat([cases.head(600), tolerant]).unique("case_id").sort("case_id"),
    }
    sample_csv = root / "sample"
    sample_csv.mkdir()
    for name, data in sample.items():
        write_contract_csv(data, sample_csv / f"{name}.csv")
    return Demo(f"sqlite:///{raw}", url, out, frames, reference_db, sample, sample_csv)


@pytest.fixture
def ref_engine(demo: Demo, tmp_path: Path):
    """A fresh SQLite database holding the demo's reference tables (no calendar, no facts)."""
    db = tmp_path / "hall.db"
    _copy_sqlite(demo.reference_db, db)
    engine = make_engine(f"sqlite:///{db}")
    yield engine
    engine.dispose()


def load_reference(engine: Engine, folder: Path) -> None:
    for name in REFERENCE:
        report = import_file(engine, name, folder / f"{name}.csv")
        assert report.committed and report.rejected == 0, report.summary_lines()


def snapshot(engine: Engine) -> dict[str, pl.DataFrame]:
    with engine.connect() as conn:
        return {name: read_table(conn, name) for name in IMPORT_ORDER}


def assert_tables(engine: Engine, expected: dict[str, pl.DataFrame]) -> None:
    actual = snapshot(engine)
    for name in IMPORT_ORDER:
        try:
            assert_frame_equal(actual[name], expected[name], check_exact=True)
        except AssertionError as exc:
            raise AssertionError(f"table {name}: {exc}") from None


def frame(table: str, rows: list[tuple]) -> pl.DataFrame:
    """Rows of a contract table with exactly the types read_table gives."""
    return pl.DataFrame(rows, schema=polars_schema(schema.metadata.tables[table]), orient="row")


def by_column(table: str, *records: dict) -> pl.DataFrame:
    """Rows of a contract table given by column name, absent columns NULL, typed as read_table
    gives them."""
    types = polars_schema(schema.metadata.tables[table])
    unknown = {k for r in records for k in r} - set(types)
    assert not unknown, unknown
    return pl.DataFrame([{c: r.get(c) for c in types} for r in records], schema=types)


def write_contract_csv(data: pl.DataFrame, path: Path) -> Path:
    data.write_csv(
        path,
        datetime_format="%Y-%m-%d %H:%M:%S",
        date_format="%Y-%m-%d",
        time_format="%H:%M",
        null_value="",
    )
    return path


def sorted_hours(data: pl.DataFrame) -> pl.DataFrame:
    """service_hours in one order on every backend (tests of content, not of order)."""
    return data.sort(SH_COLUMNS, nulls_last=False)


def counts(report: importer.ImportReport) -> tuple:
    return (
        report.committed,
        report.rows_read,
        report.imported,
        report.new_rows,
        report.rejected,
        report.replaced,
    )


# --- 1. round trip -----------------------------------------------------------------------------


def test_export_then_import_in_contract_order_reproduces_every_table(
    engine: Engine, demo: Demo, tmp_path: Path
):
    for name in IMPORT_ORDER:
        report = import_file(engine, name, demo.csv / f"{name}.csv")
        rows = demo.frames[name].height
        assert counts(report) == (True, rows, rows, rows, 0, 0), name
        assert report.problems == []
        assert report.calendar_added == 0  # the calendar came first, from its own file
    assert_tables(engine, demo.frames)

    # exported again from this backend, every file is byte for byte the source's export
    for name in IMPORT_ORDER:
        again = tmp_path / f"{name}.csv"
        assert export_table(engine, name, again) == demo.frames[name].height
        assert again.read_bytes() == (demo.csv / f"{name}.csv").read_bytes(), name

    # a fact table through .xlsx: real dates, datetimes and text cells
    xlsx = tmp_path / "attendance.xlsx"
    assert export_table(engine, "attendance", xlsx) == demo.frames["attendance"].height
    with engine.begin() as conn:
        conn.execute(schema.attendance.delete())
    report = import_file(engine, "attendance", xlsx)
    rows = demo.frames["attendance"].height
    assert counts(report) == (True, rows, rows, rows, 0, 0)
    assert report.source.format == "xlsx"
    assert_tables(engine, demo.frames)


def test_demo_timestamps_are_whole_seconds_so_its_export_round_trips(demo: Demo):
    engine = make_engine(demo.raw_url)
    try:
        raw = snapshot(engine)
    finally:
        engine.dispose()
    fractional = {
        f"{name}.{col}": n
        for name, data in raw.items()
        for col, dtype in data.schema.items()
        if dtype == pl.Datetime and (n := data.filter(pl.col(col).dt.microsecond() != 0).height) > 0
    }
    assert fractional == {}


def test_the_export_of_service_hours_is_the_same_on_every_backend(
    engine: Engine, demo: Demo, tmp_path: Path
):
    import_file(engine, "halls", demo.csv / "halls.csv")
    text = (
        f"{SH_HEADER}\n"
        "H02,1,09:00,12:00,regular,,2026-04-30\n"
        "H02,1,09:00,12:00,regular,2026-05-01,2026-09-30\n"
    )
    source = tmp_path / "hours.csv"
    source.write_text(text, encoding="utf-8")
    assert import_file(engine, "service_hours", source).committed
    out = tmp_path / "out.csv"
    export_table(engine, "service_hours", out)
    assert out.read_text(encoding="utf-8") == "\ufeff" + text


def test_ids_that_differ_only_in_case_stay_distinct_rows(
    engine: Engine, demo: Demo, tmp_path: Path
):
    """Ids compare exactly on every backend (MariaDB's default collation ignores case)."""
    load_reference(engine, demo.csv)
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket_id,hall_id,queue_id,issued_at,status,source\n"
        "T1,H01,H01-A,2026-03-02 09:00:00,waiting,walk_in\n"
        "t1,H01,H01-A,2026-03-02 09:05:00,waiting,walk_in\n",
        encoding="utf-8",
    )
    report = import_file(engine, "tickets", path)
    assert counts(report) == (True, 2, 2, 2, 0, 0)
    with engine.connect() as conn:
        got = read_table(conn, "tickets").sort("ticket_id")
    assert got.select("ticket_id", "issued_at").rows() == [
        ("T1", DT(2026, 3, 2, 9, 0, 0)),
        ("t1", DT(2026, 3, 2, 9, 5, 0)),
    ]


# --- 2. idempotent, corrections ----------------------------------------------------------------


def test_same_file_twice_changes_nothing_and_a_corrected_file_updates_exactly_its_rows(
    engine: Engine, demo: Demo, tmp_path: Path
):
    load_reference(engine, demo.csv)
    tickets = demo.sample["tickets"]
    n = tickets.height
    path = demo.sample_csv / "tickets.csv"

    first = import_file(engine, "tickets", path)
    assert counts(first) == (True, n, n, n, 0, 0)
    assert first.calendar_added == 365  # 2026, the year of the data
    before = snapshot(engine)
    assert_frame_equal(before["tickets"], tickets)

    second = import_file(engine, "tickets", path)
    assert counts(second) == (True, n, n, 0, 0, 0)
    assert second.calendar_added == 0
    assert_tables(engine, before)

    # the service hours file again: the halls' timetables are replaced by identical rows
    hours = demo.frames["service_hours"].height
    again = import_file(engine, "service_hours", demo.csv / "service_hours.csv")
    assert (again.committed, again.imported, again.replaced, again.rejected) == (
        True,
        hours,
        hours,
        0,
    )
    assert_tables(engine, before)

    # corrected file: one no-show was served after all, and one ticket was missing
    target = tickets.filter(pl.col("status") == "no_show").row(0, named=True)
    finished = target["called_at"] + dt.timedelta(minutes=7, seconds=13)
    template = tickets.row(0, named=True)
    new = {**template, "ticket_id": "H01-20260306-99999", "ticket_no": "A999"}
    corrected = pl.concat(
        [
            tickets.with_columns(
                status=pl.when(pl.col("ticket_id") == target["ticket_id"])
                .then(pl.lit("served"))
                .otherwise(pl.col("status")),
                finished_at=pl.when(pl.col("ticket_id") == target["ticket_id"])
                .then(pl.lit(finished))
                .otherwise(pl.col("finished_at")),
            ),
            pl.DataFrame([new], schema=tickets.schema),
        ]
    )
    report = import_file(
        engine, "tickets", write_contract_csv(corrected, tmp_path / "corrected.csv")
    )
    assert counts(report) == (True, n + 1, n + 1, 1, 0, 0)

    expected = dict(before)
    expected["tickets"] = corrected.sort("ticket_id")
    assert_tables(engine, expected)
    with engine.connect() as conn:
        got = read_table(conn, "tickets")
    changed = got.join(tickets, on=list(tickets.columns), how="anti", nulls_equal=True)
    assert changed.select("ticket_id", "status", "finished_at").rows() == [
        (target["ticket_id"], "served", finished),
        ("H01-20260306-99999", template["status"], template["finished_at"]),
    ]


# --- 3. absent optional columns are left alone ------------------------------------------------


def test_a_file_without_optional_columns_does_not_wipe_them(
    engine: Engine, demo: Demo, tmp_path: Path
):
    load_reference(engine, demo.csv)
    assert import_file(engine, "calendar", demo.csv / "calendar.csv").committed
    for name in ("tickets", "cases"):
        assert import_file(engine, name, demo.sample_csv / f"{name}.csv").committed
    before = snapshot(engine)
    tickets, cases = demo.sample["tickets"], demo.sample["cases"]

    # tickets: only the required columns, 20 rows cancelled, and one new ticket
    some = tickets.head(20)
    required = ["ticket_id", "hall_id", "queue_id", "issued_at", "status", "source"]
    part = pl.concat(
        [
            some.select(required).with_columns(status=pl.lit("cancelled")),
            pl.DataFrame(
                [("NEW-1", "H01", "H01-A", DT(2026, 3, 6, 16, 0, 1), "waiting", "walk_in")],
                schema={c: tickets.schema[c] for c in required},
                orient="row",
            ),
        ]
    )
    report = import_file(engine, "tickets", write_contract_csv(part, tmp_path / "t.csv"))
    assert counts(report) == (True, 21, 21, 1, 0, 0)
    ids = some["ticket_id"]
    new_row = by_column(
        "tickets",
        {
            "ticket_id": "NEW-1",
            "hall_id": "H01",
            "queue_id": "H01-A",
            "issued_at": DT(2026, 3, 6, 16, 0, 1),
            "status": "waiting",
            "source": "walk_in",
        },
    )
    expected = dict(before)
    expected["tickets"] = pl.concat(
        [
            tickets.with_columns(
                status=pl.when(pl.col("ticket_id").is_in(ids.implode()))
                .then(pl.lit("cancelled"))
                .otherwise(pl.col("status"))
            ),
            new_row,
        ]
    ).sort("ticket_id")
    assert_tables(engine, expected)

    # cases: the flag `tolerance` (empty means false) and other optional columns absent;
    # completed_at present but empty, so it is cleared
    tolerant = cases.filter(pl.col("tolerance") & pl.col("completed_at").is_not_null()).head(5)
    assert tolerant.height == 5
    given = ["case_id", "hall_id", "item_id", "channel", "accepted_at", "completed_at", "status"]
    part = tolerant.select(given).with_columns(
        completed_at=pl.lit(None, dtype=pl.Datetime("us")), status=pl.lit("withdrawn")
    )
    report = import_file(engine, "cases", write_contract_csv(part, tmp_path / "c.csv"))
    assert counts(report) == (True, 5, 5, 0, 0, 0)
    hit = pl.col("case_id").is_in(tolerant["case_id"].implode())
    expected["cases"] = cases.with_columns(
        completed_at=pl.when(hit).then(None).otherwise(pl.col("completed_at")),
        status=pl.when(hit).then(pl.lit("withdrawn")).otherwise(pl.col("status")),
    )
    assert_tables(engine, expected)
    with engine.connect() as conn:
        kept = read_table(conn, "cases").filter(hit)
    assert kept["tolerance"].to_list() == [True] * 5
    assert kept["window_id"].to_list() == tolerant["window_id"].to_list()


# --- 4. service hours -------------------------------------------------------------------------


def test_service_hours_replace_the_named_halls_reject_overlaps_keep_seasons(
    engine: Engine, demo: Demo, tmp_path: Path
):
    load_reference(engine, demo.csv)
    old = demo.frames["service_hours"]
    named = pl.col("hall_id").is_in(["H02", "H03"])
    replaced = old.filter(named).height
    assert replaced > 0

    timetable = tmp_path / "hours.csv"
    timetable.write_text(
        f"{SH_HEADER}\n"
        "H02,1,09:00,12:00,regular,,2026-04-30\n"  # winter
        "H02,1,09:00,12:00,regular,2026-05-01,2026-09-30\n"  # summer: same start, disjoint
        "H02,1,08:30,12:00,regular,2026-10-01,\n"  # from October on
        "H02,1,12:00,14:00,extended,,\n"  # touches 12:00: not an overlap
        "H02,1,14:00,17:30,regular,,\n"
        "H03,6,09:00,12:00,regular,,\n",
        encoding="utf-8",
    )
    report = import_file(engine, "service_hours", timetable)
    assert counts(report) == (True, 6, 6, 6, 0, replaced)
    new = frame(
        "service_hours",
        [
            ("H02", 1, T(9), T(12), "regular", None, D(2026, 4, 30)),
            ("H02", 1, T(9), T(12), "regular", D(2026, 5, 1), D(2026, 9, 30)),
            ("H02", 1, T(8, 30), T(12), "regular", D(2026, 10, 1), None),
            ("H02", 1, T(12), T(14), "extended", None, None),
            ("H02", 1, T(14), T(17, 30), "regular", None, None),
            ("H03", 6, T(9), T(12), "regular", None, None),
        ],
    )
    expected = sorted_hours(pl.concat([old.filter(~named), new]))
    with engine.connect() as conn:
        after_first = sorted_hours(read_table(conn, "service_hours"))
    assert_frame_equal(after_first, expected, check_exact=True)

    overlapping = tmp_path / "overlap.csv"
    overlapping.write_text(
        f"{SH_HEADER}\n"
        "H02,1,09:00,12:00,regular,,2026-04-30\n"  # line 2
        "H02,1,09:00,12:00,regular,2026-05-01,2026-09-30\n"  # line 3
        "H02,1,11:00,13:00,extended,2026-06-01,2026-06-30\n"  # line 4: inside line 3's season
        "H02,2,11:00,13:00,extended,2026-06-01,2026-06-30\n"  # line 5: another weekday
        "H02,1,11:30,12:30,extended,,\n",  # line 6: open validity meets line 2
        encoding="utf-8",
    )
    reason = "overlaps the slot on line {} (09:00–12:00) of the same hall and weekday"
    problems = [
        Problem(4, "start", "11:00", reason.format(3)),
        Problem(6, "start", "11:30", reason.format(2)),
    ]
    report = import_file(engine, "service_hours", overlapping)
    assert counts(report) == (False, 5, 0, 0, 2, 0)
    assert report.problems == problems
    assert report.problem_counts == Counter({("start", "overlaps another slot"): 2})
    with engine.connect() as conn:
        assert_frame_equal(sorted_hours(read_table(conn, "service_hours")), after_first)

    rejects = tmp_path / "rejects.csv"
    report = import_file(engine, "service_hours", overlapping, skip_bad=True, rejects=rejects)
    h02 = after_first.filter(pl.col("hall_id") == "H02").height
    assert counts(report) == (True, 5, 3, 3, 2, h02)
    r3, r2 = f"start: {reason.format(3)}", f"start: {reason.format(2)}"
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [
            ["行号 line", "错误原因 reason", *SH_COLUMNS],
            ["4", r3, "H02", "1", "11:00", "13:00", "extended", "2026-06-01", "2026-06-30"],
            ["6", r2, "H02", "1", "11:30", "12:30", "extended", "", ""],
        ]
    kept = frame(
        "service_hours",
        [
            ("H02", 1, T(9), T(12), "regular", None, D(2026, 4, 30)),
            ("H02", 1, T(9), T(12), "regular", D(2026, 5, 1), D(2026, 9, 30)),
            ("H02", 2, T(11), T(13), "extended", D(2026, 6, 1), D(2026, 6, 30)),
        ],
    )
    expected = sorted_hours(pl.concat([after_first.filter(pl.col("hall_id") != "H02"), kept]))
    with engine.connect() as conn:
        assert_frame_equal(sorted_hours(read_table(conn, "service_hours")), expected)


# --- 5. presets: vendor exports ----------------------------------------------------------------

GBK_TICKETS = (
    "某区政务服务中心 取号记录导出（2026年3月2日）\r\n"
    "取号流水号,大厅编号,业务类型,票号,取号时间,叫号时间,办结时间,窗口号,工号,状态,取号方式\r\n"
    "Q0001,H02,综合受理,A001,2026/3/2 9:14,2026/3/2 9:20,2026/3/2 9:31,"
    "A01,S0060,已办理,现场取号\r\n"
    "Q0002,H01,综合受理,A002,2026/3/2 9:15,2026/3/2 9:40,,A02,S0001,过号,预约\r\n"
    "Q0003,H01,社会保障,B001,2026/3/2 10:05:09,,,,,等候中,绿色通道\r\n"
)


def test_gbk_csv_with_chinese_headers_imports_with_presets_alone(
    ref_engine: Engine, tmp_path: Path
):
    path = tmp_path / "取号记录.csv"
    path.write_bytes(GBK_TICKETS.encode("gbk"))
    assert b"\r\n" in path.read_bytes()

    spec, source, mapping = inspect_file("tickets", path)
    assert (source.format, source.encoding, source.delimiter, source.header_line) == (
        "csv",
        "gb18030",
        ",",
        2,
    )
    assert mapping.columns == {
        "ticket_id": "取号流水号",
        "hall_id": "大厅编号",
        "queue_id": "业务类型",
        "ticket_no": "票号",
        "issued_at": "取号时间",
        "called_at": "叫号时间",
        "finished_at": "办结时间",
        "window_id": "窗口号",
        "staff_id": "工号",
        "status": "状态",
        "source": "取号方式",
    }
    assert (mapping.constants, mapping.ignored, mapping.missing(spec)) == ({}, [], [])

    report = import_file(ref_engine, "tickets", path)
    assert counts(report) == (True, 3, 3, 3, 0, 0)
    assert report.notes == ["encoding: GB18030/GBK"]
    assert report.warnings == Counter()  # appointment_start absent: that rule cannot apply
    assert report.calendar_added == 365
    # queue by name and window by label, each within the row's own hall
    expected = by_column(
        "tickets",
        {
            "ticket_id": "Q0001",
            "hall_id": "H02",
            "queue_id": "H02-A",
            "ticket_no": "A001",
            "issued_at": DT(2026, 3, 2, 9, 14),
            "called_at": DT(2026, 3, 2, 9, 20),
            "finished_at": DT(2026, 3, 2, 9, 31),
            "window_id": "H02-A01",
            "staff_id": "S0060",
            "status": "served",
            "source": "walk_in",
        },
        {
            "ticket_id": "Q0002",
            "hall_id": "H01",
            "queue_id": "H01-A",
            "ticket_no": "A002",
            "issued_at": DT(2026, 3, 2, 9, 15),
            "called_at": DT(2026, 3, 2, 9, 40),
            "window_id": "H01-A02",
            "staff_id": "S0001",
            "status": "no_show",
            "source": "appointment",
        },
        {
            "ticket_id": "Q0003",
            "hall_id": "H01",
            "queue_id": "H01-B",
            "ticket_no": "B001",
            "issued_at": DT(2026, 3, 2, 10, 5, 9),
            "status": "waiting",
            "source": "priority",
        },
    )
    with ref_engine.connect() as conn:
        assert_frame_equal(read_table(conn, "tickets"), expected, check_exact=True)


def test_show_mapping_prints_what_feeds_each_column(tmp_path: Path, capsys):
    path = tmp_path / "取号记录.csv"
    path.write_bytes(GBK_TICKETS.encode("gbk"))
    assert main(["import", "tickets", str(path), "--show-mapping"]) == 0
    out, err = capsys.readouterr()
    fed = [
        ("*", "ticket_id", "取号流水号"),
        ("*", "hall_id", "大厅编号"),
        ("*", "queue_id", "业务类型"),
        (" ", "ticket_no", "票号"),
        ("*", "issued_at", "取号时间"),
        (" ", "called_at", "叫号时间"),
        (" ", "finished_at", "办结时间"),
        (" ", "window_id", "窗口号"),
        (" ", "staff_id", "工号"),
        ("*", "status", "状态"),
        ("*", "source", "取号方式"),
    ]
    lines = ["取号记录.csv (csv, gb18030), header on line 2:"]
    lines += [f"  {mark} {col:<17}  ← {header}  [preset]" for mark, col, header in fed]
    lines += [f"    {'appointment_start':<17}  ← —", f"    {'case_id':<17}  ← —", "  (* required)"]
    assert out.splitlines() == lines
    assert err == ""

    assert main(["import", "tickets", str(path), "--show-mapping", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["file"], info["format"], info["encoding"], info["header_line"]) == (
        "取号记录.csv",
        "csv",
        "gb18030",
        2,
    )
    assert info["missing"] == [] and info["ignored"] == []
    assert {r["column"]: (r["source"], r["how"]) for r in info["columns"]} == {
        **{col: (header, "preset") for _, col, header in fed},
        "appointment_start": ("", "absent"),
        "case_id": ("", "absent"),
    }


def test_xlsx_evaluations_with_title_row_labels_and_float_ratings(
    ref_engine: Engine, tmp_path: Path
):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "评价明细"
    ws.append(["好差评评价明细（2026年3月）"])
    ws.append(["评价编号", "大厅编号", "评价时间", "评价等级", "评价渠道"])
    ws.append(["E1", "H01", DT(2026, 3, 2, 9, 40, 5), "非常满意", "评价器"])
    ws.append(["E2", "H02", DT(2026, 3, 2, 10, 1, 0), 5.0, "扫码"])
    ws.append(["E3", "H01", DT(2026, 3, 2, 11, 0, 59), "不满意", "短信"])
    ws.append(["E4", "H01", DT(2026, 3, 2, 23, 59, 59), "满意", "评价器"])
    ws.append(["E5", "H03", DT(2026, 3, 3, 8, 30, 0), 2.0, "扫码"])
    path = tmp_path / "评价.xlsx"
    wb.save(path)

    spec, source, mapping = inspect_file("evaluations", path)
    assert (source.format, source.sheet, source.header_line) == ("xlsx", "评价明细", 2)
    assert mapping.columns == {
        "eval_id": "评价编号",
        "hall_id": "大厅编号",
        "evaluated_at": "评价时间",
        "rating": "评价等级",
        "channel": "评价渠道",
    }
    assert mapping.missing(spec) == []

    report = import_file(ref_engine, "evaluations", path)
    assert counts(report) == (True, 5, 5, 5, 0, 0)
    assert report.notes == []
    given = ("eval_id", "hall_id", "evaluated_at", "rating", "channel")  # the rest stay NULL
    expected = by_column(
        "evaluations",
        *(
            dict(zip(given, values, strict=True))
            for values in [
                ("E1", "H01", DT(2026, 3, 2, 9, 40, 5), 5, "device"),
                ("E2", "H02", DT(2026, 3, 2, 10, 1, 0), 5, "qr"),
                ("E3", "H01", DT(2026, 3, 2, 11, 0, 59), 2, "sms"),
                ("E4", "H01", DT(2026, 3, 2, 23, 59, 59), 4, "device"),
                ("E5", "H03", DT(2026, 3, 3, 8, 30, 0), 2, "qr"),
            ]
        ),
    )
    with ref_engine.connect() as conn:
        assert_frame_equal(read_table(conn, "evaluations"), expected, check_exact=True)


def test_xlsx_dingtalk_attendance_with_clock_times_and_next_day(ref_engine: Engine, tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["考勤报表 2026-03-02 至 2026-03-03"])
    ws.append(["工号", "大厅编号", "考勤日期", "班次", "上班打卡时间", "下班打卡时间"])
    ws.append(["S0001", "H01", D(2026, 3, 2), "正常班", "08:52", "18:05"])
    ws.append(["S0001", "H01", D(2026, 3, 2), "延时班", "18:10", "次日 00:10"])
    ws.append(["S0002", "H01", D(2026, 3, 3), "正常班", T(8, 41), None])
    ws.append(["S0060", "H02", "2026-03-03", "正常班", "8:59:30", "17:31"])
    path = tmp_path / "钉钉考勤.xlsx"
    wb.save(path)

    _, source, mapping = inspect_file("attendance", path)
    assert source.header_line == 2
    assert mapping.columns == {
        "staff_id": "工号",
        "hall_id": "大厅编号",
        "work_date": "考勤日期",
        "shift_kind": "班次",
        "clock_in": "上班打卡时间",
        "clock_out": "下班打卡时间",
    }
    report = import_file(ref_engine, "attendance", path)
    assert counts(report) == (True, 4, 4, 4, 0, 0)
    assert report.warnings == Counter()

    def shift(staff, hall, day, kind, clock_in, clock_out):
        return {
            "staff_id": staff,
            "hall_id": hall,
            "work_date": day,
            "shift_kind": kind,
            "clock_in": clock_in,
            "clock_out": clock_out,
        }

    expected = by_column(
        "attendance",
        # 次日 00:10: the next day
        shift(
            "S0001", "H01", D(2026, 3, 2), "extended", DT(2026, 3, 2, 18, 10), DT(2026, 3, 3, 0, 10)
        ),
        shift(
            "S0001", "H01", D(2026, 3, 2), "regular", DT(2026, 3, 2, 8, 52), DT(2026, 3, 2, 18, 5)
        ),
        shift("S0002", "H01", D(2026, 3, 3), "regular", DT(2026, 3, 3, 8, 41), None),
        shift(
            "S0060",
            "H02",
            D(2026, 3, 3),
            "regular",
            DT(2026, 3, 3, 8, 59, 30),
            DT(2026, 3, 3, 17, 31),
        ),
    )
    with ref_engine.connect() as conn:
        assert_frame_equal(read_table(conn, "attendance"), expected, check_exact=True)


# --- 6. mapping files --------------------------------------------------------------------------

ODD_TICKETS = (
    "Nr;Schalter;Wann;Aufgerufen;Ergebnis;Art;Bemerkung\n"
    "X1;综合受理;02.03.2026 09:14;02.03.2026 09:30;fertig;normal;-\n"
    "X2;H01-B;02.03.2026 10:14;;weg;Termin;zu spät\n"
)
MAPPING = """
[columns]
ticket_id = "Nr"
queue_id = "Schalter"
issued_at = "Wann"
called_at = "Aufgerufen"
status = "Ergebnis"
source = "Art"

[constants]
hall_id = "H01"

[values.status]
fertig = "served"
weg = "no_show"

[values.source]
normal = "walk_in"
Termin = "appointment"

[formats]
issued_at = "%d.%m.%Y %H:%M"
called_at = "%d.%m.%Y %H:%M"
"""


def test_a_mapping_file_makes_an_unrecognisable_export_import(ref_engine: Engine, tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text(ODD_TICKETS, encoding="utf-8")
    with pytest.raises(FileRejected) as info:
        import_file(ref_engine, "tickets", path)
    assert str(info.value).startswith(
        "export.csv: line 1: tickets needs the column(s) ticket_id (取号流水号, 取号记录号, "
        "排队流水号); hall_id (大厅编号, 大厅id, 大厅编码); "
    )

    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text(MAPPING, encoding="utf-8")
    spec, source, mapping = inspect_file("tickets", path, mapping_file=mapping_file)
    assert (source.delimiter, source.header_line) == (";", 1)
    assert mapping.constants == {"hall_id": "H01"}
    assert mapping.ignored == ["Bemerkung"]
    described = {r["column"]: (r["source"], r["how"]) for r in mapping.describe(spec)}
    assert described["hall_id"] == ("= H01", "constant")
    assert described["issued_at"] == ("Wann", "file")

    report = import_file(ref_engine, "tickets", path, mapping_file=mapping_file)
    assert counts(report) == (True, 2, 2, 2, 0, 0)
    assert report.notes == ["delimiter: ;", "ignored columns (not in the contract): Bemerkung"]
    expected = by_column(
        "tickets",
        {
            "ticket_id": "X1",
            "hall_id": "H01",
            "queue_id": "H01-A",
            "issued_at": DT(2026, 3, 2, 9, 14),
            "called_at": DT(2026, 3, 2, 9, 30),
            "status": "served",
            "source": "walk_in",
        },
        {
            "ticket_id": "X2",
            "hall_id": "H01",
            "queue_id": "H01-B",
            "issued_at": DT(2026, 3, 2, 10, 14),
            "status": "no_show",
            "source": "appointment",
        },
    )
    with ref_engine.connect() as conn:
        assert_frame_equal(read_table(conn, "tickets"), expected, check_exact=True)


def test_a_mapping_naming_a_missing_header_rejects_the_file(ref_engine: Engine, tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text(ODD_TICKETS, encoding="utf-8")
    mapping_file = tmp_path / "bad.toml"
    mapping_file.write_text(MAPPING.replace('"Wann"', '"Zeitpunkt"'), encoding="utf-8")
    before = snapshot(ref_engine)
    with pytest.raises(FileRejected) as info:
        import_file(ref_engine, "tickets", path, mapping_file=mapping_file)
    assert str(info.value) == (
        f"{mapping_file}: [columns] issued_at = 'Zeitpunkt': the file has no such column (it "
        "has: Nr, Schalter, Wann, Aufgerufen, Ergebnis, Art, Bemerkung)"
    )
    assert_tables(ref_engine, before)


# --- 7. offsets --------------------------------------------------------------------------------


@pytest.fixture
def urumqi(ref_engine: Engine) -> Engine:
    """H03 keeps Xinjiang time (UTC+6); H04 has no time zone (Asia/Shanghai by default)."""
    halls = schema.halls
    with ref_engine.begin() as conn:
        conn.execute(halls.update().where(halls.c.hall_id == "H03").values(timezone="Asia/Urumqi"))
        conn.execute(halls.update().where(halls.c.hall_id == "H04").values(timezone=None))
    return ref_engine


def test_timestamps_with_an_offset_become_the_halls_local_time(urumqi: Engine, tmp_path: Path):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket_id,hall_id,queue_id,issued_at,called_at,finished_at,status,source\n"
        "T1,H01,H01-A,2026-03-02T01:14:05Z,2026-03-02 09:20:00+0800,"
        "2026-03-02T09:31:00+08:00,served,walk_in\n"
        "T2,H03,H03-A,2026-03-02T01:14:05Z,2026-03-02 03:20:00+0200,"
        "2026-03-01T23:31:00-05:00,served,walk_in\n"
        "T3,H04,H04-A,2026-03-02 01:14:05 z,2026-03-02 09:20:00,2026/3/2 9:31 +0800,"
        "served,walk_in\n"
        "T4,H01,H01-A,2026-03-01T16:30:00.400Z,20260302T003500Z,2026-03-02 09:40,"
        "served,walk_in\n",
        encoding="utf-8",
    )
    report = import_file(urumqi, "tickets", path)
    assert counts(report) == (True, 4, 4, 4, 0, 0)
    with urumqi.connect() as conn:
        got = read_table(conn, "tickets").select(
            "ticket_id", "issued_at", "called_at", "finished_at"
        )
    assert got.rows() == [
        ("T1", DT(2026, 3, 2, 9, 14, 5), DT(2026, 3, 2, 9, 20), DT(2026, 3, 2, 9, 31)),
        ("T2", DT(2026, 3, 2, 7, 14, 5), DT(2026, 3, 2, 7, 20), DT(2026, 3, 2, 10, 31)),
        ("T3", DT(2026, 3, 2, 9, 14, 5), DT(2026, 3, 2, 9, 20), DT(2026, 3, 2, 9, 31)),
        ("T4", DT(2026, 3, 2, 0, 30, 0), DT(2026, 3, 2, 8, 35), DT(2026, 3, 2, 9, 40)),
    ]


def test_an_offset_uses_the_halls_zone_when_the_hall_is_given_by_name(
    urumqi: Engine, tmp_path: Path
):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket_id,hall_id,queue_id,issued_at,status,source\n"
        "T1,H03,综合受理,2026-03-02T01:14:05Z,waiting,walk_in\n"
        "T2,西乡街道便民服务中心,综合受理,2026-03-02T01:14:05Z,waiting,walk_in\n",
        encoding="utf-8",
    )
    report = import_file(urumqi, "tickets", path)
    assert counts(report) == (True, 2, 2, 2, 0, 0)
    with urumqi.connect() as conn:
        got = read_table(conn, "tickets").select("ticket_id", "hall_id", "queue_id", "issued_at")
    assert got.rows() == [
        ("T1", "H03", "H03-A", DT(2026, 3, 2, 7, 14, 5)),
        ("T2", "H03", "H03-A", DT(2026, 3, 2, 7, 14, 5)),
    ]


def test_a_custom_format_with_an_offset_becomes_the_halls_local_time(
    ref_engine: Engine, tmp_path: Path
):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket_id,hall_id,queue_id,issued_at,status,source\n"
        "T1,H01,H01-A,02.03.2026 09:14 +0800,waiting,walk_in\n"
        "T2,H01,H01-A,02.03.2026 01:14 +0000,waiting,walk_in\n",
        encoding="utf-8",
    )
    report = import_file(
        ref_engine, "tickets", path, declared={"formats": {"issued_at": "%d.%m.%Y %H:%M %z"}}
    )
    assert counts(report) == (True, 2, 2, 2, 0, 0)
    with ref_engine.connect() as conn:
        got = read_table(conn, "tickets").select("ticket_id", "issued_at")
    assert got.rows() == [("T1", DT(2026, 3, 2, 9, 14)), ("T2", DT(2026, 3, 2, 9, 14))]


# --- 8. nothing half-written -------------------------------------------------------------------


def fails_after(write, n: int, statement: str):
    """`write` (conn, table, data, key) that writes its first `n` chunks and then fails as a
    full disk would; the list of the chunks' sizes it was called with."""
    calls: list[int] = []

    def wrapper(conn, table, data, key):
        calls.append(data.height)
        if len(calls) > n:
            raise sa.exc.OperationalError(statement, {}, Exception("disk full"))
        write(conn, table, data, key)

    return wrapper, calls


def test_a_database_error_midway_leaves_every_table_as_before(
    engine: Engine, demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    load_reference(engine, demo.csv)
    assert import_file(engine, "tickets", demo.sample_csv / "tickets.csv").committed
    tickets = demo.sample["tickets"]
    extra = tickets.head(500).with_columns(ticket_id=pl.format("NEW-{}", pl.col("ticket_id")))
    changed = pl.concat([tickets.with_columns(status=pl.lit("cancelled")), extra])
    path = write_contract_csv(changed, tmp_path / "changed.csv")
    before = snapshot(engine)

    real_upsert = importer.upsert
    upsert_then_fail, calls = fails_after(real_upsert, 1, "INSERT INTO tickets …")
    monkeypatch.setattr(importer, "upsert", upsert_then_fail)
    with pytest.raises(sa.exc.OperationalError, match="disk full"):
        import_file(engine, "tickets", path, chunk_rows=500)
    # the second chunk holds a ticket cancelled already: unchanged, it is not written again
    assert calls == [500, 499]
    assert_tables(engine, before)
    monkeypatch.setattr(importer, "upsert", real_upsert)

    # the last step fails after every row and the calendar were written: all rolled back
    with engine.begin() as conn:
        conn.execute(schema.calendar.delete())
    before = snapshot(engine)
    assert before["calendar"].height == 0
    real_calendar = importer.ensure_calendar
    added: list[int] = []

    def calendar_then_fail(conn, first, last):
        added.append(real_calendar(conn, first, last))
        raise sa.exc.OperationalError("INSERT INTO calendar …", {}, Exception("lost connection"))

    monkeypatch.setattr(importer, "ensure_calendar", calendar_then_fail)
    with pytest.raises(sa.exc.OperationalError, match="lost connection"):
        import_file(engine, "tickets", path, chunk_rows=500)
    assert added == [365]
    assert_tables(engine, before)


def test_a_first_load_is_copied_and_a_refused_file_leaves_no_row(
    engine: Engine, demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Into an empty table the rows go in as they are (PostgreSQL: COPY straight into the
    table; appends: COPY into a staging table, then one upsert), in the import's transaction:
    a file refused for a bad last row, or a write failing midway, leaves no row."""
    load_reference(engine, demo.csv)
    tickets = demo.sample["tickets"]
    copied: list[str] = []
    real_copy = db._copy_postgres

    def copy(conn, table, data):
        copied.append(table.name)
        real_copy(conn, table, data)

    monkeypatch.setattr(db, "_copy_postgres", copy)
    postgres = engine.dialect.name == "postgresql"

    def stored() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(schema.tickets)).scalar()

    bad = tickets.tail(1).with_columns(ticket_id=pl.lit("BAD-1"), status=pl.lit("lost"))
    refused = write_contract_csv(pl.concat([tickets, bad]), tmp_path / "refused.csv")
    report = import_file(engine, "tickets", refused, chunk_rows=500)
    assert (report.committed, report.rejected) == (False, 1)
    assert copied == (["tickets"] * 4 if postgres else [])  # 4 chunks written, then rolled back
    assert stored() == 0

    real_insert = importer.insert_new
    insert_then_fail, chunks = fails_after(real_insert, 2, "COPY tickets …")
    monkeypatch.setattr(importer, "insert_new", insert_then_fail)
    with pytest.raises(sa.exc.OperationalError, match="disk full"):
        import_file(engine, "tickets", demo.sample_csv / "tickets.csv", chunk_rows=500)
    assert chunks == [500, 500, 500]
    assert stored() == 0
    monkeypatch.setattr(importer, "insert_new", real_insert)

    copied.clear()
    first = import_file(engine, "tickets", demo.sample_csv / "tickets.csv", chunk_rows=500)
    assert first.committed and stored() == tickets.height
    assert copied.count("tickets") == (4 if postgres else 0)  # then the calendar, the rollups
    # an append: new and changed rows, through the staging table on PostgreSQL
    copied.clear()
    extra = tickets.head(300).with_columns(ticket_id=pl.format("NEW-{}", pl.col("ticket_id")))
    changed = pl.concat([tickets.head(200).with_columns(status=pl.lit("cancelled")), extra])
    again = import_file(engine, "tickets", write_contract_csv(changed, tmp_path / "more.csv"))
    assert (again.committed, again.new_rows, again.imported) == (True, 300, 500)
    assert "tickets" not in copied
    assert copied.count("hallpulse_stage_tickets") == (1 if postgres else 0)
    assert stored() == tickets.height + 300
    with engine.connect() as conn:
        cancelled = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.tickets)
            .where(
                schema.tickets.c.ticket_id.in_(tickets.head(200)["ticket_id"].to_list()),
                schema.tickets.c.status == "cancelled",
            )
        ).scalar()
    assert cancelled == 200


def _big_tickets(existing: pl.DataFrame, n: int) -> pl.DataFrame:
    """`n` tickets: the first 1,000 existing ones changed, the rest new."""
    i = pl.int_range(0, n - 1_000, eager=True)
    issued = pl.datetime(2026, 3, 2, 9) + pl.duration(seconds=pl.col("i"))
    new = pl.DataFrame({"i": i}).select(
        ticket_id=pl.format("K{}", pl.col("i").cast(pl.String).str.zfill(6)),
        hall_id=pl.lit("H01"),
        queue_id=pl.lit("H01-A"),
        issued_at=issued.dt.cast_time_unit("us"),
        called_at=(issued + pl.duration(seconds=90)).dt.cast_time_unit("us"),
        status=pl.lit("no_show"),
        source=pl.lit("walk_in"),
    )
    changed = existing.head(1_000).select(new.columns).with_columns(status=pl.lit("cancelled"))
    return pl.concat([changed, new])


def test_kill_9_during_an_import_leaves_the_database_as_before(
    ref_engine: Engine, demo: Demo, tmp_path: Path
):
    assert import_file(ref_engine, "tickets", demo.csv / "tickets.csv").committed
    before = snapshot(ref_engine)
    url = str(ref_engine.url)
    db = Path(ref_engine.url.database)
    ref_engine.dispose()
    big = write_contract_csv(_big_tickets(demo.frames["tickets"], 200_000), tmp_path / "big.csv")

    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "import", "--db", url, "tickets", str(big)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        # a chunk is logged when handed to the writer thread, which holds at most one more:
        # once the second is logged, the first is being written (or has been)
        progress = [proc.stderr.readline(), proc.stderr.readline()]
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
    finally:
        watchdog.cancel()
    assert progress == [
        "50,000 rows checked, 0 rejected\n",
        "100,000 rows checked, 0 rejected\n",
    ]
    assert proc.returncode == -signal.SIGKILL
    assert out == ""  # the summary line never came

    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    engine = make_engine(url)
    try:
        assert_tables(engine, before)
    finally:
        engine.dispose()


def test_kill_9_while_an_empty_table_is_loaded_without_its_indexes(demo: Demo, tmp_path: Path):
    """Into an empty fact table SQLite loads without the secondary indexes and builds them
    before the commit; a killed import leaves the table empty with every index in place."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    load_reference(engine, demo.csv)
    before = snapshot(engine)
    engine.dispose()
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets'"
    with contextlib.closing(sqlite3.connect(tmp_path / "empty.db")) as conn:
        names = sorted(conn.execute(indexes).fetchall())
    assert len(names) >= 5
    rows = _big_tickets(demo.frames["tickets"], 200_000).filter(
        pl.col("ticket_id").str.starts_with("K")
    )
    big = write_contract_csv(rows, tmp_path / "big.csv")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "import", "--db", url, "tickets", str(big)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        progress = [proc.stderr.readline(), proc.stderr.readline()]
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
    finally:
        watchdog.cancel()
    assert progress[1] == "100,000 rows checked, 0 rejected\n"
    assert proc.returncode == -signal.SIGKILL and out == ""
    with contextlib.closing(sqlite3.connect(tmp_path / "empty.db")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert sorted(conn.execute(indexes).fetchall()) == names
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (0,)
    engine = make_engine(url)
    try:
        assert_tables(engine, before)
        # and a whole import builds them again before it commits
        assert import_file(engine, "tickets", big).committed
    finally:
        engine.dispose()
    with contextlib.closing(sqlite3.connect(tmp_path / "empty.db")) as conn:
        assert sorted(conn.execute(indexes).fetchall()) == names
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (rows.height,)


def _postgres_constraints(engine: Engine) -> list[tuple[str, str]]:
    """The indexes and foreign keys of tickets on PostgreSQL, as their definitions."""
    with engine.connect() as conn:
        indexes = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets'"
        ).all()
        keys = conn.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'tickets'::regclass AND contype = 'f'"
        ).all()
    return sorted((name, definition) for name, definition in [*indexes, *keys])


def test_postgres_loads_an_empty_table_without_its_indexes_and_foreign_keys(
    demo: Demo, tmp_path: Path, monkeypatch
):
    """Into an empty fact table PostgreSQL loads without the secondary indexes and foreign keys
    and builds them again before the commit (the same definitions, every key checked); a refused
    file leaves them in place; while a reader holds the table, the rows go in with them."""
    engine = server_engine("postgresql")
    try:
        empty_database(engine)
        load_reference(engine, demo.csv)
        before = snapshot(engine)
        constraints = _postgres_constraints(engine)
        assert len([c for c in constraints if "FOREIGN KEY" in c[1]]) == 4
        # and the primary key's index with five others and the block-range one of issued_at
        assert len(constraints) == 4 + 7
        rows = _big_tickets(demo.frames["tickets"], 3_000).filter(
            pl.col("ticket_id").str.starts_with("K")
        )
        bad = rows.with_columns(
            queue_id=pl.when(pl.col("ticket_id") == "K000007")
            .then(pl.lit("no such queue"))
            .otherwise(pl.col("queue_id"))
        )
        refused = import_file(engine, "tickets", write_contract_csv(bad, tmp_path / "bad.csv"))
        assert not refused.committed and refused.rejected == 1
        assert _postgres_constraints(engine) == constraints
        assert_tables(engine, before)

        dropped: list[list[str]] = []

        def suspend(conn, table):
            dropped.append(upsert.suspend_indexes(conn, table))
            return dropped[-1]

        monkeypatch.setattr(importer, "suspend_indexes", suspend)
        # a reader in the middle of a transaction on tickets: the load does not wait for it
        monkeypatch.setattr(upsert, "LOCK_WAIT_MS", 100)
        good = write_contract_csv(rows, tmp_path / "good.csv")
        with engine.connect() as reader, reader.begin():
            reader.exec_driver_sql("SELECT count(*) FROM tickets").scalar_one()
            held = import_file(engine, "tickets", good, dry_run=False)
        assert held.committed and held.new_rows == rows.height and dropped == [[]]
        assert _postgres_constraints(engine) == constraints
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM tickets")

        report = import_file(engine, "tickets", good)
        assert report.committed and report.new_rows == rows.height and len(dropped[-1]) == 10
        assert _postgres_constraints(engine) == constraints
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar_one() == rows.height
            # the foreign keys hold again: a ticket of an unknown queue is refused
            with pytest.raises(sa.exc.IntegrityError):
                conn.exec_driver_sql(
                    "UPDATE tickets SET queue_id = 'no such queue' WHERE ticket_id = 'K000007'"
                )
    finally:
        engine.dispose()


# --- 9. calendar -------------------------------------------------------------------------------


def test_importing_facts_adds_chinas_calendar_for_their_years_keeping_existing_rows(
    engine: Engine, demo: Demo, tmp_path: Path
):
    load_reference(engine, demo.csv)
    march = tmp_path / "march.csv"
    march.write_text(
        "ticket_id,hall_id,queue_id,issued_at,status,source\n"
        "T1,H01,H01-A,2026-03-02 09:00:00,waiting,walk_in\n",
        encoding="utf-8",
    )
    dry = import_file(engine, "tickets", march, dry_run=True)
    assert (dry.committed, dry.calendar_added) == (False, 0)
    assert snapshot(engine)["calendar"].height == 0

    report = import_file(engine, "tickets", march)
    assert report.calendar_added == 365
    year_2026 = china_calendar(D(2026, 1, 1), D(2026, 12, 31))
    with engine.connect() as conn:
        assert_frame_equal(read_table(conn, "calendar"), year_2026, check_dtypes=False)

    # a hall corrects a day; then facts from the end of 2025 arrive
    with engine.begin() as conn:
        conn.execute(
            schema.calendar.update()
            .where(schema.calendar.c.date == D(2026, 3, 2))
            .values(is_workday=False, name="闭厅检修")
        )
    december = tmp_path / "december.csv"
    december.write_text(
        "eval_id,hall_id,evaluated_at,rating,channel\nE1,H01,2025-12-31 16:00:00,5,device\n",
        encoding="utf-8",
    )
    report = import_file(engine, "evaluations", december)
    assert (report.committed, report.calendar_added) == (True, 365)  # 2025 only
    expected = pl.concat([china_calendar(D(2025, 1, 1), D(2025, 12, 31)), year_2026]).with_columns(
        is_workday=pl.when(pl.col("date") == D(2026, 3, 2))
        .then(False)
        .otherwise(pl.col("is_workday")),
        name=pl.when(pl.col("date") == D(2026, 3, 2))
        .then(pl.lit("闭厅检修"))
        .otherwise(pl.col("name")),
    )
    with engine.connect() as conn:
        got = read_table(conn, "calendar")
    assert_frame_equal(got, expected, check_dtypes=False)
    assert got.schema == polars_schema(schema.calendar)
    assert import_file(engine, "evaluations", december).calendar_added == 0


# --- 10. the command line ----------------------------------------------------------------------


def test_hall_export_all_then_hall_import_reproduces_the_database(
    demo: Demo, tmp_path: Path, capsys
):
    out = tmp_path / "export"
    assert main(["export", "--db", demo.url, "all", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{name}: {demo.frames[name].height:,} rows → {out / f'{name}.csv'}"
        for name in IMPORT_ORDER
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in IMPORT_ORDER)

    url = f"sqlite:///{tmp_path / 'copy.db'}"
    for name in IMPORT_ORDER:
        assert main(["import", "--db", url, name, str(out / f"{name}.csv")]) == 0
        printed, _ = capsys.readouterr()
        n = demo.frames[name].height
        assert printed.splitlines()[-1].startswith(
            f"{name}.csv → {name}: {n:,} rows read, 0 rejected; imported {n:,} "
            f"({n:,} new, 0 already there) in "
        ), printed
    engine = make_engine(url)
    try:
        assert_tables(engine, demo.frames)
    finally:
        engine.dispose()

    # --json: a parseable report; a second import is all "already there"
    assert main(["import", "--db", url, "tickets", str(out / "tickets.csv"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    n = demo.frames["tickets"].height
    assert {k: report[k] for k in ("table", "committed", "rows_read", "imported", "new")} == {
        "table": "tickets",
        "committed": True,
        "rows_read": n,
        "imported": n,
        "new": 0,
    }
    assert (report["rejected"], report["problems"], report["calendar_added"]) == (0, [], 0)


def test_hall_import_exit_codes_and_json_errors(ref_engine: Engine, tmp_path: Path, capsys):
    url = str(ref_engine.url)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ticket_id,hall_id,queue_id,issued_at,called_at,status,source\n"
        "T1,H01,H01-A,2026-03-02 09:00:00,,waiting,walk_in\n"
        "T2,H01,H01-A,2026-03-02 09:01:00,,丢失,walk_in\n",
        encoding="utf-8",
    )
    before = snapshot(ref_engine)
    assert main(["import", "--db", url, "tickets", str(bad), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["committed"], report["rows_read"], report["rejected"]) == (False, 2, 1)
    [problem] = report["problems"]
    assert (problem["line"], problem["column"], problem["value"]) == (3, "status", "丢失")
    assert problem["reason"].startswith("unknown value; expected waiting (等候中), called (已叫号)")
    assert_tables(ref_engine, before)

    assert main(["import", "--db", url, "tickets", str(bad)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("bad.csv:3: status = '丢失': unknown value; expected waiting")
    assert printed[-1].startswith("bad.csv → tickets: 2 rows read, 1 rejected; NOT imported in ")

    missing = tmp_path / "nope.csv"
    assert main(["import", "--db", url, "tickets", str(missing), "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {"error": "nope.csv: no such file"}
    assert err == "hall import: nope.csv: no such file\n"

    good = tmp_path / "good.csv"
    good.write_text(bad.read_text(encoding="utf-8").replace("丢失", "过号"), encoding="utf-8")
    assert main(["import", "--db", url, "tickets", str(good), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["committed"], report["imported"], report["new"]) == (True, 2, 2)
    assert report["warnings"] == [
        {"warning": "served or no-show without a call time", "rows": 1, "lines": [3]}
    ]


# --- export fidelity -------------------------------------------------------------------------


def test_xlsx_export_keeps_text_that_looks_like_a_formula(ref_engine: Engine, tmp_path: Path):
    with ref_engine.begin() as conn:
        conn.execute(
            schema.evaluations.insert(),
            [
                {
                    "eval_id": "X1",
                    "hall_id": "H01",
                    "evaluated_at": DT(2026, 3, 2, 9),
                    "rating": 1,
                    "channel": "sms",
                    "is_default": False,
                    "comment": "=差评=",
                    "rectification_note": '他说"好",\n然后走了',
                }
            ],
        )
    with ref_engine.connect() as conn:
        before = read_table(conn, "evaluations")
    xlsx = tmp_path / "evaluations.xlsx"
    export_table(ref_engine, "evaluations", xlsx)
    with ref_engine.begin() as conn:
        conn.execute(schema.evaluations.delete())
    assert import_file(ref_engine, "evaluations", xlsx).committed
    with ref_engine.connect() as conn:
        assert_frame_equal(read_table(conn, "evaluations"), before, check_exact=True)


def test_citizens_personal_data_in_an_export_is_named_and_never_stored(
    ref_engine: Engine, demo: Demo, tmp_path: Path, capsys
):
    """申请人, 联系电话, 身份证号 and 家庭住址 beside a case export: the cases import, the four
    columns are reported as personal data not stored, and none of their values is anywhere in
    the database; the import is in the audit trail."""
    from access import audit

    assert import_file(ref_engine, "tickets", demo.sample_csv / "tickets.csv").committed
    cases = demo.sample["cases"].head(30)
    personal = {
        "申请人": [f"张{i}明" for i in range(cases.height)],
        "联系电话": [f"1380013{i:04d}" for i in range(cases.height)],
        "身份证号码": [f"11010519491231{i:04d}" for i in range(cases.height)],
        "家庭住址": [f"新城区解放路{i}号" for i in range(cases.height)],
    }
    path = write_contract_csv(
        cases.with_columns(pl.Series(k, v) for k, v in personal.items()), tmp_path / "办件.csv"
    )
    url = ref_engine.url.render_as_string(hide_password=False)
    assert main(["import", "--db", url, "cases", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["personal_not_stored"] == list(personal)
    assert report["imported"] == cases.height
    note = next(n for n in report["notes"] if n.startswith("personal data not stored"))
    assert "申请人 (name)" in note and "身份证号码 (ID number)" in note
    values = {v for column in personal.values() for v in column}
    with ref_engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            held = {str(v) for row in rows for v in row if v is not None}
            assert not held & values, table
        trail = audit.read(conn, action="import").to_dicts()
    assert trail[-1]["target"] == "cases ← 办件.csv"
    detail = json.loads(trail[-1]["detail"])
    assert detail["imported"] == cases.height and detail["personal_not_stored"] == list(personal)


def _vacuumed(
    engine: Engine, tables: tuple[str, ...] = ("tickets", "cases")
) -> dict[str, tuple[bool, bool]]:
    """{table: (vacuumed by hand, analysed)} of the fact tables (or `tables`), read on a new
    connection (a transaction keeps its first view of the statistics)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT relname, last_vacuum IS NOT NULL, "
                "last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL "
                "FROM pg_stat_user_tables WHERE relname IN :tables"
            ).bindparams(sa.bindparam("tables", expanding=True)),
            {"tables": list(tables)},
        ).all()
    return {name: (vacuumed, analysed) for name, vacuumed, analysed in rows}


def test_a_bulk_load_on_postgresql_is_vacuumed_and_analysed_once_committed(demo: Demo, monkeypatch):
    """A load of VACUUM_AFTER_ROWS rows or more runs VACUUM (ANALYZE) on its table after the
    commit (until then an index-only scan reads every new row from the table too), and says
    so; a smaller one leaves the table to autovacuum."""
    engine = server_engine("postgresql")
    try:
        empty_database(engine)
        for name in IMPORT_ORDER[: IMPORT_ORDER.index("tickets")]:
            assert import_file(engine, name, demo.csv / f"{name}.csv").committed
        tickets = demo.frames["tickets"].height
        cases = demo.frames["cases"].height
        assert tickets < cases  # the tickets stay under the bar, the cases reach it
        monkeypatch.setattr(importer, "VACUUM_AFTER_ROWS", tickets + 1)
        small = import_file(engine, "tickets", demo.csv / "tickets.csv")
        assert small.committed and small.vacuum_seconds == 0
        big = import_file(engine, "cases", demo.csv / "cases.csv")
        assert big.committed and big.vacuum_seconds > 0 and big.rollup_days > 0
        assert any("cases: vacuumed and analysed in" in line for line in big.summary_lines())
        done = _vacuumed(engine, ("tickets", "cases", "hallpulse_rollup_completion"))
        assert done["cases"] == (True, True)
        assert done["tickets"][0] is False
        assert done["hallpulse_rollup_completion"] == (True, True)  # the rollups it rebuilt
    finally:
        empty_database(engine)
        engine.dispose()


def test_the_demo_on_postgresql_is_vacuumed_and_analysed():
    engine = server_engine("postgresql")
    try:
        write_demo(engine, DemoOptions(end=END, days=1, seed=7), replace=True)
        tables = ("tickets", "cases", "hallpulse_rollup_histograms")
        assert _vacuumed(engine, tables) == dict.fromkeys(tables, (True, True))
    finally:
        empty_database(engine)
        engine.dispose()
