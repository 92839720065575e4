"""The hall's clock: "now" is the hall's wall time whatever the server's zone."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from workdays import clock


@pytest.mark.parametrize("server_tz", ["UTC", "America/New_York", "Asia/Shanghai"])
@pytest.mark.parametrize("hall_tz", ["Asia/Shanghai", "Asia/Urumqi", None])
def test_now_is_the_halls_wall_time_whatever_the_server(server_tz: str, hall_tz: str | None):
    env = {**os.environ, "TZ": server_tz}
    env.pop(clock.NOW_ENV, None)
    code = (
        "from workdays import clock; import datetime as dt; "
        f"print(clock.now({hall_tz!r}).isoformat(), dt.datetime.now().isoformat())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    hall_now, server_now = (dt.datetime.fromisoformat(v) for v in out)
    expected = dt.datetime.now(ZoneInfo(hall_tz or "Asia/Shanghai")).replace(tzinfo=None)
    assert abs((hall_now - expected).total_seconds()) < 5
    assert hall_now.tzinfo is None and hall_now.microsecond == 0
    server_expected = dt.datetime.now(ZoneInfo(server_tz)).replace(tzinfo=None)
    assert abs((server_now - server_expected).total_seconds()) < 5  # TZ really took effect


def test_pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.NOW_ENV, "2026-11-27T10:40:05")
    assert clock.now() == dt.datetime(2026, 11, 27, 10, 40, 5)  # naive: already hall-local
    assert clock.today("America/New_York") == dt.date(2026, 11, 27)
    monkeypatch.setenv(clock.NOW_ENV, "2026-11-27T02:40:00Z")  # with an offset: converted
    assert clock.now() == dt.datetime(2026, 11, 27, 10, 40)
    assert clock.now("America/New_York") == dt.datetime(2026, 11, 26, 21, 40)
    monkeypatch.setenv(clock.NOW_ENV, "yesterday")
    with pytest.raises(clock.ClockError, match="HALLPULSE_NOW"):
        clock.now()


def test_zones() -> None:
    assert clock.zone(None) == clock.zone("") == ZoneInfo("Asia/Shanghai")
    with pytest.raises(clock.ClockError, match="Mars/Olympus"):
        clock.zone("Mars/Olympus")
    aware = dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC)
    assert clock.to_hall(aware) == dt.datetime(2026, 12, 2, 0, 30)
    assert clock.to_hall(dt.datetime(2026, 12, 2, 0, 30)) == dt.datetime(2026, 12, 2, 0, 30)
    assert clock.network_zone([None, "Asia/Urumqi", "Asia/Urumqi", "Asia/Shanghai"]) == (
        "Asia/Urumqi"
    )
    assert clock.network_zone([None, ""]) == "Asia/Shanghai"
