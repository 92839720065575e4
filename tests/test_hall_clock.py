"""The hall's clock whatever the server's: the big screen, the periods, `hall demo` and
`hall demo --follow` give the same answers with the process in Beijing, UTC or New York,
because every "now" is the hall's local time (`halls.timezone`).

The process zone is switched in-process with TZ + `time.tzset()` (and restored), or in a
subprocess; Debian's `faketime` sets a whole subprocess's wall clock to a known instant.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import streamlit as st
from conftest import first_run_on, unavailable
from screen_support import BUSY_NOW, HALL, busy_demo, figures_in, project_root
from streamlit.testing.v1 import AppTest

from access.scope import Scope
from metrics import periods
from metrics.figures import compute
from metrics.live import NOW_ENV
from metrics.settings import Settings
from queries import schema
from queries.db import URL_ENV, get_meta, make_engine
from queries.metric_queries import Filters
from workdays import clock

ALL = Scope.everything("test")  # unrestricted reads, as an admin

__all__ = ["busy_demo"]  # the fixture, imported for pytest

APP = project_root() / "streamlit_app.py"
HALL_BIN = str(Path(sys.executable).parent / "hall")
SERVER_ZONES = ("Asia/Shanghai", "UTC", "America/New_York")
BEIJING = ZoneInfo("Asia/Shanghai")
# BUSY_NOW (10:40 in Beijing) as one instant of the world's time
INSTANT = BUSY_NOW.replace(tzinfo=BEIJING).astimezone(dt.UTC)
CLOCK = re.compile(r'<div class="time">(\d\d:\d\d)</div><div class="date">([^·<]*)')


@pytest.fixture(autouse=True)
def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@contextlib.contextmanager
def server_tz(name: str) -> Iterator[None]:
    """Run the block as on a server whose local zone is `name`."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def screen_html(monkeypatch, url: str, now: str | None, **params: str) -> str:
    monkeypatch.setenv(URL_ENV, url)
    if now is None:
        monkeypatch.delenv(NOW_ENV, raising=False)
    else:
        monkeypatch.setenv(NOW_ENV, now)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    first_run_on(at, "big_screen").run()
    assert not at.exception, [e.message for e in at.exception]
    return "\n".join(element.proto.body for element in at.get("html"))


def clock_text(html: str) -> tuple[str, str]:
    match = CLOCK.search(html)
    assert match, "no clock on the screen"
    return match[1], match[2].strip()


def test_the_screen_shows_the_same_instant_in_any_server_zone(monkeypatch, busy_demo) -> None:
    """HALLPULSE_NOW given as an instant (UTC): the screen shows 10:40 in Beijing, and the same
    figures, whatever zone the server process runs in."""
    seen = {}
    for zone_name in SERVER_ZONES:
        with server_tz(zone_name):
            assert (
                time.localtime(INSTANT.timestamp()).tm_hour
                == INSTANT.astimezone(ZoneInfo(zone_name)).hour
            )  # the process really runs in that zone
            html = screen_html(monkeypatch, busy_demo, INSTANT.isoformat(), hall=HALL)
        seen[zone_name] = (clock_text(html), figures_in(html))
    beijing = seen["Asia/Shanghai"]
    assert beijing[0] == ("10:40", "2026年11月27日 星期五")
    assert int(beijing[1]["issued"][0].replace(",", "")) > 100
    for zone_name in SERVER_ZONES[1:]:
        assert seen[zone_name] == beijing, zone_name


def test_a_hall_in_another_zone_shows_its_own_time(monkeypatch, busy_demo, tmp_path) -> None:
    """The same instant is 21:40 the evening before in New York: a hall whose halls.timezone
    says so shows that time and that day's figures."""
    url = new_york_copy(busy_demo, tmp_path)
    engine = make_engine(url)
    new_york = INSTANT.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None)
    with engine.connect() as conn:
        day = compute(
            conn,
            Filters(new_york.date(), new_york.date(), new_york, {"hall": HALL}),
            Settings(),
            scope=ALL,
        )
    engine.dispose()
    with server_tz("Asia/Shanghai"):
        html = screen_html(monkeypatch, url, INSTANT.isoformat(), hall=HALL)
    assert clock_text(html) == ("21:40", "2026年11月26日 星期四")
    assert figures_in(html)["issued"] == [f"{day['tickets']['issued']:,}"]
    assert day["tickets"]["issued"] > 100  # the whole Thursday, not Friday morning


@pytest.mark.parametrize("zone_name", SERVER_ZONES)
def test_periods_run_on_the_halls_clock(monkeypatch, zone_name: str) -> None:
    monkeypatch.delenv(NOW_ENV, raising=False)
    with server_tz(zone_name):
        before = dt.datetime.now(BEIJING).replace(tzinfo=None, second=0, microsecond=0)
        current = periods.now("Asia/Shanghai")
        after = dt.datetime.now(BEIJING).replace(tzinfo=None, second=0, microsecond=0)
        assert before <= current <= after
        for kind in ("today", "this_week", "last_week", "this_month", "last_month"):
            assert periods.resolve(kind, current) in (
                periods.resolve(kind, before),
                periods.resolve(kind, after),
            )
        assert periods.resolve("today", current).first == current.date()


def faketime() -> str:
    found = shutil.which("faketime")
    if not found:
        unavailable("Debian's faketime is not installed: apt-get install -y faketime")
    return found


def hall(*args: str, fake: str | None = None, tz: str = "UTC") -> subprocess.CompletedProcess:
    """`hall …` in a process on a server in zone `tz` (at the instant `fake`, with faketime)."""
    command = [HALL_BIN, *args]
    if fake:
        command = [faketime(), fake, *command]
    environment = {k: v for k, v in os.environ.items() if k != NOW_ENV}
    environment["TZ"] = tz
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("server_zone", ["UTC", "America/New_York"])
def test_demo_and_follow_run_on_beijing_time(tmp_path: Path, server_zone: str) -> None:
    """02:30 UTC is 10:30 in Beijing (21:30 the day before in New York): `hall demo` cuts at
    10:30 of that Wednesday, `--follow` carries on from there, and (on the UTC server) the
    screen of that demo, without HALLPULSE_NOW, shows the morning's tickets and 10:30, not
    02:30 and 0."""
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    fake = "2026-12-02 02:30:00 UTC"
    made = hall("demo", "--db", url, "--days", "2", fake=fake, tz=server_zone)
    assert "2026-11-01" not in made.stderr
    assert re.search(r"\(2026-12-01 … 2026-12-02, cut at 2026-12-02 10:3\d\)", made.stderr), (
        made.stderr
    )
    engine = make_engine(url)
    with engine.connect() as conn:
        assert get_meta(conn)["demo_end"] == "2026-12-02"
        newest = conn.execute(sa.select(sa.func.max(schema.tickets.c.issued_at))).scalar()
    newest = dt.datetime.fromisoformat(str(newest))
    assert dt.datetime(2026, 12, 2, 10) <= newest <= dt.datetime(2026, 12, 2, 10, 40)

    followed = hall(
        "demo", "--follow", "--db", url, "--steps", "2", "--interval", "0.2", "--speed", "60",
        fake=fake, tz=server_zone,
    )  # fmt: skip
    assert re.search(r"from 2026-12-02 10:3\d:\d\d", followed.stderr), followed.stderr
    assert re.search(r"followed 2 steps up to 2026-12-02 10:3\d:\d\d", followed.stdout)

    if server_zone != "UTC":  # the screen in New York is run in-process above
        return
    # the screen in a UTC process at that instant, with the clock running free
    script = (
        "import os, re\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(APP)!r}, default_timeout=60)\n"
        "at.run(); at.switch_page('dashboard/pages/big_screen.py'); at.run()\n"
        "assert not at.exception, [e.message for e in at.exception]\n"
        "print('\\n'.join(e.proto.body for e in at.get('html')))\n"
    )
    result = subprocess.run(
        [faketime(), fake, sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=project_root(),
        env={
            **{k: v for k, v in os.environ.items() if k != NOW_ENV},
            "TZ": "UTC",
            URL_ENV: url,
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]
    shown_time, shown_date = clock_text(result.stdout)
    assert shown_time.startswith("10:3") and shown_date == "2026年12月2日 星期三"
    assert int(figures_in(result.stdout)["issued"][0].replace(",", "")) > 100


def test_demo_up_to_now_on_a_utc_server(tmp_path: Path, monkeypatch) -> None:
    """Without faketime: `hall demo` on a UTC server ends at the Beijing minute of now, and the
    screen (clock running free, process in UTC) shows that time and all of the day's tickets."""
    monkeypatch.delenv(NOW_ENV, raising=False)  # the clock runs free here (the run may pin it)
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    before = clock.now("Asia/Shanghai").replace(second=0)
    made = hall("demo", "--db", url, "--days", "1")
    after = clock.now("Asia/Shanghai").replace(second=0)
    cut_at = re.search(r"cut at ([\d-]+ [\d:]+)\)", made.stderr)
    assert cut_at, made.stderr
    cut = dt.datetime.strptime(cut_at[1], "%Y-%m-%d %H:%M")
    assert before <= cut <= after

    engine = make_engine(url)
    with engine.connect() as conn:
        issued = conn.execute(
            sa.select(sa.func.count()).where(
                schema.tickets.c.hall_id == HALL, schema.tickets.c.issued_at >= cut.date()
            )
        ).scalar_one()
    engine.dispose()
    with server_tz("UTC"):
        html = screen_html(monkeypatch, url, None, hall=HALL)
    shown_time, _ = clock_text(html)
    later = clock.now("Asia/Shanghai")
    if later.date() != cut.date():
        pytest.skip("midnight in Beijing passed during the test")
    assert before.strftime("%H:%M") <= shown_time <= later.strftime("%H:%M")
    assert figures_in(html)["issued"] == [f"{issued:,}"]


def new_york_copy(busy_demo: str, tmp_path: Path) -> str:
    """A copy of the busy demo whose H01 keeps New York time."""
    path = tmp_path / "ny.db"
    shutil.copy(busy_demo.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            schema.halls.update()
            .where(schema.halls.c.hall_id == HALL)
            .values(timezone="America/New_York")
        )
    engine.dispose()
    return url


def test_today_on_the_command_line_is_the_halls_date(
    monkeypatch, busy_demo, tmp_path, capsys
) -> None:
    """`--from today` is the date in the hall of --hall: Thursday in New York while it is
    already Friday in Beijing."""
    import json

    from cli.main import main

    url = new_york_copy(busy_demo, tmp_path)
    monkeypatch.setenv(NOW_ENV, INSTANT.isoformat())
    engine = make_engine(url)
    with engine.connect() as conn:
        expected = {
            hall_id: compute(
                conn,
                Filters(day, day, dt.datetime.combine(day, periods.END_OF_DAY), {"hall": hall_id}),
                Settings(),
                scope=ALL,
            )["tickets"]["issued"]
            for hall_id, day in ((HALL, dt.date(2026, 11, 26)), ("H02", dt.date(2026, 11, 27)))
        }
    engine.dispose()
    for hall_id, issued in expected.items():
        with server_tz("UTC"):
            code = main(
                ["metrics", "--db", url, "--from", "today", "--to", "today", "--hall", hall_id,
                 "--json"]
            )  # fmt: skip
        assert code == 0
        assert json.loads(capsys.readouterr().out)["tickets"]["issued"] == issued, hall_id
    assert expected[HALL] > 100 and expected["H02"] > 0


def test_clock_words_resolve_only_when_given(monkeypatch) -> None:
    import argparse

    from cli import args as args_

    monkeypatch.setenv(NOW_ENV, "2026-12-02T02:30:00Z")
    asked = []

    def zone() -> str:
        asked.append(1)
        return "America/New_York"

    plain = argparse.Namespace(first=dt.date(2026, 1, 1), hall=None)
    args_.on_hall_clock(plain, zone)
    assert not asked and plain.first == dt.date(2026, 1, 1)  # no database read
    worded = argparse.Namespace(first=args_.date("today"), as_of=args_.datetime("now"))
    args_.on_hall_clock(worded, zone)
    assert worded.first == dt.date(2026, 12, 1)
    assert worded.as_of == dt.datetime(2026, 12, 1, 21, 30)


def test_freshness_judges_each_hall_on_its_own_clock() -> None:
    import polars as pl

    from metrics.freshness import with_freshness

    overview = pl.DataFrame(
        {
            "hall_id": ["BJ", "NY"],
            "table": ["tickets", "tickets"],
            "last_at": [dt.datetime(2026, 11, 27, 10, 0), dt.datetime(2026, 11, 26, 17, 0)],
        }
    )
    nows = {"BJ": dt.datetime(2026, 11, 27, 10, 10), "NY": dt.datetime(2026, 11, 26, 21, 10)}
    frame = with_freshness(overview, nows, {"BJ"})
    assert frame["age_min"].to_list() == [10.0, 250.0]
    assert frame["stale"].to_list() == [False, False]  # BJ fresh; NY closed at night


def test_closed_days_wait_for_the_last_hall(busy_demo, tmp_path, monkeypatch) -> None:
    """Rollups treat a day as closed once it is over in every hall: at 02:40 UTC it is Friday
    in Beijing but still Thursday in New York."""
    from queries import rollups

    url = new_york_copy(busy_demo, tmp_path)
    monkeypatch.setenv(NOW_ENV, INSTANT.isoformat())
    engine = make_engine(url)
    with engine.connect() as conn:
        assert rollups.hall_today(conn) == dt.date(2026, 11, 26)
    engine.dispose()
    engine = make_engine(busy_demo)
    with engine.connect() as conn:
        assert rollups.hall_today(conn) == dt.date(2026, 11, 27)
    engine.dispose()


def test_a_pages_today_is_its_halls(monkeypatch, busy_demo, tmp_path) -> None:
    """总览 for "today" at one instant: Thursday for the New York hall, Friday for a Beijing
    one (the period bar runs on the chosen hall's clock)."""
    url = new_york_copy(busy_demo, tmp_path)
    monkeypatch.setenv(URL_ENV, url)
    monkeypatch.setenv(NOW_ENV, INSTANT.isoformat())
    for hall_id, day in ((HALL, "2026-11-26"), ("H02", "2026-11-27")):
        st.cache_data.clear()
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params["period"] = "today"
        at.query_params["hall"] = hall_id
        with server_tz("UTC"):
            at.run()
        assert not at.exception, [e.message for e in at.exception]
        caption = at.caption[0].value
        assert caption.startswith(f"统计 {day}（截至 {day} "), caption
