"""The metrics engine against metrics.md, on a small dataset with every figure worked out by hand.

One hall H1 with two departments (D1 社保, D2 不动产), one window and one queue each, three staff,
three items (instant I1; promised I2 with a legal limit; promised I3 without one), regular and
extended service hours, and China's real 2026 calendar. The default period is 2026-09-14 (Mon) ..
2026-10-18 (Sun), as_of 2026-10-18 23:59:59. The calendar facts the hand computations rely on:

    09-19 Sat, 09-20 Sun: 09-20 is a 调休 working day      09-25 Fri..09-27 Sun: 中秋 break (off)
    10-01 Thu..10-07 Wed: National Day break (off, incl. the plain Sunday 10-04)
    10-10 Sat: 调休 working day (follows Monday's service hours)   10-11 Sun: off
    working days after 09-28: 09-29, 09-30, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14, ...

Every expected value below is computed in the comments next to it; `compute` must produce it on
SQLite, PostgreSQL and MariaDB alike (the `engine` fixture), reading every row (`raw`) and
from daily rollups of the days up to 10-09 with the rest raw (`mixed`; the rollups are rebuilt
from the tables as they are just before each figure). tests/test_rollups.py compares fully
rolled figures with raw ones on the demo network.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import server_sample
from sqlalchemy.engine import Engine

from access.scope import Scope, scope_filter
from cli.main import main
from metrics.bundles import PACKAGE_KEYS
from metrics.catalog import KEYS, SECTIONS
from metrics.figures import compute
from metrics.rankings import rank_groups
from metrics.settings import Settings, SettingsError, load_settings
from queries import details, metric_queries, rollups
from queries import schema as s
from queries.db import ensure_calendar, init_schema, make_engine
from queries.metric_queries import Filters
from queries.quality import quality_findings

ALL = Scope.everything("test")  # unrestricted reads, as an admin

D = dt.date
FIRST, LAST = D(2026, 9, 14), D(2026, 10, 18)
AS_OF = dt.datetime(2026, 10, 18, 23, 59, 59)
QUANTILE_KEYS = {"wait_median_min", "wait_p90_min", "service_median_min"}
ROLLUP_MODES = ("raw", "mixed")
MIXED_UNTIL = D(2026, 10, 9)


@pytest.fixture(params=ROLLUP_MODES)
def engine(db_url: str, request: pytest.FixtureRequest):
    """The database on each backend, in each rollup mode (see the module docstring)."""
    engine = make_engine(db_url)
    engine.info = {"rollups": request.param}  # read by `run`
    yield engine
    engine.dispose()


def T(text: str) -> dt.datetime:
    """`"09-28 09:00"` or `"09-28 09:00:05"`: a 2026 hall-local timestamp."""
    return dt.datetime.fromisoformat(f"2026-{text}" + (":00" if text.count(":") == 1 else ""))


# --- the dataset ---------------------------------------------------------------------------------

REFERENCE = {
    s.halls: [{"hall_id": "H1", "name": "城东政务服务中心", "level": "district"}],
    s.departments: [{"dept_id": "D1", "name": "社保"}, {"dept_id": "D2", "name": "不动产"}],
    s.windows: [
        {"window_id": "W1", "hall_id": "H1", "label": "A01", "kind": "dedicated", "dept_id": "D1"},
        {"window_id": "W2", "hall_id": "H1", "label": "B01", "kind": "dedicated", "dept_id": "D2"},
    ],
    s.staff: [
        {"staff_id": "S1", "name": "张敏", "hall_id": "H1", "dept_id": "D1", "role": "front"},
        {"staff_id": "S2", "name": "李强", "hall_id": "H1", "dept_id": "D2", "role": "front"},
        {"staff_id": "S3", "name": "王芳", "hall_id": "H1", "dept_id": "D1", "role": "front"},
    ],
    s.items: [
        {"item_id": "I1", "name": "社保卡补办", "dept_id": "D1", "kind": "instant"},
        {"item_id": "I2", "name": "不动产登记", "dept_id": "D2", "kind": "promised"},
        {"item_id": "I3", "name": "养老待遇核定", "dept_id": "D1", "kind": "promised"},
    ],
    s.queues: [
        {"queue_id": "Q1", "hall_id": "H1", "name": "社保业务", "prefix": "A", "dept_id": "D1"},
        {"queue_id": "Q2", "hall_id": "H1", "name": "不动产业务", "prefix": "B", "dept_id": "D2"},
    ],
}
ITEM_DAYS = {"I1": (0, None), "I2": (3, 10), "I3": (2, None)}  # (promised, legal) workdays
for _item in REFERENCE[s.items]:
    _item["promised_workdays"], _item["legal_workdays"] = ITEM_DAYS[_item["item_id"]]


def _hours() -> list[dict]:
    rows = []
    for weekday in range(1, 6):  # Mon–Fri: 09:00–12:00, lunch, 13:30–17:00, evening 18:00–20:00
        for start, end, kind in (
            ("09:00", "12:00", "regular"),
            ("13:30", "17:00", "regular"),
            ("18:00", "20:00", "extended"),
        ):
            rows.append((weekday, start, end, kind))
    rows.append((6, "09:00", "12:00", "extended"))  # Saturday morning 延时服务; no Sunday service
    return [
        {
            "hall_id": "H1",
            "weekday": w,
            "start": dt.time.fromisoformat(a),
            "end": dt.time.fromisoformat(b),
            "kind": k,
        }
        for w, a, b, k in rows
    ]


# ticket, queue, window, staff, source, status, day, issued, called, finished, appointment_start
TICKETS = [
    # Monday 09-28
    ("T01", "Q1", "W1", "S1", "walk_in", "served", "09-28", "09:00", "09:05", "09:15", None),
    # appointment taken before its 10:00 slot: waits from the slot, 10:12 − 10:00 = 12
    ("T02", "Q1", "W1", "S1", "appointment", "served", "09-28", "09:50", "10:12", "10:32", "10:00"),
    # appointment called before its slot: wait floored at 0
    ("T03", "Q1", "W1", "S1", "appointment", "served", "09-28", "09:50", "09:55", "10:00", "10:00"),
    # appointment taken after its slot: waits from issued_at, 10:45 − 10:20 = 25
    ("T04", "Q2", "W2", "S2", "appointment", "served", "09-28", "10:20", "10:45", "11:15", "10:00"),
    ("T07", "Q1", "W1", "S1", "walk_in", "no_show", "09-28", "17:59:59", "18:10", None, None),
    ("T08", "Q1", None, None, "walk_in", "cancelled", "09-28", "18:00", None, None, None),
    ("T09", "Q2", "W2", "S2", "walk_in", "served",
     "09-28", "19:59:59", "20:07:59", "20:17:59", None),
    ("T10", "Q1", "W1", "S3", "walk_in", "no_show", "09-28", "20:00", "20:02", None, None),
    # Tuesday 09-29
    ("T05", "Q2", "W2", "S2", "walk_in", "served", "09-29", "13:30", "14:00", "14:12", None),
    # called two minutes before it was issued: a data error, no wait (service 8 min still counts)
    ("T06", "Q2", "W2", "S2", "walk_in", "served", "09-29", "14:00", "13:58", "14:06", None),
    # Friday 10-02, National Day holiday: the hall is closed, so 18:30 is not extended hours
    ("T11", "Q1", "W1", "S1", "walk_in", "served", "10-02", "18:30", "18:40", "18:50", None),
    # Saturday 10-10, 调休 working day on Monday's hours: 10:00 is regular, 18:30 extended
    ("T12", "Q1", "W1", "S1", "priority", "served", "10-10", "10:00", "10:20", "10:35", None),
    ("T13", "Q2", "W2", "S2", "walk_in", "served", "10-10", "18:30", "19:10", "19:30", None),
    # Saturday 10-17, an ordinary Saturday: 09:00–12:00 extended, end exclusive
    ("T14", "Q1", "W1", "S3", "walk_in", "served",
     "10-17", "11:59:59", "12:20:59", "12:30:59", None),
    ("T15", "Q2", None, None, "walk_in", "cancelled", "10-17", "12:00", None, None, None),
]  # fmt: skip

# case, item, window, staff, channel, status, accepted, due_at, completed, visits, tolerance,
# suspended_workdays
CASES = [
    # instant, due the end of 09-28: completed 23:00 the same day is on time
    ("C01", "I1", "W1", "S1", "window", "completed",
     "09-28 10:00", None, "09-28 23:00", 1, False, None),
    ("C02", "I1", "W1", "S1", "window", "completed",
     "09-28 11:00", None, "09-29 09:00", 2, False, None),
    # I2, 3 working days after 09-29: 09-30, 10-08, 10-09 → due 10-09; done 10-09 23:00: on time
    ("C03", "I2", "W2", "S2", "online", "completed",
     "09-29 10:00", None, "10-09 23:00", 0, True, None),
    # I2 + 2 suspended = 5 after 09-30: 10-08, 10-09, 10-10 (调休), 10-12, 10-13 → due 10-13
    ("C04", "I2", "W2", "S2", "window", "completed",
     "09-30 15:00", None, "10-13 10:00", None, False, 2),
    # I2 after Fri 10-09: 10-10 (调休 Saturday), 10-12, 10-13 → due 10-13; done 10-14: late
    ("C05", "I2", "W2", "S2", "window", "completed",
     "10-09 09:00", None, "10-14 09:00", 1, False, None),
    # due_at given (09-29 12:00, earlier than the derived 09-30): done 09-29 15:00 is late
    ("C06", "I3", "W1", "S3", "self_service", "completed",
     "09-28 09:30", "09-29 12:00", "09-29 15:00", 1, False, None),
    # returned / rejected / withdrawn: never open (else overdue, overdue, due soon)
    ("C07", "I1", "W1", "S1", "window", "returned",
     "10-12 10:00", None, "10-12 15:00", 1, False, None),
    ("C08", "I2", None, None, "online", "rejected",
     "10-12 11:00", None, None, None, False, None),
    ("C09", "I3", "W1", "S3", "proxy", "withdrawn",
     "10-15 10:00", None, None, None, False, None),
    # open at as_of: due 10-19 (10-15, 10-16, 10-19) = the first working day after 10-18: soon
    ("C10", "I2", "W2", "S2", "window", "in_progress",
     "10-14 10:00", None, None, None, True, None),
    # due 10-20 (10-16, 10-19, 10-20): open, neither overdue nor due soon
    ("C11", "I2", "W2", "S2", "window", "in_progress",
     "10-15 10:00", None, None, None, False, None),
    # instant, due the end of 10-16: overdue
    ("C12", "I1", "W1", "S1", "window", "in_progress",
     "10-16 16:00", None, None, None, False, None),
    # suspended (中止) is still open; due_at given 10-19 12:00: due soon
    ("C13", "I3", "W1", "S3", "window", "suspended",
     "10-13 10:00", "10-19 12:00", None, None, False, None),
    # completed only after as_of: open at as_of; due 10-15 (10-13, 10-14, 10-15): overdue
    ("C14", "I2", "W2", "S2", "window", "completed",
     "10-12 10:00", None, "10-20 09:00", 1, False, None),
    # accepted before the period: still in the stock; due_at given 09-10 18:00: overdue
    ("C15", "I2", "W2", "S2", "window", "in_progress",
     "09-07 10:00", "09-10 18:00", None, None, False, None),
    # accepted before the period, completed in it (09-14): due 09-11 (09-09, 09-10, 09-11): late
    ("C16", "I2", "W2", "S2", "window", "completed",
     "09-08 10:00", None, "09-14 10:00", None, False, None),
]  # fmt: skip
# The deadlines derived by hand above (case → last day), for the cases without a due_at
DERIVED_DUE = {
    "C01": "09-28", "C02": "09-28", "C03": "10-09", "C04": "10-13", "C05": "10-13",
    "C07": "10-12", "C08": "10-15", "C09": "10-19", "C10": "10-19", "C11": "10-20",
    "C12": "10-16", "C14": "10-15", "C16": "09-11",
}  # fmt: skip

# eval, rating, is_default, window, item, ticket, evaluated, revisited, rectified
EVALUATIONS = [
    ("E01", 5, None, "W1", "I1", "T01", "09-28 09:20", None, None),  # is_default NULL: active
    ("E02", 4, False, "W1", None, "T02", "09-28 10:40", None, None),
    ("E03", 3, False, "W2", "I2", "T04", "09-28 11:20", None, None),
    ("E04", 5, False, "W2", "I1", "T05", "09-29 14:20", None, None),  # item I1 → department D1
    ("E05", 5, False, "W1", None, "T01", "09-28 20:00", None, None),  # T01's second evaluation
    # bad, evaluated on 调休 Sat 10-10: revisit due 10-12 (on time), rectify due 10-30 (on time)
    ("E06", 1, False, "W2", None, "T13", "10-10 19:40", "10-12 20:00", "10-15 10:00"),
    # bad, Fri 10-09: revisit due 10-10 (the 调休 Saturday): 10-12 is late;
    # rectify due 10-29: pending
    ("E07", 2, False, "W1", None, None, "10-09 11:00", "10-12 09:00", None),
    # bad, 09-15: never revisited, due 09-16: late;
    # rectify due 10-12 (the 15th working day after), rectified 10-13: late
    ("E08", 2, False, "W1", None, None, "09-15 10:00", None, "10-13 10:00"),
    # bad, 09-16: revisited on time (due 09-17);
    # rectify due 10-13, rectified only after as_of: overdue
    ("E09", 1, False, "W2", None, None, "09-16 10:00", "09-17 09:00", "10-20 10:00"),
    # bad, Fri 10-16: revisit due 10-19, revisited only after as_of: pending in both
    ("E10", 2, False, "W1", None, None, "10-16 15:00", "10-19 09:00", None),
    # bad, no window and no item (left out of window/department groups): revisited on time
    ("E11", 1, False, None, None, None, "10-16 16:00", "10-17 10:00", None),
    ("E12", 5, True, "W1", None, "T03", "09-28 10:30", None, None),  # default: not counted
    ("E13", 5, True, "W2", None, "T09", "09-28 20:30", None, None),  # default: not counted
    ("E14", 4, False, "W1", None, "T14", "10-19 10:00", None, None),  # after the period and as_of
]

# staff, date, shift, window, scheduled start/end, clock in/out, leave
ATTENDANCE = [
    # exactly 5 min late: not late (grace 5); 09:05 → 17:00 = 7 h 55 min = 28,500 s
    ("S1", "09-28", "regular", "W1", "09:00", "17:00", "09:05:00", "17:00:00", None),
    # 5 min 1 s late: late; 09:05:01 → 17:05:01 = 8 h = 28,800 s
    ("S2", "09-28", "regular", "W2", "09:00", "17:00", "09:05:01", "17:05:01", None),
    ("S3", "09-28", "regular", "W1", "09:00", "17:00", None, None, None),  # absent
    ("S3", "09-29", "regular", "W1", "09:00", "17:00", None, None, "annual"),  # on leave
    # evening shift, early: 17:55 → 20:05 = 2 h 10 min = 7,800 s
    ("S1", "09-28", "extended", "W1", "18:00", "20:00", "17:55:00", "20:05:00", None),
    # 调休 Saturday, 20 min late, no clock-out: judged for lateness, no staffed hours
    ("S2", "10-10", "regular", "W2", "09:00", "17:00", "09:20:00", None, None),
    # weekend shift without a roster and without a window: 08:55 → 12:05 = 11,400 s
    ("S1", "10-17", "weekend", None, None, None, "08:55:00", "12:05:00", None),
]


def _fill(table: sa.Table, row: dict) -> dict:
    return {c.name: row.get(c.name) for c in table.columns}


def _opt(text: str | None) -> dt.datetime | None:
    return None if text is None else T(text)


def seed(engine: Engine, due: str = "given") -> None:
    """Schema, calendar 2026-09-01..12-31, and the dataset above.

    `due="derived"` leaves the cases' due_at empty where the table above does, so the engine
    derives each deadline from the calendar; `due="given"` fills those with the hand-derived
    deadline (DERIVED_DUE, 23:59:59), which must give exactly the same figures.
    """
    assert due in ("given", "derived")
    init_schema(engine)
    with engine.begin() as conn:
        ensure_calendar(conn, D(2026, 9, 1), D(2026, 12, 31))
        for table, rows in REFERENCE.items():
            conn.execute(table.insert(), [_fill(table, r) for r in rows])
        conn.execute(s.service_hours.insert(), [_fill(s.service_hours, r) for r in _hours()])
        fact_rows = {
            s.tickets: [
                {
                    "ticket_id": tid,
                    "hall_id": "H1",
                    "queue_id": q,
                    "window_id": w,
                    "staff_id": st,
                    "source": src,
                    "status": status,
                    "issued_at": T(f"{day} {issued}"),
                    "called_at": _opt(called and f"{day} {called}"),
                    "finished_at": _opt(finished and f"{day} {finished}"),
                    "appointment_start": _opt(appt and f"{day} {appt}"),
                }
                for tid, q, w, st, src, status, day, issued, called, finished, appt in TICKETS
            ],
            s.cases: [
                {
                    "case_id": cid,
                    "hall_id": "H1",
                    "item_id": item,
                    "window_id": w,
                    "staff_id": st,
                    "channel": channel,
                    "status": status,
                    "accepted_at": T(accepted),
                    "due_at": _opt(
                        given if given or due == "derived" else f"{DERIVED_DUE[cid]} 23:59:59"
                    ),
                    "completed_at": _opt(completed),
                    "visits": visits,
                    "tolerance": tolerance,
                    "suspended_workdays": suspended,
                }
                for (
                    cid,
                    item,
                    w,
                    st,
                    channel,
                    status,
                    accepted,
                    given,
                    completed,
                    visits,
                    tolerance,
                    suspended,
                ) in CASES
            ],
            s.evaluations: [
                {
                    "eval_id": eid,
                    "hall_id": "H1",
                    "rating": rating,
                    "channel": "device",
                    "is_default": default,
                    "window_id": w,
                    "item_id": item,
                    "ticket_id": ticket,
                    "evaluated_at": T(at),
                    "revisited_at": _opt(revisited),
                    "rectified_at": _opt(rectified),
                }
                for eid, rating, default, w, item, ticket, at, revisited, rectified in EVALUATIONS
            ],
            s.attendance: [
                {
                    "staff_id": st,
                    "hall_id": "H1",
                    "work_date": T(f"{day} 00:00").date(),
                    "shift_kind": shift,
                    "window_id": w,
                    "scheduled_start": _opt(start and f"{day} {start}"),
                    "scheduled_end": _opt(end and f"{day} {end}"),
                    "clock_in": _opt(cin and f"{day} {cin}"),
                    "clock_out": _opt(cout and f"{day} {cout}"),
                    "leave": leave,
                }
                for st, day, shift, w, start, end, cin, cout, leave in ATTENDANCE
            ],
        }
        for table, rows in fact_rows.items():
            conn.execute(table.insert(), [_fill(table, r) for r in rows])


def roll(engine: Engine, settings: Settings | None = None) -> str:
    """In the "mixed" mode, roll the days up to MIXED_UNTIL (the rest is read raw); returns
    the mode."""
    mode = getattr(engine, "info", {}).get("rollups", "raw")
    if mode == "mixed":
        with engine.begin() as conn:
            target = (settings or Settings()).wait_target_min * 60
            rollups.rebuild_all(conn, wait_target_s=target)
            for table in s.ROLLUP_TABLES:
                conn.execute(table.delete().where(table.c.day > MIXED_UNTIL))
    return mode


def run(engine: Engine, period: Filters | None = None, dimension=None, settings=None) -> dict:
    settings = settings or Settings()
    mode = roll(engine, settings)
    with engine.connect() as conn:
        if mode == "mixed":  # part rolled, part raw
            span = rollups.rolled_span(conn)
            assert span is None or span[1] == MIXED_UNTIL
        return compute(conn, period or Filters(FIRST, LAST, AS_OF), settings, dimension, scope=ALL)


# --- expected values -----------------------------------------------------------------------------


def expect(section: str, values: dict) -> dict:
    """The values to compare with: every key of the section, quantiles within 0.1 min, other
    floats to rounding error, counts and None exactly."""
    if section == "cases":  # no case of this dataset is filed under a package (test_bundles.py)
        values = {**no_bundles(values["accepted"]), **values}
    assert set(values) == set(KEYS[section]), set(values) ^ set(KEYS[section])
    out = {}
    for key, value in values.items():
        if value is not None and key in QUANTILE_KEYS:
            out[key] = pytest.approx(value, abs=0.1)
        elif isinstance(value, float):
            out[key] = pytest.approx(value, rel=1e-9, abs=1e-12)
        else:
            out[key] = value
    return out


def no_bundles(accepted: int) -> dict:
    """The 一件事 figures of cases none of which is filed under a package."""
    return {
        "bundle_applications": 0,
        "bundle_case_share": 0.0 if accepted else None,
        "bundles_completed": 0,
        "bundle_on_time_rate": None,
        "bundle_one_visit_rate": None,
    }


def empty(section: str) -> dict:
    """A section without rows: counts (and hours) 0, every other figure None."""
    zero = {
        "issued", "served", "no_show", "cancelled", "extended_hours_issued", "after_close_served",
        "accepted", "completed", "overdue_open", "due_soon_open", "tolerance_accepted",
        "count", "default_count", "bad_count", "bad_overdue",
        "staffed_hours", "busy_hours", "bundle_applications", "bundles_completed",
    }  # fmt: skip
    return {k: (0 if k in zero else None) for k in KEYS[section]}


def assert_result(result: dict, expected: dict) -> None:
    assert list(result) == list(SECTIONS)
    for section in SECTIONS:
        assert result[section] == expect(section, expected[section]), section


# The whole period 09-14..10-18.
TICKETS_TOTAL = {
    "issued": 15,  # T01..T15
    # T01 T02 T03 T04 T05 T06 T09 T11 T12 T13 T14
    "served": 11,
    "no_show": 2,  # T07 T10
    "cancelled": 2,  # T08 T15
    "abandon_rate": 4 / 15,
    # valid waits (T06 excluded): T01 5, T02 12, T03 0, T04 25, T05 30, T09 8, T11 10,
    # T12 20, T13 40, T14 21 → sorted 0 5 8 10 12 20 21 25 30 40, sum 171
    "wait_mean_min": 17.1,
    "wait_median_min": 16.0,  # h = 9 × 0.5 = 4.5: 12 + 0.5 × (20 − 12)
    "wait_p90_min": 31.0,  # h = 9 × 0.9 = 8.1: 30 + 0.1 × (40 − 30)
    "wait_max_min": 40.0,
    "wait_within_target_rate": 6 / 10,  # ≤ 20: 0 5 8 10 12 20 (T12's 20 counts)
    # service: T01 10, T02 20, T03 5, T04 30, T05 12, T06 8, T09 10, T11 10, T12 15, T13 20,
    # T14 10 → sum 150 over 11; sorted 5 8 10 10 10 10 12 15 20 20 30 → median 10
    "service_mean_min": 150 / 11,
    "service_median_min": 10.0,
    "appointment_share": 3 / 15,  # T02 T03 T04
    # T08 (Mon 18:00, start inclusive), T09 (Mon 19:59:59), T13 (调休 Sat 18:30 on Monday's
    # evening), T14 (Sat 11:59:59). Not: T07 17:59:59, T10 20:00 (end exclusive), T11 (holiday),
    # T12 (调休 Sat 10:00: Monday's hours, regular), T15 (Sat 12:00).
    "extended_hours_issued": 4,
    # 延时办: closing is the end of the last interval of the day's service weekday. T09 called
    # 09-28 20:07:59 after Monday's 20:00 (the day's last end 20:17:59: 17 min 59 s); T14 called
    # 10-17 12:20:59 after Saturday's 12:00 (ends 12:30:59: 30 min 59 s). Not: T10 (a no-show),
    # T13 (调休 Saturday 10-10 on Monday's hours: 19:10 < 20:00), T11 (holiday break: closed).
    "after_close_served": 2,
    "after_close_minutes_mean": ((17 + 59 / 60) + (30 + 59 / 60)) / 2,
}
CASES_TOTAL = {
    "accepted": 14,  # C01..C14 (C15, C16 accepted before 09-14)
    "completed": 7,  # C01 C02 C03 C04 C05 C06 C16 (C14 completes after the period; C07 returned)
    "on_time_rate": 3 / 7,  # on time: C01 C03 C04; late: C02 C05 C06 C16
    "overdue_open": 3,  # C12 C14 C15 (C07, C08 would be, but are returned / rejected)
    "due_soon_open": 2,  # C10 (derived 10-19) C13 (given 10-19 12:00) (C09 withdrawn)
    "one_visit_rate": 4 / 5,  # visits known: C01 1, C02 2, C03 0, C05 1, C06 1 (C04, C16 unknown)
    "online_rate": 2 / 14,  # C03 C08
    "instant_share": 4 / 14,  # C01 C02 C07 C12
    "tolerance_accepted": 2,  # C03 C10
    # promised with legal_workdays (I2, legal 10), working days used: C03 09-29→10-09 = 3,
    # C04 09-30→10-13 = 5, C05 10-09→10-14 = 4, C16 09-08→09-14 = 4 → 1 − (16/4) / 10
    "speedup_rate": 0.6,
}
EVALUATIONS_TOTAL = {
    "count": 11,  # E01..E11 (E12, E13 default; E14 after the period)
    "default_count": 2,
    "satisfaction_rate": 5 / 11,  # ratings 5 4 3 5 5 | 1 2 2 1 2 1
    "very_satisfied_rate": 3 / 11,
    "mean_rating": 31 / 11,
    "bad_count": 6,  # E06..E11
    # revisit known: E06 ok, E07 late, E08 never (past due), E09 ok, E11 ok; E10 pending
    "bad_revisited_on_time_rate": 3 / 5,
    # rectification known: E06 ok, E08 late, E09 past due; E07 E10 E11 pending
    "bad_rectified_on_time_rate": 1 / 3,
    "bad_overdue": 1,  # E09
    # served 11; evaluated (active, by as_of): T01 T02 T04 T05 T13. Not: T03, T09 (default
    # only), T14 (evaluated after as_of)
    "coverage_rate": 5 / 11,
}
ATTENDANCE_TOTAL = {
    "staffed_hours": 76_500 / 3600,  # 28,500 + 28,800 + 7,800 + 11,400 s = 21.25 h
    "busy_hours": 150 / 60,  # Σ service = 150 min
    "utilization": 2.5 / 21.25,
    "late_rate": 2 / 4,  # judged: S1 09-28 (5:00, not late), S2 09-28 (5:01), S1 evening, S2 10-10
    "absence_rate": 1 / 6,  # scheduled 6; absent S3 09-28 (S3 09-29 is on leave)
    "served_per_staffed_hour": 11 / 21.25,
}
TOTAL = {
    "tickets": TICKETS_TOTAL,
    "cases": CASES_TOTAL,
    "evaluations": EVALUATIONS_TOTAL,
    "attendance": ATTENDANCE_TOTAL,
}

# --by window (T08, T15, C08, E11 and the 10-17 weekend shift have no window: left out)
W1 = {
    "tickets": {
        "issued": 8,  # T01 T02 T03 T07 T10 T11 T12 T14
        "served": 6,
        "no_show": 2,
        "cancelled": 0,
        "abandon_rate": 2 / 8,
        # waits 0 5 10 12 20 21 (T03 T01 T11 T02 T12 T14), sum 68
        "wait_mean_min": 68 / 6,
        "wait_median_min": 11.0,  # h 2.5: 10 + 0.5 × 2
        "wait_p90_min": 20.5,  # h 4.5: 20 + 0.5 × 1
        "wait_max_min": 21.0,
        "wait_within_target_rate": 5 / 6,
        "service_mean_min": 70 / 6,  # 10 20 5 10 15 10
        "service_median_min": 10.0,
        "appointment_share": 2 / 8,
        "extended_hours_issued": 1,  # T14
        "after_close_served": 1,  # T14
        "after_close_minutes_mean": 30 + 59 / 60,
    },
    "cases": {
        "accepted": 7,  # C01 C02 C06 C07 C09 C12 C13
        "completed": 3,  # C01 C02 C06
        "on_time_rate": 1 / 3,
        "overdue_open": 1,  # C12
        "due_soon_open": 1,  # C13
        "one_visit_rate": 2 / 3,
        "online_rate": 0.0,
        "instant_share": 4 / 7,
        "tolerance_accepted": 0,
        "speedup_rate": None,  # no completed promised case with a legal limit
    },
    "evaluations": {
        "count": 6,  # E01 5, E02 4, E05 5, E07 2, E08 2, E10 2
        "default_count": 1,  # E12
        "satisfaction_rate": 3 / 6,
        "very_satisfied_rate": 2 / 6,
        "mean_rating": 20 / 6,
        "bad_count": 3,
        "bad_revisited_on_time_rate": 0.0,  # known: E07 late, E08 never; E10 pending
        "bad_rectified_on_time_rate": 0.0,  # known: E08 late
        "bad_overdue": 0,
        "coverage_rate": 2 / 6,  # served T01 T02 T03 T11 T12 T14; covered T01 T02
    },
    "attendance": {
        "staffed_hours": 36_300 / 3600,  # 28,500 + 7,800
        "busy_hours": 70 / 60,
        "utilization": (70 / 60) / (36_300 / 3600),
        "late_rate": 0.0,  # judged: S1 09-28 regular and evening, neither late
        "absence_rate": 1 / 4,  # scheduled S1 ×2, S3 ×2; absent S3 09-28
        "served_per_staffed_hour": 6 / (36_300 / 3600),
    },
}
W2 = {
    "tickets": {
        "issued": 5,  # T04 T05 T06 T09 T13
        "served": 5,
        "no_show": 0,
        "cancelled": 0,
        "abandon_rate": 0.0,
        # waits 8 25 30 40 (T09 T04 T05 T13; T06 excluded), sum 103
        "wait_mean_min": 103 / 4,
        "wait_median_min": 27.5,  # h 1.5: 25 + 0.5 × 5
        "wait_p90_min": 37.0,  # h 2.7: 30 + 0.7 × 10
        "wait_max_min": 40.0,
        "wait_within_target_rate": 1 / 4,
        "service_mean_min": 80 / 5,  # 30 12 8 10 20
        "service_median_min": 12.0,
        "appointment_share": 1 / 5,
        "extended_hours_issued": 2,  # T09 T13
        "after_close_served": 1,  # T09
        "after_close_minutes_mean": 17 + 59 / 60,
    },
    "cases": {
        "accepted": 6,  # C03 C04 C05 C10 C11 C14
        "completed": 4,  # C03 C04 C05 C16
        "on_time_rate": 2 / 4,
        "overdue_open": 2,  # C14 C15
        "due_soon_open": 1,  # C10
        "one_visit_rate": 1.0,  # known: C03 0, C05 1
        "online_rate": 1 / 6,
        "instant_share": 0.0,
        "tolerance_accepted": 2,
        "speedup_rate": 0.6,
    },
    "evaluations": {
        "count": 4,  # E03 3, E04 5, E06 1, E09 1
        "default_count": 1,  # E13
        "satisfaction_rate": 2 / 4,
        "very_satisfied_rate": 1 / 4,
        "mean_rating": 10 / 4,
        "bad_count": 2,
        "bad_revisited_on_time_rate": 1.0,  # E06, E09
        "bad_rectified_on_time_rate": 1 / 2,  # E06 ok, E09 overdue
        "bad_overdue": 1,
        "coverage_rate": 3 / 5,  # served T04 T05 T06 T09 T13; covered T04 T05 T13
    },
    "attendance": {
        "staffed_hours": 8.0,  # S2 09-28 (S2 10-10 has no clock-out)
        "busy_hours": 80 / 60,
        "utilization": (80 / 60) / 8,
        "late_rate": 1.0,  # S2 09-28 (5:01), S2 10-10 (20 min)
        "absence_rate": 0.0,
        "served_per_staffed_hour": 5 / 8,
    },
}

# --by department: tickets by their queue's department, cases by the item's, evaluations by the
# item's else the window's (E04: item I1 → D1 though at W2), shifts by the staff member's
D1 = {
    "tickets": {
        **W1["tickets"],
        "issued": 9,  # W1's + T08 (Q1, no window, cancelled at 18:00)
        "cancelled": 1,
        "abandon_rate": 3 / 9,
        "appointment_share": 2 / 9,
        "extended_hours_issued": 2,  # T08 T14
    },
    "cases": W1["cases"],  # I1 and I3 cases are exactly W1's
    "evaluations": {
        "count": 7,  # E01 5, E02 4, E04 5, E05 5, E07 2, E08 2, E10 2
        "default_count": 1,  # E12
        "satisfaction_rate": 4 / 7,
        "very_satisfied_rate": 3 / 7,
        "mean_rating": 25 / 7,
        "bad_count": 3,
        "bad_revisited_on_time_rate": 0.0,
        "bad_rectified_on_time_rate": 0.0,
        "bad_overdue": 0,
        "coverage_rate": 2 / 6,  # Q1's served tickets: as W1
    },
    "attendance": {
        **W1["attendance"],
        # S1 and S3, including the window-less weekend shift (11,400 s): 47,700 s = 13.25 h
        "staffed_hours": 13.25,
        "utilization": (70 / 60) / 13.25,
        "served_per_staffed_hour": 6 / 13.25,
    },
}
D2 = {
    "tickets": {
        **W2["tickets"],
        "issued": 6,  # W2's + T15 (Q2, no window, cancelled)
        "cancelled": 1,
        "abandon_rate": 1 / 6,
        "appointment_share": 1 / 6,
    },
    "cases": {
        **W2["cases"],
        "accepted": 7,  # W2's + C08 (I2, online, no window)
        "online_rate": 2 / 7,
    },
    "evaluations": {
        "count": 3,  # E03 3, E06 1, E09 1
        "default_count": 1,  # E13
        "satisfaction_rate": 1 / 3,
        "very_satisfied_rate": 0.0,
        "mean_rating": 5 / 3,
        "bad_count": 2,
        "bad_revisited_on_time_rate": 1.0,
        "bad_rectified_on_time_rate": 1 / 2,
        "bad_overdue": 1,
        "coverage_rate": 3 / 5,
    },
    "attendance": W2["attendance"],
}


# --- core figures on every backend -------------------------------------------------------------

# "given": every deadline written into due_at; "derived": left to the engine (metrics.md)
DUE_MODES = pytest.mark.parametrize("due", ["given", "derived"])


def test_hand_derived_deadlines_follow_the_calendar():
    """The deadlines of the comments above, checked against workdays.WorkCalendar."""
    from workdays import WorkCalendar

    cal = WorkCalendar.china(D(2026, 9, 1), D(2026, 12, 31))
    for cid, item, *_, accepted, given, _completed, _visits, _tol, suspended in CASES:
        if given is not None:
            assert cid not in DERIVED_DUE
            continue
        promised = ITEM_DAYS[item][0]
        n = 0 if item == "I1" else promised + (suspended or 0)
        assert cal.add_workdays(T(accepted).date(), n) == T(f"{DERIVED_DUE[cid]} 00:00").date()


@DUE_MODES
def test_every_figure_of_the_period(engine: Engine, due: str):
    seed(engine, due)
    assert_result(run(engine), TOTAL)


def test_configurable_targets_deadlines_and_grace(engine: Engine):
    seed(engine)
    settings = Settings(
        wait_target_min=10, late_grace_min=0, revisit_workdays=2, rectify_workdays=3
    )
    expected = {
        "tickets": {**TICKETS_TOTAL, "wait_within_target_rate": 4 / 10},  # ≤ 10: 0 5 8 10
        "cases": CASES_TOTAL,
        "evaluations": {
            **EVALUATIONS_TOTAL,
            # revisit by the 2nd working day: E07 (Fri 10-09) due 10-12, revisited 10-12 09:00:
            # now on time; E06 due 10-13, E09 due 09-18, E11 due 10-20 ok; E08 never → 4 / 5
            "bad_revisited_on_time_rate": 4 / 5,
            # rectify by the 3rd working day: E06 due 10-14 (10-15 late), E07 due 10-13 (not
            # rectified: overdue), E08 due 09-18 (late), E09 due 09-20 (overdue); E10 E11 pending
            "bad_rectified_on_time_rate": 0.0,
            "bad_overdue": 2,
        },
        # grace 0: S1 09:05:00 is late now too → S1, S2, S2 10-10 of 4
        "attendance": {**ATTENDANCE_TOTAL, "late_rate": 3 / 4},
    }
    assert_result(run(engine, settings=settings), expected)


@DUE_MODES
def test_stock_figures_at_a_later_as_of_and_an_empty_period(engine: Engine, due: str):
    seed(engine, due)
    # Nothing happens in 11-02..11-08, but the stock at 11-08 23:59:59 holds every case still
    # open: C10 (due 10-19), C11 (10-20), C12 (10-16), C13 (10-19 12:00), C15 (09-10) are all
    # overdue; C14 was completed on 10-20. Nothing is due soon.
    period = Filters(D(2026, 11, 2), D(2026, 11, 8), dt.datetime(2026, 11, 8, 23, 59, 59))
    expected = {name: empty(name) for name in SECTIONS}
    expected["cases"] = {**empty("cases"), "overdue_open": 5}
    assert_result(run(engine, period), expected)

    # Before any data (the first case is accepted 09-07): counts 0, every rate None.
    period = Filters(D(2026, 9, 1), D(2026, 9, 6), dt.datetime(2026, 9, 6, 23, 59, 59))
    assert_result(run(engine, period), {name: empty(name) for name in SECTIONS})


def test_a_hall_without_extended_hours(engine: Engine):
    seed(engine)
    with engine.begin() as conn:
        conn.execute(s.service_hours.delete().where(s.service_hours.c.kind == "extended"))
    # only the regular slots are left: nothing is issued in extended hours, all else unchanged
    # and closing is 17:00 on weekdays (Saturday has no hours left): T09 (called 09-28 20:07:59,
    # the day's last end 20:17:59: 197 min 59 s) and T13 (调休 10-10 on Monday's hours, called
    # 19:10, ends 19:30: 150 min) are served after closing
    expected = {
        **TOTAL,
        "tickets": {
            **TICKETS_TOTAL,
            "extended_hours_issued": 0,
            "after_close_served": 2,
            "after_close_minutes_mean": ((197 + 59 / 60) + 150) / 2,
        },
    }
    assert_result(run(engine), expected)


def test_an_empty_database_gives_zeros_and_nulls(engine: Engine):
    init_schema(engine)
    with engine.begin() as conn:
        ensure_calendar(conn, D(2026, 9, 1), D(2026, 12, 31))
    assert_result(run(engine), {name: empty(name) for name in SECTIONS})
    assert run(engine, dimension="window") == {"groups": []}


def test_extended_hours_follow_validity_dates_and_closures(engine: Engine):
    seed(engine)
    sunday = [
        # Sunday morning 延时 from 10-18 on; Sunday afternoon 延时 up to 10-11 (inclusive)
        {"start": dt.time(9), "end": dt.time(12), "valid_from": D(2026, 10, 18)},
        {"start": dt.time(14), "end": dt.time(16), "valid_to": D(2026, 10, 11)},
    ]
    extra = [
        ("T16", "10-11 10:00"),  # morning slot not valid yet: no
        ("T17", "10-18 10:00"),  # morning slot valid from this day: yes
        ("T18", "10-11 15:00"),  # afternoon slot on its valid_to day: yes
        ("T19", "10-18 15:00"),  # afternoon slot expired: no
        ("T20", "10-04 15:00"),  # afternoon slot valid, but 10-04 is inside the National Day
        #                          break: the hall is closed, no
    ]
    with engine.begin() as conn:
        conn.execute(
            s.service_hours.insert(),
            [
                _fill(s.service_hours, {"hall_id": "H1", "weekday": 7, "kind": "extended", **r})
                for r in sunday
            ],
        )
        conn.execute(
            s.tickets.insert(),
            [
                _fill(
                    s.tickets,
                    {
                        "ticket_id": tid,
                        "hall_id": "H1",
                        "queue_id": "Q1",
                        "issued_at": T(issued),
                        "status": "cancelled",
                        "source": "walk_in",
                    },
                )
                for tid, issued in extra
            ],
        )
    result = _groups(run(engine, dimension="date"), "date")
    extended = {k: g["tickets"]["extended_hours_issued"] for k, g in result.items()}
    issued = {k: g["tickets"]["issued"] for k, g in result.items() if g["tickets"]["issued"]}
    assert issued == {
        "2026-09-28": 8,
        "2026-09-29": 2,
        "2026-10-02": 1,
        "2026-10-04": 1,
        "2026-10-10": 2,
        "2026-10-11": 2,
        "2026-10-17": 2,
        "2026-10-18": 2,
    }
    assert {k: v for k, v in extended.items() if v} == {
        "2026-09-28": 2,  # T08 18:00, T09 19:59:59
        "2026-10-10": 1,  # T13 18:30 (调休 Saturday on Monday's hours)
        "2026-10-11": 1,  # T18
        "2026-10-17": 1,  # T14
        "2026-10-18": 1,  # T17
    }
    assert run(engine)["tickets"]["extended_hours_issued"] == 6


def test_after_close_follows_the_days_hours(engine: Engine):
    seed(engine)
    with engine.begin() as conn:  # Thursday evenings open until 21:00 from 10-15 on
        conn.execute(
            s.service_hours.insert(),
            _fill(
                s.service_hours,
                {
                    "hall_id": "H1",
                    "weekday": 4,
                    "start": dt.time(20),
                    "end": dt.time(21),
                    "kind": "extended",
                    "valid_from": D(2026, 10, 15),
                },
            ),
        )
        extra = [  # ticket, day, called, finished
            ("T21", "10-08", "20:30", None),  # Thu before the new slot: closes 20:00; no finish
            ("T22", "10-15", "20:30", "20:40"),  # closes 21:00 now: inside
            ("T23", "10-15", "21:00", "21:04"),  # called at closing time: not later, inside
            ("T24", "10-15", "21:00:30", "21:05"),  # after
            ("T25", "10-15", "20:50", "21:20"),  # called before closing, the day's last end
            ("T26", "10-05", "20:30", "20:40"),  # National Day break: closed, no closing time
            ("T27", "10-11", "10:00", "10:10"),  # Sunday: no service hours, no closing time
        ]
        conn.execute(
            s.tickets.insert(),
            [
                _fill(
                    s.tickets,
                    {
                        "ticket_id": tid,
                        "hall_id": "H1",
                        "queue_id": "Q2",
                        "window_id": "W2",
                        "status": "served",
                        "source": "walk_in",
                        "issued_at": T(f"{day} 10:00"),
                        "called_at": T(f"{day} {called}"),
                        "finished_at": _opt(finished and f"{day} {finished}"),
                    },
                )
                for tid, day, called, finished in extra
            ],
        )
    by_day = {
        k: (g["tickets"]["after_close_served"], g["tickets"]["after_close_minutes_mean"])
        for k, g in _groups(run(engine, dimension="date"), "date").items()
        if g["tickets"]["after_close_served"]
    }
    assert by_day == {
        "2026-09-28": (1, pytest.approx(17 + 59 / 60)),  # T09
        "2026-10-08": (1, pytest.approx(30.0)),  # T21: called 20:30, no finish → 20:30
        "2026-10-15": (1, pytest.approx(20.0)),  # T24; the day's last end is T25's 21:20
        "2026-10-17": (1, pytest.approx(30 + 59 / 60)),  # T14
    }
    total = run(engine)["tickets"]
    assert total["after_close_served"] == 4
    assert total["after_close_minutes_mean"] == pytest.approx(
        ((17 + 59 / 60) + 30 + 20 + (30 + 59 / 60)) / 4
    )


def test_rollups_made_before_the_after_close_rollup(engine: Engine):
    """A database rolled before the after-close rollup existed (no table, no closing times
    recorded) reads 延时办 from the rows; its next import or rebuild creates the table."""
    from queries.db import meta

    seed(engine)
    with engine.begin() as conn:
        rollups.rebuild_all(conn, wait_target_s=20 * 60)
        s.rollup_after_close.drop(conn)
        conn.execute(meta.delete().where(meta.c.key == rollups.CLOSINGS_KEY))
    with engine.connect() as conn:
        assert rollups.plan(conn, Filters(FIRST, LAST, AS_OF)).closings is None
        result = compute(conn, Filters(FIRST, LAST, AS_OF), Settings(), scope=ALL)
    assert_result(result, TOTAL)
    with engine.begin() as conn:  # a write invalidates days: the missing table is created
        assert (
            rollups.invalidate_after_write(
                conn, "tickets", [T("09-28 10:00")], changed_existing=False
            )
            is not None
        )
        assert sa.inspect(conn).has_table(s.rollup_after_close.name)
        rollups.rebuild_all(conn, wait_target_s=20 * 60)
    with engine.connect() as conn:
        assert rollups.plan(conn, Filters(FIRST, LAST, AS_OF)).closings == [43200, 61200, 72000]
        assert_result(compute(conn, Filters(FIRST, LAST, AS_OF), Settings(), scope=ALL), TOTAL)


def test_coverage_counts_only_evaluations_by_as_of(engine: Engine, monkeypatch):
    seed(engine)
    # 09-28 seen live at 11:00: served T01 T02 T03 T04 T09; evaluated by 11:00: T01 (09:20),
    # T02 (10:40); T04's E03 comes at 11:20, T03's E12 is a default rating → 2 / 5
    period = Filters(D(2026, 9, 28), D(2026, 9, 28), dt.datetime(2026, 9, 28, 11, 0))
    assert run(engine, period)["evaluations"]["coverage_rate"] == pytest.approx(2 / 5)
    # a day's tickets probe their own evaluations; the same as the semi-join of longer periods
    monkeypatch.setattr(metric_queries, "PROBE_EVALUATIONS_DAYS", 0)
    assert run(engine, period)["evaluations"]["coverage_rate"] == pytest.approx(2 / 5)


def test_a_shift_still_to_come_is_not_absent(engine: Engine):
    """Inside 09-28 (S1, S2 and S3 rostered 09:00–17:00, S3 never punches; S1's evening shift
    18:00–20:00): before 09:05 (start plus the 5-minute grace) no regular shift is due, so none
    is absent and the rate has no denominator; at 09:10 S3 is absent among the three; the
    evening shift counts only once its own start has come. The exceptions list agrees."""
    seed(engine)
    day = D(2026, 9, 28)

    def at(hour: int, minute: int) -> tuple[float | None, list[str]]:
        period = Filters(day, day, dt.datetime.combine(day, dt.time(hour, minute)))
        rate = run(engine, period)["attendance"]["absence_rate"]
        with engine.connect() as conn:
            listed = details.attendance_exceptions(conn, period, grace_s=300, scope=ALL)
        absent = [r["staff_id"] for r in listed.iter_rows(named=True) if r["late_s"] is None]
        return rate, absent

    assert at(8, 0) == (None, [])
    assert at(9, 5) == (None, [])  # exactly the grace: not due yet
    assert at(9, 10) == (pytest.approx(1 / 3), ["S3"])
    assert at(18, 30) == (pytest.approx(1 / 4), ["S3"])


def test_called_before_issued_is_a_quality_finding(engine: Engine):
    seed(engine)
    with engine.connect() as conn:
        findings = quality_findings(conn, FIRST, LAST, scope=ALL, as_of=None)
    counts = {f["key"]: (f["count"], f["examples"]) for f in findings}
    assert counts == {
        "tickets_called_before_issued": (1, ["T06"]),
        "tickets_served_without_finish": (0, []),
        "tickets_finished_before_called": (0, []),
        "tickets_unknown_case": (0, []),
        "cases_unknown_item": (0, []),
        "cases_unknown_ticket": (0, []),
        "cases_completed_without_time": (0, []),
        "cases_completed_before_accepted": (0, []),
        "evaluations_unknown_ticket": (0, []),
        "evaluations_unknown_case": (0, []),
        "attendance_without_punches": (1, ["S3 2026-09-28"]),
        "attendance_missing_clock_out": (1, ["S2 2026-10-10"]),
        "attendance_clock_out_before_in": (0, []),
    }


def test_punches_are_findings_once_the_shift_is_over(engine: Engine):
    """S3 is rostered 09:00–17:00 on 09-28 and never punches: not a finding while the shift is
    to come or being worked, one from 17:00. S2 clocks in on 10-10 and never out: a missing
    clock-out only once that day is over (an evening of 延时服务 may still end it)."""
    seed(engine)

    def found(at: str) -> dict[str, list[str]]:
        with engine.connect() as conn:
            findings = quality_findings(conn, None, None, scope=ALL, as_of=T(at))
        return {f["key"]: f["examples"] for f in findings if f["table"] == "attendance"}

    assert found("09-28 08:00")["attendance_without_punches"] == []
    assert found("09-28 16:59")["attendance_without_punches"] == []
    assert found("09-28 17:01")["attendance_without_punches"] == ["S3 2026-09-28"]
    assert found("10-10 12:00")["attendance_missing_clock_out"] == []
    assert found("10-10 23:59")["attendance_missing_clock_out"] == []
    assert found("10-11 00:00")["attendance_missing_clock_out"] == ["S2 2026-10-10"]
    # the definitions agree with the one-pass count at such a moment
    from queries.quality import _findings

    with engine.connect() as conn:
        for at in ("09-28 12:00", "10-10 20:00", "10-11 08:00"):
            counts = {
                f["key"]: f["count"]
                for f in quality_findings(conn, None, None, scope=ALL, as_of=T(at))
            }
            for key, _, table, _, where in _findings(T(at)):
                n = conn.execute(sa.select(sa.func.count()).select_from(table).where(*where))
                assert counts[key] == n.scalar_one(), (at, key)


def test_quality_counts_every_check_of_a_table_in_one_pass(engine: Engine):
    """The checks of one table counted together give each check's own count: with several
    findings on the tickets and the cases (dangling links too), for the period and for all
    time, unrestricted, in the hall's scope and in a hall scope that sees none of them. In
    the mixed mode the dangling links of the rolled days are those the rollups kept, the
    days after MIXED_UNTIL joined raw: the same counts."""
    from queries.quality import _findings, _periods

    seed(engine)
    with engine.begin() as conn:
        conn.execute(
            s.tickets.update()
            .where(s.tickets.c.ticket_id.in_(["T01", "T02"]))
            .values(case_id="NO-SUCH-CASE")
        )
        conn.execute(
            s.cases.update()
            .where(s.cases.c.case_id == CASES[0][0])
            .values(ticket_id="NO-SUCH-TICKET", completed_at=T("09-01 08:00"))
        )
        # an evaluation of a day read raw in the mixed mode, pointing nowhere
        late = max(EVALUATIONS, key=lambda row: row[6])[0]
        conn.execute(
            s.evaluations.update()
            .where(s.evaluations.c.eval_id == late)
            .values(ticket_id="NO-SUCH-TICKET")
        )
    if roll(engine) == "mixed":
        with engine.connect() as conn:
            kept = conn.execute(sa.select(s.rollup_unlinked.c.row_id)).scalars().all()
        assert sorted(kept) == sorted(["T01", "T02", CASES[0][0]])
    hall = Scope(who="h", role="director", hall_ids=frozenset({"H1"}))
    other = Scope(who="d", role="director", hall_ids=frozenset({"H9"}))
    with engine.connect() as conn:
        # the mixed mode rolls up to MIXED_UNTIL: partly rolled, wholly rolled, whole database
        spans = ((FIRST, LAST), (FIRST, MIXED_UNTIL), (None, None), (D(2026, 9, 28), None))
        for first, last in spans:
            for scope in (ALL, hall, other):
                found = {
                    f["key"]: f["count"]
                    for f in quality_findings(conn, first, last, scope=scope, as_of=None)
                }
                periods = _periods(first, last)
                own = {
                    key: conn.execute(
                        sa.select(sa.func.count())
                        .select_from(table)
                        .where(*where, *periods[table], scope_filter(scope, table))
                    ).scalar_one()
                    for key, _, table, _, where in _findings()
                }
                assert found == own, (first, last, scope.hall_ids)
                if scope is ALL and first != D(2026, 9, 28):  # C01 was accepted 09-28
                    assert found["tickets_unknown_case"] == 2
                    examples = {
                        f["key"]: sorted(f["examples"])
                        for f in quality_findings(conn, first, last, scope=scope, as_of=None)
                    }
                    assert examples["tickets_unknown_case"] == ["T01", "T02"]
                    assert examples["cases_unknown_ticket"] == [CASES[0][0]]
                    assert found["tickets_called_before_issued"] == 1
                    assert found["cases_unknown_ticket"] == 1
                    assert found["cases_completed_before_accepted"] == 1
                elif scope is other:
                    assert not any(found.values())


def test_a_kept_dangling_link_heals_when_its_target_arrives(engine: Engine):
    """A link kept as pointing nowhere counts no more once the row it points to is written
    (its file imported later): it is looked up again on every read, with no rebuild. A link
    that a writer breaks on a rolled day counts once the writer's stale rollups are rebuilt,
    as `hall import` and `hall sync` rebuild them in the write's transaction."""

    def found(key: str) -> tuple[int, list[str]]:
        with engine.connect() as conn:
            findings = quality_findings(conn, None, None, scope=ALL, as_of=None)
        return next((f["count"], f["examples"]) for f in findings if f["key"] == key)

    seed(engine)
    c, e = s.cases.c, s.evaluations.c
    with engine.begin() as conn:
        conn.execute(
            s.tickets.update().where(s.tickets.c.ticket_id == "T01").values(case_id="C-LATE")
        )
    mode = roll(engine)
    if mode == "mixed":
        with engine.connect() as conn:
            assert conn.execute(sa.select(s.rollup_unlinked.c.row_id)).scalars().all() == ["T01"]
    assert found("tickets_unknown_case") == (1, ["T01"])
    with engine.begin() as conn:  # the case arrives
        row = conn.execute(s.cases.select().where(c.case_id == "C01")).mappings().one()
        conn.execute(s.cases.insert().values({**row, "case_id": "C-LATE"}))
    assert found("tickets_unknown_case") == (0, [])
    with engine.begin() as conn:  # E03 (09-28, a rolled day) now points nowhere
        conn.execute(s.evaluations.update().where(e.eval_id == "E03").values(ticket_id="T-NONE"))
        stale = rollups.invalidate_after_write(
            conn, "evaluations", [T("09-28 11:20")], changed_existing=True
        )
        if stale is not None:
            stale.rebuild(conn, wait_target_s=Settings().wait_target_min * 60)
    assert found("evaluations_unknown_ticket") == (1, ["E03"])


# --- grouping and filters ----------------------------------------------------------------------


def _groups(result: dict, label: str) -> dict:
    assert set(result) == {"groups"}
    keys = [g[label] for g in result["groups"]]
    assert len(keys) == len(set(keys))
    for g in result["groups"]:
        assert list(g) == [label, *SECTIONS]
    return {g[label]: g for g in result["groups"]}


@DUE_MODES
def test_by_window_and_by_department(engine: Engine, due: str):
    seed(engine, due)
    result = run(engine, dimension="window")
    assert [g["window_id"] for g in result["groups"]] == ["W1", "W2"]  # no-window rows left out
    by_window = _groups(result, "window_id")
    assert_result({k: by_window["W1"][k] for k in SECTIONS}, W1)
    assert_result({k: by_window["W2"][k] for k in SECTIONS}, W2)

    result = run(engine, dimension="department")
    assert [g["department_id"] for g in result["groups"]] == ["D1", "D2"]  # E11 left out
    by_dept = _groups(result, "department_id")
    assert_result({k: by_dept["D1"][k] for k in SECTIONS}, D1)
    assert_result({k: by_dept["D2"][k] for k in SECTIONS}, D2)

    # a single hall: its group is the total
    result = run(engine, dimension="hall")
    assert [g["hall_id"] for g in result["groups"]] == ["H1"]
    assert_result({k: result["groups"][0][k] for k in SECTIONS}, TOTAL)


def test_filters_equal_their_groups(engine: Engine):
    seed(engine)
    period = Filters(FIRST, LAST, AS_OF, {"window": "W2"})
    assert_result(run(engine, period), W2)
    period = Filters(FIRST, LAST, AS_OF, {"department": "D1"})
    assert_result(run(engine, period), D1)


def test_a_filter_on_a_dimension_a_table_lacks(engine: Engine):
    seed(engine)
    # Only tickets have a queue: cases, evaluation counts and shifts select nothing. Q1 = D1's
    # tickets; coverage and busy hours are figures of Q1's served tickets.
    result = run(engine, Filters(FIRST, LAST, AS_OF, {"queue": "Q1"}))
    expected = {
        "tickets": D1["tickets"],
        "cases": empty("cases"),
        "evaluations": {**empty("evaluations"), "coverage_rate": 2 / 6},
        "attendance": {**empty("attendance"), "busy_hours": 70 / 60},
    }
    assert_result(result, expected)


def _ticket_row(
    issued, served, no_show, cancelled, waits, services, appointments, extended, after=(0, None)
):
    """A tickets section from its raw facts, computed the metrics.md way (for short lists)."""
    import numpy as np

    waits, services = sorted(waits), sorted(services)
    return {
        "issued": issued,
        "served": served,
        "no_show": no_show,
        "cancelled": cancelled,
        "abandon_rate": (no_show + cancelled) / issued,
        "wait_mean_min": sum(waits) / len(waits) if waits else None,
        "wait_median_min": float(np.quantile(waits, 0.5)) if waits else None,
        "wait_p90_min": float(np.quantile(waits, 0.9)) if waits else None,
        "wait_max_min": float(max(waits)) if waits else None,
        "wait_within_target_rate": sum(w <= 20 for w in waits) / len(waits) if waits else None,
        "service_mean_min": sum(services) / len(services) if services else None,
        "service_median_min": float(np.quantile(services, 0.5)) if services else None,
        "appointment_share": appointments / issued,
        "extended_hours_issued": extended,
        "after_close_served": after[0],
        "after_close_minutes_mean": after[1],
    }


@DUE_MODES
def test_by_date(engine: Engine, due: str):
    seed(engine, due)
    period = Filters(D(2026, 9, 28), D(2026, 9, 29), dt.datetime(2026, 9, 29, 23, 59, 59))
    result = _groups(run(engine, period, "date"), "date")
    # The open-case stock is placed by acceptance date: C15 (accepted 09-07, overdue) is a group
    # of its own; C03 (accepted 09-29, completed only 10-09) is open at as_of.
    assert list(result) == ["2026-09-07", "2026-09-28", "2026-09-29"]
    assert_result(
        {k: result["2026-09-07"][k] for k in SECTIONS},
        {
            "tickets": empty("tickets"),
            "cases": {**empty("cases"), "overdue_open": 1},
            "evaluations": empty("evaluations"),
            "attendance": empty("attendance"),
        },
    )
    staffed_28 = 65_100 / 3600  # S1 28,500 + S2 28,800 + S1 evening 7,800
    assert_result(
        {k: result["2026-09-28"][k] for k in SECTIONS},
        {
            "tickets": {
                "issued": 8,  # T01 T02 T03 T04 T07 T08 T09 T10
                "served": 5,
                "no_show": 2,
                "cancelled": 1,
                "abandon_rate": 3 / 8,
                "wait_mean_min": 50 / 5,  # 0 5 8 12 25
                "wait_median_min": 8.0,
                "wait_p90_min": 19.8,  # h 3.6: 12 + 0.6 × 13
                "wait_max_min": 25.0,
                "wait_within_target_rate": 4 / 5,
                "service_mean_min": 75 / 5,  # 10 20 5 30 10
                "service_median_min": 10.0,
                "appointment_share": 3 / 8,
                "extended_hours_issued": 2,  # T08 T09
                "after_close_served": 1,  # T09
                "after_close_minutes_mean": 17 + 59 / 60,
            },
            "cases": {
                "accepted": 3,  # C01 C02 C06
                "completed": 1,  # C01 (23:00, on time)
                "on_time_rate": 1.0,
                "overdue_open": 0,
                "due_soon_open": 0,
                "one_visit_rate": 1.0,
                "online_rate": 0.0,
                "instant_share": 2 / 3,
                "tolerance_accepted": 0,
                "speedup_rate": None,
            },
            "evaluations": {
                "count": 4,  # E01 5, E02 4, E03 3, E05 5
                "default_count": 2,  # E12 E13
                "satisfaction_rate": 1.0,
                "very_satisfied_rate": 2 / 4,
                "mean_rating": 17 / 4,
                "bad_count": 0,
                "bad_revisited_on_time_rate": None,
                "bad_rectified_on_time_rate": None,
                "bad_overdue": 0,
                "coverage_rate": 3 / 5,  # served T01 T02 T03 T04 T09; covered T01 T02 T04
            },
            "attendance": {
                "staffed_hours": staffed_28,
                "busy_hours": 75 / 60,
                "utilization": (75 / 60) / staffed_28,
                "late_rate": 1 / 3,
                "absence_rate": 1 / 4,
                "served_per_staffed_hour": 5 / staffed_28,
            },
        },
    )
    assert_result(
        {k: result["2026-09-29"][k] for k in SECTIONS},
        {
            "tickets": {
                "issued": 2,  # T05 T06
                "served": 2,
                "no_show": 0,
                "cancelled": 0,
                "abandon_rate": 0.0,
                "wait_mean_min": 30.0,  # T05 only
                "wait_median_min": 30.0,
                "wait_p90_min": 30.0,
                "wait_max_min": 30.0,
                "wait_within_target_rate": 0.0,
                "service_mean_min": 10.0,  # 12 and 8
                "service_median_min": 10.0,
                "appointment_share": 0.0,
                "extended_hours_issued": 0,
                "after_close_served": 0,
                "after_close_minutes_mean": None,
            },
            "cases": {
                "accepted": 1,  # C03
                "completed": 2,  # C02 C06, both late
                "on_time_rate": 0.0,
                "overdue_open": 0,  # C03 open, due 10-09
                "due_soon_open": 0,
                "one_visit_rate": 1 / 2,  # C02 2, C06 1
                "online_rate": 1.0,
                "instant_share": 0.0,
                "tolerance_accepted": 1,
                "speedup_rate": None,  # C02 instant, C06 without a legal limit
            },
            "evaluations": {
                "count": 1,  # E04 5
                "default_count": 0,
                "satisfaction_rate": 1.0,
                "very_satisfied_rate": 1.0,
                "mean_rating": 5.0,
                "bad_count": 0,
                "bad_revisited_on_time_rate": None,
                "bad_rectified_on_time_rate": None,
                "bad_overdue": 0,
                "coverage_rate": 1 / 2,  # T05 covered, T06 not
            },
            "attendance": {
                "staffed_hours": 0,  # S3 on leave
                "busy_hours": 20 / 60,
                "utilization": None,
                "late_rate": None,
                "absence_rate": 0.0,
                "served_per_staffed_hour": None,
            },
        },
    )


def test_by_weekday_is_iso(engine: Engine):
    seed(engine)
    result = _groups(run(engine, dimension="weekday"), "weekday")
    # Mon (09-28 tickets; 09-07 C15; 09-14 C16; 10-12 cases), Tue..Fri (cases, evaluations),
    # Sat (10-10, 10-17); nothing on a Sunday
    assert list(result) == [1, 2, 3, 4, 5, 6]
    tickets = {k: g["tickets"] for k, g in result.items()}
    assert tickets[1] == expect("tickets", _ticket_row(8, 5, 2, 1, [5, 12, 0, 25, 8],
                                                       [10, 20, 5, 30, 10], 3, 2,
                                                       (1, 17 + 59 / 60)))  # fmt: skip
    assert tickets[2] == expect("tickets", _ticket_row(2, 2, 0, 0, [30], [12, 8], 0, 0))
    assert tickets[3] == empty("tickets")
    assert tickets[4] == empty("tickets")
    assert tickets[5] == expect("tickets", _ticket_row(1, 1, 0, 0, [10], [10], 0, 0))  # T11
    # Saturdays 10-10 and 10-17 together: T12 20, T13 40, T14 21, T15 cancelled → mean 27,
    # median 21, p90 h 1.8: 21 + 0.8 × 19 = 36.2; extended T13 T14
    # after closing: T14 (10-17 past 12:00); T13 on 10-10 closes at Monday's 20:00
    sat = _ticket_row(4, 3, 0, 1, [20, 40, 21], [15, 20, 10], 0, 2, (1, 30 + 59 / 60))
    assert sat["wait_p90_min"] == pytest.approx(36.2)
    assert tickets[6] == expect("tickets", sat)
    assert sum(t["issued"] for t in tickets.values()) == 15
    # other sections land on their own weekdays: Sat 10-10 has E06, the 调休 shift of S2
    assert result[6]["evaluations"]["count"] == 1
    assert result[6]["attendance"]["late_rate"] == 1.0
    assert result[3]["cases"]["accepted"] == 2  # Wed: C04 (09-30), C10 (10-14)


def test_by_hour(engine: Engine):
    seed(engine)
    # Q1 only, so that only tickets have rows (nothing else has a queue)
    result = _groups(run(engine, Filters(FIRST, LAST, AS_OF, {"queue": "Q1"}), "hour"), "hour")
    assert list(result) == [9, 10, 11, 17, 18, 20]
    rows = {
        9: _ticket_row(3, 3, 0, 0, [5, 12, 0], [10, 20, 5], 2, 0),  # T01 T02 T03
        10: _ticket_row(1, 1, 0, 0, [20], [15], 0, 0),  # T12 (调休 Sat, regular hours)
        # T14 (Sat 11:59:59, extended; called 12:20:59 after Saturday's 12:00 closing)
        11: _ticket_row(1, 1, 0, 0, [21], [10], 0, 1, (1, 30 + 59 / 60)),
        17: _ticket_row(1, 0, 1, 0, [], [], 0, 0),  # T07 no-show: no waits → None
        18: _ticket_row(2, 1, 0, 1, [10], [10], 0, 1),  # T08 (Mon 18:00), T11 (holiday)
        20: _ticket_row(1, 0, 1, 0, [], [], 0, 0),  # T10 (20:00: not extended)
    }
    assert rows[9]["wait_p90_min"] == pytest.approx(10.6)  # h 1.8: 5 + 0.8 × 7
    assert rows[17]["wait_within_target_rate"] is None
    busy = {9: 35, 10: 15, 11: 10, 17: 0, 18: 10, 20: 0}
    for hour, g in result.items():
        assert_result(
            {k: g[k] for k in SECTIONS},
            {
                "tickets": rows[hour],
                "cases": empty("cases"),
                "evaluations": {
                    **empty("evaluations"),
                    "coverage_rate": 2 / 3 if hour == 9 else (0.0 if busy[hour] else None),
                },
                "attendance": {**empty("attendance"), "busy_hours": busy[hour] / 60},
            },
        )


def test_unknown_dimension_and_filter_are_errors(engine: Engine):
    seed(engine)
    with pytest.raises(ValueError, match="unknown dimension"):
        run(engine, dimension="month")
    with pytest.raises(ValueError, match="unknown filter"):
        run(engine, Filters(FIRST, LAST, AS_OF, {"dept": "D1"}))


# --- rankings ------------------------------------------------------------------------------------


def test_rank_groups_on_the_dataset(engine: Engine):
    seed(engine)
    groups = run(engine, dimension="window")["groups"]  # W1 served 6 / 6 evaluations, W2 5 / 4
    # mean wait, lower is better: W1 11.33 before W2 25.75
    assert rank_groups(groups, "wait_mean_min", Settings(min_served=5)) == [
        {"group": "W1", "value": pytest.approx(68 / 6), "sample": 6, "too_small": False, "rank": 1},
        {
            "group": "W2",
            "value": pytest.approx(103 / 4),
            "sample": 5,
            "too_small": False,
            "rank": 2,
        },
    ]
    # W2 below min_served: shown, marked, not ranked
    ranked = rank_groups(groups, "wait_mean_min", Settings(min_served=6))
    assert [(r["group"], r["rank"], r["too_small"]) for r in ranked] == [
        ("W1", 1, False),
        ("W2", None, True),
    ]
    # the default minimum (30 served) ranks nobody
    ranked = rank_groups(groups, "wait_mean_min", Settings())
    assert all(r["rank"] is None and r["too_small"] for r in ranked)
    # evaluation metrics use min_evaluations: higher is better, W1 1/3 before W2 1/4
    ranked = rank_groups(groups, "very_satisfied_rate", Settings(min_evaluations=4))
    assert [(r["group"], r["rank"], r["sample"]) for r in ranked] == [("W1", 1, 6), ("W2", 2, 4)]
    ranked = rank_groups(groups, "very_satisfied_rate", Settings(min_evaluations=5))
    assert [(r["group"], r["rank"], r["too_small"]) for r in ranked] == [
        ("W1", 1, False),
        ("W2", None, True),
    ]


def _group(name: str, served: int, evaluations: int, **values) -> dict:
    sections = {name: dict(empty(name)) for name in SECTIONS}
    sections["tickets"]["served"] = served
    sections["evaluations"]["count"] = evaluations
    for key, value in values.items():
        section = next(sec for sec in SECTIONS if key in KEYS[sec])
        sections[section][key] = value
    return {"staff_id": name, **sections}


def test_rank_groups_direction_ties_and_missing_values():
    settings = Settings(min_served=10, min_evaluations=5)
    groups = [
        _group("S1", 40, 30, abandon_rate=0.10, satisfaction_rate=0.90),
        _group("S2", 40, 30, abandon_rate=0.05, satisfaction_rate=0.99),
        _group("S3", 9, 4, abandon_rate=0.01, satisfaction_rate=1.00),  # too small
        _group("S4", 40, 30, abandon_rate=None, satisfaction_rate=0.90),  # no value: not ranked
    ]
    ranked = rank_groups(groups, "abandon_rate", settings)  # lower is better
    assert [(r["group"], r["rank"], r["too_small"]) for r in ranked] == [
        ("S2", 1, False),
        ("S1", 2, False),
        ("S3", None, True),
        ("S4", None, False),
    ]
    ranked = rank_groups(groups, "satisfaction_rate", settings)  # higher is better; tie by name
    assert [(r["group"], r["rank"]) for r in ranked] == [
        ("S2", 1),
        ("S1", 2),
        ("S4", 3),
        ("S3", None),
    ]
    with pytest.raises(KeyError):
        rank_groups(groups, "no_such_metric", settings)
    assert rank_groups([], "abandon_rate", settings) == []


# --- settings ------------------------------------------------------------------------------------

CUSTOM_TOML = """\
[metrics]
wait_target_min = 15
revisit_workdays = 2
rectify_workdays = 10
late_grace_min = 3.5
min_served = 50
min_evaluations = 25
satisfaction_target = 0.99
"""


def test_load_settings(tmp_path: Path):
    path = tmp_path / "hallpulse.toml"
    assert load_settings(path) == Settings()  # no file: the defaults
    path.write_text(CUSTOM_TOML, encoding="utf-8")
    settings = load_settings(path)
    assert settings == Settings(
        wait_target_min=15.0,
        revisit_workdays=2,
        rectify_workdays=10,
        late_grace_min=3.5,
        min_served=50,
        min_evaluations=25,
        satisfaction_target=0.99,
    )
    assert isinstance(settings.min_served, int) and isinstance(settings.wait_target_min, float)
    assert settings.on_time_target == 1.0  # untouched keys keep their default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[metrics]\nwait_target = 15\n", "unknown setting"),  # a typo is never a default
        ("[metric]\nwait_target_min = 15\n", "unknown setting"),
        ("[metrics]\nmin_served = -1\n", "non-negative"),
        ("[metrics]\nmin_served = true\n", "non-negative"),
        ("[metrics]\nmin_served = '30'\n", "non-negative"),
        ("[metrics\n", "not valid TOML"),
    ],
)
def test_load_settings_rejects_bad_files(tmp_path: Path, text: str, message: str):
    path = tmp_path / "hallpulse.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(path)


def _hall(*args: str, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HALLPULSE_CONFIG": str(config)}
    hall = Path(sys.executable).parent / "hall"
    return subprocess.run(
        [str(hall), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_config_show_prints_the_settings_in_force(tmp_path: Path):
    path = tmp_path / "hallpulse.toml"
    path.write_text(CUSTOM_TOML, encoding="utf-8")
    result = _hall("config", "show", config=path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"# settings in force: {path}",
        "[metrics]",
        "wait_target_min = 15.0",
        "revisit_workdays = 2",
        "rectify_workdays = 10",
        "late_grace_min = 3.5",
        "min_served = 50",
        "min_evaluations = 25",
        "wait_target_rate = 0.8",
        "on_time_target = 1.0",
        "satisfaction_target = 0.99",
        "staffing_service_level = 0.8",
        "staffing_occupancy_cap = 0.85",
        "staffing_quantile = 0.7",
        "staffing_break_share = 0.05",
        "staffing_sim_replications = 10",
    ]

    missing = tmp_path / "nowhere.toml"
    result = _hall("config", "show", config=missing)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"# settings in force: defaults (no {missing})"
    assert "wait_target_min = 20.0" in result.stdout.splitlines()

    path.write_text("[metrics]\nwait_target = 15\n", encoding="utf-8")
    result = _hall("config", "show", config=path)
    assert result.returncode == 1
    assert "unknown setting(s) wait_target" in result.stderr


# --- the command line --------------------------------------------------------------------------


def _cli_json(capsys, *args: str):
    assert main(list(args)) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_hall_metrics_json(engine: Engine, db_url: str, capsys, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("HALLPULSE_CONFIG", str(tmp_path / "none.toml"))  # the defaults
    seed(engine)
    period = ["--db", db_url, "--from", "2026-09-14", "--to", "2026-10-18", "--json"]
    result = _cli_json(capsys, "metrics", *period)
    assert list(result) == list(SECTIONS)
    for section in SECTIONS:
        assert list(result[section]) == list(KEYS[section])  # exactly metrics.md's keys
    assert_result(result, TOTAL)

    result = _cli_json(capsys, "metrics", *period, "--by", "window")
    assert set(result) == {"groups"}
    assert [g["window_id"] for g in result["groups"]] == ["W1", "W2"]
    assert_result({k: result["groups"][0][k] for k in SECTIONS}, W1)
    assert_result({k: result["groups"][1][k] for k in SECTIONS}, W2)

    # --as-of and a filter reach the period
    result = _cli_json(capsys, "metrics", *period, "--dept", "D2", "--as-of", "2026-11-08 23:59:59")
    assert result["cases"]["accepted"] == 7
    assert result["cases"]["overdue_open"] == 3  # C10 C11 C15 (C14 completed 10-20)

    result = _cli_json(capsys, "quality", "--db", db_url, "--json")
    by_key = {f["key"]: f for f in result}
    assert by_key["tickets_called_before_issued"]["count"] == 1
    assert by_key["tickets_called_before_issued"]["examples"] == ["T06"]
    assert by_key["tickets_called_before_issued"]["table"] == "tickets"
    assert by_key["attendance_without_punches"]["examples"] == ["S3 2026-09-28"]
    assert all(set(f) == {"key", "label", "table", "count", "examples"} for f in result)
    assert sum(f["count"] for f in result) == 3


def test_hall_metrics_text_and_rank(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("HALLPULSE_CONFIG", str(tmp_path / "none.toml"))
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    from queries.db import make_engine

    engine = make_engine(url)
    seed(engine)
    engine.dispose()
    period = ["--db", url, "--from", "2026-09-14", "--to", "2026-10-18"]
    assert main(["metrics", *period]) == 0
    text = capsys.readouterr().out
    assert "[排队叫号]" in text and "extended_hours_issued" in text
    assert "26.7%" in text  # abandon_rate 4/15
    assert "60.0%" in text  # speedup_rate 0.6

    result = _cli_json(
        capsys, "metrics", *period, "--by", "window", "--rank", "wait_mean_min", "--json"
    )
    assert [(r["group"], r["rank"], r["too_small"]) for r in result["ranking"]] == [
        ("W1", None, True),
        ("W2", None, True),
    ]
    assert main(["metrics", *period, "--rank", "wait_mean_min"]) == 1  # --rank needs --by
    assert "--rank needs --by" in capsys.readouterr().err


def _day(served: int, after: int, minutes: float | None) -> dict:
    return {
        "tickets": {
            "served": served,
            "after_close_served": after,
            "after_close_minutes_mean": minutes,
        }
    }


@pytest.mark.parametrize(
    ("days", "expected", "habitual"),
    [
        pytest.param([], (0, 0, 0, None), False, id="nothing"),
        pytest.param([_day(9, 0, None), _day(0, 0, None)], (1, 0, 0, None), False, id="on-time"),
        # past closing on 1 of 2 days served: half, but one evening is not yet a habit
        pytest.param([_day(9, 2, 12.0), _day(8, 0, None)], (2, 1, 2, 12.0), False, id="once"),
        # 2 of 3 days (a day without service does not count): a habit; mean of the days' means
        pytest.param(
            [_day(9, 2, 10.0), _day(8, 1, 20.0), _day(7, 0, None), _day(0, 0, None)],
            (3, 2, 3, 15.0),
            True,
            id="habit",
        ),
    ],
)
def test_after_close_pattern(days, expected, habitual):
    from metrics.after_close import after_close_pattern

    pattern = after_close_pattern(days)
    got = (pattern.days_served, pattern.days_after, pattern.served_after, pattern.minutes_mean)
    assert got == expected
    assert pattern.habitual is habitual


# --- compute(keys=…): a page reads only the partials of the figures it shows ---------------------

PAGE_KEYS = {
    "attendance": KEYS["attendance"],
    "cases": KEYS["cases"],
    "cases_table": ("completed", "on_time_rate", "overdue_open", "due_soon_open", "one_visit_rate"),
    "queue_counts": ("issued", "served", "wait_mean_min", "wait_within_target_rate"),
    "evaluations": KEYS["evaluations"],
    "medians": ("wait_median_min", "service_median_min", "extended_hours_issued"),
    "after_close": ("after_close_served", "after_close_minutes_mean", "coverage_rate"),
    # each case figure from its own partials (metrics.engine.NEEDS)
    "packages": PACKAGE_KEYS,
    "intake": ("accepted", "online_rate", "instant_share", "tolerance_accepted"),
    "speedup": ("speedup_rate",),
    "stock": ("overdue_open", "due_soon_open"),
    # the histogram of one kind only
    "wait_quantiles": ("wait_median_min", "wait_p90_min"),
    "service_median": ("service_median_min",),
}


@pytest.mark.parametrize("due", ["given", "derived"])
@pytest.mark.parametrize("dimension", [None, "department", "staff", "window", "item", "date"])
def test_keys_read_only_their_partials_and_equal_every_figure(engine, dimension, due) -> None:
    """compute(keys=…) gives exactly the figures of a full compute for those keys; a group it
    leaves out (its section's rows were not read) has nothing but empty figures there, so no
    group with figures drops out of a per-group table. With deadlines given and derived from
    the calendar (the completion partial without the speed-up keeps the latter's days). The
    choice of partials is Python's: the servers run a sample of the sweep."""
    server_sample(engine.dialect.name, dimension in (None, "window") and due == "derived")
    seed(engine, due)
    full = run(engine, dimension=dimension)
    with engine.connect() as conn:
        for name, keys in PAGE_KEYS.items():
            part = compute(
                conn, Filters(FIRST, LAST, AS_OF), Settings(), dimension, scope=ALL, keys=keys
            )
            sections = [sec for sec in SECTIONS if set(keys) & set(KEYS[sec])]
            if dimension is None:
                for sec in sections:
                    assert part[sec] == {k: full[sec][k] for k in keys if k in KEYS[sec]}, name
                continue
            label = "date" if dimension == "date" else f"{dimension}_id"
            got = {g[label]: g for g in part["groups"]}
            assert set(got) <= {g[label] for g in full["groups"]}, name
            for g in full["groups"]:
                for sec in sections:
                    want = {k: g[sec][k] for k in keys if k in KEYS[sec]}
                    if g[label] in got:
                        assert got[g[label]][sec] == want, (name, g[label])
                    else:  # left out: only empty figures (0 or None) for these keys
                        assert all(not v for v in want.values()), (name, g[label], want)


def test_left_out_partials_run_no_query_after_the_first_time(engine) -> None:
    """A partial left out of compute(keys=…) is an empty frame of its columns: its query (an
    impossible filter) runs once per process, then the frame is reused. A second identical
    compute therefore issues only the statements of the partials it reads, and its figures
    are unchanged."""
    seed(engine)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    period = Filters(FIRST, LAST, AS_OF)
    keys = ("issued", "served")  # tickets' counts only: every other partial is left out
    with engine.connect() as conn:
        first = compute(conn, period, Settings(), scope=ALL, keys=keys)
        sa.event.listen(conn, "before_cursor_execute", count)
        again = compute(conn, period, Settings(), scope=ALL, keys=keys)
        sa.event.remove(conn, "before_cursor_execute", count)
        full = compute(conn, period, Settings(), scope=ALL)
    assert again == first
    assert again["tickets"] == {k: full["tickets"][k] for k in keys}
    reads = [s for s in statements if "bundle" in s or "attendance" in s or "evaluations" in s]
    assert reads == [], reads[:1]
