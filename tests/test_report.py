"""The weekly report end to end on a fixed demo fortnight (ISO weeks 2026-W46 and W47).

The report is generated once per module through the real command (`hall report weekly`) and
checked many ways: the PDF's text has every section heading and exactly the figures of
`hall metrics` for the week and the week before; fonts are embedded; the first pages are
rendered to PNG in artifacts/ for a person to look at; the workbook opens with openpyxl with
its sheets, numbers, formats, frozen headers, conditional formats and charts. Failures leave
no file behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import first_run_on

from access.scope import Scope
from cli.main import main
from i18n.text import t
from metrics.catalog import BY_KEY, KEYS, SECTIONS
from metrics.settings import Settings
from queries.db import make_engine
from reports.content import change
from reports.excel import render_xlsx
from reports.pdf import build_html
from reports.weekly import ReportFiles, Week, write_files
from reports.weekly_data import gather

WEEK = "2026-W47"
FIRST, LAST = dt.date(2026, 11, 16), dt.date(2026, 11, 22)
PREV_FIRST, PREV_LAST = dt.date(2026, 11, 9), dt.date(2026, 11, 15)
HALL = "H01"
SHEETS = [
    "概览",
    "每日",
    "时段分布",
    "等候分布",
    "超期办件",
    "一件事",
    "无办件部门",
    "差评跟踪",
    "部门",
    "窗口",
    "考勤",
    "下周预测",  # the data end with W47: next week is forecast
    "排班建议",
]
HEADINGS = [
    "一、本周概览",
    "二、主要指标与上周对比",
    "三、排队与等候",
    "四、办件",
    "五、好差评",
    "六、部门与窗口排名",
    "七、考勤与窗口饱和度",
    "八、下周预测与延时服务排班",
]


ALL = Scope.everything()  # the unrestricted scope, as the command line without --as


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Four full ISO weeks of demo data, 2026-10-26 … 2026-11-22 (the forecast of next week
    needs three weeks of history)."""
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'hall.db'}"
    engine = make_engine(url)
    write_demo(engine, DemoOptions(end=LAST, days=28))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def built(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The report of H01, 2026-W47, made by the command line, and `hall metrics --json` of the
    week and of the week before."""
    out = tmp_path_factory.mktemp("out")
    code, stdout, stderr = run_cli(
        "report", "weekly", "--db", demo_url, "--week", WEEK, "--hall", HALL, "--out", str(out)
    )
    assert code == 0, stderr
    metrics = {}
    for name, first, last in (("current", FIRST, LAST), ("previous", PREV_FIRST, PREV_LAST)):
        code, text, err = run_cli(
            "metrics", "--db", demo_url, "--from", str(first), "--to", str(last),
            "--hall", HALL, "--json",
        )  # fmt: skip
        assert code == 0, err
        metrics[name] = json.loads(text)
    pdf = out / f"{HALL}-{WEEK}.pdf"
    layout = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return {
        "out": out,
        "stdout": stdout,
        "pdf": pdf,
        "xlsx": out / f"{HALL}-{WEEK}.xlsx",
        "text": layout,
        **metrics,
    }


def test_the_command_writes_exactly_the_two_files(built: dict):
    names = sorted(p.name for p in built["out"].iterdir())
    assert names == [f"{HALL}-{WEEK}.pdf", f"{HALL}-{WEEK}.xlsx"]  # no temporaries left
    assert built["stdout"].split() == [str(built["pdf"]), str(built["xlsx"])]
    assert built["pdf"].read_bytes().startswith(b"%PDF")
    assert built["pdf"].stat().st_mode & 0o044  # readable by the group/others who mail it


def test_pdf_has_title_contents_headings_and_page_numbers(built: dict):
    text = built["text"]
    assert "示范区政务服务中心运行周报" in text
    assert "2026 年第 47 周（2026年11月16日 至 2026年11月22日）" in text
    assert "演示数据" in text
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    toc = pages[0]
    assert "目录" in toc
    for heading in HEADINGS:
        # in the table of contents with its page number, and as a heading on that page
        match = re.search(rf"{re.escape(heading)}\s*\.+\s*(\d+)", toc)
        assert match, heading
        page = int(match[1])
        assert heading in pages[page - 1], (heading, page)
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页 / 共 {len(pages)} 页" in page


def _figure_rows(text: str) -> dict[str, list[str]]:
    """The figures table: label → [this week, last week, change, target] as printed."""
    rows = {}
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 5:
            rows.setdefault(cells[0], cells[1:])
    return rows


def test_pdf_figures_equal_hall_metrics(built: dict):
    rows = _figure_rows(built["text"])
    current, previous = built["current"], built["previous"]
    checked = 0
    for section in SECTIONS:
        for key in KEYS[section]:
            m = BY_KEY[key]
            row = rows[m.label("zh")]
            assert row[0] == m.format(current[section][key]), key
            assert row[1] == m.format(previous[section][key]), key
            expected = change(m, current[section][key], previous[section][key], "zh")
            assert row[2] == expected.signed, key
            checked += 1
    assert checked == sum(len(KEYS[s]) for s in SECTIONS)


def test_pdf_summary_and_lists_agree_with_the_figures(built: dict):
    text = re.sub(r"\s+", "", built["text"])  # lines wrap anywhere in Chinese text
    cur, prev = built["current"], built["previous"]
    wait = BY_KEY["wait_mean_min"]
    ch = change(wait, cur["tickets"]["wait_mean_min"], prev["tickets"]["wait_mean_min"], "zh")
    sentence = f"平均等候{wait.format(cur['tickets']['wait_mean_min'])}，较上周{ch.text}"
    assert sentence.replace(" ", "") in text
    issued = cur["tickets"]["issued"]
    assert f"本周取号{issued:,}张" in text
    overdue = cur["cases"]["overdue_open"]
    assert f"超期未办结办件共{overdue:,}件" in text
    assert f"本周差评{cur['evaluations']['bad_count']}条" in text
    assert "样本不足" in text or "排名只比较样本充足" in text


def test_pdf_embeds_its_fonts(built: dict):
    fonts = subprocess.run(
        ["pdffonts", str(built["pdf"])], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:
        assert " yes yes yes " in line, line  # embedded, subset, with a Unicode map


def test_first_pages_rendered_for_review(built: dict, artifacts: Path):
    prefix = artifacts / f"weekly-report-{HALL}-{WEEK}"
    for old in artifacts.glob(f"{prefix.name}-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "5", str(built["pdf"]), str(prefix)],
        check=True,
    )
    pages = sorted(artifacts.glob(f"{prefix.name}-*.png"))
    assert len(pages) == 5
    assert all(p.stat().st_size > 20_000 for p in pages)  # not blank


def test_workbook_sheets_numbers_and_formats(built: dict):
    wb = openpyxl.load_workbook(built["xlsx"])
    assert wb.sheetnames == SHEETS
    overview = wb["概览"]
    assert overview.freeze_panes == "A5"
    header = [c.value for c in overview[4]]
    assert header[:5] == ["分类", "指标", "本周", "上周", "变化"]
    current, previous = built["current"], built["previous"]
    by_key = {row[7].value: row for row in overview.iter_rows(min_row=5)}
    for section in SECTIONS:
        for key in KEYS[section]:
            row = by_key[key]
            for cell, value in ((row[2], current[section][key]), (row[3], previous[section][key])):
                if value is None:
                    assert cell.value is None, key
                else:
                    assert cell.value == pytest.approx(value), key  # a number, not text
    assert by_key["satisfaction_rate"][2].number_format == "0.0%"
    assert by_key["wait_mean_min"][2].number_format == "0.0"
    assert by_key["issued"][2].number_format == "#,##0"
    assert by_key["on_time_rate"][5].value == Settings().on_time_target
    targets = [r for r in overview.conditional_formatting]
    assert len(targets) >= 5  # target rules on the figures with targets, and the 达标 column

    daily = wb["每日"]
    assert daily.freeze_panes == "A5"
    dates = [r[0].value for r in daily.iter_rows(min_row=5, max_row=18)]
    assert [d.date() for d in dates] == [PREV_FIRST + dt.timedelta(days=i) for i in range(14)]
    issued = [r[3].value for r in daily.iter_rows(min_row=12, max_row=18)]
    assert sum(issued) == current["tickets"]["issued"]
    rules = {
        (str(cf.sqref), r.type, r.operator, tuple(r.formula))
        for cf in daily.conditional_formatting
        for r in cf.rules
    }
    # the mean wait: red above the 20-minute target and a reversed colour scale; the rates
    # red below their targets
    assert ("F5:F18", "cellIs", "greaterThan", ("20.0",)) in rules
    assert ("F5:F18", "colorScale", None, ()) in rules
    assert ("G5:G18", "cellIs", "lessThan", ("0.8",)) in rules
    assert ("L5:L18", "cellIs", "lessThan", ("0.995",)) in rules

    hours = wb["时段分布"]
    assert hours.freeze_panes == "B5"
    grid = [
        [c for c in row[1:]] for row in hours.iter_rows(min_row=5, max_row=11, values_only=True)
    ]
    assert sum(sum(row) for row in grid) == current["tickets"]["issued"]
    assert len({sum(row) for row in grid}) > 1  # weekdays differ (Monday is busiest)
    assert [r[0] for r in hours.iter_rows(min_row=5, max_row=11, values_only=True)] == [
        "周一", "周二", "周三", "周四", "周五", "周六", "周日"
    ]  # fmt: skip

    overdue = wb["超期办件"]
    assert overdue.max_row - 4 == current["cases"]["overdue_open"]
    assert overdue.cell(5, 9).number_format == "yyyy-mm-dd hh:mm"
    assert wb["差评跟踪"].max_row - 4 == current["evaluations"]["bad_count"]

    with zipfile.ZipFile(built["xlsx"]) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        tables = [n for n in z.namelist() if n.startswith("xl/tables/")]
    assert len(charts) == 3  # daily volumes with waits, satisfaction, wait distribution
    assert len(tables) == len(SHEETS)  # every sheet's data is an Excel table


def test_packages_in_the_pdf_and_the_workbook(built: dict, demo_url: str):
    """一件事一次办: the figures equal `hall metrics`, the slowest package leads the table (by
    its slowest case) in the PDF, and the workbook lists every package of the week."""
    text, cases = built["text"], built["current"]["cases"]
    assert "一件事一次办" in text
    start = text.index("最慢的一件事")
    sentence = " ".join(text[start : text.index("天。", start)].split())
    wb = openpyxl.load_workbook(built["xlsx"])
    sheet = wb["一件事"]
    rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] is not None]
    assert sum(r[1] for r in rows) == cases["bundle_applications"]  # one package each
    assert sum(r[3] for r in rows) == cases["bundles_completed"]
    slowest = max((r for r in rows if r[6] is not None), key=lambda r: r[6])
    assert rows[0] == slowest  # slowest first
    assert slowest[0] in sentence and f"{slowest[6]:.1f}" in sentence
    assert slowest[7] in sentence  # its slowest item
    assert sheet.cell(5, 5).number_format == "0.0%"
    figures = text[text.index("一件事受理量", start - 400) : start]
    assert f"一件事受理量 {cases['bundle_applications']:,}" in " ".join(figures.split())


@pytest.fixture(scope="module")
def gathered(demo_url: str):
    engine = make_engine(demo_url)
    data = gather(engine, HALL, Week.parse(WEEK), Settings(), scope=Scope.everything("test"))
    engine.dispose()
    return data


def test_next_week_is_forecast_and_its_extended_hours_planned(gathered, demo_url: str):
    """The data end on Sunday 11-22: the report of W47 forecasts W48 and plans its extended
    half-hours (weekday evenings, the weekend); a report of W46 has no forecast (W47 is in
    the data already)."""
    from reports.forecast import STAFFING_COLUMNS, next_week_forecast

    fc = gathered.forecast
    assert fc is not None
    days = fc.daily["date"].to_list()
    assert days == [dt.date(2026, 11, 23) + dt.timedelta(days=i) for i in range(7)]
    assert (fc.daily["lower"] <= fc.daily["expected"]).all()
    assert (fc.daily["expected"] <= fc.daily["upper"]).all()
    monday, sunday = fc.daily["expected"][0], fc.daily["expected"][6]
    assert monday > 2 * sunday  # Monday is the busiest day, Sunday is a morning only
    assert fc.staffing.columns == list(STAFFING_COLUMNS)
    assert fc.staffing.height > 0
    evenings = fc.staffing.filter(pl.col("date").dt.weekday() <= 5)["start"]
    assert (evenings >= "12:00").all()  # weekday extended slots: lunch and evenings
    assert set(fc.staffing["flag"]) <= {"under", "over", "ok", "none"}
    assert (fc.staffing["windows_needed"] >= 1).all()

    html = build_html(gathered, "zh", dt.datetime(2026, 11, 23, 6))
    assert "八、下周预测与延时服务排班" in html and "延时服务排班建议" in html
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(gathered, "zh")))
    plan = wb["排班建议"]
    assert plan.cell(4, 1).value == "日期" and plan.cell(4, 8).value == "判断"
    assert plan.max_row - 4 == fc.staffing.height

    engine = make_engine(demo_url)
    with engine.connect() as conn:
        assert (
            next_week_forecast(conn, HALL, Week.parse("2026-W46").next, Settings(), scope=ALL)
            is None
        )
    engine.dispose()


def test_english_report_of_a_community_station(demo_url: str, tmp_path: Path):
    code, _, err = run_cli(
        "report", "weekly", "--db", demo_url, "--week", WEEK, "--hall", "H04", "--lang", "en",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    text = subprocess.run(
        ["pdftotext", str(tmp_path / f"H04-{WEEK}.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for key in ("rep.toc", "rep.s.summary", "rep.s.figures", "rep.s.cases", "rep.s.rankings"):
        assert t(key, "en") in text
    assert "Week 47 of 2026" in text
    assert t("rep.no_cases.no_departments", "en") in re.sub(r"\s+", " ", text)
    wb = openpyxl.load_workbook(tmp_path / f"H04-{WEEK}.xlsx")
    assert wb.sheetnames[0] == "Overview"


def test_a_week_without_data_writes_nothing(demo_url: str, tmp_path: Path):
    out = tmp_path / "out"
    code, stdout, err = run_cli("report", "weekly", "--db", demo_url, "--week", "2026-W40",
                                "--out", str(out))  # fmt: skip
    assert code == 1
    assert "no hall has tickets, cases or evaluations in week 2026-W40" in err
    assert stdout == ""
    assert not out.exists()
    code, _, err = run_cli("report", "weekly", "--db", demo_url, "--week", "2026-W40",
                           "--hall", HALL, "--out", str(out))  # fmt: skip
    assert code == 1
    assert "has no tickets, cases or evaluations in week 2026-W40" in err
    assert not out.exists() or not any(out.iterdir())


def test_an_unreachable_database_writes_nothing(tmp_path: Path):
    out = tmp_path / "out"
    code, stdout, err = run_cli(
        "report", "weekly", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/x",
        "--week", WEEK, "--out", str(out),
    )  # fmt: skip
    assert code == 2
    assert "cannot reach the database postgresql+psycopg://postgres@127.0.0.1:1/x" in err
    assert stdout == ""
    assert not out.exists()


def test_an_unwritable_folder_is_a_clear_error(demo_url: str, tmp_path: Path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    code, stdout, err = run_cli("report", "weekly", "--db", demo_url, "--week", WEEK,
                                "--hall", "H07", "--out", str(blocked))  # fmt: skip
    assert code == 1
    assert f"cannot write to {blocked}" in err
    assert stdout == ""
    assert blocked.read_text() == "not a folder"


def test_an_interrupted_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import reports.weekly as weekly

    files = ReportFiles("H01", Week(2026, 47), b"%PDF-1.7 test", b"PK test")
    real_replace = weekly.os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(weekly.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_files([files], tmp_path)
    # the PDF had been renamed when the workbook's rename failed: it goes too (all or nothing)
    assert calls == [tmp_path / files.names[0], tmp_path / files.names[1]]
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(weekly.os, "replace", real_replace)
    assert sorted(p.name for p in write_files([files], tmp_path)) == sorted(files.names)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("2026-W47", dt.date(2026, 11, 16)),
        ("2026W47", dt.date(2026, 11, 16)),
        ("2026-w01", dt.date(2025, 12, 29)),  # ISO week 1 starts in the year before
        ("2020-W53", dt.date(2020, 12, 28)),
    ],
)
def test_week_parse(text: str, first: dt.date):
    week = Week.parse(text)
    assert week.first == first
    assert week.last == first + dt.timedelta(days=6)
    assert week.as_of == dt.datetime.combine(week.last, dt.time(23, 59, 59))


def test_week_last_and_bad_weeks():
    assert str(Week.parse("last", today=dt.date(2026, 11, 23))) == "2026-W47"  # a Monday
    assert str(Week.parse("last", today=dt.date(2026, 11, 29))) == "2026-W47"  # a Sunday
    assert str(Week.parse("last", today=dt.date(2026, 1, 1))) == "2025-W52"
    assert str(Week(2026, 1).previous) == "2025-W52"
    for bad in ("2021-W53", "2026-47", "W47", "2026-W0"):
        with pytest.raises(ValueError):
            Week.parse(bad)


@pytest.mark.parametrize(
    ("key", "current", "previous", "signed", "verdict", "text"),
    [
        ("wait_mean_min", 12.3, 13.5, "−1.2 分钟", 1, "缩短 1.2 分钟"),  # lower is better
        ("wait_mean_min", 13.5, 12.3, "+1.2 分钟", -1, "延长 1.2 分钟"),
        ("satisfaction_rate", 0.989, 0.990, "−0.1 pp", -1, "下降 0.1 个百分点"),
        # 98.94% after 99.0% shows as 98.9%: the change is the shown 0.1 points, not 0.06
        ("on_time_rate", 0.9894, 0.9900, "−0.1 pp", -1, "下降 0.1 个百分点"),
        ("issued", 1100, 1000, "+100", 0, "增加 100（+10.0%）"),  # volume: neither
        ("overdue_open", 60, 38, "+22", -1, "增加 22（+57.9%）"),
        ("late_rate", 0.0271, 0.0269, "±0", 0, "持平"),  # equal as shown
        ("coverage_rate", None, 0.5, "—", 0, "无可比数据"),
    ],
)
def test_change_is_coloured_by_direction(key, current, previous, signed, verdict, text):
    c = change(BY_KEY[key], current, previous, "zh")
    assert (c.signed, c.verdict, c.text) == (signed, verdict, text)


def test_download_page_builds_the_same_files(demo_url: str, monkeypatch: pytest.MonkeyPatch):
    """下载周报: pick a hall and a week, build, and get the PDF and the workbook to download."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from queries.db import URL_ENV

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv(URL_ENV, demo_url)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "streamlit_app.py"))
    first_run_on(at, "weekly_report").run(timeout=60)
    assert not at.exception, [e.message for e in at.exception]
    assert [title.value for title in at.title] == ["下载周报"]
    assert any("演示数据" in info.body for info in at.info)
    hall = at.selectbox(key="weekly_hall")
    assert hall.options[0] == "H01 · 示范区政务服务中心"
    week = at.selectbox(key="weekly_week")
    assert week.options[:2] == ["2026-W47（11-16 – 11-22）", "2026-W46（11-09 – 11-15）"]
    hall.set_value("H02")
    week.set_value(Week(2026, 47))
    at.run(timeout=60)
    assert not at.get("download_button")  # nothing built yet

    at.button[0].click().run(timeout=120)
    assert not at.exception, [e.message for e in at.exception]
    assert at.success[0].value.startswith("已生成 新安街道便民服务中心 2026-W47 周报")
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["下载 PDF", "下载 Excel"]
    built = at.session_state["weekly_files"][1]
    assert built.names == ("H02-2026-W47.pdf", "H02-2026-W47.xlsx")
    assert built.pdf.startswith(b"%PDF") and built.xlsx.startswith(b"PK")

    # another week: the old files are not offered for it
    at.selectbox(key="weekly_week").set_value(Week(2026, 46))
    at.run(timeout=60)
    assert not at.get("download_button")
