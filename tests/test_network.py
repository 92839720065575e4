"""The network's reads (`queries.network`) and figures (`metrics.network`) on a hand-built
区-街道-社区 tree, on SQLite, PostgreSQL and MariaDB, read raw and from the daily rollups.

    D0 示范区中心 (district)
    ├── S1 新安街道 (street)
    │   ├── C1 翠园社区 (community)
    │   └── C2 海湾社区 (community)
    └── S2 航城街道 (street)

Monday 2026-09-28. Tickets (wait in minutes; all served unless said):
    D0: 10, 20, 30, and a no-show      S1: 5, 15      C1: 2      C2: a cancelled one
    S2: 4, 6
    → issued 10, of them 6 at street and community halls.
Cases accepted: D0 3×I2, 1×I1, 3×I3; S1 1×I1; C1 2×I1; S2 1×I3 → 11, 4 below the district.
Tickets linked to a case: D0's first (an I2 case), C1's (an I1 case).
Evaluations: D0 5 and 2; C1 4; S1 a default 5 (not counted).
下沉率 = (6 + 4) / (10 + 11) = 10/21.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy.engine import Engine

from access.scope import Scope, halls_below
from metrics import network as net
from queries import rollups
from queries import schema as s
from queries.db import ensure_calendar, init_schema
from queries.metric_queries import Filters
from queries.network import hall_items, hall_partials, network_halls

ALL = Scope.everything("test")
DAY = dt.date(2026, 9, 28)
PERIOD = Filters(DAY, DAY, dt.datetime(2026, 9, 28, 23, 59, 59))
WAIT_TARGET_S = 20 * 60

HALLS = [
    ("D0", "示范区中心", "district", None),
    ("S1", "新安街道", "street", "D0"),
    ("S2", "航城街道", "street", "D0"),
    ("C1", "翠园社区", "community", "S1"),
    ("C2", "海湾社区", "community", "S1"),
]
# hall, status, wait minutes, linked case
TICKETS = [
    ("D0", "served", 10, "K01"),
    ("D0", "served", 20, None),
    ("D0", "served", 30, None),
    ("D0", "no_show", None, None),
    ("S1", "served", 5, None),
    ("S1", "served", 15, None),
    ("C1", "served", 2, "K09"),
    ("C2", "cancelled", None, None),
    ("S2", "served", 4, None),
    ("S2", "served", 6, None),
]
# case, hall, item
CASES = [
    ("K01", "D0", "I2"),
    ("K02", "D0", "I2"),
    ("K03", "D0", "I2"),
    ("K04", "D0", "I1"),
    ("K05", "D0", "I3"),
    ("K06", "D0", "I3"),
    ("K07", "D0", "I3"),
    ("K08", "S1", "I1"),
    ("K09", "C1", "I1"),
    ("K10", "C1", "I1"),
    ("K11", "S2", "I3"),
]
EVALUATIONS = [("D0", 5, False), ("D0", 2, False), ("C1", 4, False), ("S1", 5, True)]


def seed(engine: Engine) -> None:
    init_schema(engine)
    at = dt.datetime.combine(DAY, dt.time(9))
    with engine.begin() as conn:
        ensure_calendar(conn, dt.date(2026, 9, 1), dt.date(2026, 10, 31))
        conn.execute(
            s.halls.insert(),
            [
                {"hall_id": h, "name": n, "level": lv, "parent_hall_id": p, "timezone": None}
                for h, n, lv, p in HALLS
            ],
        )
        conn.execute(s.departments.insert(), [{"dept_id": "DP", "name": "综合"}])
        conn.execute(
            s.items.insert(),
            [
                {
                    "item_id": i,
                    "name": n,
                    "dept_id": "DP",
                    "theme": None,
                    "kind": "instant",
                    "promised_workdays": 0,
                    "legal_workdays": None,
                }
                for i, n in (("I1", "社保卡补办"), ("I2", "不动产登记"), ("I3", "居住证办理"))
            ],
        )
        conn.execute(
            s.queues.insert(),
            [
                {"queue_id": f"Q{h}", "hall_id": h, "name": "综合", "prefix": "A", "dept_id": "DP"}
                for h, *_ in HALLS
            ],
        )
        rows = []
        for n, (hall, status, wait, case) in enumerate(TICKETS):
            issued = at + dt.timedelta(minutes=n)
            called = issued + dt.timedelta(minutes=wait) if wait is not None else None
            rows.append(
                {c.name: None for c in s.tickets.columns}
                | {
                    "ticket_id": f"T{n:02d}",
                    "hall_id": hall,
                    "queue_id": f"Q{hall}",
                    "issued_at": issued,
                    "called_at": called,
                    "finished_at": called and called + dt.timedelta(minutes=5),
                    "status": status,
                    "source": "walk_in",
                    "case_id": case,
                }
            )
        conn.execute(s.tickets.insert(), rows)
        conn.execute(
            s.cases.insert(),
            [
                {c.name: None for c in s.cases.columns}
                | {
                    "case_id": cid,
                    "hall_id": hall,
                    "item_id": item,
                    "channel": "window",
                    "accepted_at": at,
                    "status": "in_progress",
                }
                for cid, hall, item in CASES
            ],
        )
        conn.execute(
            s.evaluations.insert(),
            [
                {c.name: None for c in s.evaluations.columns}
                | {
                    "eval_id": f"E{n}",
                    "hall_id": hall,
                    "evaluated_at": at + dt.timedelta(hours=1),
                    "rating": rating,
                    "channel": "device",
                    "is_default": default,
                }
                for n, (hall, rating, default) in enumerate(EVALUATIONS)
            ],
        )


@pytest.fixture(params=["raw", "rolled"])
def seeded(engine: Engine, request: pytest.FixtureRequest) -> Engine:
    seed(engine)
    if request.param == "rolled":
        with engine.begin() as conn:
            rollups.rebuild_all(conn, wait_target_s=WAIT_TARGET_S)
            assert rollups.plan(conn, PERIOD) is not None  # the day is read from the rollups
    return engine


def read(engine: Engine, scope: Scope):
    with engine.connect() as conn:
        return (
            network_halls(conn, scope=scope),
            hall_partials(conn, PERIOD, wait_target_s=WAIT_TARGET_S, scope=scope),
            hall_items(conn, PERIOD, scope=scope),
        )


def test_partials_per_hall(seeded: Engine):
    halls, partials, _ = read(seeded, ALL)
    assert halls["hall_id"].to_list() == ["C1", "C2", "D0", "S1", "S2"]
    got = {r["hall_id"]: r for r in partials.iter_rows(named=True)}
    assert {
        h: (r["issued"], r["served"], r["wait_n"], r["wait_sum_s"]) for h, r in got.items()
    } == {
        "C1": (1, 1, 1, 120),
        "C2": (1, 0, 0, 0),
        "D0": (4, 3, 3, 3600),
        "S1": (2, 2, 2, 1200),
        "S2": (2, 2, 2, 600),
    }
    assert {h: r["accepted"] for h, r in got.items()} == {
        "C1": 2, "C2": 0, "D0": 7, "S1": 1, "S2": 1,
    }  # fmt: skip
    assert {h: (r["evaluations"], r["satisfied"]) for h, r in got.items()} == {
        "C1": (1, 1), "C2": (0, 0), "D0": (2, 1), "S1": (0, 0), "S2": (0, 0),
    }  # fmt: skip


def test_level_shares_and_sinking_rate(seeded: Engine):
    halls, partials, _ = read(seeded, ALL)
    shares = net.level_shares(halls, partials)
    assert shares["level"].to_list() == ["district", "street", "community"]
    rows = {r["level"]: r for r in shares.iter_rows(named=True)}
    assert (rows["district"]["halls"], rows["street"]["halls"], rows["community"]["halls"]) == (
        1,
        2,
        2,
    )
    assert rows["district"]["ticket_share"] == pytest.approx(4 / 10)
    assert rows["street"]["ticket_share"] == pytest.approx(4 / 10)
    assert rows["community"]["ticket_share"] == pytest.approx(2 / 10)
    assert rows["district"]["case_share"] == pytest.approx(7 / 11)
    assert rows["community"]["case_share"] == pytest.approx(2 / 11)
    assert rows["street"]["wait_mean_min"] == pytest.approx(30 / 4)  # 5 15 4 6
    rate = net.sinking_rate(shares)
    assert rate["demand"] == pytest.approx(10 / 21)
    assert rate["tickets"] == pytest.approx(6 / 10)
    assert rate["cases"] == pytest.approx(4 / 11)


def test_rolled_up_the_tree(seeded: Engine):
    halls, partials, _ = read(seeded, ALL)
    up = net.rolled_up(halls, partials)
    assert up["hall_id"].to_list() == ["D0", "S1", "C1", "C2", "S2"]  # depth first
    assert up["depth"].to_list() == [0, 1, 2, 2, 1]
    rows = {r["hall_id"]: r for r in up.iter_rows(named=True)}
    s1 = rows["S1"]
    assert (s1["stations"], s1["issued"], s1["own_issued"], s1["accepted"]) == (3, 4, 2, 3)
    assert s1["wait_mean_min"] == pytest.approx(22 / 3)  # 5 15 2
    assert s1["satisfaction_rate"] == pytest.approx(1.0)  # C1's 4; S1's default not counted
    d0 = rows["D0"]
    assert (d0["stations"], d0["issued"], d0["served"], d0["accepted"]) == (5, 10, 8, 11)
    assert d0["wait_mean_min"] == pytest.approx(92 / 8)
    assert d0["satisfaction_rate"] == pytest.approx(2 / 3)
    assert rows["C2"]["wait_mean_min"] is None  # no valid wait
    assert rows["C2"]["path"] == "D0/S1/C2"


def test_peers_of_the_same_level(seeded: Engine):
    halls, partials, _ = read(seeded, ALL)
    table = net.peers(halls, partials)
    street = table.filter(pl.col("level") == "street")
    assert street["hall_id"].to_list() == ["S1", "S2"]  # 2 issued each: by hall_id
    s1 = street.row(0, named=True)
    assert s1["share_of_level"] == pytest.approx(0.5)
    assert s1["wait_mean_min"] == pytest.approx(10.0)
    assert s1["wait_vs_level"] == pytest.approx(10.0 - 7.5)
    assert table["level"].to_list() == ["district", "street", "street", "community", "community"]


def test_items_per_level(seeded: Engine):
    halls, _, items = read(seeded, ALL)
    by_hall = {
        (r["hall_id"], r["item_id"]): (r["cases"], r["tickets"])
        for r in items.iter_rows(named=True)
    }
    assert by_hall == {
        ("C1", "I1"): (2, 1),
        ("D0", "I1"): (1, 0),
        ("D0", "I2"): (3, 1),
        ("D0", "I3"): (3, 0),
        ("S1", "I1"): (1, 0),
        ("S2", "I3"): (1, 0),
    }
    table = net.level_items(halls, items)
    rows = {r["item_id"]: r for r in table.iter_rows(named=True)}
    assert table["item_id"].to_list() == ["I2", "I3", "I1"]  # district volume 4, 3, 1
    assert rows["I1"]["lower_share"] == pytest.approx(4 / 5)  # S1 1, C1 2 + 1 ticket; D0 1
    assert (rows["I1"]["cases_community"], rows["I1"]["tickets_community"]) == (2, 1)
    assert not rows["I1"]["movable"]  # the district carries only 1 of 5
    assert not rows["I2"]["movable"]  # nobody below the district handles it yet
    assert rows["I3"]["movable"]  # district 3 of 4, and S2 already handles it
    assert rows["I3"]["halls_lower"] == 1


def test_a_street_director_sees_the_street_and_its_stations(seeded: Engine):
    with seeded.connect() as conn:
        scope = Scope(who="d-s1", role="director", hall_ids=halls_below(conn, ["S1"]))
    halls, partials, items = read(seeded, scope)
    assert halls["hall_id"].to_list() == ["C1", "C2", "S1"]
    assert partials["hall_id"].to_list() == ["C1", "C2", "S1"]
    assert set(items["hall_id"]) == {"C1", "S1"}
    up = net.rolled_up(halls, partials)
    assert up["hall_id"].to_list() == ["S1", "C1", "C2"]  # S1 is the root of the view
    assert up.row(0, named=True)["issued"] == 4
    rate = net.sinking_rate(net.level_shares(halls, partials))
    assert rate["demand"] == pytest.approx(1.0)  # nothing of the district is in view
    assert set(net.level_items(halls, items)["item_id"]) == {"I1"}


def test_a_tree_with_a_cycle_visits_each_hall_once():
    halls = pl.DataFrame(
        {
            "hall_id": ["A", "B", "C"],
            "name": ["a", "b", "c"],
            "level": ["street", "community", "community"],
            "parent_hall_id": ["B", "A", "A"],
        }
    )
    got = net.tree(halls)
    assert sorted(got["hall_id"].to_list()) == ["A", "B", "C"]
    assert got.filter(pl.col("hall_id") == "C")["depth"].item() == 1  # below A


# --- the public waits page's figures (queries.public, metrics.public) -----------------------

NOW = dt.datetime(2026, 9, 28, 10, 0)


def add_waiting(engine: Engine) -> None:
    """D0 open Monday 09:00–17:00 (no other hall has hours: closed); two people waiting at D0
    (issued 09:50 and 09:55), one at S1, one issued after NOW (not yet there)."""
    with engine.begin() as conn:
        conn.execute(
            s.service_hours.insert(),
            {
                "hall_id": "D0",
                "weekday": 1,
                "start": dt.time(9),
                "end": dt.time(17),
                "kind": "regular",
                "valid_from": None,
                "valid_to": None,
            },
        )
        conn.execute(
            s.tickets.insert(),
            [
                {c.name: None for c in s.tickets.columns}
                | {
                    "ticket_id": tid,
                    "hall_id": hall,
                    "queue_id": f"Q{hall}",
                    "ticket_no": f"A9{n}",
                    "issued_at": issued,
                    "status": "waiting",
                    "source": "walk_in",
                }
                for n, (tid, hall, issued) in enumerate(
                    [
                        ("W1", "D0", dt.datetime(2026, 9, 28, 9, 50)),
                        ("W2", "D0", dt.datetime(2026, 9, 28, 9, 55)),
                        ("W3", "S1", dt.datetime(2026, 9, 28, 9, 40)),
                        ("W4", "S1", dt.datetime(2026, 9, 28, 10, 5)),
                    ]
                )
            ],
        )


def test_public_board_counts_and_expected_waits(seeded: Engine):
    from metrics.public import public_board

    add_waiting(seeded)
    with seeded.connect() as conn:
        board = public_board(conn, lambda zone: NOW, 30.0)
    halls = {r["hall_id"]: r for r in board.halls.iter_rows(named=True)}
    assert board.halls["hall_id"].to_list() == ["D0", "S1", "C1", "C2", "S2"]
    assert {h: (r["is_open"], r["waiting"]) for h, r in halls.items()} == {
        "D0": (True, 2),
        "S1": (False, 1),
        "C1": (False, 0),
        "C2": (False, 0),
        "S2": (False, 0),
    }
    queues = {r["hall_id"]: r for r in board.queues.iter_rows(named=True)}
    # D0 called one ticket in 09:30–10:00 (T02 at 09:32): 2 waiting ÷ (1 / 30 min) = 60 min
    assert (queues["D0"]["called_recent"], queues["D0"]["expected_min"]) == (1, 60.0)
    assert queues["S1"]["expected_min"] is None  # waiting, nobody called in 30 min
    assert queues["C1"]["expected_min"] == 0.0  # nobody waiting
    assert set(board.queues.columns) == {
        "hall_id",
        "queue_id",
        "name",
        "prefix",
        "waiting",
        "called_recent",
        "expected_min",
    }  # fmt: skip  (counts and names of services only)


def test_public_board_equals_the_big_screen(seeded: Engine):
    from metrics import live
    from metrics.public import public_board
    from metrics.screen import live_figures
    from metrics.settings import Settings

    add_waiting(seeded)
    with seeded.connect() as conn:
        board = public_board(conn, lambda zone: NOW, 30.0)
        for hall in board.halls.iter_rows(named=True):
            screen = live_figures(
                conn,
                hall["hall_id"],
                NOW,
                Settings(),
                live.ScreenSettings(),
                scope=Scope.kiosk(1, hall["hall_id"]),
            )
            assert hall["is_open"] == screen.is_open, hall["hall_id"]
            assert hall["waiting"] == screen.hall["waiting_now"], hall["hall_id"]
            mine = board.queues.filter(pl.col("hall_id") == hall["hall_id"])
            assert dict(zip(mine["queue_id"], mine["waiting"], strict=True)) == dict(
                zip(screen.queues["queue_id"], screen.queues["waiting"], strict=True)
            )


def test_expected_wait_definition():
    from metrics.public import expected_wait_min

    assert expected_wait_min(0, 0, 30) == 0.0
    assert expected_wait_min(5, 0, 30) is None
    assert expected_wait_min(6, 12, 30) == pytest.approx(15.0)  # 0.4 calls a minute
    assert expected_wait_min(1, 30, 30) == pytest.approx(1.0)


def test_public_board_judges_each_hall_on_its_own_clock(seeded: Engine):
    """A hall in another zone is judged at that zone's now: D0 on Urumqi time is at 08:00
    when Beijing is at 10:00, before its 09:00 opening and before its people came in."""
    from metrics.public import public_board

    add_waiting(seeded)
    with seeded.begin() as conn:
        conn.execute(
            s.halls.update().where(s.halls.c.hall_id == "D0").values(timezone="Asia/Urumqi")
        )
    clocks = {"Asia/Urumqi": NOW - dt.timedelta(hours=2), "Asia/Shanghai": NOW}
    with seeded.connect() as conn:
        board = public_board(conn, lambda zone: clocks[zone], 30.0)
    rows = {r["hall_id"]: r for r in board.halls.iter_rows(named=True)}
    assert (rows["D0"]["zone"], rows["D0"]["now"], rows["D0"]["is_open"]) == (
        "Asia/Urumqi",
        dt.datetime(2026, 9, 28, 8, 0),
        False,
    )
    assert rows["D0"]["waiting"] == 0  # W1, W2 are issued after 08:00
    assert (rows["S1"]["now"], rows["S1"]["waiting"]) == (NOW, 1)
