"""The simulated hall behaves like a hall: shape of demand, queues against the roster, live state.

One five-week sample (March 2026, no public holiday inside) is generated once for the module;
tests about particular days run the hall-day simulator directly.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from queries import schema
from simulation.demo import (
    DemoCalendar,
    DemoOptions,
    HallDaySimulator,
    build_network,
    generate,
)

SEED = 7
MARCH = DemoOptions(end=dt.date(2026, 3, 31), days=35, seed=SEED)


def _collect(options: DemoOptions) -> dict[str, pl.DataFrame]:
    parts = list(generate(options))
    return {
        "tickets": pl.concat([p.tickets for p in parts]),
        "cases": pl.concat([p.cases for p in parts]),
        "evaluations": pl.concat([p.evaluations for p in parts]),
        "attendance": pl.concat([p.attendance for p in parts]),
    }


@pytest.fixture(scope="module")
def march() -> dict[str, pl.DataFrame]:
    return _collect(MARCH)


@pytest.fixture(scope="module")
def network():
    return build_network(SEED)


def _with_wait(tickets: pl.DataFrame) -> pl.DataFrame:
    start = pl.max_horizontal(
        "issued_at", pl.col("appointment_start").fill_null(pl.col("issued_at"))
    )
    return tickets.with_columns(wait_min=(pl.col("called_at") - start).dt.total_seconds() / 60)


def _day(network, day: dt.date, hall: str = "H01", staffing: float = 1.0):
    calendar = DemoCalendar(day, day)
    hall_rt = next(h for h in network.halls if h.spec.hall_id == hall)
    return HallDaySimulator(network, calendar, staffing).run(hall_rt, day)


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_same_data_and_days_do_not_depend_on_the_range(march):
    day = dt.date(2026, 3, 3)
    alone = _collect(DemoOptions(end=day, days=1, seed=SEED))
    again = _collect(DemoOptions(end=day, days=1, seed=SEED))
    for name in alone:
        assert_frame_equal(alone[name], again[name])
    # the same day inside a five-week run: identical tickets and attendance
    in_range = march["tickets"].filter(pl.col("issued_at").dt.date() == day)
    assert in_range.height > 1000
    assert_frame_equal(alone["tickets"], in_range)
    assert_frame_equal(alone["attendance"], march["attendance"].filter(pl.col("work_date") == day))


def test_another_seed_gives_other_data(network):
    day = dt.date(2026, 3, 3)
    a = _day(network, day).tickets
    b = _day(build_network(SEED + 1), day).tickets
    assert a.height != b.height or not a["issued_at"].equals(b["issued_at"])


# --- the shape of demand ---------------------------------------------------------------------


def test_hourly_arrivals_have_morning_peak_lunch_dip_afternoon_peak_quiet_evening(march):
    weekday = march["tickets"].filter(
        (pl.col("hall_id") == "H01") & (pl.col("issued_at").dt.weekday() <= 5)
    )
    per_hour = dict(weekday.group_by(pl.col("issued_at").dt.hour().alias("h")).len().iter_rows())
    assert max(per_hour, key=per_hour.get) == 10  # morning peak 9:30–11:00
    assert per_hour[12] < 0.35 * per_hour[10]  # lunch dip
    assert per_hour[15] > 1.5 * per_hour[13]  # afternoon peak
    assert per_hour[15] > per_hour[17]
    assert per_hour[18] < 0.3 * per_hour[10] and per_hour[19] < per_hour[18]  # quieter evenings
    assert set(per_hour) <= set(range(9, 20))  # tickets only in service hours


def test_monday_is_the_busiest_weekday_and_weekends_are_quieter(march):
    daily = (
        march["tickets"]
        .filter(pl.col("hall_id") == "H01")
        .group_by(pl.col("issued_at").dt.date().alias("d"))
        .len()
        .with_columns(wd=pl.col("d").dt.weekday())
        .group_by("wd")
        .agg(pl.col("len").mean())
    )
    mean = dict(daily.iter_rows())
    assert max(mean, key=mean.get) == 1
    assert mean[1] > 1.1 * mean[3]
    assert mean[6] < 0.5 * mean[3] and mean[7] < mean[6]


def test_social_security_queue_surges_at_month_start(march):
    b = march["tickets"].filter(
        (pl.col("queue_id") == "H01-B") & (pl.col("issued_at").dt.weekday() <= 5)
    )
    daily = b.group_by(pl.col("issued_at").dt.date().alias("d")).len()
    early = daily.filter(pl.col("d").dt.day() <= 5)["len"].mean()
    later = daily.filter(pl.col("d").dt.day() > 5)["len"].mean()
    assert early > 1.2 * later


def test_closed_on_holidays_open_on_make_up_saturday_surge_after_the_break(network):
    golden_week = [dt.date(2026, 10, d) for d in range(1, 8)]
    calendar = DemoCalendar(dt.date(2026, 9, 20), dt.date(2026, 10, 31))
    sim = HallDaySimulator(network, calendar)
    h01 = network.halls[0]
    assert all(sim.run(h01, d).tickets.height == 0 for d in golden_week)
    makeup = sim.run(h01, dt.date(2026, 10, 10)).tickets  # 调休 Saturday: a working day
    assert makeup.height > 800
    assert makeup["issued_at"].dt.hour().max() >= 18  # weekday hours, evening service included
    back = sim.run(h01, dt.date(2026, 10, 8)).tickets.height  # first working day after the break
    thursdays = [sim.run(h01, dt.date(2026, 10, d)).tickets.height for d in (15, 22, 29)]
    assert back > 1.25 * (sum(thursdays) / len(thursdays))


# --- queues against the roster -----------------------------------------------------------------


def test_cutting_the_roster_lengthens_waits(network):
    day = dt.date(2026, 3, 3)
    full = _day(network, day)
    cut = _day(network, day, staffing=0.7)
    waits = {}
    for name, facts in (("full", full), ("cut", cut)):
        served = _with_wait(facts.tickets.filter(pl.col("status") == "served"))
        waits[name] = served["wait_min"].mean()
    rostered = {
        name: facts.attendance.filter(pl.col("window_id").is_not_null())["window_id"].n_unique()
        for name, facts in (("full", full), ("cut", cut))
    }
    assert rostered["cut"] < rostered["full"]
    assert waits["cut"] > 1.5 * waits["full"]
    # the same visitors came: arrivals do not depend on the roster
    assert full.tickets.height == pytest.approx(cut.tickets.height, rel=0.02)


def test_a_window_serves_one_visitor_at_a_time_and_only_while_staffed(march):
    t = march["tickets"].filter(
        pl.col("status").is_in(["served", "transferred"])
        & pl.col("finished_at").is_not_null()
        & (pl.col("called_at") >= pl.col("issued_at"))
    )
    overlaps = (
        t.sort("window_id", "called_at")
        .with_columns(prev_end=pl.col("finished_at").shift(1).over("window_id"))
        .filter(pl.col("called_at") < pl.col("prev_end"))
    )
    assert overlaps.height == 0
    # the staff member serving was clocked in at that window that day
    att = march["attendance"].filter(pl.col("clock_in").is_not_null())
    joined = t.with_columns(work_date=pl.col("called_at").dt.date()).join(
        att.select("staff_id", "work_date", "window_id", "clock_in"),
        on=["staff_id", "work_date", "window_id"],
        how="left",
    )
    assert joined["clock_in"].null_count() == 0
    on_duty = joined.filter(pl.col("called_at") >= pl.col("clock_in"))["ticket_id"].n_unique()
    assert on_duty == t.height


def test_waits_are_realistic(march):
    served = _with_wait(
        march["tickets"].filter(
            (pl.col("status") == "served") & (pl.col("called_at") >= pl.col("issued_at"))
        )
    )
    h01 = served.filter(pl.col("hall_id") == "H01")
    assert 3 < h01["wait_min"].mean() < 20
    assert 10 < h01["wait_min"].quantile(0.9) < 45
    assert 0.8 < (h01["wait_min"] <= 20).mean() < 0.99


# --- the rest of the hall ----------------------------------------------------------------------


def test_ticket_mix(march):
    t = march["tickets"]
    share = t["source"].value_counts(normalize=True)
    share = dict(share.iter_rows())
    assert 0.08 < share["appointment"] < 0.25
    assert 0.01 < share["priority"] < 0.06
    status = dict(t["status"].value_counts(normalize=True).iter_rows())
    assert 0.005 < status["no_show"] < 0.08
    assert 0.0005 < status["cancelled"] < 0.03
    assert 0.001 < status["transferred"] < 0.02
    # deliberate data errors for the quality report: rare but present
    called_early = t.filter(pl.col("called_at") < pl.col("issued_at")).height
    assert 0 < called_early < t.height / 2000


def test_cases(march, network):
    c = march["cases"]
    channels = set(c["channel"].unique())
    assert channels == {"window", "online", "self_service", "proxy", "mail"}
    online_rate = (c["channel"] == "online").mean()
    assert 0.2 < online_rate < 0.6
    done = c.filter(pl.col("status") == "completed")
    on_time = (done["completed_at"] <= done["due_at"]).mean()
    assert 0.95 < on_time < 0.999  # mostly on time, some late
    asof = dt.datetime(2026, 3, 31, 23, 59, 59)
    overdue_open = c.filter((pl.col("status") == "in_progress") & (pl.col("due_at") < asof))
    assert overdue_open.height > 0
    assert c.filter(pl.col("tolerance"))["case_id"].n_unique() > 0
    assert (c["visits"] > 1).sum() > 0
    # window cases link back to served tickets, both ways; the ticket of a 一件事 package's
    # visit names one case of it, and the package's other cases name that ticket
    linked = c.filter(pl.col("ticket_id").is_not_null()).join(
        march["tickets"], on="ticket_id", how="left", suffix="_t"
    )
    apps = c.select(pl.col("case_id").alias("case_id_t"), pl.col("application_id").alias("app_t"))
    linked = linked.join(apps, on="case_id_t", how="left")
    same_case = linked["case_id"] == linked["case_id_t"]
    same_application = (linked["application_id"] == linked["app_t"]).fill_null(False)
    assert (same_case | same_application).all()
    assert 0 < (~same_case).sum() < 0.1 * linked.height
    # instant items are due the same day, promised ones after working days
    kinds = network.reference["items"].select("item_id", "kind")
    due = c.join(kinds, on="item_id").with_columns(
        days=(pl.col("due_at").dt.date() - pl.col("accepted_at").dt.date()).dt.total_days()
    )
    assert (due.filter(pl.col("kind") == "instant")["days"] == 0).all()
    assert (due.filter(pl.col("kind") == "promised")["days"] >= 1).all()


def test_evaluations(march):
    e = march["evaluations"]
    active = e.filter(~pl.col("is_default"))
    satisfaction = (active["rating"] >= 3).mean()
    assert 0.98 <= satisfaction <= 0.996
    assert e.filter(pl.col("is_default")).height > 0
    assert set(e["channel"].unique()) >= {"device", "sms", "qr", "app", "web"}
    bad = active.filter(pl.col("rating") <= 2)
    assert bad.height > 20
    assert bad["revisited_at"].is_not_null().mean() > 0.8
    assert bad["rectified_at"].is_not_null().mean() > 0.5
    assert (
        bad["revisited_at"].drop_nulls()
        > bad.filter(pl.col("revisited_at").is_not_null())["evaluated_at"]
    ).all()
    assert bad["comment"].is_not_null().all()
    # coverage: most served tickets are evaluated
    served = march["tickets"].filter(pl.col("status") == "served").height
    assert 0.7 < active["ticket_id"].drop_nulls().n_unique() / served < 0.95


def test_attendance(march):
    a = march["attendance"]
    assert set(a["shift_kind"].unique()) == {"regular", "extended", "weekend"}
    late = a.filter(pl.col("clock_in") > pl.col("scheduled_start") + pl.duration(minutes=5)).height
    assert 0.01 < late / a.height < 0.08
    assert a["leave"].drop_nulls().n_unique() >= 3
    absent = a.filter(pl.col("clock_in").is_null() & pl.col("leave").is_null()).height
    assert absent > 0
    # staff on leave have no punches
    on_leave = a.filter(pl.col("leave").is_not_null())
    assert on_leave["clock_in"].null_count() == on_leave.height


def test_facts_follow_the_contract(march, network):
    ref = network.reference
    for (table, column), codes in schema.ENUMS.items():
        frame = march.get(table, ref.get(table))
        values = set(frame[column].drop_nulls().unique())
        assert values <= set(codes), (table, column, values - set(codes))
    for table, key in (("tickets", "ticket_id"), ("cases", "case_id"), ("evaluations", "eval_id")):
        assert march[table][key].is_unique().all(), table
    assert march["attendance"].select("staff_id", "work_date", "shift_kind").is_unique().all()
    for table, column, ref_table, ref_column in (
        ("tickets", "queue_id", "queues", "queue_id"),
        ("tickets", "window_id", "windows", "window_id"),
        ("tickets", "staff_id", "staff", "staff_id"),
        ("cases", "item_id", "items", "item_id"),
        ("evaluations", "staff_id", "staff", "staff_id"),
        ("attendance", "window_id", "windows", "window_id"),
    ):
        unknown = set(march[table][column].drop_nulls()) - set(ref[ref_table][ref_column])
        assert not unknown, (table, column, sorted(unknown)[:3])
    assert ref["windows"].filter(pl.col("hall_id") == "H01").height == 40
    assert ref["departments"].height >= 10
    assert ref["items"].height >= 100


# --- the live state ------------------------------------------------------------------------------


def test_cut_at_now_shows_the_morning_live():
    now = dt.datetime(2026, 3, 3, 10, 30)
    facts = _collect(DemoOptions(end=dt.date(2026, 3, 3), days=1, seed=SEED, now=now))
    t = facts["tickets"]
    assert t["issued_at"].max() <= now
    assert t["called_at"].max() <= now and t["finished_at"].max() <= now
    status = dict(t["status"].value_counts().iter_rows())
    assert status.get("waiting", 0) > 0 and status.get("serving", 0) > 0
    waiting = t.filter(pl.col("status") == "waiting")
    assert (
        waiting.select("called_at", "window_id", "staff_id").null_count().row(0)
        == (waiting.height,) * 3
    )
    serving = t.filter(pl.col("status") == "serving")
    assert serving["finished_at"].null_count() == serving.height
    assert facts["evaluations"]["evaluated_at"].max() <= now
    assert facts["cases"]["accepted_at"].max() <= now
    assert facts["cases"]["completed_at"].drop_nulls().max() <= now
    a = facts["attendance"]
    assert a["clock_out"].drop_nulls().max() is None or a["clock_out"].drop_nulls().max() <= now
    assert a.filter(pl.col("clock_in").is_not_null()).height > 0


# --- written into each database ------------------------------------------------------------------


def test_write_demo_on_every_backend(engine):
    import sqlalchemy as sa

    from queries.db import get_meta
    from simulation.writer import DemoRefused, write_demo

    options = DemoOptions(
        end=dt.date(2026, 3, 3), days=1, seed=SEED, now=dt.datetime(2026, 3, 3, 11)
    )
    expected = _collect(options)
    summary = write_demo(engine, options)
    with engine.connect() as conn:
        for name, frame in expected.items():
            table = schema.metadata.tables[name]
            count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            assert count == frame.height == summary.rows[name], name
        waiting = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.tickets)
            .where(schema.tickets.c.status == "waiting")
        ).scalar_one()
        assert waiting == expected["tickets"].filter(pl.col("status") == "waiting").height > 0
        assert get_meta(conn)["demo_seed"] == str(SEED)
        # the calendar covers the deadlines after the last day
        last = conn.execute(sa.select(sa.func.max(schema.calendar.c.date))).scalar_one()
        assert last >= dt.date(2026, 9, 1)
    with pytest.raises(DemoRefused, match="--replace"):
        write_demo(engine, options)
    write_demo(engine, options, replace=True)
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(schema.tickets)).scalar_one()
    assert count == expected["tickets"].height
