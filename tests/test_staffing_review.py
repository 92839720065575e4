"""`hall staffing review`: the model given the actual arrivals and open windows, next to what
the hall observed; Kaplan–Meier patience; dedicated windows that cannot help each other."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from test_forecast import FIRST, HALL, LAST, hall_db  # noqa: F401  (the module's fixture)

from access.scope import Scope
from cli.main import main
from forecasting.review import (
    KaplanMeier,
    agreement,
    kaplan_meier,
    patience_curve,
    review_day,
    window_groups,
)
from queries import forecast_queries as fq
from queries.db import make_engine
from simulation.queueing import WALK_IN

DAY = dt.date(2026, 5, 11)


ALL = Scope.everything()  # the unrestricted scope, as the command line without --as


def test_kaplan_meier_by_hand() -> None:
    """Times 1, 2+, 3, 4+, 5 (+ censored): S(1) = 4/5, S(3) = 4/5 · 2/3, S(5) = 0; draws
    fall on the steps with the probabilities of the drops."""
    km = kaplan_meier(np.array([1, 2, 3, 4, 5.0]), np.array([1, 0, 1, 0, 1]))
    assert km.times.tolist() == [1.0, 3.0, 5.0]
    assert km.survival.tolist() == pytest.approx([0.8, 0.8 * 2 / 3, 0.0])
    assert km.median() == 5.0  # S(3) = 0.53 is still above one half
    draws = km.draw(np.random.default_rng(0), 20_000)
    assert set(np.unique(draws)) <= {1.0, 3.0, 5.0}
    assert np.mean(draws == 1.0) == pytest.approx(0.2, abs=0.01)
    assert np.mean(draws == 5.0) == pytest.approx(0.8 * 2 / 3, abs=0.01)


def test_patience_is_censored_by_service() -> None:
    """Everyone called after 10 minutes, one in ten a no-show: the mean of the no-shows' waits
    (10 min) is not the patience; Kaplan–Meier sees 90% still waiting at 10 minutes and never
    reaches its median. Nobody giving up: no curve step at all."""
    issued = [dt.datetime.combine(DAY, dt.time(9)) + dt.timedelta(minutes=i) for i in range(100)]
    tickets = pl.DataFrame(
        {
            "issued_at": issued,
            "called_at": [t + dt.timedelta(minutes=10) for t in issued],
            "status": ["no_show" if i % 10 == 0 else "served" for i in range(100)],
        }
    )
    km = patience_curve(tickets)
    assert km.survival.tolist() == pytest.approx([0.9])
    assert km.median() is None
    calm = patience_curve(tickets.with_columns(pl.lit("served").alias("status")))
    assert calm.times.size == 0 and isinstance(calm, KaplanMeier)


def _day(windows: dict[str, str]) -> pl.DataFrame:
    """One morning: 40 visitors of queue A and 4 of queue B between 9:00 and 10:00, each
    window serving one queue as `windows` says, service 6 minutes, called as soon as free."""
    rows = []
    free = {w: dt.datetime.combine(DAY, dt.time(9)) for w in windows}
    for i in range(44):
        queue = "B" if i % 11 == 0 else "A"
        issued = dt.datetime.combine(DAY, dt.time(9)) + dt.timedelta(seconds=i * 3600 // 44)
        window = min((w for w, q in windows.items() if q in (queue, "*")), key=free.get)
        called = max(issued, free[window])
        free[window] = called + dt.timedelta(minutes=6)
        rows.append((queue, window, issued, called, free[window], "served", "walk_in", None))
    return pl.DataFrame(
        rows,
        schema=list(fq.TICKET_ROWS_SCHEMA.items()),
        orient="row",
    )


def test_dedicated_windows_cannot_help_each_other() -> None:
    """Two A windows and one B window, all open: the replay keeps B's window for B, so A's
    visitors wait as they really did; pooling all three would have understated the wait."""
    tickets = _day({"W1": "A", "W2": "A", "W3": "B"})
    groups = window_groups(tickets)
    assert groups == {"W1": ("A",), "W2": ("A",), "W3": ("B",)}
    service = {"A": np.array([6.0]), "B": np.array([6.0])}
    empty = KaplanMeier(np.array([]), np.array([]))
    frame = review_day(tickets, HALL, 20.0, service, empty, groups, replications=3)
    pooled = review_day(
        tickets, HALL, 20.0, service, empty, dict.fromkeys(groups, ("A", "B")), replications=3
    )
    assert frame["arrivals"].sum() == 44 and (frame["windows_open"] == 3).all()
    observed = frame["observed_wait_min"].to_numpy()
    assert frame["predicted_wait_min"].to_numpy() == pytest.approx(observed, abs=0.5)
    assert pooled["predicted_wait_min"].mean() < frame["predicted_wait_min"].mean() - 3
    a = agreement(frame)
    assert a["half_hours"] == 2 and a["within"] == 1.0


def test_staffing_review_cli(hall_db, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    url, counts = hall_db
    first, last = LAST - dt.timedelta(days=6), LAST
    args = ["staffing", "--db", url, "review", "--hall", HALL]
    args += ["--from", first.isoformat(), "--to", last.isoformat(), "--replications", "3"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = pl.DataFrame(out["half_hours"])
    required = {
        "start", "arrivals", "windows_open", "predicted_service_level",
        "observed_service_level", "predicted_wait_min", "observed_wait_min",
    }  # fmt: skip
    assert required <= set(rows.columns)
    expected = sum(n for d, n in counts.items() if first <= dt.date.fromisoformat(d) <= last)
    assert rows["arrivals"].sum() == expected
    for column in ("predicted_service_level", "observed_service_level"):
        assert rows[column].drop_nulls().is_between(0, 1).all()
    assert out["agreement"][HALL]["half_hours"] > 0
    assert main(args) == 0
    assert "within ±5 points" in capsys.readouterr().out
    future = ["staffing", "--db", url, "review", "--from", "2026-06-01", "--to", "2026-06-02"]
    assert main(future) == 1
    assert "a review is for past days" in capsys.readouterr().err


def test_ticket_rows_query(hall_db) -> None:  # noqa: F811
    url, counts = hall_db
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = fq.ticket_rows(conn, HALL, FIRST, FIRST + dt.timedelta(days=6), scope=ALL)
    engine.dispose()
    assert rows.height == sum(
        n for d, n in counts.items() if dt.date.fromisoformat(d) <= FIRST + dt.timedelta(days=6)
    )
    assert rows.schema == pl.Schema(fq.TICKET_ROWS_SCHEMA)


def test_windows_per_queue_group() -> None:
    """Two A windows and one B window: two groups; each sized on its own, B's window needed
    whenever B has visitors, and the split needs at least what the pooled hall would."""
    from forecasting.review import group_facts
    from forecasting.staffing import StaffingPolicy, plan_by_group

    tickets = _day({"W1": "A", "W2": "A", "W3": "B"})
    facts = group_facts(tickets)
    assert set(facts) == {("A",), ("B",)}
    assert facts[("A",)]["windows"] == 2 and facts[("B",)]["windows"] == 1
    assert facts[("A",)]["share"] == pytest.approx(40 / 44)
    assert facts[("A",)]["service_min"] == pytest.approx(6.0, abs=0.01)  # busy cycles
    start = dt.datetime.combine(DAY, dt.time(9))
    plan = pl.DataFrame(
        {
            "date": [DAY, DAY],
            "start": [start, start + dt.timedelta(minutes=30)],
            "kind": ["regular", "extended"],
            "arrivals_staffed": [22.0, 0.0],
        }
    )
    groups = plan_by_group(plan, facts, StaffingPolicy(), None)
    by = {(r["start"].hour * 60 + r["start"].minute, r["group"]): r for r in groups.to_dicts()}
    assert by[540, "B"]["windows_needed"] == 1 and by[540, "A"]["windows_needed"] >= 5
    assert by[570, "A"]["windows_needed"] == 0 and by[570, "B"]["windows_needed"] == 0


def test_staffing_by_group_cli(hall_db, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    url, _ = hall_db
    args = ["staffing", "--db", url, "--from", "2026-05-18", "--to", "2026-05-18", "--no-sim"]
    assert main([*args, "--by-group", "--json"]) == 0
    rows = pl.DataFrame(json.loads(capsys.readouterr().out))
    assert set(rows["group"]) == {"H1-A+H1-B"}  # every window served both queues
    assert (rows["windows_in_group"] == 6).all()
    assert main([*args, "--json"]) == 0
    plan = pl.DataFrame(json.loads(capsys.readouterr().out))
    # one pool, as the plan; only the service time differs (busy cycles at the group's
    # windows, against call-to-finish times in the plan)
    assert rows.height == plan.height and (rows["windows_needed"] >= 1).all()
    gap = (rows["windows_needed"] - plan["windows_needed"]).abs()
    assert gap.max() <= 2


def test_roster_proposal_rotates_within_limits() -> None:
    """Evening shifts of two days need two people each, the lunch one each: whoever did the
    fewest extended hours lately goes first, leave is respected, the evening adds hours to the
    week (capped) while the staggered lunch does not."""
    from forecasting.roster import propose

    def slots(day: dt.date, times: list[tuple[str, str, int]]) -> list[dict]:
        return [
            {
                "date": day,
                "start": dt.datetime.combine(day, dt.time.fromisoformat(at)),
                "kind": kind,
                "staff_needed": n,
                "windows_rostered": 1,
                "arrivals": 10.0,
                "service_level": 0.9,
                "sim_service_level": None,
                "service_level_rostered": 0.5,
                "sim_service_level_rostered": None,
            }
            for at, kind, n in times
        ]

    monday, tuesday = dt.date(2026, 6, 1), dt.date(2026, 6, 2)
    day = [("11:30", "regular", 1), ("12:00", "extended", 1), ("12:30", "regular", 1)]
    day += [("18:00", "extended", 2), ("18:30", "extended", 2)]
    plan = pl.DataFrame(slots(monday, day) + slots(tuesday, day))
    staff = pl.DataFrame({"staff_id": ["S1", "S2", "S3", "S4"], "name": ["甲", "乙", "丙", "丁"]})

    def shift(sid: str, day: dt.date, kind: str, start: int, end: int, leave=None) -> dict:
        return {
            "staff_id": sid,
            "work_date": day,
            "shift_kind": kind,
            "scheduled_start": dt.datetime.combine(day, dt.time(start)),
            "scheduled_end": dt.datetime.combine(day, dt.time(end)),
            "clock_in": None,
            "clock_out": None,
            "window_id": None,
            "leave": leave,
            "window_kind": None,
        }

    history = pl.DataFrame(
        [
            shift("S1", dt.date(2026, 5, 25), "extended", 18, 21),  # S1 did 3 h lately
            shift("S2", dt.date(2026, 5, 26), "extended", 18, 19),  # S2 1 h
            shift("S3", monday, "regular", 9, 18, leave="annual"),  # S3 away on Monday
            shift("S4", monday, "regular", 0, 23),  # S4: 23 h ...
            shift("S4", tuesday, "regular", 0, 21),  # ... + 21 h: no room for an evening
        ],
        schema=fq.ATTENDANCE_SCHEMA,
    )
    out = propose(plan, staff, history)
    rows = {(r["date"], r["start"].hour): r for r in out.to_dicts()}
    assert [r["lunch"] for r in out.to_dicts()] == [True, False, True, False]
    assert "丙" not in rows[monday, 12]["assigned"] and "丙" not in rows[monday, 18]["assigned"]
    assert rows[monday, 12]["assigned"] == "丁"  # 0 h lately, on duty (lunch adds no hours)
    assert rows[monday, 18]["assigned"] == "乙、甲"  # S4's week is full, S3 on leave
    assert rows[tuesday, 12]["assigned"] == "丙"  # S3 back, with the fewest hours
    assert rows[tuesday, 18]["assigned"] == "丙、乙"  # S2 still below S1
    assert all(r["short"] == 0 for r in out.to_dicts())


def test_roster_cli(hall_db, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    """Monday 05-18 of the synthetic hall: a lunch block (12–14) and an evening (18–20), each
    with people proposed from the eight staff and today's roster beside it."""
    url, _ = hall_db
    args = ["staffing", "--db", url, "--from", "2026-05-18", "--to", "2026-05-18"]
    assert main([*args, "--no-sim", "--roster", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["start"][11:16], r["end"][11:16], r["lunch"]) for r in rows] == [
        ("12:00", "14:00", True),
        ("18:00", "20:00", False),
    ]
    assert rows[1]["rostered"] == 2  # S6 and S7 on the evening shift
    for r in rows:
        named = [n for n in r["assigned"].split("、") if n]
        assert len(named) + r["short"] == r["people"] >= 1
        assert set(named) <= {f"员工{i}" for i in range(1, 9)}
        assert 0 <= r["service_level_plan"] <= 1


def _engine_day(seed: int) -> pl.DataFrame:
    """A morning and an afternoon the queue engine itself produced: queue A at window W0, B at
    W1, both at W2, which is away 12:00–13:00; 5% priority tickets, 15% appointments (callable
    from their half-hour slot), handling minutes from 2 to 30, nobody leaving. The rows are what
    a queue system records."""
    from simulation.queueing import APPOINTMENT, PRIORITY, Tickets, Window, simulate

    rng = np.random.default_rng(seed)
    issued = np.sort(rng.uniform(9 * 60, 16 * 60, 90))
    queue = (rng.uniform(size=issued.size) < 0.35).astype(int)
    r = rng.uniform(size=issued.size)
    klass = np.where(r < 0.05, PRIORITY, np.where(r < 0.2, APPOINTMENT, WALK_IN))
    slot = np.ceil((issued + 1) / 30) * 30
    ready = np.where(klass == APPOINTMENT, slot, issued)
    service = rng.uniform(2, 30, issued.size)
    n = issued.size
    windows = [
        Window((0,), [(540.0, 960.0)]),
        Window((1,), [(540.0, 960.0)]),
        Window((0, 1), [(540.0, 720.0), (780.0, 960.0)]),
    ]
    out = simulate(
        Tickets(
            issued.tolist(), queue.tolist(), klass.tolist(), ready.tolist(), service.tolist(),
            [np.inf] * n, [False] * n, [False] * n, [-1] * n,
        ),
        windows,
    )  # fmt: skip
    midnight = dt.datetime.combine(DAY, dt.time(0))

    def at(m: float | None) -> dt.datetime | None:
        return None if m is None else midnight + dt.timedelta(minutes=float(m))

    source = {PRIORITY: "priority", APPOINTMENT: "appointment", WALK_IN: "walk_in"}
    rows = [
        (
            "AB"[queue[i]], f"W{out.window[i]}", at(issued[i]), at(out.called_min[i]),
            at(out.finished_min[i]), out.status[i],
            source[int(klass[i])],
            at(slot[i]) if klass[i] == APPOINTMENT else None,
        )
        for i in range(n)
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=list(fq.TICKET_ROWS_SCHEMA.items()), orient="row")


def test_replay_reproduces_the_day() -> None:
    """A day the engine produced, replayed with the visitors' real handling minutes, priority
    first and appointments from their slot, dedicated windows apart and W2's lunch away: each
    half-hour's predicted service level equals the observed one, and its wait is within a few
    percent (when several windows are free, which one takes a visitor may differ). Without the
    ticket kinds (everyone a walk-in, first come first served) or without the real minutes
    (drawn from the queue's cycles) it no longer does."""
    from forecasting.review import busy_cycles, handling_minutes, window_intervals

    tickets = _engine_day(3)
    assert set(tickets["status"]) == {"served"}
    groups = window_groups(tickets)
    assert groups == {"W0": ("A",), "W1": ("B",), "W2": ("A", "B")}
    service = busy_cycles(tickets)
    empty = KaplanMeier(np.array([]), np.array([]))
    frame = review_day(tickets, HALL, 20.0, service, empty, groups, replications=2)
    observed = frame["observed_service_level"].to_numpy()
    assert frame["predicted_service_level"].to_numpy() == pytest.approx(observed, abs=1e-9)
    assert frame["predicted_wait_min"].to_numpy() == pytest.approx(
        frame["observed_wait_min"].to_numpy(), rel=0.05, abs=0.5
    )  # which free window takes a visitor may differ: waits within a few percent
    assert agreement(frame)["within"] == 1.0
    # W2 is away over lunch: the replay closes it while visitors waited
    midnight = dt.datetime.combine(DAY, dt.time(0))
    t = handling_minutes(tickets).with_columns(
        ((pl.col(c) - midnight).dt.total_seconds() / 60).alias(c.split("_")[0] + "_min")
        for c in ("issued_at", "called_at", "finished_at")
    )
    spans = window_intervals(t, groups)["W2"]
    assert len(spans) == 2 and spans[0][1] <= 12 * 60 + 30 and spans[1][0] >= 13 * 60

    plain = review_day(
        tickets.with_columns(pl.lit("walk_in").alias("source")),
        HALL, 20.0, service, empty, groups, replications=2,
    )  # fmt: skip
    assert np.abs(plain["predicted_wait_min"] - frame["predicted_wait_min"]).max() > 1.0
    sampled = review_day(
        tickets, HALL, 20.0, service, empty, groups, replications=2, real_service=False
    )
    assert np.abs(sampled["predicted_wait_min"] - frame["predicted_wait_min"]).max() > 1.0


def test_priority_is_called_first() -> None:
    """One window, busy with a backlog of walk-ins from 9:00; a priority ticket taken at 9:30
    is called at the next free moment, ahead of the walk-ins still waiting; as a walk-in it
    would wait behind them all."""
    rows = []
    start = dt.datetime.combine(DAY, dt.time(9))
    free = start
    walk_ins = [start + dt.timedelta(minutes=i) for i in range(8)]
    priority_at = start + dt.timedelta(minutes=30)
    order = [*walk_ins[:5], priority_at, *walk_ins[5:]]  # 5 served by 9:30, then priority
    for issued in order:
        called = max(issued, free)
        free = called + dt.timedelta(minutes=6)
        kind = "priority" if issued == priority_at else "walk_in"
        rows.append(("A", "W1", issued, called, free, "served", kind, None))
    tickets = pl.DataFrame(rows, schema=list(fq.TICKET_ROWS_SCHEMA.items()), orient="row")
    service = {"A": np.array([6.0])}
    empty = KaplanMeier(np.array([]), np.array([]))
    groups = {"W1": ("A",)}
    frame = review_day(tickets, HALL, 20.0, service, empty, groups, replications=1)
    late = frame.filter(pl.col("start") == priority_at)
    assert late["predicted_wait_min"].item() == pytest.approx(0.0, abs=1e-6)  # 9:30 free
    assert late["observed_wait_min"].item() == pytest.approx(0.0, abs=1e-6)
    fifo = review_day(
        tickets.with_columns(pl.lit("walk_in").alias("source")),
        HALL, 20.0, service, empty, groups, replications=1,
    )  # fmt: skip
    assert fifo.filter(pl.col("start") == priority_at)["predicted_wait_min"].item() >= 17.9


def test_handling_minutes_and_patience_given_what_was_seen() -> None:
    """Handling is call to the window's next call when the next visitor was waiting (wrap-up
    within the cap), else call to finish; unknown for a no-show. Patience drawn for a visitor
    served after 10 minutes exceeds 10; for one gone when called at 10, it is at most 10."""
    from forecasting.review import handling_minutes

    t0 = dt.datetime.combine(DAY, dt.time(9))
    m = lambda x: t0 + dt.timedelta(minutes=x)  # noqa: E731
    rows = [
        ("A", "W1", m(0), m(0), m(5), "served", "walk_in", None),  # next waits: 5 + 2 wrap-up
        ("A", "W1", m(1), m(7), m(10), "served", "walk_in", None),  # next came later: 3
        ("A", "W1", m(30), m(30), None, "no_show", "walk_in", None),
        ("A", "W1", m(31), m(31), m(40), "served", "walk_in", None),  # next waits, 10 min gap
        ("A", "W1", m(32), m(50), m(55), "served", "walk_in", None),
    ]
    tickets = pl.DataFrame(rows, schema=list(fq.TICKET_ROWS_SCHEMA.items()), orient="row")
    handling = handling_minutes(tickets)["handling_min"].to_list()
    assert handling == pytest.approx([7.0, 3.0, None, 9.0, 5.0], nan_ok=True)

    km = kaplan_meier(np.array([2, 5, 8, 12, 20, 30.0]), np.array([1, 1, 0, 1, 1, 0]))
    rng = np.random.default_rng(1)
    served = km.draw_given(rng, np.full(2000, 10.0), np.full(2000, np.nan))
    assert (served > 10).all()
    gone = km.draw_given(rng, np.full(2000, np.nan), np.full(2000, 10.0))
    assert (gone <= 10).all() and set(np.unique(gone)) <= {2.0, 5.0}
    early = km.draw_given(rng, np.full(500, np.nan), np.full(500, 1.0))
    assert (early <= 1.0).all()


def test_a_new_ticket_goes_to_any_free_window() -> None:
    """W0 closed at 10:00 and serves only its backlog; W1 opened at 10:05. A ticket taken at
    10:30 is offered to W0 first (idle longest), which refuses it: the replay's engine then
    offers it to W1, as a hall would; the demo's historic engine leaves it waiting."""
    from simulation.queueing import SERVED, Tickets, Window, simulate

    def run(offer: bool) -> tuple[str, float | None]:
        windows = [Window((0,), [(540.0, 600.0)]), Window((0,), [(605.0, 700.0)])]
        ticket = Tickets([541.0, 630.0], [0, 0], [WALK_IN] * 2, [541.0, 630.0], [5.0, 5.0],
                         [np.inf] * 2, [False] * 2, [False] * 2, [-1] * 2)  # fmt: skip
        out = simulate(ticket, windows, offer_every_free_window=offer)
        return out.status[1], out.called_min[1]

    assert run(True) == (SERVED, 630.0)
    assert run(False) == (SERVED, 700.0)  # left waiting until W1 closes and takes its backlog


def test_a_missed_call_is_missed_again() -> None:
    """A visitor called at once who missed the call (recorded a recall later, a no-show) is a
    no-show again when the replay calls them at once; the others are served as they were."""
    start = dt.datetime.combine(DAY, dt.time(9))
    m = lambda x: start + dt.timedelta(minutes=x)  # noqa: E731
    rows = [
        ("A", "W1", m(0), m(0), m(6), "served", "walk_in", None),
        ("A", "W1", m(10), m(11.5), None, "no_show", "walk_in", None),  # missed: 1.5 recall
        ("A", "W1", m(12), m(12), m(18), "served", "walk_in", None),
    ]
    tickets = pl.DataFrame(rows, schema=list(fq.TICKET_ROWS_SCHEMA.items()), orient="row")
    km = kaplan_meier(np.array([1.0, 30.0, 40.0]), np.array([1, 0, 0]))
    frame = review_day(tickets, HALL, 20.0, {"A": np.array([6.0])}, km, {"W1": ("A",)}, 20)
    assert frame["observed_abandon"].item() == pytest.approx(1 / 3)
    assert frame["predicted_abandon"].item() == pytest.approx(1 / 3)
    assert frame["predicted_service_level"].item() == pytest.approx(2 / 3)
