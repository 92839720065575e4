"""The detail lists behind the dashboard's numbers (`queries.details` finished by
`metrics.drilldown`), on test_metrics' hand-built hall and on SQLite, PostgreSQL and MariaDB.

The dataset and the calendar facts are described in tests/test_metrics.py; every expected value
below is worked out next to it. The lists must count what the figures count: the overdue list
has `overdue_open` rows, the due-soon list `due_soon_open`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from test_metrics import AS_OF, FIRST, LAST, MIXED_UNTIL, T, _fill, run, seed

from access.scope import Scope
from metrics import drilldown
from metrics.engine import Deadlines, bad_review_status
from metrics.settings import Settings
from queries import details, occupancy, ratings, rollups
from queries import schema as s
from queries.db import calendar_frame
from queries.metric_queries import Filters, due_soon_end

ALL = Scope.everything("test")  # unrestricted reads, as an admin
PERIOD = Filters(FIRST, LAST, AS_OF)
MANAGER_D1 = Scope(who="m", role="manager", hall_ids=frozenset({"H1"}), dept_ids=frozenset({"D1"}))


def scoped(**filters: str) -> Filters:
    return Filters(FIRST, LAST, AS_OF, filters)


def test_tickets_of_a_window_paged_newest_first(engine: Engine) -> None:
    seed(engine)
    with engine.connect() as conn:
        everything = details.ticket_list(conn, scoped(window="W1"), limit=50, scope=ALL)
        page_two = details.ticket_list(conn, scoped(window="W1"), limit=3, offset=3, scope=ALL)
        total = details.ticket_count(conn, scoped(window="W1"), scope=ALL)
        by_day_hour = details.hour_by_day(conn, PERIOD, scope=ALL)
        daily = details.daily_by(conn, PERIOD, "window", scope=ALL)
        intervals = details.ticket_intervals(conn, PERIOD, scope=ALL)
        staff_s3 = details.ticket_count(conn, scoped(staff="S3"), scope=ALL)
        dept_d2 = details.ticket_count(conn, scoped(department="D2"), scope=ALL)

    # W1's tickets (T08 and T15 have no window); T02 and T03 share 09:50: ticket id descending
    order = ["T14", "T12", "T11", "T10", "T07", "T03", "T02", "T01"]
    assert everything["ticket_id"].to_list() == order
    assert total == 8
    assert page_two["ticket_id"].to_list() == ["T10", "T07", "T03"]
    rows = {r["ticket_id"]: r for r in everything.iter_rows(named=True)}
    # waits as the metrics count them: from the slot for a late-slot appointment (T02: 12 min),
    # floored at 0 when called before the slot (T03); none for no-shows
    waits = {k: rows[k]["wait_s"] for k in order}
    assert waits == {
        "T14": 1260, "T12": 1200, "T11": 600, "T10": None, "T07": None,
        "T03": 0, "T02": 720, "T01": 300,
    }  # fmt: skip
    services = {k: rows[k]["service_s"] for k in order}
    assert services == {
        "T14": 600, "T12": 900, "T11": 600, "T10": None, "T07": None,
        "T03": 300, "T02": 1200, "T01": 600,
    }  # fmt: skip
    assert rows["T02"]["issued_at"] == T("09-28 09:50")
    assert staff_s3 == 2  # T10, T14
    assert dept_d2 == 6  # queue Q2: T04, T09, T05, T06, T13, T15

    cell = {(r["day"], r["hour"]): r for r in by_day_hour.iter_rows(named=True)}
    # 09-28 09h: T01 (5 min), T02 (12), T03 (0)
    assert cell[(dt.date(2026, 9, 28), 9)] == {
        "day": dt.date(2026, 9, 28), "hour": 9, "issued": 3, "wait_n": 3, "wait_sum_s": 1020,
    }  # fmt: skip
    # 09-29 14h: T06 was called before it was issued: issued, but no wait
    assert cell[(dt.date(2026, 9, 29), 14)]["wait_n"] == 0
    assert by_day_hour["issued"].sum() == 15

    pattern = drilldown.weekday_hour(by_day_hour, FIRST, LAST)
    monday_9 = pattern.filter((pl.col("weekday") == 1) & (pl.col("hour") == 9)).row(0, named=True)
    # five Mondays in 09-14 .. 10-18: 3 tickets / 5; mean wait 1020 s / 3 = 5.667 min
    assert monday_9["arrivals"] == pytest.approx(0.6)
    assert monday_9["wait_min"] == pytest.approx(1020 / 3 / 60)

    series = {(r["group"], r["day"]): r for r in daily.iter_rows(named=True)}
    assert series[("W1", dt.date(2026, 9, 28))]["served"] == 3
    assert series[("W1", dt.date(2026, 9, 28))]["wait_sum_s"] == 1020
    # W2 on 09-28: T04 (25 min) and T09 (8 min)
    assert series[("W2", dt.date(2026, 9, 28))]["wait_sum_s"] == 1500 + 480
    lines = drilldown.sparklines(daily, FIRST, LAST)
    assert len(lines["W1"]["served"]) == (LAST - FIRST).days + 1
    assert lines["W1"]["served"][(dt.date(2026, 9, 28) - FIRST).days] == 3
    assert lines["W1"]["wait_min"][0] is None  # no tickets on 09-14

    # 15 tickets: T08 and T15 never called, T06 called before it was issued
    assert intervals.height == 12


@pytest.mark.parametrize("due", ["given", "derived"])
def test_open_cases_overdue_and_due_soon(engine: Engine, due: str) -> None:
    seed(engine, due=due)
    with engine.connect() as conn:
        opened = details.open_case_list(conn, PERIOD, scope=ALL)
        calendar = calendar_frame(conn)
        channels = details.case_breakdown(conn, PERIOD, scope=ALL)
    figures = run(engine)["cases"]
    listed = drilldown.with_deadlines(opened, calendar, AS_OF, due_soon_end(calendar, AS_OF))

    assert sorted(listed["case_id"]) == ["C10", "C11", "C12", "C13", "C14", "C15"]
    overdue = listed.filter(pl.col("overdue")).sort("case_id")
    soon = listed.filter(pl.col("due_soon")).sort("case_id")
    assert overdue["case_id"].to_list() == ["C12", "C14", "C15"]
    assert soon["case_id"].to_list() == ["C10", "C13"]
    assert overdue.height == figures["overdue_open"]
    assert soon.height == figures["due_soon_open"]
    due_at = dict(zip(listed["case_id"], listed["due"], strict=True))
    assert due_at["C12"] == T("10-16 23:59:59")  # instant: the day it was accepted
    assert due_at["C10"] == T("10-19 23:59:59")  # 3 working days after 10-14
    assert due_at["C15"] == T("09-10 18:00")  # given
    # as_of 10-18 23:59:59: C12 exactly 2 days late, C14 3, C15 38 days and 6 hours → 39
    ages = dict(zip(overdue["case_id"], overdue["overdue_days"], strict=True))
    assert ages == {"C12": 2, "C14": 3, "C15": 39}
    assert overdue["ageing"].to_list() == ["1-3", "1-3", "30+"]
    assert listed.filter(~pl.col("overdue"))["ageing"].null_count() == 3

    # the page's list reads only the cases that can be overdue or due soon: a due_at at most
    # the end of the due-soon window, or none (judged on the calendar afterwards)
    soon_end = due_soon_end(calendar, AS_OF)
    with engine.connect() as conn:
        flagged = details.open_case_list(conn, PERIOD, scope=ALL, due_by=soon_end)
    may_be_due = opened.filter(pl.col("due_at").is_null() | (pl.col("due_at") <= soon_end))
    assert sorted(flagged["case_id"]) == sorted(may_be_due["case_id"])
    if due == "given":  # C11 is due after the window: not read
        assert "C11" not in flagged["case_id"] and "C11" in opened["case_id"]
    judged = drilldown.with_deadlines(flagged, calendar, AS_OF, soon_end)
    assert sorted(judged.filter(pl.col("overdue"))["case_id"]) == ["C12", "C14", "C15"]
    assert sorted(judged.filter(pl.col("due_soon"))["case_id"]) == ["C10", "C13"]

    by_channel = {
        r["channel"]: (r["accepted"], r["tolerance"]) for r in channels.iter_rows(named=True)
    }
    # C01..C14 accepted in the period; tolerance: C03 (online), C10 (window)
    assert by_channel == {
        "window": (10, 1),
        "online": (2, 1),
        "self_service": (1, 0),
        "proxy": (1, 0),
    }
    assert sum(a for a, _ in by_channel.values()) == figures["accepted"]


def test_open_cases_of_a_department(engine: Engine) -> None:
    seed(engine, due="derived")
    with engine.connect() as conn:
        d1 = details.open_case_list(conn, scoped(department="D1"), scope=ALL)
    # items of D1: I1 (C12) and I3 (C13)
    assert sorted(d1["case_id"]) == ["C12", "C13"]
    assert set(d1["dept_id"]) == {"D1"}


def test_bad_reviews_ratings_and_comments(engine: Engine) -> None:
    seed(engine)
    with engine.connect() as conn:
        bad = details.bad_review_list(conn, PERIOD, scope=ALL)
        bad_w1 = details.bad_review_list(conn, scoped(window="W1"), scope=ALL)
        ratings = details.rating_by_channel(conn, PERIOD, scope=ALL)
        calendar = calendar_frame(conn)
        notes = details.comment_list(conn, PERIOD, scope=ALL)
    figures = run(engine)["evaluations"]

    assert bad["eval_id"].to_list() == ["E11", "E10", "E06", "E07", "E09", "E08"]
    assert bad.height == figures["bad_count"]
    assert bad_w1["eval_id"].to_list() == ["E10", "E07", "E08"]
    status = bad_review_status(bad, AS_OF, Settings(), Deadlines(calendar))
    rows = {r["eval_id"]: r for r in status.iter_rows(named=True)}
    assert [k for k, r in rows.items() if r["overdue"]] == ["E09"]
    assert rows["E07"]["revisit_due"] == T("10-10 23:59:59")  # the 调休 Saturday
    assert rows["E08"]["rectify_due"] == T("10-12 23:59:59")
    assert status["overdue"].sum() == figures["bad_overdue"]

    # every evaluation came from a device; E12, E13 are default ratings, E14 after the period
    counts = {r["rating"]: r["n"] for r in ratings.iter_rows(named=True)}
    assert set(ratings["channel"]) == {"device"}
    assert counts == {1: 3, 2: 3, 3: 1, 4: 1, 5: 3}
    assert sum(counts.values()) == figures["count"]
    assert notes.is_empty()  # the dataset's evaluations carry no comment


def test_attendance_exceptions_and_open_windows(engine: Engine) -> None:
    seed(engine)
    with engine.connect() as conn:
        late_or_absent = details.attendance_exceptions(conn, PERIOD, grace_s=300, scope=ALL)
        shifts = details.staffed_intervals(conn, PERIOD, scope=ALL)
        tickets = details.ticket_intervals(conn, PERIOD, scope=ALL)

    # S2 20 min late on 10-10, S2 5 min 1 s late on 09-28, S3 absent on 09-28; exactly 5 min
    # (S1) is not late, leave (S3 09-29) is not absence
    assert [
        (r["staff_id"], r["work_date"], r["late_s"]) for r in late_or_absent.iter_rows(named=True)
    ] == [
        ("S2", dt.date(2026, 10, 10), 1200),
        ("S2", dt.date(2026, 9, 28), 301),
        ("S3", dt.date(2026, 9, 28), None),
    ]
    # punched shifts at a window: S1 and S2 regular, S1's evening shift (all on 09-28)
    assert shifts.height == 3
    occ = drilldown.occupancy(shifts, tickets)
    at = {r["time"]: r for r in occ.iter_rows(named=True)}
    assert min(at) == dt.time(9, 0) and max(at) == dt.time(20, 0)
    assert at[dt.time(9, 0)]["open_windows"] == 0  # first punch 09:05
    assert at[dt.time(10, 0)]["open_windows"] == 2
    assert at[dt.time(17, 0)]["open_windows"] == 1  # S1 out at 17:00, S2 at 17:05:01
    assert at[dt.time(18, 0)]["open_windows"] == 1  # S1's evening shift at W1
    assert at[dt.time(10, 0)]["waiting"] == 1  # T02: issued 09:50, called 10:12
    assert at[dt.time(10, 30)]["waiting"] == 1  # T04: issued 10:20, called 10:45
    assert at[dt.time(11, 0)]["waiting"] == 0


HALL_H1 = Scope(who="d", role="director", hall_ids=frozenset({"H1"}))
# a rollup's reads: nothing rolled, the days up to MIXED_UNTIL, every day; for the whole
# network, a hall, a window filter (read from the rows) and a department's scope (the same)
ROLLED = pytest.mark.parametrize(
    "rolled", [None, MIXED_UNTIL, LAST], ids=["raw", "mixed", "rolled"]
)
FILTERS_AND_SCOPES = pytest.mark.parametrize(
    ("filters", "scope"),
    [
        ({}, ALL),
        ({"hall": "H1"}, HALL_H1),
        ({"window": "W1"}, ALL),
        ({}, MANAGER_D1),
    ],
)


@ROLLED
@FILTERS_AND_SCOPES
def test_occupancy_counted_in_sql_equals_the_rows(engine: Engine, filters, scope, rolled) -> None:
    """Open windows and people waiting per quarter-hour counted in the database (the year
    view reads no ticket row) equal the figures from the rows, on each backend and scope; a
    ticket waiting past midnight (issued 09-28 19:00, called 10-10 10:00) included. With
    the days up to `rolled` rolled (`queries.occupancy`: the waits of those days from their
    rollup, the rest from the tickets; a window filter or a department's scope reads the
    tickets), the same figures."""
    seed(engine)
    with engine.begin() as conn:
        conn.execute(
            s.tickets.insert(),
            [
                _fill(
                    s.tickets,
                    {
                        "ticket_id": "TX",
                        "hall_id": "H1",
                        "queue_id": "Q1",
                        "window_id": "W1",
                        "staff_id": "S1",
                        "source": "walk_in",
                        "status": "served",
                        "issued_at": dt.datetime(2026, 9, 28, 19, 0),
                        "called_at": dt.datetime(2026, 10, 10, 10, 0),
                        "finished_at": dt.datetime(2026, 10, 10, 10, 10),
                    },
                )
            ],
        )
    if rolled is not None:
        with engine.begin() as conn:
            rollups.rebuild_all(conn, wait_target_s=1200)
            for table in s.ROLLUP_TABLES:
                conn.execute(table.delete().where(table.c.day > rolled))
    with engine.connect() as conn:
        period = scoped(**filters)
        rows = drilldown.occupancy(
            details.staffed_intervals(conn, period, scope=scope),
            details.ticket_intervals(conn, period, scope=scope),
        )
        counts = occupancy.occupancy_counts(conn, period, scope=scope)
        if rolled is not None and not filters.keys() - {"hall"} and scope is not MANAGER_D1:
            # the waits of the rolled days came from the rollup
            assert conn.execute(sa.select(sa.func.count()).select_from(s.rollup_waits)).scalar()
        counted = drilldown.occupancy_from_counts(counts)
        raw = drilldown.occupancy_from_counts(details.occupancy_counts(conn, period, scope=scope))
    assert rows.height > 0
    assert counted["time"].to_list() == rows["time"].to_list()
    for column in ("open_windows", "waiting"):
        assert counted[column].to_list() == pytest.approx(rows[column].to_list())
        assert raw[column].to_list() == pytest.approx(rows[column].to_list())


@ROLLED
@FILTERS_AND_SCOPES
def test_ratings_by_channel_from_the_rollup_equal_the_rows(
    engine: Engine, filters, scope, rolled, monkeypatch
) -> None:
    """好差评's ratings by channel with the days up to `rolled` rolled (`queries.ratings`: those
    days from the ratings rollup, the others from the evaluations) equal the rows' figures on
    each backend and scope; a window filter or a department's scope reads the evaluations.
    The rolled days are not read from the rows: the raw reader is asked only for the others."""
    seed(engine)
    if rolled is not None:
        with engine.begin() as conn:
            rollups.rebuild_all(conn, wait_target_s=1200)
            for table in s.ROLLUP_TABLES:
                conn.execute(table.delete().where(table.c.day > rolled))
    period = scoped(**filters)
    asked: list[Filters] = []
    read_rows = details.rating_by_channel

    def recorded(conn, sub, *, scope, by_hall=False):
        asked.append(sub)
        return read_rows(conn, sub, scope=scope, by_hall=by_hall)

    with engine.connect() as conn:
        expected = read_rows(conn, period, scope=scope)
        monkeypatch.setattr(details, "rating_by_channel", recorded)
        got = ratings.rating_by_channel(conn, period, scope=scope)
    assert expected.height > 0
    assert got.to_dicts() == expected.to_dicts()
    served = rolled is not None and not filters.keys() - {"hall"} and scope is not MANAGER_D1
    if served:  # the rolled days came from the rollup: the rows were read for the others only
        assert all(sub.first > rolled for sub in asked)
        assert len(asked) == (0 if rolled == LAST else 1)
    else:
        assert [(sub.first, sub.last) for sub in asked] == [(period.first, period.last)]


def test_occupancy_without_shifts_is_empty() -> None:
    frame = drilldown.occupancy(
        pl.DataFrame(
            schema={
                "work_date": pl.Date,
                "window_id": pl.String,
                "clock_in": pl.Datetime("us"),
                "clock_out": pl.Datetime("us"),
            }
        ),
        pl.DataFrame(schema={"issued_at": pl.Datetime("us"), "called_at": pl.Datetime("us")}),
    )
    assert frame.is_empty()
    assert frame.columns == ["time", "open_windows", "waiting"]
