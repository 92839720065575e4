"""The forward staffing plan with the review's calibrated model: window groups sized on their
own and never beyond their windows, Kaplan–Meier patience, and the plan's model checked
against what a hall did with its actual roster."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from test_forecast import HALL, LAST, hall_db  # noqa: F401  (the module's fixture)
from test_staffing_review import DAY, _day

from access.scope import Scope
from forecasting.calibration import Calibration, QueueGroup, calibrate, simulate_groups
from forecasting.plan import check_days, check_summary, plan_with_model
from forecasting.review import KaplanMeier
from forecasting.staffing import StaffingPolicy
from metrics.settings import load_settings
from queries import forecast_queries as fq
from queries.db import make_engine

ALL = Scope.everything()


def _model(groups: dict[tuple[str, ...], int], service: float = 6.0) -> Calibration:
    """A hand-made model: queue groups with their window counts, fixed service minutes,
    nobody giving up, every queue's calls taken by the first group serving it."""
    queues = sorted({q for key in groups for q in key})
    qgroups = tuple(
        QueueGroup(key, tuple(f"{'+'.join(key)}-{i}" for i in range(n)))
        for key, n in groups.items()
    )
    routing = {q: {next(g.key for g in qgroups if q in g.queues): 1.0} for q in queues}
    return Calibration(
        queues=tuple(queues),
        groups=qgroups,
        service={q: np.array([service]) for q in queues},
        patience=KaplanMeier(np.array([]), np.array([])),
        recall_min=1.5,
        cancel_share=0.5,
        routing=routing,
        queue_mix={},
        queue_shares={q: 1 / len(queues) for q in queues},
    )


def test_calibration_from_a_day() -> None:
    """Two A windows and one B window: two groups with their windows, each queue's calls taken
    by its own group, the handling minutes (6) as service, nobody giving up (no median)."""
    cal = calibrate(_day({"W1": "A", "W2": "A", "W3": "B"}))
    assert [(g.queues, g.windows) for g in cal.groups] == [
        (("A",), ("W1", "W2")),
        (("B",), ("W3",)),
    ]
    assert cal.routing == {"A": {"A": 1.0}, "B": {"B": 1.0}}
    assert cal.service_min == pytest.approx(6.0, abs=0.01)
    assert cal.patience_median_min is None and cal.erlang_patience_min is None
    assert cal.queue_shares["A"] == pytest.approx(40 / 44)


def test_dedicated_windows_do_not_help_another_queue() -> None:
    """The same windows serve queue B well when they are its own, and not at all when they
    belong to A's group: the simulation keeps a dedicated window to its queue."""
    cal = _model({("A",): 2, ("B",): 2})
    arrivals = {"A": np.array([2.0, 2.0]), "B": np.array([8.0, 8.0])}
    own = simulate_groups(
        cal, arrivals, {"A": np.array([1, 1]), "B": np.array([3, 3])}, start_slot=18, target_min=20
    )
    lent = simulate_groups(
        cal, arrivals, {"A": np.array([3, 3]), "B": np.array([1, 1])}, start_slot=18, target_min=20
    )
    assert own.group_service_level["B"].mean() > 0.95
    assert lent.group_service_level["B"].mean() < own.group_service_level["B"].mean() - 0.3


def test_plan_never_exceeds_a_group_and_says_where_short() -> None:
    """A morning where group B (one window) gets far more visitors than it can serve: the
    plan gives it its one window, says it is short, and the simulation confirms the target is
    missed there; group A is sized within its windows and meets it."""
    cal = _model({("A",): 6, ("B",): 1}, service=10.0)
    cal = Calibration(**{**cal.__dict__, "queue_shares": {"A": 0.5, "B": 0.5}})
    slots = list(range(18, 22))
    intraday = pl.DataFrame(
        {
            "hall_id": ["H"] * len(slots),
            "date": [DAY] * len(slots),
            "slot": slots,
            "start": [dt.datetime.combine(DAY, dt.time(s // 2, 30 * (s % 2))) for s in slots],
            "kind": ["regular"] * len(slots),
            "yhat": [20.0] * len(slots),
            "sigma": [0.0] * len(slots),
        },
        schema_overrides={"slot": pl.Int32},
    )
    plan, groups = plan_with_model(
        intraday, cal, {}, StaffingPolicy(sim_replications=6), shrinkage=0.1
    )
    by = {g: part for (g,), part in groups.group_by("group")}
    assert (by["B"]["windows_needed"] == 1).all() and by["B"]["short"].all()
    assert (by["B"]["windows_wanted"] > 1).all()
    assert (by["B"]["sim_service_level"] < 0.8).all()
    assert (by["A"]["windows_needed"] <= 6).all() and not by["A"]["short"].any()
    assert (by["A"]["sim_service_level"] >= 0.8).all()
    assert (plan["windows_needed"] <= 7).all() and (plan["groups_short"] == 1).all()
    assert plan["windows_rostered"].is_null().all() and plan["flag"].is_null().all()


def test_plan_with_the_calibrated_model(hall_db) -> None:  # noqa: F811
    """On each database: the plan's groups are the hall's (every window serving both queues:
    one group of six), never more windows than that, patience from the curve; the check of a
    past week counts every ticket of it."""
    from forecasting.service import plan_check_hall, staffing_hall

    url, counts = hall_db
    engine = make_engine(url)
    settings = load_settings()
    with engine.connect() as conn:
        run = staffing_hall(
            conn, HALL, LAST + dt.timedelta(days=3), LAST + dt.timedelta(days=3), settings,
            scope=ALL,
        )  # fmt: skip
        monday = LAST - dt.timedelta(days=4)
        check = plan_check_hall(conn, HALL, monday, LAST, settings, replications=3, scope=ALL)
    engine.dispose()
    assert [g.windows for g in run.calibration.groups] == [tuple(f"W{i}" for i in range(1, 7))]
    assert (run.groups["windows_needed"] <= 6).all()
    assert (run.plan["windows_needed"] == run.groups["windows_needed"]).all()
    assert run.queueing.patience_median_min == run.calibration.patience_median_min
    assert run.plan["sim_service_level_rostered"].drop_nulls().is_between(0, 1).all()
    frame = check.frame
    expected = sum(n for d, n in counts.items() if monday <= dt.date.fromisoformat(d) <= LAST)
    assert frame["arrivals"].sum() == expected
    assert check.summary["half_hours"] > 0
    assert 0 <= check.summary["predicted_service_level"] <= 1


DEMO_END = dt.date(2026, 11, 29)  # a Sunday: the checked week is Monday 11-23 … 11-29


@pytest.fixture(scope="module")
def demo_weeks(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Five weeks of the demo network: four to learn from, the fifth to check."""
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('demo5') / 'hall.db'}"
    engine = make_engine(url)
    write_demo(engine, DemoOptions(end=DEMO_END, days=35))
    engine.dispose()
    return url


def test_plan_for_a_past_week_matches_the_hall(demo_weeks: str) -> None:
    """The district centre H01: the plan's model, learned from the four weeks before, given
    the week's actual visitors and its actual roster, expects the service level the hall
    achieved within a few points; its median patience is the Kaplan–Meier one."""
    first = DEMO_END - dt.timedelta(days=6)
    engine = make_engine(demo_weeks)
    settings = load_settings()
    with engine.connect() as conn:
        history = fq.ticket_rows(conn, "H01", first - dt.timedelta(days=28), DEMO_END, scope=ALL)
        shifts = fq.shifts(conn, "H01", first - dt.timedelta(days=28), DEMO_END, scope=ALL)
    engine.dispose()
    before = history.filter(pl.col("issued_at").dt.date() < first)
    week = history.filter(pl.col("issued_at").dt.date() >= first)
    cal = calibrate(before, shifts.filter(pl.col("work_date") < first))
    assert sum(len(g.windows) for g in cal.groups) == 39  # the district centre's windows
    assert 30 < cal.patience_median_min < 300
    frame = check_days(
        cal,
        week,
        shifts.filter(pl.col("work_date") >= first),
        settings.wait_target_min,
        0.1,
        replications=6,
    )
    summary = check_summary(frame)
    assert summary["half_hours"] > 80
    assert abs(summary["gap_pp"]) <= 5.0, summary
    assert abs(summary["predicted_wait_min"] - summary["observed_wait_min"]) <= 4.0, summary


def test_tradeoff_by_group() -> None:
    """More windows never lower the expected service level nor cost fewer hours, and a group
    never gets more windows than it has: beyond that, more staff buys nothing."""
    from forecasting.plan import GROUP_PLAN_SCHEMA, tradeoff_by_group

    cal = _model({("A",): 3, ("B",): 1}, service=10.0)
    start = dt.datetime.combine(DAY, dt.time(18))
    groups = pl.DataFrame(
        [
            (DAY, start, "extended", "A", 3, 8.0, 10.0, 2, 2, False, 3, 2.4, None, None),
            (DAY, start, "extended", "B", 1, 6.0, 10.0, 1, 3, True, 1, 0.8, None, None),
        ],
        schema=GROUP_PLAN_SCHEMA,
        orient="row",
    )
    out = tradeoff_by_group(groups, cal, StaffingPolicy(), 0.0, deltas=(-1, 0, 1, 2))
    plan = out.filter(pl.col("option") == "plan").sort("delta")
    assert plan["service_level"].to_list() == sorted(plan["service_level"].to_list())
    assert plan["staff_hours"].to_list() == [1.0, 1.5, 2.0, 2.0]  # A capped at 3, B at 1
    roster = out.filter(pl.col("option") == "roster")
    assert roster.height == 1 and roster["staff_hours"][0] == pytest.approx(1.6)


def test_needed_per_group_within_its_windows() -> None:
    """What past visitors needed, the plan's way: each group on its own, at least one window
    where it had visitors, never more than it has; the review's verdict takes it over the
    pooled formula."""
    from forecasting.plan import needed_by_slot
    from forecasting.review import verdict

    tickets = _day({"W1": "A", "W2": "A", "W3": "B"})
    cal = calibrate(tickets)
    needed = needed_by_slot(cal, tickets, StaffingPolicy())
    nine = dt.datetime.combine(DAY, dt.time(9))
    assert set(needed) == {nine, nine + dt.timedelta(minutes=30)}
    assert all(2 <= n <= 3 for n in needed.values())  # B's window, and A's (2 at most)
    frame = pl.DataFrame(
        {"start": [nine], "arrivals": [22], "windows_open": [3]},
        schema={"start": pl.Datetime("us"), "arrivals": pl.Int64, "windows_open": pl.Int64},
    )
    out = verdict(frame, 6.0, 20.0, 0.8, 0.85, needed_at=needed)
    assert out["windows_needed"][0] == needed[nine]
    pooled = verdict(frame, 60.0, 20.0, 0.8, 0.85)  # an hour a ticket: far beyond 3 windows
    assert pooled["windows_needed"][0] > 3 and pooled["flag"][0] == "under"
    # the same half-hour, observed: short only where the visitors' service level fell short
    seen = pl.concat([frame, frame]).with_columns(observed_service_level=pl.Series([0.95, 0.55]))
    flags = verdict(seen, 60.0, 20.0, 0.8, 0.85)["flag"].to_list()
    assert flags == ["ok", "under"]


def test_daily_arrivals_from_the_rollups(hall_db, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """On each database: with the daily rollups built, the days they hold are summed from
    them and the rest counted from the tickets — the same counts per day and per queue as
    the tickets alone give, for the hall and for one queue."""
    from queries import rollups

    url, counts = hall_db
    engine = make_engine(url)
    with engine.begin() as conn:
        rollups.ensure_tables(conn)
        rollups.rebuild(
            conn, LAST - dt.timedelta(days=30), LAST - dt.timedelta(days=3), wait_target_s=1200
        )
    first = LAST - dt.timedelta(days=60)
    with engine.connect() as conn:
        rolled = fq._rolled_days(conn, first, LAST)
        assert rolled and max(rolled) <= LAST - dt.timedelta(days=3)
        mixed = [
            fq.daily_arrivals(conn, first, LAST, HALL, scope=ALL),
            fq.daily_arrivals(conn, first, LAST, HALL, by_queue=True, scope=ALL),
            fq.daily_arrivals(conn, first, LAST, HALL, queue_id=f"{HALL}-A", scope=ALL),
        ]
        monkeypatch.setattr(fq, "_rolled_days", lambda *_: set())
        raw = [
            fq.daily_arrivals(conn, first, LAST, HALL, scope=ALL),
            fq.daily_arrivals(conn, first, LAST, HALL, by_queue=True, scope=ALL),
            fq.daily_arrivals(conn, first, LAST, HALL, queue_id=f"{HALL}-A", scope=ALL),
        ]
    engine.dispose()
    for a, b in zip(mixed, raw, strict=True):
        assert a.equals(b)
    expected = {d: n for d, n in counts.items() if first <= dt.date.fromisoformat(d) <= LAST}
    assert {
        d.isoformat(): n for d, n in mixed[0].select("date", "arrivals").iter_rows()
    } == expected
    assert mixed[1]["arrivals"].sum() == sum(expected.values())
    assert 0 < mixed[2]["arrivals"].sum() < sum(expected.values())
