"""Erlang B/C/A against published reference values, limits, and the simulation on stationary
cases. Reference values: pyworkforce's test suite (100 calls per 30 min, 3-min handling time)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forecasting.erlang import (
    erlang_a,
    erlang_b,
    erlang_c,
    queue_figures,
    windows_needed,
)
from forecasting.simcheck import WindowGroup, simulate_plan

PER_MIN = 100 / 30  # 100 arrivals per half-hour
AHT = 3.0
TARGET = 20 / 60  # 20 seconds


@pytest.mark.parametrize(
    ("windows", "load", "expected"),
    [(1, 1.0, 0.5), (2, 1.0, 0.2), (5, 2.0, 0.03670), (10, 10.0, 0.21458)],
)
def test_erlang_b(windows: int, load: float, expected: float) -> None:
    assert erlang_b(windows, load) == pytest.approx(expected, abs=1e-4)


def test_erlang_b_sizing_reference() -> None:
    """10 Erlangs, at most 2% blocked → 17 trunks."""
    assert min(n for n in range(1, 40) if erlang_b(n, 10.0) <= 0.02) == 17


@pytest.mark.parametrize(
    ("windows", "target_min", "p_wait", "service_level", "occupancy"),
    [
        (14, TARGET, 0.174, 0.888, 0.714),
        (14, 0.33, 0.174, 0.888, 0.714),
        (15, 0.33, 0.102, 0.941, 0.667),
    ],
)
def test_erlang_c_reference(
    windows: int, target_min: float, p_wait: float, service_level: float, occupancy: float
) -> None:
    f = erlang_c(PER_MIN, AHT, windows, target_min)
    assert f.p_wait == pytest.approx(p_wait, abs=1e-3)
    assert f.service_level == pytest.approx(service_level, abs=1e-3)
    assert f.occupancy == pytest.approx(occupancy, abs=1e-3)
    assert f.asa_min == pytest.approx(f.p_wait / (windows / AHT - PER_MIN))
    assert f.p_abandon == 0


def test_erlang_a_reference() -> None:
    f = erlang_a(PER_MIN, AHT, 14, TARGET, patience_min=5)
    assert f.p_wait == pytest.approx(0.14526, abs=1e-5)
    assert f.p_abandon == pytest.approx(0.013984, abs=1e-6)
    assert f.occupancy == pytest.approx(0.704297, abs=1e-6)
    assert f.asa_min == pytest.approx(0.069919, abs=1e-6)
    assert f.service_level == pytest.approx(0.916792, abs=1e-6)


@pytest.mark.parametrize("windows", [14, 15, 20, 25])
def test_erlang_a_tends_to_erlang_c(windows: int) -> None:
    a = erlang_a(PER_MIN, AHT, windows, TARGET, patience_min=1e7)
    c = erlang_c(PER_MIN, AHT, windows, TARGET)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-5)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.occupancy == pytest.approx(c.occupancy, abs=1e-5)
    assert a.asa_min == pytest.approx(c.asa_min, abs=1e-4)


def test_erlang_a_is_stable_when_erlang_c_is_not() -> None:
    c = erlang_c(PER_MIN, AHT, 9, TARGET)
    a = erlang_a(PER_MIN, AHT, 9, TARGET, patience_min=5)
    assert (c.p_wait, c.service_level, c.asa_min) == (1.0, 0.0, math.inf)
    assert 0 < a.p_abandon < 1 and 0 < a.service_level < 1
    # every arrival is either served or leaves: served work = windows × occupancy
    assert PER_MIN * (1 - a.p_abandon) * AHT == pytest.approx(9 * a.occupancy)


def test_erlang_a_monotone() -> None:
    levels = [erlang_a(PER_MIN, AHT, n, TARGET, 5).service_level for n in range(10, 22)]
    assert levels == sorted(levels)
    assert (
        erlang_a(PER_MIN, AHT, 14, TARGET, 1).p_abandon
        > erlang_a(PER_MIN, AHT, 14, TARGET, 20).p_abandon
    )


def test_heavy_load_does_not_overflow() -> None:
    """A big hall: 3,600 visitors an hour, long patience — the sums run in logarithms."""
    f = erlang_a(60.0, 3.0, 190, 2.0, patience_min=600)
    assert 0.8 < f.service_level < 1 and 0 <= f.p_abandon < 0.01


def test_no_arrivals() -> None:
    assert erlang_c(0, AHT, 3, TARGET).service_level == 1.0
    assert erlang_a(0, AHT, 3, TARGET, 5).p_wait == 0.0
    assert windows_needed(0, AHT, TARGET, 0.8) == 0


@pytest.mark.parametrize(
    ("cap", "patience", "expected"), [(1.0, None, 14), (0.7, None, 15), (1.0, 5.0, 13)]
)
def test_windows_needed(cap: float, patience: float | None, expected: int) -> None:
    n = windows_needed(PER_MIN, AHT, TARGET, 0.8, occupancy_cap=cap, patience_min=patience)
    assert n == expected
    below = queue_figures(PER_MIN, AHT, n - 1, TARGET, patience)
    assert below.service_level < 0.8 or below.occupancy > cap


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang_c(-1, AHT, 3, TARGET), "arrival rate"),
        (lambda: erlang_c(1, 0, 3, TARGET), "service time"),
        (lambda: erlang_a(1, AHT, 3, TARGET, 0), "patience"),
        (lambda: windows_needed(1, AHT, TARGET, 1.5), "service-level target"),
        (lambda: windows_needed(1, AHT, TARGET, 0.8, occupancy_cap=0), "occupancy cap"),
    ],
)
def test_bad_input(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("patience", [None, 5.0])
def test_simulation_agrees_with_formula(patience: float | None) -> None:
    """Eight stationary hours: the simulated service level (after the first, empty-start
    hour) is within sampling error of the formula's."""
    rng = np.random.default_rng(11)
    service = rng.exponential(AHT, 50_000)
    k = 16
    result = simulate_plan(
        [[100.0] * k],
        [service],
        [WindowGroup((0,), [14] * k)],
        interval_min=30,
        target_min=TARGET,
        patience_min=patience,
        replications=40,
        seed=2,
    )
    expected = queue_figures(PER_MIN, AHT, 14, TARGET, patience).service_level
    assert result.arrivals.sum() == pytest.approx(40 * 100 * k, rel=0.02)
    steady = float(np.nansum(result.service_level[2:] * result.arrivals[2:]))
    steady /= result.arrivals[2:].sum()
    assert abs(steady - expected) < 4 * result.day_standard_error + 0.005


def test_simulation_carries_backlog_over() -> None:
    """A surge in one half-hour with too few windows spills into the next one."""
    service = np.full(10, 10.0)
    result = simulate_plan(
        [[60.0, 5.0, 5.0]],
        [service],
        [WindowGroup((0,), [4, 4, 4])],
        interval_min=30,
        target_min=10,
        replications=10,
        seed=1,
    )
    assert result.service_level[0] < 0.3
    assert result.service_level[1] < 0.2  # the newcomers queue behind the surge
    assert result.mean_wait_min[1] > 30


def test_pooling_needs_fewer_windows_than_dedicated() -> None:
    """Two queues, one twice the other: pooled windows need fewer window-half-hours for the
    target, and the same windows split between the queues serve fewer in time."""
    import datetime as dt

    import polars as pl

    from forecasting.staffing import HallQueueing, StaffingPolicy, compare_pooling

    rng = np.random.default_rng(5)
    queueing = HallQueueing(
        service_samples=rng.exponential(6.0, 5000),
        patience_min=None,
        shrinkage=0.0,
        queue_shares={"A": 2 / 3, "B": 1 / 3},
        queue_samples={"A": rng.exponential(6.0, 5000), "B": rng.exponential(6.0, 5000)},
    )
    starts = [dt.datetime(2026, 5, 18, 9) + dt.timedelta(minutes=30 * k) for k in range(8)]
    day = pl.DataFrame(
        {
            "start": starts,
            "arrivals": [45.0] * 8,
            "arrivals_staffed": [45.0] * 8,
            "windows_needed": [11] * 8,
        }
    )
    policy = StaffingPolicy(wait_target_min=2.0, sim_replications=30)
    result = compare_pooling(day, queueing, policy)
    assert result["windows_pooled"] == 88
    assert result["windows_dedicated"] > result["windows_pooled"]
    assert result["sim_service_level_split"] < result["sim_service_level_pooled"]


def test_plan_staffing_hand_computed() -> None:
    """100 visitors a half-hour, 3-min service, 20-s target: 14 windows (the reference case);
    10% shrinkage → 16 staff. Rosters of 14, 16 and 30 open 13, 14 and 27 windows."""
    import datetime as dt

    import polars as pl

    from forecasting.staffing import HallQueueing, StaffingPolicy, plan_staffing

    day = dt.date(2026, 5, 18)
    slots = [18, 19, 20]
    intraday = pl.DataFrame(
        {
            "hall_id": ["H1"] * 3,
            "date": [day] * 3,
            "slot": slots,
            "start": [dt.datetime(2026, 5, 18, 9) + dt.timedelta(minutes=30 * k) for k in range(3)],
            "kind": ["regular", "extended", "extended"],
            "yhat": [100.0] * 3,
            "sigma": [10.0] * 3,
        },
        schema_overrides={"slot": pl.Int32},
    )
    roster = pl.DataFrame(
        {
            "date": [day] * 3,
            "slot": slots,
            "windows_rostered": [14, 16, 30],
            "roster_source": ["scheduled"] * 3,
        },
        schema_overrides={"slot": pl.Int32},
    )
    queueing = HallQueueing(np.array([3.0]), patience_min=None, shrinkage=0.1)
    policy = StaffingPolicy(wait_target_min=TARGET, occupancy_cap=1.0, quantile=0.5)
    plan = plan_staffing(intraday, roster, queueing, policy, simulate=False)
    assert plan["windows_needed"].to_list() == [14, 14, 14]
    assert plan["staff_needed"].to_list() == [16, 16, 16]
    assert plan["flag"].to_list() == ["under", "ok", "over"]
    assert plan["service_level"][0] == pytest.approx(0.888, abs=1e-3)
    assert plan["expected_wait_min"][0] == pytest.approx(erlang_c(PER_MIN, AHT, 14, TARGET).asa_min)
    assert plan["service_level_rostered"].to_list() == pytest.approx(
        [erlang_c(PER_MIN, AHT, n, TARGET).service_level for n in (13, 14, 27)]
    )
    assert plan["staff_hours"].to_list() == [8.0, 8.0, 8.0]
    assert plan["arrivals_staffed"].to_list() == pytest.approx([100.0] * 3)  # the median
    riskier = plan_staffing(
        intraday, roster, queueing, StaffingPolicy(TARGET, 0.8, 1.0, 0.9), simulate=False
    )
    # staffing to the 90% quantile: 100 + 1.2816 × 10 visitors → more windows
    assert riskier["arrivals_staffed"][0] == pytest.approx(112.8155, abs=1e-3)
    assert riskier["windows_needed"][0] == 15
    busier = 112.8155 / 30
    assert erlang_c(busier, AHT, 14, TARGET).service_level < 0.8
    assert erlang_c(busier, AHT, 15, TARGET).service_level >= 0.8
