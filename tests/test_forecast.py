"""Forecasting and staffing: calendar features, queries, CLI on three databases, backtests.

A small synthetic hall (ten weeks, Qingming and Labour Day breaks, a 调休 Saturday) is written
into each database: weekday demand ~200, Saturday ~60, closed on Sunday, "白+黑" hours.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import BACKENDS, SERVER_URLS, empty_database, server_engine
from sqlalchemy.engine import Engine

from access.scope import Scope
from cli.main import main
from forecasting.backtest import backtest, counts_series
from forecasting.demand import day_features
from forecasting.staffing import (
    estimate_patience,
    roster_by_slot,
    shrinkage_from_attendance,
)
from queries import forecast_queries as fq
from queries import schema as s
from queries.db import bulk_insert, calendar_frame, ensure_calendar, init_schema, make_engine
from queries.overview import service_hours_frame
from workdays import china_calendar, last_announced_year

FIRST = dt.date(2026, 3, 2)
LAST = dt.date(2026, 5, 15)  # a Friday; the plan starts Saturday 05-16
HALL = "H1"
WEEKDAY_MEAN = 200.0
SATURDAY_MEAN = 60.0
HOURS = [  # weekday, start, end, kind
    *[(d, "09:00", "12:00", "regular") for d in range(1, 6)],
    *[(d, "12:00", "14:00", "extended") for d in range(1, 6)],
    *[(d, "14:00", "18:00", "regular") for d in range(1, 6)],
    *[(d, "18:00", "20:00", "extended") for d in range(1, 6)],
    (6, "09:00", "12:00", "extended"),
]
BANK = Path(
    os.environ.get(
        "HALL_BANK_CALLS",
        Path(__file__).resolve().parents[2] / "shared/data/us_bank_calls/calls_5min.csv",
    )
)


ALL = Scope.everything()  # the unrestricted scope, as the command line without --as


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def synthetic_hall(engine: Engine) -> dict[str, int]:
    """Write the synthetic hall; returns the ticket count per date (ISO text)."""
    rng = np.random.default_rng(42)
    init_schema(engine)
    cal = china_calendar(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    closed = {
        d
        for d, w, n in cal.iter_rows()
        if not w and (n or d.isoweekday() == 7)  # a whole break, and every Sunday
    }
    workday = dict(cal.select("date", "is_workday").iter_rows())
    tickets, counts, attendance = [], {}, []
    serial = 0
    day = FIRST
    while day <= LAST + dt.timedelta(days=3):
        weekday = 1 if workday[day] and day.isoweekday() > 5 else day.isoweekday()
        slots = [(_minutes(a), _minutes(b)) for w, a, b, _ in HOURS if w == weekday]
        is_open = day not in closed and slots and not (not workday[day] and weekday != 6)
        if day > LAST:  # future: shifts on the roster only for Monday 05-18
            if day == dt.date(2026, 5, 18):
                attendance += _shifts(day, weekday)
            day += dt.timedelta(days=1)
            continue
        if is_open:
            attendance += _shifts(day, weekday)
            mean = SATURDAY_MEAN if weekday == 6 else WEEKDAY_MEAN * (1.2 if weekday == 1 else 1)
            total_min = sum(b - a for a, b in slots)
            n = rng.poisson(mean)
            counts[day.isoformat()] = int(n)
            for _ in range(n):
                offset = rng.uniform(0, total_min)
                for a, b in slots:
                    if offset < b - a:
                        minute = a + offset
                        break
                    offset -= b - a
                issued = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=float(minute))
                issued = issued.replace(microsecond=0)
                serial += 1
                wait = dt.timedelta(seconds=int(rng.exponential(300)))
                service = dt.timedelta(seconds=int(rng.exponential(480)) + 30)
                status = "no_show" if rng.random() < 0.04 else "served"
                tickets.append(
                    {
                        "ticket_id": f"T{serial:06d}",
                        "hall_id": HALL,
                        "queue_id": "H1-A" if rng.random() < 0.7 else "H1-B",
                        "issued_at": issued,
                        "called_at": issued + wait,
                        "finished_at": issued + wait + service if status == "served" else None,
                        "window_id": f"W{rng.integers(1, 7)}",
                        "status": status,
                        "source": "walk_in",
                    }
                )
        day += dt.timedelta(days=1)
    with engine.begin() as conn:
        ensure_calendar(conn, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        conn.execute(s.halls.insert(), [{"hall_id": HALL, "name": "测试大厅"}])
        conn.execute(
            s.queues.insert(),
            [
                {"queue_id": "H1-A", "hall_id": HALL, "name": "综合受理"},
                {"queue_id": "H1-B", "hall_id": HALL, "name": "社保"},
            ],
        )
        conn.execute(
            s.windows.insert(),
            [
                {"window_id": f"W{i}", "hall_id": HALL, "label": f"A{i}", "kind": "comprehensive"}
                for i in range(1, 9)
            ],
        )
        conn.execute(
            s.staff.insert(),
            [
                {"staff_id": f"S{i}", "name": f"员工{i}", "hall_id": HALL, "role": "front"}
                for i in range(1, 9)
            ],
        )
        conn.execute(
            s.service_hours.insert(),
            [
                {
                    "hall_id": HALL,
                    "weekday": w,
                    "start": dt.time.fromisoformat(a),
                    "end": dt.time.fromisoformat(b),
                    "kind": k,
                }
                for w, a, b, k in HOURS
            ],
        )
        bulk_insert(conn, s.tickets, pl.DataFrame(tickets))
        bulk_insert(conn, s.attendance, pl.DataFrame(attendance))
    return counts


def _shifts(day: dt.date, weekday: int) -> list[dict]:
    """Weekdays: S1–S5 9–18 at W1–W5 (S5 on leave on Fridays), S6–S7 18–20; Saturday S8 9–12."""

    def row(staff: int, start: str, end: str, kind: str, leave: str | None = None) -> dict:
        begin = dt.datetime.combine(day, dt.time.fromisoformat(start))
        finish = dt.datetime.combine(day, dt.time.fromisoformat(end))
        return {
            "staff_id": f"S{staff}",
            "hall_id": HALL,
            "work_date": day,
            "shift_kind": kind,
            "scheduled_start": begin,
            "scheduled_end": finish,
            "clock_in": None if leave else begin - dt.timedelta(minutes=5),
            "clock_out": None if leave else finish,
            "window_id": f"W{staff}",
            "leave": leave,
        }

    if weekday == 6:
        return [row(8, "09:00", "12:00", "weekend")]
    rows = [
        row(i, "09:00", "18:00", "regular", "annual" if i == 5 and weekday == 5 else None)
        for i in range(1, 6)
    ]
    return rows + [row(i, "18:00", "20:00", "extended") for i in (6, 7)]


@pytest.fixture(scope="module", params=BACKENDS)
def hall_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, int]]]:
    """The synthetic hall on each backend, written once per module (the tests only read)."""
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fc') / 'hall.db'}"
        engine = make_engine(url)
    else:
        url = SERVER_URLS[backend]
        engine = server_engine(backend)
        empty_database(engine)
    try:
        counts = synthetic_hall(engine)
    finally:
        engine.dispose()
    yield url, counts


@pytest.fixture
def engine(hall_db: tuple[str, dict[str, int]]) -> Iterator[Engine]:
    engine = make_engine(hall_db[0])
    yield engine
    engine.dispose()


# --- pure pieces ----------------------------------------------------------------------------


def test_day_features_labour_day_2026() -> None:
    """Labour Day 2026: off 05-01..05-05, 调休 Saturday 05-09 with Monday's hours."""
    hours = pl.DataFrame(
        [
            (HALL, w, dt.time.fromisoformat(a), dt.time.fromisoformat(b), k, None, None)
            for w, a, b, k in HOURS
        ],
        schema=fq_hours_schema(),
        orient="row",
    )
    cal = china_calendar(dt.date(2026, 4, 1), dt.date(2026, 5, 31))
    f = day_features(cal, hours, HALL, dt.date(2026, 4, 27), dt.date(2026, 5, 12))
    by = {r["date"].isoformat()[5:]: r for r in f.iter_rows(named=True)}
    assert [d for d, r in by.items() if not r["open"]] == [
        "05-01", "05-02", "05-03", "05-04", "05-05", "05-10",
    ]  # fmt: skip
    assert [d for d, r in by.items() if r["pre_holiday"]] == ["04-29", "04-30"]
    assert [d for d, r in by.items() if r["first_after"]] == ["05-06"]
    assert [d for d, r in by.items() if r["post_holiday"]] == ["05-06", "05-07", "05-08"]
    assert by["05-06"]["day_type"] == "after_holiday"
    assert (by["05-09"]["makeup_workday"], by["05-09"]["weekday"]) == (1.0, 1)
    assert by["05-09"]["day_type"] == "weekday"
    assert by["05-10"]["day_type"] == "closed"  # a plain Sunday without hours
    assert by["05-02"]["holiday_open"] == 0.0


def fq_hours_schema() -> dict[str, pl.DataType]:
    return {
        "hall_id": pl.String,
        "weekday": pl.Int32,
        "start": pl.Time,
        "end": pl.Time,
        "kind": pl.String,
        "valid_from": pl.Date,
        "valid_to": pl.Date,
    }


def test_day_features_needs_the_calendar() -> None:
    cal = china_calendar(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    hours = pl.DataFrame(schema=fq_hours_schema())
    with pytest.raises(ValueError, match="calendar table has no row for 2026-05-01"):
        day_features(cal, hours, HALL, dt.date(2026, 4, 20), dt.date(2026, 5, 3))


@pytest.mark.parametrize(
    ("tickets", "abandoned", "wait_min", "called", "expected"),
    [
        (1000, 50, 4000.0, 980, (4000 + 20 * 4000 / 980) / 50),
        (1000, 5, 4000.0, 995, None),  # too few walk-outs to tell
        (0, 0, 0.0, 0, None),
    ],
)
def test_estimate_patience(tickets, abandoned, wait_min, called, expected) -> None:
    got = estimate_patience(tickets, abandoned, wait_min, called)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_shrinkage_from_attendance() -> None:
    """Two 8-hour shifts, one 30 min late, one on leave; 10% breaks on top."""
    t = dt.datetime(2026, 5, 4, 9, 0)
    shifts = pl.DataFrame(
        {
            "scheduled_start": [t, t],
            "scheduled_end": [t + dt.timedelta(hours=8)] * 2,
            "clock_in": [t + dt.timedelta(minutes=30), None],
            "clock_out": [t + dt.timedelta(hours=9), None],
            "leave": [None, "sick"],
        }
    )
    absence = 1 - 7.5 / 16
    assert shrinkage_from_attendance(shifts) == pytest.approx(absence)
    assert shrinkage_from_attendance(shifts, 0.1) == pytest.approx(1 - (1 - absence) * 0.9)


def test_roster_scheduled_and_typical() -> None:
    days = [dt.date(2026, 5, 4) + dt.timedelta(days=7 * k) for k in range(3)]  # Mondays
    shifts = pl.DataFrame(
        [
            (
                "S1",
                day,
                "regular",
                dt.datetime.combine(day, dt.time(9)),
                dt.datetime.combine(day, dt.time(12, 15)),
                None,
                None,
                f"W{i}",
                None,
                "dedicated",
            )
            for day in days[:2]
            for i in range(1, 3 + (day == days[1]))
        ],
        schema=fq.ATTENDANCE_SCHEMA,
        orient="row",
    )
    features = pl.DataFrame({"date": days, "day_type": ["weekday"] * 3, "weekday": [1] * 3})
    slots = pl.DataFrame(
        {"date": [days[1], days[1], days[2], days[2]], "slot": [18, 24, 18, 24]},
        schema={"date": pl.Date, "slot": pl.Int32},
    )
    roster = roster_by_slot(shifts, slots, features)
    assert roster.rows() == [
        (days[1], 18, 3, "scheduled"),
        (days[1], 24, 0, "scheduled"),  # 12:00–12:30 has only 15 minutes of the shifts
        (days[2], 18, 2, "typical"),  # median of 2 and 3 windows, rounded to even
        (days[2], 24, 0, "typical"),
    ]


# --- on three databases ---------------------------------------------------------------------


def test_queries_count_what_was_written(hall_db, engine: Engine) -> None:
    _, counts = hall_db
    with engine.connect() as conn:
        daily = fq.daily_arrivals(conn, FIRST, LAST, HALL, scope=ALL)
        slots = fq.slot_arrivals(conn, FIRST, LAST, HALL, scope=ALL)
        by_queue = fq.daily_arrivals(conn, FIRST, LAST, HALL, by_queue=True, scope=ALL)
        first, last = fq.ticket_span(conn, scope=ALL)
        service = fq.service_minutes(conn, HALL, FIRST, LAST, scope=ALL)
        exposure = fq.patience_exposure(conn, HALL, FIRST, LAST, scope=ALL)
    assert {d.isoformat(): n for d, n in daily.select("date", "arrivals").iter_rows()} == {
        d: n for d, n in counts.items() if n
    }
    assert slots["arrivals"].sum() == sum(counts.values())
    assert slots["slot"].min() >= 18 and slots["slot"].max() <= 39  # 09:00–20:00
    assert by_queue["arrivals"].sum() == sum(counts.values())
    assert first.date() == FIRST and last.date() == LAST
    assert 7 < service["service_min"].mean() < 10  # exponential 8 min + 0.5
    assert exposure["tickets"] == sum(counts.values())
    assert exposure["called"] == exposure["tickets"]
    assert 0.02 < exposure["abandoned"] / exposure["tickets"] < 0.06
    assert exposure["wait_min"] / exposure["called"] == pytest.approx(5, rel=0.1)


def test_forecast_cli(hall_db, capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = hall_db
    assert main(["forecast", "--db", url, "--hall", HALL, "--horizon", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    daily = pl.DataFrame(out["daily"]).with_columns(pl.col("date").str.to_date())
    assert daily["date"].to_list() == [
        LAST + dt.timedelta(days=k) for k in range(1, 11)
    ]  # starts the day after the last ticket
    assert set(daily.columns) == {"hall_id", "date", "yhat", "yhat_lower", "yhat_upper"}
    assert (daily["yhat_lower"] <= daily["yhat"]).all()
    assert (daily["yhat"] <= daily["yhat_upper"]).all()
    assert (daily["yhat_lower"] >= 0).all()
    by_day = {d.isoweekday(): y for d, y in daily.select("date", "yhat").iter_rows()}
    assert by_day[7] == 0  # closed on Sundays
    assert by_day[6] == pytest.approx(SATURDAY_MEAN, rel=0.35)
    assert by_day[3] == pytest.approx(WEEKDAY_MEAN, rel=0.2)
    intraday = pl.DataFrame(out["intraday"]).with_columns(
        pl.col("start").str.to_datetime("%Y-%m-%d %H:%M:%S")
    )
    assert set(intraday.columns) == {"hall_id", "start", "yhat", "yhat_lower", "yhat_upper"}
    assert intraday["start"].dt.hour().min() == 9 and intraday["start"].dt.hour().max() == 19
    sat = intraday.filter(pl.col("start").dt.weekday() == 6)
    assert sat["start"].dt.hour().max() == 11  # Saturday mornings only
    per_day = intraday.group_by(pl.col("start").dt.date().alias("date")).agg(pl.col("yhat").sum())
    joined = per_day.join(daily, on="date")
    assert joined["yhat"].to_list() == pytest.approx(joined["yhat_right"].to_list(), abs=0.5)
    assert out["warnings"] == []


def test_hourly_forecast_of_a_day_from_the_days_before(hall_db, engine: Engine) -> None:
    """The big screen's line: a day inside the data forecast from the history before it."""
    from forecasting.service import hourly_forecast

    wednesday = LAST - dt.timedelta(days=2)
    with engine.connect() as conn:
        hours = hourly_forecast(conn, HALL, wednesday, scope=ALL)
    assert hours["hour"].to_list() == list(range(9, 20))  # 09:00–20:00 open, by hour
    assert (hours["yhat_lower"] <= hours["yhat"]).all()
    assert (hours["yhat"] <= hours["yhat_upper"]).all()
    assert hours["yhat"].sum() == pytest.approx(WEEKDAY_MEAN, rel=0.2)


def test_staffing_cli(hall_db, capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = hall_db
    args = ["staffing", "--db", url, "--from", "2026-05-16", "--to", "2026-05-19", "--json"]
    assert main(args) == 0
    rows = pl.DataFrame(json.loads(capsys.readouterr().out))
    required = {
        "hall_id", "start", "arrivals", "windows_needed", "windows_rostered", "service_level",
        "expected_wait_min", "sim_service_level",
    }  # fmt: skip
    assert required <= set(rows.columns)
    rows = rows.with_columns(pl.col("start").str.to_datetime("%Y-%m-%d %H:%M:%S"))
    days = rows.group_by(pl.col("start").dt.date().alias("d")).agg(
        pl.col("roster_source").first(), pl.len()
    )
    by_day = {d: (src, n) for d, src, n in days.iter_rows()}
    assert by_day[dt.date(2026, 5, 16)] == ("typical", 6)  # Saturday 9–12
    assert by_day[dt.date(2026, 5, 18)] == ("scheduled", 22)  # Monday 9–20, shifts on file
    assert by_day[dt.date(2026, 5, 19)] == ("typical", 22)
    assert dt.date(2026, 5, 17) not in by_day  # closed on Sunday
    monday = rows.filter(pl.col("start").dt.date() == dt.date(2026, 5, 18))
    rostered = dict(zip(monday["start"].dt.hour(), monday["windows_rostered"], strict=True))
    assert (rostered[10], rostered[19]) == (5, 2)
    assert (rows["windows_needed"] >= 1).all()
    assert rows["service_level"].min() >= 0.8  # the target, at the expected arrivals
    assert rows["sim_service_level"].drop_nulls().is_between(0, 1).all()
    assert set(rows["flag"].unique()) <= {"under", "over", "ok"}


def test_staffing_refuses_the_past(hall_db, capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = hall_db
    assert main(["staffing", "--db", url, "--from", "2026-05-10", "--to", "2026-05-20"]) == 1
    assert "start at 2026-05-16 or later" in capsys.readouterr().err


def test_backtest_cli(hall_db, capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = hall_db
    args = ["forecast", "--db", url, "backtest", "--hall", HALL, "--origins", "2", "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)[HALL]
    assert len(result["origins"]) == 2 and len(result["fit_seconds"]) == 2
    assert len(result["chosen_at_origins"]) == 2
    scores = {(r["level"], r["method"]): r for r in result["daily"] + result["hourly"]}
    assert {("daily", m) for m in ("auto", "prophet", "ets", "naive_week", "mean_4weeks")} <= set(
        scores
    )
    assert {("hourly", m) for m in ("auto", "naive_week", "mean_4weeks")} <= set(scores)
    # Poisson noise around a weekly pattern: the forecast as made beats last week's copy
    assert scores["daily", "auto"]["mase"] < scores["daily", "naive_week"]["mase"]
    assert scores["hourly", "auto"]["mase"] < scores["hourly", "naive_week"]["mase"]
    assert 0.5 <= scores["daily", "auto"]["coverage_80"] <= 1
    choice = result["choice"]
    assert choice["method"] in ("prophet", "ets", "ensemble", "mean_4weeks", "naive_week")
    assert choice["runner_up"] and choice["runner_up"] != choice["method"]
    ranked = [r["method"] for r in choice["scores"]]
    assert ranked[:2] == [choice["method"], choice["runner_up"]]
    assert choice["scores"][0]["relative_mae"] <= 1.0  # never worse than the baseline
    assert main(["forecast", "--db", url, "backtest", "--hall", HALL, "--origins", "1"]) == 0
    out = capsys.readouterr().out
    assert "chosen:" in out and "runner-up:" in out and "选用" in out


# --- without a database ---------------------------------------------------------------------


def test_staffing_calc_cli(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["staffing", "calc", "--arrivals-per-hour", "200", "--service-min", "3"]
    assert main([*base, "--windows", "14", "--target-min", str(20 / 60), "--json"]) == 0
    c = json.loads(capsys.readouterr().out)
    assert (round(c["p_wait"], 3), round(c["service_level"], 3), c["p_abandon"]) == (
        0.174,
        0.888,
        0.0,
    )
    args = [*base, "--windows", "14", "--target-min", str(20 / 60), "--patience-min", "5"]
    assert main([*args, "--json"]) == 0
    a = json.loads(capsys.readouterr().out)
    assert (round(a["p_abandon"], 4), round(a["service_level"], 3)) == (0.014, 0.917)
    assert main([*base, "--windows", "9", "--target-min", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["asa_min"] is None  # unstable: infinite wait
    assert main(args) == 0
    assert "Erlang A" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["forecast", "--db", "sqlite://"], "--horizon DAYS is required"),
        (["forecast", "--horizon", "3", "--queue", "Q"], "--queue needs --hall"),
        (["staffing", "--db", "sqlite://"], "--from DATE and --to DATE are required"),
    ],
)
def test_cli_messages(argv, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_cli_rejects_bad_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["staffing", "calc", "--arrivals-per-hour", "-5", "--service-min", "3",
              "--windows", "3", "--target-min", "1"])  # fmt: skip
    assert "must be a number ≥ 0" in capsys.readouterr().err


def test_forecast_of_an_empty_database(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    init_schema(make_engine(url))
    assert main(["forecast", "--db", url, "--horizon", "7"]) == 1
    assert "no tickets yet" in capsys.readouterr().err


def test_bank_series_backtest() -> None:
    """The real call-centre series: the forecast as made beats both baselines, daily and
    hourly, and the model chosen on the whole series beats the same weekday last week."""
    if not BANK.exists():
        pytest.skip(f"bank series not found at {BANK} (set HALL_BANK_CALLS)")  # data, not a peer
    frame = pl.read_csv(BANK, try_parse_dates=True).rename(
        {"interval_start": "start", "calls": "count"}
    )
    daily, slots, features, hours = counts_series(frame, "BANK")
    assert daily.height == 164 and daily["arrivals"].sum() == frame["count"].sum()
    result = backtest(daily, slots, features, hours, "BANK", origins=2, horizon=14)
    scores = {(r["level"], r["method"]): r for r in result.daily.vstack(result.hourly).to_dicts()}
    for level in ("daily", "hourly"):
        assert scores[level, "auto"]["mae"] < scores[level, "naive_week"]["mae"]
        assert scores[level, "auto"]["points"] == scores[level, "naive_week"]["points"]
    # every day with data after the first origin is scored once
    assert (
        scores["daily", "auto"]["points"] == daily.filter(pl.col("date") > result.origins[0]).height
    )
    assert result.choice is not None and result.choice.method != "naive_week"
    assert result.choice.relative() < 1.0


def test_hourly_backtest_scores_the_quiet_hours() -> None:
    """An open hour in which nobody came is scored as 0 arrivals (a small hall has many):
    scoring only the hours with arrivals flattered the hourly error and coverage."""
    rng = np.random.default_rng(5)
    rows = []
    for day in range(56):
        date = dt.date(2026, 3, 2) + dt.timedelta(days=day)
        if date.isoweekday() > 5:
            continue
        for slot in range(18, 34):  # 09:00–17:00; nobody comes between 12:00 and 13:00
            start = dt.datetime.combine(date, dt.time(slot // 2, 30 * (slot % 2)))
            rows.append((start, 0 if slot in (24, 25) else int(rng.poisson(3))))
    frame = pl.DataFrame(rows, schema=["start", "count"], orient="row")
    daily, slots, features, hours = counts_series(frame.filter(pl.col("count") > 0), "SMALL")
    result = backtest(daily, slots, features, hours, "SMALL", origins=2, horizon=14)
    scored_days = daily.filter(pl.col("date") > result.origins[0]).height
    hourly = {r["method"]: r for r in result.hourly.to_dicts()}
    assert hourly["auto"]["points"] == scored_days * 8  # the empty noon hour included
    assert hourly["naive_week"]["points"] == hourly["auto"]["points"]


def test_short_history_keeps_the_baseline() -> None:
    """Three weeks of history: no model may compete; the forecast is the baseline and says
    why. Six weeks with a closed week in the middle (a gap): never worse than the baseline on
    its own backtest."""
    from forecasting.select import choose, forecast_series

    rng = np.random.default_rng(5)
    days = [dt.date(2026, 3, 2) + dt.timedelta(days=k) for k in range(70)]
    rows = [
        {
            "date": d,
            "weekday": d.isoweekday(),
            "makeup_workday": 0.0,
            "y": float(rng.poisson(150 if d.isoweekday() == 1 else 100)),
        }
        for d in days
        if d.isoweekday() <= 5
    ]
    frame = pl.DataFrame(rows)
    short = frame.head(15)
    future = frame.slice(15, 5).drop("y")
    pred, choice, _ = forecast_series(short, future)
    assert choice.method in ("naive_week", "mean_4weeks") and choice.reason == "short_history"
    assert "too short" in choice.summary("en") and "不足以" in choice.summary("zh")
    assert pred["yhat"].to_list() == pytest.approx(
        short.filter(pl.col("date") >= short["date"].max() - dt.timedelta(days=6))
        .sort("date")["y"]
        .to_list()
    )  # the same weekday a week before (Monday … Friday)
    assert (pred["yhat_lower"] <= pred["yhat"]).all() and (pred["yhat"] <= pred["yhat_upper"]).all()
    gappy = frame.filter(
        ~pl.col("date").is_between(dt.date(2026, 3, 23), dt.date(2026, 3, 29))
    ).head(30)
    choice, _ = choose(gappy)
    assert choice.relative() <= 1.0
    assert choice.scores["relative_mae"].min() == choice.relative()


def test_calendar_frame_round_trip(hall_db, engine: Engine) -> None:
    """The features come out the same from the table as from the package."""
    with engine.connect() as conn:
        cal = calendar_frame(conn)
        hours = service_hours_frame(conn)
    from_db = day_features(cal, hours, HALL, FIRST, LAST)
    direct = day_features(
        china_calendar(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        hours,
        HALL,
        FIRST,
        LAST,
    )
    assert from_db.equals(direct)


def test_horizon_past_the_calendar_and_past_the_announced_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without calendar rows for the horizon: a clear refusal. With rows for a year not yet
    announced: a forecast and a warning in both languages."""
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    synthetic_hall(engine)
    args = ["forecast", "--db", url, "--hall", HALL, "--horizon", "240", "--json"]
    assert main(args) == 1
    assert "calendar table has no row for 2027-01-01" in capsys.readouterr().err
    with engine.begin() as conn:
        ensure_calendar(conn, dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    engine.dispose()
    assert main(args) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    if last_announced_year() >= 2027:
        pytest.skip("2027 is announced in this version of the holidays package")
    assert out["warnings"] and "2027" in out["warnings"][0]
    assert "2027 年的节假日和调休安排尚未发布" in captured.err
    assert out["daily"][-1]["date"] == "2027-01-10"


def test_slots_over_capacity() -> None:
    """A half-hour is over capacity when some group needs more windows than it has, whatever
    the hall's total; the shortfalls are listed per group."""
    from forecasting.service import StaffingRun

    start = dt.datetime(2026, 5, 18, 9)
    plan = pl.DataFrame({"windows_needed": [3, 8, 9, 12], "groups_short": [0, 1, 0, 2]})
    groups = pl.DataFrame(
        {
            "group": ["A", "B", "A", "B"],
            "group_name": ["甲", "乙", "甲", "乙"],
            "windows_in_group": [4, 2, 4, 2],
            "start": [start, start, start + dt.timedelta(minutes=30), start],
            "windows_wanted": [3, 4, 5, 3],
            "short": [False, True, True, True],
        }
    )
    run = StaffingRun(plan, None, None, 0.0, windows_in_hall=40, groups=groups)  # type: ignore[arg-type]
    assert run.slots_over_capacity == 2
    short = {r["group"]: r for r in run.shortfalls.to_dicts()}
    assert short["B"]["half_hours"] == 2 and short["B"]["most_wanted"] == 4
    assert short["A"]["half_hours"] == 1 and short["A"]["first"] == start + dt.timedelta(minutes=30)
    bare = pl.DataFrame({"windows_needed": [3, 12]})
    assert StaffingRun(bare, None, None, 0.0).slots_over_capacity == 0  # type: ignore[arg-type]


def test_intervals_widen_when_recent_days_are_noisier() -> None:
    """Calm history, then four noisy weeks: the calibrated interval is wider, never narrower,
    and the point forecast is the same."""
    from forecasting.demand import REGRESSORS, ProphetOptions, forecast_demand

    rng = np.random.default_rng(3)
    days = [dt.date(2026, 1, 5) + dt.timedelta(days=k) for k in range(120)]
    open_days = [d for d in days if d.isoweekday() <= 5]
    noise = [30 if i >= len(open_days) - 20 else 3 for i in range(len(open_days))]
    history = pl.DataFrame(
        {
            "hall_id": HALL,
            "date": open_days,
            "arrivals": [max(0, int(100 + rng.normal(0, s))) for s in noise],
        }
    )
    features = pl.DataFrame(
        {"date": days, "open": [d.isoweekday() <= 5 for d in days]}
        | {r: [float(r == f"service_weekday_{d.isoweekday()}") for d in days] for r in REGRESSORS}
    )
    first, last = days[-14], days[-1]
    history = history.filter(pl.col("date") < first)
    plain = forecast_demand(
        history, {HALL: features}, first, last, ProphetOptions(calibrate_days=0), "prophet"
    )
    wide = forecast_demand(history, {HALL: features}, first, last, ProphetOptions(), "prophet")
    assert wide["yhat"].to_list() == pytest.approx(plain["yhat"].to_list())
    width = (wide["yhat_upper"] - wide["yhat_lower"]).filter(wide["open"])
    plain_width = (plain["yhat_upper"] - plain["yhat_lower"]).filter(plain["open"])
    assert (width >= plain_width - 1e-9).all()
    assert width.mean() > 1.5 * plain_width.mean()


def test_the_choice_is_kept_for_the_same_history(hall_db, engine: Engine) -> None:
    """The first forecast runs the backtest and stores its choice (unless one from the week
    before is there); the next one from the same history reads it back (no backtest) and
    forecasts the same."""
    import sqlalchemy as sa

    from forecasting import select
    from forecasting.service import forecast_hall

    with engine.connect() as conn:
        first = forecast_hall(conn, HALL, 7, scope=ALL)
    with engine.connect() as conn:  # a new snapshot (MariaDB's repeatable read)
        stored = conn.execute(
            sa.select(s.forecast_choices.c.series, s.forecast_choices.c.history_last).where(
                s.forecast_choices.c.hall_id == HALL
            )
        ).all()
    # made on this history, or on one at most a week shorter (the big screen's, from history
    # to an earlier day, when a test forecast that first): reused for a week
    assert any(
        series == "*" and LAST - dt.timedelta(days=7) < last <= LAST for series, last in stored
    )
    calls = []
    original = select.choose
    select.choose = lambda *a, **k: calls.append(1) or original(*a, **k)
    try:
        with engine.connect() as conn:
            again = forecast_hall(conn, HALL, 7, scope=ALL)
    finally:
        select.choose = original
    assert calls == []  # read back, not chosen again
    assert again.choice.method == first.choice.method
    assert np.ravel(again.choice.interval).tolist() == pytest.approx(
        np.ravel(first.choice.interval).tolist()
    )
    assert again.daily["yhat"].to_list() == pytest.approx(first.daily["yhat"].to_list(), rel=1e-6)
    assert again.daily["yhat_upper"].to_list() == pytest.approx(
        first.daily["yhat_upper"].to_list(), rel=1e-6
    )


def test_a_new_choice_version_chooses_again(hall_db, engine: Engine, monkeypatch) -> None:
    """A choice stored under another `CHOICE_VERSION` (other candidates, another backtest) is
    not reused: the forecast chooses again, stores the new one and reads it back next time."""
    import sqlalchemy as sa

    from forecasting import select, service

    with engine.connect() as conn:
        service.forecast_hall(conn, HALL, 7, scope=ALL)
    monkeypatch.setattr(service, "CHOICE_VERSION", "select-test")
    calls = []
    original = select.choose
    monkeypatch.setattr(select, "choose", lambda *a, **k: calls.append(1) or original(*a, **k))
    with engine.connect() as conn:
        again = service.forecast_hall(conn, HALL, 7, scope=ALL)
    assert calls  # chosen again: the stored choice was made by another version
    assert again.choice is not None and again.choice.interval is not None
    with engine.connect() as conn:
        prints = conn.execute(
            sa.select(s.forecast_choices.c.fingerprint).where(
                s.forecast_choices.c.hall_id == HALL, s.forecast_choices.c.series == "*"
            )
        ).scalars()
        versions = {p.split(":")[0] for p in prints}
    assert "select-test" in versions
    with engine.connect() as conn:  # and the new version's choice is read back next time
        calls.clear()
        service.forecast_hall(conn, HALL, 7, scope=ALL)
    assert calls == []


def test_a_choice_is_reused_for_a_week_of_later_histories(
    hall_db, engine: Engine, monkeypatch
) -> None:
    """The model is chosen once a week, not each day: a forecast from a history a few days
    longer reads the choice back (no backtest); a choice older than a week, one made on a
    later history (it would know the future), one of other candidates, or one whose history
    has changed since is not reused."""
    from forecasting import select, service

    def until(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(23, 59, 59))

    calls = []
    original = select.choose
    monkeypatch.setattr(select, "choose", lambda *a, **k: calls.append(1) or original(*a, **k))
    base = LAST - dt.timedelta(days=40)  # no other test forecasts from these histories
    with engine.connect() as conn:
        first = service.forecast_hall(conn, HALL, 7, history_until=until(base), scope=ALL)
    assert calls == [1] and first.choice is not None
    with engine.connect() as conn:
        later = service.forecast_hall(
            conn, HALL, 7, history_until=until(base + dt.timedelta(days=3)), scope=ALL
        )
    assert calls == [1]  # read back
    assert later.choice.method == first.choice.method
    assert later.last_ticket.date() == base + dt.timedelta(days=3)  # fitted on the longer history

    print_ = f"{service.CHOICE_VERSION}:1:2:0.05:additive:False"
    with engine.connect() as conn:
        service.store_choice(conn, HALL, "reuse-test", base, print_, first.choice)
    with engine.connect() as conn:

        def load(day: dt.date, fingerprint: str = print_):
            return service.load_choice(conn, HALL, "reuse-test", day, fingerprint)

        assert load(base + dt.timedelta(days=6)).method == first.choice.method
        assert load(base + dt.timedelta(days=7)) is None  # a week old: choose again
        assert load(base - dt.timedelta(days=1)) is None  # made on a later history
        other = f"{service.CHOICE_VERSION}:1:2:0.5:additive:False"
        assert load(base + dt.timedelta(days=1), other) is None  # other options
        assert load(base, f"{service.CHOICE_VERSION}:1:3:0.05:additive:False") is None
        assert load(base).method == first.choice.method


def test_staff_hours_against_service_level() -> None:
    """Two evening half-hours of 30 visitors, 10-minute service: every window more costs
    staff-hours and buys service level; the roster's point sits on the same scale."""
    from forecasting.staffing import HallQueueing, StaffingPolicy, tradeoff

    plan = pl.DataFrame(
        {
            "kind": ["extended", "extended", "regular"],
            "arrivals": [30.0, 30.0, 80.0],
            "windows_needed": [14, 14, 30],
            "windows_rostered": [12, 16, 30],
        }
    )
    queueing = HallQueueing(np.array([10.0]), None, 0.0)
    options = tradeoff(plan, queueing, StaffingPolicy(), deltas=(-4, 0, 1))
    rows = {r["delta"]: r for r in options.filter(pl.col("option") == "plan").to_dicts()}
    assert [rows[d]["staff_hours"] for d in (-4, 0, 1)] == [10.0, 14.0, 15.0]
    assert rows[-4]["service_level"] < rows[0]["service_level"] <= rows[1]["service_level"]
    roster = options.filter(pl.col("option") == "roster").row(0, named=True)
    assert roster["staff_hours"] == 14.0
    assert 0 < roster["service_level"] <= 1


def test_hourly_band_adds_the_days_error_and_the_half_hours_own() -> None:
    """Two half-hours of one hour: the day's error they share adds up (3 + 4), their own
    errors add in quadrature (2, 2): σ = √(7² + 2² + 2²). Summing the half-hours' 80% bounds
    instead (as the screen once did) gives a band wider than that; the bound stays ≥ 0."""
    from forecasting.demand import Z80, hourly_totals

    start = dt.datetime(2026, 11, 25, 10)
    halves = pl.DataFrame(
        {
            "start": [start, start + dt.timedelta(minutes=30), start + dt.timedelta(hours=1)],
            "yhat": [20.0, 30.0, 1.0],
            "sigma_day": [3.0, 4.0, 0.5],
            "sigma_share": [2.0, 2.0, 1.0],
        }
    )
    hours = hourly_totals(halves)
    assert hours["start"].to_list() == [start, start + dt.timedelta(hours=1)]
    sigma = (7.0**2 + 2.0**2 + 2.0**2) ** 0.5
    first = hours.row(0, named=True)
    assert first["yhat"] == 50.0
    assert first["yhat_lower"] == pytest.approx(50.0 - Z80 * sigma)
    assert first["yhat_upper"] == pytest.approx(50.0 + Z80 * sigma)
    summed = Z80 * ((3**2 + 2**2) ** 0.5 + (4**2 + 2**2) ** 0.5)  # the halves' bounds summed
    assert first["yhat_upper"] - first["yhat"] < summed
    assert hours.row(1, named=True)["yhat_lower"] == 0.0  # 1 − 1.28·1.1 clipped at 0
