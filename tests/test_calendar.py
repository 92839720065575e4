"""China's working-day calendar: holidays, 调休, working-day arithmetic, the `calendar` table."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.db import calendar_frame, ensure_calendar, init_schema
from queries.schema import calendar
from workdays import (
    MAKEUP_WORKDAY_NAME,
    WorkCalendar,
    china_calendar,
    last_announced_year,
    unannounced_warning,
    unannounced_years,
)

D = dt.date
YEAR_2026 = (D(2026, 1, 1), D(2026, 12, 31))


@pytest.fixture(scope="module")
def cal2026() -> WorkCalendar:
    return WorkCalendar.china(*YEAR_2026)


@pytest.fixture(scope="module")
def rows2026() -> dict[dt.date, tuple[bool, str | None]]:
    frame = china_calendar(*YEAR_2026)
    return {d: (w, n) for d, w, n in frame.iter_rows()}


# State Council notice on the 2026 holidays (国办发明电〔2025〕…), as the package knows it.
@pytest.mark.parametrize(
    ("day", "is_workday", "name"),
    [
        pytest.param(D(2026, 1, 1), False, "元旦", id="01-01-new-year-off"),
        pytest.param(D(2026, 1, 4), True, MAKEUP_WORKDAY_NAME, id="01-04-sunday-makeup-workday"),
        pytest.param(D(2026, 2, 14), True, MAKEUP_WORKDAY_NAME, id="02-14-saturday-makeup-workday"),
        pytest.param(D(2026, 2, 17), False, "春节", id="02-17-spring-festival-off"),
        pytest.param(D(2026, 2, 28), True, MAKEUP_WORKDAY_NAME, id="02-28-saturday-makeup-workday"),
        pytest.param(D(2026, 3, 2), True, None, id="03-02-ordinary-monday"),
        pytest.param(D(2026, 3, 7), False, None, id="03-07-ordinary-saturday"),
        pytest.param(D(2026, 9, 20), True, MAKEUP_WORKDAY_NAME, id="09-20-sunday-makeup-workday"),
        pytest.param(D(2026, 10, 1), False, "国庆节", id="10-01-national-day-off"),
        pytest.param(D(2026, 10, 4), False, None, id="10-04-sunday-inside-national-day-break"),
        pytest.param(D(2026, 10, 7), False, "休息日（由 2026-10-10 调休）", id="10-07-swapped-off"),
        pytest.param(D(2026, 10, 9), True, None, id="10-09-friday-after-break"),
        pytest.param(D(2026, 10, 10), True, MAKEUP_WORKDAY_NAME, id="10-10-saturday-makeup"),
    ],
)
def test_china_calendar_2026(rows2026, day: dt.date, is_workday: bool, name: str | None):
    assert rows2026[day] == (is_workday, name)


def test_china_calendar_covers_every_date_with_typed_columns():
    frame = china_calendar(*YEAR_2026)
    assert frame.schema == pl.Schema({"date": pl.Date, "is_workday": pl.Boolean, "name": pl.String})
    assert frame.height == 365
    assert frame["date"].to_list() == [D(2026, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    # 261 weekdays − 19 weekday holidays + 6 make-up weekend days = 248 working days
    assert frame["is_workday"].sum() == 248
    makeup = frame.filter(pl.col("name") == MAKEUP_WORKDAY_NAME)["date"].to_list()
    assert makeup == [
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    ]


def test_china_calendar_rejects_an_empty_range():
    with pytest.raises(ValueError, match=r"calendar range is empty: 2026-03-02 \.\. 2026-03-01"):
        china_calendar(D(2026, 3, 2), D(2026, 3, 1))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param(D(2026, 3, 2), 0, D(2026, 3, 2), id="zero-is-the-day-itself"),
        pytest.param(D(2026, 10, 1), 0, D(2026, 10, 1), id="zero-on-a-holiday-is-the-day"),
        pytest.param(D(2026, 3, 2), 1, D(2026, 3, 3), id="mon+1-tue"),
        pytest.param(D(2026, 3, 6), 1, D(2026, 3, 9), id="fri+1-over-weekend-mon"),
        pytest.param(D(2026, 3, 6), 5, D(2026, 3, 13), id="fri+5-next-fri"),
        pytest.param(D(2026, 3, 7), 1, D(2026, 3, 9), id="sat+1-mon"),
        pytest.param(D(2026, 9, 30), 1, D(2026, 10, 8), id="09-30+1-over-national-day"),
        pytest.param(D(2026, 9, 30), 3, D(2026, 10, 10), id="09-30+3-makeup-saturday"),
        pytest.param(D(2026, 9, 30), 4, D(2026, 10, 12), id="09-30+4-next-monday"),
        pytest.param(D(2026, 10, 3), 1, D(2026, 10, 8), id="holiday+1-first-day-back"),
        pytest.param(D(2026, 9, 18), 1, D(2026, 9, 20), id="fri+1-makeup-sunday"),
        pytest.param(D(2026, 2, 13), 1, D(2026, 2, 14), id="02-13+1-makeup-saturday"),
        pytest.param(D(2026, 2, 13), 2, D(2026, 2, 24), id="02-13+2-over-spring-festival"),
        pytest.param(D(2026, 12, 30), 1, D(2026, 12, 31), id="last-day-of-span"),
    ],
)
def test_add_workdays(cal2026: WorkCalendar, start: dt.date, n: int, expected: dt.date):
    assert cal2026.add_workdays(start, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(D(2026, 3, 2), D(2026, 3, 2), 0, id="same-day"),
        pytest.param(D(2026, 3, 9), D(2026, 3, 2), 0, id="end-before-start"),
        pytest.param(D(2026, 3, 2), D(2026, 3, 9), 5, id="mon-to-next-mon"),
        pytest.param(D(2026, 3, 6), D(2026, 3, 8), 0, id="fri-to-sun"),
        pytest.param(D(2026, 9, 30), D(2026, 10, 7), 0, id="whole-national-day-break"),
        pytest.param(D(2026, 9, 30), D(2026, 10, 10), 3, id="break-then-makeup-saturday"),
        pytest.param(D(2026, 2, 13), D(2026, 2, 28), 6, id="spring-festival-two-makeups"),
        pytest.param(D(2026, 1, 1), D(2026, 12, 31), 248, id="whole-year-after-new-year"),
    ],
)
def test_workdays_between(cal2026: WorkCalendar, start: dt.date, end: dt.date, expected: int):
    assert cal2026.workdays_between(start, end) == expected


def test_is_workday_and_next_workday(cal2026: WorkCalendar):
    assert cal2026.is_workday(D(2026, 10, 10)) is True
    assert cal2026.is_workday(D(2026, 10, 4)) is False
    assert cal2026.next_workday(D(2026, 4, 3)) == D(2026, 4, 7)  # 清明 4-4..4-6
    assert (cal2026.first, cal2026.last) == YEAR_2026


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda c: c.is_workday(D(2025, 12, 31)),
            r"2025-12-31 is outside the calendar \(2026-01-01 \.\. 2026-12-31\)",
            id="is_workday-before-span",
        ),
        pytest.param(
            lambda c: c.add_workdays(D(2027, 1, 4), 1),
            r"2027-01-04 is outside the calendar",
            id="add_workdays-start-after-span",
        ),
        pytest.param(
            lambda c: c.add_workdays(D(2026, 12, 30), 2),
            r"2 working days after 2026-12-30 is past the calendar's end 2026-12-31",
            id="add_workdays-result-past-span",
        ),
        pytest.param(
            lambda c: c.add_workdays(D(2026, 3, 2), -1),
            r"n must be >= 0",
            id="add_workdays-negative",
        ),
        pytest.param(
            lambda c: c.workdays_between(D(2026, 3, 2), D(2027, 1, 4)),
            r"2027-01-04 is outside the calendar",
            id="workdays_between-end-after-span",
        ),
    ],
)
def test_outside_the_span_raises(cal2026: WorkCalendar, call, message: str):
    with pytest.raises(ValueError, match=message):
        call(cal2026)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        pytest.param([], "the calendar is empty", id="empty"),
        pytest.param(
            [(D(2026, 3, 2), True), (D(2026, 3, 4), True)],
            r"gaps between 2026-03-02 and 2026-03-04: 2 rows for 3 dates",
            id="one-missing-day",
        ),
        pytest.param(
            [(D(2026, 3, 9), True), (D(2026, 3, 2), True), (D(2026, 3, 3), True)],
            r"gaps between 2026-03-02 and 2026-03-09: 3 rows for 8 dates",
            id="unsorted-with-a-hole",
        ),
        pytest.param(
            [(D(2026, 3, 2), True), (D(2026, 3, 2), False), (D(2026, 3, 4), True)],
            r"lists a date twice: 2026-03-02",
            id="duplicate-hides-a-missing-day",
        ),
    ],
)
def test_calendar_with_gaps_raises(rows: list[tuple[dt.date, bool]], message: str):
    with pytest.raises(ValueError, match=message):
        WorkCalendar(rows)


def test_last_announced_year_knows_2026():
    assert last_announced_year() >= 2026


def _expected_unannounced(first_year: int, last_year: int) -> list[int]:
    return [y for y in range(first_year, last_year + 1) if y > last_announced_year()]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        pytest.param(D(2026, 1, 1), D(2026, 12, 31), id="2026-only"),
        pytest.param(D(2025, 1, 1), D(2026, 12, 31), id="2025-2026"),
        pytest.param(D(2026, 3, 1), D(2027, 6, 30), id="reaches-2027"),
        pytest.param(D(2026, 1, 1), D(2028, 12, 31), id="reaches-2028"),
    ],
)
def test_unannounced_years_follow_the_package(first: dt.date, last: dt.date):
    expected = _expected_unannounced(first.year, last.year)
    assert unannounced_years(first, last) == expected
    warning = unannounced_warning(first, last)
    if not expected:
        assert (warning, unannounced_warning(first, last, lang="en")) == (None, None)
        return
    assert warning is not None
    assert f"{'、'.join(map(str, expected))} 年的节假日和调休安排尚未发布" in warning
    assert f"已知至 {last_announced_year()} 年" in warning
    english = unannounced_warning(first, last, lang="en")
    assert english is not None
    assert f"for {', '.join(map(str, expected))} are not announced yet" in english
    assert f"known through {last_announced_year()}" in english


def test_inside_announced_years_no_warning():
    assert unannounced_warning(D(2026, 1, 1), D(2026, 12, 31)) is None
    assert unannounced_warning(D(2010, 1, 1), D(last_announced_year(), 12, 31)) is None


def test_the_year_after_the_last_announced_one_is_always_warned_about():
    nxt = last_announced_year() + 1
    warning = unannounced_warning(D(nxt - 1, 12, 1), D(nxt, 1, 31))
    assert warning is not None
    assert f"{nxt} 年的节假日和调休安排尚未发布（已知至 {nxt - 1} 年）" in warning
    # …and the package really has no make-up working days for it (a rule-based guess)
    guess = china_calendar(D(nxt, 1, 1), D(nxt, 12, 31))
    assert guess.filter(pl.col("name") == MAKEUP_WORKDAY_NAME).height == 0


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(calendar)).scalar_one()


def test_ensure_calendar_adds_missing_dates_and_keeps_edits(engine: Engine):
    init_schema(engine)
    with engine.begin() as conn:
        assert ensure_calendar(conn, *YEAR_2026) == 365
    with engine.begin() as conn:
        assert ensure_calendar(conn, *YEAR_2026) == 0
    assert _count(engine) == 365

    # a hall corrects a day (e.g. closed for a system migration)
    with engine.begin() as conn:
        conn.execute(
            calendar.update()
            .where(calendar.c.date == D(2026, 3, 2))
            .values(is_workday=False, name="系统切换闭厅")
        )
    with engine.begin() as conn:
        # December 2025 and January 2027 are new; 2026 is kept as it is
        assert ensure_calendar(conn, D(2025, 12, 1), D(2027, 1, 31)) == 31 + 31
    assert _count(engine) == 365 + 62

    with engine.connect() as conn:
        frame = calendar_frame(conn)
    assert frame.schema == pl.Schema({"date": pl.Date, "is_workday": pl.Boolean, "name": pl.String})
    assert frame.height == 427
    assert (frame["date"].min(), frame["date"].max()) == (D(2025, 12, 1), D(2027, 1, 31))
    by_date = {d: (w, n) for d, w, n in frame.iter_rows()}
    assert by_date[D(2026, 3, 2)] == (False, "系统切换闭厅")
    assert by_date[D(2026, 3, 3)] == (True, None)
    assert by_date[D(2026, 10, 10)] == (True, MAKEUP_WORKDAY_NAME)
    assert by_date[D(2027, 1, 1)] == (False, "元旦")

    # working-day arithmetic follows the edited table, not the package
    cal = WorkCalendar.from_frame(frame)
    assert cal.add_workdays(D(2026, 2, 27), 1) == D(2026, 2, 28)  # 调休 Saturday
    assert cal.add_workdays(D(2026, 2, 27), 2) == D(2026, 3, 3)  # 03-02 closed by the hall
