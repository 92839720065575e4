"""一件事一次办 (packages) against metrics.md, on a hand-built dataset, on every backend.

One hall H1, departments D1 (社保) and D2 (市场监管), items I1 (instant, D1), I2 (promised 3
working days, D2), I3 (promised 2, D1), packages B1 开办餐饮店一件事 and B2 新生儿出生一件事.
Period 2026-10-12 (Mon) .. 10-25 (Sun), as_of 10-25 23:59:59. Calendar facts used: 10-10 (Sat)
is a 调休 working day, 10-11 (Sun) is off, National Day runs to 10-07.

    app pkg case item status      accepted    completed   due         visits
    A1  B1  C1   I1   completed   10-12 09:00 10-12 10:00 (10-12 end) 1
            C2   I2   completed   10-12 09:00 10-14 16:00 (10-15 end) 1   on time, 1 trip
    A2  B1  C3   I1   completed   10-13 09:00 10-13 09:30 (10-13 end) 0
            C4   I2   returned    10-13 09:00 -           -           3   left out
            C5   I3   completed   10-13 09:00 10-20 15:00 10-15 23:59 2   late, 2 trips
    A3  B2  C6   I1   completed   10-14 10:00 10-14 10:20 (10-14 end) -
            C7   I3   completed   10-14 10:00 10-16 11:00 (10-16 end) 1   on time, unknown
    A4  B2  C8   I1   completed   10-15 09:00 10-15 09:10             1
            C9   I3   in_progress 10-15 09:00 -                       -   not done
    A5  B1  C10  I1   completed   10-23 09:00 10-23 09:30             1
            C11  I2   completed   10-23 09:00 10-27 10:00             1   done after the period
    A6  B2  C12  I1   withdrawn   10-19 09:00                             nothing remains
            C13  I3   rejected    10-19 09:00
    A7  B1  C14  I2   completed   10-08 09:00 10-13 10:00 (10-12 end) 1   accepted before the
            C15  I1   completed   10-08 09:00 10-08 09:30 (10-08 end) 1   period, done in it: late
    A8  B2  C16  I1   completed   10-09 09:00 10-09 09:30             1   done before the period
            C17  I3   completed   10-09 09:00 10-10 10:00             1
    -   -   C18  I1   completed   10-12 11:00 10-12 11:10             1
    -   -   C19  I2   in_progress 10-14 11:00
    -   -   C20  I2   in_progress 10-20 11:00

(due) in brackets is derived from the calendar (due_at empty); I2 accepted 10-12 → 10-13,
10-14, 10-15; I2 accepted 10-08 → 10-09, 10-10 (调休), 10-12; I3 accepted 10-14 → 10-15, 10-16.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from access.scope import Scope
from cli.main import main
from metrics.engine import Deadlines
from metrics.figures import compute
from metrics.settings import Settings
from queries import rollups
from queries import schema as s
from queries.db import calendar_frame, ensure_calendar, init_schema
from queries.metric_queries import Filters, bundle_cases
from workdays.deadlines import applications_done

D = dt.date
FIRST, LAST = D(2026, 10, 12), D(2026, 10, 25)
AS_OF = dt.datetime(2026, 10, 25, 23, 59, 59)
PERIOD = Filters(FIRST, LAST, AS_OF)
ALL = Scope.everything("test")
D2_MANAGER = Scope(who="d2", role="manager", hall_ids=frozenset({"H1"}), dept_ids=frozenset({"D2"}))


def T(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(f"2026-{text}:00")


REFERENCE = {
    s.halls: [{"hall_id": "H1", "name": "城东政务服务中心", "level": "district"}],
    s.departments: [{"dept_id": "D1", "name": "社保"}, {"dept_id": "D2", "name": "市场监管"}],
    s.items: [
        {"item_id": "I1", "name": "社保登记", "dept_id": "D1", "kind": "instant"},
        {"item_id": "I2", "name": "食品经营许可", "dept_id": "D2", "kind": "promised"},
        {"item_id": "I3", "name": "医保参保", "dept_id": "D1", "kind": "promised"},
    ],
    s.bundles: [
        {"bundle_id": "B1", "name": "开办餐饮店一件事", "dept_id": "D2"},
        {"bundle_id": "B2", "name": "新生儿出生一件事", "dept_id": None},
    ],
}
PROMISED = {"I1": 0, "I2": 3, "I3": 2}

# case, app, bundle, item, status, accepted, completed, due_at, visits
CASES = [
    ("C1", "A1", "B1", "I1", "completed", "10-12 09:00", "10-12 10:00", None, 1),
    ("C2", "A1", "B1", "I2", "completed", "10-12 09:00", "10-14 16:00", None, 1),
    ("C3", "A2", "B1", "I1", "completed", "10-13 09:00", "10-13 09:30", None, 0),
    ("C4", "A2", "B1", "I2", "returned", "10-13 09:00", None, None, 3),
    ("C5", "A2", "B1", "I3", "completed", "10-13 09:00", "10-20 15:00", "10-15 23:59", 2),
    ("C6", "A3", "B2", "I1", "completed", "10-14 10:00", "10-14 10:20", None, None),
    ("C7", "A3", "B2", "I3", "completed", "10-14 10:00", "10-16 11:00", None, 1),
    ("C8", "A4", "B2", "I1", "completed", "10-15 09:00", "10-15 09:10", None, 1),
    ("C9", "A4", "B2", "I3", "in_progress", "10-15 09:00", None, None, None),
    ("C10", "A5", "B1", "I1", "completed", "10-23 09:00", "10-23 09:30", None, 1),
    ("C11", "A5", "B1", "I2", "completed", "10-23 09:00", "10-27 10:00", None, 1),
    ("C12", "A6", "B2", "I1", "withdrawn", "10-19 09:00", None, None, None),
    ("C13", "A6", "B2", "I3", "rejected", "10-19 09:00", None, None, None),
    ("C14", "A7", "B1", "I2", "completed", "10-08 09:00", "10-13 10:00", None, 1),
    ("C15", "A7", "B1", "I1", "completed", "10-08 09:00", "10-08 09:30", None, 1),
    ("C16", "A8", "B2", "I1", "completed", "10-09 09:00", "10-09 09:30", None, 1),
    ("C17", "A8", "B2", "I3", "completed", "10-09 09:00", "10-10 10:00", None, 1),
    ("C18", None, None, "I1", "completed", "10-12 11:00", "10-12 11:10", None, 1),
    ("C19", None, None, "I2", "in_progress", "10-14 11:00", None, None, None),
    ("C20", None, None, "I2", "in_progress", "10-20 11:00", None, None, None),
]


def seed(engine: Engine) -> None:
    init_schema(engine)
    with engine.begin() as conn:
        ensure_calendar(conn, D(2026, 9, 1), D(2026, 12, 31))
        for table, rows in REFERENCE.items():
            full = [{c.name: r.get(c.name) for c in table.columns} for r in rows]
            if table is s.items:
                for r in full:
                    r["promised_workdays"] = PROMISED[r["item_id"]]
            conn.execute(table.insert(), full)
        conn.execute(s.cases.insert(), [case_row(*case) for case in CASES])


def case_row(cid, app, bundle, item, status, accepted, completed, due, visits) -> dict:
    """A window case of hall H1 from a row of CASES (times as "MM-DD HH:MM")."""
    return {
        **{c.name: None for c in s.cases.columns},
        "case_id": cid,
        "hall_id": "H1",
        "item_id": item,
        "channel": "window",
        "status": status,
        "accepted_at": T(accepted),
        "completed_at": T(completed),
        "due_at": T(due),
        "visits": visits,
        "bundle_id": bundle,
        "application_id": app,
    }


def bundle_figures(result: dict) -> dict:
    keys = (
        "accepted",
        "bundle_applications",
        "bundle_case_share",
        "bundles_completed",
        "bundle_on_time_rate",
        "bundle_one_visit_rate",
    )
    return {k: result["cases"][k] for k in keys}


def figures(engine: Engine, dimension=None, scope=ALL, use_rollups=True) -> dict:
    with engine.connect() as conn:
        return compute(conn, PERIOD, Settings(), dimension, scope=scope, use_rollups=use_rollups)


TOTAL = {
    "accepted": 16,  # C1..C13, C18, C19, C20
    "bundle_applications": 6,  # A1..A6 (A7, A8 accepted before the period)
    "bundle_case_share": 13 / 16,  # C1..C13
    # A1 (last 10-14), A2 (10-20), A3 (10-16), A7 (10-13); not A4 (C9 open), A5 (10-27),
    # A6 (nothing remains), A8 (done 10-10)
    "bundles_completed": 4,
    "bundle_on_time_rate": 2 / 4,  # A1, A3; late: A2 (10-20 > 10-15), A7 (10-13 > 10-12)
    "bundle_one_visit_rate": 2 / 3,  # known: A1 yes, A2 no (C5 2), A7 yes; A3 unknown (C6)
}
BY_DEPARTMENT = {
    # D1's cases: C1 C3 C5 C6 C7 C8 C9 C10 C12 C13 (in the period) + C18; A5's D1 part (C10)
    # is done 10-23, on time; A7's D1 part (C15) was done 10-08
    "D1": {
        "accepted": 11,
        "bundle_applications": 6,
        "bundle_case_share": 10 / 11,
        "bundles_completed": 4,  # A1 (C1), A2 (C3 C5), A3, A5 (C10)
        "bundle_on_time_rate": 3 / 4,  # A1 A3 A5
        "bundle_one_visit_rate": 2 / 3,  # A1 A5 of A1 A2 A5
    },
    # D2's: C2 C4 C11 C19 C20 (+ C14 before); A2's D2 part is only C4 (returned): nothing remains
    "D2": {
        "accepted": 5,
        "bundle_applications": 3,  # A1 A2 A5
        "bundle_case_share": 3 / 5,
        "bundles_completed": 2,  # A1 (C2 10-14), A7 (C14 10-13)
        "bundle_on_time_rate": 1 / 2,  # A1; A7 late
        "bundle_one_visit_rate": 1.0,
    },
}
BY_BUNDLE = {
    "B1": {
        "accepted": 7,  # C1..C5 C10 C11
        "bundle_applications": 3,  # A1 A2 A5
        "bundle_case_share": 1.0,
        "bundles_completed": 3,  # A1 A2 A7
        "bundle_on_time_rate": 1 / 3,
        "bundle_one_visit_rate": 2 / 3,
    },
    "B2": {
        "accepted": 6,  # C6..C9 C12 C13
        "bundle_applications": 3,  # A3 A4 A6
        "bundle_case_share": 1.0,
        "bundles_completed": 1,  # A3
        "bundle_on_time_rate": 1.0,
        "bundle_one_visit_rate": None,  # A3's C6 has no visits
    },
}


def approx(values: dict) -> dict:
    return {k: (pytest.approx(v) if isinstance(v, float) else v) for k, v in values.items()}


def groups(result: dict, label: str) -> dict:
    return {g[label]: bundle_figures(g) for g in result["groups"]}


def test_every_bundle_figure_of_the_period(engine: Engine):
    seed(engine)
    assert bundle_figures(figures(engine, use_rollups=False)) == approx(TOTAL)


def test_rollups_leave_the_figures_unchanged(engine: Engine):
    """Rolled days serve `accepted` and the applications done (by the day of their last
    completion, `hallpulse_rollup_bundles`); the figures are those of the rows."""
    seed(engine)
    with engine.begin() as conn:
        assert rollups.rebuild_all(conn, wait_target_s=1200, today=D(2026, 10, 20)) > 0
        assert rollups.rolled_span(conn)[1] == D(2026, 10, 19)
    rolled = figures(engine)
    assert rolled == figures(engine, use_rollups=False)
    assert bundle_figures(rolled) == approx(TOTAL)
    by_dept = figures(engine, "department")
    assert groups(by_dept, "department_id") == {k: approx(v) for k, v in BY_DEPARTMENT.items()}


def test_by_department_and_by_bundle(engine: Engine):
    seed(engine)
    by_dept = figures(engine, "department", use_rollups=False)
    assert groups(by_dept, "department_id") == {k: approx(v) for k, v in BY_DEPARTMENT.items()}
    by_bundle = figures(engine, "bundle", use_rollups=False)
    assert groups(by_bundle, "bundle_id") == {k: approx(v) for k, v in BY_BUNDLE.items()}


def test_by_date_places_an_application_on_its_last_day(engine: Engine):
    seed(engine)
    by_date = figures(engine, "date", use_rollups=False)
    done = {g["date"]: g["cases"]["bundles_completed"] for g in by_date["groups"]}
    assert {d: n for d, n in done.items() if n} == {
        "2026-10-13": 1,  # A7
        "2026-10-14": 1,  # A1
        "2026-10-16": 1,  # A3
        "2026-10-20": 1,  # A2
    }


def test_an_application_accepted_on_two_mondays_counts_once_on_monday(engine: Engine):
    """Applications accepted are counted distinct in the database, by date; by weekday the
    dates are merged afterwards, so an application with cases accepted on two Mondays (A1: a
    returned case added on the 19th) is one Monday application, not two."""
    seed(engine)
    with engine.begin() as conn:
        late = ("C21", "A1", "B1", "I2", "returned", "10-19 10:00", None, None, None)
        conn.execute(s.cases.insert(), case_row(*late))
    by_date = figures(engine, "date", use_rollups=False)
    accepted = {g["date"]: g["cases"]["bundle_applications"] for g in by_date["groups"]}
    assert accepted["2026-10-12"] == 1 and accepted["2026-10-19"] == 2  # A1; A1 A6
    for use_rollups in (False, True):
        by_weekday = figures(engine, "weekday", use_rollups=use_rollups)
        monday = next(g for g in by_weekday["groups"] if g["weekday"] == 1)
        assert monday["cases"]["bundle_applications"] == 2  # A1 and A6, not A1 twice
    total = bundle_figures(figures(engine, use_rollups=False))
    assert total["bundle_applications"] == TOTAL["bundle_applications"]
    assert total["bundles_completed"] == TOTAL["bundles_completed"]  # C21 does not remain


def test_a_department_manager_sees_only_their_department(engine: Engine):
    seed(engine)
    mine = bundle_figures(figures(engine, scope=D2_MANAGER, use_rollups=False))
    assert mine == approx(BY_DEPARTMENT["D2"])
    by_bundle = figures(engine, "bundle", scope=D2_MANAGER, use_rollups=False)
    seen = groups(by_bundle, "bundle_id")
    assert set(seen) == {"B1"}  # B2's cases are all D1's
    assert seen["B1"]["bundles_completed"] == 2  # A1 (C2), A7 (C14)


def test_the_slowest_case_of_each_application(engine: Engine):
    seed(engine)
    with engine.connect() as conn:
        cases = bundle_cases(conn, PERIOD, "bundle", scope=ALL)
        deadlines = Deadlines(calendar_frame(conn))
    apps = applications_done(cases, PERIOD.start, PERIOD.end, deadlines).sort("application_id")
    assert apps["application_id"].to_list() == ["A1", "A2", "A3", "A7"]
    assert apps["slowest_case_id"].to_list() == ["C2", "C5", "C7", "C14"]
    assert apps["slowest_days"].to_list() == pytest.approx(
        [2 + 7 / 24, 7.25, 2 + 1 / 24, 5 + 1 / 24]
    )
    assert apps["latest_due"][1] == dt.datetime(2026, 10, 15, 23, 59)  # given, C5
    assert apps["latest_due"][3] == dt.datetime(2026, 10, 12, 23, 59, 59)  # derived, C14
    assert apps["on_time"].to_list() == [True, False, True, False]


def test_hall_metrics_by_bundle_json(db_url: str, engine: Engine, capsys, monkeypatch):
    seed(engine)
    monkeypatch.setenv("HALL_DB", db_url)
    args = ["metrics", "--db", db_url, "--from", "2026-10-12", "--to", "2026-10-25"]
    assert main([*args, "--by", "bundle", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert groups(out, "bundle_id") == {k: approx(v) for k, v in BY_BUNDLE.items()}


def test_no_packages_gives_zero_and_null(engine: Engine):
    init_schema(engine)
    with engine.begin() as conn:
        ensure_calendar(conn, D(2026, 9, 1), D(2026, 12, 31))
    assert bundle_figures(figures(engine)) == {
        "accepted": 0,
        "bundle_applications": 0,
        "bundle_case_share": None,
        "bundles_completed": 0,
        "bundle_on_time_rate": None,
        "bundle_one_visit_rate": None,
    }


def test_old_database_is_upgraded_in_place(db_url: str, engine: Engine, capsys):
    """A database made before packages: `cases` without the two columns, no `bundles` table.
    `hall db init` adds them and keeps every row."""
    old = sa.MetaData()
    for table in s.metadata.sorted_tables:
        if table.name == "bundles":
            continue
        columns = [
            c._copy() for c in table.columns if c.name not in ("bundle_id", "application_id")
        ]
        for c in columns:
            c.foreign_keys.clear()
            c.constraints = set()
        sa.Table(table.name, old, *columns)
    old.create_all(engine)
    with engine.begin() as conn:
        # the narrower indexes of that release, which the wider ones replace
        cases, evaluations = old.tables["cases"], old.tables["evaluations"]
        sa.Index("ix_cases_hall_completed", cases.c.hall_id, cases.c.completed_at).create(conn)
        sa.Index(
            "ix_evaluations_hall_evaluated", evaluations.c.hall_id, evaluations.c.evaluated_at
        ).create(conn)
        if engine.dialect.name == "postgresql":  # the block ranges of every completion time
            brin = "CREATE INDEX ix_cases_completed_at_brin ON cases USING brin (completed_at)"
            conn.execute(sa.text(brin))
        conn.execute(sa.insert(old.tables["halls"]).values(hall_id="H1", name="老大厅"))
        conn.execute(
            sa.insert(old.tables["items"]).values(
                item_id="I1", name="社保登记", kind="instant", promised_workdays=0
            )
        )
        conn.execute(
            sa.insert(old.tables["cases"]).values(
                case_id="C1",
                hall_id="H1",
                item_id="I1",
                channel="window",
                status="completed",
                accepted_at=dt.datetime(2026, 10, 12, 9),
                completed_at=dt.datetime(2026, 10, 12, 10),
                visits=1,
            )
        )
    assert "bundle_id" not in {c["name"] for c in sa.inspect(engine).get_columns("cases")}
    args = ["metrics", "--db", db_url, "--from", "2026-10-12", "--to", "2026-10-12"]
    assert main(args) != 0  # the figures wait for the upgrade, which they name
    err = capsys.readouterr().err
    assert "lacks bundles, cases.bundle_id, cases.application_id" in err and "hall db init" in err
    assert main(["db", "init", "--db", db_url]) == 0
    assert "upgraded: added cases.bundle_id, cases.application_id" in capsys.readouterr().out
    inspector = sa.inspect(engine)
    assert {"bundle_id", "application_id"} <= {c["name"] for c in inspector.get_columns("cases")}
    assert "bundles" in inspector.get_table_names()
    # and the indexes added since: the packages' applications, the past open stock's
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("cases")}
    assert indexes["ix_cases_application"] == ["application_id"]
    assert indexes["ix_cases_hall_completed_accepted"] == ["hall_id", "completed_at", "accepted_at"]
    # the packages' cases by completion and by acceptance: partial indexes, none on MariaDB
    partial = engine.dialect.name in ("postgresql", "sqlite")
    assert ("ix_cases_package_completed" in indexes) == partial
    assert ("ix_cases_package_accepted" in indexes) == partial
    assert ("ix_cases_completed_untimed" in indexes) == partial
    if partial:
        assert indexes["ix_cases_package_completed"] == ["completed_at"]
    assert "ix_cases_hall_completed" not in indexes  # the wider one serves its reads
    # PostgreSQL: the completed cases by completion time (neither block-range index of before)
    assert ("ix_cases_completed" in indexes) == (engine.dialect.name == "postgresql")
    assert "ix_cases_completed_at_brin" not in indexes
    assert "ix_cases_completed_brin" not in indexes
    # PostgreSQL: the open stock on its covering partial index
    assert ("ix_cases_open" in indexes) == (engine.dialect.name == "postgresql")
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("evaluations")}
    assert indexes["ix_evaluations_hall_evaluated_rating"] == ["hall_id", "evaluated_at", "rating"]
    assert "ix_evaluations_hall_evaluated" not in indexes
    assert ("ix_evaluations_bad" in indexes) == partial  # the bad reviews among themselves
    with engine.connect() as conn:
        row = conn.execute(sa.select(s.cases)).one()._mapping
    assert (row["case_id"], row["visits"], row["bundle_id"], row["application_id"]) == (
        "C1",
        1,
        None,
        None,
    )
    assert main(["db", "init", "--db", db_url]) == 0  # idempotent
    with engine.begin() as conn:
        conn.execute(s.bundles.insert().values(bundle_id="B1", name="退休一件事"))
        conn.execute(
            s.cases.update()
            .values(bundle_id="B1", application_id="YJS-1")
            .where(s.cases.c.case_id == "C1")
        )
    period = Filters(D(2026, 10, 12), D(2026, 10, 12), dt.datetime(2026, 10, 12, 23, 59, 59))
    with engine.connect() as conn:
        ensure_calendar(conn, D(2026, 10, 1), D(2026, 10, 31))
        result = compute(conn, period, Settings(), scope=ALL)
    assert result["cases"]["bundles_completed"] == 1
    assert result["cases"]["bundle_one_visit_rate"] == 1.0


def test_import_preset_maps_package_headers(tmp_path, db_url: str, engine: Engine):
    """A vendor export with 一件事名称 / 申请编号 headers: packages by name, applications by id."""
    seed(engine)
    bundles = tmp_path / "bundles.csv"
    bundles.write_text("一件事编码,一件事名称,牵头部门\nB3,退休一件事,社保\n", encoding="utf-8")
    assert main(["import", "bundles", str(bundles), "--db", db_url]) == 0
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "办件编号,大厅编号,事项编码,申报渠道,受理时间,办件状态,一件事名称,申请编号\n"
        "C30,H1,I1,窗口,2026-10-21 09:00,办理中,退休一件事,YJS-2026-000123\n"
        "C31,H1,I3,窗口,2026-10-21 09:00,办理中,退休一件事,YJS-2026-000123\n",
        encoding="utf-8",
    )
    assert main(["import", "cases", str(cases), "--db", db_url]) == 0
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(s.cases.c.case_id, s.cases.c.bundle_id, s.cases.c.application_id)
            .where(s.cases.c.case_id.in_(["C30", "C31"]))
            .order_by(s.cases.c.case_id)
        ).all()
        lead = conn.execute(
            sa.select(s.bundles.c.dept_id).where(s.bundles.c.bundle_id == "B3")
        ).scalar_one()
    assert [tuple(r) for r in rows] == [
        ("C30", "B3", "YJS-2026-000123"),
        ("C31", "B3", "YJS-2026-000123"),
    ]
    assert lead == "D1"  # 社保, by the department's name


def test_a_package_case_without_its_application_is_rejected(tmp_path, db_url, engine, capsys):
    seed(engine)
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "case_id,hall_id,item_id,channel,accepted_at,status,bundle_id\n"
        "C40,H1,I1,window,2026-10-21 09:00,in_progress,B1\n",
        encoding="utf-8",
    )
    assert main(["import", "cases", str(cases), "--db", db_url]) != 0
    err = capsys.readouterr()
    text = err.out + err.err
    assert "cases.csv" in text and "2" in text and "application_id" in text
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).where(s.cases.c.case_id == "C40")).scalar_one()
            == 0
        )


def test_export_writes_the_packages(tmp_path, db_url: str, engine: Engine):
    seed(engine)
    out = tmp_path / "out"
    assert main(["export", "all", "--out", str(out), "--db", db_url]) == 0
    bundles = pl.read_csv(out / "bundles.csv")
    assert sorted(bundles["bundle_id"].to_list()) == ["B1", "B2"]
    cases = pl.read_csv(out / "cases.csv", infer_schema=False)
    assert {"bundle_id", "application_id"} <= set(cases.columns)
    c5 = cases.filter(pl.col("case_id") == "C5").row(0, named=True)
    assert (c5["bundle_id"], c5["application_id"]) == ("B1", "A2")


def test_the_demo_files_packages(demo_db):
    """A few percent of the demo's cases are 一件事 applications of several items, accepted
    together at one window in one trip; the figures come out in range."""
    url, _tickets = demo_db
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        cases = pl.read_database(
            sa.select(
                s.cases.c.case_id,
                s.cases.c.bundle_id,
                s.cases.c.application_id,
                s.cases.c.window_id,
                s.cases.c.accepted_at,
                s.cases.c.visits,
            ),
            conn,
            infer_schema_length=None,  # the first hundred cases may hold no package
        )
        names = dict(conn.execute(sa.select(s.bundles.c.bundle_id, s.bundles.c.name)).all())
        last = conn.execute(sa.select(sa.func.max(s.cases.c.accepted_at))).scalar_one()
        last = last if isinstance(last, dt.datetime) else dt.datetime.fromisoformat(last)
        first = last.date() - dt.timedelta(days=13)
        result = compute(
            conn, Filters(first, last.date(), AS_OF.replace(year=2100)), Settings(), scope=ALL
        )
    engine.dispose()
    assert len(names) >= 25 and "开办餐饮店一件事" in names.values()
    bundled = cases.filter(pl.col("bundle_id").is_not_null())
    assert 0.02 < bundled.height / cases.height < 0.08
    assert bundled["application_id"].null_count() == 0
    apps = bundled.group_by("application_id").agg(
        pl.len().alias("n"),
        pl.col("bundle_id").n_unique().alias("bundles"),
        pl.col("window_id").n_unique().alias("windows"),
        (pl.col("accepted_at").max() - pl.col("accepted_at").min()).alias("spread"),
        pl.col("visits").n_unique().alias("trips"),
    )
    assert apps["n"].min() >= 2  # several items each
    assert apps["bundles"].max() == 1 and apps["trips"].max() == 1  # one package, one trip
    assert apps["windows"].max() == 1
    assert apps["spread"].max() < dt.timedelta(hours=1)  # accepted together
    cases_fig = result["cases"]
    assert cases_fig["bundle_applications"] > 0 and cases_fig["bundles_completed"] > 0
    assert 0.02 < cases_fig["bundle_case_share"] < 0.08
    assert 0.5 < cases_fig["bundle_on_time_rate"] <= 1.0
    assert 0.85 < cases_fig["bundle_one_visit_rate"] <= 1.0
