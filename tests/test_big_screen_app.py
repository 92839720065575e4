"""The big screen without a browser: AppTest runs streamlit_app.py's /screen page on a demo
frozen at a busy moment, and its figures must be the engine's (`compute`, as `hall metrics`)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
import streamlit as st
from conftest import first_run_on
from screen_support import BUSY_NOW, HALL, HALL_NAME, busy_demo, figures_in, project_root
from streamlit.testing.v1 import AppTest

from access.scope import Scope
from dashboard import live_data, screen_view
from i18n.text import t
from metrics.catalog import BY_KEY
from metrics.figures import compute
from metrics.live import NOW_ENV
from metrics.screen import PeriodFigures
from metrics.settings import Settings
from queries import schema
from queries.db import URL_ENV, init_schema, make_engine
from queries.metric_queries import Filters

ALL = Scope.everything("test")  # unrestricted reads, as an admin

__all__ = ["busy_demo"]  # the fixture, imported for pytest

APP = project_root() / "streamlit_app.py"


@pytest.fixture(autouse=True)
def clear_caches(monkeypatch) -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    # fits start at once here (no waiting for a quiet server), and none queued by an earlier
    # test runs in this one
    monkeypatch.setattr(live_data, "QUIET_S", 0.0)
    with live_data._pending_lock:
        live_data._pending.clear()


def run_screen(monkeypatch, url: str, now: dt.datetime = BUSY_NOW, **params: str) -> AppTest:
    monkeypatch.setenv(URL_ENV, url)
    monkeypatch.setenv(NOW_ENV, now.isoformat())
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    first_run_on(at, "big_screen").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def page_html(at: AppTest) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def chart_svg(html: str) -> str:
    """The SVG of the hourly chart, out of its image's data URL."""
    src = re.search(
        r'<img class="bs-chart-svg" [^>]*src="data:image/svg\+xml;charset=utf-8,([^"]+)"', html
    )
    return unquote(src.group(1))


def waiting_now(url: str) -> int:
    t = schema.tickets
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(
            sa.select(sa.func.count()).where(
                t.c.hall_id == HALL, t.c.status == "waiting", t.c.issued_at >= BUSY_NOW.date()
            )
        ).scalar_one()
    engine.dispose()
    return n


def test_big_screen_equals_the_engine(monkeypatch, busy_demo: str) -> None:
    at = run_screen(monkeypatch, busy_demo, hall=HALL)
    html = page_html(at)
    shown = figures_in(html)
    engine = make_engine(busy_demo)
    day, month_start = BUSY_NOW.date(), BUSY_NOW.date().replace(day=1)
    with engine.connect() as conn:
        today = compute(conn, Filters(day, day, BUSY_NOW, {"hall": HALL}), Settings(), scope=ALL)
        month = compute(
            conn, Filters(month_start, day, BUSY_NOW, {"hall": HALL}), Settings(), scope=ALL
        )
    engine.dispose()

    def number(key: str, value) -> str:
        return screen_view.number_parts(BY_KEY[key], value, "zh")[0]

    assert HALL_NAME in html and "演示数据" in html and "服务中" in html
    assert "2026年11月27日 星期五" in html and "10:40" in html
    assert shown["issued"] == [number("issued", today["tickets"]["issued"])]
    assert shown["served"] == [number("served", today["tickets"]["served"])]
    assert shown["wait_within_target_rate"] == [
        number("wait_within_target_rate", today["tickets"]["wait_within_target_rate"])
    ]
    assert shown["satisfaction_rate"] == [
        number("satisfaction_rate", today["evaluations"]["satisfaction_rate"]),
        number("satisfaction_rate", month["evaluations"]["satisfaction_rate"]),
    ]
    assert shown["on_time_rate"] == [number("on_time_rate", month["cases"]["on_time_rate"])]
    assert shown["overdue_open"] == [number("overdue_open", month["cases"]["overdue_open"])]
    assert shown["waiting_now"] == [f"{waiting_now(busy_demo):,}"]
    assert int(shown["waiting_now"][0]) > 0  # a busy morning: the screen has something to show
    assert today["tickets"]["issued"] > 100

    # the hourly chart: an SVG in the page's HTML, no chart library on the wall
    assert not at.get("plotly_chart")
    panel = next(e.proto.body for e in at.get("html") if "bs-chart-svg" in e.proto.body)
    assert re.findall(r'<span class="key"><i [^>]*></i>([^<]+)</span>', panel) == [
        "今日",
        "上周同日（11月20日）",
    ]
    chart = chart_svg(panel)
    assert chart.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and chart.endswith("</svg>")
    assert 'font-family="Noto Sans CJK' in chart
    bars = {int(h): int(n) for h, n in re.findall(r'data-hour="(\d+)" data-count="(\d+)"', chart)}
    tickets = schema.tickets.c
    engine = make_engine(busy_demo)
    with engine.connect() as conn:
        ten = conn.execute(
            sa.select(sa.func.count()).where(
                tickets.hall_id == HALL,
                tickets.issued_at >= dt.datetime.combine(day, dt.time(10)),
                tickets.issued_at < dt.datetime.combine(day, dt.time(11)),
            )
        ).scalar_one()
    engine.dispose()
    assert bars[10] == ten > 0  # tickets already this hour, as many as were issued
    assert 11 not in bars and max(bars) == 10  # the future has no bar
    assert ">10:00</text>" in chart
    assert chart.count('class="last-week"') >= 1 and 'class="forecast"' not in chart
    assert "*" in html  # staff names in the latest calls are masked
    assert not at.error and not at.warning


def test_big_screen_english(monkeypatch, busy_demo: str) -> None:
    html = page_html(run_screen(monkeypatch, busy_demo, hall=HALL, lang="en"))
    for label in ("Tickets issued (today)", "Waiting now", "Queues", "Latest calls", "DEMO DATA"):
        assert label in html
    assert "Fri 27 Nov 2026" in html
    assert "今日" not in html


def test_default_hall_and_unknown_hall(monkeypatch, busy_demo: str) -> None:
    assert HALL_NAME in page_html(run_screen(monkeypatch, busy_demo))  # the district centre
    at = run_screen(monkeypatch, busy_demo, hall="NOPE")
    assert "没有编号为 NOPE 的大厅" in at.error[0].value
    assert "H01" in at.error[0].value


def test_a_new_ticket_shows_on_the_next_refresh(monkeypatch, busy_demo: str, tmp_path) -> None:
    """AppTest does not run the fragment's timer: a second run stands for the next tick."""
    import shutil

    path = tmp_path / "copy.db"
    shutil.copy(busy_demo.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    at = run_screen(monkeypatch, url, hall=HALL)
    before = int(figures_in(page_html(at))["waiting_now"][0])
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            schema.tickets.insert(),
            {
                "ticket_id": "H01-new-1",
                "hall_id": HALL,
                "queue_id": "H01-A",
                "ticket_no": "A999",
                "issued_at": BUSY_NOW - dt.timedelta(minutes=1),
                "status": "waiting",
                "source": "walk_in",
            },
        )
    engine.dispose()
    time.sleep(2.1)  # the live read is shared for two seconds
    at.run()
    assert int(figures_in(page_html(at))["waiting_now"][0]) == before + 1


def test_ranking_marks_small_samples() -> None:
    period = PeriodFigures(
        first=dt.date(2026, 11, 1),
        month={},
        bad_pending=0,
        ranking=[
            {"group": "D1", "name": "社保", "value": 0.9, "sample": 40, "too_small": False,
             "rank": 1},
            {"group": "D2", "name": "婚登", "value": 1.0, "sample": 3, "too_small": True,
             "rank": None},
        ],
        rank_key="wait_within_target_rate",
    )  # fmt: skip
    html = screen_view.ranking_html(period, "zh")
    assert html.index("社保") < html.index("婚登")
    assert "90.0%" in html and "100.0%" not in html
    assert "样本不足" in html
    assert html.count('class="bs-rank') == 2


def test_stale_banner_in_service_hours_only(monkeypatch, busy_demo: str) -> None:
    """The demo stops at 10:40: at 11:10 the district centre is open and its newest ticket is
    half an hour old; at 21:30 it is closed, and old data is no alarm."""
    late = page_html(run_screen(monkeypatch, busy_demo, BUSY_NOW + dt.timedelta(minutes=30)))
    assert "数据延迟" in late and "已超过 15 分钟" in late and 'role="alert"' in late
    closed = page_html(run_screen(monkeypatch, busy_demo, dt.datetime(2026, 11, 27, 21, 30)))
    assert "数据延迟" not in closed and "非服务时间" in closed
    assert "数据延迟" not in page_html(run_screen(monkeypatch, busy_demo))


def test_empty_and_uninitialised_databases(monkeypatch, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    init_schema(engine)
    engine.dispose()
    at = run_screen(monkeypatch, url)
    assert [info.value for info in at.info] == [t("data.empty", "zh")]
    bare = f"sqlite:///{tmp_path / 'bare.db'}"
    at = run_screen(monkeypatch, bare)
    assert [warning.value for warning in at.warning] == [t("data.no_schema", "zh")]


def test_month_figures_are_read_again_in_the_background(monkeypatch) -> None:
    """A new five-minute slot never makes a refresh wait: the previous slot's figures are shown
    while the new ones are read."""
    reads: list[dt.datetime] = []

    def read(engine, hall_id: str, slot: dt.datetime, scope: Scope) -> str:
        assert scope == live_data.hall_scope(ALL, HALL)
        reads.append(slot)
        return f"month as of {slot:%H:%M}"

    monkeypatch.setattr(live_data, "_read_month", read)
    monkeypatch.setattr(live_data, "engine_for", lambda url: None)
    first = live_data.period("url", HALL, dt.datetime(2026, 11, 27, 10, 41, 5), scope=ALL)
    assert first == "month as of 10:40" and reads == [dt.datetime(2026, 11, 27, 10, 40)]
    assert live_data.period("url", HALL, dt.datetime(2026, 11, 27, 10, 44, 59), scope=ALL) == first
    assert len(reads) == 1  # same slot: no read
    later = dt.datetime(2026, 11, 27, 10, 45, 1)
    assert live_data.period("url", HALL, later, scope=ALL) == first  # served at once, read behind
    months, _, _ = live_data._months()
    months[("url", HALL, live_data.hall_scope(ALL, HALL))].reading.join(timeout=10)
    assert live_data.period("url", HALL, later, scope=ALL) == "month as of 10:45"
    assert reads == [dt.datetime(2026, 11, 27, 10, 40), dt.datetime(2026, 11, 27, 10, 45)]


def test_screens_opening_at_once_read_a_halls_month_once(monkeypatch) -> None:
    """Twenty screens of one hall opening at the same moment, each with its own kiosk link:
    one read of the month's figures, the others wait for it. A department's reader keeps its
    own figures (a narrower scope is never served the hall's)."""
    reads: list[Scope] = []
    started = threading.Event()

    def read(engine, hall_id: str, slot: dt.datetime, scope: Scope) -> str:
        reads.append(scope)
        started.set()
        time.sleep(0.3)  # a read under way while the others arrive
        return f"{hall_id} for {scope.who}"

    monkeypatch.setattr(live_data, "_read_month", read)
    monkeypatch.setattr(live_data, "engine_for", lambda url: None)
    at = dt.datetime(2026, 11, 27, 10, 41, 5)
    results: list[str] = []
    screens = [
        threading.Thread(
            target=lambda n=n: results.append(
                live_data.period("url-once", HALL, at, scope=Scope.kiosk(n, HALL))
            )
        )
        for n in range(20)
    ]
    for screen_thread in screens:
        screen_thread.start()
    for screen_thread in screens:
        screen_thread.join(timeout=30)
    assert len(results) == 20 and len(set(results)) == 1
    assert len(reads) == 1 and reads[0].hall_ids == frozenset({HALL})
    assert reads[0].names_visible is False  # a kiosk's: no names
    dept = Scope(who="m1", role="manager", hall_ids=frozenset({HALL}), dept_ids=frozenset({"D1"}))
    assert live_data.period("url-once", HALL, at, scope=dept) == f"{HALL} for m1"
    assert len(reads) == 2 and reads[1] is dept


def test_the_halls_forecasts_are_fitted_one_at_a_time(monkeypatch) -> None:
    """Every hall's forecast asked for at once (the server's start-up, a wall of screens):
    the fits queue in one background thread instead of running side by side, each hall is
    fitted once, and the thread is gone when the queue is empty."""
    import polars as pl

    from forecasting import service

    running, most, fitted = [0], [0], []
    guard = threading.Lock()

    def fit(conn, hall_id: str, day: dt.date, *, scope: Scope) -> pl.DataFrame:
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with guard:
            running[0] -= 1
            fitted.append(hall_id)
        return pl.DataFrame({"hour": [9], "yhat": [1.0], "yhat_lower": [0.5], "yhat_upper": [2.0]})

    monkeypatch.setattr(service, "hourly_forecast", fit)
    halls = [f"H{n:02d}" for n in range(1, 8)]
    day = BUSY_NOW.date()
    for hall in halls * 2:  # asked twice: fitted once
        assert live_data.hourly_forecast("sqlite://", hall, day, scope=ALL) is None
    for _ in range(200):
        if not any(t.name == "hallpulse-forecast" for t in threading.enumerate()):
            break
        time.sleep(0.05)
    assert sorted(fitted) == halls and most[0] == 1
    assert all(live_data.hourly_forecast("sqlite://", h, day, scope=ALL) is not None for h in halls)


def test_a_fit_waits_while_pages_are_being_opened(monkeypatch) -> None:
    """Pages opened at one moment are served before a background fit starts: the fit waits
    until no page has run for `QUIET_S`, and at most `MAX_WAIT_S` on a server never quiet."""
    import polars as pl

    from forecasting import service

    started: list[float] = []

    def fit(conn, hall_id: str, day: dt.date, *, scope: Scope) -> pl.DataFrame:
        started.append(time.monotonic())
        return pl.DataFrame({"hour": [9], "yhat": [1.0], "yhat_lower": [0.5], "yhat_upper": [2.0]})

    def wait_for_fit(timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not started and time.monotonic() < deadline:
            time.sleep(0.01)

    monkeypatch.setattr(service, "hourly_forecast", fit)
    monkeypatch.setattr(live_data, "QUIET_S", 0.4)
    monkeypatch.setattr(live_data, "MAX_WAIT_S", 30.0)
    day = BUSY_NOW.date()
    runs: list[float] = []

    def page_run() -> None:
        live_data.note_page_run()
        runs.append(time.monotonic())

    page_run()
    assert live_data.hourly_forecast("sqlite:///:memory:", "H01", day, scope=ALL) is None
    time.sleep(0.2)
    page_run()  # another page opened: the fit waits 0.4 s from here
    wait_for_fit(5)
    assert started
    # 0.4 s of quiet before the fit, after the last page run before it (on a loaded machine
    # the sleep may outlast QUIET_S, and the fit then rightly starts before the second run)
    before = [run for run in runs if run <= started[0]]
    assert before and started[0] - before[-1] >= 0.35

    # a server never quiet: the fit starts once it has waited MAX_WAIT_S
    started.clear()
    monkeypatch.setattr(live_data, "MAX_WAIT_S", 0.5)
    stop = threading.Event()

    def visitors() -> None:
        while not stop.is_set():
            live_data.note_page_run()
            time.sleep(0.05)

    busy = threading.Thread(target=visitors, daemon=True)
    busy.start()
    try:
        asked = time.monotonic()
        assert live_data.hourly_forecast("sqlite:///:memory:", "H02", day, scope=ALL) is None
        wait_for_fit(5)
    finally:
        stop.set()
        busy.join()
    assert started and 0.45 <= started[0] - asked < 2.0


def test_a_fit_waits_while_a_page_script_is_still_running(monkeypatch) -> None:
    """Thirty pages opened at once keep running for seconds after the last was opened: the
    fit also waits until no page script (Streamlit's script thread) is running."""
    import polars as pl

    from forecasting import service

    started: list[float] = []

    def fit(conn, hall_id: str, day: dt.date, *, scope: Scope) -> pl.DataFrame:
        started.append(time.monotonic())
        return pl.DataFrame({"hour": [9], "yhat": [1.0], "yhat_lower": [0.5], "yhat_upper": [2.0]})

    monkeypatch.setattr(service, "hourly_forecast", fit)
    monkeypatch.setattr(live_data, "QUIET_S", 0.1)
    monkeypatch.setattr(live_data, "MAX_WAIT_S", 30.0)
    done = threading.Event()
    script = threading.Thread(target=done.wait, name=live_data.SCRIPT_THREAD, daemon=True)
    script.start()
    assert live_data.scripts_running() == 1
    live_data.note_page_run()
    assert (
        live_data.hourly_forecast("sqlite:///:memory:", "H03", BUSY_NOW.date(), scope=ALL) is None
    )
    time.sleep(0.6)
    assert not started  # quiet for 0.5 s past QUIET_S, but the page is still running
    ended = time.monotonic()
    done.set()
    script.join()
    deadline = time.monotonic() + 5
    while not started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert started and started[0] >= ended


def test_todays_forecast_is_fitted_in_the_background_and_drawn(monkeypatch, busy_demo: str):
    """The first refresh of a day starts the fit and draws no forecast; once it is there,
    the hourly chart shows it as a line with its band."""
    import polars as pl

    from forecasting import service
    from metrics import screen
    from metrics.live import ScreenSettings

    calls: list[tuple] = []

    def fit(conn, hall_id: str, day: dt.date, *, scope: Scope) -> pl.DataFrame:
        calls.append((hall_id, day, scope))
        return pl.DataFrame({"hour": [9, 10, 11], "yhat": [120.0, 150.0, 90.0]}).with_columns(
            yhat_lower=pl.col("yhat") * 0.8, yhat_upper=pl.col("yhat") * 1.2
        )

    monkeypatch.setattr(service, "hourly_forecast", fit)
    day = BUSY_NOW.date()
    assert live_data.hourly_forecast(busy_demo, HALL, day, scope=ALL) is None  # fitting
    store, _ = live_data._forecasts()
    for _ in range(100):
        if store.get((busy_demo, HALL, day, live_data.hall_scope(ALL, HALL))) is not None:
            break
        time.sleep(0.05)
    forecast = live_data.hourly_forecast(busy_demo, HALL, day, scope=ALL)
    assert forecast["yhat"].to_list() == [120.0, 150.0, 90.0]
    # once a day, whatever the number of refreshes, in the scope of the whole hall
    assert calls == [(HALL, day, live_data.hall_scope(ALL, HALL))]
    engine = make_engine(busy_demo)
    with engine.connect() as conn:
        figures = screen.live_figures(conn, HALL, BUSY_NOW, Settings(), ScreenSettings(), scope=ALL)
    engine.dispose()
    panel = screen_view.hourly_html(figures, "zh", forecast)
    assert t("screen.hourly.forecast", "zh") in panel
    chart = chart_svg(panel)
    line = re.search(r'<polyline class="forecast" points="([^"]+)"', chart).group(1)
    heights = [float(point.split(",")[1]) for point in line.split()]
    assert len(heights) == 3 and heights[1] < heights[0] < heights[2]  # 150 above 120 above 90
    assert 'class="forecast-band"' in chart


def test_screens_refreshing_within_five_seconds_share_one_live_read(monkeypatch) -> None:
    """The live figures are read for `now`'s five-second slot: a hall's screens that refresh
    within it (all of them, when they reconnect after a restart) make one read, and the next
    slot reads again. A screen set to refresh faster than that reads at its own pace."""
    from metrics import screen

    reads: list[dt.datetime] = []

    def read(conn, hall_id, now, metric_settings, screen_settings, *, scope):
        reads.append(now)
        return f"{hall_id} at {now:%H:%M:%S}"

    monkeypatch.setattr(screen, "live_figures", read)
    monkeypatch.setattr(live_data, "engine_for", lambda url: make_engine("sqlite://"))
    at = dt.datetime(2026, 11, 27, 10, 41, 5)
    kiosks = [Scope.kiosk(n, HALL) for n in range(3)]
    shown = [
        live_data.live("url-live", HALL, at + dt.timedelta(seconds=n), scope=k)
        for n, k in enumerate(kiosks)
    ]
    assert shown == [f"{HALL} at 10:41:05"] * 3 and reads == [at]
    assert live_data.live("url-live", HALL, at + dt.timedelta(seconds=5), scope=kiosks[0]) == (
        f"{HALL} at 10:41:10"
    )
    assert len(reads) == 2
    assert live_data.live_slot(dt.datetime(2026, 1, 1, 9, 0, 59, 900), 30) == dt.datetime(
        2026, 1, 1, 9, 0, 55
    )
    assert live_data.live_slot(dt.datetime(2026, 1, 1, 9, 0, 59), 2) == dt.datetime(
        2026, 1, 1, 9, 0, 58
    )


def test_the_warm_up_reads_the_halls_whose_screens_have_a_live_link(busy_demo):
    """With sign-in on, the warm-up reads the halls with a live kiosk link only (a city of 150
    halls with twenty screens: twenty halls); a revoked or expired link is no screen; with
    sign-in off (no link needed), or no link at all, every hall."""
    from access import kiosk
    from dashboard import serve

    engine = make_engine(busy_demo)
    k = schema.kiosk_links
    try:
        with engine.begin() as conn:
            halls = sorted(conn.execute(sa.select(schema.halls.c.hall_id)).scalars())
            assert serve.screen_halls(conn, halls) == halls  # no link yet
            first, second, revoked, expired = halls[1], halls[3], halls[0], halls[2]
            for hall in (second, first, revoked, expired):
                kiosk.add(conn, hall, by="test", expires_at=dt.datetime(2999, 1, 1))
            gone = kiosk.list_links(conn, revoked)[0]
            kiosk.revoke(conn, gone.link_id, by="test")
            conn.execute(
                k.update().where(k.c.hall_id == expired).values(expires_at=dt.datetime(2000, 1, 1))
            )
        with engine.connect() as conn:
            assert kiosk.live_halls(conn) == {first, second}
            assert serve.screen_halls(conn, halls) == sorted([first, second])
            assert serve.screen_halls(conn, halls, sign_in=False) == halls
    finally:
        with engine.begin() as conn:
            conn.execute(k.delete())
        engine.dispose()


def test_the_server_reads_every_halls_screen_before_the_first_visit(monkeypatch, busy_demo):
    """`python -m dashboard.serve` reads each hall's month figures (and starts its forecast)
    as soon as the server is up: the first screen of a hall, whatever its kiosk link, finds
    them there and makes no read of its own."""
    from dashboard import serve
    from forecasting import service

    monkeypatch.setattr(service, "hourly_forecast", lambda conn, hall, day, *, scope: None)
    engine = make_engine(busy_demo)
    with engine.connect() as conn:
        halls = sorted(conn.execute(sa.select(schema.halls.c.hall_id)).scalars())
    engine.dispose()
    assert serve.warm_screens(busy_demo) == halls

    def no_read(*args, **kwargs):
        raise AssertionError("the screen read the month itself")

    monkeypatch.setattr(live_data, "_read_month", no_read)
    from metrics import live

    for hall in halls:  # the current five-minute slot on the hall's clock, as a screen reads it
        now = live.now(live_data.zone(busy_demo, hall))
        month = live_data.period(busy_demo, hall, now, scope=Scope.kiosk(42, hall))
        assert isinstance(month, PeriodFigures)
    store, _ = live_data._forecasts()
    assert {key[1] for key in store} == set(halls)
