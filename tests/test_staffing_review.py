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
        rows.append((queue, window, issued, called, free[window], "served"))
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
