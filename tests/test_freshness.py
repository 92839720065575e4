"""`metrics.freshness`: which halls are open at a moment, and when a live table is stale.

Calendar facts used (China 2026, from the `holidays` package via `workdays.china_calendar`):
09-20 Sun is a 调休 working day; 10-01 Thu..10-07 Wed is the National Day break (10-04 is a plain
Sunday inside it, 10-05 its 补假 Monday); 10-10 Sat is a 调休 working day; 10-11, 10-17, 10-18 are
ordinary weekend days.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from metrics.freshness import LIVE_TABLES, STALE_AFTER_MIN, open_halls, with_freshness
from workdays import china_calendar

D = dt.date
HOURS_SCHEMA = {
    "hall_id": pl.String,
    "weekday": pl.Int32,
    "start": pl.Time,
    "end": pl.Time,
    "kind": pl.String,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
}


def _slot(hall, weekday, start, end, kind="regular", valid_from=None, valid_to=None):
    return (
        hall,
        weekday,
        dt.time.fromisoformat(start),
        dt.time.fromisoformat(end),
        kind,
        valid_from,
        valid_to,
    )


def _hours() -> pl.DataFrame:
    rows = []
    # H1: Mon–Fri 09:00–12:00, lunch break, 13:30–17:00, evening 18:00–20:00 (延时);
    #     Saturday morning 09:00–12:00 (延时); no Sunday service
    for weekday in range(1, 6):
        rows.append(_slot("H1", weekday, "09:00", "12:00"))
        rows.append(_slot("H1", weekday, "13:30", "17:00"))
        rows.append(_slot("H1", weekday, "18:00", "20:00", "extended"))
    rows.append(_slot("H1", 6, "09:00", "12:00", "extended"))
    # H2: a "5+2" hall, open every day 09:00–17:00 (weekends as extended service)
    for weekday in range(1, 8):
        rows.append(
            _slot("H2", weekday, "09:00", "17:00", "regular" if weekday <= 5 else "extended")
        )
    # H3: Wednesdays and Thursdays with a summer timetable up to 09-30 and a winter one after
    for weekday in (3, 4):
        rows.append(
            _slot(
                "H3", weekday, "13:00", "17:30", valid_from=D(2026, 5, 1), valid_to=D(2026, 9, 30)
            )
        )
        rows.append(_slot("H3", weekday, "13:30", "17:00", valid_from=D(2026, 10, 1)))
    return pl.DataFrame(rows, schema=HOURS_SCHEMA, orient="row")


HOURS = _hours()
CALENDAR = china_calendar(D(2026, 8, 1), D(2026, 11, 30))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2026-{text}")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Monday 09-28: regular slots, start inclusive, end exclusive; H2 09:00–17:00
        pytest.param("09-28 08:59:59", set(), id="mon-before-opening"),
        pytest.param("09-28 09:00:00", {"H1", "H2"}, id="mon-opening-minute-inclusive"),
        pytest.param("09-28 11:59:59", {"H1", "H2"}, id="mon-last-second-of-morning"),
        pytest.param("09-28 12:00:00", {"H2"}, id="mon-noon-end-exclusive"),
        pytest.param("09-28 13:00:00", {"H2"}, id="mon-lunch-break"),
        pytest.param("09-28 13:30:00", {"H1", "H2"}, id="mon-afternoon-start"),
        pytest.param("09-28 16:59:59", {"H1", "H2"}, id="mon-afternoon-last-second"),
        pytest.param("09-28 17:00:00", set(), id="mon-afternoon-end-exclusive"),
        pytest.param("09-28 17:30:00", set(), id="mon-between-regular-and-extended"),
        pytest.param("09-28 18:00:00", {"H1"}, id="mon-extended-start-inclusive"),
        pytest.param("09-28 19:59:59", {"H1"}, id="mon-extended-last-second"),
        pytest.param("09-28 20:00:00", set(), id="mon-extended-end-exclusive"),
        # ordinary weekend: H1's Saturday morning extended slot; H2 open both days
        pytest.param("10-17 09:00:00", {"H1", "H2"}, id="sat-extended-morning"),
        pytest.param("10-17 12:00:00", {"H2"}, id="sat-extended-end-exclusive"),
        pytest.param("10-17 18:30:00", set(), id="sat-evening-no-monday-hours"),
        pytest.param("10-18 10:00:00", {"H2"}, id="plain-sunday-h2-only"),
        pytest.param("10-11 10:00:00", {"H2"}, id="sunday-after-makeup-saturday"),
        # 调休 working Saturday 10-10 and Sunday 09-20 follow Monday's hours
        pytest.param("10-10 12:30:00", {"H2"}, id="makeup-sat-lunch-break-as-monday"),
        pytest.param("10-10 14:00:00", {"H1", "H2"}, id="makeup-sat-afternoon-as-monday"),
        pytest.param("10-10 18:30:00", {"H1"}, id="makeup-sat-evening-extended-as-monday"),
        pytest.param("09-20 18:30:00", {"H1"}, id="makeup-sun-evening-extended-as-monday"),
        pytest.param("09-20 14:00:00", {"H1", "H2"}, id="makeup-sun-afternoon-as-monday"),
        # the National Day break closes every hall, whatever its weekday hours say
        pytest.param("10-01 10:00:00", set(), id="national-day-thursday"),
        pytest.param("10-02 18:30:00", set(), id="national-day-friday-evening"),
        pytest.param("10-03 10:00:00", set(), id="national-day-saturday"),
        pytest.param("10-04 10:00:00", set(), id="plain-sunday-inside-the-break"),
        pytest.param("10-05 10:00:00", set(), id="national-day-makeup-monday"),
        pytest.param("10-07 10:00:00", set(), id="last-day-of-the-break"),
        pytest.param("10-08 10:00:00", {"H1", "H2"}, id="first-day-after-the-break"),
        # 中秋 break 09-25 Fri..09-27 Sun
        pytest.param("09-25 10:00:00", set(), id="mid-autumn-friday"),
        pytest.param("09-27 10:00:00", set(), id="mid-autumn-sunday"),
    ],
)
def test_open_halls_regular_extended_and_holidays(now: str, expected: set[str]):
    assert open_halls(HOURS.filter(pl.col("hall_id") != "H3"), CALENDAR, at(now)) == expected


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        pytest.param("09-30 13:00:00", True, id="summer-start"),
        pytest.param("09-30 13:15:00", True, id="summer-before-winter-start"),
        pytest.param("09-30 17:15:00", True, id="valid-to-day-is-inclusive"),
        pytest.param("09-30 17:30:00", False, id="summer-end-exclusive"),
        pytest.param("10-08 13:15:00", False, id="winter-not-yet-open"),
        pytest.param("10-08 13:30:00", True, id="valid-from-day-is-inclusive"),
        pytest.param("10-08 17:15:00", False, id="winter-closes-at-17"),
        pytest.param("10-14 16:59:59", True, id="winter-later-wednesday"),
        pytest.param("09-24 13:00:00", True, id="summer-thursday"),
        pytest.param("09-29 13:00:00", False, id="tuesday-no-slot"),
    ],
)
def test_open_halls_validity_dates(now: str, is_open: bool):
    halls = open_halls(HOURS.filter(pl.col("hall_id") == "H3"), CALENDAR, at(now))
    assert halls == ({"H3"} if is_open else set())


def test_open_halls_outside_the_calendar_uses_the_weekday():
    # no calendar row for the date: a weekday is a working day, a weekend day is not
    calendar = CALENDAR.filter(pl.col("date") < D(2026, 9, 1))
    assert open_halls(HOURS, calendar, at("09-28 10:00:00")) == {"H1", "H2"}
    assert open_halls(HOURS, calendar, at("10-17 10:00:00")) == {"H1", "H2"}
    assert open_halls(HOURS, calendar, at("10-18 10:00:00")) == {"H2"}


def test_open_halls_without_hours():
    assert open_halls(HOURS.clear(), CALENDAR, at("09-28 10:00:00")) == set()


# --- with_freshness ------------------------------------------------------------------------------

NOW = at("09-28 10:00:00")
OVERVIEW_SCHEMA = {
    "hall_id": pl.String,
    "hall_name": pl.String,
    "table": pl.String,
    "rows": pl.Int64,
    "first_at": pl.Datetime("us"),
    "last_at": pl.Datetime("us"),
}


def _overview(rows) -> pl.DataFrame:
    return pl.DataFrame(
        [(hall, f"hall {hall}", table, n, None, last) for hall, table, n, last in rows],
        schema=OVERVIEW_SCHEMA,
        orient="row",
    )


def _fresh(frame: pl.DataFrame) -> list[tuple]:
    return [
        (r["hall_id"], r["table"], r["age_min"], r["open"], r["stale"])
        for r in frame.iter_rows(named=True)
    ]


def test_with_freshness_table():
    overview = _overview(
        [
            ("H1", "tickets", 10, NOW - dt.timedelta(minutes=5)),  # open, fresh
            ("H1", "evaluations", 10, NOW - dt.timedelta(minutes=30)),  # exactly the limit
            ("H1", "cases", 10, NOW - dt.timedelta(days=3)),  # not a live table
            ("H2", "tickets", 10, NOW - dt.timedelta(minutes=30, seconds=6)),  # 30.1 min: stale
            ("H2", "evaluations", 0, None),  # open and nothing ever arrived: stale
            ("H3", "tickets", 10, NOW - dt.timedelta(hours=16)),  # closed: never stale
            ("H3", "evaluations", 0, None),  # closed, empty: not stale
            ("H3", "attendance", 0, None),
        ]
    )
    result = with_freshness(overview, NOW, open_now={"H1", "H2"})
    assert list(result.columns) == [*OVERVIEW_SCHEMA, "age_min", "open", "stale"]
    assert _fresh(result) == [
        ("H1", "tickets", 5.0, True, False),
        ("H1", "evaluations", 30.0, True, False),
        ("H1", "cases", 4320.0, True, None),
        ("H2", "tickets", 30.1, True, True),
        ("H2", "evaluations", None, True, True),
        ("H3", "tickets", 960.0, False, False),
        ("H3", "evaluations", None, False, False),
        ("H3", "attendance", None, False, None),
    ]
    assert set(LIVE_TABLES) == {"tickets", "evaluations"}
    assert STALE_AFTER_MIN == 30.0


def test_with_freshness_without_opening_hours_treats_halls_as_open():
    overview = _overview(
        [
            ("H1", "tickets", 10, NOW - dt.timedelta(minutes=45)),
            ("H1", "evaluations", 10, NOW - dt.timedelta(minutes=1)),
            ("H1", "staff", 3, None),
        ]
    )
    assert _fresh(with_freshness(overview, NOW)) == [
        ("H1", "tickets", 45.0, None, True),
        ("H1", "evaluations", 1.0, None, False),
        ("H1", "staff", None, None, None),
    ]
    # a custom threshold
    assert _fresh(with_freshness(overview, NOW, open_now={"H1"}, stale_after_min=60)) == [
        ("H1", "tickets", 45.0, True, False),
        ("H1", "evaluations", 1.0, True, False),
        ("H1", "staff", None, True, None),
    ]


@pytest.mark.parametrize(
    ("now", "stale"),
    [
        pytest.param("09-28 10:00:00", True, id="monday-morning-open-data-old"),
        pytest.param("09-28 12:30:00", False, id="lunch-break-closed"),
        pytest.param("09-28 21:00:00", False, id="evening-after-extended-hours"),
        pytest.param("10-02 10:00:00", False, id="national-day-holiday"),
        pytest.param("10-04 10:00:00", False, id="sunday-inside-the-break"),
        pytest.param("10-10 14:00:00", True, id="makeup-saturday-open"),
        pytest.param("10-18 10:00:00", False, id="plain-sunday-closed"),
    ],
)
def test_a_closed_hall_is_not_stale(now: str, stale: bool):
    """H1's newest ticket is two hours old: a problem only while H1 is open."""
    moment = at(now)
    overview = _overview([("H1", "tickets", 100, moment - dt.timedelta(hours=2))])
    halls = open_halls(HOURS, CALENDAR, moment)
    result = with_freshness(overview, moment, open_now=halls)
    assert result["open"].to_list() == [stale]
    assert result["stale"].to_list() == [stale]
    assert result["age_min"].to_list() == [120.0]
