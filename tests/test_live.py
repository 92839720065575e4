"""The big screen's live reads and figures against hand-computed expectations.

One hall H1 on Friday 2026-11-27, "now" = 10:00. Queues Q1 (A, 社保) and Q2 (B, 医保); windows
W1 (A01), W2 (B01), W3 (B02); staff S1 张小明 at W1, S2 李四 at W2, S3 欧阳小明 at W3.

    ticket  queue  issued  called  status     window  notes
    T1      Q1     08:50   09:00   served     W1      finished 09:10
    T2      Q1     09:30   09:45   serving    W1
    T3      Q1     09:40   -       waiting            waits 20 min at 10:00
    T4      Q1     09:50   -       waiting            appointment 10:05: waits 0 (slot later)
    T5      Q2     09:20   -       waiting            appointment 09:30: waits 30 min
    T6      Q2     09:00   09:35   served     W2      finished 09:50
    T7      Q2     09:05   09:40   no_show    W3
    T8      Q1     10:30   -       waiting            after now: not there yet
    T9      (H2)   09:00   -       waiting            another hall
    T10-12  Q1     last Friday 09:10, 09:55, 14:20 served
    T13     Q1     yesterday 16:00 waiting            not today

Shifts today: S1 at W1 from 08:30 (no clock-out); S2 at W2 08:45–09:55 (gone at 10:00);
S3 at W3 08:40–17:00. Staffed at 10:00: W1, W3. Called in the last 30 min (since 09:30):
(Q1, W1), (Q2, W2), (Q2, W3) → open windows Q1: W1 = 1; Q2: W3 = 1 (W2 left); hall: 2.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from sqlalchemy.engine import Engine

from access.scope import Scope
from metrics import live
from metrics.figures import compute
from metrics.live import ScreenSettings, load_screen_settings, mask_name
from metrics.screen import TODAY_KEYS, live_figures
from metrics.settings import Settings, SettingsError, load_settings
from queries import live as q
from queries import schema as s
from queries.db import init_schema
from queries.metric_queries import Filters

ALL = Scope.everything("test")  # unrestricted reads, as an admin

DAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 10, 0)
START = dt.datetime(2026, 11, 27, 0, 0)


def T(hhmm: str, day: dt.date = DAY) -> dt.datetime:
    h, m = hhmm.split(":")
    return dt.datetime.combine(day, dt.time(int(h), int(m)))


LAST_WEEK = DAY - dt.timedelta(days=7)
YESTERDAY = DAY - dt.timedelta(days=1)


def _ticket(tid, queue, issued, status, called=None, finished=None, window=None, staff=None,
            source="walk_in", appointment=None, hall="H1"):  # fmt: skip
    return {
        "ticket_id": tid,
        "hall_id": hall,
        "queue_id": queue,
        "ticket_no": f"{'A' if queue == 'Q1' else 'B'}{tid[1:].zfill(3)}",
        "issued_at": issued,
        "called_at": called,
        "finished_at": finished,
        "window_id": window,
        "staff_id": staff,
        "status": status,
        "source": source,
        "appointment_start": appointment,
        "case_id": None,
    }


TICKETS = [
    _ticket("T1", "Q1", T("08:50"), "served", T("09:00"), T("09:10"), "W1", "S1"),
    _ticket("T2", "Q1", T("09:30"), "serving", T("09:45"), None, "W1", "S1"),
    _ticket("T3", "Q1", T("09:40"), "waiting"),
    _ticket("T4", "Q1", T("09:50"), "waiting", source="appointment", appointment=T("10:05")),
    _ticket("T5", "Q2", T("09:20"), "waiting", source="appointment", appointment=T("09:30")),
    _ticket("T6", "Q2", T("09:00"), "served", T("09:35"), T("09:50"), "W2", "S2"),
    _ticket("T7", "Q2", T("09:05"), "no_show", T("09:40"), None, "W3", None),
    _ticket("T8", "Q1", T("10:30"), "waiting"),
    _ticket("T9", "Q9", T("09:00"), "waiting", hall="H2"),
    _ticket("T10", "Q1", T("09:10", LAST_WEEK), "served", T("09:20", LAST_WEEK)),
    _ticket("T11", "Q1", T("14:20", LAST_WEEK), "served", T("14:30", LAST_WEEK)),
    _ticket("T12", "Q1", T("09:55", LAST_WEEK), "served", T("10:00", LAST_WEEK)),
    _ticket("T13", "Q1", T("16:00", YESTERDAY), "waiting"),
]


def seed(engine: Engine) -> None:
    init_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            s.halls.insert(),
            [
                {"hall_id": "H1", "name": "一号大厅", "level": "district"},
                {"hall_id": "H2", "name": "二号大厅", "level": "street"},
            ],
        )
        conn.execute(
            s.departments.insert(),
            [{"dept_id": "D1", "name": "社保"}, {"dept_id": "D2", "name": "医保"}],
        )
        conn.execute(
            s.queues.insert(),
            [
                {"queue_id": "Q1", "hall_id": "H1", "name": "社会保障", "prefix": "A",
                 "dept_id": "D1"},
                {"queue_id": "Q2", "hall_id": "H1", "name": "医疗保障", "prefix": "B",
                 "dept_id": "D2"},
                {"queue_id": "Q9", "hall_id": "H2", "name": "综合", "prefix": "A",
                 "dept_id": None},
            ],
        )  # fmt: skip
        conn.execute(
            s.windows.insert(),
            [
                {"window_id": "W1", "hall_id": "H1", "label": "A01", "dept_id": "D1"},
                {"window_id": "W2", "hall_id": "H1", "label": "B01", "dept_id": "D2"},
                {"window_id": "W3", "hall_id": "H1", "label": "B02", "dept_id": "D2"},
            ],
        )
        conn.execute(
            s.staff.insert(),
            [
                {"staff_id": "S1", "name": "张小明", "hall_id": "H1"},
                {"staff_id": "S2", "name": "李四", "hall_id": "H1"},
                {"staff_id": "S3", "name": "欧阳小明", "hall_id": "H1"},
            ],
        )
        conn.execute(
            s.service_hours.insert(),
            [{"hall_id": "H1", "weekday": 5, "start": dt.time(9), "end": dt.time(12),
              "kind": "regular"}],
        )  # fmt: skip
        conn.execute(s.tickets.insert(), TICKETS)
        conn.execute(
            s.attendance.insert(),
            [
                {"staff_id": "S1", "hall_id": "H1", "work_date": DAY, "shift_kind": "regular",
                 "clock_in": T("08:30"), "clock_out": None, "window_id": "W1"},
                {"staff_id": "S2", "hall_id": "H1", "work_date": DAY, "shift_kind": "regular",
                 "clock_in": T("08:45"), "clock_out": T("09:55"), "window_id": "W2"},
                {"staff_id": "S3", "hall_id": "H1", "work_date": DAY, "shift_kind": "regular",
                 "clock_in": T("08:40"), "clock_out": T("17:00"), "window_id": "W3"},
            ],
        )  # fmt: skip


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


def _rows(frame: pl.DataFrame) -> list[tuple]:
    return [tuple(r) for r in frame.iter_rows()]


def test_live_queries(seeded: Engine) -> None:
    with seeded.connect() as conn:
        assert _rows(q.hall_list(conn, scope=ALL)) == [
            ("H1", "一号大厅", "district"),
            ("H2", "二号大厅", "street"),
        ]
        assert _rows(q.queue_list(conn, "H1", scope=ALL)) == [
            ("Q1", "社会保障", "A"),
            ("Q2", "医疗保障", "B"),
        ]
        assert _rows(q.queue_today(conn, "H1", START, NOW, scope=ALL).sort("queue_id")) == [
            ("Q1", 4, 1, 1),  # T1-T4; served T1; serving T2
            ("Q2", 3, 1, 0),  # T5-T7; served T6
        ]
        waiting = q.waiting_tickets(conn, "H1", START, NOW, scope=ALL).sort("issued_at")
        assert waiting["issued_at"].to_list() == [T("09:20"), T("09:40"), T("09:50")]  # T5 T3 T4
        callers = q.recent_callers(conn, "H1", START, T("09:30"), NOW, scope=ALL)
        assert sorted(_rows(callers)) == [("Q1", "W1"), ("Q2", "W2"), ("Q2", "W3")]
        shifts = q.shifts_today(conn, "H1", DAY, scope=ALL)
        assert sorted(shifts["window_id"].to_list()) == ["W1", "W2", "W3"]
        calls = q.recent_calls(conn, "H1", START, NOW, scope=ALL)
        assert _rows(calls.select("ticket_no", "window", "staff", "status")) == [
            ("A002", "A01", "张小明", "serving"),  # T2 09:45
            ("B007", "B02", None, "no_show"),  # T7 09:40
            ("B006", "B01", "李四", "served"),  # T6 09:35
            ("A001", "A01", "张小明", "served"),  # T1 09:00
        ]
        assert _rows(
            q.recent_calls(conn, "H1", START, NOW, limit=1, scope=ALL).select("ticket_no")
        ) == [("A002",)]
        assert _rows(q.hourly_issued(conn, "H1", START, NOW, scope=ALL)) == [(8, 1), (9, 6)]
        week = dt.datetime.combine(LAST_WEEK, dt.time())
        assert _rows(
            q.hourly_issued(conn, "H1", week, week + dt.timedelta(seconds=86399), scope=ALL)
        ) == [
            (9, 2),
            (14, 1),
        ]
        assert q.newest_ticket(conn, "H1", NOW, scope=ALL) == T("09:50")
        assert q.newest_ticket(conn, "H2", T("08:00"), scope=ALL) is None
        assert q.department_names(conn, scope=ALL) == {"D1": "社保", "D2": "医保"}


def test_live_figures(seeded: Engine) -> None:
    settings = Settings()
    with seeded.connect() as conn:
        figures = live_figures(conn, "H1", NOW, settings, ScreenSettings(), scope=ALL)
        today = compute(conn, Filters(DAY, DAY, NOW, {"hall": "H1"}), settings, scope=ALL)
    assert figures.hall == {
        "waiting_now": 3,  # T3, T4, T5
        "wait_now_mean_min": pytest.approx((20 + 0 + 30) / 3),
        "wait_now_max_min": pytest.approx(30.0),  # T5 from its 09:30 slot
        "open_windows": 2,  # W1, W3 staffed
        "serving_now": 1,  # T2
    }
    board = figures.queues.select("queue_id", "issued", "served", "waiting", "open_windows")
    assert _rows(board) == [("Q1", 4, 1, 2, 1), ("Q2", 3, 1, 1, 1)]
    assert figures.queues["wait_max_min"].to_list() == [pytest.approx(20.0), pytest.approx(30.0)]
    assert figures.calls["staff"].to_list() == ["张*明", None, "李*", "张*明"]
    hourly = figures.hourly.filter(pl.col("hour").is_between(8, 14))
    assert _rows(hourly) == [
        (8, 0 + 1, 0),
        (9, 6, 2),
        (10, 0, 0),  # the current hour: nothing yet (T8 is later)
        (11, None, 0),  # after now: no bar
        (12, None, 0),
        (13, None, 0),
        (14, None, 1),
    ]
    assert figures.newest == T("09:50") and figures.is_open and not figures.stale
    # the period figures come from the engine: the same numbers as `hall metrics`, only the
    # ones the screen shows (its refresh reads nothing else)
    for section in ("tickets", "evaluations"):
        shown = {k: v for k, v in today[section].items() if k in TODAY_KEYS}
        assert figures.today[section] == shown
    assert set(figures.today) == {"tickets", "evaluations"}
    assert {k for s in figures.today.values() for k in s} == set(TODAY_KEYS)


def test_stale_only_in_service_hours(seeded: Engine) -> None:
    with seeded.connect() as conn:
        late = live_figures(conn, "H1", T("10:20"), Settings(), ScreenSettings(), scope=ALL)
        strict = live_figures(
            conn, "H1", NOW, Settings(), ScreenSettings(stale_after_min=5), scope=ALL
        )
        closed = live_figures(conn, "H1", T("12:30"), Settings(), ScreenSettings(), scope=ALL)
    assert late.stale  # newest 09:50, 30 min > 15
    assert strict.stale  # 10 min > 5
    assert closed.newest == T("10:30") and not closed.is_open and not closed.stale


def test_without_attendance_callers_are_the_open_windows(seeded: Engine) -> None:
    with seeded.begin() as conn:
        conn.execute(s.attendance.delete())
    with seeded.connect() as conn:
        figures = live_figures(conn, "H1", NOW, Settings(), ScreenSettings(), scope=ALL)
    assert figures.hall["open_windows"] == 3  # W1, W2, W3 called since 09:30
    assert figures.queues["open_windows"].to_list() == [1, 2]


def test_compute_sections_equal_the_full_result(seeded: Engine) -> None:
    period = Filters(DAY - dt.timedelta(days=7), DAY, NOW, {"hall": "H1"})
    with seeded.connect() as conn:
        full = compute(conn, period, Settings(), scope=ALL)
        part = compute(conn, period, Settings(), sections=("tickets", "cases"), scope=ALL)
        groups = compute(conn, period, Settings(), "queue", sections=("tickets",), scope=ALL)[
            "groups"
        ]
    assert part == {"tickets": full["tickets"], "cases": full["cases"]}
    assert [set(g) for g in groups] == [{"queue_id", "tickets"}] * 2
    assert [g["tickets"]["issued"] for g in groups] == [9, 3]  # Q1: T1-T4, T8, T10-T13


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张小明", "张*明"),
        ("张三", "张*"),
        ("欧阳小明", "欧**明"),
        ("司马相如明", "司***明"),
        ("王", "王"),
        ("", ""),
        (None, ""),
        (" 李四 ", "李*"),
        ("Li Ming", "L* M**g"),
        ("阿卜杜拉·买买提", "阿******提"),
    ],
)
def test_mask_name(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


def test_current_waits_floor_and_slots() -> None:
    waiting = pl.DataFrame(
        {
            "queue_id": ["Q1", "Q1", "Q1"],
            "issued_at": [T("09:40"), T("09:50"), T("09:50")],
            "source": ["walk_in", "appointment", "appointment"],
            "appointment_start": [None, T("10:05"), T("09:30")],
        }
    )
    waits = live.current_waits(waiting, NOW)["wait_min"].to_list()
    assert waits == [20.0, 0.0, 10.0]  # an early slot waits from its issue


def test_hourly_comparison_and_stale_rule() -> None:
    today = pl.DataFrame(
        {"hour": [9], "issued": [5]}, schema={"hour": pl.Int32, "issued": pl.Int64}
    )
    week = pl.DataFrame({"hour": [7, 18]}, schema={"hour": pl.Int32}).with_columns(
        issued=pl.lit(2, pl.Int64)
    )
    frame = live.hourly_comparison(today, week, T("09:30"))
    assert frame["hour"].to_list() == list(range(7, 19))
    assert frame["today"].to_list()[:3] == [0, 0, 5] and frame["today"][3] is None
    nothing = today.clear()
    assert live.hourly_comparison(nothing, week, T("22:00"))["hour"].to_list() == list(range(7, 19))
    empty = live.hourly_comparison(nothing, nothing, T("10:30"))
    assert empty["hour"].to_list() == [8, 9, 10] and empty["today"].to_list() == [0, 0, 0]
    assert live.is_stale(None, NOW, True, 15) and not live.is_stale(None, NOW, False, 15)
    assert not live.is_stale(T("09:45"), NOW, True, 15) and live.is_stale(T("09:44"), NOW, True, 15)


def test_now_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(live.NOW_ENV, "2026-11-27T10:00:30.5")
    assert live.now() == dt.datetime(2026, 11, 27, 10, 0, 30)
    monkeypatch.delenv(live.NOW_ENV)
    beijing = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs((live.now() - beijing).total_seconds()) < 2  # the hall's clock, not the server's


def test_screen_settings(tmp_path: Path) -> None:
    path = tmp_path / "hallpulse.toml"
    assert load_screen_settings(path) == ScreenSettings()
    path.write_text(
        "[metrics]\nmin_served = 10\n[screen]\nrefresh_s = 5\nrank_key = 'satisfaction_rate'\n"
    )
    assert load_screen_settings(path) == ScreenSettings(refresh_s=5.0, rank_key="satisfaction_rate")
    assert load_settings(path).min_served == 10  # [screen] is not an unknown section there
    for text, message in (
        ("[screen]\nrefresh = 5\n", "unknown setting"),
        ("[screen]\nrefresh_s = 0\n", "positive"),
        ("[screen]\nrank_key = 'nope'\n", "not a metric"),
    ):
        path.write_text(text)
        with pytest.raises(SettingsError, match=message):
            load_screen_settings(path)
