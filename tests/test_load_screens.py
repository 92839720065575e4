"""The load benchmark's pure pieces (benchmarks/load_screens.py): which viewers open in
Chromium and which over Streamlit's protocol, and the report, per kind of viewer, beside the
targets. The benchmark itself starts a server and browsers; it is run by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "load_screens.py"
spec = importlib.util.spec_from_file_location("load_screens", SCRIPT)
load_screens = importlib.util.module_from_spec(spec)
sys.modules["load_screens"] = load_screens  # a dataclass looks its module up there
spec.loader.exec_module(load_screens)


def in_chromium(plan) -> list[tuple[str, int]]:
    return [(v.kind, v.n) for v in plan if v.client == "chromium"]


def test_the_default_mix_is_one_screen_and_one_analyst_in_chromium():
    plan = load_screens.plan_viewers(20, 10, 2)
    assert len(plan) == 30
    assert in_chromium(plan) == [("screen", 0), ("analyst", 0)]
    assert sum(v.kind == "screen" and v.client == "protocol" for v in plan) == 19
    assert sum(v.kind == "analyst" and v.client == "protocol" for v in plan) == 9
    # every viewer keeps its number among its kind: screens show the halls round robin by it
    assert [v.n for v in plan if v.kind == "screen"] == list(range(20))
    assert [v.n for v in plan if v.kind == "analyst"] == list(range(10))


@pytest.mark.parametrize(
    ("screens", "analysts", "browsers", "chromium_screens", "chromium_analysts"),
    [
        (20, 10, 3, 2, 1),  # half of them analysts, rounded down
        (20, 10, 30, 20, 10),  # --viewers browser: all of them
        (20, 10, 0, 0, 0),  # --viewers protocol: none
        (0, 10, 2, 0, 2),  # no screens: the browsers go to analysts
        (3, 0, 2, 2, 0),  # no analysts: the browsers go to screens
        (1, 10, 4, 1, 3),  # one screen only: the other browsers go to analysts
        (4, 2, 9, 4, 2),  # more browsers than viewers: every viewer, no more
    ],
)
def test_browsers_are_split_between_screens_and_analysts(
    screens, analysts, browsers, chromium_screens, chromium_analysts
):
    plan = load_screens.plan_viewers(screens, analysts, browsers)
    assert len(plan) == screens + analysts
    chromium = in_chromium(plan)
    assert chromium == [("screen", n) for n in range(chromium_screens)] + [
        ("analyst", n) for n in range(chromium_analysts)
    ]


def test_results_are_grouped_by_client_chromium_first():
    groups = load_screens.group(load_screens.plan_viewers(4, 2, 2))
    assert list(groups) == ["chromium", "protocol"]
    assert groups["chromium"].planned == {"screen": 1, "analyst": 1}
    assert groups["protocol"].planned == {"screen": 3, "analyst": 1}
    only = load_screens.group(load_screens.plan_viewers(4, 2, 0))
    assert list(only) == ["protocol"]
    assert load_screens.describe({"screen": 3, "analyst": 1}) == "3 screens + 1 analyst"
    assert load_screens.describe({"screen": 0, "analyst": 2}) == "2 analysts"


def cpu_with_marks() -> load_screens.Cpu:
    cpu = load_screens.Cpu(server_pid=0)
    # (phase, wall clock, server CPU-s, browsers CPU-s, this process CPU-s) so far
    cpu.marks = [("start", 0.0, 10.0, 1.0, 2.0), ("cold open", 4.0, 14.0, 21.0, 2.5)]
    return cpu


def section(out: str, client: str) -> str:
    """The report's lines for one client, up to the next client or the shared lines."""
    lines = out.splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"  {client}:")))
    end = next(
        (i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ")), len(lines)
    )
    return "\n".join(lines[start:end])


def test_the_report_gives_each_kind_of_viewer_its_own_figures_beside_the_targets(capsys):
    groups = load_screens.group(load_screens.plan_viewers(4, 2, 2))
    chromium, protocol = groups["chromium"], groups["protocol"]
    chromium.cold = {"screen": [7.9], "analyst": [6.0]}
    chromium.refresh = {"screen": [0.24, 0.30], "analyst": [0.6]}
    protocol.cold = {"screen": [2.5, 2.6, 2.7], "analyst": [3.0]}
    protocol.refresh = {"screen": [0.2] * 18 + [0.9, 0.95], "analyst": [0.3, 0.4]}
    memory = [(0.0, 300.0), (10.0, 320.0), (20.0, 310.0)]

    code = load_screens.report(list(groups.values()), memory, 8.1, cpu_with_marks())

    out = capsys.readouterr().out
    mine = section(out, "chromium")
    assert "chromium: 1 screen + 1 analyst" in mine
    assert "cold open p95" in mine and "7.90 s" in mine and "MISSED" in mine
    assert "(n=2 of 2)" in mine
    assert "screen refresh p95" in mine and "0.30 s   target ≤ 1 s  ok" in mine
    assert "overview reload p95" in mine and "0.60 s   target ≤ 1 s  ok" in mine
    theirs = section(out, "protocol")
    assert "protocol: 3 screens + 1 analyst" in theirs
    assert "3.00 s   target ≤ 5 s  ok" in theirs and "(n=4 of 4)" in theirs
    assert "0.90 s   target ≤ 1 s  ok   (n=20, median 0.20 s)" in theirs
    assert "MISSED" not in theirs
    for part in (mine, theirs):
        assert "errors" in part and "target 0  ok" in part
    assert "every viewer open after" in out and "8.1 s" in out
    assert "300 → 310 MiB (peak 320)" in out
    assert "server    4.0 CPU-s, viewers   20.5 CPU-s (browsers 20.0, this process 0.5" in out
    assert code == 1  # the Chromium pages' cold open missed its target


def test_errors_are_counted_against_their_own_client_and_absent_kinds_are_left_out(capsys):
    groups = load_screens.group(load_screens.plan_viewers(2, 0, 1))
    chromium, protocol = groups["chromium"], groups["protocol"]
    chromium.cold["screen"] = [1.0]
    chromium.refresh["screen"] = [0.2]
    protocol.cold["screen"] = [0.8]
    protocol.refresh["screen"] = [0.1]
    protocol.errors.append("screen 1 refresh: no finished run in 60 s")

    code = load_screens.report([chromium, protocol], [], 1.0, cpu_with_marks())

    out = capsys.readouterr().out
    mine, theirs = section(out, "chromium"), section(out, "protocol")
    assert "target 0  ok" in mine
    assert "1   target 0  MISSED" in theirs and "screen 1 refresh: no finished run" in theirs
    assert "overview reload" not in out  # no analysts: no reload figure, not a miss
    assert "server memory" not in out  # fewer than two samples
    assert code == 1


def test_a_run_that_meets_every_target_exits_0(capsys):
    groups = load_screens.group(load_screens.plan_viewers(1, 1, 0))
    res = groups["protocol"]
    res.cold = {"screen": [1.0], "analyst": [2.0]}
    res.refresh = {"screen": [0.2], "analyst": [0.3]}
    memory = [(0.0, 300.0), (10.0, 305.0)]
    assert load_screens.report([res], memory, 2.0, cpu_with_marks()) == 0
    assert "MISSED" not in capsys.readouterr().out
