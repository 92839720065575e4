"""The analysis pages without a browser: AppTest runs each page of streamlit_app.py over the
two-week demo. Every page renders without an exception, in Chinese and in English, and the KPI
tiles show exactly what `metrics.figures.compute` (= `hall metrics`) gives for the same filters,
with the change from the previous period beside them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import streamlit as st
from conftest import first_run_on
from streamlit.testing.v1 import AppTest

from access.scope import Scope
from i18n.text import t
from metrics.catalog import BY_KEY
from metrics.figures import compute
from metrics.periods import delta_text, previous, resolve
from metrics.settings import load_settings
from queries.db import URL_ENV, init_schema, make_engine
from queries.metric_queries import Filters
from workdays import clock

ALL = Scope.everything("test")  # unrestricted reads, as an admin

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
PAGES = {
    "overview": "nav.overview",
    "windows": "nav.windows",
    "window": "nav.window",
    "cases": "nav.cases",
    "evaluations": "nav.evaluations",
    "attendance": "nav.attendance",
    "quality": "nav.quality",
    "alerts": "nav.alerts",
}


@pytest.fixture(autouse=True)
def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def custom_range() -> tuple[dt.date, dt.date]:
    """Eight whole days inside the two-week demo, ending three days ago: nothing depends on
    the minute the test runs."""
    today = clock.today()
    return today - dt.timedelta(days=10), today - dt.timedelta(days=3)


def run_page(monkeypatch, url: str, page: str, **params: str) -> AppTest:
    monkeypatch.setenv(URL_ENV, url)
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    first_run_on(at, page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figures(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    by: str | None = None,
    **filters: str,
) -> dict:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            period = Filters(first, last, as_of, filters)
            return compute(conn, period, load_settings(), by, scope=ALL)
    finally:
        engine.dispose()


def tiles(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def assert_tiles(at: AppTest, url: str, lang: str = "zh", **filters: str) -> None:
    """Every KPI tile on the page equals compute() for the period and the previous one."""
    first, last = custom_range()
    period = resolve("custom", clock.now(), first, last)
    before = previous("custom", period)
    now_fig = figures(url, period.first, period.last, period.as_of, **filters)
    before_fig = figures(url, before.first, before.last, before.as_of, **filters)
    shown = tiles(at)
    checked = 0
    for metric in BY_KEY.values():
        if metric.label(lang) not in shown:
            continue
        value, delta = shown[metric.label(lang)]
        current = now_fig[metric.section][metric.key]
        assert value == metric.format(current, lang), metric.key
        expected = delta_text(metric, current, before_fig[metric.section][metric.key], lang)
        assert (delta or None) == expected, metric.key
        checked += 1
    assert checked >= 6


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs(monkeypatch, demo_db: tuple[str, int], page: str, lang: str) -> None:
    url, _ = demo_db
    at = run_page(monkeypatch, url, page, hall="H01", lang=lang)
    assert [title.value for title in at.title] == [t(PAGES[page], lang)]
    assert at.metric or at.dataframe
    assert not at.warning


def test_overview_tiles_equal_hall_metrics(monkeypatch, demo_db: tuple[str, int]) -> None:
    url, _ = demo_db
    first, last = custom_range()
    at = run_page(
        monkeypatch, url, "overview", period="custom", hall="H01",
        **{"from": first.isoformat(), "to": last.isoformat()},
    )  # fmt: skip
    assert_tiles(at, url, hall="H01")
    assert len(at.get("plotly_chart")) >= 6  # 4 trends, 2 heatmaps, the distribution
    # each tile's trend is an SVG image, one bar or point a day: no chart library to load
    assert not any(m.proto.chart_data for m in at.metric)
    period = resolve("custom", clock.now(), first, last)
    by_date = figures(url, first, last, period.as_of, "date", hall="H01")["groups"]
    # the days of the period (a case completed in it groups by its earlier day of acceptance)
    by_date = [g for g in by_date if first.isoformat() <= g["date"] <= last.isoformat()]
    issued = sparkline(at, t("kpi.trend", "zh", label=BY_KEY["issued"].label("zh")))
    assert issued.count("<rect ") == len(by_date) >= 7
    wait = sparkline(at, t("kpi.trend", "zh", label=BY_KEY["wait_mean_min"].label("zh")))
    waits = [g["tickets"]["wait_mean_min"] for g in by_date if g["tickets"]["wait_mean_min"]]
    assert len(re.search(r'<polyline points="([^"]+)"', wait).group(1).split()) == len(waits)


def sparkline(at: AppTest, alt: str) -> str:
    """The SVG of the sparkline image with this alt text (exactly one on the page)."""
    found = [
        unquote(re.search(r'src="data:image/svg\+xml;charset=utf-8,([^"]+)"', body).group(1))
        for body in (element.proto.body for element in at.get("html"))
        if f'alt="{alt}"' in body
    ]
    assert len(found) == 1, alt
    return found[0]


def test_tiles_in_english_and_by_department(monkeypatch, demo_db: tuple[str, int]) -> None:
    url, _ = demo_db
    first, last = custom_range()
    at = run_page(
        monkeypatch, url, "cases", period="custom", lang="en", dept="D01",
        **{"from": first.isoformat(), "to": last.isoformat()},
    )  # fmt: skip
    assert [title.value for title in at.title] == ["Cases"]
    assert_tiles(at, url, lang="en", department="D01")


def test_window_page_tiles_and_tickets(monkeypatch, demo_db: tuple[str, int]) -> None:
    url, _ = demo_db
    first, last = custom_range()
    at = run_page(
        monkeypatch, url, "window", period="custom", window="H01-A01",
        **{"from": first.isoformat(), "to": last.isoformat()},
    )  # fmt: skip
    assert_tiles(at, url, window="H01-A01")
    assert "A01" in at.subheader[0].value
    issued = figures(
        url, first, last, dt.datetime.combine(last, dt.time(23, 59, 59)), window="H01-A01"
    )
    tickets = at.dataframe[-1].value
    assert len(tickets) == min(50, issued["tickets"]["issued"])
    assert set(tickets["窗口"]) == {"A01"}


def test_windows_table_links_one_level_down(monkeypatch, demo_db: tuple[str, int]) -> None:
    url, _ = demo_db
    at = run_page(monkeypatch, url, "windows", hall="H01", level="window")
    table = at.dataframe[0].value
    assert len(table) > 10
    assert all(link.startswith("window?") and "window=H01-" in link for link in table["link"])
    at = run_page(
        monkeypatch, url, "windows"
    )  # all halls: one row per hall, linking to its departments
    halls = at.dataframe[0].value
    assert len(halls) == 7
    assert all("level=department" in link for link in halls["link"])


def test_cases_lists_count_what_the_tiles_count(monkeypatch, demo_db: tuple[str, int]) -> None:
    url, _ = demo_db
    at = run_page(monkeypatch, url, "cases", period="last_week")
    shown = tiles(at)
    overdue = shown[BY_KEY["overdue_open"].label("zh")][0]
    soon = shown[BY_KEY["due_soon_open"].label("zh")][0]
    headings = [h.value for h in at.subheader]
    if overdue != "0":
        assert t("cs.overdue", "zh", n=overdue) in headings
    if soon != "0":
        assert t("cs.soon", "zh", n=soon) in headings
    items = next(df.value for df in at.dataframe if "on_time_rate" in df.value.columns)
    assert items["on_time_rate"].dropna().between(0, 100).all()  # percent, shown as "97.3%"
    assert items["on_time_rate"].dropna().max() > 1


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_on_an_empty_database(monkeypatch, tmp_path: Path, page: str) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    init_schema(engine)
    engine.dispose()
    at = run_page(monkeypatch, url, page)
    assert at.info or at.success  # an explained empty state, not an empty page
    assert not at.get("plotly_chart")


def test_filters_are_kept_in_the_url(monkeypatch, demo_db: tuple[str, int]) -> None:
    """Choosing a period, hall and department writes them to the URL (a view can be shared);
    the level of the window table too."""
    url, _ = demo_db
    at = run_page(monkeypatch, url, "windows")
    at.segmented_control(key="windows.period").set_value("last_week").run()
    at.selectbox(key="windows.hall").set_value("H01").run()
    at.selectbox(key="windows.dept").set_value("D01").run()
    assert not at.exception
    assert at.query_params["period"] == "last_week"
    assert at.query_params["hall"] == "H01"
    assert at.query_params["dept"] == "D01"
    assert at.query_params["level"] == "window"  # a department chosen: its windows
    week = resolve("last_week", clock.now())
    assert week.first.isoformat() in at.caption[0].value
    links = at.dataframe[0].value["link"]
    assert all("period=last_week" in link and "hall=H01" in link for link in links)


def test_level_follows_the_control(monkeypatch, demo_db: tuple[str, int]) -> None:
    url, _ = demo_db
    at = run_page(monkeypatch, url, "windows", hall="H01")
    assert at.query_params["level"] == "window"
    at.segmented_control(key="windows.level").set_value("staff").run()
    assert at.query_params["level"] == "staff"
    assert all("staff=" in link for link in at.dataframe[0].value["link"])
    at.segmented_control(key="windows.level").set_value("hall").run()  # above the hall filter
    assert at.query_params["level"] == "department"


def test_window_page_follows_its_picker(monkeypatch, demo_db: tuple[str, int]) -> None:
    url, _ = demo_db
    at = run_page(monkeypatch, url, "window", window="H01-A01")
    assert "A01" in at.subheader[0].value
    at.selectbox(key="window.subject").set_value(("window", "H01-A02")).run()
    assert not at.exception
    assert "A02" in at.subheader[0].value
    assert at.query_params["window"] == "H01-A02"
    staff_id = "S0001"
    at.selectbox(key="window.subject").set_value(("staff", staff_id)).run()
    assert at.query_params["staff"] == staff_id
    assert "window" not in at.query_params


def test_bad_reviews_show_their_status_as_pills(monkeypatch, demo_db: tuple[str, int]) -> None:
    """The return call and rectification columns of the bad reviews hold one status each,
    one of the options the pills are coloured by (no pandas Styler)."""
    url, _ = demo_db
    first, last = custom_range()
    at = run_page(
        monkeypatch, url, "evaluations", period="custom", hall="H01",
        **{"from": first.isoformat(), "to": last.isoformat()},
    )  # fmt: skip
    due = t("ev.revisit_due", "zh")
    table = next(frame.value for frame in at.dataframe if due in frame.value.columns)
    options = {t(f"ev.st.{key}", "zh") for key in ("overdue", "late", "pending", "on_time")}
    for column in (t("ev.revisit", "zh"), t("ev.rectify", "zh")):
        cells = list(table[column])
        assert cells and all(len(cell) == 1 and cell[0] in options for cell in cells)
